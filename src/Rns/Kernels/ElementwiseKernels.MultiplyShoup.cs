using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

internal static partial class ElementwiseKernels
{
    /// <summary><c>destination[i] = (x[i] · w) mod q</c> for a precomputed operand, at the level <see cref="MultiplyShoupLevel"/> picks.</summary>
    public static void MultiplyShoup(ReadOnlySpan<ulong> x, ShoupOperand w, Span<ulong> destination, Modulus q) =>
        MultiplyShoup(x, w, destination, q, MultiplyShoupLevel);

    /// <summary><c>destination[i] = (x[i] · w) mod q</c> for a precomputed operand, at the given level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyShoup(ReadOnlySpan<ulong> x, ShoupOperand w, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        if (q.BitCount <= 32 && level != SimdLevel.Scalar)
        {
            // Three 32×32-bit products per lane instead of the ten of the emulated 64-bit Shoup product.
            MultiplyShoupNarrow(x, w.Value, Shoup32(w.Value, q), destination, q, level);
            return;
        }

        AssertLengths(x.Length, x.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vq = Vector512.Create(q.Value), vw = Vector512.Create(w.Value), vws = Vector512.Create(w.Quotient);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                ElementwiseVectorMath.MultiplyShoup(Vector512.LoadUnsafe(ref rx, (nuint)i), vw, vws, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vq = Vector256.Create(q.Value), vw = Vector256.Create(w.Value), vws = Vector256.Create(w.Quotient);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                ElementwiseVectorMath.MultiplyShoup(Vector256.LoadUnsafe(ref rx, (nuint)i), vw, vws, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        ulong value = w.Value, quotient = w.Quotient;
        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = q.MultiplyShoup(Unsafe.Add(ref rx, i), value, quotient);
        }
    }

    /// <summary><c>destination[i] = (destination[i] + x[i] · w) mod q</c> for a precomputed operand, at the level <see cref="MultiplyShoupLevel"/> picks.</summary>
    public static void MultiplyShoupAccumulate(ReadOnlySpan<ulong> x, ShoupOperand w, Span<ulong> destination, Modulus q) =>
        MultiplyShoupAccumulate(x, w, destination, q, MultiplyShoupLevel);

    /// <summary><c>destination[i] = (destination[i] + x[i] · w) mod q</c> for a precomputed operand, at the given level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyShoupAccumulate(ReadOnlySpan<ulong> x, ShoupOperand w, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            bool narrow = q.BitCount <= 32;
            Vector512<ulong> vq = Vector512.Create(q.Value), vw = Vector512.Create(w.Value), vws = Vector512.Create(narrow ? Shoup32(w.Value, q) : w.Quotient);
            for (; narrow && i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> v = Vector512.LoadUnsafe(ref rx, (nuint)i);
                Vector512<ulong> product = ElementwiseVectorMath.MultiplyShoupNarrow(v, vw, vws, vq);
                AddMod(Vector512.LoadUnsafe(ref rd, (nuint)i), product, vq).StoreUnsafe(ref rd, (nuint)i);
            }

            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> product = ElementwiseVectorMath.MultiplyShoup(Vector512.LoadUnsafe(ref rx, (nuint)i), vw, vws, vq);
                AddMod(Vector512.LoadUnsafe(ref rd, (nuint)i), product, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            bool narrow = q.BitCount <= 32;
            Vector256<ulong> vq = Vector256.Create(q.Value), vw = Vector256.Create(w.Value), vws = Vector256.Create(narrow ? Shoup32(w.Value, q) : w.Quotient);
            for (; narrow && i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> v = Vector256.LoadUnsafe(ref rx, (nuint)i);
                Vector256<ulong> product = ElementwiseVectorMath.MultiplyShoupNarrow(v, vw, vws, vq);
                AddMod(Vector256.LoadUnsafe(ref rd, (nuint)i), product, vq).StoreUnsafe(ref rd, (nuint)i);
            }

            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> product = ElementwiseVectorMath.MultiplyShoup(Vector256.LoadUnsafe(ref rx, (nuint)i), vw, vws, vq);
                AddMod(Vector256.LoadUnsafe(ref rd, (nuint)i), product, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        ulong value = w.Value, quotient = w.Quotient;
        for (; i < n; i++)
        {
            ref ulong d = ref Unsafe.Add(ref rd, i);
            d = q.Add(d, q.MultiplyShoup(Unsafe.Add(ref rx, i), value, quotient));
        }
    }

    /// <summary>The 32-bit Shoup quotient <c>floor(w·2^32/q)</c> of <c>w &lt; q &lt; 2^32</c> (for the narrow Shoup products).</summary>
    internal static ulong Shoup32(ulong w, Modulus q) => (w << 32) / q.Value;
}
