using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

// Kernels added for the CKKS layer (rescaling, key-switching ModDown, Galois-permuted products). Same contract as the others:
// inputs fully reduced unless stated, outputs in [0, q), every path bit-identical to the scalar one.
internal static partial class ElementwiseKernels
{
    /// <summary><c>destination[i] = x[i] mod q</c> for any <c>x[i] &lt; 2^63</c> (for example residues of another prime).</summary>
    public static void Reduce(ReadOnlySpan<ulong> x, Span<ulong> destination, Modulus q) =>
        Reduce(x, destination, q, SimdCapabilities.Current);

    /// <summary><c>destination[i] = x[i] mod q</c> for any <c>x[i] &lt; 2^63</c>, at the given level (Barrett with <c>floor(2^64/q)</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Reduce(ReadOnlySpan<ulong> x, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vq = Vector512.Create(q.Value), ratio = Vector512.Create(q.BarrettRatio64);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> v = Vector512.LoadUnsafe(ref rx, (nuint)i);
                Vector512<ulong> r = v - MulLow(MulHigh(v, ratio), vq);
                ReduceOnce(r, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vq = Vector256.Create(q.Value), ratio = Vector256.Create(q.BarrettRatio64);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> v = Vector256.LoadUnsafe(ref rx, (nuint)i);
                Vector256<ulong> r = v - MulLow(MulHigh(v, ratio), vq);
                ReduceOnce(r, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = q.Reduce(Unsafe.Add(ref rx, i));
        }
    }

    /// <summary><c>destination[i] = ((x[i] - y[i]) · w) mod q</c> for a precomputed operand <c>w</c>.</summary>
    public static void SubtractMultiplyShoup(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ShoupOperand w, Span<ulong> destination, Modulus q) =>
        SubtractMultiplyShoup(x, y, w, destination, q, SimdCapabilities.Current);

    /// <summary><c>destination[i] = ((x[i] - y[i]) · w) mod q</c> for a precomputed operand <c>w</c>, at the given level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void SubtractMultiplyShoup(
        ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ShoupOperand w, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        if (q.BitCount <= 32 && level != SimdLevel.Scalar)
        {
            // The rescale's last pass: the 32-bit Shoup product (three 32×32-bit multiplies per lane instead of ten).
            SubtractMultiplyShoupInto(x, y, w, Shoup32(w.Value, q), destination, q, accumulate: false, level);
            return;
        }

        AssertLengths(x.Length, y.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vq = Vector512.Create(q.Value), vw = Vector512.Create(w.Value), vws = Vector512.Create(w.Quotient);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> d = SubtractMod(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i), vq);
                ElementwiseVectorMath.MultiplyShoup(d, vw, vws, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vq = Vector256.Create(q.Value);
            var product = new ShoupMultiplier256(q, w);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> d = SubtractMod(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i), vq);
                product.Multiply(d).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        ulong value = w.Value, quotient = w.Quotient;
        for (; i < n; i++)
        {
            ulong d = q.Subtract(Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i));
            Unsafe.Add(ref rd, i) = q.MultiplyShoup(d, value, quotient);
        }
    }

    /// <summary>
    /// <c>destination[i] = c(x[i]) mod p</c> where <c>c(x)</c> is the centred representative of a residue modulo another
    /// prime <c>q</c>: <c>x</c> if <c>x ≤ (q-1)/2</c>, else <c>x - q</c>. This is the exact (centred) base conversion from
    /// a single prime, used when a key-switching digit or the special modulus is one prime.
    /// </summary>
    public static void ReduceCentered(ReadOnlySpan<ulong> x, ulong q, Span<ulong> destination, Modulus p) =>
        ReduceCentered(x, q, destination, p, SimdCapabilities.Current);

    /// <summary>The centred single-prime conversion at the given level; <c>x[i] &lt; q &lt; 2^61</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void ReduceCentered(ReadOnlySpan<ulong> x, ulong q, Span<ulong> destination, Modulus p, SimdLevel level)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        ulong half = q >> 1, qModP = p.Reduce(q);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vp = Vector512.Create(p.Value), ratio = Vector512.Create(p.BarrettRatio64);
            Vector512<ulong> vhalf = Vector512.Create(half), vqp = Vector512.Create(qModP);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> v = Vector512.LoadUnsafe(ref rx, (nuint)i);
                Vector512<ulong> r = ReduceOnce(v - MulLow(MulHigh(v, ratio), vp), vp);
                Vector512<ulong> negative = Vector512.GreaterThan(v, vhalf);
                SubtractMod(r, vqp & negative, vp).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vp = Vector256.Create(p.Value), ratio = Vector256.Create(p.BarrettRatio64);
            Vector256<ulong> vhalf = Vector256.Create(half), vqp = Vector256.Create(qModP);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> v = Vector256.LoadUnsafe(ref rx, (nuint)i);
                Vector256<ulong> r = ReduceOnce(v - MulLow(MulHigh(v, ratio), vp), vp);
                Vector256<ulong> negative = Vector256.GreaterThan(v.AsInt64(), vhalf.AsInt64()).AsUInt64();
                SubtractMod(r, vqp & negative, vp).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong v = Unsafe.Add(ref rx, i);
            ulong r = p.Reduce(v);
            Unsafe.Add(ref rd, i) = v > half ? p.Subtract(r, qModP) : r;
        }
    }
}
