using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static CkksRns.Rns.Kernels.NttVector512;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// The Harvey butterflies of one <see cref="NttMultiplication"/> strategy in 8 × 64-bit lanes, including how values are
/// represented between stages (<see cref="ToInternal"/> on the first pass, <see cref="FinishForward"/> and
/// <see cref="InverseLast"/> on the last). Instances hold the modulus constants; the kernels create one inside each hot
/// method, so the constants live in registers.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface INttButterfly512<TSelf>
    where TSelf : struct, INttButterfly512<TSelf>
{
    /// <summary>Builds the constants for modulus <paramref name="q"/>.</summary>
    static abstract TSelf Create(ulong q);

    /// <summary>Prepares a twiddle from its table value and auxiliary value (see <see cref="NttOperands"/>).</summary>
    NttTwiddle512 Prepare(Vector512<ulong> w, Vector512<ulong> aux);

    /// <summary>Converts residues (as stored) to the representation used between stages.</summary>
    Vector512<ulong> ToInternal(Vector512<ulong> v);

    /// <summary>Forward butterfly: <c>x, y &lt; 4q</c> → <c>x + w·y, x - w·y</c>, both in <c>[0, 4q)</c>.</summary>
    void Forward(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w);

    /// <summary>Inverse butterfly: <c>x, y &lt; 2q</c> → <c>x + y, (x - y)·w</c>, both in <c>[0, 2q)</c>.</summary>
    void Inverse(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w);

    /// <summary>Maps a forward output in <c>[0, 4q)</c> to the stored residue in <c>[0, q)</c>.</summary>
    Vector512<ulong> FinishForward(Vector512<ulong> x);

    /// <summary>
    /// The inverse transform's last butterfly with <c>N^-1</c> folded in: <c>x, y &lt; 2q</c> →
    /// <c>(x + y)·s, (x - y)·d</c> as stored residues in <c>[0, q)</c>.
    /// </summary>
    void InverseLast(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 s, in NttTwiddle512 d);
}

