using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

internal static partial class ElementwiseKernels
{
    /// <summary><c>destination[i] = (x[i] + c) mod q</c> at <see cref="SimdCapabilities.Current"/> (the CKKS branch has the same kernel as <c>AddScalar</c>; this name avoids a merge clash).</summary>
    public static void AddConstant(ReadOnlySpan<ulong> x, ulong c, Span<ulong> destination, Modulus q) =>
        AddConstant(x, c, destination, q, SimdCapabilities.Current);

    /// <summary><c>destination[i] = (x[i] + c) mod q</c> at the given level; <c>c</c> must be below <c>q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddConstant(ReadOnlySpan<ulong> x, ulong c, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vq = Vector512.Create(q.Value), vc = Vector512.Create(c);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                AddMod(Vector512.LoadUnsafe(ref rx, (nuint)i), vc, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vq = Vector256.Create(q.Value), vc = Vector256.Create(c);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                AddMod(Vector256.LoadUnsafe(ref rx, (nuint)i), vc, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = q.Add(Unsafe.Add(ref rx, i), c);
        }
    }
}
