using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// Small Vector256 primitives for the NTT kernels. Each uses the AVX2 instruction when the hardware has it and an
/// equivalent portable expression otherwise, so the same kernel also runs (slowly, in software) where it is not
/// accelerated; tests rely on that to check the kernel logic on any machine.
/// </summary>
internal static class NttVector256
{
    /// <summary>Per 64-bit lane: <c>(a mod 2^32) · (b mod 2^32)</c>, the full 64-bit product (<c>vpmuludq</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MultiplyLow32(Vector256<ulong> a, Vector256<ulong> b)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.Multiply(a.AsUInt32(), b.AsUInt32());
        }

        Vector256<ulong> mask = Vector256.Create(0xFFFF_FFFFUL);
        return (a & mask) * (b & mask);
    }

    /// <summary>Per 32-bit lane: the low 32 bits of the product (<c>vpmulld</c>), viewed as 64-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MultiplyLanes32(Vector256<ulong> a, Vector256<ulong> b) =>
        (a.AsUInt32() * b.AsUInt32()).AsUInt64();

    /// <summary>Swaps the two 32-bit halves of every 64-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> SwapHalves(Vector256<ulong> a)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.Shuffle(a.AsUInt32(), 0b10_11_00_01).AsUInt64();
        }

        return (a << 32) | (a >>> 32);
    }

    /// <summary>Per lane: <c>x - m</c> when <c>x ≥ m</c>, else <c>x</c>; needs <c>x, m &lt; 2^63</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> SubtractIfNotLess(Vector256<ulong> x, Vector256<ulong> m)
    {
        Vector256<ulong> t = x - m;
        if (Avx.IsSupported)
        {
            // vblendvpd picks x where t's sign bit is set (x < m).
            return Avx.BlendVariable(t.AsDouble(), x.AsDouble(), t.AsDouble()).AsUInt64();
        }

        return Vector256.ConditionalSelect(Vector256.LessThan(t.AsInt64(), Vector256<long>.Zero).AsUInt64(), x, t);
    }

    /// <summary>The low 128-bit halves of <paramref name="a"/> and <paramref name="b"/>: <c>[a0 a1 b0 b1]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> LowHalves(Vector256<ulong> a, Vector256<ulong> b)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.Permute2x128(a, b, 0x20);
        }

        return Vector256.Create(a.GetLower(), b.GetLower());
    }

    /// <summary>The high 128-bit halves of <paramref name="a"/> and <paramref name="b"/>: <c>[a2 a3 b2 b3]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> HighHalves(Vector256<ulong> a, Vector256<ulong> b)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.Permute2x128(a, b, 0x31);
        }

        return Vector256.Create(a.GetUpper(), b.GetUpper());
    }

    /// <summary>Even lanes interleaved: <c>[a0 b0 a2 b2]</c> (<c>vpunpcklqdq</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> UnpackLow(Vector256<ulong> a, Vector256<ulong> b)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.UnpackLow(a, b);
        }

        return Vector256.Create(a.GetElement(0), b.GetElement(0), a.GetElement(2), b.GetElement(2));
    }

    /// <summary>Odd lanes interleaved: <c>[a1 b1 a3 b3]</c> (<c>vpunpckhqdq</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> UnpackHigh(Vector256<ulong> a, Vector256<ulong> b)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.UnpackHigh(a, b);
        }

        return Vector256.Create(a.GetElement(1), b.GetElement(1), a.GetElement(3), b.GetElement(3));
    }

    /// <summary>Loads two values <c>[p0 p1]</c> from <paramref name="source"/> and returns <c>[p0 p0 p1 p1]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> LoadPairsDuplicated(ref ulong source)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.Permute4x64(Vector128.LoadUnsafe(ref source).ToVector256Unsafe(), 0b01_01_00_00);
        }

        ulong p0 = source, p1 = Unsafe.Add(ref source, 1);
        return Vector256.Create(p0, p0, p1, p1);
    }

    /// <summary>Even 32-bit lanes from <paramref name="even"/>, odd ones from <paramref name="odd"/> (<c>vpblendd</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> BlendOdd32(Vector256<uint> even, Vector256<uint> odd)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.Blend(even, odd, 0b1010_1010);
        }

        return Vector256.ConditionalSelect(Vector256.Create(0u, ~0u, 0u, ~0u, 0u, ~0u, 0u, ~0u), odd, even);
    }

    /// <summary>Per 128-bit lane, the even 32-bit elements of <paramref name="a"/> then of <paramref name="b"/>: <c>[a0 a2 b0 b2 | a4 a6 b4 b6]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> EvenElements32(Vector256<uint> a, Vector256<uint> b)
    {
        if (Avx.IsSupported)
        {
            return Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b10_00_10_00).AsUInt32();
        }

        return Vector256.Create(a[0], a[2], b[0], b[2], a[4], a[6], b[4], b[6]);
    }

    /// <summary>Per 128-bit lane, the odd 32-bit elements of <paramref name="a"/> then of <paramref name="b"/>: <c>[a1 a3 b1 b3 | a5 a7 b5 b7]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> OddElements32(Vector256<uint> a, Vector256<uint> b)
    {
        if (Avx.IsSupported)
        {
            return Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_11_01).AsUInt32();
        }

        return Vector256.Create(a[1], a[3], b[1], b[3], a[5], a[7], b[5], b[7]);
    }

    /// <summary>Interleaves the low 32-bit pairs per 128-bit lane: <c>[a0 b0 a1 b1 | a4 b4 a5 b5]</c> (<c>vpunpckldq</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> UnpackLow32(Vector256<uint> a, Vector256<uint> b)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.UnpackLow(a, b);
        }

        return Vector256.Create(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5]);
    }

    /// <summary>Interleaves the high 32-bit pairs per 128-bit lane: <c>[a2 b2 a3 b3 | a6 b6 a7 b7]</c> (<c>vpunpckhdq</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> UnpackHigh32(Vector256<uint> a, Vector256<uint> b)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.UnpackHigh(a, b);
        }

        return Vector256.Create(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7]);
    }
}
