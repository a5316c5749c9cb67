using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// Harvey butterflies on 8 × 32-bit lanes for <c>q &lt; 2^30</c> (every lazy value is below <c>4q &lt; 2^32</c>), with
/// the 32-bit Shoup product: quotient <c>Q = (y·w'') >> 32</c> for <c>w'' = floor(w·2^32/q)</c> (even and odd lanes
/// from two <c>vpmuludq</c>, merged by <c>vpblendd</c>), remainder <c>y·w - Q·q mod 2^32</c> in <c>[0, 2q)</c> from two
/// <c>vpmulld</c>. Twice the lanes of <see cref="NttShoup32Multiplier256"/> for the same instructions.
/// </summary>
internal readonly struct NttPackedShoup32Butterfly256
{
    private readonly Vector256<uint> _q;
    private readonly Vector256<uint> _twoQ;

    public NttPackedShoup32Butterfly256(ulong q)
    {
        _q = Vector256.Create((uint)q);
        _twoQ = Vector256.Create((uint)(2 * q));
    }

    /// <summary>A twiddle from its values <c>w</c> and 32-bit Shoup quotients <c>w''</c>, one per 32-bit lane.</summary>
    /// <remarks>A = w, B = w'', C = the odd lanes of w'' moved to the even positions (for the odd-lane product).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NttTwiddle256 Prepare(Vector256<uint> w, Vector256<uint> wShoup) =>
        new(w.AsUInt64(), wShoup.AsUInt64(), wShoup.AsUInt64() >>> 32, default);

    /// <summary>A twiddle broadcast from table entry <paramref name="index"/> (value table, 64-bit Shoup quotient table).</summary>
    /// <remarks>
    /// Reads the value's low word and the quotient's high word straight from the tables (one broadcast load each; the
    /// words of a <c>ulong</c> are little-endian on every platform with these vector paths), and uses the broadcast
    /// quotient as C too: the odd-lane product reads only the low word of each 64-bit lane, which already holds <c>w''</c>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NttTwiddle256 Broadcast(ref ulong w, ref ulong aux, int index)
    {
        Vector256<ulong> value = Vector256.Create(Unsafe.Add(ref Unsafe.As<ulong, uint>(ref w), 2 * index)).AsUInt64();
        Vector256<ulong> quotient = Vector256.Create(Unsafe.Add(ref Unsafe.As<ulong, uint>(ref aux), (2 * index) + 1)).AsUInt64();
        return new(value, quotient, quotient, default);
    }

    /// <summary><c>y·w mod q</c> in <c>[0, 2q)</c> for <c>y &lt; 2^32</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<uint> MultiplyLazy(Vector256<uint> y, in NttTwiddle256 w)
    {
        Vector256<ulong> even = NttVector256.MultiplyLow32(y.AsUInt64(), w.B);
        Vector256<ulong> odd = NttVector256.MultiplyLow32(y.AsUInt64() >>> 32, w.C);
        Vector256<uint> quotient = NttVector256.BlendOdd32((even >>> 32).AsUInt32(), odd.AsUInt32());
        return (y * w.A.AsUInt32()) - (quotient * _q);
    }

    /// <summary>Forward butterfly: <c>x, y &lt; 4q</c> → <c>x + w·y, x - w·y</c>, both in <c>[0, 4q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ref Vector256<uint> x, ref Vector256<uint> y, in NttTwiddle256 w)
    {
        Vector256<uint> u = Vector256.Min(x, x - _twoQ);
        Vector256<uint> v = MultiplyLazy(y, w);
        x = u + v;
        y = u - v + _twoQ;
    }

    /// <summary>Inverse butterfly: <c>x, y &lt; 2q</c> → <c>x + y, (x - y)·w</c>, both in <c>[0, 2q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inverse(ref Vector256<uint> x, ref Vector256<uint> y, in NttTwiddle256 w)
    {
        Vector256<uint> u = x, v = y, s = u + v;
        x = Vector256.Min(s, s - _twoQ);
        y = MultiplyLazy(u - v + _twoQ, w);
    }

    /// <summary>Maps <c>[0, 4q)</c> to <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<uint> Finish(Vector256<uint> x)
    {
        x = Vector256.Min(x, x - _twoQ);
        return Vector256.Min(x, x - _q);
    }

    /// <summary>A constant factor <c>w &lt; q</c> with its 64-bit Shoup quotient, broadcast (as <see cref="Broadcast"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NttTwiddle256 Factor(ulong w, ulong shoup)
    {
        Vector256<ulong> quotient = Vector256.Create((uint)(shoup >> 32)).AsUInt64();
        return new(Vector256.Create((uint)w).AsUInt64(), quotient, quotient, default);
    }

    /// <summary>
    /// The fused end of a forward transform: <c>(minuend - x)·factor</c> in <c>[0, q)</c> for a forward output
    /// <c>x &lt; 4q</c> and <c>minuend &lt; q</c> (the product's input <c>minuend + 2q - (x mod 2q)</c> is in
    /// <c>(0, 3q)</c>, below <c>2^32</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<uint> FinishSubtractMultiply(Vector256<uint> x, Vector256<uint> minuend, in NttTwiddle256 factor)
    {
        Vector256<uint> u = Vector256.Min(x, x - _twoQ);
        Vector256<uint> r = MultiplyLazy(minuend + _twoQ - u, factor);
        return Vector256.Min(r, r - _q);
    }

    /// <summary>Last inverse butterfly with <c>N^-1</c> folded in; outputs in <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InverseLast(ref Vector256<uint> x, ref Vector256<uint> y, in NttTwiddle256 s, in NttTwiddle256 d)
    {
        Vector256<uint> u = x, v = y;
        Vector256<uint> sum = MultiplyLazy(u + v, s), difference = MultiplyLazy(u - v + _twoQ, d);
        x = Vector256.Min(sum, sum - _q);
        y = Vector256.Min(difference, difference - _q);
    }
}
