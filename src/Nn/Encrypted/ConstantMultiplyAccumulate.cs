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
/// <c>y_r[offset + k] = (Σ_e w[e, r] · x_e[offset + k] + bias_r) mod q</c> over a run of coefficients of one limb,
/// with the products summed lazily in 64 bits and reduced only every <see cref="TermsBeforeReduction"/> terms, and
/// writes the reduced results straight into the output rows.
/// </summary>
/// <remarks>
/// Residues and weights are below q &lt; 2^31, so each product fits in 62 bits and a 64-bit lane holds the sum of
/// <c>⌊(2^63 − q)/(q − 1)²⌋</c> of them (128 for a 28-bit prime) before a Barrett reduction. Each input vector loaded
/// feeds <see cref="Rows"/> accumulators held in registers for a whole chunk of coefficients; the reductions and the
/// bias happen in registers too, so a short row (a convolution's 25 terms) does not pay for passes over memory. The vector paths use
/// the 32×32→64-bit unsigned multiply of the low halves of each 64-bit lane (<c>vpmuludq</c>); the scalar path is the
/// reference and all paths give identical results (exact integer arithmetic). Primes of 31 bits or more (a wide base
/// prime) take <see cref="BlockWide"/>, a Shoup multiplication and modular addition per term.
/// </remarks>
internal static class ConstantMultiplyAccumulate
{
    /// <summary>Rows per block (five: the output channels of the MNIST models' convolutions, and a divisor of their dense widths).</summary>
    public const int Rows = 5;

    /// <summary>Coefficients per vector chunk on the Vector256 path (two vectors of four lanes per row).</summary>
    public const int Chunk256 = 8;

    /// <summary>Coefficients per vector chunk on the Vector512 path (two vectors of eight lanes per row).</summary>
    public const int Chunk512 = 16;

    /// <summary>Coefficients gathered per input at once (four cache lines; 845 inputs then take 216 KB, within a 512 KB L2).</summary>
    public const int GatherWidth = 32;

    /// <summary>The largest modulus the lazy kernel accepts (exclusive): products must fit the 32-bit multiplier.</summary>
    public const ulong MaxModulus = 1UL << 31;

    /// <summary>Bits in the low half of a split residue (see <see cref="BlockSplit"/>).</summary>
    public const int SplitBits = 21;

    /// <summary>The largest modulus the split kernel accepts (exclusive): both halves of a residue must fit 21 bits.</summary>
    public const ulong MaxSplitModulus = 1UL << (2 * SplitBits);

    /// <summary>Terms the split kernel sums before folding its sums (each term adds less than 2^44 to the middle sum).</summary>
    public const int SplitTermsBeforeReduction = 1 << 19;

    /// <summary>Terms the signed split kernel sums before reducing: each product is below 2^52 in magnitude, so 1023 of them and a reduced value stay below 2^62.</summary>
    public const int SignedSplitTermsBeforeReduction = 1023;

    /// <summary>Rows the split kernel keeps in registers at once (three rows of three sums; a block takes a pass of three rows and one of two).</summary>
    private const int SplitPassRows = 3;

    /// <summary>The vector chunk width for a SIMD level (the scalar path takes any width).</summary>
    public static int ChunkFor(SimdLevel level) => level >= SimdLevel.Vector512 && Avx512F.IsSupported ? Chunk512 : Chunk256;

