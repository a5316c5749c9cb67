using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Kernels;

namespace CkksRns.Ckks;

/// <summary>
/// The "special FFT" of CKKS: evaluation of a polynomial of degree <c>&lt; n = N/2</c> with complex coefficients at the
/// points <c>ζ^(5^j)</c>, <c>j = 0..n-1</c>, where <c>ζ = exp(iπ/N)</c>, and its inverse, in <c>O(n log n)</c>.
/// </summary>
/// <remarks>
/// <para>
/// A real polynomial <c>m(X) = Σ m_k X^k</c> of degree <c>&lt; N</c> evaluates at <c>ζ^(5^j)</c> to
/// <c>Σ_(i&lt;n) (m_i + i·m_(i+n)) ζ^(5^j·i)</c> because <c>ζ^(5^j·n) = i</c>; so the slots of <c>m</c> are
/// <see cref="Forward"/> of <c>w_i = m_i + i·m_(i+n)</c>, and encoding is <see cref="Inverse"/>
/// (<see href="https://eprint.iacr.org/2016/421">Cheon–Kim–Kim–Song 2017</see>, and the HEAAN library's
/// <c>fftSpecial</c>). Ordering slots by powers of 5 makes the Galois map <c>X → X^(5^k)</c> a left rotation by <c>k</c>.
/// </para>
/// <para>
/// The transforms work on split real and imaginary arrays. The vector path uses only additions and multiplications
/// (no fused multiply-add), so it gives the same bits as the scalar path.
/// </para>
/// </remarks>
internal sealed class SpecialFft
{
    // Twiddles of the butterfly stage with half-length h sit at [h - 1, 2h - 1): cos and sin of 2π·(5^j mod 4·len)/(4·len).
    private readonly double[] _cos;
    private readonly double[] _sin;
    private readonly int[] _bitReverse;

    /// <summary>Builds the tables for ring degree <paramref name="n"/> (so <c>n/2</c> slots).</summary>
    /// <param name="n">The ring degree <c>N</c>, a power of two, at least 4.</param>
    public SpecialFft(int n)
    {
        Debug.Assert(n >= 4 && BitOperations.IsPow2(n), "N must be a power of two >= 4");
        N = n;
        Slots = n / 2;
        int slots = Slots;
        long m = 2L * n;
        long[] rotGroup = new long[slots / 2 + 1];
        long power = 1;
        for (int j = 0; j < rotGroup.Length; j++)
        {
            rotGroup[j] = power;
            power = power * 5 % m;
        }

        _cos = new double[Math.Max(1, slots - 1)];
        _sin = new double[Math.Max(1, slots - 1)];
        for (int len = 2; len <= slots; len <<= 1)
        {
            int half = len >> 1;
            long lenq = 4L * len;
            for (int j = 0; j < half; j++)
            {
                // Angle 2π·(5^j mod lenq)/lenq; computed directly (not by recurrence) for accuracy.
                double angle = 2 * Math.PI * (rotGroup[j] % lenq) / lenq;
                _cos[half - 1 + j] = Math.Cos(angle);
                _sin[half - 1 + j] = Math.Sin(angle);
            }
        }

        int logSlots = BitOperations.Log2((uint)slots);
        _bitReverse = new int[slots];
        for (int i = 0; i < slots; i++)
        {
            _bitReverse[i] = logSlots == 0 ? 0 : (int)(ReverseBits((uint)i) >> (32 - logSlots));
        }
    }

    /// <summary>The ring degree <c>N</c>.</summary>
    public int N { get; }

    /// <summary>The number of slots, <c>N/2</c>.</summary>
    public int Slots { get; }

    /// <summary>The bit-reversal permutation of <c>log2(Slots)</c> bits (an involution).</summary>
    public ReadOnlySpan<int> BitReversal => _bitReverse;

