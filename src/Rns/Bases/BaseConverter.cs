using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;

namespace CkksRns.Rns.Bases;

/// <summary>
/// Fast base conversion of polynomials (or any vectors of integers) held in residue form, from a base
/// <c>B = {q_0, …, q_(k-1)}</c> with product <c>Q</c> to a base <c>C = {p_0, …, p_(m-1)}</c>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Approximate conversion</b> (<see cref="Convert(ReadOnlySpan{ulong}, Span{ulong})"/>, "FastBConv" of
/// <see href="https://eprint.iacr.org/2016/510">Bajard–Eynard–Hasan–Zucca 2016</see> and
/// <see href="https://eprint.iacr.org/2018/117">Halevi–Polyakov–Shoup 2018</see>): for each coefficient with residues
/// <c>x_i</c> of an integer <c>x</c> in <c>[0, Q)</c>,
/// <c>y_j = Σ_i [x_i · (Q/q_i)^-1]_(q_i) · (Q/q_i)  mod p_j</c>.
/// Writing <c>t_i = [x_i · (Q/q_i)^-1]_(q_i)</c>, the integer <c>Σ_i t_i · (Q/q_i)</c> is congruent to <c>x</c> modulo
/// <c>Q</c> and lies in <c>[0, k·Q)</c>, so <b>the result represents <c>x + u·Q</c> for an integer <c>u</c> with
/// <c>0 ≤ u &lt; k</c></b> (<c>u</c> depends on the coefficient). Hybrid key switching tolerates that error (it is
/// removed or scaled down by the following division by <c>P</c>).
/// </para>
/// <para>
/// <b>Exact conversion</b> (<see cref="ConvertExact(ReadOnlySpan{ulong}, Span{ulong})"/>): Halevi–Polyakov–Shoup's
/// floating-point correction. It computes <c>v = round(Σ_i t_i / q_i)</c> in double precision and subtracts
/// <c>v · Q</c>, which yields the residues of the centred representative <c>x'</c> in <c>(-Q/2, Q/2]</c> exactly,
/// provided <c>|x'| &lt; Q · (1/2 - k · 2^-50)</c> (the double-precision sum has absolute error below
/// <c>k · 2^-51</c>, so only values within that distance of <c>±Q/2</c> can be rounded the wrong way).
/// </para>
/// <para>
/// <b>Evaluation.</b> The coefficients are processed in blocks whose rows (the <c>t_i</c>, <c>v</c>, and the two halves
/// of <c>t_i</c> for source primes above <c>2^32</c>) stay in L1 while every target reads them; each output is a lazy
/// sum of exact products reduced once. For a target <c>p &lt; 2^31</c> every product is one 32×32→64-bit multiply of a
/// row below <c>2^32</c> by a weight below <c>2^31</c>, summed in 64 bits; the sum is reduced at the end (and "folded"
/// before the rows where a schedule derived from the exact maxima of rows and weights says it could overflow) by a
/// Barrett reduction that needs only 32-bit multiplies while the sum stays below <c>2^(b+31)</c>. For a wider target the
/// sum is needed only modulo <c>2^64</c> (two 32-bit multiplies per term) because its quotient by <c>p</c> is estimated
/// in double precision (<c>Σ row·(w/p)</c>) to within one, leaving <c>[-p, 2p)</c> to correct; bases where that
/// estimate's error bound would not hold (about a thousand rows and more) fall back to exact 128-bit sums. Every path
/// returns fully reduced residues, so the vector and scalar paths agree bit for bit.
/// </para>
/// <para>
/// Data layout: inputs and outputs are limb-major (limb <c>i</c> holds the <c>N</c> residues modulo the <c>i</c>-th
/// modulus), values must be in coefficient (not NTT) form and fully reduced. Conversions allocate nothing on the
/// sequential path. Instances are immutable and thread-safe.
/// </para>
/// </remarks>
public sealed class BaseConverter
{
    // Words of the per-block row buffer (t-values, the exact correction v and the high halves of wide t-values); 32 KB
    // keeps the rows of a block in L1 while every target prime reads them.
    private const int MaxScratchWords = 4096;

