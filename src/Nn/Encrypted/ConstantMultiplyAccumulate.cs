using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// The throughput packing's linear-layer kernel: <c>acc[k] += Σ_e w_e · x_e[k]</c> over the residues of one limb, with
/// the products summed lazily in 64 bits and reduced only every <see cref="TermsBeforeReduction"/> terms.
/// </summary>
/// <remarks>
/// Residues and weights are below q &lt; 2^31, so each product fits in 62 bits and a 64-bit lane holds the sum of
/// <c>⌊(2^63 − q)/(q − 1)²⌋</c> of them (2048 for a 26-bit prime) before a Barrett reduction. The vector paths use the
/// 32×32→64-bit unsigned multiply of the low halves of each 64-bit lane (<c>vpmuludq</c>); the scalar path is the
/// reference and all paths give identical results (exact integer arithmetic).
/// </remarks>
internal static class ConstantMultiplyAccumulate
{
    /// <summary>Coefficients processed together: four vectors of the widest lane count.</summary>
    public const int Chunk = 32;

    /// <summary>The largest modulus the lazy kernel accepts (exclusive): products must fit the 32-bit multiplier.</summary>
    public const ulong MaxModulus = 1UL << 31;

    /// <summary>
    /// The path for primes of 31 bits or more (a wide base prime): <c>destination[k] = (Σ_e w[e]·x_e[offset + k] + bias) mod q</c>
    /// with a Shoup multiplication and a modular addition per term.
    /// </summary>
    public static void RowWide(
        ReadOnlySpan<int> columns, ReadOnlySpan<ShoupOperand> weights, ulong[]?[] inputs, int offset, ulong bias, Span<ulong> destination,
        Modulus q, SimdLevel level)
    {
        destination.Clear();
        for (int e = 0; e < columns.Length; e++)
        {
            ulong[]? x = inputs[columns[e]];
            if (x is not null)
            {
                ElementwiseKernels.MultiplyShoupAccumulate(x.AsSpan(offset, destination.Length), weights[e], destination, q, level);
            }
        }

        if (bias != 0)
        {
            ElementwiseKernels.AddScalar(destination, bias, destination, q, level);
        }
    }

