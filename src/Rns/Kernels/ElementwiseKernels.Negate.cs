using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

internal static partial class ElementwiseKernels
{
    /// <summary><c>destination[i] = (-x[i]) mod q</c> at <see cref="SimdCapabilities.Current"/>.</summary>
    public static void Negate(ReadOnlySpan<ulong> x, Span<ulong> destination, Modulus q) =>
        Negate(x, destination, q, SimdCapabilities.Current);

    /// <summary><c>destination[i] = (-x[i]) mod q</c> at the given level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Negate(ReadOnlySpan<ulong> x, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vq = Vector512.Create(q.Value);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                NegateMod(Vector512.LoadUnsafe(ref rx, (nuint)i), vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vq = Vector256.Create(q.Value);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                NegateMod(Vector256.LoadUnsafe(ref rx, (nuint)i), vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = q.Negate(Unsafe.Add(ref rx, i));
        }
    }
}