    // The narrow sums stay below 2^63 (the vector Barrett reduction needs it), the wide ones below 2^127.
    private static readonly UInt128 NarrowLimit = long.MaxValue;
    private static readonly UInt128 WideLimit = UInt128.MaxValue >> 1;

    private readonly Modulus[] _source;
    private readonly Modulus[] _target;
    private readonly ShoupOperand[] _inversePunctured;
    private readonly ulong[] _inversePunctured32;
    private readonly bool _sourcesBelow2To52;
    private readonly double[] _inverseSource;

    // Row layout of a block (block words each): rows 0..k-1 hold t_i, row k holds v (exact conversion), and rows
    // k+1.. hold t_i mod 2^S and t_i >> S for the source primes above 2^32 (the narrow sums read 32-bit rows).
    private readonly int[] _splitSources;
    private readonly int[] _splitShifts;
    private readonly bool[] _shortSumsApproximate;
    private readonly bool[] _shortSumsExact;
    private readonly bool _needsHighRows;
    private readonly bool[] _narrow;
    private readonly bool[] _float;
    private readonly double[]?[] _ratios;

    // The sums read either the 32-bit rows (narrow and floating-point targets: t_i or its two parts, then v) or the
    // whole rows (128-bit sums: t_i, then v). Per target j: its weights (one per row read), fold schedules and, for
    // floating-point targets, weight/p_j; the approximate conversion uses all terms but the last (v·(-Q mod p_j)).
    private readonly int[] _rowOffsets32;
    private readonly int[] _wideOffsets;
    private readonly ulong[][] _weights;
    private readonly int[][] _segmentsApproximate;
    private readonly int[][] _segmentsExact;

    /// <summary>Precomputes the constants to convert from <paramref name="source"/> to <paramref name="target"/>.</summary>
    /// <param name="source">The base the inputs are in.</param>
    /// <param name="target">The base to convert to; it may share moduli with <paramref name="source"/>.</param>
    /// <exception cref="ArgumentNullException">A base is null.</exception>
    public BaseConverter(RnsBase source, RnsBase target)
        : this(source, target, floatQuotients: true)
    {
    }

    /// <summary>
    /// As the public constructor; <paramref name="floatQuotients"/> false makes every target of <c>2^31</c> or more
    /// take the exact 128-bit sums (the fallback for very long bases), which lets tests check that path too.
    /// </summary>
    internal BaseConverter(RnsBase source, RnsBase target, bool floatQuotients)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        Source = source;
        Target = target;
        _source = source.ModuliSpan.ToArray();
        _target = target.ModuliSpan.ToArray();
        _inversePunctured = source.InversePuncturedProductsSpan.ToArray();
        int k = _source.Length, m = _target.Length;
        _inverseSource = new double[k];
        _inversePunctured32 = new ulong[k];
        _sourcesBelow2To52 = _source.All(q => q.BitCount <= 52);
        for (int i = 0; i < k; i++)
        {
            _inverseSource[i] = 1.0 / _source[i].Value;
            _inversePunctured32[i] = _source[i].BitCount <= 32 ? (_inversePunctured[i].Value << 32) / _source[i].Value : 0;
        }

        _narrow = new bool[m];
        for (int j = 0; j < m; j++)
        {
            _narrow[j] = _target[j].BitCount <= 31;
        }

        // Source primes above 2^32 give t-values the 32-bit sums cannot read whole: split at S_i = ceil(bits/2).
        _splitSources = [.. Enumerable.Range(0, k).Where(i => _source[i].BitCount > 32)];
        _splitShifts = [.. _splitSources.Select(i => (_source[i].BitCount + 1) / 2)];

        // The 32-bit rows: t_i, or for split sources its low and high parts (weights c and c·2^S), then v.
        var rowSource = new List<(int Source, int Part)>();
        var rowMax32 = new List<ulong>();
        for (int i = 0, split = 0; i < k; i++)
        {
            ulong max = _source[i].Value - 1;
            if (split < _splitSources.Length && _splitSources[split] == i)
            {
                int shift = _splitShifts[split];
                rowSource.Add((split, 0));
                rowMax32.Add((1UL << shift) - 1);
                rowSource.Add((split, 1));
                rowMax32.Add(max >> shift);
                split++;
            }
            else
            {
                rowSource.Add((i, -1));
                rowMax32.Add(max);
            }
        }

