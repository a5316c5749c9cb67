using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Arithmetic;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// <c>(a·b) mod q</c> for residues <c>a, b &lt; q &lt; 2^50</c> in 4 × 64-bit lanes, with double-precision fused
/// multiply-adds instead of an emulated 128-bit integer product (about 14 vector instructions instead of 40).
/// </summary>
/// <remarks>
/// <para>
/// With <c>x = (double)a</c> and <c>y = (double)b</c> (exact below <c>2^52</c>): <c>h = fl(x·y)</c> and
/// <c>l = fma(x, y, -h)</c> give the product exactly as <c>h + l</c> with <c>|l| ≤ 2^47</c>. The quotient
/// <c>c = round(h·fl(1/q))</c> is within 0.875 of <c>a·b/q &lt; q ≤ 2^50</c> (three roundings of relative size
/// <c>2^-53</c> each), so <c>r = a·b - c·q</c> lies in <c>(-q, q)</c>. <c>fma(-c, q, h)</c> is the integer
/// <c>r - l</c>, below <c>2^51</c> in magnitude, hence exact, and adding <c>l</c> gives <c>r</c> exactly; one
/// conditional addition of q finishes. The result is the exact residue, so it equals the scalar path bit for bit.
/// This is the floating-point reduction of van der Hoeven, Lecerf and Quintin (2014), the same argument the NTT's
/// <c>Fma</c> strategy uses with a precomputed twiddle quotient (docs/design/ntt.md).
/// </para>
/// <para>
/// Integer ↔ double conversions use the <c>2^52</c> bias (OR the exponent bits, subtract), exact for values below
/// <c>2^52</c>; AVX2 has no 64-bit integer conversion instruction.
/// </para>
/// </remarks>
internal readonly struct FmaModMultiplier256
{
    /// <summary>The largest modulus bit count the argument above covers.</summary>
    public const int MaxBitCount = 50;

    private const ulong BiasBits = 0x4330_0000_0000_0000UL; // 2^52 as a double

    private readonly Vector256<double> _q;
    private readonly Vector256<double> _inverse;
    private readonly Vector256<double> _bias;

    /// <summary>Prepares the constants for <paramref name="q"/> (at most <see cref="MaxBitCount"/> bits).</summary>
    public FmaModMultiplier256(Modulus q)
    {
        _q = Vector256.Create((double)q.Value);
        _inverse = Vector256.Create(1.0 / q.Value);
        _bias = Vector256.Create(BitConverter.UInt64BitsToDouble(BiasBits));
    }

    /// <summary>Whether this multiplier is exact for <paramref name="q"/> and worth using on this machine (hardware FMA).</summary>
    public static bool IsUsable(Modulus q) => q.BitCount <= MaxBitCount && Fma.IsSupported;

    /// <summary><c>(a·b) mod q</c> in <c>[0, q)</c> for lanes <c>a, b &lt; q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> Multiply(Vector256<ulong> a, Vector256<ulong> b)
    {
        Vector256<ulong> biasBits = _bias.AsUInt64();
        Vector256<double> x = (a | biasBits).AsDouble() - _bias;
        Vector256<double> y = (b | biasBits).AsDouble() - _bias;
        Vector256<double> h = x * y;
        Vector256<double> l = Vector256.FusedMultiplyAdd(x, y, -h);
        Vector256<double> c = Vector256.Round(h * _inverse);
        Vector256<double> r = Vector256.FusedMultiplyAdd(-c, _q, h) + l;
        r = Vector256.ConditionalSelect(Vector256.LessThan(r, Vector256<double>.Zero), r + _q, r);
        return (r + _bias).AsUInt64() ^ biasBits;
    }
}

