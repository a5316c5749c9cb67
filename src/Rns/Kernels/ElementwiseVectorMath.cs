using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// Lane-wise 64-bit modular arithmetic helpers for <see cref="Vector256{T}"/> and <see cref="Vector512{T}"/> of
/// <see cref="ulong"/>, used by <see cref="ElementwiseKernels"/>.
/// </summary>
/// <remarks>
/// <para>
/// Neither AVX2 nor AVX-512F has a 64×64→128-bit lane multiply, so full products are assembled from four 32×32→64
/// multiplies (<c>vpmuludq</c>; <see cref="Avx2.Multiply(Vector256{uint}, Vector256{uint})"/>,
/// <see cref="Avx512F.Multiply(Vector512{uint}, Vector512{uint})"/>). Where those instructions are not available the
/// same helpers fall back to portable vector code (masking to 32 bits and a 64-bit lane multiply), which gives the same
/// numbers; that fallback is what lets the Vector512 path be checked on hardware without AVX-512.
/// </para>
/// <para>
/// Comparisons are signed 64-bit compares (<c>vpcmpgtq</c> exists in AVX2, the unsigned one does not), valid because
/// every compared value stays below <c>2^63</c>.
/// </para>
/// </remarks>
internal static class ElementwiseVectorMath
{
    private const ulong Low32Mask = 0xFFFF_FFFFUL;

    // ---------------------------------------------------------------- Vector256

