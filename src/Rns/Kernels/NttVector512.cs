using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// Small Vector512 primitives for the NTT kernels. Each uses the AVX-512 instruction when the hardware has it and an
/// equivalent portable expression otherwise, so the same kernel also runs (slowly, in software) where it is not
/// accelerated; tests rely on that to check the kernel logic on machines without AVX-512.
/// </summary>
internal static class NttVector512
{
    /// <summary>Per 64-bit lane: <c>(a mod 2^32) · (b mod 2^32)</c>, the full 64-bit product (<c>vpmuludq</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyLow32(Vector512<ulong> a, Vector512<ulong> b)
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.Multiply(a.AsUInt32(), b.AsUInt32());
        }

        Vector512<ulong> mask = Vector512.Create(0xFFFF_FFFFUL);
        return (a & mask) * (b & mask);
    }

    /// <summary>Per lane: <c>x - m</c> when <c>x ≥ m</c>, else <c>x</c> (<c>vpminuq</c> of <c>x</c> and <c>x - m</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> SubtractIfNotLess(Vector512<ulong> x, Vector512<ulong> m) => Vector512.Min(x, x - m);

    /// <summary>
    /// Selects lanes from the 16-lane table <c>a ∥ b</c>: lane <c>i</c> of the result is <c>a[k]</c> for
    /// <c>k = indices[i] &lt; 8</c> and <c>b[k - 8]</c> otherwise (<c>vpermt2q</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Permute2(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> indices)
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.PermuteVar8x64x2(a, indices, b);
        }

        Span<ulong> result = stackalloc ulong[8];
        for (int i = 0; i < 8; i++)
        {
            int k = (int)(indices.GetElement(i) & 15);
            result[i] = k < 8 ? a.GetElement(k) : b.GetElement(k - 8);
        }

        return Vector512.Create<ulong>(result);
    }

    /// <summary>Selects lanes of <paramref name="a"/>: lane <c>i</c> is <c>a[indices[i]]</c> (<c>vpermq</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Permute(Vector512<ulong> a, Vector512<ulong> indices)
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.PermuteVar8x64(a, indices);
        }

        Span<ulong> result = stackalloc ulong[8];
        for (int i = 0; i < 8; i++)
        {
            result[i] = a.GetElement((int)(indices.GetElement(i) & 7));
        }

        return Vector512.Create<ulong>(result);
    }

    /// <summary>Even lanes interleaved per 128-bit block: <c>[a0 b0 a2 b2 a4 b4 a6 b6]</c> (<c>vpunpcklqdq</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> UnpackLow(Vector512<ulong> a, Vector512<ulong> b)
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.UnpackLow(a, b);
        }

        return Permute2(a, b, Vector512.Create(0UL, 8, 2, 10, 4, 12, 6, 14));
    }

    /// <summary>Odd lanes interleaved per 128-bit block: <c>[a1 b1 a3 b3 a5 b5 a7 b7]</c> (<c>vpunpckhqdq</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> UnpackHigh(Vector512<ulong> a, Vector512<ulong> b)
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.UnpackHigh(a, b);
        }

        return Permute2(a, b, Vector512.Create(1UL, 9, 3, 11, 5, 13, 7, 15));
    }
}
