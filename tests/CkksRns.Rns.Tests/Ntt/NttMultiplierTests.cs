using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Primes;
using Xunit;

namespace CkksRns.Rns.Tests.Ntt;

/// <summary>
/// The vector multipliers' contract, checked directly against <see cref="UInt128"/> arithmetic: for every input below
/// <c>4q</c> the result is congruent to <c>y·w</c> and lies in <c>[0, 2q)</c>. Operands are drawn near the range limits
/// (y close to 4q, w close to q), where the approximate quotients are furthest off.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class NttMultiplierTests
{
    private const int Samples = 20_000;

    private static (ulong Y, ulong W) Draw(Random random, ulong q, int i)
    {
        ulong y = (ulong)random.NextInt64((long)(i % 2 == 0 ? 3 * q : 0), (long)(4 * q));
        ulong w = (ulong)random.NextInt64((long)(i % 3 == 0 ? q - q / 1024 : 0), (long)q);
        return (y, w);
    }

    private static void Check(
        Func<Vector256<ulong>, Vector256<ulong>, Vector256<ulong>, Vector256<ulong>> multiply,
        Func<ulong, (ulong W, ulong Aux)> operand,
        ulong q,
        int seed)
    {
        var random = new Random(seed);
        var ys = new ulong[4];
        var twiddles = new ulong[4];
        var stored = new ulong[4];
        var auxes = new ulong[4];
        for (int i = 0; i < Samples; i += 4)
        {
            for (int lane = 0; lane < 4; lane++)
            {
                (ys[lane], twiddles[lane]) = Draw(random, q, i + lane);
                (stored[lane], auxes[lane]) = operand(twiddles[lane]);
            }

            Vector256<ulong> result = multiply(Vector256.Create(ys), Vector256.Create(stored), Vector256.Create(auxes));
            for (int lane = 0; lane < 4; lane++)
            {
                ulong r = result.GetElement(lane);
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

    private static Vector256<ulong> Apply<TMul>(ulong q, Vector256<ulong> y, Vector256<ulong> w, Vector256<ulong> aux)
        where TMul : struct, INttMultiplier256<TMul>
    {
        TMul mul = TMul.Create(q);
        return mul.MultiplyLazy(y, mul.Prepare(w, aux));
    }

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
        Check((y, w, a) => Apply<NttShoup64Multiplier256>(q, y, w, a), ShoupOperand(q), q, bits);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(25)]
    [InlineData(30)]
    public void Shoup32_MultiplyLazy_NearRangeLimits_CongruentAndBelowTwoQ(int bits)
    {
        ulong q = Prime(bits);
        Check((y, w, a) => Apply<NttShoup32Multiplier256>(q, y, w, a), ShoupOperand(q), q, bits);
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
            Check((y, w, a) => Apply<NttFmaMultiplier256>(q, y, w, a), FmaOperand(q), q, bits + rank);
        }
    }
}
