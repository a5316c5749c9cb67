using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Polynomials;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Polynomials;

public sealed class RnsPolyTests
{
    private static Gen<(int Seed, int Limbs)> Cases(RnsContext context) =>
        from seed in Gen.Choose(0, int.MaxValue)
        from limbs in Gen.Choose(1, context.ModulusCount)
        select (seed, limbs);

    /// <summary>Checks a binary operation limb by limb against a per-residue BigInteger oracle.</summary>
    private static void CheckBinary(Action<RnsPoly, RnsPoly, RnsPoly> op, Func<BigInteger, BigInteger, BigInteger> oracle, bool ntt)
    {
        RnsContext context = TestRings.Small;
        Prop.ForAll(Cases(context).ToArbitrary(), c =>
        {
            var random = new Random(c.Seed);
            RnsPoly a = TestRings.Random(context, random, c.Limbs, ntt), b = TestRings.Random(context, random, c.Limbs, ntt);
            var destination = new RnsPoly(context);
            op(a, b, destination);
            bool ok = destination.LimbCount == c.Limbs && destination.IsNttForm == ntt;
            for (int i = 0; i < c.Limbs && ok; i++)
            {
                BigInteger q = context.Moduli[i].Value;
                Span<ulong> x = a.Limb(i), y = b.Limb(i), d = destination.Limb(i);
                for (int j = 0; j < x.Length; j++)
                {
                    BigInteger expected = ((oracle(x[j], y[j]) % q) + q) % q;
                    ok &= d[j] == (ulong)expected;
                }
            }

            return ok;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    [Fact]
    public void Add_RandomPolynomials_MatchesResidueOracle() => CheckBinary(RnsPoly.Add, (x, y) => x + y, ntt: false);

    [Fact]
    public void Subtract_RandomPolynomials_MatchesResidueOracle() => CheckBinary(RnsPoly.Subtract, (x, y) => x - y, ntt: true);

    [Fact]
    public void Negate_RandomPolynomials_MatchesResidueOracle() => CheckBinary((a, _, d) => RnsPoly.Negate(a, d), (x, _) => -x, ntt: false);

    [Fact]
    public void MultiplyPointwise_RandomPolynomials_MatchesResidueOracle() => CheckBinary(RnsPoly.MultiplyPointwise, (x, y) => x * y, ntt: true);

    [Fact]
    public void MultiplyAccumulate_RandomPolynomials_MatchesResidueOracle()
    {
        RnsContext context = TestRings.Small;
        var random = new Random(3);
        RnsPoly a = TestRings.Random(context, random, 3, true), b = TestRings.Random(context, random, 3, true);
        RnsPoly accumulator = TestRings.Random(context, random, 3, true);
        ulong[] before = TestRings.Snapshot(accumulator);
        RnsPoly.MultiplyAccumulate(a, b, accumulator);
        for (int i = 0; i < 3; i++)
        {
            Modulus q = context.Moduli[i];
            for (int j = 0; j < context.N; j++)
            {
                BigInteger expected = (new BigInteger(a.Limb(i)[j]) * b.Limb(i)[j] + before[i * context.N + j]) % q.Value;
                Assert.Equal((ulong)expected, accumulator.Limb(i)[j]);
            }
        }
    }

    [Fact]
    public void MultiplyScalar_AllOverloads_MatchResidueOracle()
    {
        RnsContext context = TestRings.Small;
        var random = new Random(4);
        RnsPoly a = TestRings.Random(context, random, 4);
        ulong[] scalars = [ulong.MaxValue, 12345, 0, (1UL << 63) + 7];
        var fromValues = new RnsPoly(context);
        RnsPoly.MultiplyScalar(a, scalars, fromValues);
        ShoupOperand[] operands = scalars.Select((s, i) => context.Moduli[i].CreateShoupOperand(context.Moduli[i].Reduce(s))).ToArray();
        var fromOperands = new RnsPoly(context);
        RnsPoly.MultiplyScalar(a, operands, fromOperands);
        var fromSingle = new RnsPoly(context);
        RnsPoly.MultiplyScalar(a, scalars[0], fromSingle);
        RnsPoly accumulated = TestRings.Random(context, random, 4);
        ulong[] before = TestRings.Snapshot(accumulated);
        RnsPoly.MultiplyScalarAccumulate(a, operands, accumulated);

        for (int i = 0; i < 4; i++)
        {
            ulong q = context.Moduli[i].Value;
            for (int j = 0; j < context.N; j++)
            {
                BigInteger x = a.Limb(i)[j];
                Assert.Equal((ulong)(x * scalars[i] % q), fromValues.Limb(i)[j]);
                Assert.Equal((ulong)(x * scalars[i] % q), fromOperands.Limb(i)[j]);
                Assert.Equal((ulong)(x * scalars[0] % q), fromSingle.Limb(i)[j]);
                Assert.Equal((ulong)((x * scalars[i] + before[i * context.N + j]) % q), accumulated.Limb(i)[j]);
            }
        }
    }

    [Fact]
    public void AddScalar_BothForms_AddsTheConstantPolynomial()
    {
        RnsContext context = TestRings.Small;
        RnsPoly a = TestRings.Random(context, new Random(12), 3);
        ulong[] scalars = [5, ulong.MaxValue, 1UL << 62];
        var constant = new RnsPoly(context, 3);
        for (int i = 0; i < 3; i++)
        {
            constant.Limb(i)[0] = context.Moduli[i].Reduce(scalars[i]);
        }

        var expected = new RnsPoly(context);
        RnsPoly.Add(a, constant, expected);
        var actual = new RnsPoly(context);
        RnsPoly.AddScalar(a, scalars, actual);
        Assert.True(expected.ContentEquals(actual));

        // NTT form: NTT(a + c) = NTT(a) + c in every slot.
        RnsPoly inNtt = a.Clone();
        inNtt.ToNtt();
        RnsPoly.AddScalar(inNtt, scalars, inNtt);
        expected.ToNtt();
        Assert.True(expected.ContentEquals(inNtt));
        Assert.Throws<ArgumentException>(() => RnsPoly.AddScalar(a, [1UL], actual));
    }

    [Fact]
    public void MultiplyPointwise_OfNttForms_IsNegacyclicProductOverIntegers()
    {
        // Small signed integer polynomials: the product's coefficients are far below Q/2, so composing the RNS result
        // gives back the exact integer negacyclic convolution.
        RnsContext context = TestRings.Small;
        int n = context.N;
        var random = new Random(9);
        long[] x = Enumerable.Range(0, n).Select(_ => random.NextInt64(-1_000_000, 1_000_001)).ToArray();
        long[] y = Enumerable.Range(0, n).Select(_ => random.NextInt64(-1_000_000, 1_000_001)).ToArray();
        var expected = new BigInteger[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                BigInteger term = (BigInteger)x[i] * y[j];
                if (i + j < n)
                {
                    expected[i + j] += term;
                }
                else
                {
                    expected[i + j - n] -= term;
                }
            }
        }

        var a = new RnsPoly(context);
        var b = new RnsPoly(context);
        a.SetCoefficients(x);
        b.SetCoefficients(y);
        a.ToNtt();
        RnsPoly.ToNtt(b, b);
        var product = new RnsPoly(context);
        RnsPoly.MultiplyPointwise(a, b, product);
        RnsPoly.FromNtt(product, product);
        var actual = new BigInteger[n];
        product.GetCoefficients(actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ToNttThenFromNtt_RandomPolynomials_IsIdentity()
    {
        RnsContext context = TestRings.Small;
        Prop.ForAll(Cases(context).ToArbitrary(), c =>
        {
            RnsPoly a = TestRings.Random(context, new Random(c.Seed), c.Limbs);
            ulong[] original = TestRings.Snapshot(a);
            var transformed = new RnsPoly(context);
            RnsPoly.ToNtt(a, transformed);
            bool isNtt = transformed.IsNttForm && transformed.LimbCount == c.Limbs;
            bool matchesTables = true;
            for (int i = 0; i < c.Limbs; i++)
            {
                ulong[] limb = a.Limb(i).ToArray();
                context.NttTables[i].Forward(limb);
                matchesTables &= limb.AsSpan().SequenceEqual(transformed.Limb(i));
            }

            transformed.FromNtt();
            return isNtt && matchesTables && !transformed.IsNttForm && transformed.Coefficients.SequenceEqual(original);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(15));
    }

    [Fact]
    public void Operations_AliasedDestination_MatchOutOfPlace()
    {
        RnsContext context = TestRings.Small;
        var random = new Random(21);
        RnsPoly a = TestRings.Random(context, random, ntt: true), b = TestRings.Random(context, random, ntt: true);
        foreach (var op in new Action<RnsPoly, RnsPoly, RnsPoly>[]
        {
            RnsPoly.Add, RnsPoly.Subtract, RnsPoly.MultiplyPointwise, (x, _, d) => RnsPoly.Negate(x, d),
            (x, _, d) => RnsPoly.MultiplyScalar(x, 987654321UL, d), (x, _, d) => RnsPoly.Automorphism(x, 5, d),
        })
        {
            var expected = new RnsPoly(context);
            op(a, b, expected);
            RnsPoly left = a.Clone(), right = b.Clone();
            op(left, b, left);
            op(a, right, right);
            Assert.True(expected.ContentEquals(left));
            Assert.True(expected.ContentEquals(right));
        }

        RnsPoly coefficientForm = TestRings.Random(context, random);
        var outOfPlace = new RnsPoly(context);
        RnsPoly.Automorphism(coefficientForm, 2 * context.N - 3, outOfPlace);
        RnsPoly.Automorphism(coefficientForm, 2 * context.N - 3, coefficientForm);
        Assert.True(outOfPlace.ContentEquals(coefficientForm));
    }

    [Fact]
    public void ParallelAndSequential_AllOperations_GiveIdenticalResults()
    {
        RnsContext sequential = TestRings.WideSequential, parallel = TestRings.WideParallel;
        RnsPoly[] Run(RnsContext context)
        {
            var random = new Random(77);
            RnsPoly a = TestRings.Random(context, random), b = TestRings.Random(context, random);
            var results = new List<RnsPoly>();
            RnsPoly Next() { var p = new RnsPoly(context); results.Add(p); return p; }
            RnsPoly.Add(a, b, Next());
            RnsPoly.Subtract(a, b, Next());
            RnsPoly.Negate(a, Next());
            RnsPoly.MultiplyScalar(a, 0xDEADBEEFUL, Next());
            RnsPoly.Automorphism(a, 25, Next());
            RnsPoly.ToNtt(a, Next());
            RnsPoly.ToNtt(b, Next());
            RnsPoly fa = results[^2], fb = results[^1];
            RnsPoly.MultiplyPointwise(fa, fb, Next());
            RnsPoly accumulator = results[^1].Clone();
            RnsPoly.MultiplyAccumulate(fa, fb, accumulator);
            results.Add(accumulator);
            RnsPoly.Automorphism(fa, 2 * context.N - 1, Next());
            RnsPoly.FromNtt(fa, Next());
            return [.. results];
        }

        RnsPoly[] expected = Run(sequential), actual = Run(parallel);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].IsNttForm, actual[i].IsNttForm);
            Assert.True(expected[i].Coefficients.SequenceEqual(actual[i].Coefficients), $"result {i} differs");
        }
    }

    [Fact]
    public void Shape_DropSetLimbCountCopyCloneZero_BehaveAsDocumented()
    {
        RnsContext context = TestRings.Small;
        RnsPoly a = TestRings.Random(context, new Random(1));
        ulong[] firstLimb = a.Limb(0).ToArray();
        Assert.Equal(4, a.LimbCount);
        Assert.Equal(3, a.Level);
        Assert.Equal(4 * context.N, a.Coefficients.Length);

        a.DropLastLimbs(2);
        Assert.Equal(2, a.LimbCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Limb(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.DropLastLimbs(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.DropLastLimbs(-1));

        a.SetLimbCount(4);
        Assert.True(a.Limb(0).SequenceEqual(firstLimb));
        Assert.True(a.Limb(3).IndexOfAnyExcept(0UL) < 0, "limbs coming into use are zeroed");
        Assert.Throws<ArgumentOutOfRangeException>(() => a.SetLimbCount(5));

        RnsPoly clone = a.Clone();
        Assert.True(clone.ContentEquals(a));
        clone.Limb(1)[5] ^= 1;
        Assert.False(clone.ContentEquals(a));

        var copy = new RnsPoly(context, 1, isNttForm: true);
        a.CopyTo(copy);
        Assert.True(copy.ContentEquals(a));

        copy.SetZero();
        Assert.Equal(4, copy.LimbCount);
        Assert.True(copy.Coefficients.IndexOfAnyExcept(0UL) < 0);
    }

    [Fact]
    public void SetCoefficients_BigIntegersInCenteredRange_RoundTripThroughGetCoefficients()
    {
        RnsContext context = TestRings.Small;
        var poly = new RnsPoly(context, 3);
        BigInteger q = context.GetBase(3).Product;
        var random = new Random(8);
        var values = new BigInteger[context.N];
        for (int j = 0; j < values.Length; j++)
        {
            var bytes = new byte[18];
            random.NextBytes(bytes);
            values[j] = new BigInteger(bytes) % (q / 2);
        }

        values[0] = q / 2;          // the largest centred value
        values[1] = -(q / 2) + 1;   // the smallest
        poly.SetCoefficients(values);
        var back = new BigInteger[context.N];
        poly.GetCoefficients(back);
        Assert.Equal(values, back);
        poly.GetCoefficients(back, centered: false);
        Assert.Equal(values.Select(v => v.Sign < 0 ? v + q : v), back);

        long[] small = [long.MinValue, long.MaxValue, -1, 0, 1, .. new long[context.N - 5]];
        poly.SetCoefficients(small);
        poly.GetCoefficients(back);
        Assert.Equal(small.Select(v => (BigInteger)v), back);
    }

    [Fact]
    public void Operations_MismatchedOperands_ThrowWithNumbers()
    {
        RnsContext context = TestRings.Small;
        var random = new Random(2);
        RnsPoly a = TestRings.Random(context, random, 3, ntt: true);
        RnsPoly shorter = TestRings.Random(context, random, 2, ntt: true);
        RnsPoly coefficientForm = TestRings.Random(context, random, 3);
        RnsPoly other = TestRings.Random(TestRings.SmallOther, random, 3, ntt: true);
        var destination = new RnsPoly(context);

        Assert.Contains("a.LimbCount (3) != b.LimbCount (2)", Assert.Throws<ArgumentException>(() => RnsPoly.Add(a, shorter, destination)).Message);
        Assert.Contains("different contexts", Assert.Throws<ArgumentException>(() => RnsPoly.Subtract(a, other, destination)).Message);
        Assert.Contains("Form mismatch", Assert.Throws<ArgumentException>(() => RnsPoly.Add(a, coefficientForm, destination)).Message);
        Assert.Contains("different context", Assert.Throws<ArgumentException>(() => RnsPoly.Negate(a, new RnsPoly(TestRings.SmallOther))).Message);
        Assert.Contains("needs a in NTT form", Assert.Throws<ArgumentException>(() => RnsPoly.MultiplyPointwise(coefficientForm, coefficientForm, destination)).Message);
        Assert.Throws<ArgumentException>(() => RnsPoly.MultiplyAccumulate(a, a, new RnsPoly(context, 2, true)));
        Assert.Contains("at least 3 scalars", Assert.Throws<ArgumentException>(() => RnsPoly.MultiplyScalar(a, [1UL, 2UL], destination)).Message);
        Assert.Contains("not below q_0", Assert.Throws<ArgumentException>(() =>
            RnsPoly.MultiplyScalar(a, [new ShoupOperand(context.Moduli[0].Value, 0), default, default], destination)).Message);
        Assert.Throws<ArgumentNullException>(() => RnsPoly.Add(a, null!, destination));
        Assert.Throws<ArgumentNullException>(() => RnsPoly.Add(a, a, null!));
        Assert.Throws<InvalidOperationException>(() => a.ToNtt());
        Assert.Throws<InvalidOperationException>(() => coefficientForm.FromNtt());
        Assert.Throws<ArgumentException>(() => RnsPoly.ToNtt(a, destination));
        Assert.Throws<ArgumentException>(() => RnsPoly.FromNtt(coefficientForm, destination));
        Assert.Contains("must be odd", Assert.Throws<ArgumentException>(() => RnsPoly.Automorphism(a, 4, destination)).Message);
        Assert.Throws<ArgumentException>(() => a.SetCoefficients(new long[context.N - 1]));
        Assert.Throws<InvalidOperationException>(() => a.GetCoefficients(new BigInteger[context.N]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnsPoly(context, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnsPoly(context, 5));
        Assert.Throws<ArgumentNullException>(() => new RnsPoly(null!));
    }
}
