using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CkksRns.Rns.Kernels;

/// <summary>A twiddle factor prepared for one <see cref="INttMultiplier512{TSelf}"/> (what each field holds is the strategy's).</summary>
internal readonly struct NttTwiddle512(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> c, Vector512<ulong> d)
{
    public readonly Vector512<ulong> A = a;
    public readonly Vector512<ulong> B = b;
    public readonly Vector512<ulong> C = c;
    public readonly Vector512<ulong> D = d;
}

/// <summary>
/// A lazy modular multiplication by a fixed twiddle in 8 × 64-bit lanes, for the integer strategies, whose butterflies
/// (<see cref="NttIntegerButterfly512"/>) keep values as integers between stages.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface INttMultiplier512<TSelf> : INttButterfly512<TSelf>
    where TSelf : struct, INttMultiplier512<TSelf>
{
    /// <summary>Returns a value congruent to <c>y·w mod q</c> in <c>[0, 2q)</c>, for any <c>y &lt; 4q</c>.</summary>
    Vector512<ulong> MultiplyLazy(Vector512<ulong> y, in NttTwiddle512 w);
}

/// <summary>
/// 64-bit Shoup product for any <c>q &lt; 2^61</c>: the quotient <c>floor(y·w'/2^64)</c> is approximated by the three
/// upper 32×32-bit partial products (at most 2 too small), the remainder <c>y·w - quotient·q mod 2^64</c> comes from two
/// 64-bit low multiplies (<c>vpmullq</c>), and one conditional subtraction brings it from <c>[0, 4q)</c> to <c>[0, 2q)</c>.
/// </summary>
internal readonly struct NttShoup64Multiplier512 : INttMultiplier512<NttShoup64Multiplier512>
{
    private readonly Vector512<ulong> _q;
    private readonly Vector512<ulong> _twoQ;

    private NttShoup64Multiplier512(ulong q)
    {
        _q = Vector512.Create(q);
        _twoQ = Vector512.Create(2 * q);
    }

    public static NttShoup64Multiplier512 Create(ulong q) => new(q);

    private Vector512<ulong> QInteger => _q;

    // A = w, B = w' (64-bit Shoup quotient), C = w' >> 32.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NttTwiddle512 Prepare(Vector512<ulong> w, Vector512<ulong> aux) => new(w, aux, aux >>> 32, default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> MultiplyLazy(Vector512<ulong> y, in NttTwiddle512 w)
    {
        Vector512<ulong> yHigh = y >>> 32;
        Vector512<ulong> lowHigh = NttVector512.MultiplyLow32(y, w.C);
        Vector512<ulong> highLow = NttVector512.MultiplyLow32(yHigh, w.B);
        Vector512<ulong> highHigh = NttVector512.MultiplyLow32(yHigh, w.C);
        Vector512<ulong> quotient = highHigh + (lowHigh >>> 32) + (highLow >>> 32);

        // Low 64 bits of y·w - quotient·q with 64-bit lane multiplies (vpmullq).
        Vector512<ulong> r = (y * w.A) - (quotient * _q);
        return NttVector512.SubtractIfNotLess(r, _twoQ);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> ToInternal(Vector512<ulong> v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w) =>
        NttIntegerButterfly512.Forward(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inverse(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w) =>
        NttIntegerButterfly512.Inverse(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> FinishForward(Vector512<ulong> x) => NttIntegerButterfly512.FinishForward(x, QInteger, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InverseLast(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 s, in NttTwiddle512 d) =>
        NttIntegerButterfly512.InverseLast(this, ref x, ref y, s, d, QInteger, _twoQ);
}

/// <summary>
/// 32-bit Shoup product for <c>q &lt; 2^30</c> (lazy values <c>&lt; 4q &lt; 2^32</c> sit in the low half of each lane):
/// quotient <c>(y·w'') >> 32</c> with <c>w'' = floor(w·2^32/q)</c>, remainder <c>y·w - quotient·q</c> exact in 64 bits.
/// </summary>
internal readonly struct NttShoup32Multiplier512 : INttMultiplier512<NttShoup32Multiplier512>
{
    private readonly Vector512<ulong> _q;
    private readonly Vector512<ulong> _twoQ;

    private NttShoup32Multiplier512(ulong q)
    {
        _q = Vector512.Create(q);
        _twoQ = Vector512.Create(2 * q);
    }

    public static NttShoup32Multiplier512 Create(ulong q) => new(q);

    private Vector512<ulong> QInteger => _q;

    // A = w, B = floor(w·2^32/q) = (64-bit quotient) >> 32.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NttTwiddle512 Prepare(Vector512<ulong> w, Vector512<ulong> aux) => new(w, aux >>> 32, default, default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> MultiplyLazy(Vector512<ulong> y, in NttTwiddle512 w)
    {
        Vector512<ulong> quotient = NttVector512.MultiplyLow32(y, w.B) >>> 32;
        return NttVector512.MultiplyLow32(y, w.A) - NttVector512.MultiplyLow32(quotient, _q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> ToInternal(Vector512<ulong> v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w) =>
        NttIntegerButterfly512.Forward(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inverse(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w) =>
        NttIntegerButterfly512.Inverse(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> FinishForward(Vector512<ulong> x) => NttIntegerButterfly512.FinishForward(x, QInteger, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InverseLast(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 s, in NttTwiddle512 d) =>
        NttIntegerButterfly512.InverseLast(this, ref x, ref y, s, d, QInteger, _twoQ);
}

/// <summary>
/// Double-precision product for <c>q &lt; 2^50</c> and inputs <c>y &lt; 4q &lt; 2^52</c>: the quotient
/// <c>Q = round(y·fl(w/q))</c> is within 1 of <c>y·w/q</c> (both roundings are below 1/4 because <c>y·w/q &lt; 2^52</c>),
/// so the exact remainder <c>r = y·w - Q·q = fma(-Q, q, h) + l</c>, with <c>h + l = y·w</c> the error-free FMA product,
/// lies in <c>(-q, q)</c>; <c>r + q</c> is returned. The result comes back from double through the <c>2^52</c> bit trick.
/// </summary>
internal readonly struct NttFmaMultiplier512 : INttMultiplier512<NttFmaMultiplier512>
{
    private const ulong TwoPow52Bits = 0x4330_0000_0000_0000UL;
    private readonly Vector512<double> _q;
    private readonly Vector512<double> _offset;
    private readonly Vector512<ulong> _qInteger;
    private readonly Vector512<ulong> _twoQ;

    private NttFmaMultiplier512(ulong q)
    {
        _q = Vector512.Create((double)q);
        _offset = Vector512.Create(4503599627370496.0 + q); // 2^52 + q, exact.
        _qInteger = Vector512.Create(q);
        _twoQ = Vector512.Create(2 * q);
    }

    public static NttFmaMultiplier512 Create(ulong q) => new(q);

    private Vector512<ulong> QInteger => _qInteger;

    // A = bits of (double)w, B = bits of fl(w/q).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NttTwiddle512 Prepare(Vector512<ulong> w, Vector512<ulong> aux) => new(w, aux, default, default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> MultiplyLazy(Vector512<ulong> y, in NttTwiddle512 w)
    {
        Vector512<ulong> magic = Vector512.Create(TwoPow52Bits);
        Vector512<double> yd = Vector512.ConvertToDouble(y); // exact: y < 2^52 (vcvtuqq2pd).
        Vector512<double> wd = w.A.AsDouble();
        Vector512<double> h = yd * wd;
        Vector512<double> quotient = Vector512.Round(yd * w.B.AsDouble());
        Vector512<double> l, r;
        if (Avx512F.IsSupported)
        {
            l = Avx512F.FusedMultiplySubtract(yd, wd, h);
            r = Avx512F.FusedMultiplyAddNegated(quotient, _q, h);
        }
        else
        {
            l = Vector512.FusedMultiplyAdd(yd, wd, -h);
            r = Vector512.FusedMultiplyAdd(-quotient, _q, h);
        }

        // r + l is exact and in (-q, q); adding 2^52 + q gives a double in (2^52, 2^52 + 2q) whose low bits are r + q.
        return (r + l + _offset).AsUInt64() - magic;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> ToInternal(Vector512<ulong> v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w) =>
        NttIntegerButterfly512.Forward(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inverse(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w) =>
        NttIntegerButterfly512.Inverse(this, ref x, ref y, w, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> FinishForward(Vector512<ulong> x) => NttIntegerButterfly512.FinishForward(x, QInteger, _twoQ);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InverseLast(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 s, in NttTwiddle512 d) =>
        NttIntegerButterfly512.InverseLast(this, ref x, ref y, s, d, QInteger, _twoQ);
}
