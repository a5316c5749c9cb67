using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Bases;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Primes;
using Xunit;

namespace CkksRns.Rns.Tests.Kernels;

/// <summary>
/// The encoding kernels: signed coefficients to residues against BigInteger, and the block mixed-radix composer
/// against the centred CRT value (BigInteger) and bit for bit against <see cref="MixedRadixComposer"/> on every path.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class EncodingKernelsTests
{
    public static readonly TheoryData<SimdLevel> Levels = new() { SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512 };

    [Theory]
    [MemberData(nameof(Levels))]
    public void ReduceSigned_MatchesBigInteger(SimdLevel level)
    {
        var random = new Random(5);
        foreach (ulong value in new[] { 3UL, (1UL << 20) - 3, (1UL << 31) - 1, (1UL << 50) - 27, (1UL << 61) - 1 })
        {
            var q = new Modulus(value);
            foreach (int length in new[] { 0, 1, 5, 8, 17, 71 })
            {
                long[] x = Enumerable.Range(0, length).Select(i => (i % 6) switch
                {
                    0 => (1L << 62) - 1,
                    1 => -((1L << 62) - 1),
                    2 => 0L,
                    3 => -(long)(value % (1UL << 62)),
                    _ => random.NextInt64(-(1L << 62) + 1, 1L << 62),
                }).ToArray();
                var d = new ulong[length];
                ElementwiseKernels.ReduceSigned(x, d, q, level);
                Assert.Equal(x.Select(v => (ulong)((((BigInteger)v % value) + value) % value)), d);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void ReduceSignedSmall_MatchesBigInteger(SimdLevel level)
    {
        var random = new Random(15);
        const long limit = ElementwiseKernels.SmallSignedLimit;
        ulong[] moduli = [3UL, (1UL << 20) - 3, (1UL << 31) - 1, .. NttPrimes.Generate(1024, [26, 40, 48, 49, 50, 51, 61]), (1UL << 50) - 27];
        foreach (ulong value in moduli)
        {
            var q = new Modulus(value);
            foreach (int length in new[] { 0, 1, 5, 8, 17, 71 })
            {
                long[] x = Enumerable.Range(0, length).Select(i => (i % 9) switch
                {
                    0 => limit - 1,
                    1 => -(limit - 1),
                    2 => 0L,
                    3 => -(long)Math.Min(value, (ulong)limit - 1),
                    4 => (long)Math.Min(value, (ulong)limit - 1),
                    5 => (long)Math.Min(value / 2, (ulong)limit - 1),
                    6 => -(long)Math.Min((value / 2) + 1, (ulong)limit - 1),
                    _ => random.NextInt64(-limit + 1, limit),
                }).ToArray();
                var d = new ulong[length];
                ElementwiseKernels.ReduceSignedSmall(x, d, q, level);
                Assert.Equal(x.Select(v => (ulong)((((BigInteger)v % value) + value) % value)), d);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void ResiduesOfSmallIntegers_MatchesBigInteger(SimdLevel level)
    {
        var random = new Random(16);
        ulong[] moduli = [3UL, (1UL << 20) - 3, (1UL << 31) - 1, .. NttPrimes.Generate(1024, [26, 40, 49, 50, 51, 52, 61])];
        foreach (ulong value in moduli)
        {
            // Magnitudes below min(2q, 2^51), with ±q (whose residue is 0) and the bounds.
            long limit = (long)Math.Min((2 * value) - 1, (1UL << 51) - 1);
            foreach (int length in new[] { 0, 1, 5, 8, 17, 71 })
            {
                double[] x = Enumerable.Range(0, length).Select(i => (i % 9) switch
                {
                    0 => limit,
                    1 => -limit,
                    2 => 0.0,
                    3 => -0.0,
                    4 => -1.0,
                    5 => (double)Math.Min(value, (ulong)limit),
                    6 => -(double)Math.Min(value, (ulong)limit),
                    _ => random.NextInt64(-limit, limit + 1),
                }).ToArray();
                var d = new ulong[length];
                ElementwiseKernels.ResiduesOfSmallIntegers(x, d, value, level);
                Assert.Equal(x.Select(v => (ulong)(((new BigInteger(v) % value) + value) % value)), d);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void CentredRemainders_MatchesBigInteger(SimdLevel level)
    {
        var random = new Random(17);
        ulong[] moduli = [3UL, (1UL << 20) - 3, (1UL << 31) - 1, .. NttPrimes.Generate(1024, [26, 40, 49, 50, 51])];
        foreach (ulong value in moduli)
        {
            foreach (int length in new[] { 0, 1, 5, 8, 17, 71 })
            {
                ulong[] r = Enumerable.Range(0, length).Select(i => (i % 6) switch
                {
                    0 => 0UL,
                    1 => value - 1,
                    2 => value / 2,
                    3 => (value / 2) + 1,
                    _ => (ulong)random.NextInt64(0, (long)value),
                }).ToArray();
                var d = new double[length];
                ElementwiseKernels.CentredRemainders(r, value, d, level);
                Assert.Equal(r.Select(v => v > value / 2 ? (double)((BigInteger)v - value) : v), d);

                // Minus small integers (the encryption's error), including the sampler's bound and 0.
                int[] e = Enumerable.Range(0, length).Select(i => (i % 4) switch { 0 => 0, 1 => 20, 2 => -20, _ => random.Next(-20, 21) }).ToArray();
                ElementwiseKernels.CentredRemaindersMinusSmall(r, value, e, d, level);
                Assert.Equal(r.Select((v, i) => (double)((v > value / 2 ? (BigInteger)v - value : v) - e[i])), d);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void BlockComposer_MatchesMixedRadixComposerBitForBit_AndTheCentredCrtValue(SimdLevel level)
    {
        var random = new Random(6);
        ulong[] primes = NttPrimes.Generate(1024, [30, 50, 61, 40, 26, 26, 49]).ToArray();
        Modulus[] moduli = primes.Select(p => new Modulus(p)).ToArray();
        var reference = new MixedRadixComposer(moduli);
        var composer = new BlockMixedRadixComposer(moduli);
        foreach (int limbCount in new[] { 1, 2, 4, 7 })
        {
            foreach (int n in new[] { 1, 7, 256, 300, 1024 })
            {
                BigInteger modulus = primes.Take(limbCount).Aggregate(BigInteger.One, (a, p) => a * p);

                // Centred integers of every size: small ones (the usual decryption results), large ones, ±Q/2 edges.
                BigInteger[] x = Enumerable.Range(0, n).Select(j => (j % 5) switch
                {
                    0 => (BigInteger)random.NextInt64(-(1L << 40), 1L << 40) % ((modulus - 1) / 2),
                    1 => (modulus - 1) / 2,
                    2 => -((modulus - 1) / 2),
                    _ => (new BigInteger(Enumerable.Range(0, 64).Select(_ => (byte)random.Next(256)).ToArray(), isUnsigned: true) % modulus) - (modulus - 1) / 2,
                }).ToArray();
                var limbs = new ulong[limbCount * n];
                for (int i = 0; i < limbCount; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        limbs[i * n + j] = (ulong)(((x[j] % primes[i]) + primes[i]) % primes[i]);
                    }
                }

                double multiplier = 1.0 / (1L << 30);
                var expected = new double[n];
                var actual = new double[n];
                reference.ComposeCentered(limbs, limbCount, multiplier, expected);
                composer.ComposeCentered(limbs, limbCount, multiplier, actual, level);
                Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));
                for (int j = 0; j < n; j++)
                {
                    double exact = (double)x[j] * multiplier;
                    Assert.True(Math.Abs(actual[j] - exact) <= Math.Abs(exact) * 1e-14 + 1e-300, $"x = {x[j]}: {actual[j]} vs {exact}");
                }
            }
        }
    }
}
