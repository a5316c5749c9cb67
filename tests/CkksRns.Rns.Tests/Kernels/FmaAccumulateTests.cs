using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Kernels;

/// <summary>
/// The floating-point lazy inner-product sums (<see cref="ElementwiseKernels.MultiplyAccumulatePairFma"/>,
/// <see cref="ElementwiseKernels.FoldFmaSums"/>, <see cref="ElementwiseKernels.ReduceFmaSums"/>) against a BigInteger
/// oracle on every SIMD level (the Vector512 path through .NET's software fallback where the hardware lacks it), for
/// moduli of 32 to 50 bits, with residues at <c>q - 1</c> and sums held at the term limit and folded past it.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class FmaAccumulateTests
{
    public static readonly TheoryData<SimdLevel> Levels = new() { SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512 };

    // Odd moduli (the kernels need no primality) over the whole range, the largest 50-bit value included.
    private static readonly ulong[] Moduli =
    [
        (1UL << 31) + 11, (1UL << 32) - 5, (1UL << 40) - 87, (1UL << 44) + 7, .. NttPrimes.Generate(1 << 14, [43, 44, 46, 48, 49, 50]), (1UL << 50) - 27,
    ];

    private static ulong[] Residues(Random random, int length, ulong q, bool extreme) =>
        [.. Enumerable.Range(0, length).Select(_ => extreme || random.Next(4) == 0 ? q - 1 - (ulong)random.Next(2) : (ulong)random.NextInt64((long)q))];

    /// <summary>
    /// Operands whose products reduce to the largest representatives, of one sign: <c>x = h·1</c> and <c>x·(q - 1)</c>
    /// with <c>h</c> the odd one of <c>(q - 1)/2</c>, <c>(q - 3)/2</c>. Every sum then grows by about <c>q/2</c> per
    /// term (and stays odd after an odd count), so a sum that passed <c>2^53</c> would be rounded and caught.
    /// </summary>
    private static (ulong[] X, ulong[] B, ulong[] A) LargestProducts(int length, ulong q)
    {
        ulong h = (q - 1) / 2 % 2 == 1 ? (q - 1) / 2 : (q - 3) / 2;
        return ([.. Enumerable.Repeat(h, length)], [.. Enumerable.Repeat(1UL, length)], [.. Enumerable.Repeat(q - 1, length)]);
    }

    /// <summary>
    /// The key-switching pattern: <c>terms</c> digits summed, folded whenever the term limit is reached (as the inner
    /// product does), then reduced; compared with the exact sums.
    /// </summary>
    private static bool SumsMatch(ulong qValue, int length, int terms, int seed, bool extreme, SimdLevel level, bool largest = false)
    {
        var q = new Modulus(qValue);
        var random = new Random(seed);
        int limit = ElementwiseKernels.FmaTermLimit(q);
        var sum0 = new double[length];
        var sum1 = new double[length];
        Array.Fill(sum0, 12345.0); // overwritten by the first digit
        BigInteger[] exact0 = new BigInteger[length], exact1 = new BigInteger[length];
        int held = 0;
        for (int j = 0; j < terms; j++)
        {
            (ulong[] x, ulong[] b, ulong[] a) = largest
                ? LargestProducts(length, qValue)
                : (Residues(random, length, qValue, extreme), Residues(random, length, qValue, extreme), Residues(random, length, qValue, extreme));
            if (held >= limit)
            {
                ElementwiseKernels.FoldFmaSums(sum0, q, level);
                ElementwiseKernels.FoldFmaSums(sum1, q, level);
                if (!sum0.Concat(sum1).All(v => Math.Abs(v) < qValue && v == Math.Floor(v)))
                {
                    return false; // a fold leaves one exact term in (-q, q)
                }

                held = 1;
            }

            ElementwiseKernels.MultiplyAccumulatePairFma(x, b, a, sum0, sum1, q, overwrite: j == 0, level);
            held++;
            for (int i = 0; i < length; i++)
            {
                exact0[i] += (BigInteger)x[i] * b[i];
                exact1[i] += (BigInteger)x[i] * a[i];
            }
        }

        var reduced0 = new ulong[length];
        var reduced1 = new ulong[length];
        ElementwiseKernels.ReduceFmaSums(sum0, reduced0, q, level);
        ElementwiseKernels.ReduceFmaSums(sum1, reduced1, q, level);
        for (int i = 0; i < length; i++)
        {
            if (reduced0[i] != (ulong)(exact0[i] % qValue) || reduced1[i] != (ulong)(exact1[i] % qValue))
            {
                return false;
            }
        }

        return true;
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void PairSums_RandomResiduesAndDigitCounts_MatchBigInteger(SimdLevel level) =>
        Prop.ForAll(
            (from index in Gen.Choose(0, Moduli.Length - 1)
             from length in Gen.Choose(0, 37)
             from terms in Gen.Choose(1, 24)
             from seed in Gen.Choose(0, int.MaxValue)
             select (Moduli[index], length, terms, seed)).ToArbitrary(),
            c => SumsMatch(c.Item1, c.length, c.terms, c.seed, extreme: false, level)).Check(Config.QuickThrowOnFailure.WithMaxTest(150));

    [Theory]
    [MemberData(nameof(Levels))]
    public void PairSums_AllResiduesNearQ_AtAndPastTheTermLimit_MatchBigInteger(SimdLevel level)
    {
        foreach (ulong q in Moduli)
        {
            int limit = ElementwiseKernels.FmaTermLimit(new Modulus(q));
            Assert.InRange(limit, 8, int.MaxValue); // every modulus of at most 50 bits holds at least 8 terms
            if (limit <= 64)
            {
                Assert.True(SumsMatch(q, 19, limit, seed: (int)(q % 1000), extreme: true, level), $"q = {q}: {limit} terms of (q-1)^2");
                Assert.True(SumsMatch(q, 19, 2 * limit + 3, seed: 7, extreme: true, level), $"q = {q}: folded past the limit");
                Assert.True(SumsMatch(q, 19, limit, seed: 0, extreme: false, level, largest: true), $"q = {q}: {limit} terms of about ±q/2");
                Assert.True(SumsMatch(q, 19, 3 * limit + 1, seed: 0, extreme: false, level, largest: true), $"q = {q}: about ±q/2, folded");
            }
        }
    }

    [Fact]
    public void PairSums_EveryLevel_GivesTheScalarBits()
    {
        var random = new Random(5);
        foreach (ulong qValue in Moduli)
        {
            var q = new Modulus(qValue);
            ulong[] x = Residues(random, 45, qValue, false), b = Residues(random, 45, qValue, false), a = Residues(random, 45, qValue, false);
            double[][] sums = new double[3][];
            ulong[][] reduced = new ulong[3][];
            SimdLevel[] levels = [SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512];
            for (int l = 0; l < levels.Length; l++)
            {
                sums[l] = new double[45];
                var other = new double[45];
                ElementwiseKernels.MultiplyAccumulatePairFma(x, b, a, sums[l], other, q, overwrite: true, levels[l]);
                ElementwiseKernels.MultiplyAccumulatePairFma(b, a, x, sums[l], other, q, overwrite: false, levels[l]);
                reduced[l] = new ulong[45];
                ElementwiseKernels.ReduceFmaSums(sums[l], reduced[l], q, levels[l]);
            }

            Assert.Equal(sums[0], sums[1]);
            Assert.Equal(sums[0], sums[2]);
            Assert.Equal(reduced[0], reduced[1]);
            Assert.Equal(reduced[0], reduced[2]);
        }
    }

    [Fact]
    public void Accumulable_OnlyWidePrimesUpTo50Bits()
    {
        Assert.False(ElementwiseKernels.IsFmaAccumulable(new Modulus((1UL << 31) - 1)));
        Assert.False(ElementwiseKernels.IsFmaAccumulable(new Modulus((1UL << 51) - 129)));
        Assert.Equal(System.Runtime.Intrinsics.X86.Fma.IsSupported, ElementwiseKernels.IsFmaAccumulable(new Modulus((1UL << 50) - 27)));
    }
}
