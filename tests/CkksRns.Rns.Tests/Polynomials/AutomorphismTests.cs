using CkksRns.Rns.Polynomials;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Polynomials;

public sealed class AutomorphismTests
{
    private static Gen<(int Seed, long A, long B)> Cases(RnsContext context) =>
        from seed in Gen.Choose(0, int.MaxValue)
        from a in Gen.Choose(0, context.N - 1)
        from b in Gen.Choose(-context.N, context.N - 1)
        select (seed, 2L * a + 1, 2L * b + 1);

    [Fact]
    public void CoefficientForm_RandomElement_MatchesDefinition()
    {
        RnsContext context = TestRings.Small;
        Prop.ForAll(Cases(context).ToArbitrary(), c =>
        {
            RnsPoly a = TestRings.Random(context, new Random(c.Seed), 2);
            var image = new RnsPoly(context);
            RnsPoly.Automorphism(a, c.A, image);
            int n = context.N;
            bool ok = true;
            for (int i = 0; i < 2; i++)
            {
                var q = context.Moduli[i];
                var expected = new ulong[n];
                for (int j = 0; j < n; j++)
                {
                    // X^j -> X^(j·k mod 2N) = ±X^(j·k mod N).
                    long e = j * c.A % (2L * n);
                    ulong v = a.Limb(i)[j];
                    if (e < n)
                    {
                        expected[e] = v;
                    }
                    else
                    {
                        expected[e - n] = q.Negate(v);
                    }
                }

                ok &= image.Limb(i).SequenceEqual(expected);
            }

            return ok && !image.IsNttForm && image.LimbCount == 2;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20));
    }

    [Fact]
    public void Automorphisms_Compose_BothForms()
    {
        RnsContext context = TestRings.Small;
        Prop.ForAll(Cases(context).ToArbitrary(), c =>
        {
            bool ok = true;
            foreach (bool ntt in new[] { false, true })
            {
                RnsPoly x = TestRings.Random(context, new Random(c.Seed), ntt: ntt);
                var step = new RnsPoly(context);
                var twice = new RnsPoly(context);
                var once = new RnsPoly(context);
                RnsPoly.Automorphism(x, c.A, step);
                RnsPoly.Automorphism(step, c.B, twice);
                long product = (c.A * c.B % (2L * context.N) + 2L * context.N) % (2L * context.N);
                RnsPoly.Automorphism(x, product, once);
                ok &= once.ContentEquals(twice);
            }

            return ok;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20));
    }

    [Fact]
    public void Automorphism_CommutesWithNtt()
    {
        RnsContext context = TestRings.Small;
        Prop.ForAll(Cases(context).ToArbitrary(), c =>
        {
            RnsPoly a = TestRings.Random(context, new Random(c.Seed));
            var imageThenNtt = new RnsPoly(context);
            RnsPoly.Automorphism(a, c.B, imageThenNtt);
            imageThenNtt.ToNtt();

            var nttThenImage = new RnsPoly(context);
            RnsPoly.ToNtt(a, nttThenImage);
            RnsPoly.Automorphism(nttThenImage, c.B, nttThenImage);
            return nttThenImage.IsNttForm && imageThenNtt.ContentEquals(nttThenImage);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20));
    }

    [Fact]
    public void Automorphism_IdentityAndConjugation_BehaveAsExpected()
    {
        RnsContext context = TestRings.Small;
        RnsPoly a = TestRings.Random(context, new Random(5), ntt: true);
        var image = new RnsPoly(context);
        RnsPoly.Automorphism(a, 1, image);
        Assert.True(image.ContentEquals(a));
        RnsPoly.Automorphism(a, 2L * context.N + 1, image);
        Assert.True(image.ContentEquals(a));

        // k = -1 and k = 2N - 1 are the same map, and it is an involution.
        var conjugate = new RnsPoly(context);
        RnsPoly.Automorphism(a, -1, conjugate);
        RnsPoly.Automorphism(a, 2L * context.N - 1, image);
        Assert.True(image.ContentEquals(conjugate));
        RnsPoly.Automorphism(conjugate, -1, image);
        Assert.True(image.ContentEquals(a));
        Assert.False(conjugate.ContentEquals(a));
    }
}
