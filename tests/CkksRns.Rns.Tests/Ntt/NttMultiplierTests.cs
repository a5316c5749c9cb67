using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Primes;
using Xunit;

namespace CkksRns.Rns.Tests.Ntt;

/// <summary>
/// The vector multipliers' contract, checked directly against <see cref="UInt128"/> arithmetic: for every input below
/// <c>4q</c> the result is congruent to <c>y·w</c> and lies in <c>[0, 2q)</c>. Operands are drawn near the range limits
/// (y close to 4q, w close to q), where the approximate quotients are furthest off. The Vector512 multipliers run in
/// the runtime's software emulation where AVX-512 is absent.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class NttMultiplierTests
{
    private const int Samples = 16_000;

    /// <summary>Multiplies 8 lanes: (y, stored twiddle, aux) → result.</summary>
    private delegate ulong[] Multiply8(ulong[] y, ulong[] w, ulong[] aux);

    private static void Check(Multiply8 multiply, Func<ulong, (ulong W, ulong Aux)> operand, ulong q, int seed)
    {
        var random = new Random(seed);
        var ys = new ulong[8];
        var twiddles = new ulong[8];
        var stored = new ulong[8];
        var auxes = new ulong[8];
        for (int i = 0; i < Samples; i += 8)
        {
            for (int lane = 0; lane < 8; lane++)
            {
                int k = i + lane;
                ys[lane] = (ulong)random.NextInt64((long)(k % 2 == 0 ? 3 * q : 0), (long)(4 * q));
                twiddles[lane] = (ulong)random.NextInt64((long)(k % 3 == 0 ? q - q / 1024 : 0), (long)q);
                (stored[lane], auxes[lane]) = operand(twiddles[lane]);
            }

            // Extremes: y = 4q - 1 and w = q - 1 in lane 0 of every 8th batch.
            if (i % 64 == 0)
            {
                ys[0] = 4 * q - 1;
                twiddles[0] = q - 1;
                (stored[0], auxes[0]) = operand(q - 1);
            }

            ulong[] result = multiply(ys, stored, auxes);
            for (int lane = 0; lane < 8; lane++)
            {
                ulong r = result[lane];
                ulong expected = (ulong)((UInt128)ys[lane] * twiddles[lane] % q);
                Assert.True(r < 2 * q, $"y={ys[lane]}, w={twiddles[lane]}, q={q}: result {r} is not below 2q");
                Assert.True(r % q == expected, $"y={ys[lane]}, w={twiddles[lane]}, q={q}: result {r} is not congruent to {expected}");
            }
        }
    }

    private static Func<ulong, (ulong W, ulong Aux)> ShoupOperand(ulong q) =>
        w => (w, new Modulus(q).ShoupPrecompute(w));

    private static Func<ulong, (ulong W, ulong Aux)> FmaOperand(ulong q) =>
        w => (BitConverter.DoubleToUInt64Bits(w), BitConverter.DoubleToUInt64Bits((double)w / q));

    private static Multiply8 With256<TMul>(ulong q)
        where TMul : struct, INttMultiplier256<TMul> =>
        (y, w, aux) =>
        {
            TMul mul = TMul.Create(q);
            var result = new ulong[8];
            for (int half = 0; half < 8; half += 4)
            {
                Vector256<ulong> r = mul.MultiplyLazy(
                    Vector256.Create<ulong>(y.AsSpan(half, 4)),
                    mul.Prepare(Vector256.Create<ulong>(w.AsSpan(half, 4)), Vector256.Create<ulong>(aux.AsSpan(half, 4))));
                r.CopyTo(result, half);
            }

            return result;
        };

    private static Multiply8 With512<TMul>(ulong q)
        where TMul : struct, INttMultiplier512<TMul> =>
        (y, w, aux) =>
        {
            TMul mul = TMul.Create(q);
            Vector512<ulong> r = mul.MultiplyLazy(
                Vector512.Create(y), mul.Prepare(Vector512.Create(w), Vector512.Create(aux)));
            var result = new ulong[8];
            r.CopyTo(result);
            return result;
        };

    private static ulong Prime(int bits, int rank = 0) =>
        NttPrimes.Generate(1024, Enumerable.Repeat(bits, rank + 1).ToArray())[rank];

    [Theory]
    [InlineData(20)]
    [InlineData(40)]
    [InlineData(55)]
    [InlineData(60)]
    [InlineData(61)]
    public void Shoup64_MultiplyLazy_NearRangeLimits_CongruentAndBelowTwoQ(int bits)
    {
        ulong q = Prime(bits);
        Check(With256<NttShoup64Multiplier256>(q), ShoupOperand(q), q, bits);
        Check(With512<NttShoup64Multiplier512>(q), ShoupOperand(q), q, bits);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(25)]
    [InlineData(30)]
    public void Shoup32_MultiplyLazy_NearRangeLimits_CongruentAndBelowTwoQ(int bits)
    {
        ulong q = Prime(bits);
        Check(With256<NttShoup32Multiplier256>(q), ShoupOperand(q), q, bits);
        Check(With512<NttShoup32Multiplier512>(q), ShoupOperand(q), q, bits);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(40)]
    [InlineData(48)]
    [InlineData(49)]
    [InlineData(50)]
    public void Fma_MultiplyLazy_NearRangeLimits_CongruentAndBelowTwoQ(int bits)
    {
        foreach (int rank in new[] { 0, 5 })
        {
            ulong q = Prime(bits, rank);
            Check(With256<NttFmaMultiplier256>(q), FmaOperand(q), q, bits + rank);
            Check(With512<NttFmaMultiplier512>(q), FmaOperand(q), q, bits + rank);
        }
    }
}
