using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// Harvey butterflies on 16 × 32-bit lanes for <c>q &lt; 2^30</c> (every lazy value is below <c>4q &lt; 2^32</c>), with
/// the 32-bit Shoup product: quotient <c>Q = (y·w'') >> 32</c> for <c>w'' = floor(w·2^32/q)</c> (even and odd lanes
/// from two <c>vpmuludq</c>, merged by a constant-mask select), remainder <c>y·w - Q·q mod 2^32</c> in <c>[0, 2q)</c> from two
/// <c>vpmulld</c>. Twice the lanes of <see cref="NttShoup32Multiplier512"/> for the same instructions.
/// </summary>
internal readonly struct NttPackedShoup32Butterfly512
{
    private readonly Vector512<uint> _q;
    private readonly Vector512<uint> _twoQ;

    public NttPackedShoup32Butterfly512(ulong q)
    {
        _q = Vector512.Create((uint)q);
        _twoQ = Vector512.Create((uint)(2 * q));
    }

    /// <summary>A twiddle from its values <c>w</c> and 32-bit Shoup quotients <c>w''</c>, one per 32-bit lane.</summary>
    /// <remarks>A = w, B = w'', C = the odd lanes of w'' moved to the even positions (for the odd-lane product).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NttTwiddle512 Prepare(Vector512<uint> w, Vector512<uint> wShoup) =>
        new(w.AsUInt64(), wShoup.AsUInt64(), wShoup.AsUInt64() >>> 32, default);

    /// <summary>A twiddle broadcast from table entry <paramref name="index"/> (value table, 64-bit Shoup quotient table).</summary>
    /// <remarks>
    /// Reads the value's low word and the quotient's high word straight from the tables (one broadcast load each; the
    /// words of a <c>ulong</c> are little-endian on every platform with these vector paths), and uses the broadcast
    /// quotient as C too: the odd-lane product reads only the low word of each 64-bit lane, which already holds <c>w''</c>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NttTwiddle512 Broadcast(ref ulong w, ref ulong aux, int index)
    {
        Vector512<ulong> value = Vector512.Create(Unsafe.Add(ref Unsafe.As<ulong, uint>(ref w), 2 * index)).AsUInt64();
        Vector512<ulong> quotient = Vector512.Create(Unsafe.Add(ref Unsafe.As<ulong, uint>(ref aux), (2 * index) + 1)).AsUInt64();
        return new(value, quotient, quotient, default);
    }

    /// <summary><c>y·w mod q</c> in <c>[0, 2q)</c> for <c>y &lt; 2^32</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<uint> MultiplyLazy(Vector512<uint> y, in NttTwiddle512 w)
    {
        Vector512<ulong> even = NttVector512.MultiplyLow32(y.AsUInt64(), w.B);
        Vector512<ulong> odd = NttVector512.MultiplyLow32(y.AsUInt64() >>> 32, w.C);
        Vector512<uint> quotient = NttVector512.BlendOdd32((even >>> 32).AsUInt32(), odd.AsUInt32());
        return (y * w.A.AsUInt32()) - (quotient * _q);
    }

    /// <summary>Forward butterfly: <c>x, y &lt; 4q</c> → <c>x + w·y, x - w·y</c>, both in <c>[0, 4q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ref Vector512<uint> x, ref Vector512<uint> y, in NttTwiddle512 w)
    {
        Vector512<uint> u = Vector512.Min(x, x - _twoQ);
        Vector512<uint> v = MultiplyLazy(y, w);
        x = u + v;
        y = u - v + _twoQ;
    }

    /// <summary>Inverse butterfly: <c>x, y &lt; 2q</c> → <c>x + y, (x - y)·w</c>, both in <c>[0, 2q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inverse(ref Vector512<uint> x, ref Vector512<uint> y, in NttTwiddle512 w)
    {
        Vector512<uint> u = x, v = y, s = u + v;
        x = Vector512.Min(s, s - _twoQ);
        y = MultiplyLazy(u - v + _twoQ, w);
    }

    /// <summary>Maps <c>[0, 4q)</c> to <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<uint> Finish(Vector512<uint> x)
    {
        x = Vector512.Min(x, x - _twoQ);
        return Vector512.Min(x, x - _q);
    }

    /// <summary>Last inverse butterfly with <c>N^-1</c> folded in; outputs in <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InverseLast(ref Vector512<uint> x, ref Vector512<uint> y, in NttTwiddle512 s, in NttTwiddle512 d)
    {
        Vector512<uint> u = x, v = y;
        Vector512<uint> sum = MultiplyLazy(u + v, s), difference = MultiplyLazy(u - v + _twoQ, d);
        x = Vector512.Min(sum, sum - _q);
        y = Vector512.Min(difference, difference - _q);
    }
}