    /// <summary><c>(x mod 2^32)·(y mod 2^32)</c> in each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MulLo32(Vector256<ulong> x, Vector256<ulong> y)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.Multiply(x.AsUInt32(), y.AsUInt32());
        }

        Vector256<ulong> mask = Vector256.Create(Low32Mask);
        return (x & mask) * (y & mask);
    }

    /// <summary>The low 64 bits of <c>x·y</c> in each lane (three 32-bit multiplies).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MulLow(Vector256<ulong> x, Vector256<ulong> y)
    {
        Vector256<ulong> cross = MulLo32(x, Vector256.ShiftRightLogical(y, 32)) + MulLo32(Vector256.ShiftRightLogical(x, 32), y);
        return MulLo32(x, y) + Vector256.ShiftLeft(cross, 32);
    }

    /// <summary>The high 64 bits of <c>x·y</c> in each lane, for <c>x &lt; 2^63</c> and any <c>y</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MulHigh(Vector256<ulong> x, Vector256<ulong> y)
    {
        Vector256<ulong> mask = Vector256.Create(Low32Mask);
        Vector256<ulong> xh = Vector256.ShiftRightLogical(x, 32), yh = Vector256.ShiftRightLogical(y, 32);
        Vector256<ulong> ll = MulLo32(x, y), lh = MulLo32(x, yh), hl = MulLo32(xh, y), hh = MulLo32(xh, yh);
        // hl < 2^31·2^32 and ll>>32 < 2^32, so mid fits; lh is split so that nothing overflows.
        Vector256<ulong> mid = hl + Vector256.ShiftRightLogical(ll, 32) + (lh & mask);
        return hh + Vector256.ShiftRightLogical(lh, 32) + Vector256.ShiftRightLogical(mid, 32);
    }

    /// <summary>The full 128-bit product of <c>x·y</c> in each lane, for <c>x, y &lt; 2^62</c>; returns the low word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MulWide(Vector256<ulong> x, Vector256<ulong> y, out Vector256<ulong> high)
    {
        Vector256<ulong> mask = Vector256.Create(Low32Mask);
        Vector256<ulong> xh = Vector256.ShiftRightLogical(x, 32), yh = Vector256.ShiftRightLogical(y, 32);
        Vector256<ulong> ll = MulLo32(x, y), lh = MulLo32(x, yh), hl = MulLo32(xh, y), hh = MulLo32(xh, yh);
        // x, y < 2^62: lh, hl < 2^62, so mid < 2^63 + 2^32 does not overflow.
        Vector256<ulong> mid = lh + hl + Vector256.ShiftRightLogical(ll, 32);
        high = hh + Vector256.ShiftRightLogical(mid, 32);
        return Vector256.ShiftLeft(mid, 32) | (ll & mask);
    }

    /// <summary>Maps lanes in <c>[0, 2q)</c> to <c>[0, q)</c> (one conditional subtraction; lanes below <c>2^63</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> ReduceOnce(Vector256<ulong> x, Vector256<ulong> q)
    {
        Vector256<ulong> below = Vector256.GreaterThan(q.AsInt64(), x.AsInt64()).AsUInt64();
        return x - Vector256.AndNot(q, below);
    }

    /// <summary><c>(a + b) mod q</c> for lanes in <c>[0, q)</c>, <c>q &lt; 2^62</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> AddMod(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> q) => ReduceOnce(a + b, q);

    /// <summary><c>(a - b) mod q</c> for lanes in <c>[0, q)</c>, <c>q &lt; 2^62</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> SubtractMod(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> q)
    {
        Vector256<ulong> borrow = Vector256.GreaterThan(b.AsInt64(), a.AsInt64()).AsUInt64();
        return a - b + (q & borrow);
    }

    /// <summary><c>(-a) mod q</c> for lanes in <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> NegateMod(Vector256<ulong> a, Vector256<ulong> q)
    {
        Vector256<ulong> zero = Vector256.Equals(a, Vector256<ulong>.Zero);
        return Vector256.AndNot(q - a, zero);
    }

    /// <summary>
    /// <c>(a · b) mod q</c> for lanes in <c>[0, q)</c> by a Barrett reduction whose quotient estimate is one high
    /// product: <c>q̂ = hi(floor(P / 2^(k-2)) · μ)</c> with <c>P = a·b</c>, <c>k</c> the bit count of <c>q</c> and
    /// <c>μ = floor(2^(62+k) / q)</c> (<see cref="BarrettMu"/>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Bounds: <c>P &lt; 2^(2k)</c>, so <c>x1 = floor(P / 2^(k-2)) &lt; 2^(k+2) ≤ 2^63</c>, and <c>2^(k-1) &lt; q &lt; 2^k</c>
    /// gives <c>2^62 &lt; μ &lt; 2^63</c>. Both truncations only lower the estimate, and together by less than
    /// <c>P / 2^(62+k) + 2^(k-2) / q &lt; 1/2 + 1/2</c>, so <c>floor(P/q) - 1 ≤ q̂ ≤ floor(P/q)</c>: the remainder
    /// <c>P - q̂·q</c> lies in <c>[0, 2q)</c> and one conditional subtraction finishes (exhaustively checked for
    /// <c>k ≤ 10</c> and by property tests up to 61 bits).
    /// </para>
    /// <para>For <c>k ≤ 32</c> the high word of <c>P</c> is zero, so the (masked) shift by <c>66 - k ≥ 64</c> is harmless.</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MultiplyMod(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> q, Vector256<ulong> mu, int k)
    {
        Vector256<ulong> lo = MulWide(a, b, out Vector256<ulong> hi);
        Vector256<ulong> x1 = Vector256.ShiftLeft(hi, 66 - k) | Vector256.ShiftRightLogical(lo, k - 2);
        Vector256<ulong> qhat = MulHigh(x1, mu);
        return ReduceOnce(lo - MulLow(qhat, q), q);
    }

    /// <summary><c>(x · w) mod q</c> for lanes <c>x &lt; 2^63</c>, with <c>w &lt; q</c> and its Shoup quotient <c>w'</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MultiplyShoup(Vector256<ulong> x, Vector256<ulong> w, Vector256<ulong> wShoup, Vector256<ulong> q)
    {
        Vector256<ulong> qhat = MulHigh(x, wShoup);
        return ReduceOnce(MulLow(x, w) - MulLow(qhat, q), q);
    }

    /// <summary>
    /// <c>(x · w) mod q</c> for <c>q &lt; 2^32</c>, lanes <c>x &lt; 2^32</c> and <c>w &lt; q</c>, with the 32-bit Shoup
    /// quotient <c>w' = floor(w·2^32/q)</c>: <c>q̂ = (x·w') &gt;&gt; 32</c> is at most one below <c>floor(x·w/q)</c>
    /// (three 32×32-bit multiplies).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MultiplyShoupNarrow(Vector256<ulong> x, Vector256<ulong> w, Vector256<ulong> wShoup32, Vector256<ulong> q) =>
        ReduceOnce(MulLo32(x, w) - MulLo32(Vector256.ShiftRightLogical(MulLo32(x, wShoup32), 32), q), q);

    // ---------------------------------------------------------------- Vector512

    /// <summary><c>(x mod 2^32)·(y mod 2^32)</c> in each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MulLo32(Vector512<ulong> x, Vector512<ulong> y)
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.Multiply(x.AsUInt32(), y.AsUInt32());
        }

        Vector512<ulong> mask = Vector512.Create(Low32Mask);
        return (x & mask) * (y & mask);
    }

    /// <summary>The low 64 bits of <c>x·y</c> in each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MulLow(Vector512<ulong> x, Vector512<ulong> y)
    {
        if (Avx512DQ.IsSupported)
        {
            return Avx512DQ.MultiplyLow(x, y);
        }

        Vector512<ulong> cross = MulLo32(x, Vector512.ShiftRightLogical(y, 32)) + MulLo32(Vector512.ShiftRightLogical(x, 32), y);
        return MulLo32(x, y) + Vector512.ShiftLeft(cross, 32);
    }

    /// <summary>The high 64 bits of <c>x·y</c> in each lane, for <c>x &lt; 2^63</c> and any <c>y</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MulHigh(Vector512<ulong> x, Vector512<ulong> y)
    {
        Vector512<ulong> mask = Vector512.Create(Low32Mask);
        Vector512<ulong> xh = Vector512.ShiftRightLogical(x, 32), yh = Vector512.ShiftRightLogical(y, 32);
        Vector512<ulong> ll = MulLo32(x, y), lh = MulLo32(x, yh), hl = MulLo32(xh, y), hh = MulLo32(xh, yh);
        Vector512<ulong> mid = hl + Vector512.ShiftRightLogical(ll, 32) + (lh & mask);
        return hh + Vector512.ShiftRightLogical(lh, 32) + Vector512.ShiftRightLogical(mid, 32);
    }

    /// <summary>The full 128-bit product of <c>x·y</c> in each lane, for <c>x, y &lt; 2^62</c>; returns the low word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MulWide(Vector512<ulong> x, Vector512<ulong> y, out Vector512<ulong> high)
    {
        Vector512<ulong> mask = Vector512.Create(Low32Mask);
        Vector512<ulong> xh = Vector512.ShiftRightLogical(x, 32), yh = Vector512.ShiftRightLogical(y, 32);
        Vector512<ulong> ll = MulLo32(x, y), lh = MulLo32(x, yh), hl = MulLo32(xh, y), hh = MulLo32(xh, yh);
        Vector512<ulong> mid = lh + hl + Vector512.ShiftRightLogical(ll, 32);
        high = hh + Vector512.ShiftRightLogical(mid, 32);
        return Vector512.ShiftLeft(mid, 32) | (ll & mask);
    }

    /// <summary>Maps lanes in <c>[0, 2q)</c> to <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> ReduceOnce(Vector512<ulong> x, Vector512<ulong> q) => Vector512.Min(x, x - q);

    /// <summary><c>(a + b) mod q</c> for lanes in <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> AddMod(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> q) => ReduceOnce(a + b, q);

    /// <summary><c>(a - b) mod q</c> for lanes in <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> SubtractMod(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> q)
    {
        Vector512<ulong> d = a - b;
        return Vector512.Min(d, d + q);
    }

    /// <summary><c>(-a) mod q</c> for lanes in <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> NegateMod(Vector512<ulong> a, Vector512<ulong> q)
    {
        Vector512<ulong> zero = Vector512.Equals(a, Vector512<ulong>.Zero);
        return Vector512.AndNot(q - a, zero);
    }

    /// <summary><c>(a · b) mod q</c> for lanes in <c>[0, q)</c>; see the Vector256 overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyMod(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> q, Vector512<ulong> mu, int k)
    {
        Vector512<ulong> lo = MulWide(a, b, out Vector512<ulong> hi);
        Vector512<ulong> x1 = Vector512.ShiftLeft(hi, 66 - k) | Vector512.ShiftRightLogical(lo, k - 2);
        Vector512<ulong> qhat = MulHigh(x1, mu);
        return ReduceOnce(lo - MulLow(qhat, q), q);
    }

    /// <summary><c>(x · w) mod q</c> for lanes <c>x &lt; 2^63</c>, with <c>w &lt; q</c> and its Shoup quotient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyShoup(Vector512<ulong> x, Vector512<ulong> w, Vector512<ulong> wShoup, Vector512<ulong> q)
    {
        Vector512<ulong> qhat = MulHigh(x, wShoup);
        return ReduceOnce(MulLow(x, w) - MulLow(qhat, q), q);
    }

    /// <summary>
    /// <c>(x · w) mod q</c> for <c>q &lt; 2^32</c>, lanes <c>x &lt; 2^32</c> and <c>w &lt; q</c>, with the 32-bit Shoup
    /// quotient <c>w' = floor(w·2^32/q)</c>: <c>q̂ = (x·w') &gt;&gt; 32</c> is at most one below <c>floor(x·w/q)</c>
    /// (three 32×32-bit multiplies).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyShoupNarrow(Vector512<ulong> x, Vector512<ulong> w, Vector512<ulong> wShoup32, Vector512<ulong> q) =>
        ReduceOnce(MulLo32(x, w) - MulLo32(Vector512.ShiftRightLogical(MulLo32(x, wShoup32), 32), q), q);

    // ---------------------------------------------------------------- constants

    /// <summary>The Barrett constant <c>μ = floor(2^(62+k) / q)</c> of <see cref="MultiplyMod(Vector256{ulong}, Vector256{ulong}, Vector256{ulong}, Vector256{ulong}, int)"/>, <c>k</c> the bit count of <paramref name="q"/>.</summary>
    public static ulong BarrettMu(ulong q, int k)
    {
        Debug.Assert(k is >= 2 and <= 61, "k must be in [2, 61]");
        return (ulong)((UInt128.One << (62 + k)) / q);
    }
}
