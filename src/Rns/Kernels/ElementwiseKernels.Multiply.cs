using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

internal static partial class ElementwiseKernels
{
    /// <summary><c>destination[i] = (x[i] · y[i]) mod q</c> at the level <see cref="MultiplyLevel"/> picks.</summary>
    public static void Multiply(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination, Modulus q) =>
        Multiply(x, y, destination, q, MultiplyLevel);

    /// <summary><c>destination[i] = (x[i] · y[i]) mod q</c> at the given level.</summary>
    /// <remarks>Vector paths: a 32-bit Barrett step below 2^31, <see cref="WideMultiplier256"/> above (the floating-point product up to 50 bits, else Barrett with an emulated 128-bit product).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Multiply(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(x.Length, y.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        int k = q.BitCount;
        if (IsNarrow(q) && level != SimdLevel.Scalar)
        {
            i = MultiplyNarrow(ref rx, ref ry, ref rd, n, q, level);
        }
        else if (level == SimdLevel.Vector512)
        {
            var wide = new WideMultiplier512(q, Vector512.Create(q.Value), Vector512.Create(BarrettMu(q.Value, k)), k);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                wide.Multiply(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            var wide = new WideMultiplier256(q, Vector256.Create(q.Value), Vector256.Create(BarrettMu(q.Value, k)), k);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                wide.Multiply(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = q.Multiply(Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i));
        }
    }

    /// <summary>The vector part of <see cref="Multiply(ReadOnlySpan{ulong}, ReadOnlySpan{ulong}, Span{ulong}, Modulus, SimdLevel)"/> for <c>q &lt; 2^31</c>: one 32×32-bit product and a 32-bit Barrett step; returns the first index left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int MultiplyNarrow(ref ulong rx, ref ulong ry, ref ulong rd, int n, Modulus q, SimdLevel level)
    {
        int i = 0;
        if (level == SimdLevel.Vector512)
        {
            var shortBarrett = new ShortBarrett512(q);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                shortBarrett.Reduce(MulLo32(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i))).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else
        {
            var shortBarrett = new ShortBarrett256(q);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                shortBarrett.Reduce(MulLo32(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i))).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        return i;
    }
}
