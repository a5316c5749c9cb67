using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

// Lazy accumulation of products, reduced once at the end: the inner products of key switching (Σ_j x_j·y_j over the
// decomposition digits) and fast base conversion (Σ_i t_i·w_ij). Two accumulator widths:
//  - narrow: one 64-bit word per coefficient, for operands below 2^32 (one 32×32-bit multiply per product); the caller
//    keeps the sum below 2^63 (see NarrowTermLimit) and reduces it with Reduce;
//  - wide: a 128-bit pair (low, high) per coefficient, for operands below 2^62; the caller keeps the high word below
//    2^63 (at most 32 products below 2^122) and reduces it with ReduceWide.
// (Primes of 32 to 50 bits have a cheaper third form, exactly reduced products summed in doubles:
// ElementwiseKernels.FmaAccumulate.cs.)
// The sums are exact integers, so every path gives the same reduced result as the scalar reference.
internal static partial class ElementwiseKernels
{
    /// <summary>How many products of residues modulo <paramref name="q"/> (below 2^32) a narrow accumulator starting at zero can hold below 2^63.</summary>
    public static int NarrowTermLimit(Modulus q)
    {
        ulong max = q.Value - 1;
        return max == 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, (ulong)long.MaxValue / (max * max));
    }

    /// <summary>Whether residues modulo <paramref name="q"/> can use the narrow accumulators (q below 2^32, at least two products per reduction).</summary>
    public static bool IsNarrow(Modulus q) => q.BitCount <= 31;

    /// <summary><c>acc[i] += x[i]·y[i]</c> for <c>x[i], y[i] &lt; 2^32</c> (64-bit accumulator, no reduction).</summary>
    public static void MultiplyAccumulateNarrow(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> acc) =>
        MultiplyAccumulateNarrow(x, y, acc, SimdCapabilities.Current);

    /// <summary><c>acc[i] += x[i]·y[i]</c> for <c>x[i], y[i] &lt; 2^32</c>, at the given level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyAccumulateNarrow(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> acc, SimdLevel level)
    {
        AssertLengths(x.Length, y.Length, acc.Length);
        int n = acc.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong ra = ref MemoryMarshal.GetReference(acc);
        if (level == SimdLevel.Vector512)
        {
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> p = MulLo32(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i));
                (Vector512.LoadUnsafe(ref ra, (nuint)i) + p).StoreUnsafe(ref ra, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> p = MulLo32(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i));
                (Vector256.LoadUnsafe(ref ra, (nuint)i) + p).StoreUnsafe(ref ra, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ra, i) += Unsafe.Add(ref rx, i) * Unsafe.Add(ref ry, i);
        }
    }

    /// <summary><c>acc[i] += x[i]·w</c> for <c>x[i], w &lt; 2^32</c> (64-bit accumulator).</summary>
    public static void MultiplyScalarAccumulateNarrow(ReadOnlySpan<ulong> x, ulong w, Span<ulong> acc) =>
        MultiplyScalarAccumulateNarrow(x, w, acc, SimdCapabilities.Current);

    /// <summary><c>acc[i] += x[i]·w</c> for <c>x[i], w &lt; 2^32</c>, at the given level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyScalarAccumulateNarrow(ReadOnlySpan<ulong> x, ulong w, Span<ulong> acc, SimdLevel level)
    {
        AssertLengths(x.Length, x.Length, acc.Length);
        int n = acc.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ra = ref MemoryMarshal.GetReference(acc);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vw = Vector512.Create(w);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                (Vector512.LoadUnsafe(ref ra, (nuint)i) + MulLo32(Vector512.LoadUnsafe(ref rx, (nuint)i), vw)).StoreUnsafe(ref ra, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vw = Vector256.Create(w);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                (Vector256.LoadUnsafe(ref ra, (nuint)i) + MulLo32(Vector256.LoadUnsafe(ref rx, (nuint)i), vw)).StoreUnsafe(ref ra, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ra, i) += Unsafe.Add(ref rx, i) * w;
        }
    }

    /// <summary><c>(high:low)[i] += x[i]·y[i]</c> for <c>x[i], y[i] &lt; 2^62</c> (128-bit accumulator).</summary>
    public static void MultiplyAccumulateWide(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> low, Span<ulong> high) =>
        MultiplyAccumulateWide(x, y, low, high, SimdCapabilities.Current);

    /// <summary><c>(high:low)[i] += x[i]·y[i]</c> for <c>x[i], y[i] &lt; 2^62</c>, at the given level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyAccumulateWide(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> low, Span<ulong> high, SimdLevel level)
    {
        AssertLengths(x.Length, y.Length, low.Length);
        AssertLengths(low.Length, low.Length, high.Length);
        int n = low.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rl = ref MemoryMarshal.GetReference(low);
        ref ulong rh = ref MemoryMarshal.GetReference(high);
        if (level == SimdLevel.Vector512)
        {
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> pl = MulWide(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i), out Vector512<ulong> ph);
                AccumulateWide(ref rl, ref rh, i, pl, ph);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> pl = MulWide(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i), out Vector256<ulong> ph);
                AccumulateWide(ref rl, ref rh, i, pl, ph);
            }
        }

        for (; i < n; i++)
        {
            AccumulateWideScalar(ref Unsafe.Add(ref rl, i), ref Unsafe.Add(ref rh, i), Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i));
        }
    }

    /// <summary><c>(high:low)[i] += x[i]·w</c> for <c>x[i], w &lt; 2^62</c> (128-bit accumulator).</summary>
    public static void MultiplyScalarAccumulateWide(ReadOnlySpan<ulong> x, ulong w, Span<ulong> low, Span<ulong> high) =>
        MultiplyScalarAccumulateWide(x, w, low, high, SimdCapabilities.Current);

    /// <summary><c>(high:low)[i] += x[i]·w</c> for <c>x[i], w &lt; 2^62</c>, at the given level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyScalarAccumulateWide(ReadOnlySpan<ulong> x, ulong w, Span<ulong> low, Span<ulong> high, SimdLevel level)
    {
        AssertLengths(x.Length, x.Length, low.Length);
        AssertLengths(low.Length, low.Length, high.Length);
        int n = low.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rl = ref MemoryMarshal.GetReference(low);
        ref ulong rh = ref MemoryMarshal.GetReference(high);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vw = Vector512.Create(w);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> pl = MulWide(Vector512.LoadUnsafe(ref rx, (nuint)i), vw, out Vector512<ulong> ph);
                AccumulateWide(ref rl, ref rh, i, pl, ph);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vw = Vector256.Create(w);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> pl = MulWide(Vector256.LoadUnsafe(ref rx, (nuint)i), vw, out Vector256<ulong> ph);
                AccumulateWide(ref rl, ref rh, i, pl, ph);
            }
        }

        for (; i < n; i++)
        {
            AccumulateWideScalar(ref Unsafe.Add(ref rl, i), ref Unsafe.Add(ref rh, i), Unsafe.Add(ref rx, i), w);
        }
    }

    /// <summary><c>destination[i] = (high:low)[i] mod q</c> for <c>high[i] &lt; 2^63</c>.</summary>
    public static void ReduceWide(ReadOnlySpan<ulong> low, ReadOnlySpan<ulong> high, Span<ulong> destination, Modulus q) =>
        ReduceWide(low, high, destination, q, SimdCapabilities.Current);

    /// <summary>
    /// <c>destination[i] = (high:low)[i] mod q</c> for <c>high[i] &lt; 2^63</c>, at the given level:
    /// <c>high·(2^64 mod q)</c> by a Shoup product plus <c>low mod q</c> by Barrett, each in <c>[0, 2q)</c>, then two
    /// conditional subtractions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void ReduceWide(ReadOnlySpan<ulong> low, ReadOnlySpan<ulong> high, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(low.Length, high.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rl = ref MemoryMarshal.GetReference(low);
        ref ulong rh = ref MemoryMarshal.GetReference(high);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            i = ReduceWide512(ref rl, ref rh, ref rd, n, q);
        }
        else if (level == SimdLevel.Vector256)
        {
            i = ReduceWide256(ref rl, ref rh, ref rd, n, q);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = q.Reduce(Unsafe.Add(ref rh, i), Unsafe.Add(ref rl, i));
        }
    }

    /// <summary><c>2^64 mod q</c> and its Shoup quotient.</summary>
    private static (ulong Value, ulong Shoup) TwoTo64(Modulus q)
    {
        ulong r64 = (ulong)(((UInt128)1 << 64) % q.Value);
        return (r64, (ulong)(((UInt128)r64 << 64) / q.Value));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int ReduceWide256(ref ulong rl, ref ulong rh, ref ulong rd, int n, Modulus q)
    {
        (ulong r64, ulong r64Shoup) = TwoTo64(q);
        Vector256<ulong> vq = Vector256.Create(q.Value), twoQ = Vector256.Create(2 * q.Value);
        Vector256<ulong> r = Vector256.Create(r64), rs = Vector256.Create(r64Shoup), ratio = Vector256.Create(q.BarrettRatio64);
        int i = 0;
        for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
        {
            Vector256<ulong> h = Vector256.LoadUnsafe(ref rh, (nuint)i), l = Vector256.LoadUnsafe(ref rl, (nuint)i);
            Vector256<ulong> a = MulLow(h, r) - MulLow(MulHigh(h, rs), vq);
            Vector256<ulong> b = l - MulLow(MulHigh(ratio, l), vq);
            ReduceOnce(ReduceOnce(a + b, twoQ), vq).StoreUnsafe(ref rd, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int ReduceWide512(ref ulong rl, ref ulong rh, ref ulong rd, int n, Modulus q)
    {
        (ulong r64, ulong r64Shoup) = TwoTo64(q);
        Vector512<ulong> vq = Vector512.Create(q.Value), twoQ = Vector512.Create(2 * q.Value);
        Vector512<ulong> r = Vector512.Create(r64), rs = Vector512.Create(r64Shoup), ratio = Vector512.Create(q.BarrettRatio64);
        int i = 0;
        for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
        {
            Vector512<ulong> h = Vector512.LoadUnsafe(ref rh, (nuint)i), l = Vector512.LoadUnsafe(ref rl, (nuint)i);
            Vector512<ulong> a = MulLow(h, r) - MulLow(MulHigh(h, rs), vq);
            Vector512<ulong> b = l - MulLow(MulHigh(ratio, l), vq);
            ReduceOnce(ReduceOnce(a + b, twoQ), vq).StoreUnsafe(ref rd, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateWide(ref ulong rl, ref ulong rh, int i, Vector256<ulong> pl, Vector256<ulong> ph)
    {
        Vector256<ulong> sum = Vector256.LoadUnsafe(ref rl, (nuint)i) + pl;
        Vector256<ulong> carry = Vector256.LessThan(sum, pl); // all ones (= -1) where the low word wrapped
        sum.StoreUnsafe(ref rl, (nuint)i);
        (Vector256.LoadUnsafe(ref rh, (nuint)i) + ph - carry).StoreUnsafe(ref rh, (nuint)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateWide(ref ulong rl, ref ulong rh, int i, Vector512<ulong> pl, Vector512<ulong> ph)
    {
        Vector512<ulong> sum = Vector512.LoadUnsafe(ref rl, (nuint)i) + pl;
        Vector512<ulong> carry = Vector512.LessThan(sum, pl);
        sum.StoreUnsafe(ref rl, (nuint)i);
        (Vector512.LoadUnsafe(ref rh, (nuint)i) + ph - carry).StoreUnsafe(ref rh, (nuint)i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateWideScalar(ref ulong low, ref ulong high, ulong x, ulong y)
    {
        ulong productHigh = Math.BigMul(x, y, out ulong productLow);
        ulong sum = low + productLow;
        high += productHigh + (sum < productLow ? 1UL : 0UL);
        low = sum;
    }

}
