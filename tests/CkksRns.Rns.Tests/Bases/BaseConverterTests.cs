using System.Numerics;
using CkksRns.Rns.Bases;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Bases;

public sealed class BaseConverterTests
{
    private static Gen<(RnsBase Source, RnsBase Target, int N, int Seed)> Cases() =>
        from k in Gen.Choose(1, 10)
        from m in Gen.Choose(1, 6)
        from sourceBits in Gen.ArrayOf(Gen.Choose(20, 61), k)
        from targetBits in Gen.ArrayOf(Gen.Choose(20, 61), m)
        from n in Gen.Elements(1, 7, 64, 300)
        from seed in Gen.Choose(0, int.MaxValue)
        let source = NttPrimes.Generate(1024, sourceBits)
        select (new RnsBase(source), new RnsBase(NttPrimes.Generate(1024, targetBits, exclude: source)), n, seed);

    private static (BigInteger[] Values, ulong[] Input) RandomInput(RnsBase source, int n, Random random, Func<BigInteger, BigInteger>? shape = null)
    {
        int k = source.Count;
        var values = new BigInteger[n];
        var input = new ulong[k * n];
        Span<ulong> residues = stackalloc ulong[k];
        for (int c = 0; c < n; c++)
        {
            BigInteger x = RnsBaseTests.RandomBelow(random, source.Product);
            values[c] = shape is null ? x : shape(x);
            source.Decompose(values[c], residues);
            for (int i = 0; i < k; i++)
            {
                input[i * n + c] = residues[i];
            }
        }

        return (values, input);
    }

