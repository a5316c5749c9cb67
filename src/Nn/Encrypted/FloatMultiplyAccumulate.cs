using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// The throughput packing's linear-layer kernel in double precision: the block of
/// <see cref="ConstantMultiplyAccumulate.BlockChunked"/> (up to <see cref="Rows"/> rows sharing one input pattern, over a
/// run of coefficients of one limb) computed with fused multiply-adds on exact integers held in doubles. It gives the
/// same residues, bit for bit, as the integer kernel.
/// </summary>
/// <remarks>
/// <para>
/// Why: on AVX2 the integer kernel spends two vector micro-operations per four lane products (<c>vpmuludq</c> and
/// <c>vpaddq</c>); an FMA does both in one, and the machines we measure issue two per cycle. In a microbenchmark of the
/// 845-term dense row block this ran 1.2–1.8 times as many lane products per second (docs/inference.md §7, session 20).
/// </para>
/// <para>
/// Exactness: residues are below q and weights are the plan's signed integers (the same for every limb), so a product
/// is an integer of at most <c>|w|·q</c>. A double holds every integer up to 2^53, and an FMA
/// whose exact result is such an integer returns it exactly. Weights above <see cref="DigitBits"/> bits are split into
/// two digits, <c>w = w0 + 2^DigitBits·w1</c>, the second applied to a virtual input <c>x·2^DigitBits mod q</c> that the
/// gather forms (<see cref="FloatLayout"/>); every product is then below 2^50 for <c>q &lt; 2^31</c>. The sums are
/// reduced, <c>s − round(s/q)·q</c> (an exact FMA, result in <c>(−q, q)</c>), at the ends of windows chosen so that no
/// partial sum can pass 2^53 (<see cref="FloatLayout.Build"/>); for the MNIST models' weights a dense row of 845 terms
/// takes one or two windows. The scalar path computes the same integers in 64-bit arithmetic and is the reference.
/// </para>
/// </remarks>
internal static class FloatMultiplyAccumulate
{
    /// <summary>Rows per block, as in <see cref="ConstantMultiplyAccumulate.Rows"/>.</summary>
    public const int Rows = ConstantMultiplyAccumulate.Rows;

    /// <summary>Bits of a weight digit: weights of larger magnitude take a second digit on a virtual input (see the remarks).</summary>
    public const int DigitBits = 20;

    /// <summary>The largest modulus the kernel accepts (exclusive).</summary>
    public const ulong MaxModulus = 1UL << 31;

    /// <summary>Integers up to this magnitude are exact in a double.</summary>
    public const double ExactLimit = 9007199254740992.0; // 2^53

    private const ulong BiasBits = 0x4330_0000_0000_0000UL; // the bits of 2^52

    /// <summary>
    /// The largest magnitude of a gathered value for a modulus below <paramref name="qMax"/>: a residue is below q, a
    /// virtual input's reduction <c>x·2^D − round(x·2^D/q)·q</c> at most <c>(1/2 + 2^−19)·q</c>.
    /// </summary>
    public static double InputBound(ulong qMax) => qMax;

