using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Sampling;
using CkksRns.Rns.Tests.Polynomials;
using Xunit;

namespace CkksRns.Rns.Tests.Sampling;

/// <summary>
/// Statistical checks use fixed seeds, so they are deterministic; the tolerances are 6 standard errors, which a
/// correct sampler exceeds with probability about 2·10^-9 per check for a fresh seed.
/// </summary>
public sealed class SamplerTests
{
    private static RandomSource Seeded(byte fill, ulong stream = 0) => RandomSource.FromSeed(RandomSourceTests.Seed(fill), stream);

    [Fact]
    public void Uniform_SameSeed_GivesIdenticalPolynomials_AndPrefixLimbsDoNotDependOnLimbCount()
    {
        RnsContext context = TestRings.Small;
        var a = new RnsPoly(context, 4, isNttForm: true);
        var b = new RnsPoly(context, 4, isNttForm: true);
        var shorter = new RnsPoly(context, 2);
        new UniformSampler(Seeded(5)).Sample(a);
        new UniformSampler(Seeded(5)).Sample(b);
        new UniformSampler(Seeded(5)).Sample(shorter);
        Assert.True(a.ContentEquals(b));
        Assert.True(a.IsNttForm, "the form flag is kept");
        Assert.True(a.Coefficients[..(2 * context.N)].SequenceEqual(shorter.Coefficients));

        var other = new RnsPoly(context, 4, isNttForm: true);
        new UniformSampler(Seeded(6)).Sample(other);
        Assert.False(a.ContentEquals(other));
    }

    [Theory]
    [InlineData(1_073_479_681UL)]            // a 30-bit NTT prime just below 2^30: almost no rejections
    [InlineData((1UL << 40) + 15)]           // just above 2^40: about half the candidates rejected
    [InlineData((1UL << 61) - 1)]
    [InlineData((1UL << 20) + 7)]
    public void Uniform_Residues_AreBelowQWithUniformMeanVarianceAndBuckets(ulong qValue)
    {
        var q = new Modulus(qValue);
        const int count = 1 << 17;
        var values = new ulong[count];
        new UniformSampler(Seeded(7)).Sample(values, q);
        Assert.All(values, v => Assert.True(v < qValue));

        // Work in units of q: u = v/q is uniform on [0, 1) up to 1/q, mean 1/2, variance 1/12.
        double mean = values.Average(v => v / (double)qValue);
        double variance = values.Average(v => Math.Pow(v / (double)qValue - mean, 2));
        Assert.InRange(mean, 0.5 - 6 * Math.Sqrt(1.0 / 12 / count), 0.5 + 6 * Math.Sqrt(1.0 / 12 / count));
        // Var of the sample variance of U(0,1) is (1/80 - 1/144)/n.
        double varianceError = 6 * Math.Sqrt((1.0 / 80 - 1.0 / 144) / count);
        Assert.InRange(variance, 1.0 / 12 - varianceError, 1.0 / 12 + varianceError);

        // Chi-square over 64 equal buckets (df = 63): the 1 - 10^-9 quantile is about 150.
        var buckets = new int[64];
        foreach (ulong v in values)
        {
            buckets[(int)(v / (double)qValue * 64)]++;
        }

        double expected = count / 64.0;
        double chiSquare = buckets.Sum(b => (b - expected) * (b - expected) / expected);
        Assert.True(chiSquare < 150, $"chi-square {chiSquare:F1} over 64 buckets");
    }

