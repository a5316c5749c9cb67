using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CkksRns.Rns.Kernels;

/// <summary>A twiddle factor prepared for one <see cref="INttMultiplier256{TSelf}"/> (what each field holds is the strategy's).</summary>
internal readonly struct NttTwiddle256(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> c, Vector256<ulong> d)
{
    public readonly Vector256<ulong> A = a;
    public readonly Vector256<ulong> B = b;
    public readonly Vector256<ulong> C = c;
    public readonly Vector256<ulong> D = d;
}

/// <summary>
/// A lazy modular multiplication by a fixed twiddle in 4 × 64-bit lanes, for the integer strategies, whose butterflies
/// (<see cref="NttIntegerButterfly256"/>) keep values as integers between stages.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface INttMultiplier256<TSelf> : INttButterfly256<TSelf>
    where TSelf : struct, INttMultiplier256<TSelf>
{
    /// <summary>Returns a value congruent to <c>y·w mod q</c> in <c>[0, 2q)</c>, for any <c>y &lt; 4q</c>.</summary>
    Vector256<ulong> MultiplyLazy(Vector256<ulong> y, in NttTwiddle256 w);
}

/// <summary>
/// 64-bit Shoup product for any <c>q &lt; 2^61</c>: the quotient <c>floor(y·w'/2^64)</c> is approximated by the three
/// upper 32×32-bit partial products (at most 2 too small), the remainder <c>y·w - quotient·q mod 2^64</c> is formed
/// from two full 32×32 products plus the cross terms' low words (<c>vpmulld</c>), and one conditional subtraction
/// brings it from <c>[0, 4q)</c> to <c>[0, 2q)</c>.
/// </summary>
internal readonly struct NttShoup64Multiplier256 : INttMultiplier256<NttShoup64Multiplier256>
{
    private readonly Vector256<ulong> _q;
    private readonly Vector256<ulong> _qSwapped;
    private readonly Vector256<ulong> _twoQ;

    private NttShoup64Multiplier256(ulong q)
    {
        _q = Vector256.Create(q);
        _qSwapped = Vector256.Create((q << 32) | (q >> 32));
        _twoQ = Vector256.Create(2 * q);
    }

    public static NttShoup64Multiplier256 Create(ulong q) => new(q);

    private Vector256<ulong> QInteger => _q;

    // A = w, B = w' (64-bit Shoup quotient), C = w' >> 32, D = w with its 32-bit halves swapped.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NttTwiddle256 Prepare(Vector256<ulong> w, Vector256<ulong> aux) =>
        new(w, aux, aux >>> 32, NttVector256.SwapHalves(w));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> MultiplyLazy(Vector256<ulong> y, in NttTwiddle256 w)
    {
        Vector256<ulong> yHigh = y >>> 32;
        Vector256<ulong> lowHigh = NttVector256.MultiplyLow32(y, w.C);
        Vector256<ulong> highLow = NttVector256.MultiplyLow32(yHigh, w.B);
        Vector256<ulong> highHigh = NttVector256.MultiplyLow32(yHigh, w.C);
        Vector256<ulong> quotient = highHigh + (lowHigh >>> 32) + (highLow >>> 32);

        // Low 64 bits of y·w - quotient·q: the 32×32 low products plus the cross terms' low 32 bits shifted up.
        Vector256<ulong> cross = (NttVector256.MultiplyLanes32(y, w.D).AsUInt32()
            - NttVector256.MultiplyLanes32(quotient, _qSwapped).AsUInt32()).AsUInt64();
        cross = (cross + (cross >>> 32)) << 32;
        Vector256<ulong> r = NttVector256.MultiplyLow32(y, w.A) - NttVector256.MultiplyLow32(quotient, _q) + cross;
        return NttVector256.SubtractIfNotLess(r, _twoQ);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> ToInternal(Vector256<ulong> v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> ToInternalInverse(Vector256<ulong> v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w) =>
        NttIntegerButterfly256.Forward(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inverse(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w) =>
        NttIntegerButterfly256.Inverse(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> FinishForward(Vector256<ulong> x) => NttIntegerButterfly256.FinishForward(x, QInteger, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> FinishSubtractMultiply(Vector256<ulong> x, Vector256<ulong> minuend, in NttTwiddle256 factor) =>
        NttIntegerButterfly256.FinishSubtractMultiply(this, x, minuend, factor, QInteger, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InverseLast(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 s, in NttTwiddle256 d) =>
        NttIntegerButterfly256.InverseLast(this, ref x, ref y, s, d, QInteger, _twoQ);
}

/// <summary>
/// 32-bit Shoup product for <c>q &lt; 2^30</c> (lazy values <c>&lt; 4q &lt; 2^32</c> sit in the low half of each lane):
/// quotient <c>(y·w'') >> 32</c> with <c>w'' = floor(w·2^32/q)</c>, remainder <c>y·w - quotient·q</c> exact in 64 bits.
/// </summary>
internal readonly struct NttShoup32Multiplier256 : INttMultiplier256<NttShoup32Multiplier256>
{
    private readonly Vector256<ulong> _q;
    private readonly Vector256<ulong> _twoQ;

    private NttShoup32Multiplier256(ulong q)
    {
        _q = Vector256.Create(q);
        _twoQ = Vector256.Create(2 * q);
    }

    public static NttShoup32Multiplier256 Create(ulong q) => new(q);

    private Vector256<ulong> QInteger => _q;

    // A = w, B = floor(w·2^32/q) = (64-bit quotient) >> 32.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NttTwiddle256 Prepare(Vector256<ulong> w, Vector256<ulong> aux) => new(w, aux >>> 32, default, default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> MultiplyLazy(Vector256<ulong> y, in NttTwiddle256 w)
    {
        Vector256<ulong> quotient = NttVector256.MultiplyLow32(y, w.B) >>> 32;
        return NttVector256.MultiplyLow32(y, w.A) - NttVector256.MultiplyLow32(quotient, _q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> ToInternal(Vector256<ulong> v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> ToInternalInverse(Vector256<ulong> v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w) =>
        NttIntegerButterfly256.Forward(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inverse(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w) =>
        NttIntegerButterfly256.Inverse(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> FinishForward(Vector256<ulong> x) => NttIntegerButterfly256.FinishForward(x, QInteger, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> FinishSubtractMultiply(Vector256<ulong> x, Vector256<ulong> minuend, in NttTwiddle256 factor) =>
        NttIntegerButterfly256.FinishSubtractMultiply(this, x, minuend, factor, QInteger, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InverseLast(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 s, in NttTwiddle256 d) =>
        NttIntegerButterfly256.InverseLast(this, ref x, ref y, s, d, QInteger, _twoQ);
}

/// <summary>
/// Double-precision product for <c>q &lt; 2^50</c> and inputs <c>y &lt; 4q &lt; 2^52</c>: the quotient
/// <c>Q = round(y·fl(w/q))</c> is within 1 of <c>y·w/q</c> (both roundings are below 1/4 because <c>y·w/q &lt; 2^52</c>),
/// so the exact remainder <c>r = y·w - Q·q = fma(-Q, q, h) + l</c>, with <c>h + l = y·w</c> the error-free FMA product,
/// lies in <c>(-q, q)</c>; <c>r + q</c> is returned. Integer/double conversions use the <c>2^52</c> bit trick.
/// </summary>
internal readonly struct NttFmaMultiplier256 : INttMultiplier256<NttFmaMultiplier256>
{
    private const ulong TwoPow52Bits = 0x4330_0000_0000_0000UL;
    private readonly Vector256<double> _q;
    private readonly Vector256<double> _offset;
    private readonly Vector256<ulong> _qInteger;
    private readonly Vector256<ulong> _twoQ;

    private NttFmaMultiplier256(ulong q)
    {
        _q = Vector256.Create((double)q);
        _offset = Vector256.Create(4503599627370496.0 + q); // 2^52 + q, exact.
        _qInteger = Vector256.Create(q);
        _twoQ = Vector256.Create(2 * q);
    }

    public static NttFmaMultiplier256 Create(ulong q) => new(q);

    private Vector256<ulong> QInteger => _qInteger;

    // A = bits of (double)w, B = bits of fl(w/q).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NttTwiddle256 Prepare(Vector256<ulong> w, Vector256<ulong> aux) => new(w, aux, default, default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> MultiplyLazy(Vector256<ulong> y, in NttTwiddle256 w)
    {
        Vector256<ulong> magic = Vector256.Create(TwoPow52Bits);
        Vector256<double> yd = (y | magic).AsDouble() - magic.AsDouble();
        Vector256<double> wd = w.A.AsDouble();
        Vector256<double> h = yd * wd;
        Vector256<double> quotient = Vector256.Round(yd * w.B.AsDouble());
        Vector256<double> l, r;
        if (Fma.IsSupported)
        {
            l = Fma.MultiplySubtract(yd, wd, h);
            r = Fma.MultiplyAddNegated(quotient, _q, h);
        }
        else
        {
            l = Vector256.FusedMultiplyAdd(yd, wd, -h);
            r = Vector256.FusedMultiplyAdd(-quotient, _q, h);
        }

        // r + l is exact and in (-q, q); adding 2^52 + q gives a double in (2^52, 2^52 + 2q) whose low bits are r + q.
        return (r + l + _offset).AsUInt64() - magic;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> ToInternal(Vector256<ulong> v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> ToInternalInverse(Vector256<ulong> v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w) =>
        NttIntegerButterfly256.Forward(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inverse(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w) =>
        NttIntegerButterfly256.Inverse(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> FinishForward(Vector256<ulong> x) => NttIntegerButterfly256.FinishForward(x, QInteger, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> FinishSubtractMultiply(Vector256<ulong> x, Vector256<ulong> minuend, in NttTwiddle256 factor) =>
        NttIntegerButterfly256.FinishSubtractMultiply(this, x, minuend, factor, QInteger, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InverseLast(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 s, in NttTwiddle256 d) =>
        NttIntegerButterfly256.InverseLast(this, ref x, ref y, s, d, QInteger, _twoQ);
}
