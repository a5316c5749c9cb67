using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;
using Xunit;

namespace CkksRns.Rns.Tests.Kernels;

/// <summary>
/// The kernels added for the CKKS layer (ElementwiseKernels.ReduceAndPermuted.cs, ElementwiseKernels.LazyAccumulate.cs)
/// on every path against BigInteger oracles, with lengths that hit every vector tail.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class CkksKernelAdditionsTests
{
    public static readonly TheoryData<SimdLevel> Levels = new() { SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512 };

    private static readonly ulong[] Moduli =
    [
        (1UL << 20) - 3, 67_043_329, (1UL << 31) - 1, (1UL << 32) + 15, (1UL << 40) - 87, (1UL << 50) - 27, (1UL << 61) - 1,
    ];

    private static ulong[] Residues(Random random, int length, ulong q) =>
        Enumerable.Range(0, length).Select(i => (i % 5) switch
        {
            0 => q - 1,
            1 => 0UL,
            _ => (ulong)random.NextInt64(0, (long)q),
        }).ToArray();

    private static ulong[] Words(Random random, int length, ulong max) =>
        Enumerable.Range(0, length).Select(i => i % 7 == 0 ? max : (ulong)random.NextInt64(0, (long)Math.Min(max, long.MaxValue)) | (random.Next(2) == 0 ? 0 : max & (1UL << 63))).ToArray();

    [Theory]
    [MemberData(nameof(Levels))]
    public void Reduce_ReduceCentered_SubtractMultiplyShoup_Gather_MatchBigInteger(SimdLevel level)
    {
        var random = new Random(1);
        foreach (ulong value in Moduli)
        {
            var q = new Modulus(value);
            foreach (int length in new[] { 0, 1, 5, 8, 17, 64, 71 })
            {
                ulong[] x = Residues(random, length, value), y = Residues(random, length, value), d = new ulong[length];
                ulong[] big = Enumerable.Range(0, length).Select(i => i % 3 == 0 ? (1UL << 63) - 1 : (ulong)random.NextInt64()).ToArray();
                ElementwiseKernels.Reduce(big, d, q, level);
                Assert.Equal(big.Select(v => v % value), d);

                ShoupOperand w = q.CreateShoupOperand((ulong)random.NextInt64(0, (long)value));
                ElementwiseKernels.SubtractMultiplyShoup(x, y, w, d, q, level);
                Assert.Equal(x.Zip(y, (a, b) => (ulong)((((BigInteger)a - b + value) * w.Value) % value)), d);

                foreach (ulong sourceValue in Moduli)
                {
                    ulong[] source = Residues(random, length, sourceValue);
                    ElementwiseKernels.ReduceCentered(source, sourceValue, d, q, level);
                    Assert.Equal(
                        source.Select(v => (ulong)((((v > sourceValue / 2 ? (BigInteger)v - sourceValue : v) % value) + value) % value)), d);
                }

                int[] permutation = Enumerable.Range(0, length).OrderBy(_ => random.Next()).ToArray();
                new NttGaloisPermutation(permutation).Apply(x, d, level);
                Assert.Equal(permutation.Select(j => x[j]), d);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void LazyAccumulators_SumMany_ThenReduce_MatchBigInteger(SimdLevel level)
    {
        var random = new Random(2);
        foreach (ulong value in Moduli)
        {
            var q = new Modulus(value);
            foreach (int length in new[] { 1, 4, 9, 33, 64 })
            {
                bool narrow = ElementwiseKernels.IsNarrow(q);
                int terms = narrow ? Math.Min(ElementwiseKernels.NarrowTermLimit(q), 40) : 32;
                var low = new ulong[length];
                var high = new ulong[length];
                var expected = new BigInteger[length];
                for (int t = 0; t < terms; t++)
                {
                    ulong[] x = Residues(random, length, value), y = Residues(random, length, value);
                    ulong w = (ulong)random.NextInt64(0, (long)value);
                    switch ((narrow, t % 2))
                    {
                        case (true, 0):
                            ElementwiseKernels.MultiplyAccumulateNarrow(x, y, low, level);
                            for (int i = 0; i < length; i++) { expected[i] += (BigInteger)x[i] * y[i]; }
                            break;
                        case (true, _):
                            ElementwiseKernels.MultiplyScalarAccumulateNarrow(x, w, low, level);
                            for (int i = 0; i < length; i++) { expected[i] += (BigInteger)x[i] * w; }
                            break;
                        case (false, 0):
                            ElementwiseKernels.MultiplyAccumulateWide(x, y, low, high, level);
                            for (int i = 0; i < length; i++) { expected[i] += (BigInteger)x[i] * y[i]; }
                            break;
                        default:
                            ElementwiseKernels.MultiplyScalarAccumulateWide(x, w, low, high, level);
                            for (int i = 0; i < length; i++) { expected[i] += (BigInteger)x[i] * w; }
                            break;
                    }
                }

                for (int i = 0; i < length; i++)
                {
                    Assert.Equal(expected[i], ((BigInteger)high[i] << 64) + low[i]);
                }

                var d = new ulong[length];
                if (narrow)
                {
                    ElementwiseKernels.Reduce(low, d, q, level);
                }
                else
                {
                    ElementwiseKernels.ReduceWide(low, high, d, q, level);
                }

                Assert.Equal(expected.Select(e => (ulong)(e % value)), d);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void ReduceWide_ExtremeWords_MatchBigInteger(SimdLevel level)
    {
        var random = new Random(3);
        foreach (ulong value in Moduli)
        {
            var q = new Modulus(value);
            ulong[] low = [0, ulong.MaxValue, 1UL << 63, (1UL << 63) - 1, .. Enumerable.Range(0, 20).Select(_ => (ulong)random.NextInt64() * 2 + 1)];
            ulong[] high = [(1UL << 63) - 1, (1UL << 63) - 1, 0, 12345, .. Enumerable.Range(0, 20).Select(_ => (ulong)random.NextInt64())];
            var d = new ulong[low.Length];
            ElementwiseKernels.ReduceWide(low, high, d, q, level);
            Assert.Equal(low.Zip(high, (l, h) => (ulong)((((BigInteger)h << 64) + l) % value)), d);
        }
    }
}