    public static TheoryData<ulong, int> UniformPrimesAndLevels()
    {
        var data = new TheoryData<ulong, int>();
        ulong[] primes =
        [
            1_073_479_681UL,          // 30-bit NTT prime: almost no rejections, the packed 4-byte path
            (1UL << 29) + 11,         // 30 bits, half the candidates rejected: packed groups fall back often
            (1UL << 31) + 11,         // 32 bits in 4 bytes
            (1UL << 25) - 39,         // 25 bits in 4 bytes
            (1UL << 20) + 7,          // 3 bytes
            (1UL << 40) + 15,         // 5 bytes
            (1UL << 61) - 1,          // 8 bytes
        ];
        foreach (ulong q in primes)
        {
            foreach (SimdLevel level in SimdCapabilities.Supported)
            {
                data.Add(q, (int)level);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(UniformPrimesAndLevels))]
    public void Uniform_EverySimdLevel_IsTheOneCandidateAtATimeDefinition(ulong qValue, int level)
    {
        var q = new Modulus(qValue);
        int bytes = (q.BitCount + 7) / 8;
        ulong mask = q.BitCount == 64 ? ulong.MaxValue : (1UL << q.BitCount) - 1;
        foreach (int count in new[] { 1, 7, 8, 9, 511, 512, 513, 5000 })
        {
            // The definition (docs/format.md): next ceil(k/8) bytes little-endian, masked, kept when below q.
            using RandomSource reference = Seeded(11, (ulong)count);
            var expected = new ulong[count];
            for (int filled = 0; filled < count;)
            {
                ulong candidate = reference.NextUInt64(bytes) & mask;
                if (candidate < qValue)
                {
                    expected[filled++] = candidate;
                }
            }

            var actual = new ulong[count + 1];
            actual[count] = 12345; // must stay untouched
            new UniformSampler(Seeded(11, (ulong)count)).Sample(actual.AsSpan(0, count), q, (SimdLevel)level);
            Assert.Equal(expected, actual[..count]);
            Assert.Equal(12345UL, actual[count]);
        }
    }

    [Fact]
    public void Ternary_FixedSeed_IsReproducibleBalancedAndConsistentAcrossLimbs()
    {
        RnsContext context = TestRings.Small;
        var poly = new RnsPoly(context, 4, isNttForm: true);
        new TernarySampler(Seeded(11)).Sample(poly);
        var again = new RnsPoly(context, 4);
        new TernarySampler(Seeded(11)).Sample(again);
        Assert.True(poly.ContentEquals(again));
        Assert.False(poly.IsNttForm);

        int[] counts = new int[3];
        for (int j = 0; j < context.N; j++)
        {
            ulong first = poly.Limb(0)[j];
            int value = first == 0 ? 0 : first == 1 ? 1 : first == context.Moduli[0].Value - 1 ? -1 : 99;
            Assert.NotEqual(99, value);
            counts[value + 1]++;
            for (int i = 1; i < 4; i++)
            {
                ulong q = context.Moduli[i].Value;
                Assert.Equal(value < 0 ? q - 1 : (ulong)value, poly.Limb(i)[j]);
            }
        }

        var large = new sbyte[1 << 18];
        new TernarySampler(Seeded(12)).Sample(large);
        Assert.All(large, v => Assert.InRange(v, (sbyte)-1, (sbyte)1));
        double mean = large.Average(v => (double)v);
        double variance = large.Average(v => (double)v * v) - mean * mean;
        double n = large.Length;
        Assert.InRange(mean, -6 * Math.Sqrt(2.0 / 3 / n), 6 * Math.Sqrt(2.0 / 3 / n));
        // v² is Bernoulli(2/3): its mean has standard error sqrt(2/9/n).
        Assert.InRange(variance, 2.0 / 3 - 6 * Math.Sqrt(2.0 / 9 / n), 2.0 / 3 + 6 * Math.Sqrt(2.0 / 9 / n));
        Assert.All(new[] { -1, 0, 1 }, x =>
            Assert.InRange(large.Count(v => v == x) / n, 1.0 / 3 - 6 * Math.Sqrt(2.0 / 9 / n), 1.0 / 3 + 6 * Math.Sqrt(2.0 / 9 / n)));
    }

    [Fact]
    public void Gaussian_FixedSeed_HasSigmaThreePointTwoBoundedAtNineteen()
    {
        var sampler = new GaussianSampler(Seeded(13));
        Assert.Equal(3.2, sampler.Sigma);
        Assert.Equal(19, sampler.Bound);
        var values = new int[1 << 18];
        sampler.Sample(values);
        Assert.All(values, v => Assert.InRange(v, -19, 19));

        double n = values.Length, sigmaSquared = 3.2 * 3.2;
        double mean = values.Average(v => (double)v);
        double variance = values.Average(v => (double)v * v) - mean * mean;
        Assert.InRange(mean, -6 * Math.Sqrt(sigmaSquared / n), 6 * Math.Sqrt(sigmaSquared / n));
        // For a Gaussian the sample variance has standard error σ²·sqrt(2/n).
        Assert.InRange(variance, sigmaSquared * (1 - 6 * Math.Sqrt(2 / n)), sigmaSquared * (1 + 6 * Math.Sqrt(2 / n)));

        // Chi-square against the exact discrete Gaussian for |x| ≤ 9, tails merged (df = 19): 1 - 10^-9 quantile ≈ 75.
        double total = Enumerable.Range(-19, 39).Sum(x => Math.Exp(-x * x / (2 * sigmaSquared)));
        double chiSquare = 0;
        for (int x = -10; x <= 10; x++)
        {
            Func<int, bool> inBin = x == -10 ? v => v <= -10 : x == 10 ? v => v >= 10 : v => v == x;
            double p = Enumerable.Range(-19, 39).Where(inBin).Sum(v => Math.Exp(-v * v / (2 * sigmaSquared))) / total;
            double observed = values.Count(inBin);
            chiSquare += (observed - n * p) * (observed - n * p) / (n * p);
        }

        Assert.True(chiSquare < 75, $"chi-square {chiSquare:F1}");
    }

    [Fact]
    public void Gaussian_Table_MatchesExactProbabilitiesIncludingTails()
    {
        var sampler = new GaussianSampler(Seeded(1));
        double total = Enumerable.Range(-19, 39).Sum(x => Math.Exp(-x * x / 20.48));
        for (int x = -20; x <= 20; x++)
        {
            double expected = Math.Abs(x) > 19 ? 0 : Math.Exp(-x * x / 20.48) / total;
            double actual = sampler.Probability(x);
            Assert.True(Math.Abs(actual - expected) <= expected * 1e-9 + 1e-18, $"Pr[{x}] = {actual} vs {expected}");
            Assert.Equal(sampler.Probability(-x), actual);
        }
    }

    [Fact]
    public void Gaussian_Polynomial_IsReproducibleAndConsistentAcrossLimbs()
    {
        RnsContext context = TestRings.Small;
        var poly = new RnsPoly(context, 3, isNttForm: true);
        new GaussianSampler(Seeded(14)).Sample(poly);
        var again = new RnsPoly(context, 3);
        new GaussianSampler(Seeded(14)).Sample(again);
        Assert.True(poly.ContentEquals(again));
        Assert.False(poly.IsNttForm);

        var integers = new System.Numerics.BigInteger[context.N];
        poly.GetCoefficients(integers);
        Assert.All(integers, v => Assert.InRange(v, -19, 19));
        for (int i = 0; i < 3; i++)
        {
            ulong q = context.Moduli[i].Value;
            for (int j = 0; j < context.N; j++)
            {
                long v = (long)integers[j];
                Assert.Equal(v < 0 ? q - (ulong)(-v) : (ulong)v, poly.Limb(i)[j]);
            }
        }

        Assert.Contains(integers, v => v != 0);
    }

    [Fact]
    public void Samplers_OsSource_ProduceDifferentPolynomials()
    {
        RnsContext context = TestRings.Small;
        var a = new RnsPoly(context);
        var b = new RnsPoly(context);
        new TernarySampler().Sample(a);
        new TernarySampler().Sample(b);
        Assert.False(a.ContentEquals(b));
        new GaussianSampler().Sample(a);
        new GaussianSampler().Sample(b);
        Assert.False(a.ContentEquals(b));
        using RandomSource system = RandomSource.CreateSystem();
        new UniformSampler(system).Sample(a);
        new UniformSampler(system).Sample(b);
        Assert.False(a.ContentEquals(b));
    }

    [Fact]
    public void Samplers_BadArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => new UniformSampler(null!));
        Assert.Throws<ArgumentNullException>(() => new TernarySampler(null!));
        Assert.Throws<ArgumentNullException>(() => new GaussianSampler(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianSampler(Seeded(1), sigma: 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianSampler(Seeded(1), sigma: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianSampler(Seeded(1), boundInSigmas: 0.5));
        Assert.Throws<ArgumentNullException>(() => new UniformSampler(Seeded(1)).Sample(null!));
        Assert.Throws<ArgumentException>(() => new UniformSampler(Seeded(1)).Sample(new ulong[4], default));
    }
}