    /// <summary>
    /// Gathers coefficients <c>[offset, offset + width)</c> of one limb of every virtual input into
    /// <paramref name="gathered"/> as doubles, in the chunked layout of <see cref="ConstantMultiplyAccumulate.BlockChunked"/>
    /// (coefficient k of virtual input v at <c>(k / chunk)·V·chunk + v·chunk + k mod chunk</c>): virtual input v is
    /// <c>inputs[sources[v]]·2^shifts[v] mod q</c> (zeros for a null input). Residues must be below q.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather(
        ulong[]?[] inputs, ReadOnlySpan<int> sources, ReadOnlySpan<int> shifts, int offset, int width, int chunk, Span<double> gathered, Modulus q)
    {
        int virtualCount = sources.Length, chunks = (width + chunk - 1) / Math.Max(1, chunk), chunkStride = virtualCount * chunk;
        if (chunk < 1 || shifts.Length != virtualCount || width < 0 || (long)chunkStride * chunks > gathered.Length)
        {
            throw new ArgumentException(
                $"The gather of {virtualCount} virtual inputs (shifts for {shifts.Length}) in chunks of {chunk} over {width} coefficients needs {(long)chunkStride * chunks} words; the buffer has {gathered.Length}.",
                nameof(gathered));
        }

        if (q.Value >= MaxModulus)
        {
            throw new ArgumentException($"The floating-point gather takes primes below 2^31; q = {q.Value}.", nameof(q));
        }

        double qd = q.Value, inverse = 1.0 / q.Value;
        for (int v = 0; v < virtualCount; v++)
        {
            int source = sources[v], shift = shifts[v];
            if ((uint)source >= (uint)inputs.Length || (uint)shift > DigitBits)
            {
                throw new ArgumentException($"Virtual input {v} names input {source} of {inputs.Length} with shift {shift} (at most {DigitBits}).", nameof(sources));
            }

            if (Sse.IsSupported && v + ConstantMultiplyAccumulate.PrefetchDistance < virtualCount
                && inputs[sources[v + ConstantMultiplyAccumulate.PrefetchDistance]] is ulong[] ahead && (uint)(offset + width) <= (uint)ahead.Length)
            {
                ConstantMultiplyAccumulate.PrefetchRun(ahead, offset, width);
            }

            ulong[]? x = inputs[source];
            if (x is not null && (uint)(offset + width) > (uint)x.Length)
            {
                throw new ArgumentException($"Input {source} has {x.Length} coefficients; the gather reads up to {offset + width}.", nameof(inputs));
            }

            double factor = Math.ScaleB(1, shift);
            int k = 0;
            if (Vector256.IsHardwareAccelerated && x is not null && chunk % 4 == 0 && width % chunk == 0)
            {
                ref ulong source0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), offset);
                ref double target0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(gathered), v * chunk);
                Vector256<ulong> biasBits = Vector256.Create(BiasBits);
                Vector256<double> bias = biasBits.AsDouble(), vq = Vector256.Create(qd);
                Vector256<double> vinverse = Vector256.Create(inverse), vfactor = Vector256.Create(factor);
                for (int j = 0; j < chunks; j++)
                {
                    ref double target = ref Unsafe.Add(ref target0, j * chunkStride);
                    for (int t = 0; t < chunk; t += 4)
                    {
                        Vector256<double> d = (Vector256.LoadUnsafe(ref source0, (nuint)((j * chunk) + t)) | biasBits).AsDouble() - bias;
                        if (shift != 0)
                        {
                            d *= vfactor;
                            d = Vector256.FusedMultiplyAdd(-Vector256.Round(d * vinverse), vq, d);
                        }

                        d.StoreUnsafe(ref target, (nuint)t);
                    }
                }

                k = width;
            }

            for (; k < width; k++)
            {
                double d = 0;
                if (x is not null)
                {
                    d = x[offset + k];

                    if (shift != 0)
                    {
                        d *= factor;
                        d = Math.FusedMultiplyAdd(-Math.Round(d * inverse), qd, d);
                    }
                }

                gathered[((k / chunk) * chunkStride) + (v * chunk) + (k % chunk)] = d;
            }
        }
    }

    /// <summary>
    /// One block: <c>outputs[rows[r]][offset + k] = (Σ_e weights[e·Rows + r] · g(columns[e], k) + bias[r]) mod q</c> for
    /// <c>r &lt; rows.Length</c> and <c>k &lt; width</c>, where <c>g(v, k)</c> is coefficient k of virtual input v in the
    /// layout of <see cref="Gather"/>, and the sums are reduced after the terms <c>windows[i] − 1</c> (the last window
    /// ends at <c>columns.Length</c>). The weights must be integers and the windows those of <see cref="FloatLayout.Build"/>
    /// for a modulus of at least q; then every step is exact. <paramref name="chunk"/> must be
    /// <see cref="ConstantMultiplyAccumulate.ChunkFor"/>(<paramref name="level"/>) for the vector path to be used.
    /// </summary>
    public static void Block(
        ReadOnlySpan<int> columns, ReadOnlySpan<double> weights, ReadOnlySpan<int> windows, ReadOnlySpan<double> gathered, int inputCount, int chunk, int width,
        ReadOnlySpan<ulong> bias, ulong[][] outputs, ReadOnlySpan<int> rows, int offset, Modulus q, SimdLevel level)
    {
        for (int e = 0; e < columns.Length; e++)
        {
            if ((uint)columns[e] >= (uint)inputCount)
            {
                throw new ArgumentOutOfRangeException(nameof(columns), columns[e], $"A column must name one of the {inputCount} gathered inputs.");
            }
        }

        BlockCore(columns, weights, windows, gathered, inputCount, chunk, width, bias, outputs, rows, offset, q, level);
    }

    /// <summary>
    /// Block <paramref name="block"/> of <paramref name="layout"/> (see the other overload), on a buffer gathered with the
    /// layout's virtual inputs; the layout's columns were checked when it was built, so this call checks only the sizes.
    /// </summary>
    public static void Block(
        FloatLayout layout, int block, ReadOnlySpan<double> gathered, int chunk, int width, ReadOnlySpan<ulong> bias, ulong[][] outputs, ReadOnlySpan<int> rows,
        int offset, Modulus q, SimdLevel level)
    {
        if (q.Value >= layout.ModulusBound)
        {
            throw new ArgumentException($"The layout's windows hold for moduli below {layout.ModulusBound}; q = {q.Value}.", nameof(q));
        }

        BlockCore(layout.Columns[block], layout.Weights[block], layout.Windows[block], gathered, layout.Sources.Length, chunk, width, bias, outputs, rows, offset, q, level);
    }

    private static void BlockCore(
        ReadOnlySpan<int> columns, ReadOnlySpan<double> weights, ReadOnlySpan<int> windows, ReadOnlySpan<double> gathered, int inputCount, int chunk, int width,
        ReadOnlySpan<ulong> bias, ulong[][] outputs, ReadOnlySpan<int> rows, int offset, Modulus q, SimdLevel level)
    {
        int n = columns.Length;
        if (rows.Length is < 1 or > Rows || weights.Length < n * Rows || bias.Length < rows.Length || width < 0 || chunk < 1)
        {
            throw new ArgumentException(
                $"A block has 1 to {Rows} rows (has {rows.Length}), {n * Rows} weights for {n} terms (has {weights.Length}), a bias per row (has {bias.Length}) and a positive chunk ({chunk}).");
        }

        for (int i = 0, previous = 0; i < windows.Length; previous = windows[i++])
        {
            if (windows[i] < previous || windows[i] > n)
            {
                throw new ArgumentException($"The window ends must ascend to the block's {n} terms; end {i} is {windows[i]}.", nameof(windows));
            }
        }

        if (windows.Length < 1 || windows[^1] != n)
        {
            throw new ArgumentException($"The windows must end at the block's {n} terms.", nameof(windows));
        }

        if ((long)inputCount * chunk * ((width + chunk - 1) / chunk) > gathered.Length)
        {
            throw new ArgumentException($"A chunked layout of {inputCount} inputs over {width} coefficients does not fit the {gathered.Length} gathered words.", nameof(gathered));
        }

        if (q.Value >= MaxModulus)
        {
            throw new ArgumentException($"The floating-point kernel takes primes below 2^31; q = {q.Value}.", nameof(q));
        }

        for (int r = 0; r < rows.Length; r++)
        {
            if ((uint)(offset + width) > (uint)outputs[rows[r]].Length)
            {
                throw new ArgumentException($"Output row {rows[r]} has {outputs[rows[r]].Length} coefficients; the block writes up to {offset + width}.", nameof(outputs));
            }
        }

        int chunkStride = inputCount * chunk, k = 0;
        ref double g0 = ref MemoryMarshal.GetReference(gathered);
        if (level >= SimdLevel.Vector512 && Avx512F.IsSupported && chunk % 16 == 0)
        {
            for (; k + 16 <= width; k += 16)
            {
                Chunk512(columns, weights, windows, ref Unsafe.Add(ref g0, ((k / chunk) * chunkStride) + (k % chunk)), chunk, bias, outputs, rows, offset + k, q);
            }
        }
        else if (level >= SimdLevel.Vector256 && Fma.IsSupported && chunk % 8 == 0)
        {
            for (; k + 8 <= width; k += 8)
            {
                Chunk256(columns, weights, windows, ref Unsafe.Add(ref g0, ((k / chunk) * chunkStride) + (k % chunk)), chunk, bias, outputs, rows, offset + k, q);
            }
        }

        for (; k < width; k++)
        {
            ScalarCoefficient(columns, weights, windows, gathered, ((k / chunk) * chunkStride) + (k % chunk), chunk, bias, outputs, rows, offset + k, q);
        }
    }

    /// <summary>The reference: the same integers in 64-bit arithmetic, one coefficient of every row.</summary>
    private static void ScalarCoefficient(
        ReadOnlySpan<int> columns, ReadOnlySpan<double> weights, ReadOnlySpan<int> windows, ReadOnlySpan<double> gathered, int at, int stride,
        ReadOnlySpan<ulong> bias, ulong[][] outputs, ReadOnlySpan<int> rows, int offset, Modulus q)
    {
        long qv = (long)q.Value;
        for (int r = 0; r < rows.Length; r++)
        {
            long sum = (long)bias[r];
            int e = 0;
            foreach (int end in windows)
            {
                for (; e < end; e++)
                {
                    sum += (long)weights[(e * Rows) + r] * (long)gathered[at + (columns[e] * stride)];
                }

                sum %= qv;
            }

            outputs[rows[r]][offset] = (ulong)(sum < 0 ? sum + qv : sum);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Reduce(Vector256<double> s, Vector256<double> q, Vector256<double> inverse) =>
        Fma.MultiplyAddNegated(Avx.RoundToNearestInteger(s * inverse), q, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Reduce(Vector512<double> s, Vector512<double> q, Vector512<double> inverse) =>
        Avx512F.FusedMultiplyAddNegated(Avx512F.RoundScale(s * inverse, 0x08), q, s);

    /// <summary>The bias of row r as a double (0 for a row the block does not have): the sums start from it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Start(ReadOnlySpan<ulong> bias, ReadOnlySpan<int> rows, int r) => r < rows.Length ? bias[r] : 0;

    /// <summary>Stores <c>s mod q</c> for a sum reduced to <c>(−q, q)</c> (four lanes) at <paramref name="at"/> of row <paramref name="r"/>, if the block has that row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector256<double> s, int r, int lane, ulong[][] outputs, ReadOnlySpan<int> rows, int at, Vector256<double> q)
    {
        if (r < rows.Length)
        {
            Vector256<double> v = s + (Vector256.LessThan(s, Vector256<double>.Zero) & q);
            Vector256<ulong> biasBits = Vector256.Create(BiasBits);
            ((v + biasBits.AsDouble()).AsUInt64() ^ biasBits).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(outputs[rows[r]]), (nuint)(at + lane));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector512<double> s, int r, int lane, ulong[][] outputs, ReadOnlySpan<int> rows, int at, Vector512<double> q)
    {
        if (r < rows.Length)
        {
            Vector512<double> v = s + (Vector512.LessThan(s, Vector512<double>.Zero) & q);
            Vector512<ulong> biasBits = Vector512.Create(BiasBits);
            ((v + biasBits.AsDouble()).AsUInt64() ^ biasBits).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(outputs[rows[r]]), (nuint)(at + lane));
        }
    }

    /// <summary>Eight coefficients of the five rows: ten sums in registers, started at the bias, reduced at the window ends and at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Chunk256(
        ReadOnlySpan<int> columns, ReadOnlySpan<double> weights, ReadOnlySpan<int> windows, ref double gathered, int stride,
        ReadOnlySpan<ulong> bias, ulong[][] outputs, ReadOnlySpan<int> rows, int at, Modulus modulus)
    {
        Vector256<double> a0 = Vector256.Create(Start(bias, rows, 0)), a1 = a0, b0 = Vector256.Create(Start(bias, rows, 1)), b1 = b0;
        Vector256<double> c0 = Vector256.Create(Start(bias, rows, 2)), c1 = c0, d0 = Vector256.Create(Start(bias, rows, 3)), d1 = d0;
        Vector256<double> f0 = Vector256.Create(Start(bias, rows, 4)), f1 = f0;
        Vector256<double> q = Vector256.Create((double)modulus.Value), inverse = Vector256.Create(1.0 / modulus.Value);
        ref double rw = ref MemoryMarshal.GetReference(weights);
        ref int rc = ref MemoryMarshal.GetReference(columns);
        int e = 0;
        for (int i = 0; i < windows.Length; i++)
        {
            if (i > 0)
            {
                a0 = Reduce(a0, q, inverse);
                a1 = Reduce(a1, q, inverse);
                b0 = Reduce(b0, q, inverse);
                b1 = Reduce(b1, q, inverse);
                c0 = Reduce(c0, q, inverse);
                c1 = Reduce(c1, q, inverse);
                d0 = Reduce(d0, q, inverse);
                d1 = Reduce(d1, q, inverse);
                f0 = Reduce(f0, q, inverse);
                f1 = Reduce(f1, q, inverse);
            }

            for (int end = windows[i]; e < end; e++)
            {
                ref double src = ref Unsafe.Add(ref gathered, (nint)Unsafe.Add(ref rc, e) * stride);
                Vector256<double> x0 = Vector256.LoadUnsafe(ref src), x1 = Vector256.LoadUnsafe(ref src, 4);
                ref double we = ref Unsafe.Add(ref rw, e * Rows);
                Vector256<double> w = Vector256.Create(we);
                a0 = Fma.MultiplyAdd(x0, w, a0);
                a1 = Fma.MultiplyAdd(x1, w, a1);
                w = Vector256.Create(Unsafe.Add(ref we, 1));
                b0 = Fma.MultiplyAdd(x0, w, b0);
                b1 = Fma.MultiplyAdd(x1, w, b1);
                w = Vector256.Create(Unsafe.Add(ref we, 2));
                c0 = Fma.MultiplyAdd(x0, w, c0);
                c1 = Fma.MultiplyAdd(x1, w, c1);
                w = Vector256.Create(Unsafe.Add(ref we, 3));
                d0 = Fma.MultiplyAdd(x0, w, d0);
                d1 = Fma.MultiplyAdd(x1, w, d1);
                w = Vector256.Create(Unsafe.Add(ref we, 4));
                f0 = Fma.MultiplyAdd(x0, w, f0);
                f1 = Fma.MultiplyAdd(x1, w, f1);
            }
        }

        Finish(Reduce(a0, q, inverse), 0, 0, outputs, rows, at, q);
        Finish(Reduce(a1, q, inverse), 0, 4, outputs, rows, at, q);
        Finish(Reduce(b0, q, inverse), 1, 0, outputs, rows, at, q);
        Finish(Reduce(b1, q, inverse), 1, 4, outputs, rows, at, q);
        Finish(Reduce(c0, q, inverse), 2, 0, outputs, rows, at, q);
        Finish(Reduce(c1, q, inverse), 2, 4, outputs, rows, at, q);
        Finish(Reduce(d0, q, inverse), 3, 0, outputs, rows, at, q);
        Finish(Reduce(d1, q, inverse), 3, 4, outputs, rows, at, q);
        Finish(Reduce(f0, q, inverse), 4, 0, outputs, rows, at, q);
        Finish(Reduce(f1, q, inverse), 4, 4, outputs, rows, at, q);
    }

    /// <summary>As <see cref="Chunk256"/>, with eight-lane vectors (sixteen coefficients).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Chunk512(
        ReadOnlySpan<int> columns, ReadOnlySpan<double> weights, ReadOnlySpan<int> windows, ref double gathered, int stride,
        ReadOnlySpan<ulong> bias, ulong[][] outputs, ReadOnlySpan<int> rows, int at, Modulus modulus)
    {
        Vector512<double> a0 = Vector512.Create(Start(bias, rows, 0)), a1 = a0, b0 = Vector512.Create(Start(bias, rows, 1)), b1 = b0;
        Vector512<double> c0 = Vector512.Create(Start(bias, rows, 2)), c1 = c0, d0 = Vector512.Create(Start(bias, rows, 3)), d1 = d0;
        Vector512<double> f0 = Vector512.Create(Start(bias, rows, 4)), f1 = f0;
        Vector512<double> q = Vector512.Create((double)modulus.Value), inverse = Vector512.Create(1.0 / modulus.Value);
        ref double rw = ref MemoryMarshal.GetReference(weights);
        ref int rc = ref MemoryMarshal.GetReference(columns);
        int e = 0;
        for (int i = 0; i < windows.Length; i++)
        {
            if (i > 0)
            {
                a0 = Reduce(a0, q, inverse);
                a1 = Reduce(a1, q, inverse);
                b0 = Reduce(b0, q, inverse);
                b1 = Reduce(b1, q, inverse);
                c0 = Reduce(c0, q, inverse);
                c1 = Reduce(c1, q, inverse);
                d0 = Reduce(d0, q, inverse);
                d1 = Reduce(d1, q, inverse);
                f0 = Reduce(f0, q, inverse);
                f1 = Reduce(f1, q, inverse);
            }

            for (int end = windows[i]; e < end; e++)
            {
                ref double src = ref Unsafe.Add(ref gathered, (nint)Unsafe.Add(ref rc, e) * stride);
                Vector512<double> x0 = Vector512.LoadUnsafe(ref src), x1 = Vector512.LoadUnsafe(ref src, 8);
                ref double we = ref Unsafe.Add(ref rw, e * Rows);
                Vector512<double> w = Vector512.Create(we);
                a0 = Avx512F.FusedMultiplyAdd(x0, w, a0);
                a1 = Avx512F.FusedMultiplyAdd(x1, w, a1);
                w = Vector512.Create(Unsafe.Add(ref we, 1));
                b0 = Avx512F.FusedMultiplyAdd(x0, w, b0);
                b1 = Avx512F.FusedMultiplyAdd(x1, w, b1);
                w = Vector512.Create(Unsafe.Add(ref we, 2));
                c0 = Avx512F.FusedMultiplyAdd(x0, w, c0);
                c1 = Avx512F.FusedMultiplyAdd(x1, w, c1);
                w = Vector512.Create(Unsafe.Add(ref we, 3));
                d0 = Avx512F.FusedMultiplyAdd(x0, w, d0);
                d1 = Avx512F.FusedMultiplyAdd(x1, w, d1);
                w = Vector512.Create(Unsafe.Add(ref we, 4));
                f0 = Avx512F.FusedMultiplyAdd(x0, w, f0);
                f1 = Avx512F.FusedMultiplyAdd(x1, w, f1);
            }
        }

        Finish(Reduce(a0, q, inverse), 0, 0, outputs, rows, at, q);
        Finish(Reduce(a1, q, inverse), 0, 8, outputs, rows, at, q);
        Finish(Reduce(b0, q, inverse), 1, 0, outputs, rows, at, q);
        Finish(Reduce(b1, q, inverse), 1, 8, outputs, rows, at, q);
        Finish(Reduce(c0, q, inverse), 2, 0, outputs, rows, at, q);
        Finish(Reduce(c1, q, inverse), 2, 8, outputs, rows, at, q);
        Finish(Reduce(d0, q, inverse), 3, 0, outputs, rows, at, q);
        Finish(Reduce(d1, q, inverse), 3, 8, outputs, rows, at, q);
        Finish(Reduce(f0, q, inverse), 4, 0, outputs, rows, at, q);
        Finish(Reduce(f1, q, inverse), 4, 8, outputs, rows, at, q);
    }
}

