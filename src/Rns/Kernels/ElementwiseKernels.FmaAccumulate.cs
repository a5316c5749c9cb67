using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Arithmetic;

namespace CkksRns.Rns.Kernels;

// Lazy sums of exact modular products in doubles, for primes of 32 to 50 bits (the "wide" primes below 2^50): the key-
// switching inner product Σ_j x_j·(b_j, a_j) over the digits. Each product x·y (x, y < q) is reduced to an exact
// representative r in (-q, q) with double-precision FMAs (the argument of FmaModMultiplier256: h = fl(x·y),
// l = fma(x, y, -h), c = round(h·fl(1/q)) within 0.875 of x·y/q, r = fma(-c, q, h) + l exactly), and the r are summed as
// doubles. A sum of at most FmaTermLimit(q) of them stays below 2^53 in magnitude, so every partial sum is an exact
// integer; the caller folds (FoldFmaSums) or reduces (ReduceFmaSums) before that. Against the 128-bit integer sums
// (MultiplyAccumulatePairWide: four 32×32-bit multiplies and a carry per product on AVX2) this is five floating-point
// operations per product, and the sums take one word per coefficient instead of two. Every path performs the same
// operations in the same order and the reductions return canonical residues, so the results are bit-identical to the
// scalar path and to the integer sums.
internal static partial class ElementwiseKernels
{
    private const ulong DoubleBiasBits = 0x4330_0000_0000_0000UL; // the bit pattern of 2^52

    /// <summary>
    /// Whether products modulo <paramref name="q"/> can be summed with <see cref="MultiplyAccumulatePairFma"/>: a prime of
    /// 32 to 50 bits (narrow primes have cheaper integer sums) on hardware with FMA.
    /// </summary>
    public static bool IsFmaAccumulable(Modulus q) => !IsNarrow(q) && q.BitCount <= FmaModMultiplier256.MaxBitCount && Fma.IsSupported;

    /// <summary>How many products modulo <paramref name="q"/> (each in <c>(-q, q)</c>) a floating-point sum can hold with every partial sum below <c>2^53</c>.</summary>
    public static int FmaTermLimit(Modulus q) => (int)Math.Min(int.MaxValue, (1UL << 53) / q.Value);

