using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Ntt;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Ntt;

public sealed class NttTablesTests
{
    private static ulong[] RandomResidues(Random random, int n, ulong q)
    {
        var values = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (ulong)random.NextInt64(0, (long)q);
        }

        return values;
    }

    private static ulong[] SchoolbookNegacyclic(ulong[] a, ulong[] b, Modulus q)
    {
        int n = a.Length;
        var result = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                ulong product = q.Multiply(a[i], b[j]);
                int k = i + j;
                result[k % n] = k < n ? q.Add(result[k], product) : q.Subtract(result[k - n], product);
            }
        }

        return result;
    }

    /// <summary>Integer coefficients anywhere below min(2q, 2^51) in magnitude, including the bounds, ±q, 0 and -0.0.</summary>
    private static double[] SmallIntegers(Random random, int n, ulong q)
    {
        long limit = (long)Math.Min((2 * q) - 1, (1UL << 51) - 1), belowQ = (long)Math.Min(q, (ulong)limit);
        return Enumerable.Range(0, n).Select(i => (i % 9) switch
        {
            0 => (double)limit,
            1 => -(double)limit,
            2 => -0.0,
            3 => (double)belowQ,
            4 => -(double)belowQ,
            5 => (double)random.NextInt64(-belowQ, belowQ),
            _ => (double)random.NextInt64(-limit, limit + 1),
        }).ToArray();
    }

    private static IEnumerable<NttMultiplication> Strategies(Modulus q) =>
        Enum.GetValues<NttMultiplication>().Where(m => NttOperands.Supports(m, q.BitCount));

    private static readonly SimdLevel[] AllLevels = [SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512];

    [Fact]
    public void ForwardFromSmallIntegers_EqualsForwardOfTheResidues_OnEveryPath()
    {
        // Primes of every strategy (packed and 64-bit-lane 32-bit Shoup, Fma near its 50-bit limit, 64-bit Shoup), every
        // strategy valid for the prime, every vector level.
        var gen = from logN in Gen.Choose(10, 12)
                  from bits in Gen.Elements(20, 28, 30, 31, 40, 48, 49, 50, 51, 61)
                  from seed in Gen.Choose(0, int.MaxValue)
                  select (N: 1 << logN, Bits: bits, Seed: seed);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var q = new Modulus(NttPrimes.Generate(t.N, [t.Bits])[0]);
            var tables = new NttTables(t.N, q);
            double[] coefficients = SmallIntegers(new Random(t.Seed), t.N, q.Value);
            ulong[] expected = coefficients.Select(c => (ulong)(((new BigInteger(c) % q.Value) + q.Value) % q.Value)).ToArray();
            tables.Forward(expected, SimdLevel.Scalar);
            foreach (NttMultiplication multiplication in Strategies(q))
            {
                foreach (SimdLevel level in AllLevels)
                {
                    var actual = new ulong[t.N];
                    tables.ForwardFromSmallIntegers(coefficients, actual, level, multiplication);
                    if (!actual.SequenceEqual(expected))
                    {
                        return false;
                    }
                }
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(30));
    }

    [Fact]
    public void ForwardSubtractMultiply_EqualsTransformThenSubtractMultiplyAndAdd_OnEveryPath()
    {
        // destination = addend + (minuend - NTT(x))·w mod q, from residues and from small integers, without an addend, with
        // one in its own buffer, and with the destination being the minuend or the addend; the reference is the scalar
        // transform and BigInteger arithmetic.
        var gen = from logN in Gen.Choose(10, 12)
                  from bits in Gen.Elements(20, 26, 28, 30, 31, 32, 40, 49, 50, 51, 61)
                  from seed in Gen.Choose(0, int.MaxValue)
                  from layout in Gen.Elements("separate", "over-minuend", "add-separate", "add-over-addend")
                  select (N: 1 << logN, Bits: bits, Seed: seed, Layout: layout);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var q = new Modulus(NttPrimes.Generate(t.N, [t.Bits])[0]);
            var tables = new NttTables(t.N, q);
            var random = new Random(t.Seed);
            ulong[] residues = RandomResidues(random, t.N, q.Value);
            double[] small = SmallIntegers(random, t.N, q.Value);
            ulong[] minuend = RandomResidues(random, t.N, q.Value);
            ulong[] addend = t.Layout.StartsWith("add", StringComparison.Ordinal) ? RandomResidues(random, t.N, q.Value) : [];
            ulong w = (ulong)random.NextInt64(0, (long)q.Value);
            ShoupOperand factor = q.CreateShoupOperand(w);

            ulong[] Expected(ulong[] input)
            {
                ulong[] transform = (ulong[])input.Clone();
                tables.Forward(transform, SimdLevel.Scalar);
                return transform.Select((x, i) =>
                    (ulong)(((((BigInteger)minuend[i] - x + q.Value) * w) + (addend.Length == 0 ? 0 : addend[i])) % q.Value)).ToArray();
            }

            (ulong[] M, ulong[] A, ulong[] D) Buffers()
            {
                ulong[] m = (ulong[])minuend.Clone(), a = (ulong[])addend.Clone();
                ulong[] d = t.Layout switch { "over-minuend" => m, "add-over-addend" => a, _ => new ulong[t.N] };
                return (m, a, d);
            }

            ulong[] fromResidues = Expected(residues);
            ulong[] fromSmall = Expected(small.Select(c => (ulong)(((new BigInteger(c) % q.Value) + q.Value) % q.Value)).ToArray());
            foreach (NttMultiplication multiplication in Strategies(q))
            {
                foreach (SimdLevel level in AllLevels)
                {
                    (ulong[] m, ulong[] a, ulong[] d) = Buffers();
                    tables.ForwardSubtractMultiply((ulong[])residues.Clone(), m, factor, d, level, multiplication, a);
                    if (!d.SequenceEqual(fromResidues))
                    {
                        return false;
                    }

                    (m, a, d) = Buffers();
                    tables.ForwardFromSmallIntegersSubtractMultiply(small, new ulong[t.N], m, factor, d, level, multiplication, a);
                    if (!d.SequenceEqual(fromSmall))
                    {
                        return false;
                    }
                }
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void ForwardSubtractMultiply_RejectsWrongLengths()
    {
        var q = new Modulus(NttPrimes.Generate(1024, [40])[0]);
        var tables = new NttTables(1024, q);
        ShoupOperand w = q.CreateShoupOperand(5);
        Assert.Throws<ArgumentException>(() => tables.ForwardSubtractMultiply(new ulong[1024], new ulong[1023], w, new ulong[1024], SimdLevel.Vector256, tables.Multiplication));
        Assert.Throws<ArgumentException>(() => tables.ForwardSubtractMultiply(new ulong[1024], new ulong[1024], w, new ulong[1025], SimdLevel.Vector256, tables.Multiplication));
        Assert.Throws<ArgumentException>(() => tables.ForwardFromSmallIntegersSubtractMultiply(
            new double[1000], new ulong[1024], new ulong[1024], w, new ulong[1024], SimdLevel.Vector256, tables.Multiplication));
        Assert.Throws<ArgumentException>(() => tables.ForwardSubtractMultiply(
            new ulong[1024], new ulong[1024], w, new ulong[1024], SimdLevel.Vector256, tables.Multiplication, new ulong[512]));
    }

    [Fact]
    public void ForwardFromSmallIntegers_RejectsWrongLengths()
    {
        var tables = new NttTables(1024, new Modulus(NttPrimes.Generate(1024, [40])[0]));
        Assert.Throws<ArgumentException>(() => tables.ForwardFromSmallIntegers(new double[1023], new ulong[1024]));
        Assert.Throws<ArgumentException>(() => tables.ForwardFromSmallIntegers(new double[1024], new ulong[1025]));
    }

    [Fact]
    public void ForwardThenInverse_RandomPolynomials_IsIdentity()
    {
        var gen = from logN in Gen.Choose(10, 12)
                  from bits in Gen.Choose(20, 61)
                  from seed in Gen.Choose(0, int.MaxValue)
                  select (N: 1 << logN, Bits: bits, Seed: seed);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var q = new Modulus(NttPrimes.Generate(t.N, [t.Bits])[0]);
            var tables = new NttTables(t.N, q);
            ulong[] original = RandomResidues(new Random(t.Seed), t.N, q.Value);
            ulong[] values = (ulong[])original.Clone();
            tables.Forward(values);
            bool reduced = values.All(v => v < q.Value);
            tables.Inverse(values);
            return reduced && values.SequenceEqual(original);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(30));
    }

    [Theory]
    [InlineData(30)]
    [InlineData(50)]
    [InlineData(61)]
    public void PointwiseProduct_EqualsSchoolbookNegacyclicConvolution(int bits)
    {
        const int n = 1024;
        var q = new Modulus(NttPrimes.Generate(n, [bits])[0]);
        var tables = new NttTables(n, q);
        var random = new Random(bits);
        ulong[] a = RandomResidues(random, n, q.Value), b = RandomResidues(random, n, q.Value);
        ulong[] expected = SchoolbookNegacyclic(a, b, q);

        ulong[] fa = (ulong[])a.Clone(), fb = (ulong[])b.Clone();
        tables.Forward(fa);
        tables.Forward(fb);
        for (int i = 0; i < n; i++)
        {
            fa[i] = q.Multiply(fa[i], fb[i]);
        }

        tables.Inverse(fa);
        Assert.Equal(expected, fa);
    }

    [Fact]
    public void Forward_OutputOrder_IsEvaluationAtOddPowersOfPsiInBitReversedOrder()
    {
        const int n = 1024;
        var q = new Modulus(NttPrimes.Generate(n, [40])[0]);
        var tables = new NttTables(n, q);
        ulong[] a = RandomResidues(new Random(7), n, q.Value);
        ulong[] transformed = (ulong[])a.Clone();
        tables.Forward(transformed);
        foreach (int j in new[] { 0, 1, 2, 3, 511, 1000, 1023 })
        {
            int exponent = 2 * NttTables.ReverseBits(j, 10) + 1;
            BigInteger point = BigInteger.ModPow(tables.Psi, exponent, q.Value), sum = 0, power = 1;
            for (int i = 0; i < n; i++)
            {
                sum += a[i] * power;
                power = power * point % q.Value;
            }

            Assert.Equal((ulong)(sum % q.Value), transformed[j]);
        }
    }

    [Fact]
    public void Constructor_BadArguments_Throw()
    {
        var q = new Modulus(NttPrimes.Generate(1024, [30])[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NttTables(1000, q));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NttTables(1 << 18, q));
        var ex = Assert.Throws<ArgumentException>(() => new NttTables(1 << 12, new Modulus(1_000_003)));
        Assert.Contains("not 1 mod 2N", ex.Message);
        Assert.Throws<ArgumentException>(() => new NttTables(1024, q).Forward(new ulong[1023]));
    }
}