    /// <summary>
    /// In place: coefficients <c>w_i</c> (real part in <paramref name="re"/>, imaginary in <paramref name="im"/>) to the
    /// slot values <c>z_j = Σ_i w_i ζ^(5^j·i)</c>.
    /// </summary>
    /// <param name="re">Real parts, length <see cref="Slots"/>.</param>
    /// <param name="im">Imaginary parts, length <see cref="Slots"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(Span<double> re, Span<double> im)
    {
        Debug.Assert(re.Length == Slots && im.Length == Slots, "spans must hold Slots values");
        BitReverse(re, im);
        if (UseVectors)
        {
            ForwardVector(re, im);
            return;
        }

        for (int len = 2; len <= Slots; len <<= 1)
        {
            int half = len >> 1;
            ReadOnlySpan<double> cos = _cos.AsSpan(half - 1, half);
            ReadOnlySpan<double> sin = _sin.AsSpan(half - 1, half);
            for (int i = 0; i < Slots; i += len)
            {
                Span<double> ur = re.Slice(i, half), ui = im.Slice(i, half);
                Span<double> vr = re.Slice(i + half, half), vi = im.Slice(i + half, half);
                for (int j = 0; j < half; j++)
                {
                    // v *= w; (u, v) = (u + v, u - v).
                    double xr = vr[j] * cos[j] - vi[j] * sin[j];
                    double xi = vr[j] * sin[j] + vi[j] * cos[j];
                    double a = ur[j], b = ui[j];
                    ur[j] = a + xr;
                    ui[j] = b + xi;
                    vr[j] = a - xr;
                    vi[j] = b - xi;
                }
            }
        }
    }

    /// <summary>In place: the inverse of <see cref="Forward"/>, slot values to coefficients <c>w_i</c> (divided by <c>n</c>).</summary>
    /// <param name="re">Real parts, length <see cref="Slots"/>.</param>
    /// <param name="im">Imaginary parts, length <see cref="Slots"/>.</param>
    public void Inverse(Span<double> re, Span<double> im)
    {
        InverseButterflies(re, im);
        BitReverse(re, im);
        double scale = 1.0 / Slots;
        for (int i = 0; i < re.Length; i++)
        {
            re[i] *= scale;
            im[i] *= scale;
        }
    }

    /// <summary>
    /// The butterflies of <see cref="Inverse"/> alone: on return, coefficient <c>w_i·n</c> is at index
    /// <see cref="BitReversal"/><c>[i]</c> (not yet divided by <c>n</c> nor permuted), so a caller that reads the
    /// coefficients once (the encoder) can fold the permutation and the division into that read.
    /// </summary>
    /// <param name="re">Real parts, length <see cref="Slots"/>.</param>
    /// <param name="im">Imaginary parts, length <see cref="Slots"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void InverseButterflies(Span<double> re, Span<double> im)
    {
        Debug.Assert(re.Length == Slots && im.Length == Slots, "spans must hold Slots values");
        if (UseVectors)
        {
            InverseVector(re, im);
            return;
        }

        for (int len = Slots; len >= 2; len >>= 1)
        {
            int half = len >> 1;
            ReadOnlySpan<double> cos = _cos.AsSpan(half - 1, half);
            ReadOnlySpan<double> sin = _sin.AsSpan(half - 1, half);
            for (int i = 0; i < Slots; i += len)
            {
                Span<double> ur = re.Slice(i, half), ui = im.Slice(i, half);
                Span<double> vr = re.Slice(i + half, half), vi = im.Slice(i + half, half);
                for (int j = 0; j < half; j++)
                {
                    // (u, v) = (u + v, (u - v)·conj(w)).
                    double a = ur[j], b = ui[j], c = vr[j], d = vi[j];
                    ur[j] = a + c;
                    ui[j] = b + d;
                    double xr = a - c, xi = b - d;
                    vr[j] = xr * cos[j] + xi * sin[j];
                    vi[j] = xi * cos[j] - xr * sin[j];
                }
            }
        }
    }

