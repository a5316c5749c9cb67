using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Bases;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// Encodes vectors of up to <c>N/2</c> real or complex numbers into plaintexts (and back) through the canonical
/// embedding: slot <c>j</c> of a plaintext <c>m(X)</c> is <c>m(ζ^(5^j)) / Δ</c>, <c>ζ = exp(iπ/N)</c>, computed with an
/// <c>O(N log N)</c> special FFT.
/// </summary>
/// <remarks>
/// <para>
/// A vector shorter than <c>N/2</c> is zero-padded: the remaining slots hold 0 (rotations then move those zeros in).
/// Real vectors give real slots; their imaginary parts decode to about 0.
/// </para>
/// <para>
/// Encoding multiplies the FFT output by the scale <c>Δ</c> and rounds each coefficient to the nearest integer, exactly
/// (through <see cref="BigInteger"/> when <c>Δ·|value|</c> may reach <c>2^62</c>); the rounding error is at most 1/2 per
/// coefficient, that is about <c>√N / Δ</c> per slot. It refuses values whose encoding would not fit below
/// <c>Q_ℓ/2</c> at the requested level. Decoding reconstructs each centred coefficient exactly (mixed-radix, no big
/// integers) before dividing by <c>Δ</c>.
/// </para>
/// <para>An encoder is thread-safe; scratch memory is pooled.</para>
/// </remarks>
public sealed class CkksEncoder
{
    private const double LongPathLimit = 4.0e18; // below 2^62: Math.Round fits in a long.

    private readonly BlockMixedRadixComposer _composer;
    private readonly PolyPool _pool;
    private readonly double[] _log2Q;

