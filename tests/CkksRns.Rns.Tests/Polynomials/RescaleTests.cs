using System.Numerics;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Polynomials;

public sealed class RescaleTests
{
    private static BigInteger FloorDiv(BigInteger x, BigInteger d)
    {
        BigInteger quotient = BigInteger.DivRem(x, d, out BigInteger remainder);
        return remainder.Sign < 0 ? quotient - 1 : quotient;
    }

    [Fact]
    public void DivideRoundByLastModulus_CoefficientForm_IsRoundedQuotient()
    {
        RnsContext context = TestRings.Small;
        var gen = from seed in Gen.Choose(0, int.MaxValue) from limbs in Gen.Choose(2, context.ModulusCount) select (seed, limbs);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            RnsPoly a = TestRings.Random(context, new Random(c.seed), c.limbs);
            var x = new BigInteger[context.N];
            a.GetCoefficients(x);
            var result = new RnsPoly(context);
            RnsPoly.DivideRoundByLastModulus(a, result);
            var actual = new BigInteger[context.N];
            result.GetCoefficients(actual);

            BigInteger q = context.Moduli[c.limbs - 1].Value;
            BigInteger qPrime = context.GetBase(c.limbs - 1).Product;
            bool ok = result.LimbCount == c.limbs - 1 && !result.IsNttForm;
            for (int j = 0; j < x.Length && ok; j++)
            {
                // round(x / q) for the centred x, compared modulo Q/q (centred representatives on both sides).
                BigInteger expected = FloorDiv(x[j] + (q - 1) / 2, q);
                ok &= ((expected - actual[j]) % qPrime).IsZero;
                ok &= BigInteger.Abs(actual[j] * q - x[j]) <= q / 2 || BigInteger.Abs(x[j]) > context.GetBase(c.limbs).Product / 2 - q;
            }

            return ok;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20));
    }

    [Fact]
    public void DivideRoundByLastModulus_NttForm_MatchesCoefficientForm_OverChains()
    {
        // Chains where the last prime's centred remainders are below every other prime (one shared signed correction read
        // by each limb's NTT) and chains where they are not (each limb reduces its own), over every NTT strategy.
        var gen = from bits in Gen.ListOf(Gen.Elements(26, 28, 30, 36, 45, 49, 50, 55, 61)).Where(l => l.Count is >= 2 and <= 6)
                  from seed in Gen.Choose(0, int.MaxValue)
                  select (Bits: bits.ToArray(), Seed: seed);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var context = new RnsContext(1024, NttPrimes.Generate(1024, t.Bits), maxDegreeOfParallelism: 1);
            RnsPoly a = TestRings.Random(context, new Random(t.Seed));
            var expected = new RnsPoly(context);
            RnsPoly.DivideRoundByLastModulus(a, expected);
            RnsPoly inNtt = a.Clone();
            inNtt.ToNtt();
            RnsPoly.DivideRoundByLastModulus(inNtt, inNtt);
            inNtt.FromNtt();
            return inNtt.LimbCount == t.Bits.Length - 1 && expected.ContentEquals(inNtt);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void DivideRoundByLastModulus_NttForm_MatchesCoefficientForm()
    {
        RnsContext context = TestRings.Small;
        RnsPoly a = TestRings.Random(context, new Random(4));
        var expected = new RnsPoly(context);
        RnsPoly.DivideRoundByLastModulus(a, expected);

        RnsPoly inNtt = a.Clone();
        inNtt.ToNtt();
        RnsPoly.DivideRoundByLastModulus(inNtt, inNtt);
        Assert.True(inNtt.IsNttForm);
        Assert.Equal(3, inNtt.LimbCount);
        inNtt.FromNtt();
        Assert.True(expected.ContentEquals(inNtt));
    }

    [Fact]
    public void DivideRoundByLastModulus_SmallSignedValues_AreRoundedExactly()
    {
        RnsContext context = TestRings.Small;
        ulong q = context.Moduli[3].Value;
        var values = new long[context.N];
        long[] probes = [0, 1, -1, (long)q / 2, -(long)q / 2, (long)q / 2 + 1, -(long)q / 2 - 1, 5 * (long)q + 3, -7 * (long)q - 3];
        probes.CopyTo(values, 0);
        var a = new RnsPoly(context);
        a.SetCoefficients(values);
        var result = new RnsPoly(context);
        RnsPoly.DivideRoundByLastModulus(a, result);
        var actual = new BigInteger[context.N];
        result.GetCoefficients(actual);
        for (int j = 0; j < probes.Length; j++)
        {
            Assert.Equal((long)Math.Round(probes[j] / (double)q, MidpointRounding.AwayFromZero), (long)actual[j]);
        }
    }

    [Fact]
    public void DivideRoundByLastModulus_ParallelMatchesSequential_AndOneLimbThrows()
    {
        foreach (bool ntt in new[] { false, true })
        {
            RnsPoly s = TestRings.Random(TestRings.WideSequential, new Random(6), ntt: ntt);
            RnsPoly p = TestRings.Random(TestRings.WideParallel, new Random(6), ntt: ntt);
            RnsPoly.DivideRoundByLastModulus(s, s);
            RnsPoly.DivideRoundByLastModulus(p, p);
            Assert.True(s.Coefficients.SequenceEqual(p.Coefficients));
        }

        var single = new RnsPoly(TestRings.Small, 1);
        Assert.Contains("at least 2 limbs", Assert.Throws<ArgumentException>(() => RnsPoly.DivideRoundByLastModulus(single, single)).Message);
    }
}
