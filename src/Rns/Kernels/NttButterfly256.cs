using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static CkksRns.Rns.Kernels.NttVector256;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// The Harvey butterflies of one <see cref="NttMultiplication"/> strategy in 4 × 64-bit lanes, including how values are
/// represented between stages (<see cref="ToInternal"/> on the first pass, <see cref="FinishForward"/> and
/// <see cref="InverseLast"/> on the last). Instances hold the modulus constants; the kernels create one inside each hot
/// method, so the constants live in registers.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface INttButterfly256<TSelf>
    where TSelf : struct, INttButterfly256<TSelf>
{
    /// <summary>Builds the constants for modulus <paramref name="q"/>.</summary>
    static abstract TSelf Create(ulong q);

    /// <summary>Prepares a twiddle from its table value and auxiliary value (see <see cref="NttOperands"/>).</summary>
    NttTwiddle256 Prepare(Vector256<ulong> w, Vector256<ulong> aux);

    /// <summary>Converts residues (as stored, below <c>4q</c>) to the representation the forward butterflies use between stages.</summary>
    Vector256<ulong> ToInternal(Vector256<ulong> v);

    /// <summary>Converts residues (as stored, below <c>2q</c>) to the representation the inverse butterflies use between stages.</summary>
    Vector256<ulong> ToInternalInverse(Vector256<ulong> v);

    /// <summary>Forward butterfly: <c>x + w·y, x - w·y</c>; the integer strategies take and return values in <c>[0, 4q)</c>.</summary>
    void Forward(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w);

    /// <summary>Inverse butterfly: <c>x + y, (x - y)·w</c>; the integer strategies take and return values in <c>[0, 2q)</c>.</summary>
    void Inverse(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w);

    /// <summary>Maps a forward output (for the integer strategies in <c>[0, 4q)</c>) to the stored residue in <c>[0, q)</c>.</summary>
    Vector256<ulong> FinishForward(Vector256<ulong> x);

    /// <summary>
    /// The fused end of a forward transform: <c>(minuend - x)·factor</c> as a stored residue in <c>[0, q)</c>, for a forward
    /// output x (before <see cref="FinishForward"/>), a stored residue <c>minuend &lt; q</c> and a factor prepared with
    /// <see cref="Prepare"/> from <see cref="NttOperands.Operand"/>.
    /// </summary>
    Vector256<ulong> FinishSubtractMultiply(Vector256<ulong> x, Vector256<ulong> minuend, in NttTwiddle256 factor);

    /// <summary>
    /// The inverse transform's last butterfly with <c>N^-1</c> folded in: <c>x, y &lt; 2q</c> →
    /// <c>(x + y)·s, (x - y)·d</c> as stored residues in <c>[0, q)</c>.
    /// </summary>
    void InverseLast(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 s, in NttTwiddle256 d);
}