    /// <summary>Creates an encoder for <paramref name="context"/>.</summary>
    /// <param name="context">The CKKS context.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public CkksEncoder(CkksContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Context = context;
        _composer = new BlockMixedRadixComposer(context.RingQ.ModuliArray);
        _pool = new PolyPool(context.RingQ);
        _log2Q = new double[context.Parameters.QCount];
        double sum = 0;
        for (int i = 0; i < _log2Q.Length; i++)
        {
            sum += Math.Log2(context.Parameters.Q[i]);
            _log2Q[i] = sum;
        }
    }

    /// <summary>The context.</summary>
    public CkksContext Context { get; }

    /// <summary>The number of slots, <c>N/2</c>.</summary>
    public int Slots => Context.Parameters.Slots;

    /// <summary>Encodes real values at the top level with the default scale.</summary>
    /// <param name="values">Up to <see cref="Slots"/> finite values; missing slots are zero.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="ArgumentException">Too many values, a value is not finite, or the encoding does not fit the modulus.</exception>
    public Plaintext Encode(ReadOnlySpan<double> values) => Encode(values, Context.MaxLevel, Context.Parameters.DefaultScale);

    /// <summary>Encodes real values at <paramref name="level"/> with scale <paramref name="scale"/>.</summary>
    /// <param name="values">Up to <see cref="Slots"/> finite values; missing slots are zero.</param>
    /// <param name="level">The level, in <c>[0, L]</c>.</param>
    /// <param name="scale">The scale <c>Δ</c>, finite and positive.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The level or scale is out of range.</exception>
    /// <exception cref="ArgumentException">Too many values, a value is not finite, or the encoding does not fit the modulus.</exception>
    public Plaintext Encode(ReadOnlySpan<double> values, int level, double scale)
    {
        var plaintext = new Plaintext(Context, level, scale);
        Encode(values, level, scale, plaintext);
        return plaintext;
    }

    /// <summary>Encodes real values into <paramref name="destination"/> at <paramref name="level"/> with scale <paramref name="scale"/>.</summary>
    /// <param name="values">Up to <see cref="Slots"/> finite values; missing slots are zero.</param>
    /// <param name="level">The level, in <c>[0, L]</c>.</param>
    /// <param name="scale">The scale <c>Δ</c>, finite and positive.</param>
    /// <param name="destination">The plaintext to overwrite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The level or scale is out of range.</exception>
    /// <exception cref="ArgumentException">Too many values, a value is not finite, the encoding does not fit the modulus, or <paramref name="destination"/> belongs to another context.</exception>
    public void Encode(ReadOnlySpan<double> values, int level, double scale, Plaintext destination) =>
        EncodeReal(values, level, scale, destination, null);

    /// <summary>Encodes complex values at the top level with the default scale.</summary>
    /// <param name="values">Up to <see cref="Slots"/> finite values; missing slots are zero.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="ArgumentException">Too many values, a value is not finite, or the encoding does not fit the modulus.</exception>
    public Plaintext Encode(ReadOnlySpan<Complex> values) => Encode(values, Context.MaxLevel, Context.Parameters.DefaultScale);

    /// <summary>Encodes complex values at <paramref name="level"/> with scale <paramref name="scale"/>.</summary>
    /// <param name="values">Up to <see cref="Slots"/> finite values; missing slots are zero.</param>
    /// <param name="level">The level, in <c>[0, L]</c>.</param>
    /// <param name="scale">The scale <c>Δ</c>, finite and positive.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The level or scale is out of range.</exception>
    /// <exception cref="ArgumentException">Too many values, a value is not finite, or the encoding does not fit the modulus.</exception>
    public Plaintext Encode(ReadOnlySpan<Complex> values, int level, double scale)
    {
        var plaintext = new Plaintext(Context, level, scale);
        Encode(values, level, scale, plaintext);
        return plaintext;
    }

    /// <summary>Encodes complex values into <paramref name="destination"/> at <paramref name="level"/> with scale <paramref name="scale"/>.</summary>
    /// <param name="values">Up to <see cref="Slots"/> finite values; missing slots are zero.</param>
    /// <param name="level">The level, in <c>[0, L]</c>.</param>
    /// <param name="scale">The scale <c>Δ</c>, finite and positive.</param>
    /// <param name="destination">The plaintext to overwrite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The level or scale is out of range.</exception>
    /// <exception cref="ArgumentException">Too many values, a value is not finite, the encoding does not fit the modulus, or <paramref name="destination"/> belongs to another context.</exception>
    public void Encode(ReadOnlySpan<Complex> values, int level, double scale, Plaintext destination)
    {
        CheckEncodeArguments(values.Length, level, scale, destination);
        int slots = Slots;
        double[] re = ArrayPool<double>.Shared.Rent(slots), im = ArrayPool<double>.Shared.Rent(slots);
        try
        {
            Span<double> r = re.AsSpan(0, slots), m = im.AsSpan(0, slots);
            for (int i = 0; i < values.Length; i++)
            {
                CheckFinite(values[i].Real, i);
                CheckFinite(values[i].Imaginary, i);
                r[i] = values[i].Real;
                m[i] = values[i].Imaginary;
            }

            r[values.Length..].Clear();
            m[values.Length..].Clear();
            EncodeSlots(r, m, level, scale, destination);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>Encodes the constant <paramref name="value"/> in every slot, at the top level with the default scale.</summary>
    /// <param name="value">A finite value.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="ArgumentException">The value is not finite or does not fit the modulus.</exception>
    public Plaintext EncodeConstant(Complex value) => EncodeConstant(value, Context.MaxLevel, Context.Parameters.DefaultScale);

    /// <summary>Encodes the constant <paramref name="value"/> in every slot.</summary>
    /// <param name="value">A finite value.</param>
    /// <param name="level">The level, in <c>[0, L]</c>.</param>
    /// <param name="scale">The scale <c>Δ</c>, finite and positive.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The level or scale is out of range.</exception>
    /// <exception cref="ArgumentException">The value is not finite or does not fit the modulus.</exception>
    public Plaintext EncodeConstant(Complex value, int level, double scale)
    {
        var plaintext = new Plaintext(Context, level, scale);
        EncodeConstant(value, level, scale, plaintext);
        return plaintext;
    }

    /// <summary>
    /// Encodes the constant <paramref name="value"/> in every slot into <paramref name="destination"/>: the polynomial
    /// <c>round(Re·Δ) + round(Im·Δ)·X^(N/2)</c> (because <c>ζ^(5^j·N/2) = i</c> for every slot).
    /// </summary>
    /// <param name="value">A finite value.</param>
    /// <param name="level">The level, in <c>[0, L]</c>.</param>
    /// <param name="scale">The scale <c>Δ</c>, finite and positive.</param>
    /// <param name="destination">The plaintext to overwrite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The level or scale is out of range.</exception>
    /// <exception cref="ArgumentException">The value is not finite or does not fit the modulus, or <paramref name="destination"/> belongs to another context.</exception>
    public void EncodeConstant(Complex value, int level, double scale, Plaintext destination)
    {
        CheckEncodeArguments(1, level, scale, destination);
        CheckFinite(value.Real, 0);
        CheckFinite(value.Imaginary, 0);
        double re = Math.Round(value.Real * scale), im = Math.Round(value.Imaginary * scale);
        CheckFits(Math.Max(Math.Abs(re), Math.Abs(im)), level, scale);
        destination.Reshape(level, scale);
        RnsPoly poly = destination.Poly;
        int n = Context.N;
        if (Math.Max(Math.Abs(re), Math.Abs(im)) < LongPathLimit)
        {
            long[] coefficients = ArrayPool<long>.Shared.Rent(n);
            try
            {
                Span<long> c = coefficients.AsSpan(0, n);
                c.Clear();
                c[0] = (long)re;
                c[n / 2] = (long)im;
                poly.SetCoefficients(c);
            }
            finally
            {
                ArrayPool<long>.Shared.Return(coefficients);
            }
        }
        else
        {
            var c = new BigInteger[n];
            c[0] = new BigInteger(re);
            c[n / 2] = new BigInteger(im);
            poly.SetCoefficients(c);
        }

        poly.ToNtt();
    }

    /// <summary>Decodes all <see cref="Slots"/> complex slots of <paramref name="plaintext"/>.</summary>
    /// <param name="plaintext">The plaintext.</param>
    /// <returns>The values.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="plaintext"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="plaintext"/> belongs to another context.</exception>
    public Complex[] Decode(Plaintext plaintext)
    {
        var result = new Complex[Slots];
        Decode(plaintext, result);
        return result;
    }

    /// <summary>Decodes the first <c>destination.Length</c> complex slots of <paramref name="plaintext"/>.</summary>
    /// <param name="plaintext">The plaintext.</param>
    /// <param name="destination">Receives up to <see cref="Slots"/> values.</param>
    /// <exception cref="ArgumentNullException"><paramref name="plaintext"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is longer than <see cref="Slots"/>, or <paramref name="plaintext"/> belongs to another context.</exception>
    public void Decode(Plaintext plaintext, Span<Complex> destination)
    {
        CheckDecodeArguments(plaintext, destination.Length);
        double[] re = ArrayPool<double>.Shared.Rent(Slots), im = ArrayPool<double>.Shared.Rent(Slots);
        try
        {
            DecodeSlots(plaintext, re.AsSpan(0, Slots), im.AsSpan(0, Slots));
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = new Complex(re[i], im[i]);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>Decodes the real parts of all <see cref="Slots"/> slots of <paramref name="plaintext"/>.</summary>
    /// <param name="plaintext">The plaintext.</param>
    /// <returns>The real parts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="plaintext"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="plaintext"/> belongs to another context.</exception>
    public double[] DecodeReal(Plaintext plaintext)
    {
        var result = new double[Slots];
        DecodeReal(plaintext, result);
        return result;
    }

    /// <summary>Decodes the real parts of the first <c>destination.Length</c> slots of <paramref name="plaintext"/>.</summary>
    /// <param name="plaintext">The plaintext.</param>
    /// <param name="destination">Receives up to <see cref="Slots"/> values.</param>
    /// <exception cref="ArgumentNullException"><paramref name="plaintext"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is longer than <see cref="Slots"/>, or <paramref name="plaintext"/> belongs to another context.</exception>
    public void DecodeReal(Plaintext plaintext, Span<double> destination)
    {
        CheckDecodeArguments(plaintext, destination.Length);
        double[] re = ArrayPool<double>.Shared.Rent(Slots), im = ArrayPool<double>.Shared.Rent(Slots);
        try
        {
            DecodeSlots(plaintext, re.AsSpan(0, Slots), im.AsSpan(0, Slots));
            re.AsSpan(0, destination.Length).CopyTo(destination);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>
    /// Encodes real values like <see cref="Encode(ReadOnlySpan{double}, int, double, Plaintext)"/> and also writes the same
    /// integer polynomial's residues modulo the special primes, in NTT form, into <paramref name="extension"/> (a polynomial of
    /// the special primes' ring): the plaintext over <c>Q_level·P</c> that double-hoisted linear transforms multiply
    /// key-switching sums by before dividing by <c>P</c>.
    /// </summary>
    internal void EncodeExtended(ReadOnlySpan<double> values, int level, double scale, Plaintext destination, RnsPoly extension) =>
        EncodeReal(values, level, scale, destination, extension);

    /// <summary>Encodes real values into <paramref name="destination"/>, and their residues modulo the special primes into <paramref name="extension"/> when given.</summary>
    private void EncodeReal(ReadOnlySpan<double> values, int level, double scale, Plaintext destination, RnsPoly? extension)
    {
        CheckEncodeArguments(values.Length, level, scale, destination);
        int slots = Slots;
        double[] re = ArrayPool<double>.Shared.Rent(slots), im = ArrayPool<double>.Shared.Rent(slots);
        try
        {
            Span<double> r = re.AsSpan(0, slots), m = im.AsSpan(0, slots);
            for (int i = 0; i < values.Length; i++)
            {
                CheckFinite(values[i], i);
                r[i] = values[i];
            }

            r[values.Length..].Clear();
            m.Clear();
            EncodeSlots(r, m, level, scale, destination, extension);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(re);
            ArrayPool<double>.Shared.Return(im);
        }
    }

    /// <summary>Encodes full slot vectors (split real and imaginary parts, overwritten) into <paramref name="destination"/>.</summary>
    /// <param name="re">The real parts (overwritten).</param>
    /// <param name="im">The imaginary parts (overwritten).</param>
    /// <param name="level">The level.</param>
    /// <param name="scale">The scale.</param>
    /// <param name="destination">Receives the plaintext.</param>
    /// <param name="extension">When given, receives the residues modulo the special primes too (NTT form).</param>
    internal void EncodeSlots(Span<double> re, Span<double> im, int level, double scale, Plaintext destination, RnsPoly? extension = null)
    {
        int n = Context.N, slots = Slots;
        SpecialFft fft = Context.Fft;

        // The inverse FFT leaves coefficient i·n at index brv(i): the permutation and the division by n (a power of two,
        // so fl(x·(Δ/n)) = fl((x/n)·Δ) exactly) are folded into the one read that rounds the coefficients.
        fft.InverseButterflies(re, im);
        ReadOnlySpan<int> brv = fft.BitReversal;
        double scaleOverSlots = scale / slots;
        double max = MaxMagnitude(re, im);
        double maxCoefficient = Math.Round(max * scaleOverSlots);
        CheckFits(maxCoefficient, level, scale);
        destination.Reshape(level, scale);
        RnsPoly poly = destination.Poly;
        if (maxCoefficient < LongPathLimit)
        {
            if (maxCoefficient < Math.Min(SmallestPrime(level), ElementwiseKernels.SmallSignedLimit))
            {
                // Every coefficient is below every prime (and 2^51): each limb's NTT reads the rounded coefficients
                // directly (ElementwiseKernels.ResiduesOfSmallIntegers where the strategy needs residues first).
                double[] rounded = ArrayPool<double>.Shared.Rent(n);
                try
                {
                    Span<double> d = rounded.AsSpan(0, n);
                    RoundPermuted(re, brv, scaleOverSlots, d[..slots]);
                    RoundPermuted(im, brv, scaleOverSlots, d[slots..]);

                    for (int limb = 0; limb < poly.LimbCount; limb++)
                    {
                        Context.RingQ.NttTablesArray[limb].ForwardFromSmallIntegers(d, poly.LimbUnchecked(limb));
                    }

                    poly.IsNttForm = true;
                    if (extension is not null)
                    {
                        long[] integers = ArrayPool<long>.Shared.Rent(n);
                        try
                        {
                            Span<long> c = integers.AsSpan(0, n);
                            for (int i = 0; i < n; i++)
                            {
                                c[i] = (long)d[i]; // integers below 2^51: exact
                            }

                            EncodeSpecialResidues(c, maxCoefficient, extension);
                        }
                        finally
                        {
                            ArrayPool<long>.Shared.Return(integers);
                        }
                    }

                    return;
                }
                finally
                {
                    ArrayPool<double>.Shared.Return(rounded);
                }
            }

            long[] coefficients = ArrayPool<long>.Shared.Rent(n);
            try
            {
                Span<long> c = coefficients.AsSpan(0, n);
                for (int i = 0; i < slots; i++)
                {
                    int j = brv[i];
                    c[i] = (long)Math.Round(re[j] * scaleOverSlots);
                    c[i + slots] = (long)Math.Round(im[j] * scaleOverSlots);
                }

                // |c| < 2^62: reduced to every limb with the vector kernel (the same residues as SetCoefficients); below
                // 2^51, as usual, with the floating-point remainder.
                SimdLevel simd = SimdCapabilities.Current;
                bool small = maxCoefficient < ElementwiseKernels.SmallSignedLimit;
                for (int limb = 0; limb < poly.LimbCount; limb++)
                {
                    if (small)
                    {
                        ElementwiseKernels.ReduceSignedSmall(c, poly.LimbUnchecked(limb), Context.RingQ.ModuliArray[limb], simd);
                    }
                    else
                    {
                        ElementwiseKernels.ReduceSigned(c, poly.LimbUnchecked(limb), Context.RingQ.ModuliArray[limb], simd);
                    }
                }

                poly.IsNttForm = false;
                if (extension is not null)
                {
                    EncodeSpecialResidues(c, maxCoefficient, extension);
                }
            }
            finally
            {
                ArrayPool<long>.Shared.Return(coefficients);
            }
        }
        else
        {
            // Exact rounding of large values: a double above 2^52 is an integer, and BigInteger(double) converts it exactly.
            var c = new BigInteger[n];
            for (int i = 0; i < slots; i++)
            {
                int j = brv[i];
                c[i] = new BigInteger(Math.Round(re[j] * scaleOverSlots));
                c[i + slots] = new BigInteger(Math.Round(im[j] * scaleOverSlots));
            }

            poly.SetCoefficients(c);
            if (extension is not null)
            {
                extension.SetLimbCount(Context.RingP.ModulusCount);
                extension.SetCoefficients(c);
                extension.ToNtt();
            }
        }

        poly.ToNtt();
    }

    /// <summary>The residues of the integer coefficients <paramref name="c"/> (<c>|c| ≤ max &lt; 2^62</c>) modulo the special primes, NTT form.</summary>
    private void EncodeSpecialResidues(ReadOnlySpan<long> c, double max, RnsPoly extension)
    {
        SimdLevel simd = SimdCapabilities.Current;
        bool small = max < ElementwiseKernels.SmallSignedLimit;
        extension.SetLimbCount(Context.RingP.ModulusCount);
        extension.IsNttForm = false;
        for (int limb = 0; limb < extension.LimbCount; limb++)
        {
            Modulus p = Context.RingP.ModuliArray[limb];
            if (small)
            {
                ElementwiseKernels.ReduceSignedSmall(c, extension.LimbUnchecked(limb), p, simd);
            }
            else
            {
                ElementwiseKernels.ReduceSigned(c, extension.LimbUnchecked(limb), p, simd);
            }
        }

        extension.ToNtt();
    }

    /// <summary>The largest <c>|x|</c> over both spans (exact, so any evaluation order gives the same value).</summary>
    private static double MaxMagnitude(ReadOnlySpan<double> re, ReadOnlySpan<double> im)
    {
        int i = 0;
        double max = 0;
        if (Vector256.IsHardwareAccelerated && re.Length >= Vector256<double>.Count)
        {
            Vector256<double> vmax = Vector256<double>.Zero;
            for (; i <= re.Length - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                vmax = Vector256.Max(vmax, Vector256.Max(Vector256.Abs(Vector256.Create(re.Slice(i))), Vector256.Abs(Vector256.Create(im.Slice(i)))));
            }

            for (int lane = 0; lane < Vector256<double>.Count; lane++)
            {
                max = Math.Max(max, vmax[lane]);
            }
        }

        for (; i < re.Length; i++)
        {
            max = Math.Max(max, Math.Max(Math.Abs(re[i]), Math.Abs(im[i])));
        }

        return max;
    }

    /// <summary>
    /// <c>destination[i] = round(values[permutation[i]]·factor)</c>, rounding half to even (<see cref="Math.Round(double)"/>;
    /// the vector path's gather and round give the same bits).
    /// </summary>
    private static unsafe void RoundPermuted(ReadOnlySpan<double> values, ReadOnlySpan<int> permutation, double factor, Span<double> destination)
    {
        int i = 0, n = destination.Length;
        if (Avx2.IsSupported && SimdCapabilities.Current != SimdLevel.Scalar)
        {
            Vector256<double> f = Vector256.Create(factor);
            fixed (double* source = values)
            fixed (int* indices = permutation)
            {
                for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
                {
                    Vector256<double> v = Avx2.GatherVector256(source, Sse2.LoadVector128(indices + i), 8);
                    Vector256.Round(v * f).StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)i);
                }
            }
        }

        for (; i < n; i++)
        {
            destination[i] = Math.Round(values[permutation[i]] * factor);
        }
    }

    /// <summary>The smallest prime of the chain up to <paramref name="level"/>.</summary>
    private double SmallestPrime(int level)
    {
        ulong min = ulong.MaxValue;
        for (int i = 0; i <= level; i++)
        {
            min = Math.Min(min, Context.RingQ.ModuliArray[i].Value);
        }

        return min;
    }

    /// <summary>Decodes all slots of <paramref name="plaintext"/> into split real and imaginary parts.</summary>
    internal void DecodeSlots(Plaintext plaintext, Span<double> re, Span<double> im)
    {
        int n = Context.N, slots = Slots;
        RnsPoly scratch = _pool.Rent(plaintext.Poly.LimbCount, plaintext.Poly.IsNttForm);
        double[] coefficients = ArrayPool<double>.Shared.Rent(n);
        try
        {
            plaintext.Poly.CopyTo(scratch);
            if (scratch.IsNttForm)
            {
                scratch.FromNtt();
            }

            Span<double> c = coefficients.AsSpan(0, n);
            _composer.ComposeCentered(scratch.Coefficients, scratch.LimbCount, 1.0 / plaintext.Scale, c, SimdCapabilities.Current);
            c[..slots].CopyTo(re);
            c[slots..].CopyTo(im);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(coefficients);
            _pool.Return(scratch);
        }

        Context.Fft.Forward(re, im);
    }

    private void CheckEncodeArguments(int count, int level, double scale, Plaintext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Context.CheckSame(destination.Context, nameof(destination));
        Context.CheckLevel(level, nameof(level));
        CkksContext.CheckScale(scale, nameof(scale));
        if (count > Slots)
        {
            throw new ArgumentException($"{count} values do not fit in the {Slots} slots (N/2 for N = {Context.N}).", "values");
        }
    }

    private void CheckDecodeArguments(Plaintext plaintext, int count)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        Context.CheckSame(plaintext.Context, nameof(plaintext));
        if (count > Slots)
        {
            throw new ArgumentException($"The destination has {count} entries; a plaintext has only {Slots} slots.", "destination");
        }
    }

    private void CheckFits(double maxCoefficient, int level, double scale)
    {
        double log2 = Math.Log2(Math.Max(1, maxCoefficient));
        if (log2 >= _log2Q[level] - 1)
        {
            throw new ArgumentException(
                $"The encoded values reach 2^{log2:0.0} (values × scale {CkksContext.Log2(scale)}), beyond what level {level} can hold " +
                $"(Q_{level} = 2^{_log2Q[level]:0.0}, values must stay below Q/2). Use a smaller scale, smaller values, or a higher level.",
                "values");
        }
    }

    private static void CheckFinite(double value, int index)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"values[{index}] = {value} is not a finite number.", "values");
        }
    }
}
