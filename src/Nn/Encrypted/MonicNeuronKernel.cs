using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// One limb of a monic SLAF neuron in one pass over memory (see <see cref="ThroughputEngine.EvaluateSlafMonic"/>): from
/// the input's residues <c>(x0, x1)</c> and the NTTs <c>(t0, t1, t2)</c> of the square's rescale corrections, it forms
/// <c>z = x0 + shift</c>, the boosted square <c>(d0, d1, d2) = (z·Kz, z·Kx1 + x1·Kz, x1·Kx1)</c>, its rescale
/// <c>d_j = (d_j − t_j)·q_top^−1</c>, <c>d0 + κ</c>, and the product <c>(d0x0, d0x1 + d1x0, d1x1 + d2x0, d2x1)</c> —
/// what <c>AddConstant</c>, two <c>MultiplyShoup</c>, <c>Tensor</c>, three <c>SubtractMultiplyShoup</c>,
/// <c>AddConstant</c>, <c>Tensor</c>, <c>MultiplyAdd</c> and <c>Multiply</c> compute in eleven passes.
/// </summary>
/// <remarks>
/// For primes of at most 30 bits (<see cref="Supports"/>): every product of two reduced residues and every sum of two
/// such products is below <c>2q² &lt; 2^(b+31)</c>, the range of the 32-bit Barrett step. Every step returns fully
/// reduced residues, so the result is the same, bit for bit, as the eleven kernels' (and on every SIMD level; the
/// scalar path is the reference).
/// </remarks>
internal static class MonicNeuronKernel
{
    /// <summary>Whether the fused pass handles limbs modulo <paramref name="q"/> (primes of at most 30 bits).</summary>
    public static bool Supports(Modulus q) => q.BitCount <= 30;

