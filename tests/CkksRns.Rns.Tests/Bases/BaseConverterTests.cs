using System.Numerics;
using CkksRns.Rns.Arithmetic;
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

    internal static (BigInteger[] Values, ulong[] Input) RandomInput(RnsBase source, int n, Random random, Func<BigInteger, BigInteger>? shape = null)
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
        foreach ((int k, int span) in new[] { (1, 41), (2, 41), (5, 41), (13, 41), (3, 32), (7, 32) })
        {
            ulong[] moduli = NttPrimes.Generate(1024, [.. Enumerable.Range(0, k).Select(i => 20 + (i * span / Math.Max(1, k - 1)))]);
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
            if (moduli.All(q => q < 1UL << 52))
            {
                BaseConverter.RoundedQuotients(t, block, block, inverse, actual, level, below2To52: true);
                Assert.Equal(expected, actual);
            }

            for (int c = 0; c < block; c++)
            {
                double exact = Enumerable.Range(0, k).Sum(i => t[i * block + c] / (double)moduli[i]);
                Assert.True(Math.Abs(exact - expected[c]) <= 0.5 + 1e-9, $"k = {k}, c = {c}: {exact} rounded to {expected[c]}");
            }
        }
    }
}

public sealed class BaseConverterLazyAccumulationTests
{
    private static void AssertMatchesCrt(RnsBase source, RnsBase target, int n, int seed)
    {
        AssertMatchesCrt(new BaseConverter(source, target), source, target, n, seed);
        AssertMatchesCrt(new BaseConverter(source, target, floatQuotients: false), source, target, n, seed);
    }

    private static void AssertMatchesCrt(BaseConverter converter, RnsBase source, RnsBase target, int n, int seed)
    {
        var random = new Random(seed);
        int k = source.Count, m = target.Count;
        BigInteger q = source.Product;
        var values = new BigInteger[n];
        var input = new ulong[k * n];
        Span<ulong> residues = stackalloc ulong[k];
        for (int c = 0; c < n; c++)
        {
            // Extremes first (0, Q-1 and the centred edges), then random values.
            BigInteger x = c switch { 0 => 0, 1 => q - 1, 2 => q / 2, 3 => q / 2 + 1, _ => RnsBaseTests.RandomBelow(random, q) };
            values[c] = x;
            source.Decompose(x, residues);
            for (int i = 0; i < k; i++)
            {
                input[i * n + c] = residues[i];
            }
        }

        var approximate = new ulong[m * n];
        var exact = new ulong[m * n];
        converter.Convert(input, approximate);
        converter.ConvertExact(input, exact);
        for (int c = 0; c < n; c++)
        {
            BigInteger centred = values[c] > q / 2 ? values[c] - q : values[c];
            bool nearEdge = BigInteger.Abs(centred) * 1000 > q / 2 * 999;
            for (int j = 0; j < m; j++)
            {
                ulong p = target.Moduli[j].Value;
                ulong y = approximate[j * n + c];
                Assert.True(
                    Enumerable.Range(0, k).Any(u => y == (ulong)((values[c] + u * q) % p)),
                    $"approximate output {y} for coefficient {c} modulo {p} is not x + u·Q with 0 ≤ u < {k}");
                if (!nearEdge)
                {
                    Assert.Equal((ulong)((centred % p + p) % p), exact[j * n + c]);
                }
            }
        }
    }