    // The vector path: the same additions and multiplications as the scalar loops, in the same order per value (no
    // fused multiply-add), grouped differently: two stages per pass over memory (radix-4) while the butterfly distance is
    // at least 4, and the stages of distance 2 and 1 on blocks of 8 values in registers.
    private bool UseVectors => Slots >= 8 && Avx.IsSupported && SimdCapabilities.Current != SimdLevel.Scalar;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForwardVector(Span<double> re, Span<double> im)
    {
        ref double r = ref MemoryMarshal.GetReference(re);
        ref double m = ref MemoryMarshal.GetReference(im);
        ref double cos = ref MemoryMarshal.GetArrayDataReference(_cos);
        ref double sin = ref MemoryMarshal.GetArrayDataReference(_sin);
        int slots = Slots;

        // Distances 1 and 2 (twiddles cos[0] and cos[1..2]).
        Vector256<double> c1 = Vector256.Create(cos), s1 = Vector256.Create(sin);
        Vector256<double> c2 = Vector256.Create(Unsafe.Add(ref cos, 1), Unsafe.Add(ref cos, 2), Unsafe.Add(ref cos, 1), Unsafe.Add(ref cos, 2));
        Vector256<double> s2 = Vector256.Create(Unsafe.Add(ref sin, 1), Unsafe.Add(ref sin, 2), Unsafe.Add(ref sin, 1), Unsafe.Add(ref sin, 2));
        for (int i = 0; i < slots; i += 8)
        {
            Vector256<double> ar = Vector256.LoadUnsafe(ref r, (nuint)i), br = Vector256.LoadUnsafe(ref r, (nuint)i + 4);
            Vector256<double> ai = Vector256.LoadUnsafe(ref m, (nuint)i), bi = Vector256.LoadUnsafe(ref m, (nuint)i + 4);
            Vector256<double> ur = Avx.UnpackLow(ar, br), vr = Avx.UnpackHigh(ar, br); // values 0 4 2 6 / 1 5 3 7
            Vector256<double> ui = Avx.UnpackLow(ai, bi), vi = Avx.UnpackHigh(ai, bi);
            ForwardButterfly(ref ur, ref ui, ref vr, ref vi, c1, s1);
            Vector256<double> lr = Avx.UnpackLow(ur, vr), hr = Avx.UnpackHigh(ur, vr); // 0 1 2 3 / 4 5 6 7
            Vector256<double> li = Avx.UnpackLow(ui, vi), hi = Avx.UnpackHigh(ui, vi);
            ur = Avx.Permute2x128(lr, hr, 0x20); // 0 1 4 5
            vr = Avx.Permute2x128(lr, hr, 0x31); // 2 3 6 7
            ui = Avx.Permute2x128(li, hi, 0x20);
            vi = Avx.Permute2x128(li, hi, 0x31);
            ForwardButterfly(ref ur, ref ui, ref vr, ref vi, c2, s2);
            Avx.Permute2x128(ur, vr, 0x20).StoreUnsafe(ref r, (nuint)i);
            Avx.Permute2x128(ur, vr, 0x31).StoreUnsafe(ref r, (nuint)i + 4);
            Avx.Permute2x128(ui, vi, 0x20).StoreUnsafe(ref m, (nuint)i);
            Avx.Permute2x128(ui, vi, 0x31).StoreUnsafe(ref m, (nuint)i + 4);
        }

        // Distances 4 and up: stage h then 2h in one pass (a radix-2 pass last when the count is odd).
        int half = 4;
        for (; 4 * half <= slots; half <<= 2)
        {
            ref double ch = ref Unsafe.Add(ref cos, half - 1), sh = ref Unsafe.Add(ref sin, half - 1);
            ref double c2h = ref Unsafe.Add(ref cos, (2 * half) - 1), s2h = ref Unsafe.Add(ref sin, (2 * half) - 1);
            for (int i = 0; i < slots; i += 4 * half)
            {
                for (int j = 0; j < half; j += 4)
                {
                    nuint p0 = (nuint)(i + j), p1 = p0 + (nuint)half, p2 = p1 + (nuint)half, p3 = p2 + (nuint)half;
                    Vector256<double> r0 = Vector256.LoadUnsafe(ref r, p0), r1 = Vector256.LoadUnsafe(ref r, p1);
                    Vector256<double> r2 = Vector256.LoadUnsafe(ref r, p2), r3 = Vector256.LoadUnsafe(ref r, p3);
                    Vector256<double> m0 = Vector256.LoadUnsafe(ref m, p0), m1 = Vector256.LoadUnsafe(ref m, p1);
                    Vector256<double> m2 = Vector256.LoadUnsafe(ref m, p2), m3 = Vector256.LoadUnsafe(ref m, p3);
                    Vector256<double> wc = Vector256.LoadUnsafe(ref ch, (nuint)j), ws = Vector256.LoadUnsafe(ref sh, (nuint)j);
                    ForwardButterfly(ref r0, ref m0, ref r1, ref m1, wc, ws);
                    ForwardButterfly(ref r2, ref m2, ref r3, ref m3, wc, ws);
                    ForwardButterfly(ref r0, ref m0, ref r2, ref m2, Vector256.LoadUnsafe(ref c2h, (nuint)j), Vector256.LoadUnsafe(ref s2h, (nuint)j));
                    ForwardButterfly(ref r1, ref m1, ref r3, ref m3, Vector256.LoadUnsafe(ref c2h, (nuint)(j + half)), Vector256.LoadUnsafe(ref s2h, (nuint)(j + half)));
                    r0.StoreUnsafe(ref r, p0);
                    r1.StoreUnsafe(ref r, p1);
                    r2.StoreUnsafe(ref r, p2);
                    r3.StoreUnsafe(ref r, p3);
                    m0.StoreUnsafe(ref m, p0);
                    m1.StoreUnsafe(ref m, p1);
                    m2.StoreUnsafe(ref m, p2);
                    m3.StoreUnsafe(ref m, p3);
                }
            }
        }

        if (2 * half <= slots)
        {
            ref double ch = ref Unsafe.Add(ref cos, half - 1), sh = ref Unsafe.Add(ref sin, half - 1);
            for (int i = 0; i < slots; i += 2 * half)
            {
                for (int j = 0; j < half; j += 4)
                {
                    nuint p0 = (nuint)(i + j), p1 = p0 + (nuint)half;
                    Vector256<double> r0 = Vector256.LoadUnsafe(ref r, p0), r1 = Vector256.LoadUnsafe(ref r, p1);
                    Vector256<double> m0 = Vector256.LoadUnsafe(ref m, p0), m1 = Vector256.LoadUnsafe(ref m, p1);
                    ForwardButterfly(ref r0, ref m0, ref r1, ref m1, Vector256.LoadUnsafe(ref ch, (nuint)j), Vector256.LoadUnsafe(ref sh, (nuint)j));
                    r0.StoreUnsafe(ref r, p0);
                    r1.StoreUnsafe(ref r, p1);
                    m0.StoreUnsafe(ref m, p0);
                    m1.StoreUnsafe(ref m, p1);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InverseVector(Span<double> re, Span<double> im)
    {
        ref double r = ref MemoryMarshal.GetReference(re);
        ref double m = ref MemoryMarshal.GetReference(im);
        ref double cos = ref MemoryMarshal.GetArrayDataReference(_cos);
        ref double sin = ref MemoryMarshal.GetArrayDataReference(_sin);
        int slots = Slots, half = slots >> 1;

        // Distances N/4 down to 4: a radix-2 pass first when their count is odd, then stage h and h/2 in one pass.
        if ((BitOperations.Log2((uint)half) & 1) == 0)
        {
            ref double ch = ref Unsafe.Add(ref cos, half - 1), sh = ref Unsafe.Add(ref sin, half - 1);
            for (int j = 0; j < half; j += 4)
            {
                nuint p0 = (nuint)j, p1 = p0 + (nuint)half;
                Vector256<double> r0 = Vector256.LoadUnsafe(ref r, p0), r1 = Vector256.LoadUnsafe(ref r, p1);
                Vector256<double> m0 = Vector256.LoadUnsafe(ref m, p0), m1 = Vector256.LoadUnsafe(ref m, p1);
                InverseButterfly(ref r0, ref m0, ref r1, ref m1, Vector256.LoadUnsafe(ref ch, (nuint)j), Vector256.LoadUnsafe(ref sh, (nuint)j));
                r0.StoreUnsafe(ref r, p0);
                r1.StoreUnsafe(ref r, p1);
                m0.StoreUnsafe(ref m, p0);
                m1.StoreUnsafe(ref m, p1);
            }

            half >>= 1;
        }

        for (; half >= 8; half >>= 2)
        {
            int quarter = half >> 1;
            ref double ch = ref Unsafe.Add(ref cos, half - 1), sh = ref Unsafe.Add(ref sin, half - 1);
            ref double cq = ref Unsafe.Add(ref cos, quarter - 1), sq = ref Unsafe.Add(ref sin, quarter - 1);
            for (int i = 0; i < slots; i += 2 * half)
            {
                for (int j = 0; j < quarter; j += 4)
                {
                    nuint p0 = (nuint)(i + j), p1 = p0 + (nuint)quarter, p2 = p1 + (nuint)quarter, p3 = p2 + (nuint)quarter;
                    Vector256<double> r0 = Vector256.LoadUnsafe(ref r, p0), r1 = Vector256.LoadUnsafe(ref r, p1);
                    Vector256<double> r2 = Vector256.LoadUnsafe(ref r, p2), r3 = Vector256.LoadUnsafe(ref r, p3);
                    Vector256<double> m0 = Vector256.LoadUnsafe(ref m, p0), m1 = Vector256.LoadUnsafe(ref m, p1);
                    Vector256<double> m2 = Vector256.LoadUnsafe(ref m, p2), m3 = Vector256.LoadUnsafe(ref m, p3);
                    InverseButterfly(ref r0, ref m0, ref r2, ref m2, Vector256.LoadUnsafe(ref ch, (nuint)j), Vector256.LoadUnsafe(ref sh, (nuint)j));
                    InverseButterfly(ref r1, ref m1, ref r3, ref m3, Vector256.LoadUnsafe(ref ch, (nuint)(j + quarter)), Vector256.LoadUnsafe(ref sh, (nuint)(j + quarter)));
                    Vector256<double> wc = Vector256.LoadUnsafe(ref cq, (nuint)j), ws = Vector256.LoadUnsafe(ref sq, (nuint)j);
                    InverseButterfly(ref r0, ref m0, ref r1, ref m1, wc, ws);
                    InverseButterfly(ref r2, ref m2, ref r3, ref m3, wc, ws);
                    r0.StoreUnsafe(ref r, p0);
                    r1.StoreUnsafe(ref r, p1);
                    r2.StoreUnsafe(ref r, p2);
                    r3.StoreUnsafe(ref r, p3);
                    m0.StoreUnsafe(ref m, p0);
                    m1.StoreUnsafe(ref m, p1);
                    m2.StoreUnsafe(ref m, p2);
                    m3.StoreUnsafe(ref m, p3);
                }
            }
        }

        Debug.Assert(half == 2, "the tail covers the stages of distance 2 and 1");

        // Distances 2 and 1 (twiddles cos[1..2] and cos[0]).
        Vector256<double> c1 = Vector256.Create(cos), s1 = Vector256.Create(sin);
        Vector256<double> c2 = Vector256.Create(Unsafe.Add(ref cos, 1), Unsafe.Add(ref cos, 2), Unsafe.Add(ref cos, 1), Unsafe.Add(ref cos, 2));
        Vector256<double> s2 = Vector256.Create(Unsafe.Add(ref sin, 1), Unsafe.Add(ref sin, 2), Unsafe.Add(ref sin, 1), Unsafe.Add(ref sin, 2));
        for (int i = 0; i < slots; i += 8)
        {
            Vector256<double> ar = Vector256.LoadUnsafe(ref r, (nuint)i), br = Vector256.LoadUnsafe(ref r, (nuint)i + 4);
            Vector256<double> ai = Vector256.LoadUnsafe(ref m, (nuint)i), bi = Vector256.LoadUnsafe(ref m, (nuint)i + 4);
            Vector256<double> ur = Avx.Permute2x128(ar, br, 0x20), vr = Avx.Permute2x128(ar, br, 0x31); // 0 1 4 5 / 2 3 6 7
            Vector256<double> ui = Avx.Permute2x128(ai, bi, 0x20), vi = Avx.Permute2x128(ai, bi, 0x31);
            InverseButterfly(ref ur, ref ui, ref vr, ref vi, c2, s2);
            Vector256<double> xr = Avx.UnpackLow(ur, vr), yr = Avx.UnpackHigh(ur, vr); // 0 2 4 6 / 1 3 5 7
            Vector256<double> xi = Avx.UnpackLow(ui, vi), yi = Avx.UnpackHigh(ui, vi);
            InverseButterfly(ref xr, ref xi, ref yr, ref yi, c1, s1);
            Vector256<double> lr = Avx.UnpackLow(xr, yr), hr = Avx.UnpackHigh(xr, yr); // 0 1 4 5 / 2 3 6 7
            Vector256<double> li = Avx.UnpackLow(xi, yi), hi = Avx.UnpackHigh(xi, yi);
            Avx.Permute2x128(lr, hr, 0x20).StoreUnsafe(ref r, (nuint)i);
            Avx.Permute2x128(lr, hr, 0x31).StoreUnsafe(ref r, (nuint)i + 4);
            Avx.Permute2x128(li, hi, 0x20).StoreUnsafe(ref m, (nuint)i);
            Avx.Permute2x128(li, hi, 0x31).StoreUnsafe(ref m, (nuint)i + 4);
        }
    }

    /// <summary><c>v *= w; (u, v) = (u + v, u - v)</c>, as the scalar loop computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardButterfly(
        ref Vector256<double> ur, ref Vector256<double> ui, ref Vector256<double> vr, ref Vector256<double> vi, Vector256<double> c, Vector256<double> s)
    {
        Vector256<double> xr = (vr * c) - (vi * s);
        Vector256<double> xi = (vr * s) + (vi * c);
        vr = ur - xr;
        vi = ui - xi;
        ur += xr;
        ui += xi;
    }

    /// <summary><c>(u, v) = (u + v, (u - v)·conj(w))</c>, as the scalar loop computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InverseButterfly(
        ref Vector256<double> ur, ref Vector256<double> ui, ref Vector256<double> vr, ref Vector256<double> vi, Vector256<double> c, Vector256<double> s)
    {
        Vector256<double> xr = ur - vr, xi = ui - vi;
        ur += vr;
        ui += vi;
        vr = (xr * c) + (xi * s);
        vi = (xi * c) - (xr * s);
    }

    private void BitReverse(Span<double> re, Span<double> im)
    {
        for (int i = 0; i < re.Length; i++)
        {
            int r = _bitReverse[i];
            if (r > i)
            {
                (re[i], re[r]) = (re[r], re[i]);
                (im[i], im[r]) = (im[r], im[i]);
            }
        }
    }

    private static uint ReverseBits(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
        return (v >> 16) | (v << 16);
    }
}