    [Fact]
    public void Convert_RandomValues_IsXPlusUQWithUBelowSourceSize()
    {
        Prop.ForAll(Cases().ToArbitrary(), t =>
        {
            var random = new Random(t.Seed);
            (BigInteger[] values, ulong[] input) = RandomInput(t.Source, t.N, random);
            var output = new ulong[t.Target.Count * t.N];
            new BaseConverter(t.Source, t.Target).Convert(input, output);

            BigInteger q = t.Source.Product;
            for (int c = 0; c < t.N; c++)
            {
                // The oracle: the integer Σ t_i·(Q/q_i) computed exactly, which the documented bound says is x + u·Q.
                BigInteger sum = 0;
                for (int i = 0; i < t.Source.Count; i++)
                {
                    ulong qi = t.Source.Moduli[i].Value;
                    BigInteger ti = input[i * t.N + c] * (BigInteger)t.Source.InversePuncturedProducts[i].Value % qi;
                    sum += ti * t.Source.PuncturedProducts[i];
                }

                BigInteger u = BigInteger.DivRem(sum - values[c], q, out BigInteger remainder);
                if (!remainder.IsZero || u.Sign < 0 || u >= t.Source.Count)
                {
                    return false;
                }

                for (int j = 0; j < t.Target.Count; j++)
                {
                    ulong p = t.Target.Moduli[j].Value;
                    if (output[j * t.N + c] != (ulong)((values[c] + u * q) % p))
                    {
                        return false;
                    }
                }
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void ConvertExact_CenteredValues_GivesExactResidues()
    {
        Prop.ForAll(Cases().ToArbitrary(), t =>
        {
            var random = new Random(t.Seed);
            BigInteger q = t.Source.Product;
            // Centred values in (-Q/2, Q/2], kept a hair away from ±Q/2 as the documented precondition asks.
            (BigInteger[] values, ulong[] input) = RandomInput(t.Source, t.N, random, x => (x - q / 2) * 999 / 1000);
            var output = new ulong[t.Target.Count * t.N];
            new BaseConverter(t.Source, t.Target).ConvertExact(input, output);
            for (int c = 0; c < t.N; c++)
            {
                for (int j = 0; j < t.Target.Count; j++)
                {
                    ulong p = t.Target.Moduli[j].Value;
                    BigInteger expected = (values[c] % p + p) % p;
                    if (output[j * t.N + c] != (ulong)expected)
                    {
                        return false;
                    }
                }
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void ConvertExact_SmallSignedValues_AreExact()
    {
        // The typical use (rescaling, ModDown): small centred values, including 0 and ±1, where floor-based
        // corrections would fail.
        var source = new RnsBase(NttPrimes.Generate(1024, [61, 61, 61, 61, 61]));
        var target = new RnsBase(NttPrimes.Generate(1024, [30, 50], exclude: source.Moduli.Select(m => m.Value)));
        long[] values = [0, 1, -1, 2, -2, 1L << 40, -(1L << 40), long.MaxValue, long.MinValue + 1];
        int n = values.Length, k = source.Count;
        var input = new ulong[k * n];
        Span<ulong> residues = stackalloc ulong[k];
        for (int c = 0; c < n; c++)
        {
            source.Decompose(values[c], residues);
            for (int i = 0; i < k; i++)
            {
                input[i * n + c] = residues[i];
            }
        }

        var output = new ulong[2 * n];
        new BaseConverter(source, target).ConvertExact(input, output);
        for (int c = 0; c < n; c++)
        {
            for (int j = 0; j < 2; j++)
            {
                ulong p = target.Moduli[j].Value;
                Assert.Equal((ulong)(((BigInteger)values[c] % p + p) % p), output[j * n + c]);
            }
        }
    }

    [Fact]
    public void Convert_ParallelOverload_MatchesSequential()
    {
        var source = new RnsBase(NttPrimes.Generate(4096, [50, 50, 50, 50, 50, 50]));
        var target = new RnsBase(NttPrimes.Generate(4096, [61, 61, 61, 61], exclude: source.Moduli.Select(m => m.Value)));
        var converter = new BaseConverter(source, target);
        const int n = 4096;
        (_, ulong[] input) = RandomInput(source, n, new Random(1));
        foreach (bool exact in new[] { false, true })
        {
            var sequential = new ulong[4 * n];
            var parallel = new ulong[4 * n];
            if (exact)
            {
                converter.ConvertExact(input, sequential);
            }
            else
            {
                converter.Convert(input, sequential);
            }

            converter.Convert(input, parallel, exact, maxDegreeOfParallelism: 4);
            Assert.Equal(sequential, parallel);
        }
    }

    [Fact]
    public void Convert_SourceLongerThanOneAccumulationRun_IsStillWithinBound()
    {
        // 70 source moduli: the 128-bit accumulator is reduced after 64 terms.
        var source = new RnsBase(NttPrimes.Generate(1024, [.. Enumerable.Repeat(61, 70)]));
        var target = new RnsBase(NttPrimes.Generate(1024, [59], exclude: source.Moduli.Select(m => m.Value)));
        (BigInteger[] values, ulong[] input) = RandomInput(source, 3, new Random(2));
        var output = new ulong[3];
        var exact = new ulong[3];
        var converter = new BaseConverter(source, target);
        converter.Convert(input, output);
        converter.ConvertExact(input, exact);
        ulong p = target.Moduli[0].Value;
        for (int c = 0; c < 3; c++)
        {
            bool found = Enumerable.Range(0, 70).Any(u => output[c] == (ulong)((values[c] + u * source.Product) % p));
            Assert.True(found, $"coefficient {c} is not x + u·Q for any u < 70");
            BigInteger centered = values[c] > source.Product / 2 ? values[c] - source.Product : values[c];
            Assert.Equal((ulong)((centered % p + p) % p), exact[c]);
        }
    }

    [Fact]
    public void Convert_BadShapes_ThrowWithNumbers()
    {
        var converter = new BaseConverter(new RnsBase([7UL, 11UL]), new RnsBase([13UL, 17UL, 19UL]));
        Assert.Contains("multiple of the source base size 2", Assert.Throws<ArgumentException>(() => converter.Convert(new ulong[5], new ulong[9])).Message);
        Assert.Contains("m·N = 3·4 = 12", Assert.Throws<ArgumentException>(() => converter.Convert(new ulong[8], new ulong[9])).Message);
        var buffer = new ulong[20];
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => converter.Convert(buffer.AsSpan(0, 8), buffer.AsSpan(4, 12))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => converter.Convert(new ulong[8], new ulong[12], false, 0));
        Assert.Throws<ArgumentNullException>(() => new BaseConverter(null!, new RnsBase([3UL])));
    }
}

[Trait("Category", "Kernel")]
public sealed class BaseConverterKernelTests
{
    [Theory]
    [InlineData(SimdLevel.Vector256)]
    [InlineData(SimdLevel.Vector512)]
    public void RoundedQuotients_VectorPath_IsBitIdenticalToScalarAndCorrect(SimdLevel level)
    {
        var random = new Random(17);
        foreach (int k in new[] { 1, 2, 5, 13 })
        {
            ulong[] moduli = NttPrimes.Generate(1024, [.. Enumerable.Range(0, k).Select(i => 20 + (i * 41 / Math.Max(1, k - 1)))]);
            double[] inverse = moduli.Select(q => 1.0 / q).ToArray();
            const int block = 37;
            var t = new ulong[k * block];
            for (int i = 0; i < k; i++)
            {
                for (int c = 0; c < block; c++)
                {
                    t[i * block + c] = c switch { 0 => 0, 1 => moduli[i] - 1, _ => (ulong)random.NextInt64((long)moduli[i]) };
                }
            }

            var expected = new ulong[block];
            var actual = new ulong[block];
            BaseConverter.RoundedQuotients(t, block, block, inverse, expected, SimdLevel.Scalar);
            BaseConverter.RoundedQuotients(t, block, block, inverse, actual, level);
            Assert.Equal(expected, actual);
            for (int c = 0; c < block; c++)
            {
                double exact = Enumerable.Range(0, k).Sum(i => t[i * block + c] / (double)moduli[i]);
                Assert.True(Math.Abs(exact - expected[c]) <= 0.5 + 1e-9, $"k = {k}, c = {c}: {exact} rounded to {expected[c]}");
            }
        }
    }
}
