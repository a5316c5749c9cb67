using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
