using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Sampling;
using CkksRns.Rns.Tests.Polynomials;
using Xunit;

namespace CkksRns.Rns.Tests.Sampling;

/// <summary>
/// The chunked, vectorized samplers against one-value-at-a-time oracles that read the same stream through
/// <see cref="RandomSource"/>'s single-value accessors (so they consume the stream exactly as the original loops did),
/// every vector width against the scalar one, and a chi-square test of the Gaussian against its exact probabilities.
/// </summary>
public sealed class BulkSamplerTests
{
    public static readonly TheoryData<SimdLevel> Levels = new() { SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512 };

    private static RandomSource Seeded(byte fill, ulong stream = 0) => RandomSource.FromSeed(RandomSourceTests.Seed(fill), stream);

    private static int[] GaussianOracle(RandomSource source, ulong[] thresholds, int bound, int count)
    {
        var values = new int[count];
        for (int j = 0; j < count; j++)
        {
            ulong r = source.NextUInt64(8);
            values[j] = -bound + thresholds.Count(t => r >= t);
        }

        return values;
    }

    private static ulong[] Thresholds(GaussianSampler sampler)
    {
        // T[t] = 2^64·Pr[X ≤ t - B], rebuilt from the sampler's own probabilities (wrapping sums, exact in ulong).
        var thresholds = new ulong[2 * sampler.Bound];
        ulong sum = 0;
        for (int t = 0; t < thresholds.Length; t++)
        {
            sum += (ulong)Math.Round(sampler.Probability(t - sampler.Bound) * 18446744073709551616.0);
            thresholds[t] = sum;
        }

        return thresholds;
    }

    [Theory]
    [Trait("Category", "Kernel")]
    [MemberData(nameof(Levels))]
    public void Gaussian_EveryWidth_MatchesOneWordAtATimeOracle(SimdLevel level)
    {
        foreach (int count in new[] { 0, 1, 7, 8, 15, 16, 255, 256, 257, 1000, 4099 })
        {
            var sampler = new GaussianSampler(Seeded(21));
            var values = new int[count + 3];
            sampler.Sample(values.AsSpan(0, count), level);
            var after = new int[5];
            sampler.Sample(after, level);

            using RandomSource oracleSource = Seeded(21);
            int[] expected = GaussianOracle(oracleSource, Thresholds(sampler), sampler.Bound, count + 5);
            Assert.Equal(expected[..count], values[..count]);
            Assert.Equal(expected[count..], after);
            Assert.All(values[count..], v => Assert.Equal(0, v));
        }
    }

    [Fact]
    public void Gaussian_ThresholdsRebuiltFromProbabilities_AreIncreasing()
    {
        ulong[] thresholds = Thresholds(new GaussianSampler(Seeded(1)));
        Assert.Equal(38, thresholds.Length);
        for (int t = 1; t < thresholds.Length; t++)
        {
            Assert.True(thresholds[t] > thresholds[t - 1]);
        }
    }