    [Fact]
    public void ConvertFromRows_EveryTarget_IsBitIdenticalToConvert()
    {
        // The key switch's limb-by-limb form: the rows of every coefficient at once, then one target at a time. Mixed
        // narrow, split (> 32-bit), floating-point and 128-bit paths; n not a multiple of the block or vector size.
        Gen<(int[] SourceBits, int[] TargetBits, int N, int Seed)> cases =
            from k in Gen.Choose(1, 12)
            from m in Gen.Choose(1, 6)
            from sourceBits in Gen.ArrayOf(Gen.OneOf(Gen.Choose(20, 31), Gen.Choose(32, 61)), k)
            from targetBits in Gen.ArrayOf(Gen.OneOf(Gen.Choose(20, 31), Gen.Choose(32, 61)), m)
            from n in Gen.Elements(3, 64, 515, 1024)
            from seed in Gen.Choose(0, int.MaxValue)
            select (sourceBits, targetBits, n, seed);
        Prop.ForAll(cases.ToArbitrary(), t =>
        {
            ulong[] sourcePrimes = NttPrimes.Generate(1024, t.SourceBits);
            var source = new RnsBase(sourcePrimes);
            var target = new RnsBase(NttPrimes.Generate(1024, t.TargetBits, exclude: sourcePrimes));
            foreach (bool floatQuotients in new[] { true, false })
            {
                var converter = new BaseConverter(source, target, floatQuotients);
                (_, ulong[] input) = BaseConverterTests.RandomInput(source, t.N, new Random(t.Seed));
                foreach (bool exact in new[] { false, true })
                {
                    var expected = new ulong[target.Count * t.N];
                    converter.Convert(input, expected, exact, maxDegreeOfParallelism: 1);
                    var rows = new ulong[converter.RowWords(t.N) + 5]; // a longer buffer is allowed
                    converter.ComputeRows(input, rows, t.N, exact);
                    var limb = new ulong[t.N];
                    for (int j = 0; j < target.Count; j++)
                    {
                        converter.ConvertFromRows(rows, t.N, j, limb, exact);
                        Assert.Equal(expected.AsSpan(j * t.N, t.N).ToArray(), limb);
                    }
                }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(30));
    }

    [Fact]
    public void ConvertFromRows_BadShapes_ThrowWithNumbers()
    {
        var source = new RnsBase(NttPrimes.Generate(1024, [30, 40]));
        var target = new RnsBase(NttPrimes.Generate(1024, [50], exclude: source.Moduli.Select(p => p.Value)));
        var converter = new BaseConverter(source, target);
        var rows = new ulong[converter.RowWords(16)];
        var e = Assert.Throws<ArgumentException>(() => converter.ComputeRows(new ulong[31], rows, 16, exact: true));
        Assert.Contains("32", e.Message);
        Assert.Throws<ArgumentException>(() => converter.ComputeRows(new ulong[32], new ulong[rows.Length - 1], 16, exact: true));
        Assert.Throws<ArgumentException>(() => converter.ConvertFromRows(rows, 16, 1, new ulong[16], exact: true));
        Assert.Throws<ArgumentException>(() => converter.ConvertFromRows(rows, 16, 0, new ulong[15], exact: true));
    }

    [Fact]
    public void Convert_ManyNarrowSourcesToNarrowTargets_FoldsAndMatchesCrt()
    {
        // 40 sources of 30 bits into 31-bit targets: each product is near 2^61, so the 64-bit sums must be folded.
        var source = new RnsBase(NttPrimes.Generate(1024, [.. Enumerable.Repeat(30, 40)]));
        var target = new RnsBase(NttPrimes.Generate(1024, [31, 31, 30, 20], exclude: source.Moduli.Select(p => p.Value)));
        AssertMatchesCrt(source, target, 37, 5);
    }

    [Fact]
    public void Convert_WideSourcesToNarrowTargets_SplitsAndMatchesCrt()
    {
        // Source primes above 2^32 are split into two rows for the narrow targets; mixed with wide targets.
        var source = new RnsBase(NttPrimes.Generate(1024, [61, 33, 47, 26, 32]));
        var target = new RnsBase(NttPrimes.Generate(1024, [20, 26, 30, 31, 32, 40, 61], exclude: source.Moduli.Select(p => p.Value)));
        AssertMatchesCrt(source, target, 300, 6);
    }

    [Fact]
    public void Convert_RandomMixedBases_MatchCrt()
    {
        Gen<(int[] SourceBits, int[] TargetBits, int N, int Seed)> cases =
            from k in Gen.Choose(1, 24)
            from m in Gen.Choose(1, 8)
            from sourceBits in Gen.ArrayOf(Gen.OneOf(Gen.Choose(20, 31), Gen.Choose(32, 61)), k)
            from targetBits in Gen.ArrayOf(Gen.OneOf(Gen.Choose(20, 31), Gen.Choose(32, 61)), m)
            from n in Gen.Elements(5, 8, 33, 129)
            from seed in Gen.Choose(0, int.MaxValue)
            select (sourceBits, targetBits, n, seed);
        Prop.ForAll(cases.ToArbitrary(), t =>
        {
            ulong[] source = NttPrimes.Generate(1024, t.SourceBits);
            ulong[] target = NttPrimes.Generate(1024, t.TargetBits, exclude: source);
            AssertMatchesCrt(new RnsBase(source), new RnsBase(target), t.N, t.Seed);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void FoldSchedule_KeepsEverySegmentBelowTheLimit()
    {
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, 1 << 20)).ToArbitrary(), Gen.Choose(21, 40).ToArbitrary(), (terms, limitBits) =>
        {
            UInt128[] termMax = [.. terms.Select(x => (UInt128)(ulong)x)];
            const ulong p = 1009;
            UInt128 limit = ((UInt128)1 << limitBits) - 1;
            int[] ends = BaseConverter.FoldSchedule(termMax, termMax.Length, limit, p)!;
            int r = 0;
            UInt128 bound = 0;
            foreach (int end in ends)
            {
                for (; r < end; r++)
                {
                    bound += termMax[r];
                }

                if (bound > limit)
                {
                    return false;
                }

                bound = p - 1;
            }

            return r == termMax.Length && ends[^1] == termMax.Length;
        }).QuickCheckThrowOnFailure();
    }
}

[Trait("Category", "Kernel")]
public sealed class BaseConversionKernelTests
{
    public static TheoryData<SimdLevel> Levels => [SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512];

    [Theory]
    [MemberData(nameof(Levels))]
    public void BaseConvertNarrow_BothReductions_MatchBigIntegerAndScalar(SimdLevel level)
    {
        var random = new Random(3);
        ulong[] primes = [3, 7, 65537, .. NttPrimes.Generate(1024, [20, 26, 30, 31])];
        foreach (ulong prime in primes)
        {
            var p = new Modulus(prime);
            int bits = p.BitCount;
            foreach (bool shortSums in new[] { false, true })
            {
                const int rows = 9, n = 45;
                // Extreme rows (all 2^32 - 1) for the first coefficients, random ones after.
                var data = new ulong[rows * n];
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = i % n < 3 ? uint.MaxValue : (ulong)random.NextInt64();
                }

                ulong[] weights = [.. Enumerable.Range(0, rows).Select(r => r < 3 ? p.Value - 1 : (ulong)random.NextInt64((long)p.Value))];
                UInt128[] termMax = [.. weights.Select(w => (UInt128)uint.MaxValue * w)];
                UInt128 limit = shortSums ? ((UInt128)1 << (bits + 31)) - 1 : (UInt128)long.MaxValue;
                int[]? segments = BaseConverter.FoldSchedule(termMax, rows, limit, p.Value);
                if (segments is null)
                {
                    continue;
                }

                int[] offsets = [.. Enumerable.Range(0, rows).Select(r => r * n)];
                var expected = new ulong[n];
                var actual = new ulong[n];
                ElementwiseKernels.BaseConvertNarrow(data, offsets, weights, segments, expected, p, shortSums, SimdLevel.Scalar);
                ElementwiseKernels.BaseConvertNarrow(data, offsets, weights, segments, actual, p, shortSums, level);
                Assert.Equal(expected, actual);
                for (int c = 0; c < n; c++)
                {
                    BigInteger sum = Enumerable.Range(0, rows).Aggregate(BigInteger.Zero, (s, r) => s + (BigInteger)(uint)data[r * n + c] * weights[r]);
                    Assert.Equal((ulong)(sum % p.Value), expected[c]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void BaseConvertNarrow_ShortSumsAtTheLimit_AreFullyReduced(SimdLevel level)
    {
        // The short reduction's quotient estimate can be two below the true one when p is just above 2^(b-1) and the
        // sum just below 2^(b+31): such sums, written as row0·(p-1) + row1, must still come out fully reduced.
        ulong[] primes = [3, 5, 17, 257, 65537, 524309, 8388617, 134217757, 536870923, 1073741827, .. NttPrimes.Generate(1024, [26, 31])];
        var random = new Random(7);
        foreach (ulong prime in primes)
        {
            var p = new Modulus(prime);
            ulong limit = (1UL << (p.BitCount + 31)) - 1;
            const int n = 64;
            var sums = new ulong[n];
            for (int c = 0; c < n; c++)
            {
                sums[c] = c switch
                {
                    < 24 => limit - (ulong)c,
                    < 40 => (limit / prime - (ulong)(c - 24) / 3) * prime + (ulong)(c % 3) - 1, // around multiples of p
                    _ => (ulong)random.NextInt64((long)limit),
                };
            }

            var data = new ulong[2 * n];
            for (int c = 0; c < n; c++)
            {
                data[c] = sums[c] / (prime - 1);
                data[n + c] = sums[c] % (prime - 1);
            }

            var actual = new ulong[n];
            ElementwiseKernels.BaseConvertNarrow(data, [0, n], [prime - 1, 1], [2], actual, p, shortSums: true, level);
            for (int c = 0; c < n; c++)
            {
                Assert.True(data[c] <= uint.MaxValue, "test setup: rows must be 32-bit");
                Assert.Equal(sums[c] % prime, actual[c]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void BaseConvertWide_WithFolds_MatchesBigIntegerAndScalar(SimdLevel level)
    {
        var random = new Random(4);
        foreach (int bits in new[] { 20, 40, 59, 61 })
        {
            var p = new Modulus(NttPrimes.Generate(1024, [bits])[0]);
            const int rows = 40, n = 21;
            const ulong rowMax = (1UL << 61) - 1;
            var data = new ulong[rows * n];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = i % n < 2 ? rowMax : (ulong)random.NextInt64((long)rowMax);
            }

            ulong[] weights = [.. Enumerable.Range(0, rows).Select(r => r % 2 == 0 ? p.Value - 1 : (ulong)random.NextInt64((long)p.Value))];
            UInt128[] termMax = [.. weights.Select(w => (UInt128)rowMax * w)];
            int[] segments = BaseConverter.FoldSchedule(termMax, rows, UInt128.MaxValue >> 1, p.Value)!;
            int[] offsets = [.. Enumerable.Range(0, rows).Select(r => r * n)];
            var expected = new ulong[n];
            var actual = new ulong[n];
            ElementwiseKernels.BaseConvertWide(data, offsets, weights, segments, expected, p, SimdLevel.Scalar);
            ElementwiseKernels.BaseConvertWide(data, offsets, weights, segments, actual, p, level);
            Assert.Equal(expected, actual);
            for (int c = 0; c < n; c++)
            {
                BigInteger sum = Enumerable.Range(0, rows).Aggregate(BigInteger.Zero, (s, r) => s + (BigInteger)data[r * n + c] * weights[r]);
                Assert.Equal((ulong)(sum % p.Value), expected[c]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void BaseConvertFloat_MatchesBigIntegerAndScalar(SimdLevel level)
    {
        var random = new Random(8);
        ulong[] primes = [3, 4294967311, 1125899906842679, .. NttPrimes.Generate(1024, [20, 31, 32, 40, 47, 59, 61])];
        foreach (ulong prime in primes)
        {
            var p = new Modulus(prime);
            foreach (int rows in new[] { 1, 3, 12, 60 })
            {
                const int n = 31; // two-vector, one-vector and scalar tails at every width
                var data = new ulong[rows * n];
                for (int i = 0; i < data.Length; i++)
                {
                    // Row maxima for the first coefficients, random 32-bit rows (with junk above bit 32, ignored) after.
                    data[i] = i % n < 2 ? uint.MaxValue : (ulong)random.NextInt64();
                }

                ulong[] weights = [.. Enumerable.Range(0, rows).Select(r => r % 3 == 0 ? prime - 1 : (ulong)random.NextInt64((long)prime))];
                double[] ratios = [.. weights.Select(w => (double)w / prime)];
                int[] offsets = [.. Enumerable.Range(0, rows).Select(r => r * n)];
                var expected = new ulong[n];
                var actual = new ulong[n];
                ElementwiseKernels.BaseConvertFloat(data, offsets, weights, ratios, expected, p, SimdLevel.Scalar);
                ElementwiseKernels.BaseConvertFloat(data, offsets, weights, ratios, actual, p, level);
                Assert.Equal(expected, actual);
                for (int c = 0; c < n; c++)
                {
                    BigInteger sum = Enumerable.Range(0, rows).Aggregate(BigInteger.Zero, (s, r) => s + (BigInteger)(uint)data[r * n + c] * weights[r]);
                    Assert.Equal((ulong)(sum % prime), expected[c]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void MultiplyShoupNarrow_MatchesBigInteger(SimdLevel level)
    {
        var random = new Random(9);
        ulong[] primes = [3, 65537, 4294967291, .. NttPrimes.Generate(1024, [20, 26, 31, 32])];
        foreach (ulong prime in primes)
        {
            var q = new Modulus(prime);
            foreach (ulong w in new[] { 0UL, 1UL, prime - 1, (ulong)random.NextInt64((long)prime) })
            {
                ulong[] x = [0, 1, prime - 1, prime - 2, .. Enumerable.Range(0, 33).Select(_ => (ulong)random.NextInt64((long)prime))];
                var actual = new ulong[x.Length];
                ElementwiseKernels.MultiplyShoupNarrow(x, w, (w << 32) / prime, actual, q, level);
                for (int i = 0; i < x.Length; i++)
                {
                    Assert.Equal((ulong)((BigInteger)x[i] * w % prime), actual[i]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void SubtractMultiplyShoupInto_BothModes_MatchBigInteger(SimdLevel level)
    {
        var random = new Random(10);
        ulong[] primes = [3, 65537, 4294967291, 4294967311, .. NttPrimes.Generate(1024, [20, 26, 31, 32, 40, 61])];
        foreach (ulong prime in primes)
        {
            var q = new Modulus(prime);
            ulong w = prime == 3 ? 2 : (ulong)random.NextInt64(1, (long)prime);
            ulong w32 = q.BitCount <= 32 ? (w << 32) / prime : 0;
            ulong[] x = [0, prime - 1, 0, .. Enumerable.Range(0, 34).Select(_ => (ulong)random.NextInt64((long)prime))];
            ulong[] y = [prime - 1, 0, 0, .. Enumerable.Range(0, 34).Select(_ => (ulong)random.NextInt64((long)prime))];
            ulong[] start = [.. x.Select(_ => (ulong)random.NextInt64((long)prime))];
            foreach (bool accumulate in new[] { false, true })
            {
                ulong[] d = [.. start];
                ElementwiseKernels.SubtractMultiplyShoupInto(x, y, q.CreateShoupOperand(w), w32, d, q, accumulate, level);
                for (int i = 0; i < x.Length; i++)
                {
                    BigInteger product = (((BigInteger)x[i] - y[i]) * w % prime + prime) % prime;
                    Assert.Equal((ulong)((product + (accumulate ? start[i] : 0)) % prime), d[i]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void MultiplyAccumulatePair_NarrowAndWide_MatchExactSums(SimdLevel level)
    {
        var random = new Random(11);
        const int n = 29;
        foreach (bool wide in new[] { false, true })
        {
            ulong max = wide ? (1UL << 62) - 1 : (1UL << 31) - 1; // three narrow products stay below 2^64
            ulong Next() => (ulong)random.NextInt64((long)Math.Min(max, long.MaxValue - 1)) + 1;
            var digits = Enumerable.Range(0, 3).Select(_ => (X: Enumerable.Range(0, n).Select(_ => Next()).ToArray(),
                B: Enumerable.Range(0, n).Select(i => i == 0 ? max : Next()).ToArray(), A: Enumerable.Range(0, n).Select(i => i == 0 ? max : Next()).ToArray())).ToArray();
            digits[0].X[0] = max;
            var low0 = new ulong[n];
            var high0 = new ulong[n];
            var low1 = new ulong[n];
            var high1 = new ulong[n];
            Array.Fill(low0, 12345UL); // overwritten by the first digit
            Array.Fill(high1, 777UL);
            for (int j = 0; j < digits.Length; j++)
            {
                if (wide)
                {
                    ElementwiseKernels.MultiplyAccumulatePairWide(digits[j].X, digits[j].B, digits[j].A, low0, high0, low1, high1, overwrite: j == 0, level);
                }
                else
                {
                    uint[] b32 = [.. digits[j].B.Select(v => (uint)v)], a32 = [.. digits[j].A.Select(v => (uint)v)];
                    if (j % 2 == 1)
                    {
                        // The digit stored as 32-bit words (a hoisted decomposition's narrow limbs).
                        uint[] x32 = [.. digits[j].X.Select(v => (uint)v)];
                        ElementwiseKernels.MultiplyAccumulatePairNarrow(x32, b32, a32, low0, low1, overwrite: j == 0, level);
                    }
                    else
                    {
                        ElementwiseKernels.MultiplyAccumulatePairNarrow(digits[j].X, b32, a32, low0, low1, overwrite: j == 0, level);
                    }
                }
            }

            for (int i = 0; i < n; i++)
            {
                UInt128 sum0 = 0, sum1 = 0;
                foreach (var d in digits)
                {
                    sum0 += (UInt128)d.X[i] * d.B[i];
                    sum1 += (UInt128)d.X[i] * d.A[i];
                }

                Assert.Equal(sum0, wide ? ((UInt128)high0[i] << 64) | low0[i] : (ulong)sum0);
                Assert.Equal(sum1, wide ? ((UInt128)high1[i] << 64) | low1[i] : (ulong)sum1);
                if (!wide)
                {
                    Assert.True(sum0 <= ulong.MaxValue && sum1 <= ulong.MaxValue, "test setup: narrow sums fit 64 bits");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Narrow_SeparateAndInPlace_KeepsEveryLowWord(SimdLevel level)
    {
        var random = new Random(13);
        foreach (int n in new[] { 0, 1, 7, 8, 9, 64, 1027 })
        {
            ulong[] source = [.. Enumerable.Range(0, n).Select(i => i % 3 == 0 ? uint.MaxValue : (ulong)random.NextInt64(0, 1L << 32))];
            var separate = new uint[n];
            ElementwiseKernels.Narrow(source, separate, level);
            Assert.Equal(source.Select(v => (uint)v), separate);

            // In place: the words land in the first half of the source's own memory.
            ulong[] copy = [.. source];
            ElementwiseKernels.Narrow(copy, System.Runtime.InteropServices.MemoryMarshal.Cast<ulong, uint>(copy.AsSpan())[..n], level);
            Assert.Equal(separate, System.Runtime.InteropServices.MemoryMarshal.Cast<ulong, uint>(copy.AsSpan())[..n].ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void ReduceCenteredSized_EverySizeRelation_MatchesCentredBigInteger(SimdLevel level)
    {
        var random = new Random(12);
        ulong[] primes = [3, 5, 65537, 524309, 1073741827, .. NttPrimes.Generate(1024, [20, 26, 26, 31, 40, 47, 57, 61])];
        foreach (ulong qValue in primes)
        {
            foreach (ulong pValue in primes.Where(x => x != qValue))
            {
                var p = new Modulus(pValue);
                ulong[] x = [0, 1, qValue - 1, qValue / 2, qValue / 2 + 1, .. Enumerable.Range(0, 30).Select(_ => (ulong)random.NextInt64((long)qValue))];
                var actual = new ulong[x.Length];
                ElementwiseKernels.ReduceCenteredSized(x, qValue, actual, p, level);
                for (int i = 0; i < x.Length; i++)
                {
                    BigInteger centred = x[i] > qValue / 2 ? (BigInteger)x[i] - qValue : x[i];
                    Assert.Equal((ulong)((centred % pValue + pValue) % pValue), actual[i]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void SplitBits_MatchesShiftAndMask(SimdLevel level)
    {
        var random = new Random(5);
        ulong[] x = [.. Enumerable.Range(0, 37).Select(_ => (ulong)random.NextInt64() << 1 | 1)];
        foreach (int shift in new[] { 1, 17, 31, 32, 63 })
        {
            var low = new ulong[x.Length];
            var high = new ulong[x.Length];
            ElementwiseKernels.SplitBits(x, shift, low, high, level);
            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal(x[i] & ((1UL << shift) - 1), low[i]);
                Assert.Equal(x[i] >> shift, high[i]);
            }
        }
    }
}
