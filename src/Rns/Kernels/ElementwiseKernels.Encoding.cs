using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

// Kernels for CKKS encoding: signed integer coefficients to residues.
internal static partial class ElementwiseKernels
{
    /// <summary>
    /// <c>destination[i] = values[i] mod q</c> in <c>[0, q)</c> for signed <c>|values[i]| &lt; 2^62</c> (the rounded
    /// coefficients of an encoding): the magnitude is reduced, then negated for negative values, without branches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void ReduceSigned(ReadOnlySpan<long> values, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(values.Length, values.Length, destination.Length);
        int start = level == SimdLevel.Vector512 ? ReduceSignedVector512(values, destination, q)
            : level == SimdLevel.Vector256 ? ReduceSignedVector256(values, destination, q) : 0;
        ReduceSignedScalar(values, destination, q, start);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int ReduceSignedVector512(ReadOnlySpan<long> values, Span<ulong> destination, Modulus q)
    {
        int n = destination.Length, i = 0;
        ref long rv = ref MemoryMarshal.GetReference(values);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        Vector512<ulong> vq = Vector512.Create(q.Value), ratio = Vector512.Create(q.BarrettRatio64);
        for (; i <= n - Vector512<long>.Count; i += Vector512<long>.Count)
        {
            Vector512<long> v = Vector512.LoadUnsafe(ref rv, (nuint)i);
            Vector512<long> negative = Vector512.GreaterThan(Vector512<long>.Zero, v);
            Vector512<ulong> magnitude = ((v ^ negative) - negative).AsUInt64();
            Vector512<ulong> r = ReduceOnce(magnitude - MulLow(MulHigh(magnitude, ratio), vq), vq);
            Vector512.ConditionalSelect(negative.AsUInt64(), NegateMod(r, vq), r).StoreUnsafe(ref rd, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int ReduceSignedVector256(ReadOnlySpan<long> values, Span<ulong> destination, Modulus q)
    {
        int n = destination.Length, i = 0;
        ref long rv = ref MemoryMarshal.GetReference(values);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        Vector256<ulong> vq = Vector256.Create(q.Value), ratio = Vector256.Create(q.BarrettRatio64);
        for (; i <= n - Vector256<long>.Count; i += Vector256<long>.Count)
        {
            Vector256<long> v = Vector256.LoadUnsafe(ref rv, (nuint)i);
            Vector256<long> negative = Vector256.GreaterThan(Vector256<long>.Zero, v);
            Vector256<ulong> magnitude = ((v ^ negative) - negative).AsUInt64();
            Vector256<ulong> r = ReduceOnce(magnitude - MulLow(MulHigh(magnitude, ratio), vq), vq);
            Vector256.ConditionalSelect(negative.AsUInt64(), NegateMod(r, vq), r).StoreUnsafe(ref rd, (nuint)i);
        }

        return i;
    }

    /// <summary>The bound below which <see cref="ReduceSignedSmall"/> takes its floating-point path: <c>|values[i]| &lt; 2^51</c>.</summary>
    public const long SmallSignedLimit = 1L << 51;

    /// <summary>
    /// As <see cref="ReduceSigned"/> for values of magnitude below <see cref="SmallSignedLimit"/> (an encoding whose
    /// largest coefficient the caller has checked): on Vector256 with FMA and primes below <c>2^51</c>, each value is
    /// converted to a double exactly (the <c>1.5·2^52</c> bias), <c>c = round(v·fl(1/q))</c> is within <c>1/2 + 2^-1/q</c>
    /// of <c>v/q</c>, so <c>fma(-c, q, v)</c> is an integer of magnitude below q, computed exactly, and one conditional
    /// addition of q gives the residue: about 9 vector instructions per 4 values against about 25 for the 64-bit
    /// Barrett reduction of the magnitude. Same residues as <see cref="ReduceSigned"/>; other levels and wider primes
    /// use it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void ReduceSignedSmall(ReadOnlySpan<long> values, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        if (level != SimdLevel.Vector256 || !Fma.IsSupported || q.BitCount > 51)
        {
            ReduceSigned(values, destination, q, level);
            return;
        }

        AssertLengths(values.Length, values.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref long rv = ref MemoryMarshal.GetReference(values);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        Vector256<long> signedBias = Vector256.Create(0x4338_0000_0000_0000L); // the bits of 1.5·2^52
        Vector256<double> signedBiasValue = Vector256.Create(6755399441055744.0);
        Vector256<ulong> biasBits = Vector256.Create(0x4330_0000_0000_0000UL); // the bits of 2^52
        Vector256<double> bias = biasBits.AsDouble(), vq = Vector256.Create((double)q.Value), inverse = Vector256.Create(1.0 / q.Value);
        for (; i <= n - Vector256<long>.Count; i += Vector256<long>.Count)
        {
            Vector256<double> v = (Vector256.LoadUnsafe(ref rv, (nuint)i) + signedBias).AsDouble() - signedBiasValue;
            Vector256<double> r = Fma.MultiplyAddNegated(Vector256.Round(v * inverse), vq, v);
            r = Vector256.ConditionalSelect(Vector256.LessThan(r, Vector256<double>.Zero), r + vq, r);
            ((r + bias).AsUInt64() ^ biasBits).StoreUnsafe(ref rd, (nuint)i);
        }

        ReduceSignedScalar(values, destination, q, i);
    }

    /// <summary>
    /// <c>destination[i] = values[i] mod q</c> in <c>[0, q)</c> for integers given as doubles of magnitude below both
    /// <c>2q</c> and <c>2^51</c> (not checked): the magnitude is converted exactly (the <c>2^52</c> bias) and reduced once,
    /// and negative values give <c>q - |v| mod q</c> (then 0 for <c>|v| = q</c>). The vector and scalar paths agree bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void ResiduesOfSmallIntegers(ReadOnlySpan<double> values, Span<ulong> destination, ulong q, SimdLevel level)
    {
        AssertLengths(values.Length, values.Length, destination.Length);
        int n = destination.Length, i = 0;
        if (level != SimdLevel.Scalar)
        {
            ref double rv = ref MemoryMarshal.GetReference(values);
            ref ulong rd = ref MemoryMarshal.GetReference(destination);
            Vector256<ulong> biasBits = Vector256.Create(0x4330_0000_0000_0000UL); // the bits of 2^52
            Vector256<double> bias = biasBits.AsDouble();
            Vector256<ulong> vq = Vector256.Create(q);
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                Vector256<double> v = Vector256.LoadUnsafe(ref rv, (nuint)i);
                Vector256<ulong> magnitude = ReduceOnce((Vector256.Abs(v) + bias).AsUInt64() ^ biasBits, vq);
                ReduceOnce(Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<double>.Zero).AsUInt64(), vq - magnitude, magnitude), vq)
                    .StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            long v = (long)values[i] % (long)q;
            destination[i] = v < 0 ? (ulong)(v + (long)q) : (ulong)v;
        }
    }

    /// <summary>
    /// <c>destination[i]</c> = the centred remainder of <c>r[i]</c> modulo <c>q</c> as a double: <c>r</c> for
    /// <c>r ≤ (q-1)/2</c>, else <c>r - q</c>, for residues <c>r &lt; q &lt; 2^52</c> (exact). The vector and scalar paths
    /// agree bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void CentredRemainders(ReadOnlySpan<ulong> r, ulong q, Span<double> destination, SimdLevel level)
    {
        AssertLengths(r.Length, r.Length, destination.Length);
        int n = destination.Length, i = 0;
        ulong half = q >> 1;
        if (level != SimdLevel.Scalar)
        {
            ref ulong rr = ref MemoryMarshal.GetReference(r);
            ref double rd = ref MemoryMarshal.GetReference(destination);
            Vector256<ulong> biasBits = Vector256.Create(0x4330_0000_0000_0000UL); // the bits of 2^52
            Vector256<double> bias = biasBits.AsDouble(), vq = Vector256.Create((double)q), vhalf = Vector256.Create((double)half);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<double> v = (Vector256.LoadUnsafe(ref rr, (nuint)i) | biasBits).AsDouble() - bias;
                (v - Vector256.ConditionalSelect(Vector256.GreaterThan(v, vhalf), vq, Vector256<double>.Zero)).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong v = r[i];
            destination[i] = v > half ? -(double)(q - v) : v;
        }
    }

    /// <summary>
    /// <c>destination[i]</c> = the centred remainder of <c>r[i]</c> modulo <c>q</c> minus the small integer <c>e[i]</c>, as
    /// a double (exact for <c>q &lt; 2^52</c> and <c>|e[i]| &lt; 2^31</c>): the public-key encryption's ModDown input with
    /// its error removed. The vector and scalar paths agree bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void CentredRemaindersMinusSmall(ReadOnlySpan<ulong> r, ulong q, ReadOnlySpan<int> e, Span<double> destination, SimdLevel level)
    {
        AssertLengths(r.Length, e.Length, destination.Length);
        int n = destination.Length, i = 0;
        ulong half = q >> 1;
        if (level != SimdLevel.Scalar && Avx.IsSupported)
        {
            ref ulong rr = ref MemoryMarshal.GetReference(r);
            ref int re = ref MemoryMarshal.GetReference(e);
            ref double rd = ref MemoryMarshal.GetReference(destination);
            Vector256<ulong> biasBits = Vector256.Create(0x4330_0000_0000_0000UL); // the bits of 2^52
            Vector256<double> bias = biasBits.AsDouble(), vq = Vector256.Create((double)q), vhalf = Vector256.Create((double)half);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<double> v = (Vector256.LoadUnsafe(ref rr, (nuint)i) | biasBits).AsDouble() - bias;
                Vector256<double> small = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref re, (nuint)i));
                (v - Vector256.ConditionalSelect(Vector256.GreaterThan(v, vhalf), vq, Vector256<double>.Zero) - small).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong v = r[i];
            destination[i] = (v > half ? -(double)(q - v) : v) - e[i];
        }
    }

    private static void ReduceSignedScalar(ReadOnlySpan<long> values, Span<ulong> destination, Modulus q, int start)
    {
        for (int i = start; i < destination.Length; i++)
        {
            long v = values[i];
            ulong magnitude = q.Reduce(v < 0 ? (ulong)-(v + 1) + 1 : (ulong)v);
            ulong mask = (ulong)(v >> 63);
            destination[i] = (q.Negate(magnitude) & mask) | (magnitude & ~mask);
        }
    }
}
