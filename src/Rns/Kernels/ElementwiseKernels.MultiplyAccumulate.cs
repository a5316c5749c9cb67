using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

internal static partial class ElementwiseKernels
{
    /// <summary><c>destination[i] = (destination[i] + x[i] · y[i]) mod q</c> at the level <see cref="MultiplyLevel"/> picks.</summary>
    public static void MultiplyAccumulate(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination, Modulus q) =>
        MultiplyAccumulate(x, y, destination, q, MultiplyLevel);

    /// <summary><c>destination[i] = (destination[i] + x[i] · y[i]) mod q</c> at the given level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyAccumulate(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(x.Length, y.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        int k = q.BitCount;
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vq = Vector512.Create(q.Value), mu = Vector512.Create(BarrettMu(q.Value, k));
            var wide = new WideMultiplier512(q, vq, mu, k);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> product = wide.Multiply(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i));
                AddMod(Vector512.LoadUnsafe(ref rd, (nuint)i), product, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vq = Vector256.Create(q.Value), mu = Vector256.Create(BarrettMu(q.Value, k));
            var wide = new WideMultiplier256(q, vq, mu, k);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> product = wide.Multiply(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i));
                AddMod(Vector256.LoadUnsafe(ref rd, (nuint)i), product, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ref ulong d = ref Unsafe.Add(ref rd, i);
            d = q.MultiplyAdd(Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i), d);
        }
    }
}