/// <summary>
/// A linear stage's weights laid out for <see cref="FloatMultiplyAccumulate"/>: the virtual inputs (an input, or an input
/// times <c>2^DigitBits</c>), and per row block its columns over them, its weights as integer-valued doubles and its
/// reduction windows. The weights are the same for every limb; the windows hold for every modulus up to
/// <see cref="ModulusBound"/>.
/// </summary>
internal sealed class FloatLayout
{
    private FloatLayout(int[] sources, int[] shifts, int[][] columns, double[][] weights, int[][] windows, ulong modulusBound)
    {
        Sources = sources;
        Shifts = shifts;
        Columns = columns;
        Weights = weights;
        Windows = windows;
        ModulusBound = modulusBound;
    }

    /// <summary>Per virtual input, the input it reads.</summary>
    public int[] Sources { get; }

    /// <summary>Per virtual input, the power of two it multiplies its input by (0 or <see cref="FloatMultiplyAccumulate.DigitBits"/>).</summary>
    public int[] Shifts { get; }

    /// <summary>Per block, its terms' virtual inputs.</summary>
    public int[][] Columns { get; }

    /// <summary>Per block, weight <c>[e·Rows + r]</c> of term e and row r.</summary>
    public double[][] Weights { get; }

    /// <summary>Per block, the ends of its reduction windows (the last is its term count).</summary>
    public int[][] Windows { get; }