/// <summary>The butterflies shared by the integer strategies (values stay integers in 64-bit lanes).</summary>
internal static class NttIntegerButterfly256
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward<TMul>(in TMul mul, ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w, Vector256<ulong> twoQ)
        where TMul : struct, INttMultiplier256<TMul>
    {
        Vector256<ulong> u = SubtractIfNotLess(x, twoQ);
        Vector256<ulong> v = mul.MultiplyLazy(y, w);
        x = u + v;
        y = u - v + twoQ;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Inverse<TMul>(in TMul mul, ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w, Vector256<ulong> twoQ)
        where TMul : struct, INttMultiplier256<TMul>
    {
        Vector256<ulong> u = x, v = y;
        x = SubtractIfNotLess(u + v, twoQ);
        y = mul.MultiplyLazy(u - v + twoQ, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> FinishForward(Vector256<ulong> x, Vector256<ulong> q, Vector256<ulong> twoQ) =>
        SubtractIfNotLess(SubtractIfNotLess(x, twoQ), q);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> FinishSubtractMultiply<TMul>(
        in TMul mul, Vector256<ulong> x, Vector256<ulong> minuend, in NttTwiddle256 factor, Vector256<ulong> q, Vector256<ulong> twoQ)
        where TMul : struct, INttMultiplier256<TMul>
    {
        // x < 4q → u < 2q; minuend + 2q - u in (0, 3q), below every strategy's input bound (4q, and 2^32 for Shoup32).
        Vector256<ulong> u = SubtractIfNotLess(x, twoQ);
        return SubtractIfNotLess(mul.MultiplyLazy(minuend + twoQ - u, factor), q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InverseLast<TMul>(
        in TMul mul, ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 s, in NttTwiddle256 d, Vector256<ulong> q, Vector256<ulong> twoQ)
        where TMul : struct, INttMultiplier256<TMul>
    {
        Vector256<ulong> u = x, v = y;
        x = SubtractIfNotLess(mul.MultiplyLazy(u + v, s), q);
        y = SubtractIfNotLess(mul.MultiplyLazy(u - v + twoQ, d), q);
    }
}

/// <summary>
/// The FMA strategy with values kept as exact doubles between stages (the bit patterns sit in the same 8-byte slots):
/// integers below <c>2^53</c> add and subtract exactly in double precision, so only the first and last pass convert.
/// The product is <see cref="NttFmaMultiplier256"/>'s centred remainder <c>r = y·w - round(y·w/q)·q</c> in
/// <c>(-q, q)</c>, and values are <b>signed</b>: a forward butterfly centres x into <c>[-q, q)</c> (subtracting q
/// or -q by its sign bit: one blend and one subtraction) and returns <c>x ± r</c> in <c>(-2q, 2q)</c>; an inverse
/// butterfly takes and returns values in <c>[-q, q)</c>. Against values kept in <c>[0, 4q)</c> with <c>x + q ± r</c>
/// that saves one addition per forward butterfly and two per inverse one (the inverse no longer adds <c>2q</c> before
/// the product or <c>q</c> after it). The product stays exact because every multiplied value is below <c>2q ≤ 2^51</c>
/// in magnitude (docs/design/ntt.md). Intermediate values differ from the integer strategies' by multiples of q; the
/// outputs, reduced to <c>[0, q)</c>, are identical.
/// </summary>
internal readonly struct NttFmaButterfly256 : INttButterfly256<NttFmaButterfly256>
{
    private const ulong TwoPow52Bits = 0x4330_0000_0000_0000UL;
    private readonly Vector256<double> _q;
    private readonly Vector256<double> _negativeQ;
    private readonly Vector256<double> _magicPlusQ;
    private readonly Vector256<double> _magicPlusTwoQ;

    private NttFmaButterfly256(ulong q)
    {
        _q = Vector256.Create((double)q);
        _negativeQ = Vector256.Create(-(double)q);
        _magicPlusQ = Vector256.Create(4503599627370496.0 + q);
        _magicPlusTwoQ = Vector256.Create(4503599627370496.0 + (2.0 * q));
    }

    public static NttFmaButterfly256 Create(ulong q) => new(q);

    // A = bits of (double)w, B = bits of fl(w/q).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NttTwiddle256 Prepare(Vector256<ulong> w, Vector256<ulong> aux) => new(w, aux, default, default);

    // [0, 4q) → [-2q, 2q): the 2^52 bit trick with the shift folded into the subtracted constant (exact below 2^53).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> ToInternal(Vector256<ulong> v) => ((v | Vector256.Create(TwoPow52Bits)).AsDouble() - _magicPlusTwoQ).AsUInt64();

    // [0, 2q) → [-q, q).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> ToInternalInverse(Vector256<ulong> v) => ((v | Vector256.Create(TwoPow52Bits)).AsDouble() - _magicPlusQ).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Forward(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w)
    {
        Vector256<double> t = Centre(x.AsDouble());
        Vector256<double> r = CentredProduct(y.AsDouble(), w);
        x = (t + r).AsUInt64();
        y = (t - r).AsUInt64();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Inverse(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 w)
    {
        Vector256<double> u = x.AsDouble(), v = y.AsDouble();
        x = Centre(u + v).AsUInt64();
        y = CentredProduct(u - v, w).AsUInt64();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> FinishForward(Vector256<ulong> x) => FromDouble(Canonical(Centre(x.AsDouble())));

    // minuend in [0, q) and x in (-2q, 2q): the difference is an integer in (-2q, 3q), below 2^52 as the product needs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> FinishSubtractMultiply(Vector256<ulong> x, Vector256<ulong> minuend, in NttTwiddle256 factor)
    {
        Vector256<double> magic = Vector256.Create(TwoPow52Bits).AsDouble();
        Vector256<double> m = (minuend | Vector256.Create(TwoPow52Bits)).AsDouble() - magic;
        return FromDouble(Canonical(CentredProduct(m - x.AsDouble(), factor)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void InverseLast(ref Vector256<ulong> x, ref Vector256<ulong> y, in NttTwiddle256 s, in NttTwiddle256 d)
    {
        Vector256<double> u = x.AsDouble(), v = y.AsDouble();
        x = FromDouble(Canonical(CentredProduct(u + v, s)));
        y = FromDouble(Canonical(CentredProduct(u - v, d)));
    }

    /// <summary><c>x ∓ q</c> by the sign of x: <c>[-2q, 2q)</c> → <c>[-q, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<double> Centre(Vector256<double> x) =>
        x - (Avx.IsSupported ? Avx.BlendVariable(_q, _negativeQ, x) : Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), _negativeQ, _q));

    /// <summary><c>(-q, q)</c> → <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<double> Canonical(Vector256<double> x) =>
        x + (Avx.IsSupported ? Avx.BlendVariable(Vector256<double>.Zero, _q, x) : Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), _q, Vector256<double>.Zero));

    /// <summary>
    /// <c>y·w - round(y·fl(w/q))·q</c>, exact, in <c>(-q, q)</c>, for an integer <c>|y| ≤ 2q</c> (see
    /// <see cref="NttFmaMultiplier256"/>; its argument for <c>0 ≤ y &lt; 2^52</c> holds for negative y by symmetry).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<double> CentredProduct(Vector256<double> y, in NttTwiddle256 w)
    {
        Vector256<double> wd = w.A.AsDouble();
        Vector256<double> h = y * wd;
        Vector256<double> quotient = Vector256.Round(y * w.B.AsDouble());
        if (Fma.IsSupported)
        {
            return Fma.MultiplyAddNegated(quotient, _q, h) + Fma.MultiplySubtract(y, wd, h);
        }

        return Vector256.FusedMultiplyAdd(-quotient, _q, h) + Vector256.FusedMultiplyAdd(y, wd, -h);
    }

    /// <summary>A double holding an integer in <c>[0, 2^52)</c> back to the integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> FromDouble(Vector256<double> v)
    {
        Vector256<double> magic = Vector256.Create(TwoPow52Bits).AsDouble();
        return (v + magic).AsUInt64() - magic.AsUInt64();
    }
}
