using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

internal static partial class ElementwiseKernels
{
    /// <summary><c>destination[i] = (x[i] - y[i]) mod q</c> at <see cref="SimdCapabilities.Current"/>.</summary>
    public static void Subtract(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination, Modulus q) =>
        Subtract(x, y, destination, q, SimdCapabilities.Current);

    /// <summary><c>destination[i] = (x[i] - y[i]) mod q</c> at the given level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Subtract(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(x.Length, y.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vq = Vector512.Create(q.Value);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                SubtractMod(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i), vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vq = Vector256.Create(q.Value);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                SubtractMod(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i), vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = q.Subtract(Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i));
        }
    }
}
