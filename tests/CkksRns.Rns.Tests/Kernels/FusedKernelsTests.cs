using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using Xunit;

namespace CkksRns.Rns.Tests.Kernels;

/// <summary>
/// The fused kernels of ElementwiseKernels.Fused.cs on every path against BigInteger oracles, with lengths that hit
/// every vector tail, edge residues (0, q - 1) and aliasing of outputs with inputs where the callers rely on it.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class FusedKernelsTests
{
    public static readonly TheoryData<SimdLevel> Levels = new() { SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512 };

    private static readonly ulong[] Moduli =
    [
        (1UL << 20) - 3, 67_043_329, (1UL << 31) - 1, (1UL << 32) + 15, (1UL << 40) - 87, (1UL << 50) - 27, (1UL << 61) - 1,
    ];

    private static readonly int[] Lengths = [0, 1, 5, 8, 15, 16, 17, 64, 71];

    private static ulong[] Residues(Random random, int length, ulong q) =>
        Enumerable.Range(0, length).Select(i => (i % 5) switch
        {
            0 => q - 1,
            1 => 0UL,
            _ => (ulong)random.NextInt64(0, (long)q),
        }).ToArray();

    private static int[] Small(Random random, int length) =>
        Enumerable.Range(0, length).Select(i => (i % 4) switch { 0 => -19, 1 => 19, 2 => 0, _ => random.Next(-19, 20) }).ToArray();

    private static ulong Mod(BigInteger x, ulong q) => (ulong)(((x % q) + q) % q);

    [Theory]
    [MemberData(nameof(Levels))]
    public void RescaleCorrection_MatchesCentredRemainder(SimdLevel level)
    {
        var random = new Random(1);
        foreach (ulong lastValue in Moduli)
        {
            var last = new Modulus(lastValue);
            foreach (ulong value in Moduli)
            {
                var q = new Modulus(value);
                foreach (int length in Lengths)
                {
                    ulong[] r = Residues(random, length, lastValue).Select((v, i) => i % 7 == 3 ? lastValue / 2 : i % 7 == 4 ? lastValue / 2 + 1 : v).ToArray();
                    var d = new ulong[length];
                    ElementwiseKernels.RescaleCorrection(r, last, d, q, level);
                    // Centred remainder in [-(q_l - 1)/2, (q_l - 1)/2], then modulo q.
                    Assert.Equal(r.Select(v => Mod(v > lastValue / 2 ? (BigInteger)v - lastValue : v, value)), d);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void MultiplyAdd_MultiplySubtractFrom_MatchBigInteger(SimdLevel level)
    {
        var random = new Random(2);
        foreach (ulong value in Moduli)
        {
            var q = new Modulus(value);
            foreach (int length in Lengths)
            {
                ulong[] x = Residues(random, length, value), y = Residues(random, length, value), z = Residues(random, length, value);
                var d = new ulong[length];
                ElementwiseKernels.MultiplyAdd(x, y, z, d, q, level);
                Assert.Equal(Enumerable.Range(0, length).Select(i => Mod((BigInteger)x[i] * y[i] + z[i], value)), d);

                ulong[] aliased = (ulong[])z.Clone();
                ElementwiseKernels.MultiplySubtractFrom(x, y, aliased, aliased, q, level);
                Assert.Equal(Enumerable.Range(0, length).Select(i => Mod(z[i] - (BigInteger)x[i] * y[i], value)), aliased);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void AddSmall_ReduceCenteredSubtractSmall_MatchBigInteger(SimdLevel level)
    {
        var random = new Random(3);
        foreach (ulong value in Moduli)
        {
            var q = new Modulus(value);
            foreach (int length in Lengths)
            {
                ulong[] x = Residues(random, length, value);
                int[] e = Small(random, length);
                var d = new ulong[length];
                ElementwiseKernels.AddSmall(x, e, subtract: false, d, q, level);
                Assert.Equal(Enumerable.Range(0, length).Select(i => Mod((BigInteger)x[i] + e[i], value)), d);
                ulong[] aliased = (ulong[])x.Clone();
                ElementwiseKernels.AddSmall(aliased, e, subtract: true, aliased, q, level);
                Assert.Equal(Enumerable.Range(0, length).Select(i => Mod((BigInteger)x[i] - e[i], value)), aliased);

                foreach (ulong sourceValue in Moduli)
                {
                    ulong[] source = Residues(random, length, sourceValue);
                    ElementwiseKernels.ReduceCenteredSubtractSmall(source, sourceValue, e, d, q, level);
                    Assert.Equal(
                        Enumerable.Range(0, length).Select(i => Mod((source[i] > sourceValue / 2 ? (BigInteger)source[i] - sourceValue : source[i]) - e[i], value)),
                        d);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Tensor_MultiplyPair_MatchBigInteger_EvenInPlace(SimdLevel level)
    {
        var random = new Random(4);
        foreach (ulong value in Moduli)
        {
            var q = new Modulus(value);
            foreach (int length in Lengths)
            {
                ulong[] a0 = Residues(random, length, value), a1 = Residues(random, length, value);
                ulong[] b0 = Residues(random, length, value), b1 = Residues(random, length, value);
                ulong[] e0 = Enumerable.Range(0, length).Select(i => Mod((BigInteger)a0[i] * b0[i], value)).ToArray();
                ulong[] e1 = Enumerable.Range(0, length).Select(i => Mod((BigInteger)a0[i] * b1[i] + (BigInteger)a1[i] * b0[i], value)).ToArray();
                ulong[] e2 = Enumerable.Range(0, length).Select(i => Mod((BigInteger)a1[i] * b1[i], value)).ToArray();

                // Outputs alias the first operand (destination = a), as Evaluator.Multiply allows.
                ulong[] d0 = (ulong[])a0.Clone(), d1 = (ulong[])a1.Clone(), d2 = new ulong[length];
                ElementwiseKernels.Tensor(d0, d1, b0, b1, d0, d1, d2, q, level);
                Assert.Equal(e0, d0);
                Assert.Equal(e1, d1);
                Assert.Equal(e2, d2);

                ulong[] p0 = new ulong[length], p1 = new ulong[length];
                ElementwiseKernels.MultiplyPair(a0, a1, b0, p0, p1, q, level);
                Assert.Equal(a0.Zip(b0, (x, y) => Mod((BigInteger)x * y, value)), p0);
                Assert.Equal(a1.Zip(b0, (x, y) => Mod((BigInteger)x * y, value)), p1);
            }
        }
    }
}