/// <summary>As <see cref="FmaModMultiplier256"/>, in 8 × 64-bit lanes.</summary>
internal readonly struct FmaModMultiplier512
{
    private const ulong BiasBits = 0x4330_0000_0000_0000UL;

    private readonly Vector512<double> _q;
    private readonly Vector512<double> _inverse;
    private readonly Vector512<double> _bias;

    /// <summary>Prepares the constants for <paramref name="q"/> (at most <see cref="FmaModMultiplier256.MaxBitCount"/> bits).</summary>
    public FmaModMultiplier512(Modulus q)
    {
        _q = Vector512.Create((double)q.Value);
        _inverse = Vector512.Create(1.0 / q.Value);
        _bias = Vector512.Create(BitConverter.UInt64BitsToDouble(BiasBits));
    }

    /// <summary><c>(a·b) mod q</c> in <c>[0, q)</c> for lanes <c>a, b &lt; q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> Multiply(Vector512<ulong> a, Vector512<ulong> b)
    {
        Vector512<ulong> biasBits = _bias.AsUInt64();
        Vector512<double> x = (a | biasBits).AsDouble() - _bias;
        Vector512<double> y = (b | biasBits).AsDouble() - _bias;
        Vector512<double> h = x * y;
        Vector512<double> l = Vector512.FusedMultiplyAdd(x, y, -h);
        Vector512<double> c = Vector512.Round(h * _inverse);
        Vector512<double> r = Vector512.FusedMultiplyAdd(-c, _q, h) + l;
        r = Vector512.ConditionalSelect(Vector512.LessThan(r, Vector512<double>.Zero), r + _q, r);
        return (r + _bias).AsUInt64() ^ biasBits;
    }
}

/// <summary>
/// The lane product a kernel uses for a wide modulus (31 bits or more), chosen once per call: the floating-point product
/// (<see cref="FmaModMultiplier256"/>) up to 50 bits where the hardware has FMA, else Barrett with an emulated 128-bit
/// product (<see cref="ElementwiseVectorMath.MultiplyMod(Vector256{ulong}, Vector256{ulong}, Vector256{ulong}, Vector256{ulong}, int)"/>).
/// Both return the exact residue, so the choice never changes a result.
/// </summary>
internal readonly struct WideMultiplier256
{
    private readonly FmaModMultiplier256 _fma;
    private readonly Vector256<ulong> _q;
    private readonly Vector256<ulong> _mu;
    private readonly int _k;
    private readonly bool _useFma;

    /// <summary>Prepares the product for <paramref name="q"/>, with the Barrett constants the caller already has.</summary>
    public WideMultiplier256(Modulus q, Vector256<ulong> vq, Vector256<ulong> mu, int k)
    {
        _useFma = FmaModMultiplier256.IsUsable(q);
        _fma = _useFma ? new FmaModMultiplier256(q) : default;
        _q = vq;
        _mu = mu;
        _k = k;
    }

    /// <summary><c>(a·b) mod q</c> in <c>[0, q)</c> for lanes <c>a, b &lt; q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> Multiply(Vector256<ulong> a, Vector256<ulong> b) =>
        _useFma ? _fma.Multiply(a, b) : ElementwiseVectorMath.MultiplyMod(a, b, _q, _mu, _k);
}

/// <summary>As <see cref="WideMultiplier256"/>, in 8 × 64-bit lanes.</summary>
internal readonly struct WideMultiplier512
{
    private readonly FmaModMultiplier512 _fma;
    private readonly Vector512<ulong> _q;
    private readonly Vector512<ulong> _mu;
    private readonly int _k;
    private readonly bool _useFma;

    /// <summary>Prepares the product for <paramref name="q"/>, with the Barrett constants the caller already has.</summary>
    public WideMultiplier512(Modulus q, Vector512<ulong> vq, Vector512<ulong> mu, int k)
    {
        _useFma = FmaModMultiplier256.IsUsable(q);
        _fma = _useFma ? new FmaModMultiplier512(q) : default;
        _q = vq;
        _mu = mu;
        _k = k;
    }

    /// <summary><c>(a·b) mod q</c> in <c>[0, q)</c> for lanes <c>a, b &lt; q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<ulong> Multiply(Vector512<ulong> a, Vector512<ulong> b) =>
        _useFma ? _fma.Multiply(a, b) : ElementwiseVectorMath.MultiplyMod(a, b, _q, _mu, _k);
}