    private static double ChiSquareAgainstTable(GaussianSampler table, int[] values)
    {
        // Bins: x ≤ -12, each of -11..11, x ≥ 12 (25 bins, df = 24; every expected count is at least ~300 for 2^21 samples).
        var counts = new long[39];
        foreach (int v in values)
        {
            counts[v + 19]++;
        }

        double n = values.Length, chiSquare = 0;
        for (int bin = -12; bin <= 12; bin++)
        {
            IEnumerable<int> members = bin == -12 ? Enumerable.Range(-19, 8) : bin == 12 ? Enumerable.Range(12, 8) : [bin];
            double p = members.Sum(table.Probability);
            double observed = members.Sum(x => (double)counts[x + 19]);
            chiSquare += (observed - n * p) * (observed - n * p) / (n * p);
        }

        return chiSquare;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Gaussian_ManySamples_MatchTableProbabilities_AndAWrongSigmaFails()
    {
        // The 1 - 10^-9 quantile of chi-square with 24 degrees of freedom is about 92.5 (Wilson–Hilferty). A sampler with
        // σ = 3.22 instead of 3.2 has an expected statistic near 190 at 2^21 samples, σ = 3.3 near 4000.
        var sampler = new GaussianSampler(Seeded(31));
        var values = new int[1 << 21];
        sampler.Sample(values);
        double good = ChiSquareAgainstTable(sampler, values);
        Assert.True(good < 93, $"chi-square {good:F1} against the table");

        var wrong = new GaussianSampler(Seeded(31), sigma: 3.3);
        wrong.Sample(values);
        double bad = ChiSquareAgainstTable(sampler, values);
        Assert.True(bad > 93, $"a σ = 3.3 sampler gives chi-square {bad:F1} against the σ = 3.2 table: the test can fail");
    }

    [Fact]
    public void Gaussian_SystemSource_SamplesAreInRangeAndNotConstant()
    {
        var values = new int[4096];
        new GaussianSampler().Sample(values);
        Assert.All(values, v => Assert.InRange(v, -19, 19));
        Assert.True(values.Distinct().Count() > 5);
    }

    [Theory]
    [InlineData(1_073_479_681UL)]
    [InlineData((1UL << 40) + 15)]
    [InlineData((1UL << 61) - 1)]
    [InlineData((1UL << 20) + 7)]
    [InlineData(3UL)]
    public void Uniform_Chunked_MatchesOneCandidateAtATimeOracle(ulong qValue)
    {
        var q = new Modulus(qValue);
        int bits = q.BitCount, bytes = (bits + 7) / 8;
        ulong mask = (1UL << bits) - 1;
        foreach (int count in new[] { 0, 1, 511, 512, 513, 3000 })
        {
            using RandomSource source = Seeded(41), oracleSource = Seeded(41);
            var sampler = new UniformSampler(source);
            var values = new ulong[count];
            sampler.Sample(values, q);
            var next = new ulong[3];
            sampler.Sample(next, q);

            var expected = new ulong[count + 3];
            for (int j = 0; j < expected.Length; j++)
            {
                ulong candidate;
                do
                {
                    candidate = oracleSource.NextUInt64(bytes) & mask;
                }
                while (candidate >= qValue);

                expected[j] = candidate;
            }

            Assert.Equal(expected[..count], values);
            Assert.Equal(expected[count..], next);
        }
    }

    [Fact]
    public void Ternary_Chunked_MatchesOneByteAtATimeOracle()
    {
        foreach (int count in new[] { 0, 1, 1023, 1024, 1025, 5000 })
        {
            using RandomSource source = Seeded(51), oracleSource = Seeded(51);
            var sampler = new TernarySampler(source);
            var values = new sbyte[count];
            sampler.Sample(values);
            var next = new sbyte[3];
            sampler.Sample(next);

            var expected = new sbyte[count + 3];
            for (int j = 0; j < expected.Length; j++)
            {
                byte b;
                do
                {
                    b = oracleSource.NextByte();
                }
                while (b == 255);

                expected[j] = (sbyte)((b % 3) - 1);
            }

            Assert.Equal(expected[..count], values);
            Assert.Equal(expected[count..], next);
        }
    }

    [Theory]
    [Trait("Category", "Kernel")]
    [MemberData(nameof(Levels))]
    public void SmallIntegers_EveryWidth_WritesCentredResidues(SimdLevel level)
    {
        RnsContext context = TestRings.Small;
        var random = new Random(3);
        int n = context.N;
        int[] ints = Enumerable.Range(0, n).Select(j => j % 11 == 0 ? -(1 << 29) : random.Next(-1000, 1001)).ToArray();
        sbyte[] bytes = Enumerable.Range(0, n).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
        var poly = new RnsPoly(context, 4, isNttForm: true);
        SmallIntegers.Write(ints, poly, level);
        Assert.False(poly.IsNttForm);
        for (int i = 0; i < 4; i++)
        {
            ulong q = context.Moduli[i].Value;
            Assert.Equal(ints.Select(v => v < 0 ? q - (ulong)(-(long)v) : (ulong)v), poly.Limb(i).ToArray());
        }

        SmallIntegers.Write(bytes, poly, level);
        for (int i = 0; i < 4; i++)
        {
            ulong q = context.Moduli[i].Value;
            Assert.Equal(bytes.Select(v => v < 0 ? q - (ulong)(-(long)v) : (ulong)v), poly.Limb(i).ToArray());
        }

        Assert.Throws<ArgumentException>(() => SmallIntegers.Write(ints.AsSpan(0, n - 1), poly, level));
    }
}
