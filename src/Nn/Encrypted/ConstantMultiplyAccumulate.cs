using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// The throughput packing's linear-layer kernel. For a block of up to <see cref="Rows"/> output rows that share one
/// input pattern (all rows of a dense layer; the output channels at one position of a convolution), it computes
/// <c>y_r[k] = (Σ_e w[e, r] · x_e[offset + k] + bias_r) mod q</c> over a chunk of coefficients of one limb, with the
/// products summed lazily in 64 bits and reduced only every <see cref="TermsBeforeReduction"/> terms.
/// </summary>
/// <remarks>
/// Residues and weights are below q &lt; 2^31, so each product fits in 62 bits and a 64-bit lane holds the sum of
/// <c>⌊(2^63 − q)/(q − 1)²⌋</c> of them (128 for a 28-bit prime) before a Barrett reduction. Each input vector loaded
/// feeds <see cref="Rows"/> accumulators, so the kernel is bound by the multiplier, not by memory. The vector paths use
/// the 32×32→64-bit unsigned multiply of the low halves of each 64-bit lane (<c>vpmuludq</c>); the scalar path is the
/// reference and all paths give identical results (exact integer arithmetic). Primes of 31 bits or more (a wide base
/// prime) take <see cref="BlockWide"/>, a Shoup multiplication and modular addition per term.
/// </remarks>
internal static class ConstantMultiplyAccumulate
{
    /// <summary>Rows per block.</summary>
    public const int Rows = 4;

    /// <summary>Coefficients per call on the Vector256 and scalar paths (two vectors of four lanes).</summary>
    public const int Chunk256 = 8;

    /// <summary>Coefficients per call on the Vector512 path (two vectors of eight lanes).</summary>
    public const int Chunk512 = 16;

    /// <summary>The largest modulus the lazy kernel accepts (exclusive): products must fit the 32-bit multiplier.</summary>
    public const ulong MaxModulus = 1UL << 31;

    /// <summary>The chunk width for a SIMD level.</summary>
    public static int ChunkFor(SimdLevel level) => level >= SimdLevel.Vector512 && Avx512F.IsSupported ? Chunk512 : Chunk256;