/// <summary>
/// <c>(x·w) mod q</c> for a fixed operand <c>w &lt; q</c> (with its Shoup quotient) and lanes <c>x &lt; q</c>, chosen
/// once per call: for primes of at most 32 bits, the 32-bit Shoup product (three 32×32-bit multiplies,
/// <see cref="ElementwiseVectorMath.MultiplyShoupNarrow(Vector256{ulong}, Vector256{ulong}, Vector256{ulong}, Vector256{ulong})"/>);
/// for primes of 33 to 50 bits with hardware FMA, the floating-point product with the precomputed
/// quotient <c>fl(w/q)</c> (the NTT's <c>Fma</c> argument, docs/design/ntt.md: <c>r = x·w - round(x·fl(w/q))·q</c>
/// in <c>(-q, q)</c>, exact, then one conditional addition of q; about 12 vector instructions); otherwise the
/// emulated 64-bit Shoup product (about 25). All give the exact residue.
/// </summary>
internal readonly struct ShoupMultiplier256
{
    private const ulong BiasBits = 0x4330_0000_0000_0000UL;
    private readonly Vector256<double> _q;
    private readonly Vector256<double> _w;
    private readonly Vector256<double> _wOverQ;
    private readonly Vector256<ulong> _vq;
    private readonly Vector256<ulong> _vw;
    private readonly Vector256<ulong> _vws;
    private readonly bool _useFma;
    private readonly bool _narrow;

    /// <summary>Prepares the product by <paramref name="w"/> modulo <paramref name="q"/>.</summary>
    public ShoupMultiplier256(Modulus q, ShoupOperand w)
    {
        _narrow = q.BitCount <= 32;
        _useFma = !_narrow && FmaModMultiplier256.IsUsable(q);
        _q = Vector256.Create((double)q.Value);
        _w = Vector256.Create((double)w.Value);
        _wOverQ = Vector256.Create((double)w.Value / q.Value);
        _vq = Vector256.Create(q.Value);
        _vw = Vector256.Create(w.Value);
        _vws = Vector256.Create(_narrow ? w.Quotient >> 32 : w.Quotient); // floor(w·2^64/q) >> 32 = floor(w·2^32/q)
    }

    /// <summary><c>(x·w) mod q</c> in <c>[0, q)</c> for lanes <c>x &lt; q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> Multiply(Vector256<ulong> x)
    {
        if (_narrow)
        {
            return ElementwiseVectorMath.MultiplyShoupNarrow(x, _vw, _vws, _vq);
        }

        if (!_useFma)
        {
            return ElementwiseVectorMath.MultiplyShoup(x, _vw, _vws, _vq);
        }

        Vector256<ulong> biasBits = Vector256.Create(BiasBits);
        Vector256<double> bias = biasBits.AsDouble();
        Vector256<double> xd = (x | biasBits).AsDouble() - bias;
        Vector256<double> h = xd * _w;
        Vector256<double> c = Vector256.Round(xd * _wOverQ);
        Vector256<double> r = Vector256.FusedMultiplyAdd(-c, _q, h) + Vector256.FusedMultiplyAdd(xd, _w, -h);

        // r is never -0 (x, w ≥ 0), so the sign-bit blend and the comparison agree.
        r += Avx.IsSupported
            ? Avx.BlendVariable(Vector256<double>.Zero, _q, r)
            : Vector256.ConditionalSelect(Vector256.LessThan(r, Vector256<double>.Zero), _q, Vector256<double>.Zero);
        return (r + bias).AsUInt64() ^ biasBits;
    }
}