    /// <summary>The fused limb (see the class summary); all spans have the same length, residues below q.</summary>
    /// <param name="x0">The input's first polynomial (limb of q).</param>
    /// <param name="x1">The input's second polynomial.</param>
    /// <param name="t0">The NTT of the first square polynomial's rescale correction.</param>
    /// <param name="t1">The same for the second.</param>
    /// <param name="t2">The same for the third.</param>
    /// <param name="shift">The residue of the shift β/2 at the input's scale.</param>
    /// <param name="boost">The residue of the exact boost K.</param>
    /// <param name="inverse">q_top^−1 mod q with its Shoup quotient.</param>
    /// <param name="kappa">The residue of κ at the rescaled square's scale.</param>
    /// <param name="o0">Receives the first result polynomial.</param>
    /// <param name="o1">Receives the second.</param>
    /// <param name="o2">Receives the third.</param>
    /// <param name="o3">Receives the fourth.</param>
    /// <param name="q">The limb's prime, of at most 30 bits.</param>
    /// <param name="level">The vector width.</param>
    /// <exception cref="ArgumentException">A length differs, or q has more than 30 bits.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Limb(
        ReadOnlySpan<ulong> x0, ReadOnlySpan<ulong> x1, ReadOnlySpan<ulong> t0, ReadOnlySpan<ulong> t1, ReadOnlySpan<ulong> t2,
        ulong shift, ulong boost, ShoupOperand inverse, ulong kappa,
        Span<ulong> o0, Span<ulong> o1, Span<ulong> o2, Span<ulong> o3, Modulus q, SimdLevel level)
    {
        int n = x0.Length;
        if (x1.Length != n || t0.Length != n || t1.Length != n || t2.Length != n || o0.Length != n || o1.Length != n || o2.Length != n || o3.Length != n)
        {
            throw new ArgumentException($"Every span of a monic neuron limb must have the input's {n} coefficients.");
        }

        if (!Supports(q))
        {
            throw new ArgumentException($"The fused monic neuron limb takes primes of at most 30 bits; q = {q.Value} has {q.BitCount}.", nameof(q));
        }

        var c = new Constants(shift, boost, inverse, kappa, q);
        int start = level switch
        {
            SimdLevel.Vector512 => Vector512Path(x0, x1, t0, t1, t2, o0, o1, o2, o3, c),
            SimdLevel.Vector256 => Vector256Path(x0, x1, t0, t1, t2, o0, o1, o2, o3, c),
            _ => 0,
        };
        ScalarPath(x0, x1, t0, t1, t2, o0, o1, o2, o3, c, start);
    }

    private readonly struct Constants(ulong shift, ulong boost, ShoupOperand inverse, ulong kappa, Modulus q)
    {
        public readonly Modulus Q = q;
        public readonly ulong Shift = shift, Boost = boost, BoostShoup32 = q.CreateShoupOperand(boost).Quotient >> 32;
        public readonly ulong Inverse = inverse.Value, InverseShoup32 = inverse.Quotient >> 32, Kappa = kappa;
    }

    private static void ScalarPath(
        ReadOnlySpan<ulong> x0, ReadOnlySpan<ulong> x1, ReadOnlySpan<ulong> t0, ReadOnlySpan<ulong> t1, ReadOnlySpan<ulong> t2,
        Span<ulong> o0, Span<ulong> o1, Span<ulong> o2, Span<ulong> o3, in Constants c, int start)
    {
        Modulus q = c.Q;
        ulong qv = q.Value;
        for (int i = start; i < x0.Length; i++)
        {
            ulong a = x0[i], b = x1[i];
            ulong z = q.Add(a, c.Shift);
            ulong kz = q.Multiply(z, c.Boost), kb = q.Multiply(b, c.Boost);
            ulong d0 = (z * kz) % qv, d1 = ((z * kb) + (b * kz)) % qv, d2 = (b * kb) % qv;
            d0 = q.Multiply(q.Subtract(d0, t0[i]), c.Inverse);
            d1 = q.Multiply(q.Subtract(d1, t1[i]), c.Inverse);
            d2 = q.Multiply(q.Subtract(d2, t2[i]), c.Inverse);
            d0 = q.Add(d0, c.Kappa);
            o0[i] = (d0 * a) % qv;
            o1[i] = ((d0 * b) + (d1 * a)) % qv;
            o2[i] = ((d1 * b) + (d2 * a)) % qv;
            o3[i] = (d2 * b) % qv;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int Vector256Path(
        ReadOnlySpan<ulong> x0, ReadOnlySpan<ulong> x1, ReadOnlySpan<ulong> t0, ReadOnlySpan<ulong> t1, ReadOnlySpan<ulong> t2,
        Span<ulong> o0, Span<ulong> o1, Span<ulong> o2, Span<ulong> o3, in Constants c)
    {
        int n = x0.Length, i = 0;
        ref ulong rx0 = ref MemoryMarshal.GetReference(x0), rx1 = ref MemoryMarshal.GetReference(x1);
        ref ulong rt0 = ref MemoryMarshal.GetReference(t0), rt1 = ref MemoryMarshal.GetReference(t1), rt2 = ref MemoryMarshal.GetReference(t2);
        ref ulong r0 = ref MemoryMarshal.GetReference(o0), r1 = ref MemoryMarshal.GetReference(o1);
        ref ulong r2 = ref MemoryMarshal.GetReference(o2), r3 = ref MemoryMarshal.GetReference(o3);
        Vector256<ulong> q = Vector256.Create(c.Q.Value);
        var barrett = new ElementwiseKernels.ShortBarrett256(c.Q);
        Vector256<ulong> shift = Vector256.Create(c.Shift), kappa = Vector256.Create(c.Kappa);
        Vector256<ulong> k = Vector256.Create(c.Boost), kShoup = Vector256.Create(c.BoostShoup32);
        Vector256<ulong> inv = Vector256.Create(c.Inverse), invShoup = Vector256.Create(c.InverseShoup32);
        for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
        {
            nuint at = (nuint)i;
            Vector256<ulong> a = Vector256.LoadUnsafe(ref rx0, at), b = Vector256.LoadUnsafe(ref rx1, at);
            Vector256<ulong> z = AddMod(a, shift, q);
            Vector256<ulong> kz = MultiplyShoupNarrow(z, k, kShoup, q), kb = MultiplyShoupNarrow(b, k, kShoup, q);
            Vector256<ulong> d0 = barrett.Reduce(MulLo32(z, kz));
            Vector256<ulong> d1 = barrett.Reduce(MulLo32(z, kb) + MulLo32(b, kz));
            Vector256<ulong> d2 = barrett.Reduce(MulLo32(b, kb));

            // (d − t)·q_top^−1: d + q − t < 2q < 2^32 is what the 32-bit Shoup product takes.
            d0 = MultiplyShoupNarrow(d0 + q - Vector256.LoadUnsafe(ref rt0, at), inv, invShoup, q);
            d1 = MultiplyShoupNarrow(d1 + q - Vector256.LoadUnsafe(ref rt1, at), inv, invShoup, q);
            d2 = MultiplyShoupNarrow(d2 + q - Vector256.LoadUnsafe(ref rt2, at), inv, invShoup, q);
            d0 = AddMod(d0, kappa, q);
            barrett.Reduce(MulLo32(d0, a)).StoreUnsafe(ref r0, at);
            barrett.Reduce(MulLo32(d0, b) + MulLo32(d1, a)).StoreUnsafe(ref r1, at);
            barrett.Reduce(MulLo32(d1, b) + MulLo32(d2, a)).StoreUnsafe(ref r2, at);
            barrett.Reduce(MulLo32(d2, b)).StoreUnsafe(ref r3, at);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int Vector512Path(
        ReadOnlySpan<ulong> x0, ReadOnlySpan<ulong> x1, ReadOnlySpan<ulong> t0, ReadOnlySpan<ulong> t1, ReadOnlySpan<ulong> t2,
        Span<ulong> o0, Span<ulong> o1, Span<ulong> o2, Span<ulong> o3, in Constants c)
    {
        int n = x0.Length, i = 0;
        ref ulong rx0 = ref MemoryMarshal.GetReference(x0), rx1 = ref MemoryMarshal.GetReference(x1);
        ref ulong rt0 = ref MemoryMarshal.GetReference(t0), rt1 = ref MemoryMarshal.GetReference(t1), rt2 = ref MemoryMarshal.GetReference(t2);
        ref ulong r0 = ref MemoryMarshal.GetReference(o0), r1 = ref MemoryMarshal.GetReference(o1);
        ref ulong r2 = ref MemoryMarshal.GetReference(o2), r3 = ref MemoryMarshal.GetReference(o3);
        Vector512<ulong> q = Vector512.Create(c.Q.Value);
        var barrett = new ElementwiseKernels.ShortBarrett512(c.Q);
        Vector512<ulong> shift = Vector512.Create(c.Shift), kappa = Vector512.Create(c.Kappa);
        Vector512<ulong> k = Vector512.Create(c.Boost), kShoup = Vector512.Create(c.BoostShoup32);
        Vector512<ulong> inv = Vector512.Create(c.Inverse), invShoup = Vector512.Create(c.InverseShoup32);
        for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
        {
            nuint at = (nuint)i;
            Vector512<ulong> a = Vector512.LoadUnsafe(ref rx0, at), b = Vector512.LoadUnsafe(ref rx1, at);
            Vector512<ulong> z = AddMod(a, shift, q);
            Vector512<ulong> kz = MultiplyShoupNarrow(z, k, kShoup, q), kb = MultiplyShoupNarrow(b, k, kShoup, q);
            Vector512<ulong> d0 = barrett.Reduce(MulLo32(z, kz));
            Vector512<ulong> d1 = barrett.Reduce(MulLo32(z, kb) + MulLo32(b, kz));
            Vector512<ulong> d2 = barrett.Reduce(MulLo32(b, kb));
            d0 = MultiplyShoupNarrow(d0 + q - Vector512.LoadUnsafe(ref rt0, at), inv, invShoup, q);
            d1 = MultiplyShoupNarrow(d1 + q - Vector512.LoadUnsafe(ref rt1, at), inv, invShoup, q);
            d2 = MultiplyShoupNarrow(d2 + q - Vector512.LoadUnsafe(ref rt2, at), inv, invShoup, q);
            d0 = AddMod(d0, kappa, q);
            barrett.Reduce(MulLo32(d0, a)).StoreUnsafe(ref r0, at);
            barrett.Reduce(MulLo32(d0, b) + MulLo32(d1, a)).StoreUnsafe(ref r1, at);
            barrett.Reduce(MulLo32(d1, b) + MulLo32(d2, a)).StoreUnsafe(ref r2, at);
            barrett.Reduce(MulLo32(d2, b)).StoreUnsafe(ref r3, at);
        }

        return i;
    }
}