        rowSource.Add((k, -1));
        rowMax32.Add((ulong)k); // v = round(Σ t_i/q_i) ≤ k

        // Wide targets take the floating-point quotient when its error bound holds (always, for realistic bases).
        UInt128 rowSum = rowMax32.Aggregate(UInt128.Zero, (a, x) => a + x);
        bool floatFits = rowSum * (UInt128)(rowMax32.Count + 1) < (UInt128)1 << 51;
        _float = new bool[m];
        for (int j = 0; j < m; j++)
        {
            _float[j] = !_narrow[j] && floatFits && floatQuotients;
        }

        _needsHighRows = _splitSources.Length > 0 && (_narrow.Contains(true) || _float.Contains(true));
        int rows = k + 1 + (_needsHighRows ? 2 * _splitSources.Length : 0);
        BlockSize = Math.Clamp(MaxScratchWords / rows, 8, 512) & ~7;
        RowCount = rows;
        _rowOffsets32 = [.. rowSource.Select(x => x.Part < 0 ? x.Source * BlockSize : (k + 1 + 2 * x.Source + x.Part) * BlockSize)];
        _wideOffsets = [.. Enumerable.Range(0, k + 1).Select(i => i * BlockSize)];
        _ratios = new double[m][];

        _weights = new ulong[m][];
        _segmentsApproximate = new int[m][];
        _segmentsExact = new int[m][];
        _shortSumsApproximate = new bool[m];
        _shortSumsExact = new bool[m];
        for (int j = 0; j < m; j++)
        {
            Modulus p = _target[j];
            ulong negatedQ = p.Negate((ulong)(source.Product % p.Value));
            var weights = new List<ulong>();
            var termMax = new List<UInt128>();
            for (int i = 0, split = 0; i < k; i++)
            {
                ulong c = (ulong)(source.PuncturedProducts[i] % p.Value);
                if ((_narrow[j] || _float[j]) && split < _splitSources.Length && _splitSources[split] == i)
                {
                    weights.Add(c);
                    weights.Add((ulong)(((UInt128)c << _splitShifts[split]) % p.Value));
                    split++;
                }
                else
                {
                    weights.Add(c);
                }
            }

            weights.Add(negatedQ);
            _weights[j] = [.. weights];
            for (int r = 0; r < weights.Count; r++)
            {
                ulong rowMax = _narrow[j] || _float[j] ? rowMax32[r] : r < k ? _source[r].Value - 1 : (ulong)k;
                termMax.Add((UInt128)rowMax * weights[r]);
            }

            if (_float[j])
            {
                _ratios[j] = [.. weights.Select(w => (double)w / p.Value)];
            }
            else if (_narrow[j])
            {
                // Two reductions for the narrow sums: sums below 2^(b+31) reduce with 32-bit multiplies (cost about 3
                // products), longer ones need a 64-bit Barrett (about 7); take the schedule with the fewer multiplies.
                (_segmentsExact[j], _shortSumsExact[j]) = NarrowSchedule(termMax, termMax.Count, p);
                (_segmentsApproximate[j], _shortSumsApproximate[j]) = NarrowSchedule(termMax, termMax.Count - 1, p);
            }
            else
            {
                _segmentsExact[j] = FoldSchedule(termMax, termMax.Count, WideLimit, p.Value)!;
                _segmentsApproximate[j] = FoldSchedule(termMax, termMax.Count - 1, WideLimit, p.Value)!;
            }
        }
    }

    /// <summary>The base the inputs are in.</summary>
    public RnsBase Source { get; }

    /// <summary>The base the outputs are in.</summary>
    public RnsBase Target { get; }

    private int BlockSize { get; }

    private int RowCount { get; }

    /// <summary>
    /// Approximate conversion: writes residues in the target base of <c>x + u·Q</c> with <c>0 ≤ u &lt; k</c> for every
    /// coefficient <c>x</c> in <c>[0, Q)</c> given by its residues in the source base.
    /// </summary>
    /// <param name="input"><c>k·N</c> residues, limb-major, limb <c>i</c> reduced modulo <c>q_i</c>.</param>
    /// <param name="output">Receives <c>m·N</c> residues, limb-major, limb <c>j</c> in <c>[0, p_j)</c>.</param>
    /// <exception cref="ArgumentException">The lengths are not multiples of the base sizes or imply different <c>N</c>, or the spans overlap.</exception>
    public void Convert(ReadOnlySpan<ulong> input, Span<ulong> output)
    {
        int n = CheckShapes(input, output);
        ConvertRange(input, output, n, 0, n, exact: false);
    }

    /// <summary>
    /// Exact conversion of the centred representative: writes <c>x' mod p_j</c> where <c>x'</c> in <c>(-Q/2, Q/2]</c> is
    /// congruent to each coefficient; exact when <c>|x'| &lt; Q·(1/2 - k·2^-50)</c>.
    /// </summary>
    /// <param name="input"><c>k·N</c> residues, limb-major, limb <c>i</c> reduced modulo <c>q_i</c>.</param>
    /// <param name="output">Receives <c>m·N</c> residues, limb-major, limb <c>j</c> in <c>[0, p_j)</c>.</param>
    /// <exception cref="ArgumentException">The lengths are not multiples of the base sizes or imply different <c>N</c>, or the spans overlap.</exception>
    public void ConvertExact(ReadOnlySpan<ulong> input, Span<ulong> output)
    {
        int n = CheckShapes(input, output);
        ConvertRange(input, output, n, 0, n, exact: true);
    }

    /// <summary>
    /// Like <see cref="Convert(ReadOnlySpan{ulong}, Span{ulong})"/> or <see cref="ConvertExact(ReadOnlySpan{ulong}, Span{ulong})"/>,
    /// splitting the coefficients over up to <paramref name="maxDegreeOfParallelism"/> threads.
    /// </summary>
    /// <param name="input"><c>k·N</c> residues, limb-major.</param>
    /// <param name="output">Receives <c>m·N</c> residues, limb-major.</param>
    /// <param name="exact">Whether to run the exact (centred) conversion.</param>
    /// <param name="maxDegreeOfParallelism">The most threads to use, at least 1; 1 runs on the calling thread.</param>
    /// <exception cref="ArgumentException">The shapes do not match, or the spans overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegreeOfParallelism"/> is below 1.</exception>
    public void Convert(ReadOnlySpan<ulong> input, Span<ulong> output, bool exact, int maxDegreeOfParallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        int n = CheckShapes(input, output);
        int chunks = Math.Min(maxDegreeOfParallelism, n / BlockSize);
        if (chunks <= 1 || (long)n * _source.Length * _target.Length < 1 << 16 || Polynomials.LimbParallel.IsSequential)
        {
            ConvertRange(input, output, n, 0, n, exact);
            return;
        }

        ConvertParallel(input, output, n, chunks, exact, maxDegreeOfParallelism);
    }

    // Kept out of the caller so that its sequential path does not allocate the lambda's closure.
    private unsafe void ConvertParallel(ReadOnlySpan<ulong> input, Span<ulong> output, int n, int chunks, bool exact, int maxDegreeOfParallelism)
    {
        int chunk = (n / chunks + BlockSize - 1) / BlockSize * BlockSize;
        int inputLength = input.Length, outputLength = output.Length;
        fixed (ulong* pin = input)
        fixed (ulong* pout = output)
        {
            nint inAddress = (nint)pin, outAddress = (nint)pout;
            var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
            Parallel.For(0, chunks, options, c =>
            {
                int start = c * chunk, end = Math.Min(n, start + chunk);
                if (start < end)
                {
                    var src = new ReadOnlySpan<ulong>((void*)inAddress, inputLength);
                    var dst = new Span<ulong>((void*)outAddress, outputLength);
                    ConvertRange(src, dst, n, start, end, exact);
                }
            });
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"BaseConverter({_source.Length} -> {_target.Length} moduli)";

    private int CheckShapes(ReadOnlySpan<ulong> input, Span<ulong> output)
    {
        int k = _source.Length, m = _target.Length;
        if (input.Length == 0 || input.Length % k != 0)
        {
            throw new ArgumentException(
                $"input has {input.Length} values; expected a positive multiple of the source base size {k} (k·N, limb-major).",
                nameof(input));
        }

        int n = input.Length / k;
        if (output.Length != (long)m * n)
        {
            throw new ArgumentException(
                $"output has {output.Length} values; expected m·N = {m}·{n} = {(long)m * n} (target base size times N = {n} from the input).",
                nameof(output));
        }

        if (input.Overlaps(output))
        {
            throw new ArgumentException("input and output must not overlap.", nameof(output));
        }

        return n;
    }

    /// <summary>
    /// The row indices before which a running sum of the terms with maxima <paramref name="termMax"/> must be reduced
    /// to stay at most <paramref name="limit"/> (a reduced sum is below <paramref name="p"/>), followed by the number of
    /// terms; null when one term after a fold can exceed the limit.
    /// </summary>
    internal static int[]? FoldSchedule(IReadOnlyList<UInt128> termMax, int count, UInt128 limit, ulong p)
    {
        var ends = new List<int>();
        UInt128 bound = 0;
        for (int r = 0; r < count; r++)
        {
            if (termMax[r] > limit - (p - 1))
            {
                return null;
            }

            if (r > 0 && bound + termMax[r] > limit)
            {
                ends.Add(r);
                bound = p - 1;
            }

            bound += termMax[r];
        }

        ends.Add(count);
        return [.. ends];
    }

    private static (int[] Segments, bool ShortSums) NarrowSchedule(IReadOnlyList<UInt128> termMax, int count, Modulus p)
    {
        int[]? shortSchedule = FoldSchedule(termMax, count, ((UInt128)1 << (p.BitCount + 31)) - 1, p.Value);
        int[] longSchedule = FoldSchedule(termMax, count, NarrowLimit, p.Value)
            ?? throw new InvalidOperationException("Unreachable: a narrow term is below 2^63 - 2^31.");
        return shortSchedule is not null && 3 * shortSchedule.Length <= 7 * longSchedule.Length ? (shortSchedule, true) : (longSchedule, false);
    }

    // Every row a kernel reads is written for the block first (the approximate conversion does not read v), so the
    // stack buffer needs no zeroing.
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    [SkipLocalsInit]
    private void ConvertRange(ReadOnlySpan<ulong> input, Span<ulong> output, int n, int start, int end, bool exact)
    {
        int k = _source.Length, m = _target.Length, block = BlockSize;
        SimdLevel level = SimdCapabilities.Current;
        Span<ulong> rows = stackalloc ulong[RowCount * block];
        int terms32 = _rowOffsets32.Length - (exact ? 0 : 1), wideTerms = k + (exact ? 1 : 0);
        ReadOnlySpan<int> rowOffsets32 = _rowOffsets32.AsSpan(0, terms32), wideOffsets = _wideOffsets.AsSpan(0, wideTerms);
        for (int c0 = start; c0 < end; c0 += block)
        {
            int length = Math.Min(block, end - c0);
            ComputeBlockRows(input, n, c0, length, rows, block, exact, level);

            // y_j = Σ_i t_i · [(Q/q_i)]_(p_j) (+ v · [-Q]_(p_j)) mod p_j, accumulated lazily and reduced once.
            for (int j = 0; j < m; j++)
            {
                SumTarget(rows, rowOffsets32, wideOffsets, j, output.Slice(j * n + c0, length), exact, level);
            }
        }
    }

    /// <summary>Target <paramref name="j"/>'s sums over rows at the given offsets (see <see cref="ComputeBlockRows"/>).</summary>
    private void SumTarget(
        ReadOnlySpan<ulong> rows, ReadOnlySpan<int> rowOffsets32, ReadOnlySpan<int> wideOffsets, int j, Span<ulong> destination, bool exact, SimdLevel level)
    {
        int terms32 = rowOffsets32.Length, wideTerms = wideOffsets.Length;
        if (_float[j])
        {
            ElementwiseKernels.BaseConvertFloat(
                rows, rowOffsets32, _weights[j].AsSpan(0, terms32), _ratios[j]!.AsSpan(0, terms32), destination, _target[j], level);
        }
        else if (_narrow[j])
        {
            int[] segments = exact ? _segmentsExact[j] : _segmentsApproximate[j];
            bool shortSums = exact ? _shortSumsExact[j] : _shortSumsApproximate[j];
            ElementwiseKernels.BaseConvertNarrow(rows, rowOffsets32, _weights[j].AsSpan(0, terms32), segments, destination, _target[j], shortSums, level);
        }
        else
        {
            int[] segments = exact ? _segmentsExact[j] : _segmentsApproximate[j];
            ElementwiseKernels.BaseConvertWide(rows, wideOffsets, _weights[j].AsSpan(0, wideTerms), segments, destination, _target[j], level);
        }
    }

    /// <summary>The number of words <see cref="ComputeRows"/> writes for polynomials of degree <paramref name="n"/>.</summary>
    internal int RowWords(int n) => RowCount * n;

    /// <summary>
    /// The first half of a conversion over all <paramref name="n"/> coefficients at once: the rows every target's sum
    /// reads (row <c>r</c> at word <c>r·n</c>). <see cref="ConvertFromRows"/> then converts one target at a time, so a
    /// caller can produce, transform and consume one target limb before the next (key switching) instead of holding
    /// every target. The results are those of <see cref="Convert(ReadOnlySpan{ulong}, Span{ulong}, bool, int)"/>.
    /// </summary>
    /// <param name="input"><c>k·n</c> residues, limb-major, fully reduced.</param>
    /// <param name="rows">Receives <see cref="RowWords"/> words; must not overlap <paramref name="input"/>.</param>
    /// <param name="n">The number of coefficients.</param>
    /// <param name="exact">Whether the conversion will be exact (computes the correction row).</param>
    internal void ComputeRows(ReadOnlySpan<ulong> input, Span<ulong> rows, int n, bool exact)
    {
        if (input.Length != (long)_source.Length * n || rows.Length < RowWords(n) || input.Overlaps(rows))
        {
            throw new ArgumentException(
                $"ComputeRows needs k·n = {(long)_source.Length * n} input words and at least {RowWords(n)} row words that do not overlap them; " +
                $"got {input.Length} and {rows.Length}.");
        }

        ComputeBlockRows(input, n, 0, n, rows, n, exact, SimdCapabilities.Current);
    }

    /// <summary>
    /// Writes target <paramref name="j"/>'s residues of the conversion whose rows <see cref="ComputeRows"/> wrote (with the
    /// same <paramref name="n"/> and <paramref name="exact"/>).
    /// </summary>
    /// <param name="rows">The rows.</param>
    /// <param name="n">The number of coefficients.</param>
    /// <param name="j">The target index, in <c>[0, m)</c>.</param>
    /// <param name="destination">Receives the <paramref name="n"/> residues modulo <c>p_j</c>.</param>
    /// <param name="exact">Whether the conversion is exact.</param>
    [SkipLocalsInit]
    internal void ConvertFromRows(ReadOnlySpan<ulong> rows, int n, int j, Span<ulong> destination, bool exact)
    {
        if ((uint)j >= (uint)_target.Length || destination.Length != n || rows.Length < RowWords(n))
        {
            throw new ArgumentException(
                $"ConvertFromRows needs a target index below {_target.Length}, n = {n} destination words and {RowWords(n)} row words; " +
                $"got {j}, {destination.Length} and {rows.Length}.");
        }

        int k = _source.Length;
        int terms32 = _rowOffsets32.Length - (exact ? 0 : 1), wideTerms = k + (exact ? 1 : 0);
        Span<int> offsets32 = stackalloc int[terms32], wideOffsets = stackalloc int[wideTerms];
        for (int r = 0; r < terms32; r++)
        {
            offsets32[r] = _rowOffsets32[r] / BlockSize * n;
        }

        for (int r = 0; r < wideTerms; r++)
        {
            wideOffsets[r] = r * n;
        }

        SumTarget(rows, offsets32, wideOffsets, j, destination, exact, SimdCapabilities.Current);
    }

    /// <summary>
    /// The rows of coefficients <c>[c0, c0 + length)</c>: <c>t_i</c> at row <c>i</c>, <c>v</c> at row <c>k</c> (exact only) and
    /// the split halves after it, row <c>r</c> starting at word <c>r·stride</c> of <paramref name="rows"/>.
    /// </summary>
    private void ComputeBlockRows(ReadOnlySpan<ulong> input, int n, int c0, int length, Span<ulong> rows, int stride, bool exact, SimdLevel level)
    {
        int k = _source.Length;
        Modulus[] source = _source;

        // t_i = [x_i · (Q/q_i)^-1]_(q_i) for the block, stored rows[i·stride + c].
        for (int i = 0; i < k; i++)
        {
            ShoupOperand w = _inversePunctured[i];
            if (source[i].BitCount <= 32)
            {
                ElementwiseKernels.MultiplyShoupNarrow(input.Slice(i * n + c0, length), w.Value, _inversePunctured32[i], rows.Slice(i * stride, length), source[i], level);
            }
            else
            {
                ElementwiseKernels.MultiplyShoup(input.Slice(i * n + c0, length), w, rows.Slice(i * stride, length), source[i], level);
            }
        }

        if (exact)
        {
            RoundedQuotients(rows, stride, length, _inverseSource, rows.Slice(k * stride, length), level, _sourcesBelow2To52);
        }

        if (_needsHighRows)
        {
            for (int s = 0; s < _splitSources.Length; s++)
            {
                ElementwiseKernels.SplitBits(
                    rows.Slice(_splitSources[s] * stride, length), _splitShifts[s],
                    rows.Slice((k + 1 + 2 * s) * stride, length), rows.Slice((k + 2 + 2 * s) * stride, length), level);
            }
        }
    }

    /// <summary>
    /// <c>v[c] = round(Σ_i t[i·block + c] / q_i)</c> for <c>c &lt; length</c>, in double precision with one fused
    /// multiply-add per term in the same order on every path, so the Vector256 and scalar paths agree bit for bit.
    /// </summary>
    /// <remarks>
    /// The vector path converts each <c>t &lt; 2^61</c> to double exactly-rounded by splitting it into 32-bit halves
    /// (each converted with the <c>2^52</c> bias trick) and recombining with one FMA, which is the same single
    /// rounding as the scalar conversion; when the caller states that every <c>t</c> is below <c>2^52</c>
    /// (<paramref name="below2To52"/>), one bias conversion is already exact. The final rounding adds <c>2^52</c> (round to nearest, ties to even, exact
    /// for <c>0 ≤ sum &lt; 2^51</c>); the scalar path uses <see cref="Math.Round(double)"/>, also ties to even.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void RoundedQuotients(
        ReadOnlySpan<ulong> t, int block, int length, ReadOnlySpan<double> inverse, Span<ulong> v, SimdLevel level, bool below2To52 = false)
    {
        int k = inverse.Length, c = 0;
        ref ulong tRef = ref MemoryMarshal.GetReference(t);
        if (level != SimdLevel.Scalar)
        {
            const ulong Bias = 0x4330_0000_0000_0000UL; // the bit pattern of 2^52
            Vector256<ulong> bias = Vector256.Create(Bias), mask = Vector256.Create(0xFFFF_FFFFUL);
            Vector256<double> twoTo52 = Vector256.Create(4503599627370496.0), twoTo32 = Vector256.Create(4294967296.0);
            for (; c <= length - Vector256<ulong>.Count; c += Vector256<ulong>.Count)
            {
                Vector256<double> sum = Vector256<double>.Zero;
                for (int i = 0; i < k; i++)
                {
                    Vector256<ulong> x = Vector256.LoadUnsafe(ref tRef, (nuint)(i * block + c));
                    Vector256<double> value;
                    if (below2To52)
                    {
                        value = (x | bias).AsDouble() - twoTo52; // exact for x < 2^52
                    }
                    else
                    {
                        Vector256<double> low = ((x & mask) | bias).AsDouble() - twoTo52;
                        Vector256<double> high = (Vector256.ShiftRightLogical(x, 32) | bias).AsDouble() - twoTo52;
                        value = Vector256.FusedMultiplyAdd(high, twoTo32, low);
                    }

                    sum = Vector256.FusedMultiplyAdd(value, Vector256.Create(inverse[i]), sum);
                }

                ((sum + twoTo52).AsUInt64() - bias).CopyTo(v.Slice(c, Vector256<ulong>.Count));
            }
        }

        for (; c < length; c++)
        {
            double sum = 0;
            for (int i = 0; i < k; i++)
            {
                sum = Math.FusedMultiplyAdd((long)Unsafe.Add(ref tRef, i * block + c), inverse[i], sum);
            }

            v[c] = (ulong)(long)Math.Round(sum);
        }
    }
}
