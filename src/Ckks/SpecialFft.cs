using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
        bool vector = SimdCapabilities.Current != SimdLevel.Scalar && Vector256.IsHardwareAccelerated;
        for (int len = 2; len <= Slots; len <<= 1)
        {
            int half = len >> 1;
            ReadOnlySpan<double> cos = _cos.AsSpan(half - 1, half);
            ReadOnlySpan<double> sin = _sin.AsSpan(half - 1, half);
            for (int i = 0; i < Slots; i += len)
            {
                Span<double> ur = re.Slice(i, half), ui = im.Slice(i, half);
                Span<double> vr = re.Slice(i + half, half), vi = im.Slice(i + half, half);
                int j = 0;
                if (vector && half >= Vector256<double>.Count)
                {
                    j = ForwardButterfliesVector(ur, ui, vr, vi, cos, sin);
                }

                for (; j < half; j++)
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Inverse(Span<double> re, Span<double> im)
    {
        Debug.Assert(re.Length == Slots && im.Length == Slots, "spans must hold Slots values");
        bool vector = SimdCapabilities.Current != SimdLevel.Scalar && Vector256.IsHardwareAccelerated;
        for (int len = Slots; len >= 2; len >>= 1)
        {
            int half = len >> 1;
            ReadOnlySpan<double> cos = _cos.AsSpan(half - 1, half);
            ReadOnlySpan<double> sin = _sin.AsSpan(half - 1, half);
            for (int i = 0; i < Slots; i += len)
            {
                Span<double> ur = re.Slice(i, half), ui = im.Slice(i, half);
                Span<double> vr = re.Slice(i + half, half), vi = im.Slice(i + half, half);
                int j = 0;
                if (vector && half >= Vector256<double>.Count)
                {
                    j = InverseButterfliesVector(ur, ui, vr, vi, cos, sin);
                }

                for (; j < half; j++)
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

        BitReverse(re, im);
        double scale = 1.0 / Slots;
        for (int i = 0; i < re.Length; i++)
        {
            re[i] *= scale;
            im[i] *= scale;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ForwardButterfliesVector(
        Span<double> ur, Span<double> ui, Span<double> vr, Span<double> vi, ReadOnlySpan<double> cos, ReadOnlySpan<double> sin)
    {
        ref double pur = ref MemoryMarshal.GetReference(ur);
        ref double pui = ref MemoryMarshal.GetReference(ui);
        ref double pvr = ref MemoryMarshal.GetReference(vr);
        ref double pvi = ref MemoryMarshal.GetReference(vi);
        ref double pc = ref MemoryMarshal.GetReference(cos);
        ref double ps = ref MemoryMarshal.GetReference(sin);
        int count = ur.Length & ~(Vector256<double>.Count - 1);
        for (int j = 0; j < count; j += Vector256<double>.Count)
        {
            var c = Vector256.LoadUnsafe(ref pc, (nuint)j);
            var s = Vector256.LoadUnsafe(ref ps, (nuint)j);
            var cr = Vector256.LoadUnsafe(ref pvr, (nuint)j);
            var ci = Vector256.LoadUnsafe(ref pvi, (nuint)j);
            var xr = (cr * c) - (ci * s);
            var xi = (cr * s) + (ci * c);
            var a = Vector256.LoadUnsafe(ref pur, (nuint)j);
            var b = Vector256.LoadUnsafe(ref pui, (nuint)j);
            (a + xr).StoreUnsafe(ref pur, (nuint)j);
            (b + xi).StoreUnsafe(ref pui, (nuint)j);
            (a - xr).StoreUnsafe(ref pvr, (nuint)j);
            (b - xi).StoreUnsafe(ref pvi, (nuint)j);
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int InverseButterfliesVector(
        Span<double> ur, Span<double> ui, Span<double> vr, Span<double> vi, ReadOnlySpan<double> cos, ReadOnlySpan<double> sin)
    {
        ref double pur = ref MemoryMarshal.GetReference(ur);
        ref double pui = ref MemoryMarshal.GetReference(ui);
        ref double pvr = ref MemoryMarshal.GetReference(vr);
        ref double pvi = ref MemoryMarshal.GetReference(vi);
        ref double pc = ref MemoryMarshal.GetReference(cos);
        ref double ps = ref MemoryMarshal.GetReference(sin);
        int count = ur.Length & ~(Vector256<double>.Count - 1);
        for (int j = 0; j < count; j += Vector256<double>.Count)
        {
            var c = Vector256.LoadUnsafe(ref pc, (nuint)j);
            var s = Vector256.LoadUnsafe(ref ps, (nuint)j);
            var a = Vector256.LoadUnsafe(ref pur, (nuint)j);
            var b = Vector256.LoadUnsafe(ref pui, (nuint)j);
            var cr = Vector256.LoadUnsafe(ref pvr, (nuint)j);
            var ci = Vector256.LoadUnsafe(ref pvi, (nuint)j);
            (a + cr).StoreUnsafe(ref pur, (nuint)j);
            (b + ci).StoreUnsafe(ref pui, (nuint)j);
            var xr = a - cr;
            var xi = b - ci;
            ((xr * c) + (xi * s)).StoreUnsafe(ref pvr, (nuint)j);
            ((xi * c) - (xr * s)).StoreUnsafe(ref pvi, (nuint)j);
        }

        return count;
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