    /// <summary>The largest modulus (exclusive) the windows were computed for.</summary>
    public ulong ModulusBound { get; }

    /// <summary>Terms over all blocks, counting a split weight's second digit.</summary>
    public long Terms { get; private init; }

    /// <summary>
    /// Lays out blocks whose signed integer weights are <paramref name="weights"/><c>[starts[b] + e·Rows + r]</c> for the
    /// columns <paramref name="columns"/>[b] over <paramref name="inputCount"/> inputs, for moduli below
    /// <paramref name="modulusBound"/> (at most <see cref="FloatMultiplyAccumulate.MaxModulus"/>).
    /// </summary>
    public static FloatLayout Build(int inputCount, int[][] columns, ReadOnlySpan<int> weights, int[] starts, ulong modulusBound)
    {
        const int R = FloatMultiplyAccumulate.Rows, D = FloatMultiplyAccumulate.DigitBits;
        if (modulusBound > FloatMultiplyAccumulate.MaxModulus || columns.Length != starts.Length)
        {
            throw new ArgumentException($"A layout takes moduli below 2^31 (asked for {modulusBound}) and a weight start per block.");
        }

        foreach (int[] block in columns)
        {
            foreach (int column in block)
            {
                if ((uint)column >= (uint)inputCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(columns), column, $"A column must name one of the {inputCount} inputs.");
                }
            }
        }