    /// <summary>How many products may be summed onto a reduced value without passing 2^63.</summary>
    public static int TermsBeforeReduction(ulong q)
    {
        ulong square = (q - 1) * (q - 1);
        return square == 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, ((1UL << 63) - q) / square);
    }

    /// <summary>
    /// One block: <c>destination[r·width + k] = (Σ_e weights[e·Rows + r] · x_e[offset + k] + bias[r]) mod q</c> for
    /// <c>r &lt; Rows</c>, <c>k &lt; width</c>, where <c>x_e = inputs[columns[e]]</c> (null counts as zero) and
    /// width = <see cref="ChunkFor"/>(level) (or fewer on the scalar path). Unused rows have zero weights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Block(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ulong[]?[] inputs, int offset, ReadOnlySpan<ulong> bias, Span<ulong> destination,
        int width, Modulus q, int termsBeforeReduction, SimdLevel level)
    {
        if (width == Chunk512 && level >= SimdLevel.Vector512 && Avx512F.IsSupported)
        {
            Block512(columns, weights, inputs, offset, destination, q, termsBeforeReduction);
        }
        else if (width == Chunk256 && level >= SimdLevel.Vector256 && Avx2.IsSupported)
        {
            Block256(columns, weights, inputs, offset, destination, q, termsBeforeReduction);
        }
        else
        {
            BlockScalar(columns, weights, inputs, offset, destination[..(Rows * width)], width, q, termsBeforeReduction);
        }

        Span<ulong> all = destination[..(Rows * width)];
        ElementwiseKernels.Reduce(all, all, q, level);
        for (int r = 0; r < Rows; r++)
        {
            if (bias[r] != 0)
            {
                Span<ulong> row = destination.Slice(r * width, width);
                ElementwiseKernels.AddConstant(row, bias[r], row, q, level);
            }
        }
    }

    /// <summary>
    /// The path for primes of 31 bits or more: the same block with a Shoup multiplication and a modular addition per
    /// term (<c>weights[e·Rows + r]</c> precomputed for q).
    /// </summary>
    public static void BlockWide(
        ReadOnlySpan<int> columns, ReadOnlySpan<ShoupOperand> weights, ulong[]?[] inputs, int offset, ReadOnlySpan<ulong> bias, Span<ulong> destination,
        int width, Modulus q, SimdLevel level)
    {
        destination[..(Rows * width)].Clear();
        for (int e = 0; e < columns.Length; e++)
        {
            ulong[]? x = inputs[columns[e]];
            if (x is null)
            {
                continue;
            }

            ReadOnlySpan<ulong> source = x.AsSpan(offset, width);
            for (int r = 0; r < Rows; r++)
            {
                ShoupOperand w = weights[(e * Rows) + r];
                if (w.Value != 0)
                {
                    ElementwiseKernels.MultiplyShoupAccumulate(source, w, destination.Slice(r * width, width), q, level);
                }
            }
        }

        for (int r = 0; r < Rows; r++)
        {
            if (bias[r] != 0)
            {
                Span<ulong> row = destination.Slice(r * width, width);
                ElementwiseKernels.AddConstant(row, bias[r], row, q, level);
            }
        }
    }

    /// <summary>The scalar reference of <see cref="Block"/>'s accumulation (before the final reduction).</summary>
    internal static void BlockScalar(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ulong[]?[] inputs, int offset, Span<ulong> acc, int width, Modulus q, int termsBeforeReduction)
    {
        acc.Clear();
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
                for (int k = 0; k < acc.Length; k++)
                {
                    acc[k] = q.Reduce(acc[k]);
                }

                since = 0;
            }

            for (int r = 0; r < Rows; r++)
            {
                ulong w = weights[(e * Rows) + r];
                Span<ulong> row = acc.Slice(r * width, width);
                for (int k = 0; k < width; k++)
                {
                    row[k] += w * x[offset + k];
                }
            }

            since++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block256(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ulong[]?[] inputs, int offset, Span<ulong> destination, Modulus q, int termsBeforeReduction)
    {
        Vector256<ulong> a0 = Vector256<ulong>.Zero, a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
        ref ulong dst = ref MemoryMarshal.GetReference(destination);
        ref uint rw = ref MemoryMarshal.GetReference(weights);
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
                Store256(ref dst, a0, a1, b0, b1, c0, c1, d0, d1);
                ElementwiseKernels.Reduce(destination[..(Rows * Chunk256)], destination[..(Rows * Chunk256)], q, SimdLevel.Vector256);
                Load256(ref dst, out a0, out a1, out b0, out b1, out c0, out c1, out d0, out d1);
                since = 0;
            }

            ref ulong src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), offset);
            Vector256<uint> x0 = Vector256.LoadUnsafe(ref src).AsUInt32();
            Vector256<uint> x1 = Vector256.LoadUnsafe(ref src, 4).AsUInt32();
            ref uint we = ref Unsafe.Add(ref rw, e * Rows);
            Vector256<uint> w = Vector256.Create(we);
            a0 += Avx2.Multiply(x0, w);
            a1 += Avx2.Multiply(x1, w);
            w = Vector256.Create(Unsafe.Add(ref we, 1));
            b0 += Avx2.Multiply(x0, w);
            b1 += Avx2.Multiply(x1, w);
            w = Vector256.Create(Unsafe.Add(ref we, 2));
            c0 += Avx2.Multiply(x0, w);
            c1 += Avx2.Multiply(x1, w);
            w = Vector256.Create(Unsafe.Add(ref we, 3));
            d0 += Avx2.Multiply(x0, w);
            d1 += Avx2.Multiply(x1, w);
            since++;
        }

        Store256(ref dst, a0, a1, b0, b1, c0, c1, d0, d1);
    }

    private static void Store256(
        ref ulong d, Vector256<ulong> a0, Vector256<ulong> a1, Vector256<ulong> b0, Vector256<ulong> b1,
        Vector256<ulong> c0, Vector256<ulong> c1, Vector256<ulong> d0, Vector256<ulong> d1)
    {
        a0.StoreUnsafe(ref d, 0);
        a1.StoreUnsafe(ref d, 4);
        b0.StoreUnsafe(ref d, 8);
        b1.StoreUnsafe(ref d, 12);
        c0.StoreUnsafe(ref d, 16);
        c1.StoreUnsafe(ref d, 20);
        d0.StoreUnsafe(ref d, 24);
        d1.StoreUnsafe(ref d, 28);
    }

    private static void Load256(
        ref ulong d, out Vector256<ulong> a0, out Vector256<ulong> a1, out Vector256<ulong> b0, out Vector256<ulong> b1,
        out Vector256<ulong> c0, out Vector256<ulong> c1, out Vector256<ulong> d0, out Vector256<ulong> d1)
    {
        a0 = Vector256.LoadUnsafe(ref d, 0);
        a1 = Vector256.LoadUnsafe(ref d, 4);
        b0 = Vector256.LoadUnsafe(ref d, 8);
        b1 = Vector256.LoadUnsafe(ref d, 12);
        c0 = Vector256.LoadUnsafe(ref d, 16);
        c1 = Vector256.LoadUnsafe(ref d, 20);
        d0 = Vector256.LoadUnsafe(ref d, 24);
        d1 = Vector256.LoadUnsafe(ref d, 28);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block512(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ulong[]?[] inputs, int offset, Span<ulong> destination, Modulus q, int termsBeforeReduction)
    {
        Vector512<ulong> a0 = Vector512<ulong>.Zero, a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
        ref ulong dst = ref MemoryMarshal.GetReference(destination);
        ref uint rw = ref MemoryMarshal.GetReference(weights);
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
                Store512(ref dst, a0, a1, b0, b1, c0, c1, d0, d1);
                ElementwiseKernels.Reduce(destination[..(Rows * Chunk512)], destination[..(Rows * Chunk512)], q, SimdLevel.Vector512);
                a0 = Vector512.LoadUnsafe(ref dst, 0);
                a1 = Vector512.LoadUnsafe(ref dst, 8);
                b0 = Vector512.LoadUnsafe(ref dst, 16);
                b1 = Vector512.LoadUnsafe(ref dst, 24);
                c0 = Vector512.LoadUnsafe(ref dst, 32);
                c1 = Vector512.LoadUnsafe(ref dst, 40);
                d0 = Vector512.LoadUnsafe(ref dst, 48);
                d1 = Vector512.LoadUnsafe(ref dst, 56);
                since = 0;
            }

            ref ulong src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), offset);
            Vector512<uint> x0 = Vector512.LoadUnsafe(ref src).AsUInt32();
            Vector512<uint> x1 = Vector512.LoadUnsafe(ref src, 8).AsUInt32();
            ref uint we = ref Unsafe.Add(ref rw, e * Rows);
            Vector512<uint> w = Vector512.Create(we);
            a0 += Avx512F.Multiply(x0, w);
            a1 += Avx512F.Multiply(x1, w);
            w = Vector512.Create(Unsafe.Add(ref we, 1));
            b0 += Avx512F.Multiply(x0, w);
            b1 += Avx512F.Multiply(x1, w);
            w = Vector512.Create(Unsafe.Add(ref we, 2));
            c0 += Avx512F.Multiply(x0, w);
            c1 += Avx512F.Multiply(x1, w);
            w = Vector512.Create(Unsafe.Add(ref we, 3));
            d0 += Avx512F.Multiply(x0, w);
            d1 += Avx512F.Multiply(x1, w);
            since++;
        }

        Store512(ref dst, a0, a1, b0, b1, c0, c1, d0, d1);
    }

    private static void Store512(
        ref ulong d, Vector512<ulong> a0, Vector512<ulong> a1, Vector512<ulong> b0, Vector512<ulong> b1,
        Vector512<ulong> c0, Vector512<ulong> c1, Vector512<ulong> d0, Vector512<ulong> d1)
    {
        a0.StoreUnsafe(ref d, 0);
        a1.StoreUnsafe(ref d, 8);
        b0.StoreUnsafe(ref d, 16);
        b1.StoreUnsafe(ref d, 24);
        c0.StoreUnsafe(ref d, 32);
        c1.StoreUnsafe(ref d, 40);
        d0.StoreUnsafe(ref d, 48);
        d1.StoreUnsafe(ref d, 56);
    }
}