    /// <summary>How many products may be summed onto a reduced value without passing 2^63.</summary>
    public static int TermsBeforeReduction(ulong q)
    {
        ulong square = (q - 1) * (q - 1);
        return square == 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, ((1UL << 63) - q) / square);
    }

    /// <summary>
    /// One block: <c>outputs[rows[r]][offset + k] = (Σ_e weights[e·Rows + r] · gathered[columns[e]·stride + k] + bias[r]) mod q</c>
    /// for <c>r &lt; rows.Length</c> (at most <see cref="Rows"/>; the weights of missing rows are ignored) and
    /// <c>k &lt; width</c> (any width up to <paramref name="stride"/>: whole vector chunks, then a scalar tail), where
    /// <paramref name="gathered"/> holds the inputs' coefficients contiguously (see <see cref="Gather"/>). Residues and
    /// weights must be below q &lt; <see cref="MaxModulus"/>.
    /// </summary>
    public static void Block(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> gathered, int stride, int width, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int offset, Modulus q, int termsBeforeReduction, SimdLevel level)
    {
        CheckBlock(columns.Length, weights.Length, 1, stride, width, bias.Length, rows.Length);
        BlockCore(columns, weights, gathered, stride, stride, stride, width, bias, outputs, rows, offset, q, termsBeforeReduction, level);
    }

    /// <summary>
    /// <see cref="Block"/> on the chunked layout of <see cref="GatherChunked"/>: coefficient k of input i at
    /// <c>(k / chunk)·inputCount·chunk + i·chunk + k mod chunk</c>, so that one vector chunk of every input lies in one
    /// contiguous run (845 inputs: 54 KB read as a stream, where the input-major layout of <see cref="Gather"/> strides
    /// 256 bytes per term through a quarter of the L1 sets). <paramref name="chunk"/> must be
    /// <see cref="ChunkFor"/>(<paramref name="level"/>) for the vector path to be used; any chunk gives the same result.
    /// </summary>
    public static void BlockChunked(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> gathered, int inputCount, int chunk, int width, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int offset, Modulus q, int termsBeforeReduction, SimdLevel level)
    {
        if (chunk < 1 || inputCount < 0 || (long)inputCount * chunk * ((width + chunk - 1) / Math.Max(1, chunk)) > gathered.Length)
        {
            throw new ArgumentException(
                $"A chunked layout of {inputCount} inputs, chunks of {chunk} and width {width} needs {(long)inputCount * chunk * ((width + chunk - 1) / Math.Max(1, chunk))} words; the buffer has {gathered.Length}.",
                nameof(gathered));
        }

        CheckBlock(columns.Length, weights.Length, 1, int.MaxValue, width, bias.Length, rows.Length);
        for (int e = 0; e < columns.Length; e++)
        {
            if ((uint)columns[e] >= (uint)inputCount)
            {
                throw new ArgumentOutOfRangeException(nameof(columns), columns[e], $"A column must name one of the {inputCount} gathered inputs.");
            }
        }

        BlockCore(columns, weights, gathered, chunk, chunk, inputCount * chunk, width, bias, outputs, rows, offset, q, termsBeforeReduction, level);
    }

    /// <summary>
    /// The block on a layout with coefficient k of input i at <c>(k / chunk)·chunkStride + i·stride + k mod chunk</c>
    /// (input-major: chunk = chunkStride = stride; chunked: stride = chunk, chunkStride = inputs·chunk).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockCore(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> gathered, int stride, int chunk, int chunkStride, int width, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int offset, Modulus q, int termsBeforeReduction, SimdLevel level)
    {
        int k = 0;
        if (level >= SimdLevel.Vector512 && Avx512F.IsSupported && chunk % Chunk512 == 0)
        {
            for (; k + Chunk512 <= width; k += Chunk512)
            {
                Chunk512Narrow(columns, weights, ref Unsafe.Add(ref MemoryMarshal.GetReference(gathered), Position(k, chunk, chunkStride)), stride, bias, outputs, rows, offset + k, q, termsBeforeReduction);
            }
        }
        else if (level >= SimdLevel.Vector256 && Avx2.IsSupported && chunk % Chunk256 == 0)
        {
            for (; k + Chunk256 <= width; k += Chunk256)
            {
                Chunk256Narrow(columns, weights, ref Unsafe.Add(ref MemoryMarshal.GetReference(gathered), Position(k, chunk, chunkStride)), stride, bias, outputs, rows, offset + k, q, termsBeforeReduction);
            }
        }

        if (k < width)
        {
            BlockScalar(columns, weights, gathered, stride, chunk, chunkStride, k, width, bias, outputs, rows, offset, q, termsBeforeReduction);
        }
    }

    /// <summary>Where coefficient k of input 0 lies in a layout of chunks (see <see cref="BlockCore"/>).</summary>
    private static int Position(int k, int chunk, int chunkStride) => ((k / chunk) * chunkStride) + (k % chunk);

    /// <summary>
    /// Copies coefficients <c>[offset, offset + width)</c> of every input into <paramref name="gathered"/> in the chunked
    /// layout of <see cref="BlockChunked"/> (zeros for null inputs); it needs <c>inputs.Length·chunk·⌈width/chunk⌉</c> words.
    /// </summary>
    public static void GatherChunked(ulong[]?[] inputs, int offset, int width, int chunk, Span<ulong> gathered)
    {
        int chunks = (width + chunk - 1) / chunk, chunkStride = inputs.Length * chunk;
        if (chunk < 1 || (long)chunkStride * chunks > gathered.Length)
        {
            throw new ArgumentException($"The chunked layout needs {(long)chunkStride * chunks} words; the buffer has {gathered.Length}.", nameof(gathered));
        }

        if (Vector256.IsHardwareAccelerated && width > 0 && chunk % 4 == 0 && width % chunk == 0)
        {
            // Whole chunks: copy with vector loads and stores (no call per piece), fetching the next inputs' lines ahead.
            ref ulong target0 = ref MemoryMarshal.GetReference(gathered);
            for (int i = 0; i < inputs.Length; i++)
            {
                if (Sse.IsSupported && i + PrefetchDistance < inputs.Length && inputs[i + PrefetchDistance] is ulong[] ahead && offset + width <= ahead.Length)
                {
                    PrefetchRun(ahead, offset, width);
                }

                ulong[]? x = inputs[i];
                if (x is not null && (uint)(offset + width) > (uint)x.Length)
                {
                    throw new ArgumentException($"Input {i} has {x.Length} coefficients; the gather reads up to {offset + width}.", nameof(inputs));
                }

                for (int j = 0; j < chunks; j++)
                {
                    ref ulong target = ref Unsafe.Add(ref target0, (j * chunkStride) + (i * chunk));
                    if (x is null)
                    {
                        for (int v = 0; v < chunk; v += 4)
                        {
                            Vector256<ulong>.Zero.StoreUnsafe(ref target, (nuint)v);
                        }
                    }
                    else
                    {
                        ref ulong source = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), offset + (j * chunk));
                        for (int v = 0; v < chunk; v += 4)
                        {
                            Vector256.LoadUnsafe(ref source, (nuint)v).StoreUnsafe(ref target, (nuint)v);
                        }
                    }
                }
            }

            return;
        }

        for (int i = 0; i < inputs.Length; i++)
        {
            ulong[]? x = inputs[i];
            for (int j = 0; j < chunks; j++)
            {
                int count = Math.Min(chunk, width - (j * chunk));
                Span<ulong> target = gathered.Slice((j * chunkStride) + (i * chunk), count);
                if (x is not null)
                {
                    x.AsSpan(offset + (j * chunk), count).CopyTo(target);
                }
                else
                {
                    target.Clear();
                }
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

    /// <summary>Inputs ahead whose lines <see cref="GatherChunked"/> asks for while copying the current one.</summary>
    internal const int PrefetchDistance = 8;

    /// <summary>Asks for the cache lines of <c>x[offset .. offset + width)</c>.</summary>
    internal static unsafe void PrefetchRun(ulong[] x, int offset, int width)
    {
        fixed (ulong* p = &x[offset])
        {
            for (int k = 0; k < width; k += 8)
            {
                Sse.Prefetch0(p + k);
            }
        }
    }

    /// <summary>
    /// The path for primes of 42 bits or more: the same block with a Shoup multiplication and a modular addition per
    /// term (<c>weights[e·Rows + r]</c> precomputed for q), accumulated in the output rows.
    /// </summary>
    public static void BlockWide(
        ReadOnlySpan<int> columns, ReadOnlySpan<ShoupOperand> weights, ReadOnlySpan<ulong> gathered, int stride, int width, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int offset, Modulus q, SimdLevel level)
    {
        CheckBlock(columns.Length, weights.Length, 1, stride, width, bias.Length, rows.Length);
        for (int r = 0; r < rows.Length; r++)
        {
            Span<ulong> row = outputs[rows[r]].AsSpan(offset, width);
            row.Clear();
            for (int e = 0; e < columns.Length; e++)
            {
                ShoupOperand w = weights[(e * Rows) + r];
                if (w.Value != 0)
                {
                    ElementwiseKernels.MultiplyShoupAccumulate(gathered.Slice(columns[e] * stride, width), w, row, q, level);
                }
            }

            if (bias[r] != 0)
            {
                ElementwiseKernels.AddConstant(row, bias[r], row, q, level);
            }
        }
    }

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
                int k = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    Vector256<ulong> mask = Vector256.Create(Mask);
                    for (; k + 4 <= source.Length; k += 4)
                    {
                        Vector256<ulong> v = Vector256.Create(source.Slice(k, 4));
                        (v & mask).CopyTo(lo.Slice(k, 4));
                        Vector256.ShiftRightLogical(v, SplitBits).CopyTo(hi.Slice(k, 4));
                    }
                }

                for (; k < source.Length; k++)
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
    /// Rows are kept in registers three at a time (rows 0–2, then 3–4). All paths give identical results (exact integer arithmetic).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BlockSplit(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> low, ReadOnlySpan<ulong> high, int stride, int width, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int offset, Modulus q, SimdLevel level)
    {
        if (q.Value >= MaxSplitModulus)
        {
            throw new ArgumentOutOfRangeException(nameof(q), q.Value, $"The split kernel needs a modulus below 2^{2 * SplitBits}.");
        }

        CheckBlock(columns.Length, weights.Length, 2, stride, width, bias.Length, rows.Length);
        if (low.Length != high.Length)
        {
            throw new ArgumentException("The low and high halves must have the same length.", nameof(low));
        }

        ShoupOperand s1 = q.CreateShoupOperand(q.Reduce(1UL << SplitBits)), s2 = q.CreateShoupOperand(q.Reduce(1UL << (2 * SplitBits)));
        bool v512 = level >= SimdLevel.Vector512 && Avx512F.IsSupported;
        bool v256 = !v512 && level >= SimdLevel.Vector256 && Avx2.IsSupported;
        int lanes = v512 ? 8 : 4;
        Span<ulong> sums = stackalloc ulong[3 * SplitPassRows * 8];
        int k = 0;
        if (v512 || v256)
        {
            for (; k + lanes <= width; k += lanes)
            {
                for (int first = 0; first < rows.Length; first += SplitPassRows)
                {
                    bool three = first + SplitPassRows <= Rows;
                    sums.Clear();
                    for (int e = 0; e < columns.Length;)
                    {
                        int end = (int)Math.Min(columns.Length, (long)e + SplitTermsBeforeReduction);
                        ReadOnlySpan<int> segment = columns[e..end];
                        ReadOnlySpan<uint> w = weights[(2 * e * Rows)..(2 * end * Rows)];
                        ref ulong lowK = ref Unsafe.AsRef(in low[k]), highK = ref Unsafe.AsRef(in high[k]);
                        if (v512)
                        {
                            if (three)
                            {
                                SegmentSplit512<ThreeRows>(segment, w, ref lowK, ref highK, stride, sums, first);
                            }
                            else
                            {
                                SegmentSplit512<TwoRows>(segment, w, ref lowK, ref highK, stride, sums, first);
                            }
                        }
                        else if (three)
                        {
                            SegmentSplit256<ThreeRows>(segment, w, ref lowK, ref highK, stride, sums, first);
                        }
                        else
                        {
                            SegmentSplit256<TwoRows>(segment, w, ref lowK, ref highK, stride, sums, first);
                        }

                        e = end;
                        if (e < columns.Length)
                        {
                            ReduceEach(sums, q);
                        }
                    }

                    for (int r = first; r < first + SplitPassRows && r < rows.Length; r++)
                    {
                        int at = (r - first) * 3 * lanes;
                        CombineSplit(sums.Slice(at, lanes), sums.Slice(at + lanes, lanes), sums.Slice(at + (2 * lanes), lanes), bias[r], outputs[rows[r]].AsSpan(offset + k, lanes), q, s1, s2);
                    }
                }
            }
        }

        for (; k < width; k++)
        {
            for (int r = 0; r < rows.Length; r++)
            {
                ulong lo = 0, mid = 0, hi = 0;
                for (int e = 0; e < columns.Length; e++)
                {
                    if (e > 0 && e % SplitTermsBeforeReduction == 0)
                    {
                        (lo, mid, hi) = (q.Reduce(lo), q.Reduce(mid), q.Reduce(hi));
                    }

                    int at = columns[e] * stride;
                    ulong x0 = low[at + k], x1 = high[at + k];
                    ulong w0 = weights[2 * ((e * Rows) + r)], w1 = weights[(2 * ((e * Rows) + r)) + 1];
                    lo += x0 * w0;
                    mid += (x0 * w1) + (x1 * w0);
                    hi += x1 * w1;
                }

                Span<ulong> one = outputs[rows[r]].AsSpan(offset + k, 1);
                CombineSplit([lo], [mid], [hi], bias[r], one, q, s1, s2);
            }
        }
    }

    /// <summary>
    /// The block of <see cref="BlockSplit"/> with the weights as signed integers (<c>|w| ≤ 2^31 − 1</c>, the rounded
    /// <c>value · scale</c> itself rather than its residue): the kernel sums <c>x0·w</c> and <c>x1·w</c> with the signed
    /// 32×32→64-bit multiply (<c>vpmuldq</c>), two products per term and two sums per row instead of four and three, so
    /// all five rows fit the registers in one pass. Each product is below 2^52 in magnitude; the sums are reduced every
    /// <see cref="SignedSplitTermsBeforeReduction"/> terms (their magnitude stays below 2^62) by adding a multiple of q
    /// near 2^62 and a Barrett reduction. <paramref name="weights"/> holds w of term e, row r at <c>e·Rows + r</c>;
    /// <paramref name="low"/> and <paramref name="high"/> come from <see cref="GatherSplit"/>. All paths give identical
    /// results (exact integer arithmetic).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BlockSplitSigned(
        ReadOnlySpan<int> columns, ReadOnlySpan<int> weights, ReadOnlySpan<ulong> low, ReadOnlySpan<ulong> high, int stride, int width, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int offset, Modulus q, SimdLevel level)
    {
        if (q.Value >= MaxSplitModulus)
        {
            throw new ArgumentOutOfRangeException(nameof(q), q.Value, $"The split kernel needs a modulus below 2^{2 * SplitBits}.");
        }

        CheckBlock(columns.Length, weights.Length, 1, stride, width, bias.Length, rows.Length);
        if (low.Length != high.Length)
        {
            throw new ArgumentException("The low and high halves must have the same length.", nameof(low));
        }

        for (int i = 0; i < columns.Length * Rows; i++)
        {
            if (weights[i] == int.MinValue)
            {
                throw new ArgumentOutOfRangeException(nameof(weights), "Signed weights must be within ±(2^31 − 1).");
            }
        }

        ShoupOperand s1 = q.CreateShoupOperand(q.Reduce(1UL << SplitBits));
        ulong lift = SignedLift(q.Value);
        int k = 0;
        if (level >= SimdLevel.Vector512 && Avx512F.IsSupported)
        {
            for (; k + 8 <= width; k += 8)
            {
                ChunkSigned512(columns, weights, ref Unsafe.AsRef(in low[k]), ref Unsafe.AsRef(in high[k]), stride, bias, outputs, rows, offset + k, q, s1, lift);
            }
        }
        else if (level >= SimdLevel.Vector256 && Avx2.IsSupported)
        {
            for (; k + 4 <= width; k += 4)
            {
                ChunkSigned256(columns, weights, ref Unsafe.AsRef(in low[k]), ref Unsafe.AsRef(in high[k]), stride, bias, outputs, rows, offset + k, q, s1, lift);
            }
        }

        for (; k < width; k++)
        {
            for (int r = 0; r < rows.Length; r++)
            {
                long lo = 0, hi = 0;
                for (int e = 0; e < columns.Length; e++)
                {
                    if (e > 0 && e % SignedSplitTermsBeforeReduction == 0)
                    {
                        (lo, hi) = ((long)q.Reduce((ulong)lo + lift), (long)q.Reduce((ulong)hi + lift));
                    }

                    int at = columns[e] * stride;
                    long w = weights[(e * Rows) + r];
                    lo += (long)low[at + k] * w;
                    hi += (long)high[at + k] * w;
                }

                ulong value = q.Add(q.Reduce((ulong)lo + lift), q.MultiplyShoup(q.Reduce((ulong)hi + lift), s1));
                outputs[rows[r]][offset + k] = q.Add(value, bias[r]);
            }
        }
    }

    /// <summary>
    /// The multiple of q added to a signed sum (|sum| &lt; 2^62) before its Barrett reduction: the smallest one at or
    /// above 2^62, so the lifted value lies in (0, 2^63 + q), where one Barrett step and one correction reduce it fully.
    /// </summary>
    internal static ulong SignedLift(ulong q) => (((1UL << 62) + q - 1) / q) * q;

    /// <summary>The scalar reference of <see cref="Block"/> for coefficients <c>[from, width)</c> (layout as in <see cref="BlockCore"/>).</summary>
    internal static void BlockScalar(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ReadOnlySpan<ulong> gathered, int stride, int chunk, int chunkStride, int from, int width, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int offset, Modulus q, int termsBeforeReduction)
    {
        for (int r = 0; r < rows.Length; r++)
        {
            ulong[] row = outputs[rows[r]];
            for (int k = from; k < width; k++)
            {
                int at = Position(k, chunk, chunkStride);
                ulong acc = 0;
                int since = 0;
                for (int e = 0; e < columns.Length; e++)
                {
                    if (since == termsBeforeReduction)
                    {
                        acc = q.Reduce(acc);
                        since = 0;
                    }

                    acc += (ulong)weights[(e * Rows) + r] * gathered[(columns[e] * stride) + at];
                    since++;
                }

                row[offset + k] = q.Add(q.Reduce(acc), bias[r]);
            }
        }
    }

    private static void CheckBlock(int columns, int weights, int wordsPerWeight, int stride, int width, int bias, int rows)
    {
        if (rows is < 1 or > Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"A block has 1 to {Rows} rows.");
        }

        if (weights < wordsPerWeight * columns * Rows || bias < rows || width < 0 || width > stride)
        {
            throw new ArgumentException(
                $"A block of {columns} terms needs {wordsPerWeight * columns * Rows} weight words (has {weights}), a bias per row (has {bias} for {rows}) and a width of at most the stride ({width} > {stride}).");
        }
    }

    private static void ReduceEach(Span<ulong> values, Modulus q)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = q.Reduce(values[i]);
        }
    }

    /// <summary><c>destination[k] = (lo[k] + 2^21·mid[k] + 2^42·hi[k] + bias) mod q</c>, with <paramref name="s1"/>, <paramref name="s2"/> = 2^21, 2^42 mod q.</summary>
    private static void CombineSplit(
        ReadOnlySpan<ulong> lo, ReadOnlySpan<ulong> mid, ReadOnlySpan<ulong> hi, ulong bias, Span<ulong> destination, Modulus q, ShoupOperand s1, ShoupOperand s2)
    {
        for (int k = 0; k < destination.Length; k++)
        {
            ulong value = q.Add(q.Reduce(lo[k]), q.MultiplyShoup(q.Reduce(mid[k]), s1));
            value = q.Add(value, q.MultiplyShoup(q.Reduce(hi[k]), s2));
            destination[k] = q.Add(value, bias);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Barrett(Vector256<ulong> v, Vector256<ulong> q, Vector256<ulong> ratio) =>
        ElementwiseVectorMath.ReduceOnce(v - ElementwiseVectorMath.MulLow(ElementwiseVectorMath.MulHigh(v, ratio), q), q);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Barrett(Vector512<ulong> v, Vector512<ulong> q, Vector512<ulong> ratio) =>
        ElementwiseVectorMath.ReduceOnce(v - ElementwiseVectorMath.MulLow(ElementwiseVectorMath.MulHigh(v, ratio), q), q);

    /// <summary>Stores <c>(Barrett(v) + bias) mod q</c> (four lanes) at <paramref name="at"/> of row <paramref name="r"/>, if the block has that row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector256<ulong> lo, Vector256<ulong> hi, int r, ReadOnlySpan<ulong> bias, ulong[][] outputs, ReadOnlySpan<int> rows, int at, Vector256<ulong> q, Vector256<ulong> ratio)
    {
        if (r < rows.Length)
        {
            Vector256<ulong> b = Vector256.Create(bias[r]);
            ulong[] row = outputs[rows[r]];
            ref ulong d = ref MemoryMarshal.GetArrayDataReference(row);
            if ((uint)(at + Chunk256) > (uint)row.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), "An output row is shorter than offset + width.");
            }

            ElementwiseVectorMath.AddMod(Barrett(lo, q, ratio), b, q).StoreUnsafe(ref d, (nuint)at);
            ElementwiseVectorMath.AddMod(Barrett(hi, q, ratio), b, q).StoreUnsafe(ref d, (nuint)(at + 4));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector512<ulong> lo, Vector512<ulong> hi, int r, ReadOnlySpan<ulong> bias, ulong[][] outputs, ReadOnlySpan<int> rows, int at, Vector512<ulong> q, Vector512<ulong> ratio)
    {
        if (r < rows.Length)
        {
            Vector512<ulong> b = Vector512.Create(bias[r]);
            ulong[] row = outputs[rows[r]];
            ref ulong d = ref MemoryMarshal.GetArrayDataReference(row);
            if ((uint)(at + Chunk512) > (uint)row.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), "An output row is shorter than offset + width.");
            }

            ElementwiseVectorMath.AddMod(Barrett(lo, q, ratio), b, q).StoreUnsafe(ref d, (nuint)at);
            ElementwiseVectorMath.AddMod(Barrett(hi, q, ratio), b, q).StoreUnsafe(ref d, (nuint)(at + 8));
        }
    }

    /// <summary>Eight coefficients of the five rows: ten sums in registers for the whole row, reduced in registers between segments and at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chunk256Narrow(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ref ulong gathered, int stride, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int at, Modulus modulus, int termsBeforeReduction)
    {
        Vector256<ulong> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default;
        Vector256<ulong> d0 = default, d1 = default, f0 = default, f1 = default;
        Vector256<ulong> q = Vector256.Create(modulus.Value), ratio = Vector256.Create(modulus.BarrettRatio64);
        ref uint rw = ref MemoryMarshal.GetReference(weights);
        ref int rc = ref MemoryMarshal.GetReference(columns);
        int n = columns.Length;
        for (int e = 0; e < n;)
        {
            int end = (int)Math.Min(n, (long)e + termsBeforeReduction);
            for (; e < end; e++)
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
                w = Vector256.Create(Unsafe.Add(ref we, 4));
                f0 += Avx2.Multiply(x0, w);
                f1 += Avx2.Multiply(x1, w);
            }

            if (e < n)
            {
                a0 = Barrett(a0, q, ratio);
                a1 = Barrett(a1, q, ratio);
                b0 = Barrett(b0, q, ratio);
                b1 = Barrett(b1, q, ratio);
                c0 = Barrett(c0, q, ratio);
                c1 = Barrett(c1, q, ratio);
                d0 = Barrett(d0, q, ratio);
                d1 = Barrett(d1, q, ratio);
                f0 = Barrett(f0, q, ratio);
                f1 = Barrett(f1, q, ratio);
            }
        }

        Finish(a0, a1, 0, bias, outputs, rows, at, q, ratio);
        Finish(b0, b1, 1, bias, outputs, rows, at, q, ratio);
        Finish(c0, c1, 2, bias, outputs, rows, at, q, ratio);
        Finish(d0, d1, 3, bias, outputs, rows, at, q, ratio);
        Finish(f0, f1, 4, bias, outputs, rows, at, q, ratio);
    }

    /// <summary>As <see cref="Chunk256Narrow"/>, with eight-lane vectors (sixteen coefficients).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chunk512Narrow(
        ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ref ulong gathered, int stride, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int at, Modulus modulus, int termsBeforeReduction)
    {
        Vector512<ulong> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default;
        Vector512<ulong> d0 = default, d1 = default, f0 = default, f1 = default;
        Vector512<ulong> q = Vector512.Create(modulus.Value), ratio = Vector512.Create(modulus.BarrettRatio64);
        ref uint rw = ref MemoryMarshal.GetReference(weights);
        ref int rc = ref MemoryMarshal.GetReference(columns);
        int n = columns.Length;
        for (int e = 0; e < n;)
        {
            int end = (int)Math.Min(n, (long)e + termsBeforeReduction);
            for (; e < end; e++)
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
                w = Vector512.Create(Unsafe.Add(ref we, 4));
                f0 += Avx512F.Multiply(x0, w);
                f1 += Avx512F.Multiply(x1, w);
            }

            if (e < n)
            {
                a0 = Barrett(a0, q, ratio);
                a1 = Barrett(a1, q, ratio);
                b0 = Barrett(b0, q, ratio);
                b1 = Barrett(b1, q, ratio);
                c0 = Barrett(c0, q, ratio);
                c1 = Barrett(c1, q, ratio);
                d0 = Barrett(d0, q, ratio);
                d1 = Barrett(d1, q, ratio);
                f0 = Barrett(f0, q, ratio);
                f1 = Barrett(f1, q, ratio);
            }
        }

        Finish(a0, a1, 0, bias, outputs, rows, at, q, ratio);
        Finish(b0, b1, 1, bias, outputs, rows, at, q, ratio);
        Finish(c0, c1, 2, bias, outputs, rows, at, q, ratio);
        Finish(d0, d1, 3, bias, outputs, rows, at, q, ratio);
        Finish(f0, f1, 4, bias, outputs, rows, at, q, ratio);
    }

    /// <summary>Four coefficients of the five rows for <see cref="BlockSplitSigned"/>: ten signed sums in registers, reduced between segments and combined at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ChunkSigned256(
        ReadOnlySpan<int> columns, ReadOnlySpan<int> weights, ref ulong low, ref ulong high, int stride, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int at, Modulus modulus, ShoupOperand s1, ulong lift)
    {
        Vector256<long> l0 = default, l1 = default, l2 = default, l3 = default, l4 = default;
        Vector256<long> h0 = default, h1 = default, h2 = default, h3 = default, h4 = default;
        ref int rw = ref MemoryMarshal.GetReference(weights);
        ref int rc = ref MemoryMarshal.GetReference(columns);
        int n = columns.Length;
        for (int e = 0; e < n;)
        {
            int end = Math.Min(n, e + SignedSplitTermsBeforeReduction);
            for (; e < end; e++)
            {
                nint src = (nint)Unsafe.Add(ref rc, e) * stride;
                Vector256<int> x0 = Vector256.LoadUnsafe(ref Unsafe.Add(ref low, src)).AsInt32();
                Vector256<int> x1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref high, src)).AsInt32();
                ref int we = ref Unsafe.Add(ref rw, e * Rows);
                Vector256<int> w = Vector256.Create(we);
                l0 += Avx2.Multiply(x0, w);
                h0 += Avx2.Multiply(x1, w);
                w = Vector256.Create(Unsafe.Add(ref we, 1));
                l1 += Avx2.Multiply(x0, w);
                h1 += Avx2.Multiply(x1, w);
                w = Vector256.Create(Unsafe.Add(ref we, 2));
                l2 += Avx2.Multiply(x0, w);
                h2 += Avx2.Multiply(x1, w);
                w = Vector256.Create(Unsafe.Add(ref we, 3));
                l3 += Avx2.Multiply(x0, w);
                h3 += Avx2.Multiply(x1, w);
                w = Vector256.Create(Unsafe.Add(ref we, 4));
                l4 += Avx2.Multiply(x0, w);
                h4 += Avx2.Multiply(x1, w);
            }

            if (e < n)
            {
                Vector256<ulong> q = Vector256.Create(modulus.Value), ratio = Vector256.Create(modulus.BarrettRatio64), m = Vector256.Create(lift);
                l0 = Barrett(l0.AsUInt64() + m, q, ratio).AsInt64();
                l1 = Barrett(l1.AsUInt64() + m, q, ratio).AsInt64();
                l2 = Barrett(l2.AsUInt64() + m, q, ratio).AsInt64();
                l3 = Barrett(l3.AsUInt64() + m, q, ratio).AsInt64();
                l4 = Barrett(l4.AsUInt64() + m, q, ratio).AsInt64();
                h0 = Barrett(h0.AsUInt64() + m, q, ratio).AsInt64();
                h1 = Barrett(h1.AsUInt64() + m, q, ratio).AsInt64();
                h2 = Barrett(h2.AsUInt64() + m, q, ratio).AsInt64();
                h3 = Barrett(h3.AsUInt64() + m, q, ratio).AsInt64();
                h4 = Barrett(h4.AsUInt64() + m, q, ratio).AsInt64();
            }
        }

        FinishSigned(l0, h0, 0, bias, outputs, rows, at, modulus, s1, lift);
        FinishSigned(l1, h1, 1, bias, outputs, rows, at, modulus, s1, lift);
        FinishSigned(l2, h2, 2, bias, outputs, rows, at, modulus, s1, lift);
        FinishSigned(l3, h3, 3, bias, outputs, rows, at, modulus, s1, lift);
        FinishSigned(l4, h4, 4, bias, outputs, rows, at, modulus, s1, lift);
    }

    /// <summary>As <see cref="ChunkSigned256"/>, with eight-lane vectors (eight coefficients).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ChunkSigned512(
        ReadOnlySpan<int> columns, ReadOnlySpan<int> weights, ref ulong low, ref ulong high, int stride, ReadOnlySpan<ulong> bias,
        ulong[][] outputs, ReadOnlySpan<int> rows, int at, Modulus modulus, ShoupOperand s1, ulong lift)
    {
        Vector512<long> l0 = default, l1 = default, l2 = default, l3 = default, l4 = default;
        Vector512<long> h0 = default, h1 = default, h2 = default, h3 = default, h4 = default;
        ref int rw = ref MemoryMarshal.GetReference(weights);
        ref int rc = ref MemoryMarshal.GetReference(columns);
        int n = columns.Length;
        for (int e = 0; e < n;)
        {
            int end = Math.Min(n, e + SignedSplitTermsBeforeReduction);
            for (; e < end; e++)
            {
                nint src = (nint)Unsafe.Add(ref rc, e) * stride;
                Vector512<int> x0 = Vector512.LoadUnsafe(ref Unsafe.Add(ref low, src)).AsInt32();
                Vector512<int> x1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref high, src)).AsInt32();
                ref int we = ref Unsafe.Add(ref rw, e * Rows);
                Vector512<int> w = Vector512.Create(we);
                l0 += Avx512F.Multiply(x0, w);
                h0 += Avx512F.Multiply(x1, w);
                w = Vector512.Create(Unsafe.Add(ref we, 1));
                l1 += Avx512F.Multiply(x0, w);
                h1 += Avx512F.Multiply(x1, w);
                w = Vector512.Create(Unsafe.Add(ref we, 2));
                l2 += Avx512F.Multiply(x0, w);
                h2 += Avx512F.Multiply(x1, w);
                w = Vector512.Create(Unsafe.Add(ref we, 3));
                l3 += Avx512F.Multiply(x0, w);
                h3 += Avx512F.Multiply(x1, w);
                w = Vector512.Create(Unsafe.Add(ref we, 4));
                l4 += Avx512F.Multiply(x0, w);
                h4 += Avx512F.Multiply(x1, w);
            }

            if (e < n)
            {
                Vector512<ulong> q = Vector512.Create(modulus.Value), ratio = Vector512.Create(modulus.BarrettRatio64), m = Vector512.Create(lift);
                l0 = Barrett(l0.AsUInt64() + m, q, ratio).AsInt64();
                l1 = Barrett(l1.AsUInt64() + m, q, ratio).AsInt64();
                l2 = Barrett(l2.AsUInt64() + m, q, ratio).AsInt64();
                l3 = Barrett(l3.AsUInt64() + m, q, ratio).AsInt64();
                l4 = Barrett(l4.AsUInt64() + m, q, ratio).AsInt64();
                h0 = Barrett(h0.AsUInt64() + m, q, ratio).AsInt64();
                h1 = Barrett(h1.AsUInt64() + m, q, ratio).AsInt64();
                h2 = Barrett(h2.AsUInt64() + m, q, ratio).AsInt64();
                h3 = Barrett(h3.AsUInt64() + m, q, ratio).AsInt64();
                h4 = Barrett(h4.AsUInt64() + m, q, ratio).AsInt64();
            }
        }

        FinishSigned(l0, h0, 0, bias, outputs, rows, at, modulus, s1, lift);
        FinishSigned(l1, h1, 1, bias, outputs, rows, at, modulus, s1, lift);
        FinishSigned(l2, h2, 2, bias, outputs, rows, at, modulus, s1, lift);
        FinishSigned(l3, h3, 3, bias, outputs, rows, at, modulus, s1, lift);
        FinishSigned(l4, h4, 4, bias, outputs, rows, at, modulus, s1, lift);
    }

    /// <summary>Stores <c>(lo + 2^21·hi + bias) mod q</c> (four lanes of signed sums) at <paramref name="at"/> of row <paramref name="r"/>, if the block has that row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishSigned(Vector256<long> lo, Vector256<long> hi, int r, ReadOnlySpan<ulong> bias, ulong[][] outputs, ReadOnlySpan<int> rows, int at, Modulus modulus, ShoupOperand s1, ulong lift)
    {
        if (r < rows.Length)
        {
            ulong[] row = outputs[rows[r]];
            if ((uint)(at + 4) > (uint)row.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), "An output row is shorter than offset + width.");
            }

            Vector256<ulong> q = Vector256.Create(modulus.Value), ratio = Vector256.Create(modulus.BarrettRatio64), m = Vector256.Create(lift);
            Vector256<ulong> low = Barrett(lo.AsUInt64() + m, q, ratio), high = Barrett(hi.AsUInt64() + m, q, ratio);
            Vector256<ulong> value = ElementwiseVectorMath.AddMod(
                low, ElementwiseVectorMath.MultiplyShoup(high, Vector256.Create(s1.Value), Vector256.Create(s1.Quotient), q), q);
            ElementwiseVectorMath.AddMod(value, Vector256.Create(bias[r]), q).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(row), (nuint)at);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishSigned(Vector512<long> lo, Vector512<long> hi, int r, ReadOnlySpan<ulong> bias, ulong[][] outputs, ReadOnlySpan<int> rows, int at, Modulus modulus, ShoupOperand s1, ulong lift)
    {
        if (r < rows.Length)
        {
            ulong[] row = outputs[rows[r]];
            if ((uint)(at + 8) > (uint)row.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), "An output row is shorter than offset + width.");
            }

            Vector512<ulong> q = Vector512.Create(modulus.Value), ratio = Vector512.Create(modulus.BarrettRatio64), m = Vector512.Create(lift);
            Vector512<ulong> low = Barrett(lo.AsUInt64() + m, q, ratio), high = Barrett(hi.AsUInt64() + m, q, ratio);
            Vector512<ulong> value = ElementwiseVectorMath.AddMod(
                low, ElementwiseVectorMath.MultiplyShoup(high, Vector512.Create(s1.Value), Vector512.Create(s1.Quotient), q), q);
            ElementwiseVectorMath.AddMod(value, Vector512.Create(bias[r]), q).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(row), (nuint)at);
        }
    }

    /// <summary>Four coefficients of two or three rows (<paramref name="first"/> onwards, <typeparamref name="TRows"/>): nine sums in registers, added to <paramref name="sums"/> (lo, mid, hi per row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SegmentSplit256<TRows>(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ref ulong low, ref ulong high, int stride, Span<ulong> sums, int first)
        where TRows : struct, IPassRows
    {
        ref ulong s = ref MemoryMarshal.GetReference(sums);
        Vector256<ulong> l0 = Vector256.LoadUnsafe(ref s, 0), m0 = Vector256.LoadUnsafe(ref s, 4), h0 = Vector256.LoadUnsafe(ref s, 8);
        Vector256<ulong> l1 = Vector256.LoadUnsafe(ref s, 12), m1 = Vector256.LoadUnsafe(ref s, 16), h1 = Vector256.LoadUnsafe(ref s, 20);
        Vector256<ulong> l2 = Vector256.LoadUnsafe(ref s, 24), m2 = Vector256.LoadUnsafe(ref s, 28), h2 = Vector256.LoadUnsafe(ref s, 32);
        ref uint rw = ref Unsafe.Add(ref MemoryMarshal.GetReference(weights), 2 * first);
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
            if (TRows.Count == 3)
            {
                w0 = Vector256.Create(Unsafe.Add(ref we, 4));
                w1 = Vector256.Create(Unsafe.Add(ref we, 5));
                l2 += Avx2.Multiply(x0, w0);
                m2 += Avx2.Multiply(x0, w1) + Avx2.Multiply(x1, w0);
                h2 += Avx2.Multiply(x1, w1);
            }
        }

        l0.StoreUnsafe(ref s, 0);
        m0.StoreUnsafe(ref s, 4);
        h0.StoreUnsafe(ref s, 8);
        l1.StoreUnsafe(ref s, 12);
        m1.StoreUnsafe(ref s, 16);
        h1.StoreUnsafe(ref s, 20);
        if (TRows.Count == 3)
        {
            l2.StoreUnsafe(ref s, 24);
            m2.StoreUnsafe(ref s, 28);
            h2.StoreUnsafe(ref s, 32);
        }
    }

    /// <summary>As <see cref="SegmentSplit256"/>, with eight-lane vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SegmentSplit512<TRows>(ReadOnlySpan<int> columns, ReadOnlySpan<uint> weights, ref ulong low, ref ulong high, int stride, Span<ulong> sums, int first)
        where TRows : struct, IPassRows
    {
        ref ulong s = ref MemoryMarshal.GetReference(sums);
        Vector512<ulong> l0 = Vector512.LoadUnsafe(ref s, 0), m0 = Vector512.LoadUnsafe(ref s, 8), h0 = Vector512.LoadUnsafe(ref s, 16);
        Vector512<ulong> l1 = Vector512.LoadUnsafe(ref s, 24), m1 = Vector512.LoadUnsafe(ref s, 32), h1 = Vector512.LoadUnsafe(ref s, 40);
        Vector512<ulong> l2 = Vector512.LoadUnsafe(ref s, 48), m2 = Vector512.LoadUnsafe(ref s, 56), h2 = Vector512.LoadUnsafe(ref s, 64);
        ref uint rw = ref Unsafe.Add(ref MemoryMarshal.GetReference(weights), 2 * first);
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
            if (TRows.Count == 3)
            {
                w0 = Vector512.Create(Unsafe.Add(ref we, 4));
                w1 = Vector512.Create(Unsafe.Add(ref we, 5));
                l2 += Avx512F.Multiply(x0, w0);
                m2 += Avx512F.Multiply(x0, w1) + Avx512F.Multiply(x1, w0);
                h2 += Avx512F.Multiply(x1, w1);
            }
        }

        l0.StoreUnsafe(ref s, 0);
        m0.StoreUnsafe(ref s, 8);
        h0.StoreUnsafe(ref s, 16);
        l1.StoreUnsafe(ref s, 24);
        m1.StoreUnsafe(ref s, 32);
        h1.StoreUnsafe(ref s, 40);
        if (TRows.Count == 3)
        {
            l2.StoreUnsafe(ref s, 48);
            m2.StoreUnsafe(ref s, 56);
            h2.StoreUnsafe(ref s, 64);
        }
    }

    /// <summary>How many rows a split pass keeps in registers (a type argument, so each count gets its own compiled kernel).</summary>
    private interface IPassRows
    {
        static abstract int Count { get; }
    }

    private readonly struct ThreeRows : IPassRows
    {
        public static int Count => 3;
    }

    private readonly struct TwoRows : IPassRows
    {
        public static int Count => 2;
    }
}