    /// <summary>
    /// One digit of the key-switching inner product in doubles: <c>sum0[i] += r(x[i]·b[i])</c> and
    /// <c>sum1[i] += r(x[i]·a[i])</c>, where <c>r(v)</c> is an exact representative of <c>v mod q</c> in <c>(-q, q)</c>,
    /// or <c>=</c> when <paramref name="overwrite"/> is set. Requires <c>x[i], b[i], a[i] &lt; q &lt; 2^50</c> (not checked)
    /// and at most <see cref="FmaTermLimit"/> terms per sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyAccumulatePairFma(
        ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> b, ReadOnlySpan<ulong> a, Span<double> sum0, Span<double> sum1, Modulus q, bool overwrite, SimdLevel level)
    {
        AssertLengths(x.Length, b.Length, sum0.Length);
        AssertLengths(a.Length, sum1.Length, sum0.Length);
        int n = sum0.Length, i = 0;
        double qd = q.Value, inverse = 1.0 / q.Value;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rb = ref MemoryMarshal.GetReference(b);
        ref ulong ra = ref MemoryMarshal.GetReference(a);
        ref double r0 = ref MemoryMarshal.GetReference(sum0);
        ref double r1 = ref MemoryMarshal.GetReference(sum1);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> biasBits = Vector512.Create(DoubleBiasBits);
            Vector512<double> bias = biasBits.AsDouble(), vq = Vector512.Create(qd), vinv = Vector512.Create(inverse);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<double> v = (Vector512.LoadUnsafe(ref rx, (nuint)i) | biasBits).AsDouble() - bias;
                Vector512<double> yb = (Vector512.LoadUnsafe(ref rb, (nuint)i) | biasBits).AsDouble() - bias;
                Vector512<double> ya = (Vector512.LoadUnsafe(ref ra, (nuint)i) | biasBits).AsDouble() - bias;
                Vector512<double> hb = v * yb, ha = v * ya;
                Vector512<double> lb = Vector512.FusedMultiplyAdd(v, yb, -hb), la = Vector512.FusedMultiplyAdd(v, ya, -ha);
                Vector512<double> pb = Vector512.FusedMultiplyAdd(-Vector512.Round(hb * vinv), vq, hb) + lb;
                Vector512<double> pa = Vector512.FusedMultiplyAdd(-Vector512.Round(ha * vinv), vq, ha) + la;
                if (!overwrite)
                {
                    pb = Vector512.LoadUnsafe(ref r0, (nuint)i) + pb;
                    pa = Vector512.LoadUnsafe(ref r1, (nuint)i) + pa;
                }

                pb.StoreUnsafe(ref r0, (nuint)i);
                pa.StoreUnsafe(ref r1, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> biasBits = Vector256.Create(DoubleBiasBits);
            Vector256<double> bias = biasBits.AsDouble(), vq = Vector256.Create(qd), vinv = Vector256.Create(inverse);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<double> v = (Vector256.LoadUnsafe(ref rx, (nuint)i) | biasBits).AsDouble() - bias;
                Vector256<double> yb = (Vector256.LoadUnsafe(ref rb, (nuint)i) | biasBits).AsDouble() - bias;
                Vector256<double> ya = (Vector256.LoadUnsafe(ref ra, (nuint)i) | biasBits).AsDouble() - bias;
                Vector256<double> hb = v * yb, ha = v * ya;
                Vector256<double> lb = Vector256.FusedMultiplyAdd(v, yb, -hb), la = Vector256.FusedMultiplyAdd(v, ya, -ha);
                Vector256<double> pb = Vector256.FusedMultiplyAdd(-Vector256.Round(hb * vinv), vq, hb) + lb;
                Vector256<double> pa = Vector256.FusedMultiplyAdd(-Vector256.Round(ha * vinv), vq, ha) + la;
                if (!overwrite)
                {
                    pb = Vector256.LoadUnsafe(ref r0, (nuint)i) + pb;
                    pa = Vector256.LoadUnsafe(ref r1, (nuint)i) + pa;
                }

                pb.StoreUnsafe(ref r0, (nuint)i);
                pa.StoreUnsafe(ref r1, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            double v = Unsafe.Add(ref rx, i), yb = Unsafe.Add(ref rb, i), ya = Unsafe.Add(ref ra, i);
            double pb = FmaProductScalar(v, yb, qd, inverse), pa = FmaProductScalar(v, ya, qd, inverse);
            Unsafe.Add(ref r0, i) = overwrite ? pb : Unsafe.Add(ref r0, i) + pb;
            Unsafe.Add(ref r1, i) = overwrite ? pa : Unsafe.Add(ref r1, i) + pa;
        }
    }

    /// <summary>
    /// Folds floating-point sums back to one term each: <c>sums[i]</c> becomes an exact representative of the same residue
    /// modulo <paramref name="q"/> in <c>(-q, q)</c>. Requires exact integer sums below <c>2^53</c> in magnitude.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void FoldFmaSums(Span<double> sums, Modulus q, SimdLevel level)
    {
        int n = sums.Length, i = 0;
        double qd = q.Value, inverse = 1.0 / q.Value;
        ref double rs = ref MemoryMarshal.GetReference(sums);
        if (level == SimdLevel.Vector512)
        {
            Vector512<double> vq = Vector512.Create(qd), vinv = Vector512.Create(inverse);
            for (; i <= n - Vector512<double>.Count; i += Vector512<double>.Count)
            {
                Vector512<double> s = Vector512.LoadUnsafe(ref rs, (nuint)i);
                Vector512.FusedMultiplyAdd(-Vector512.Round(s * vinv), vq, s).StoreUnsafe(ref rs, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<double> vq = Vector256.Create(qd), vinv = Vector256.Create(inverse);
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                Vector256<double> s = Vector256.LoadUnsafe(ref rs, (nuint)i);
                Vector256.FusedMultiplyAdd(-Vector256.Round(s * vinv), vq, s).StoreUnsafe(ref rs, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            double s = Unsafe.Add(ref rs, i);
            Unsafe.Add(ref rs, i) = Math.FusedMultiplyAdd(-Math.Round(s * inverse), qd, s);
        }
    }

    /// <summary>
    /// <c>destination[i] = sums[i] mod q</c> in <c>[0, q)</c>, for exact integer sums below <c>2^53</c> in magnitude
    /// (from <see cref="MultiplyAccumulatePairFma"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void ReduceFmaSums(ReadOnlySpan<double> sums, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(sums.Length, sums.Length, destination.Length);
        int n = destination.Length, i = 0;
        double qd = q.Value, inverse = 1.0 / q.Value;
        ref double rs = ref MemoryMarshal.GetReference(sums);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> biasBits = Vector512.Create(DoubleBiasBits);
            Vector512<double> bias = biasBits.AsDouble(), vq = Vector512.Create(qd), vinv = Vector512.Create(inverse);
            for (; i <= n - Vector512<double>.Count; i += Vector512<double>.Count)
            {
                Vector512<double> s = Vector512.LoadUnsafe(ref rs, (nuint)i);
                Vector512<double> r = Vector512.FusedMultiplyAdd(-Vector512.Round(s * vinv), vq, s);
                r = Vector512.ConditionalSelect(Vector512.LessThan(r, Vector512<double>.Zero), r + vq, r);
                ((r + bias).AsUInt64() ^ biasBits).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> biasBits = Vector256.Create(DoubleBiasBits);
            Vector256<double> bias = biasBits.AsDouble(), vq = Vector256.Create(qd), vinv = Vector256.Create(inverse);
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                Vector256<double> s = Vector256.LoadUnsafe(ref rs, (nuint)i);
                Vector256<double> r = Vector256.FusedMultiplyAdd(-Vector256.Round(s * vinv), vq, s);
                r = Vector256.ConditionalSelect(Vector256.LessThan(r, Vector256<double>.Zero), r + vq, r);
                ((r + bias).AsUInt64() ^ biasBits).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            double s = Unsafe.Add(ref rs, i);
            double r = Math.FusedMultiplyAdd(-Math.Round(s * inverse), qd, s);
            Unsafe.Add(ref rd, i) = (ulong)(r < 0 ? r + qd : r);
        }
    }

    /// <summary>The scalar form of the lane product: an exact representative of <c>x·y mod q</c> in <c>(-q, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double FmaProductScalar(double x, double y, double q, double inverse)
    {
        double h = x * y;
        double l = Math.FusedMultiplyAdd(x, y, -h);
        return Math.FusedMultiplyAdd(-Math.Round(h * inverse), q, h) + l;
    }
}