/// <summary>The butterflies shared by the integer strategies (values stay integers in 64-bit lanes).</summary>
internal static class NttIntegerButterfly512
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward<TMul>(in TMul mul, ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w, Vector512<ulong> twoQ)
        where TMul : struct, INttMultiplier512<TMul>
    {
        Vector512<ulong> u = SubtractIfNotLess(x, twoQ);
        Vector512<ulong> v = mul.MultiplyLazy(y, w);
        x = u + v;
        y = u - v + twoQ;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Inverse<TMul>(in TMul mul, ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w, Vector512<ulong> twoQ)
        where TMul : struct, INttMultiplier512<TMul>
    {
        Vector512<ulong> u = x, v = y;
        x = SubtractIfNotLess(u + v, twoQ);
        y = mul.MultiplyLazy(u - v + twoQ, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> FinishForward(Vector512<ulong> x, Vector512<ulong> q, Vector512<ulong> twoQ) =>
        SubtractIfNotLess(SubtractIfNotLess(x, twoQ), q);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InverseLast<TMul>(
        in TMul mul, ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 s, in NttTwiddle512 d, Vector512<ulong> q, Vector512<ulong> twoQ)
        where TMul : struct, INttMultiplier512<TMul>
    {
        Vector512<ulong> u = x, v = y;
        x = SubtractIfNotLess(mul.MultiplyLazy(u + v, s), q);
        y = SubtractIfNotLess(mul.MultiplyLazy(u - v + twoQ, d), q);
    }
}

/// <summary>
/// The FMA strategy with values kept as exact doubles between stages (the bit patterns sit in the same 8-byte slots):
/// integers below <c>2^53</c> add and subtract exactly in double precision, so only the first and last pass convert.
/// The product is <see cref="NttFmaMultiplier512"/>'s centred remainder <c>r = y·w - round(y·w/q)·q</c> in
/// <c>(-q, q)</c>, and the butterfly adds <c>q</c> to keep everything non-negative: <c>x ± w·y ≡ (u + q) ± r</c>.
/// Every intermediate value equals the integer strategies' value, so the outputs are identical.
/// </summary>
internal readonly struct NttFmaButterfly512 : INttButterfly512<NttFmaButterfly512>
{
    private const ulong TwoPow52Bits = 0x4330_0000_0000_0000UL;
    private readonly Vector512<double> _q;
    private readonly Vector512<double> _twoQ;

    private NttFmaButterfly512(ulong q)
    {
        _q = Vector512.Create((double)q);
        _twoQ = Vector512.Create(2.0 * q);
    }

    public static NttFmaButterfly512 Create(ulong q) => new(q);

    // A = bits of (double)w, B = bits of fl(w/q).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NttTwiddle512 Prepare(Vector512<ulong> w, Vector512<ulong> aux) => new(w, aux, default, default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> ToInternal(Vector512<ulong> v) => Vector512.ConvertToDouble(v).AsUInt64(); // exact: v < 2^52

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w)
    {
        Vector512<double> t = SubtractIfNotLess(x.AsDouble(), _twoQ) + _q; // u + q, u in [0, 2q)
        Vector512<double> r = CentredProduct(y.AsDouble(), w);         // (-q, q)
        x = (t + r).AsUInt64();
        y = (t - r).AsUInt64();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inverse(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 w)
    {
        Vector512<double> u = x.AsDouble(), v = y.AsDouble();
        x = SubtractIfNotLess(u + v, _twoQ).AsUInt64();
        y = (CentredProduct(u + _twoQ - v, w) + _q).AsUInt64();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> FinishForward(Vector512<ulong> x) =>
        FromDouble(SubtractIfNotLess(SubtractIfNotLess(x.AsDouble(), _twoQ), _q));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InverseLast(ref Vector512<ulong> x, ref Vector512<ulong> y, in NttTwiddle512 s, in NttTwiddle512 d)
    {
        Vector512<double> u = x.AsDouble(), v = y.AsDouble();
        // r + q is in (0, 2q); one conditional subtraction of q reduces it.
        x = FromDouble(SubtractIfNotLess(CentredProduct(u + v, s) + _q, _q));
        y = FromDouble(SubtractIfNotLess(CentredProduct(u + _twoQ - v, d) + _q, _q));
    }

    /// <summary><c>y·w - round(y·fl(w/q))·q</c>, exact, in <c>(-q, q)</c>, for integer <c>y &lt; 4q</c> (see <see cref="NttFmaMultiplier512"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector512<double> CentredProduct(Vector512<double> y, in NttTwiddle512 w)
    {
        Vector512<double> wd = w.A.AsDouble();
        Vector512<double> h = y * wd;
        Vector512<double> quotient = Vector512.Round(y * w.B.AsDouble());
        if (Avx512F.IsSupported)
        {
            return Avx512F.FusedMultiplyAddNegated(quotient, _q, h) + Avx512F.FusedMultiplySubtract(y, wd, h);
        }

        return Vector512.FusedMultiplyAdd(-quotient, _q, h) + Vector512.FusedMultiplyAdd(y, wd, -h);
    }

    /// <summary>A double holding an integer in <c>[0, 2^52)</c> back to the integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> FromDouble(Vector512<double> v)
    {
        Vector512<double> magic = Vector512.Create(TwoPow52Bits).AsDouble();
        return (v + magic).AsUInt64() - magic.AsUInt64();
    }

    /// <summary>
    /// <c>x - m</c> when <c>x ≥ m</c>, else <c>x</c>, for doubles holding non-negative integers: their bit patterns order
    /// like unsigned integers, and a negative difference has its sign bit set, so an unsigned minimum (<c>vpminuq</c>)
    /// of the patterns picks the right one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> SubtractIfNotLess(Vector512<double> x, Vector512<double> m) =>
        Vector512.Min(x.AsUInt64(), (x - m).AsUInt64()).AsDouble();
}
