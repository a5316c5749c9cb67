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

    /// <summary>Coefficients gathered per input at once (four cache lines; 845 inputs then take 216 KB, within a 512 KB L2), processed as several kernel chunks.</summary>
    public const int GatherWidth = 32;

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
    /// One block: <c>destination[r·width + k] = (Σ_e weights[e·Rows + r] · x[columns[e]·stride + k] + bias[r]) mod q</c>
    /// for <c>r &lt; Rows</c>, <c>k &lt; width</c>, where <paramref name="gathered"/> holds the inputs' coefficients
    /// contiguously, <paramref name="stride"/> apart (see <see cref="Gather"/>), and width = <see cref="ChunkFor"/>(level)
    /// (or fewer on the scalar path). Unused rows have zero weights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Block(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> gathered, int stride, ReadOnlySpan<ulong> bias, Span<ulong> destination,
        int width, Modulus q, int termsBeforeReduction, SimdLevel level)
    {
        if (width == Chunk512 && level >= SimdLevel.Vector512 && Avx512F.IsSupported)
        {
            Block512(columns, weights, gathered, stride, destination, q, termsBeforeReduction);
        }
        else if (width == Chunk256 && level >= SimdLevel.Vector256 && Avx2.IsSupported)
        {
            Block256(columns, weights, gathered, stride, destination, q, termsBeforeReduction);
        }
        else
        {
            BlockScalar(columns, weights, gathered, stride, destination[..(Rows * width)], width, q, termsBeforeReduction);
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
    /// Copies coefficients <c>[offset, offset + width)</c> of every input into <paramref name="gathered"/>, input i at
    /// <c>i·stride</c> (zeros for null inputs). The polynomials of different ciphertexts sit a power of two apart in memory, so reading them
    /// in place maps every input to the same cache sets; the contiguous copy is read once and then stays in L1/L2 for
    /// all the blocks that use it.
    /// </summary>
    public static void Gather(ulong[]?[] inputs, int offset, int width, int stride, Span<ulong> gathered)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            Span<ulong> target = gathered.Slice(i * stride, width);
            if (inputs[i] is ulong[] x)
            {
                x.AsSpan(offset, width).CopyTo(target);
            }
            else
            {
                target.Clear();
            }
        }
    }

    /// <summary>
    /// The path for primes of 31 bits or more: the same block with a Shoup multiplication and a modular addition per
    /// term (<c>weights[e·Rows + r]</c> precomputed for q).
    /// </summary>
    public static void BlockWide(
        ReadOnlySpan<int> columns, ReadOnlySpan<ShoupOperand> weights, ReadOnlySpan<ulong> gathered, int stride, ReadOnlySpan<ulong> bias, Span<ulong> destination,
        int width, Modulus q, SimdLevel level)
    {
        destination[..(Rows * width)].Clear();
        for (int e = 0; e < columns.Length; e++)
        {
            ReadOnlySpan<ulong> source = gathered.Slice(columns[e] * stride, width);
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

    /// <summary>Bits in the low half of a split residue (see <see cref="BlockSplit"/>).</summary>
    public const int SplitBits = 21;

    /// <summary>The largest modulus the split kernel accepts (exclusive): both halves of a residue must fit 21 bits.</summary>
    public const ulong MaxSplitModulus = 1UL << (2 * SplitBits);

    /// <summary>Terms the split kernel sums before folding its sums (each term adds less than 2^44 to the middle sum).</summary>
    public const int SplitTermsBeforeReduction = 1 << 19;

    /// <summary>
    /// As <see cref="Gather"/>, for <see cref="BlockSplit"/>: each residue x is written as its low <see cref="SplitBits"/>
    /// bits to <paramref name="low"/> and the rest to <paramref name="high"/>.
    /// </summary>
    public static void GatherSplit(ulong[]?[] inputs, int offset, int width, int stride, Span<ulong> low, Span<ulong> high)
    {
        const ulong Mask = (1UL << SplitBits) - 1;
        for (int i = 0; i < inputs.Length; i++)
        {
            Span<ulong> lo = low.Slice(i * stride, width), hi = high.Slice(i * stride, width);
            if (inputs[i] is ulong[] x)
            {
                ReadOnlySpan<ulong> source = x.AsSpan(offset, width);
                for (int k = 0; k < source.Length; k++)
                {
                    lo[k] = source[k] & Mask;
                    hi[k] = source[k] >> SplitBits;
                }
            }
            else
            {
                lo.Clear();
                hi.Clear();
            }
        }
    }

    /// <summary>Splits a residue below <see cref="MaxSplitModulus"/> into the (low, high) halves <see cref="BlockSplit"/> expects.</summary>
    public static (uint Low, uint High) Split(ulong residue) => ((uint)(residue & ((1UL << SplitBits) - 1)), (uint)(residue >> SplitBits));

    /// <summary>
    /// The block of <see cref="Block"/> for primes of 31 to 42 bits (the wide first prime of a chain). With residues and
    /// weights split as <c>x = x0 + 2^21·x1</c>, <c>w = w0 + 2^21·w1</c> (all halves below 2^21), the kernel sums
    /// <c>x0·w0</c>, <c>x0·w1 + x1·w0</c> and <c>x1·w1</c> lazily in 64-bit lanes with the same 32×32→64-bit multiply
    /// as the narrow kernel (four products per term instead of one, but no modular reduction per term) and combines them
    /// as <c>lo + 2^21·mid + 2^42·hi mod q</c> at the end. <paramref name="weights"/> holds <c>(w0, w1)</c> of term e,
    /// row r at <c>2·(e·Rows + r)</c>; <paramref name="low"/> and <paramref name="high"/> come from <see cref="GatherSplit"/>.
    /// All paths give identical results (exact integer arithmetic).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BlockSplit(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> low, ReadOnlySpan<ulong> high, int stride, ReadOnlySpan<ulong> bias,
        Span<ulong> destination, int width, Modulus q, SimdLevel level)
    {
        if (q.Value >= MaxSplitModulus)
        {
            throw new ArgumentOutOfRangeException(nameof(q), q.Value, $"The split kernel needs a modulus below 2^{2 * SplitBits}.");
        }

        Span<ulong> sums = stackalloc ulong[3 * Rows * Chunk512];
        Span<ulong> lo = sums[..(Rows * width)], mid = sums.Slice(Rows * width, Rows * width), hi = sums.Slice(2 * Rows * width, Rows * width);
        sums.Clear();
        bool v512 = width == Chunk512 && level >= SimdLevel.Vector512 && Avx512F.IsSupported;
        bool v256 = width == Chunk256 && level >= SimdLevel.Vector256 && Avx2.IsSupported;
        for (int e = 0; e < columns.Length;)
        {
            int end = (int)Math.Min(columns.Length, (long)e + SplitTermsBeforeReduction);
            ReadOnlySpan<int> segment = columns[e..end];
            ReadOnlySpan<uint> w = weights[(2 * e * Rows)..(2 * end * Rows)];
            if (v512)
            {
                for (int half = 0; half < width; half += 8)
                {
                    SegmentSplit512(segment, w, ref Unsafe.AsRef(in low[half]), ref Unsafe.AsRef(in high[half]), stride, sums, half, width);
                }
            }
            else if (v256)
            {
                for (int half = 0; half < width; half += 4)
                {
                    SegmentSplit256(segment, w, ref Unsafe.AsRef(in low[half]), ref Unsafe.AsRef(in high[half]), stride, sums, half, width);
                }
            }
            else
            {
                SegmentSplitScalar(segment, w, low, high, stride, lo, mid, hi, width);
            }

            e = end;
            if (e < columns.Length)
            {
                for (int i = 0; i < lo.Length; i++)
                {
                    lo[i] = q.Reduce(lo[i]);
                    mid[i] = q.Reduce(mid[i]);
                    hi[i] = q.Reduce(hi[i]);
                }
            }
        }

        ShoupOperand shift1 = q.CreateShoupOperand(q.Reduce(1UL << SplitBits));
        ShoupOperand shift2 = q.CreateShoupOperand(q.Reduce(1UL << (2 * SplitBits)));
        for (int r = 0; r < Rows; r++)
        {
            for (int k = 0; k < width; k++)
            {
                int i = (r * width) + k;
                ulong value = q.Add(q.Reduce(lo[i]), q.MultiplyShoup(q.Reduce(mid[i]), shift1));
                value = q.Add(value, q.MultiplyShoup(q.Reduce(hi[i]), shift2));
                destination[i] = q.Add(value, bias[r]);
            }
        }
    }

    private static void SegmentSplitScalar(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> low, ReadOnlySpan<ulong> high, int stride,
        Span<ulong> lo, Span<ulong> mid, Span<ulong> hi, int width)
    {
        for (int e = 0; e < columns.Length; e++)
        {
            ReadOnlySpan<ulong> x0 = low.Slice(columns[e] * stride, width), x1 = high.Slice(columns[e] * stride, width);
            for (int r = 0; r < Rows; r++)
            {
                ulong w0 = weights[2 * ((e * Rows) + r)], w1 = weights[(2 * ((e * Rows) + r)) + 1];
                for (int k = 0; k < width; k++)
                {
                    int i = (r * width) + k;
                    lo[i] += x0[k] * w0;
                    mid[i] += (x0[k] * w1) + (x1[k] * w0);
                    hi[i] += x1[k] * w1;
                }
            }
        }
    }

    /// <summary>Four coefficients (lanes <paramref name="half"/>..+3) of the four rows: twelve sums in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SegmentSplit256(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ref ulong low, ref ulong high, int stride, Span<ulong> sums, int half, int width)
    {
        ref ulong s = ref MemoryMarshal.GetReference(sums);
        int plane = Rows * width;
        Vector256<ulong> l0 = Vector256.LoadUnsafe(ref s, (nuint)half), l1 = Vector256.LoadUnsafe(ref s, (nuint)(width + half));
        Vector256<ulong> l2 = Vector256.LoadUnsafe(ref s, (nuint)((2 * width) + half)), l3 = Vector256.LoadUnsafe(ref s, (nuint)((3 * width) + half));
        Vector256<ulong> m0 = Vector256.LoadUnsafe(ref s, (nuint)(plane + half)), m1 = Vector256.LoadUnsafe(ref s, (nuint)(plane + width + half));
        Vector256<ulong> m2 = Vector256.LoadUnsafe(ref s, (nuint)(plane + (2 * width) + half)), m3 = Vector256.LoadUnsafe(ref s, (nuint)(plane + (3 * width) + half));
        Vector256<ulong> h0 = Vector256.LoadUnsafe(ref s, (nuint)((2 * plane) + half)), h1 = Vector256.LoadUnsafe(ref s, (nuint)((2 * plane) + width + half));
        Vector256<ulong> h2 = Vector256.LoadUnsafe(ref s, (nuint)((2 * plane) + (2 * width) + half)), h3 = Vector256.LoadUnsafe(ref s, (nuint)((2 * plane) + (3 * width) + half));
        ref uint rw = ref MemoryMarshal.GetReference(weights);
        ref int rc = ref MemoryMarshal.GetReference(columns);
        for (int e = 0; e < columns.Length; e++)
        {
            nint at = (nint)Unsafe.Add(ref rc, e) * stride;
            Vector256<uint> x0 = Vector256.LoadUnsafe(ref Unsafe.Add(ref low, at)).AsUInt32();
            Vector256<uint> x1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref high, at)).AsUInt32();
            ref uint we = ref Unsafe.Add(ref rw, e * 2 * Rows);
            Vector256<uint> w0 = Vector256.Create(we), w1 = Vector256.Create(Unsafe.Add(ref we, 1));
            l0 += Avx2.Multiply(x0, w0);
            m0 += Avx2.Multiply(x0, w1) + Avx2.Multiply(x1, w0);
            h0 += Avx2.Multiply(x1, w1);
            w0 = Vector256.Create(Unsafe.Add(ref we, 2));
            w1 = Vector256.Create(Unsafe.Add(ref we, 3));
            l1 += Avx2.Multiply(x0, w0);
            m1 += Avx2.Multiply(x0, w1) + Avx2.Multiply(x1, w0);
            h1 += Avx2.Multiply(x1, w1);
            w0 = Vector256.Create(Unsafe.Add(ref we, 4));
            w1 = Vector256.Create(Unsafe.Add(ref we, 5));
            l2 += Avx2.Multiply(x0, w0);
            m2 += Avx2.Multiply(x0, w1) + Avx2.Multiply(x1, w0);
            h2 += Avx2.Multiply(x1, w1);
            w0 = Vector256.Create(Unsafe.Add(ref we, 6));
            w1 = Vector256.Create(Unsafe.Add(ref we, 7));
            l3 += Avx2.Multiply(x0, w0);
            m3 += Avx2.Multiply(x0, w1) + Avx2.Multiply(x1, w0);
            h3 += Avx2.Multiply(x1, w1);
        }

        l0.StoreUnsafe(ref s, (nuint)half);
        l1.StoreUnsafe(ref s, (nuint)(width + half));
        l2.StoreUnsafe(ref s, (nuint)((2 * width) + half));
        l3.StoreUnsafe(ref s, (nuint)((3 * width) + half));
        m0.StoreUnsafe(ref s, (nuint)(plane + half));
        m1.StoreUnsafe(ref s, (nuint)(plane + width + half));
        m2.StoreUnsafe(ref s, (nuint)(plane + (2 * width) + half));
        m3.StoreUnsafe(ref s, (nuint)(plane + (3 * width) + half));
        h0.StoreUnsafe(ref s, (nuint)((2 * plane) + half));
        h1.StoreUnsafe(ref s, (nuint)((2 * plane) + width + half));
        h2.StoreUnsafe(ref s, (nuint)((2 * plane) + (2 * width) + half));
        h3.StoreUnsafe(ref s, (nuint)((2 * plane) + (3 * width) + half));
    }

    /// <summary>As <see cref="SegmentSplit256"/>, with eight-lane vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SegmentSplit512(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ref ulong low, ref ulong high, int stride, Span<ulong> sums, int half, int width)
    {
        ref ulong s = ref MemoryMarshal.GetReference(sums);
        int plane = Rows * width;
        Vector512<ulong> l0 = Vector512.LoadUnsafe(ref s, (nuint)half), l1 = Vector512.LoadUnsafe(ref s, (nuint)(width + half));
        Vector512<ulong> l2 = Vector512.LoadUnsafe(ref s, (nuint)((2 * width) + half)), l3 = Vector512.LoadUnsafe(ref s, (nuint)((3 * width) + half));
        Vector512<ulong> m0 = Vector512.LoadUnsafe(ref s, (nuint)(plane + half)), m1 = Vector512.LoadUnsafe(ref s, (nuint)(plane + width + half));
        Vector512<ulong> m2 = Vector512.LoadUnsafe(ref s, (nuint)(plane + (2 * width) + half)), m3 = Vector512.LoadUnsafe(ref s, (nuint)(plane + (3 * width) + half));
        Vector512<ulong> h0 = Vector512.LoadUnsafe(ref s, (nuint)((2 * plane) + half)), h1 = Vector512.LoadUnsafe(ref s, (nuint)((2 * plane) + width + half));
        Vector512<ulong> h2 = Vector512.LoadUnsafe(ref s, (nuint)((2 * plane) + (2 * width) + half)), h3 = Vector512.LoadUnsafe(ref s, (nuint)((2 * plane) + (3 * width) + half));
        ref uint rw = ref MemoryMarshal.GetReference(weights);
        ref int rc = ref MemoryMarshal.GetReference(columns);
        for (int e = 0; e < columns.Length; e++)
        {
            nint at = (nint)Unsafe.Add(ref rc, e) * stride;
            Vector512<uint> x0 = Vector512.LoadUnsafe(ref Unsafe.Add(ref low, at)).AsUInt32();
            Vector512<uint> x1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref high, at)).AsUInt32();
            ref uint we = ref Unsafe.Add(ref rw, e * 2 * Rows);
            Vector512<uint> w0 = Vector512.Create(we), w1 = Vector512.Create(Unsafe.Add(ref we, 1));
            l0 += Avx512F.Multiply(x0, w0);
            m0 += Avx512F.Multiply(x0, w1) + Avx512F.Multiply(x1, w0);
            h0 += Avx512F.Multiply(x1, w1);
            w0 = Vector512.Create(Unsafe.Add(ref we, 2));
            w1 = Vector512.Create(Unsafe.Add(ref we, 3));
            l1 += Avx512F.Multiply(x0, w0);
            m1 += Avx512F.Multiply(x0, w1) + Avx512F.Multiply(x1, w0);
            h1 += Avx512F.Multiply(x1, w1);
            w0 = Vector512.Create(Unsafe.Add(ref we, 4));
            w1 = Vector512.Create(Unsafe.Add(ref we, 5));
            l2 += Avx512F.Multiply(x0, w0);
            m2 += Avx512F.Multiply(x0, w1) + Avx512F.Multiply(x1, w0);
            h2 += Avx512F.Multiply(x1, w1);
            w0 = Vector512.Create(Unsafe.Add(ref we, 6));
            w1 = Vector512.Create(Unsafe.Add(ref we, 7));
            l3 += Avx512F.Multiply(x0, w0);
            m3 += Avx512F.Multiply(x0, w1) + Avx512F.Multiply(x1, w0);
            h3 += Avx512F.Multiply(x1, w1);
        }

        l0.StoreUnsafe(ref s, (nuint)half);
        l1.StoreUnsafe(ref s, (nuint)(width + half));
        l2.StoreUnsafe(ref s, (nuint)((2 * width) + half));
        l3.StoreUnsafe(ref s, (nuint)((3 * width) + half));
        m0.StoreUnsafe(ref s, (nuint)(plane + half));
        m1.StoreUnsafe(ref s, (nuint)(plane + width + half));
        m2.StoreUnsafe(ref s, (nuint)(plane + (2 * width) + half));
        m3.StoreUnsafe(ref s, (nuint)(plane + (3 * width) + half));
        h0.StoreUnsafe(ref s, (nuint)((2 * plane) + half));
        h1.StoreUnsafe(ref s, (nuint)((2 * plane) + width + half));
        h2.StoreUnsafe(ref s, (nuint)((2 * plane) + (2 * width) + half));
        h3.StoreUnsafe(ref s, (nuint)((2 * plane) + (3 * width) + half));
    }

    /// <summary>The scalar reference of <see cref="Block"/>'s accumulation (before the final reduction).</summary>
    internal static void BlockScalar(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> gathered, int stride, Span<ulong> acc, int width, Modulus q, int termsBeforeReduction)
    {
        acc.Clear();
        int since = 0;
        for (int e = 0; e < columns.Length; e++)
        {
            ReadOnlySpan<ulong> x = gathered.Slice(columns[e] * stride, width);
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
                    row[k] += w * x[k];
                }
            }

            since++;
        }
    }

    /// <summary>Runs the columns in segments short enough for the lazy sums, reducing between segments.</summary>
    private static void Block256(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> gathered, int stride, Span<ulong> destination, Modulus q, int termsBeforeReduction)
    {
        Span<ulong> acc = destination[..(Rows * Chunk256)];
        acc.Clear();
        for (int e = 0; e < columns.Length;)
        {
            int end = (int)Math.Min(columns.Length, (long)e + termsBeforeReduction);
            Segment256(columns[e..end], weights[(e * Rows)..(end * Rows)], ref MemoryMarshal.GetReference(gathered), stride, ref MemoryMarshal.GetReference(acc));
            e = end;
            if (e < columns.Length)
            {
                ElementwiseKernels.Reduce(acc, acc, q, SimdLevel.Vector256);
            }
        }
    }

    /// <summary>The inner loop: eight accumulators in registers, no calls.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Segment256(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ref ulong gathered, int stride, ref ulong acc)
    {
        Vector256<ulong> a0 = Vector256.LoadUnsafe(ref acc, 0), a1 = Vector256.LoadUnsafe(ref acc, 4);
        Vector256<ulong> b0 = Vector256.LoadUnsafe(ref acc, 8), b1 = Vector256.LoadUnsafe(ref acc, 12);
        Vector256<ulong> c0 = Vector256.LoadUnsafe(ref acc, 16), c1 = Vector256.LoadUnsafe(ref acc, 20);
        Vector256<ulong> d0 = Vector256.LoadUnsafe(ref acc, 24), d1 = Vector256.LoadUnsafe(ref acc, 28);
        ref uint rw = ref MemoryMarshal.GetReference(weights);
        ref int rc = ref MemoryMarshal.GetReference(columns);
        for (int e = 0; e < columns.Length; e++)
        {
            ref ulong src = ref Unsafe.Add(ref gathered, (nint)Unsafe.Add(ref rc, e) * stride);
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
        }

        a0.StoreUnsafe(ref acc, 0);
        a1.StoreUnsafe(ref acc, 4);
        b0.StoreUnsafe(ref acc, 8);
        b1.StoreUnsafe(ref acc, 12);
        c0.StoreUnsafe(ref acc, 16);
        c1.StoreUnsafe(ref acc, 20);
        d0.StoreUnsafe(ref acc, 24);
        d1.StoreUnsafe(ref acc, 28);
    }

    /// <summary>As <see cref="Block256"/>, with eight-lane vectors.</summary>
    private static void Block512(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> gathered, int stride, Span<ulong> destination, Modulus q, int termsBeforeReduction)
    {
        Span<ulong> acc = destination[..(Rows * Chunk512)];
        acc.Clear();
        for (int e = 0; e < columns.Length;)
        {
            int end = (int)Math.Min(columns.Length, (long)e + termsBeforeReduction);
            Segment512(columns[e..end], weights[(e * Rows)..(end * Rows)], ref MemoryMarshal.GetReference(gathered), stride, ref MemoryMarshal.GetReference(acc));
            e = end;
            if (e < columns.Length)
            {
                ElementwiseKernels.Reduce(acc, acc, q, SimdLevel.Vector512);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Segment512(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ref ulong gathered, int stride, ref ulong acc)
    {
        Vector512<ulong> a0 = Vector512.LoadUnsafe(ref acc, 0), a1 = Vector512.LoadUnsafe(ref acc, 8);
        Vector512<ulong> b0 = Vector512.LoadUnsafe(ref acc, 16), b1 = Vector512.LoadUnsafe(ref acc, 24);
        Vector512<ulong> c0 = Vector512.LoadUnsafe(ref acc, 32), c1 = Vector512.LoadUnsafe(ref acc, 40);
        Vector512<ulong> d0 = Vector512.LoadUnsafe(ref acc, 48), d1 = Vector512.LoadUnsafe(ref acc, 56);
        ref uint rw = ref MemoryMarshal.GetReference(weights);
        ref int rc = ref MemoryMarshal.GetReference(columns);
        for (int e = 0; e < columns.Length; e++)
        {
            ref ulong src = ref Unsafe.Add(ref gathered, (nint)Unsafe.Add(ref rc, e) * stride);
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
        }

        a0.StoreUnsafe(ref acc, 0);
        a1.StoreUnsafe(ref acc, 8);
        b0.StoreUnsafe(ref acc, 16);
        b1.StoreUnsafe(ref acc, 24);
        c0.StoreUnsafe(ref acc, 32);
        c1.StoreUnsafe(ref acc, 40);
        d0.StoreUnsafe(ref acc, 48);
        d1.StoreUnsafe(ref acc, 56);
    }
}