    /// <summary>How many products may be summed onto a reduced value without passing 2^63.</summary>
    public static int TermsBeforeReduction(ulong q)
    {
        ulong square = (q - 1) * (q - 1);
        return square == 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, ((1UL << 63) - q) / square);
    }

    /// <summary>
    /// <c>destination[k] = (Σ_e w[e]·x_e[offset + k] + bias) mod q</c> for <c>k &lt; destination.Length</c> (at most
    /// <see cref="Chunk"/>), where <c>x_e = inputs[columns[e]]</c>; null inputs count as zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ulong[]?[] inputs, int offset, ulong bias, Span<ulong> destination,
        Modulus q, int termsBeforeReduction, SimdLevel level)
    {
        int width = destination.Length;
        Span<ulong> acc = stackalloc ulong[Chunk];
        acc.Clear();
        int sinceReduction = 0;
        if (width == Chunk && level >= SimdLevel.Vector512 && Avx512F.IsSupported)
        {
            Row512(columns, weights, inputs, offset, acc, q, termsBeforeReduction);
        }
        else if (width == Chunk && level >= SimdLevel.Vector256 && Avx2.IsSupported)
        {
            Row256(columns, weights, inputs, offset, acc, q, termsBeforeReduction);
        }
        else
        {
            for (int e = 0; e < columns.Length; e++)
            {
                ulong[]? x = inputs[columns[e]];
                if (x is null)
                {
                    continue;
                }

                if (sinceReduction == termsBeforeReduction)
                {
                    for (int k = 0; k < width; k++)
                    {
                        acc[k] = q.Reduce(acc[k]);
                    }

                    sinceReduction = 0;
                }

                ulong w = weights[e];
                for (int k = 0; k < width; k++)
                {
                    acc[k] += w * x[offset + k];
                }

                sinceReduction++;
            }
        }

        ElementwiseKernels.Reduce(acc[..width], destination, q, level);
        if (bias != 0)
        {
            ElementwiseKernels.AddScalar(destination, bias, destination, q, level);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row256(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ulong[]?[] inputs, int offset, Span<ulong> acc, Modulus q, int termsBeforeReduction)
    {
        Vector256<ulong> a0 = Vector256<ulong>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int since = 0;
        for (int e = 0; e < columns.Length; e++)
        {
            ulong[]? x = inputs[columns[e]];
            if (x is null)
            {
                continue;
            }

            if (since == termsBeforeReduction)
            {
                ReduceAll256(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7, q);
                since = 0;
            }

            Vector256<uint> w = Vector256.Create(weights[e]);
            ref ulong src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), offset);
            a0 += Avx2.Multiply(Vector256.LoadUnsafe(ref src, 0).AsUInt32(), w);
            a1 += Avx2.Multiply(Vector256.LoadUnsafe(ref src, 4).AsUInt32(), w);
            a2 += Avx2.Multiply(Vector256.LoadUnsafe(ref src, 8).AsUInt32(), w);
            a3 += Avx2.Multiply(Vector256.LoadUnsafe(ref src, 12).AsUInt32(), w);
            a4 += Avx2.Multiply(Vector256.LoadUnsafe(ref src, 16).AsUInt32(), w);
            a5 += Avx2.Multiply(Vector256.LoadUnsafe(ref src, 20).AsUInt32(), w);
            a6 += Avx2.Multiply(Vector256.LoadUnsafe(ref src, 24).AsUInt32(), w);
            a7 += Avx2.Multiply(Vector256.LoadUnsafe(ref src, 28).AsUInt32(), w);
            since++;
        }

        ref ulong d = ref MemoryMarshal.GetReference(acc);
        a0.StoreUnsafe(ref d, 0);
        a1.StoreUnsafe(ref d, 4);
        a2.StoreUnsafe(ref d, 8);
        a3.StoreUnsafe(ref d, 12);
        a4.StoreUnsafe(ref d, 16);
        a5.StoreUnsafe(ref d, 20);
        a6.StoreUnsafe(ref d, 24);
        a7.StoreUnsafe(ref d, 28);
    }

    private static void ReduceAll256(
        ref Vector256<ulong> a0, ref Vector256<ulong> a1, ref Vector256<ulong> a2, ref Vector256<ulong> a3,
        ref Vector256<ulong> a4, ref Vector256<ulong> a5, ref Vector256<ulong> a6, ref Vector256<ulong> a7, Modulus q)
    {
        Span<ulong> t = stackalloc ulong[Chunk];
        ref ulong d = ref MemoryMarshal.GetReference(t);
        a0.StoreUnsafe(ref d, 0);
        a1.StoreUnsafe(ref d, 4);
        a2.StoreUnsafe(ref d, 8);
        a3.StoreUnsafe(ref d, 12);
        a4.StoreUnsafe(ref d, 16);
        a5.StoreUnsafe(ref d, 20);
        a6.StoreUnsafe(ref d, 24);
        a7.StoreUnsafe(ref d, 28);
        ElementwiseKernels.Reduce(t, t, q, SimdLevel.Vector256);
        a0 = Vector256.LoadUnsafe(ref d, 0);
        a1 = Vector256.LoadUnsafe(ref d, 4);
        a2 = Vector256.LoadUnsafe(ref d, 8);
        a3 = Vector256.LoadUnsafe(ref d, 12);
        a4 = Vector256.LoadUnsafe(ref d, 16);
        a5 = Vector256.LoadUnsafe(ref d, 20);
        a6 = Vector256.LoadUnsafe(ref d, 24);
        a7 = Vector256.LoadUnsafe(ref d, 28);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ulong[]?[] inputs, int offset, Span<ulong> acc, Modulus q, int termsBeforeReduction)
    {
        Vector512<ulong> a0 = Vector512<ulong>.Zero, a1 = a0, a2 = a0, a3 = a0;
        Span<ulong> t = stackalloc ulong[Chunk];
        int since = 0;
        for (int e = 0; e < columns.Length; e++)
        {
            ulong[]? x = inputs[columns[e]];
            if (x is null)
            {
                continue;
            }

            if (since == termsBeforeReduction)
            {
                ref ulong r = ref MemoryMarshal.GetReference(t);
                a0.StoreUnsafe(ref r, 0);
                a1.StoreUnsafe(ref r, 8);
                a2.StoreUnsafe(ref r, 16);
                a3.StoreUnsafe(ref r, 24);
                ElementwiseKernels.Reduce(t, t, q, SimdLevel.Vector512);
                a0 = Vector512.LoadUnsafe(ref r, 0);
                a1 = Vector512.LoadUnsafe(ref r, 8);
                a2 = Vector512.LoadUnsafe(ref r, 16);
                a3 = Vector512.LoadUnsafe(ref r, 24);
                since = 0;
            }

            Vector512<uint> w = Vector512.Create(weights[e]);
            ref ulong src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), offset);
            a0 += Avx512F.Multiply(Vector512.LoadUnsafe(ref src, 0).AsUInt32(), w);
            a1 += Avx512F.Multiply(Vector512.LoadUnsafe(ref src, 8).AsUInt32(), w);
            a2 += Avx512F.Multiply(Vector512.LoadUnsafe(ref src, 16).AsUInt32(), w);
            a3 += Avx512F.Multiply(Vector512.LoadUnsafe(ref src, 24).AsUInt32(), w);
            since++;
        }

        ref ulong d = ref MemoryMarshal.GetReference(acc);
        a0.StoreUnsafe(ref d, 0);
        a1.StoreUnsafe(ref d, 8);
        a2.StoreUnsafe(ref d, 16);
        a3.StoreUnsafe(ref d, 24);
    }
}