        var sources = new List<int>(inputCount);
        var shifts = new List<int>(inputCount);
        for (int i = 0; i < inputCount; i++)
        {
            sources.Add(i);
            shifts.Add(0);
        }

        var shifted = new Dictionary<int, int>();
        double h = FloatMultiplyAccumulate.InputBound(modulusBound), q = modulusBound;
        var blockColumns = new int[columns.Length][];
        var blockWeights = new double[columns.Length][];
        var blockWindows = new int[columns.Length][];
        long terms = 0;
        for (int b = 0; b < columns.Length; b++)
        {
            var cols = new List<int>();
            var w = new List<double>();
            for (int e = 0; e < columns[b].Length; e++)
            {
                bool split = false;
                for (int r = 0; r < R; r++)
                {
                    split |= Math.Abs((long)weights[starts[b] + (e * R) + r]) >= 1L << (D - 1);
                }

                cols.Add(columns[b][e]);
                int low = cols.Count - 1;
                w.AddRange(new double[R]);
                if (split)
                {
                    if (!shifted.TryGetValue(columns[b][e], out int v))
                    {
                        v = sources.Count;
                        sources.Add(columns[b][e]);
                        shifts.Add(D);
                        shifted.Add(columns[b][e], v);
                    }

                    cols.Add(v);
                    w.AddRange(new double[R]);
                }

                for (int r = 0; r < R; r++)
                {
                    long value = weights[starts[b] + (e * R) + r];
                    long high = split ? (value + (1L << (D - 1))) >> D : 0;
                    w[(low * R) + r] = value - (high << D);
                    if (split)
                    {
                        w[((low + 1) * R) + r] = high;
                    }
                }
            }

            // Windows: a reduced sum is below q; close a window before a term that could take a partial sum past 2^53.
            var windows = new List<int>();
            double bound = q;
            for (int e = 0; e < cols.Count; e++)
            {
                double largest = 0;
                for (int r = 0; r < R; r++)
                {
                    largest = Math.Max(largest, Math.Abs(w[(e * R) + r]));
                }

                if (bound + (largest * h) > FloatMultiplyAccumulate.ExactLimit)
                {
                    windows.Add(e);
                    bound = q;
                }

                bound += largest * h;
            }

            windows.Add(cols.Count);
            blockColumns[b] = [.. cols];
            blockWeights[b] = [.. w];
            blockWindows[b] = [.. windows];
            terms += cols.Count;
        }

        return new FloatLayout([.. sources], [.. shifts], blockColumns, blockWeights, blockWindows, modulusBound) { Terms = terms };
    }
}
