using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// A plaintext linear map applied to encrypted vectors: <c>y = M·x</c> for a matrix, or in general
/// <c>y = Σ_k d_k ⊙ rot_k(x)</c> over generalized diagonals <c>d_k</c>, evaluated with baby-step giant-step and hoisted
/// rotations. The diagonals are encoded once, at construction.
/// </summary>
/// <remarks>
/// <para>
/// <b>Matrices and slot layout.</b> A <c>rows × columns</c> matrix is padded with zeros to <c>n × n</c>, where the
/// block size <c>n</c> is the smallest power of two at least <c>max(rows, columns)</c> (the powers of two are exactly
/// the divisors of the slot count <c>N/2</c>); <c>n ≤ N/2</c> is required. The input vector must be
/// <b>replicated</b> with period <c>n</c>: slot <c>j</c> holds <c>x[j mod n]</c>, with zeros for
/// <c>columns ≤ j mod n &lt; n</c>; <see cref="PackInput(ReadOnlySpan{double})"/> builds that layout. The output then
/// holds <c>y[j mod n]</c> in slot <c>j</c> (zeros for <c>rows ≤ j mod n</c>), replicated the same way, so it can feed
/// another transform of the same block size; <see cref="UnpackOutput(ReadOnlySpan{double})"/> reads it. For
/// <c>n = N/2</c> there is nothing to replicate.
/// </para>
/// <para>
/// <b>Algorithm</b> (<see href="https://eprint.iacr.org/2014/106">Halevi–Shoup 2014</see>,
/// <see href="https://eprint.iacr.org/2018/244">2018</see>). With the matrix's generalized diagonals
/// <c>d_k[j] = M[j mod n][(j + k) mod n]</c>, <c>M·x = Σ_(k &lt; n) d_k ⊙ rot_k(x)</c>. Writing <c>k = g·n_1 + b</c>
/// (<c>b &lt; n_1</c> baby steps, <c>g</c> giant steps):
/// <c>M·x = Σ_g rot_(g·n_1)( Σ_b rot_(-g·n_1)(d_k) ⊙ rot_b(x) )</c>. The baby-step rotations of <c>x</c> share one
/// key-switching decomposition (<see cref="Evaluator.RotateHoisted(Ciphertext, IReadOnlyList{int})"/>), the
/// pre-rotated diagonals are plaintexts encoded at construction, and each giant step costs one rotation. All-zero
/// diagonals are skipped. <see cref="RequiredRotations"/> lists the rotation steps used, so that the client can create
/// exactly those Galois keys.
/// </para>
/// <para>
/// <b>Levels and scale.</b> The diagonals are encoded at <see cref="Level"/> with scale <see cref="Scale"/>, by default
/// the prime <c>q_Level</c>; an input at level <see cref="Level"/> then comes out, after the final rescale, at level
/// <c>Level - 1</c> with exactly its own scale. An input at a lower level works too (its scale is then multiplied by
/// <c>Scale / q_ℓ</c>). Without the rescale, the result stays at the input's level with scale <c>x.Scale·Scale</c>.
/// </para>
/// <para>
/// <b>Memory.</b> One plaintext per non-zero diagonal: <c>(Level + 1)·N·8</c> bytes each.
/// </para>
/// <para>Instances are immutable and can be used from several threads at once.</para>
/// </remarks>
public sealed class LinearTransform
{
    private readonly Dictionary<int, Plaintext> _plaintexts;
    private readonly int[] _babySteps;
    private readonly int[] _giantSteps;
    private readonly (int Giant, GiantTerm[] Terms)[] _giantTerms;
    private readonly int[] _rotatedBabySteps;
    private readonly bool _firstBabyIsInput;
    private readonly ConcurrentBag<Workspace> _workspaces = [];
    private readonly int _termCount;

    /// <summary>Encodes the matrix <paramref name="matrix"/> (<c>rows × columns</c>) for evaluation on encrypted vectors.</summary>
    /// <param name="context">The CKKS context.</param>
    /// <param name="matrix">The matrix, with finite entries and at most <c>N/2</c> rows and columns (rounded up to a power of two).</param>
    /// <param name="level">The level to encode at (the level of the inputs); <see langword="null"/> means the top level.</param>
    /// <param name="scale">The encoding scale; <see langword="null"/> means <c>q_level</c> (the default scale at level 0).</param>
    /// <param name="babySteps">The baby-step count <c>n_1</c> in <c>[1, n]</c>; <see langword="null"/> chooses the one with the fewest rotations.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The matrix is empty, has a non-finite entry, or is larger than the slot count.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/>, <paramref name="scale"/> or <paramref name="babySteps"/> is out of range.</exception>
    public LinearTransform(CkksContext context, double[,] matrix, int? level = null, double? scale = null, int? babySteps = null)
        : this(context, CheckMatrix(context, matrix, out int rows, out int columns, out int blockSize), rows, columns, blockSize, blockSize, level, scale, babySteps)
    {
    }

    /// <summary>
    /// The common constructor: <paramref name="diagonals"/> maps <c>k</c> to <c>d_k</c>, periodic with period
    /// <paramref name="period"/> (a divisor of the slot count) when it is below the slot count, zero-padded otherwise.
    /// </summary>
    private LinearTransform(
        CkksContext context, Dictionary<int, double[]> diagonals, int rows, int columns, int blockSize, int period, int? level, double? scale, int? babySteps)
    {
        Context = context;
        Rows = rows;
        Columns = columns;
        BlockSize = blockSize;
        int slots = context.Parameters.Slots;
        Level = level ?? context.MaxLevel;
        context.CheckLevel(Level, nameof(level));
        Scale = scale ?? (Level > 0 ? context.Parameters.Q[Level] : context.Parameters.DefaultScale);
        CkksContext.CheckScale(Scale, nameof(scale));

        // Non-zero diagonals only.
        var indices = new List<int>();
        foreach ((int k, double[] d) in diagonals)
        {
            if (Array.Exists(d, v => v != 0))
            {
                indices.Add(k);
            }
        }

        indices.Sort();
        DiagonalIndices = indices;
        int span = indices.Count == 0 ? 1 : indices[^1] + 1;
        if (babySteps is int requested && (requested < 1 || requested > slots))
        {
            throw new ArgumentOutOfRangeException(nameof(babySteps), requested, $"The baby-step count must be in [1, {slots}] (the slot count).");
        }

        BabyStepCount = babySteps ?? ChooseBabySteps(indices, span);
        var babies = new SortedSet<int>();
        var giants = new SortedSet<int>();
        foreach (int k in indices)
        {
            babies.Add(k % BabyStepCount);
            giants.Add(k / BabyStepCount * BabyStepCount);
        }

        _babySteps = [.. babies];
        _giantSteps = [.. giants];
        var rotations = new SortedSet<int>();
        rotations.UnionWith(babies.Where(b => b != 0));
        rotations.UnionWith(giants.Where(g => g != 0));
        RequiredRotations = [.. rotations];

        // Pre-rotate each diagonal by -(its giant step) and encode it.
        var encoder = new CkksEncoder(context);
        _plaintexts = new Dictionary<int, Plaintext>(indices.Count);
        var rotated = new double[slots];
        foreach (int k in indices)
        {
            double[] d = diagonals[k];
            int shift = k / BabyStepCount * BabyStepCount;
            for (int j = 0; j < slots; j++)
            {
                int source = ((j - shift) % slots + slots) % slots;
                rotated[j] = period < slots ? d[source % period] : source < d.Length ? d[source] : 0;
            }

            _plaintexts[k] = encoder.Encode(rotated, Level, Scale);
        }

        _rotatedBabySteps = [.. _babySteps.Where(b => b != 0)];
        _firstBabyIsInput = _babySteps.Length > 0 && _babySteps[0] == 0;
        var babyIndex = new Dictionary<int, int>();
        for (int i = 0; i < _babySteps.Length; i++)
        {
            babyIndex[_babySteps[i]] = i;
        }

        _giantTerms = [.. _giantSteps.Select(g => (g, _babySteps
            .Where(b => _plaintexts.ContainsKey(g + b))
            .Select(b => new GiantTerm(b, babyIndex[b], _plaintexts[g + b]))
            .ToArray()))];
        _termCount = _giantTerms.Sum(t => t.Terms.Length);
    }

    /// <summary>The context.</summary>
    public CkksContext Context { get; }

    /// <summary>The number of rows of the matrix (the slot count for a transform given by diagonals).</summary>
    public int Rows { get; }

    /// <summary>The number of columns of the matrix (the slot count for a transform given by diagonals).</summary>
    public int Columns { get; }

    /// <summary>The block size <c>n</c>: the period of the input and output layout (the slot count for a transform given by diagonals).</summary>
    public int BlockSize { get; }

    /// <summary>The level the diagonals are encoded at: the level inputs are expected at (at most).</summary>
    public int Level { get; }

    /// <summary>The scale the diagonals are encoded at.</summary>
    public double Scale { get; }

    /// <summary>The baby-step count <c>n_1</c>: diagonal <c>k</c> is reached by a baby step <c>k mod n_1</c> and a giant step <c>n_1·floor(k / n_1)</c>.</summary>
    public int BabyStepCount { get; }

    /// <summary>The indices <c>k</c> of the non-zero diagonals, in increasing order.</summary>
    public IReadOnlyList<int> DiagonalIndices { get; }

    /// <summary>
    /// The rotation steps (left, positive, in increasing order) evaluation uses: the baby steps and the giant steps.
    /// Create the Galois keys with <c>KeyGenerator.CreateGaloisKeys(transform.RequiredRotations)</c>.
    /// </summary>
    public IReadOnlyList<int> RequiredRotations { get; }

    /// <summary>
    /// Encodes the generalized diagonals <paramref name="diagonals"/> of a map on all <c>N/2</c> slots:
    /// <c>y = Σ_k d_k ⊙ rot_k(x)</c>, where <c>rot_k</c> rotates left by <c>k</c> (slot <c>j</c> receives slot <c>j + k</c>).
    /// </summary>
    /// <param name="context">The CKKS context.</param>
    /// <param name="diagonals">Diagonal index <c>k</c> (taken modulo <c>N/2</c>) to its values (at most <c>N/2</c>, zero-padded, finite).</param>
    /// <param name="level">The level to encode at; <see langword="null"/> means the top level.</param>
    /// <param name="scale">The encoding scale; <see langword="null"/> means <c>q_level</c>.</param>
    /// <param name="babySteps">The baby-step count in <c>[1, N/2]</c>; <see langword="null"/> chooses it.</param>
    /// <returns>The transform.</returns>
    /// <exception cref="ArgumentNullException">An argument or a diagonal is null.</exception>
    /// <exception cref="ArgumentException">There is no diagonal, two indices are equal modulo <c>N/2</c>, or a diagonal is too long or has a non-finite value.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/>, <paramref name="scale"/> or <paramref name="babySteps"/> is out of range.</exception>
    public static LinearTransform FromDiagonals(
        CkksContext context, IReadOnlyDictionary<int, double[]> diagonals, int? level = null, double? scale = null, int? babySteps = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(diagonals);
        int slots = context.Parameters.Slots;
        if (diagonals.Count == 0)
        {
            throw new ArgumentException("A linear transform needs at least one diagonal.", nameof(diagonals));
        }

        var normalized = new Dictionary<int, double[]>(diagonals.Count);
        foreach ((int index, double[] values) in diagonals)
        {
            ArgumentNullException.ThrowIfNull(values, nameof(diagonals));
            int k = ((index % slots) + slots) % slots;
            if (values.Length > slots)
            {
                throw new ArgumentException($"Diagonal {index} has {values.Length} values, more than the {slots} slots.", nameof(diagonals));
            }

            for (int j = 0; j < values.Length; j++)
            {
                if (!double.IsFinite(values[j]))
                {
                    throw new ArgumentException($"Diagonal {index} has the value {values[j]} at slot {j}; values must be finite.", nameof(diagonals));
                }
            }

            if (!normalized.TryAdd(k, (double[])values.Clone()))
            {
                throw new ArgumentException($"Diagonal {index} is the same as another index modulo the {slots} slots ({k}).", nameof(diagonals));
            }
        }

        return new LinearTransform(context, normalized, slots, slots, slots, slots, level, scale, babySteps);
    }

    /// <summary>Lays out <paramref name="vector"/> (at most <see cref="Columns"/> values) as the input expects: replicated with period <see cref="BlockSize"/> over all slots.</summary>
    /// <param name="vector">The vector; missing entries are zero.</param>
    /// <returns>The <c>N/2</c> slot values, to encode and encrypt.</returns>
    /// <exception cref="ArgumentException"><paramref name="vector"/> has more than <see cref="Columns"/> values.</exception>
    public double[] PackInput(ReadOnlySpan<double> vector)
    {
        if (vector.Length > Columns)
        {
            throw new ArgumentException($"The vector has {vector.Length} values; the matrix has {Columns} columns.", nameof(vector));
        }

        var slots = new double[Context.Parameters.Slots];
        for (int start = 0; start < slots.Length; start += BlockSize)
        {
            vector.CopyTo(slots.AsSpan(start));
        }

        return slots;
    }

    /// <summary>Reads the output vector (<see cref="Rows"/> values) from the decoded slots of a result.</summary>
    /// <param name="slots">The decoded slots (at least <see cref="Rows"/>).</param>
    /// <returns>The first <see cref="Rows"/> slot values.</returns>
    /// <exception cref="ArgumentException"><paramref name="slots"/> has fewer than <see cref="Rows"/> values.</exception>
    public double[] UnpackOutput(ReadOnlySpan<double> slots)
    {
        if (slots.Length < Rows)
        {
            throw new ArgumentException($"There are {slots.Length} slot values; the output has {Rows} rows.", nameof(slots));
        }

        return slots[..Rows].ToArray();
    }

    /// <summary>Returns the transform of <paramref name="input"/>, rescaled by default.</summary>
    /// <param name="evaluator">An evaluator of the same context with Galois keys for <see cref="RequiredRotations"/> (or keys they can be composed from).</param>
    /// <param name="input">The input (size 2), at level at most <see cref="Level"/> (and at least 1 to rescale).</param>
    /// <param name="rescale">Whether to rescale the result (one level).</param>
    /// <returns>The result: level <c>input.Level - 1</c> and scale <c>input.Scale·Scale/q_ℓ</c> (= <c>input.Scale</c> at <see cref="Level"/> with the default scale) when rescaled.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context, the input has size 3, or it is above <see cref="Level"/>.</exception>
    /// <exception cref="InvalidOperationException">A rotation cannot be done with the evaluator's keys, or the input is at level 0 and <paramref name="rescale"/> is set.</exception>
    public Ciphertext Evaluate(Evaluator evaluator, Ciphertext input, bool rescale = true)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        var destination = new Ciphertext(evaluator.Context);
        Evaluate(evaluator, input, destination, rescale);
        return destination;
    }

    /// <summary>Computes the transform of <paramref name="input"/> into <paramref name="destination"/>.</summary>
    /// <param name="evaluator">An evaluator of the same context with Galois keys for <see cref="RequiredRotations"/> (or keys they can be composed from).</param>
    /// <param name="input">The input (size 2), at level at most <see cref="Level"/> (and at least 1 to rescale).</param>
    /// <param name="destination">Receives the result; may be <paramref name="input"/>.</param>
    /// <param name="rescale">Whether to rescale the result (one level).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context, the input has size 3, or it is above <see cref="Level"/>.</exception>
    /// <exception cref="InvalidOperationException">A rotation cannot be done with the evaluator's keys, or the input is at level 0 and <paramref name="rescale"/> is set.</exception>
    public void Evaluate(Evaluator evaluator, Ciphertext input, Ciphertext destination, bool rescale = true)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(destination);
        Context.CheckSame(evaluator.Context, nameof(evaluator));
        Context.CheckSame(input.Context, nameof(input));
        Context.CheckSame(destination.Context, nameof(destination));
        if (input.Size != 2)
        {
            throw new ArgumentException($"A linear transform needs a ciphertext of size 2; the input has size {input.Size}. Relinearize it first.", nameof(input));
        }

        if (input.Level > Level)
        {
            throw new ArgumentException(
                $"The input is at level {input.Level}, above the level {Level} the diagonals are encoded at. DropToLevel the input to {Level}, " +
                $"or create the transform at level {input.Level}.", nameof(input));
        }

        if (rescale && input.Level == 0)
        {
            throw new InvalidOperationException("The input is at level 0: the result cannot be rescaled. Pass rescale: false, or evaluate earlier.");
        }

        Workspace w = _workspaces.TryTake(out Workspace? pooled) ? pooled : new Workspace(Context, _babySteps.Length, _firstBabyIsInput);
        try
        {
            // Baby steps: one shared decomposition (no rotation at all when the only baby step is 0).
            Ciphertext[] babies = w.Babies;
            if (_firstBabyIsInput)
            {
                babies[0] = input; // baby step 0 is the input itself
            }

            if (_rotatedBabySteps.Length > 0)
            {
                evaluator.RotateHoisted(input, _rotatedBabySteps, w.RotatedBabies);
            }

            int level = input.Level, limbs = level + 1;
            double productScale = input.Scale * Scale;
            bool any = _giantTerms.Length > 0;
            Ciphertext result = w.Result;
            if (any)
            {
                result = GiantSteps(evaluator, babies, w, level, productScale);
            }

            if (!any)
            {
                // Every diagonal is zero: the result is an encryption of zero with the product's scale.
                result.Reshape(2, input.Level, input.Scale * Scale);
                result[0].Buffer.AsSpan(0, limbs * Context.N).Clear();
                result[1].Buffer.AsSpan(0, limbs * Context.N).Clear();
            }

            if (rescale)
            {
                evaluator.Rescale(result, destination);
            }
            else
            {
                result.CopyTo(destination);
            }
        }
        finally
        {
            if (_firstBabyIsInput)
            {
                w.Babies[0] = null!; // do not keep the caller's ciphertext alive in the pool
            }

            _workspaces.Add(w);
        }
    }


    /// <summary>
    /// <c>Σ_g rot_g(Σ_b d_(g+b) ⊙ rot_b(x))</c>. First every inner sum, in one pass over the coefficients: each block of the
    /// baby steps is read once for all giant steps (from cache), and each diagonal once, instead of reading all the baby
    /// steps again for every giant step (the inner sums are bound by memory traffic, not arithmetic). Then the rotations
    /// of the inner sums, which are independent: with several threads each thread takes a share of them and runs its
    /// operations on its own thread (rather than every operation splitting its few limbs over the threads). Modular sums
    /// are exact, so the result does not depend on the number of threads. Returns the workspace ciphertext holding it.
    /// </summary>
    private Ciphertext GiantSteps(Evaluator evaluator, Ciphertext[] babies, Workspace w, int level, double productScale)
    {
        int count = _giantTerms.Length, limbs = level + 1;
        w.EnsureInners(Context, count);
        Ciphertext[] inners = w.Inners;
        for (int i = 0; i < count; i++)
        {
            inners[i].Reshape(2, level, productScale);
        }

        LimbParallel.For(
            Context.RingQ, limbs * InnerChunks, 4L * _termCount * Context.N / InnerChunks, new GiantStepAction(Context, babies, _giantTerms, inners, InnerChunks));

        int rotated = 0;
        foreach ((int giant, _) in _giantTerms)
        {
            rotated += giant != 0 ? 1 : 0;
        }

        int groups = LimbParallel.IsSequential ? 1 : Math.Min(Context.MaxDegreeOfParallelism, rotated);
        if (groups <= 1)
        {
            RotateAndSum(evaluator, inners, 0, 1);
        }
        else
        {
            RotateAndSumInParallel(evaluator, inners, groups);
        }

        // Each share's sum sits in its first inner sum (shares are g, g + groups, ...: the first ones are 0 .. groups − 1).
        for (int g = 1; g < Math.Min(groups, count); g++)
        {
            evaluator.Add(inners[0], inners[g], inners[0]);
        }

        return inners[0];
    }

    /// <summary>
    /// <see cref="RotateAndSum"/> on <paramref name="groups"/> threads, each taking every <paramref name="groups"/>-th inner
    /// sum. Kept out of <see cref="GiantSteps"/> so that its sequential path does not allocate the lambda's closure.
    /// </summary>
    private void RotateAndSumInParallel(Evaluator evaluator, Ciphertext[] inners, int groups) =>
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = groups }, g =>
        {
            using LimbParallel.SequentialScope sequential = LimbParallel.Sequential();
            RotateAndSum(evaluator, inners, g, groups);
        });

    /// <summary>Rotates inner sums <c>first, first + stride, …</c> by their giant steps and sums them into inner sum <c>first</c>.</summary>
    private void RotateAndSum(Evaluator evaluator, Ciphertext[] inners, int first, int stride)
    {
        for (int i = first; i < _giantTerms.Length; i += stride)
        {
            int giant = _giantTerms[i].Giant;
            if (giant != 0)
            {
                evaluator.Rotate(inners[i], giant, inners[i]);
            }

            if (i != first)
            {
                evaluator.Add(inners[first], inners[i], inners[first]);
            }
        }
    }

    /// <summary>The coefficient ranges each limb's inner sums are split into (work items for the threads).</summary>
    private const int InnerChunks = 4;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"LinearTransform({Rows}x{Columns}, block {BlockSize}, {DiagonalIndices.Count} diagonals, {BabyStepCount} baby steps, {RequiredRotations.Count} rotations, level {Level})");

    /// <summary>Buffers of one evaluation (pooled: a transform evaluated again allocates nothing new).</summary>
    private sealed class Workspace
    {
        public Workspace(CkksContext context, int babyCount, bool firstIsInput)
        {
            Babies = new Ciphertext[babyCount];
            for (int i = firstIsInput ? 1 : 0; i < babyCount; i++)
            {
                Babies[i] = new Ciphertext(context);
            }

            RotatedBabies = firstIsInput ? Babies[1..] : [.. Babies];

            Result = new Ciphertext(context);
        }

        /// <summary>The baby-step rotations of the input, in the order of the baby steps.</summary>
        public Ciphertext[] Babies { get; }

        /// <summary>The rotated baby steps (all but step 0), the destinations of the hoisted rotation.</summary>
        public Ciphertext[] RotatedBabies { get; }

        /// <summary>One inner sum per giant step.</summary>
        public Ciphertext[] Inners { get; private set; } = [];

        /// <summary>Makes sure there are <paramref name="count"/> inner sums.</summary>
        public void EnsureInners(CkksContext context, int count)
        {
            if (Inners.Length < count)
            {
                // A loop, not a lambda: a lambda capturing the parameter would allocate its closure on every call.
                var inners = new Ciphertext[count];
                for (int i = 0; i < count; i++)
                {
                    inners[i] = new Ciphertext(context);
                }

                Inners = inners;
            }
        }

        /// <summary>The running result.</summary>
        public Ciphertext Result { get; }
    }

    /// <summary>One term of a giant step: the baby step, its index among the rotated inputs, and the (pre-rotated) diagonal it is multiplied by.</summary>
    private sealed record GiantTerm(int BabyStep, int BabyIndex, Plaintext Diagonal);

    /// <summary>
    /// One limb of a giant step's inner sum <c>Σ_b d_b ⊙ rot_b(x)</c> for both ciphertext components. For primes below
    /// 2^31 the products are summed in 64-bit words (one 32×32-bit multiply each) and reduced once every
    /// <c>NarrowTermLimit</c> terms; primes of 32 to 50 bits sum exactly reduced products in doubles
    /// (<c>MultiplyAccumulatePairFma</c>, folded every <c>FmaTermLimit</c> terms); wider primes use 128-bit sums of up to 32
    /// products. The sums are exact, so the result equals term-by-term modular arithmetic.
    /// </summary>
    private readonly struct GiantStepAction(
        CkksContext context, Ciphertext[] babies, (int Giant, GiantTerm[] Terms)[] giantTerms, Ciphertext[] outputs, int chunks) : ILimbAction
    {
        private const int Block = 512;

        /// <summary>Item <paramref name="index"/>: limb <c>index / chunks</c>, coefficient range <c>index mod chunks</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Invoke(int index)
        {
            int limb = index / chunks, chunk = index % chunks;
            Modulus q = context.RingQ.ModuliArray[limb];
            int n = context.N, per = n / chunks, start = chunk * per, end = start + per;
            bool narrow = ElementwiseKernels.IsNarrow(q);
            bool fma = ElementwiseKernels.IsFmaAccumulable(q); // 32–50-bit primes: exact sums in doubles
            int limit = narrow ? ElementwiseKernels.NarrowTermLimit(q) : fma ? ElementwiseKernels.FmaTermLimit(q) : 32;
            SimdLevel simd = SimdCapabilities.Current;
            Span<ulong> low0 = stackalloc ulong[Block], high0 = stackalloc ulong[Block];
            Span<ulong> low1 = stackalloc ulong[Block], high1 = stackalloc ulong[Block];
            for (int c0 = start; c0 < end; c0 += Block)
            {
                int length = Math.Min(Block, end - c0);
                Span<ulong> l0 = low0[..length], l1 = low1[..length], h0 = high0[..length], h1 = high1[..length];
                Span<double> f0 = MemoryMarshal.Cast<ulong, double>(l0), f1 = MemoryMarshal.Cast<ulong, double>(l1);
                for (int g = 0; g < giantTerms.Length; g++)
                {
                    GiantTerm[] terms = giantTerms[g].Terms;
                    Span<ulong> out0 = outputs[g][0].LimbUnchecked(limb), out1 = outputs[g][1].LimbUnchecked(limb);
                    if (!fma)
                    {
                        l0.Clear();
                        l1.Clear();
                        h0.Clear();
                        h1.Clear();
                    }

                    int count = 0;
                    foreach (GiantTerm term in terms)
                    {
                        if (count >= limit)
                        {
                            if (fma)
                            {
                                ElementwiseKernels.FoldFmaSums(f0, q, simd);
                                ElementwiseKernels.FoldFmaSums(f1, q, simd);
                            }
                            else
                            {
                                Fold(narrow, l0, h0, q);
                                Fold(narrow, l1, h1, q);
                            }

                            count = 1;
                        }

                        Ciphertext x = babies[term.BabyIndex];
                        ReadOnlySpan<ulong> d = term.Diagonal.Poly.LimbUnchecked(limb).Slice(c0, length);
                        ReadOnlySpan<ulong> x0 = x[0].LimbUnchecked(limb).Slice(c0, length), x1 = x[1].LimbUnchecked(limb).Slice(c0, length);
                        if (narrow)
                        {
                            ElementwiseKernels.MultiplyAccumulateNarrow(x0, d, l0);
                            ElementwiseKernels.MultiplyAccumulateNarrow(x1, d, l1);
                        }
                        else if (fma)
                        {
                            // The pair kernel shares its first operand: here the diagonal, against both components.
                            ElementwiseKernels.MultiplyAccumulatePairFma(d, x0, x1, f0, f1, q, overwrite: count == 0, simd);
                        }
                        else
                        {
                            ElementwiseKernels.MultiplyAccumulateWide(x0, d, l0, h0);
                            ElementwiseKernels.MultiplyAccumulateWide(x1, d, l1, h1);
                        }

                        count++;
                    }

                    if (narrow)
                    {
                        ElementwiseKernels.Reduce(l0, out0.Slice(c0, length), q);
                        ElementwiseKernels.Reduce(l1, out1.Slice(c0, length), q);
                    }
                    else if (fma)
                    {
                        if (count == 0)
                        {
                            f0.Clear(); // a giant step without terms: zero sums
                            f1.Clear();
                        }

                        ElementwiseKernels.ReduceFmaSums(f0, out0.Slice(c0, length), q, simd);
                        ElementwiseKernels.ReduceFmaSums(f1, out1.Slice(c0, length), q, simd);
                    }
                    else
                    {
                        ElementwiseKernels.ReduceWide(l0, h0, out0.Slice(c0, length), q);
                        ElementwiseKernels.ReduceWide(l1, h1, out1.Slice(c0, length), q);
                    }
                }
            }
        }

        private static void Fold(bool narrow, Span<ulong> low, Span<ulong> high, Modulus q)
        {
            if (narrow)
            {
                ElementwiseKernels.Reduce(low, low, q);
            }
            else
            {
                ElementwiseKernels.ReduceWide(low, high, low, q);
                high.Clear();
            }
        }
    }

    /// <summary>The baby-step count (a power of two) minimizing the rotations: hoisted baby steps count half a giant step.</summary>
    private static int ChooseBabySteps(List<int> indices, int span)
    {
        int best = 1;
        double bestCost = double.MaxValue;
        for (int n1 = 1; n1 <= Math.Max(1, (int)BitOperations.RoundUpToPowerOf2((uint)span)); n1 *= 2)
        {
            var babies = new HashSet<int>();
            var giants = new HashSet<int>();
            foreach (int k in indices)
            {
                babies.Add(k % n1);
                giants.Add(k / n1);
            }

            babies.Remove(0);
            giants.Remove(0);
            double cost = 0.5 * babies.Count + giants.Count;
            if (cost < bestCost)
            {
                best = n1;
                bestCost = cost;
            }
        }

        return best;
    }

    private static Dictionary<int, double[]> CheckMatrix(CkksContext context, double[,] matrix, out int rows, out int columns, out int blockSize)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(matrix);
        rows = matrix.GetLength(0);
        columns = matrix.GetLength(1);
        int slots = context.Parameters.Slots;
        if (rows == 0 || columns == 0)
        {
            throw new ArgumentException($"The matrix is {rows}x{columns}; it needs at least one row and one column.", nameof(matrix));
        }

        if (rows > slots || columns > slots)
        {
            throw new ArgumentException(
                $"The matrix is {rows}x{columns}, larger than the {slots} slots (N/2); split it into blocks of at most {slots}.", nameof(matrix));
        }

        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                if (!double.IsFinite(matrix[r, c]))
                {
                    throw new ArgumentException($"The matrix entry [{r}, {c}] is {matrix[r, c]}; entries must be finite.", nameof(matrix));
                }
            }
        }

        int n = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(rows, columns));
        blockSize = n;

        // d_k[r] = M[r][(r + k) mod n] for r < n (slot j uses r = j mod n), zero outside the matrix.
        var diagonals = new Dictionary<int, double[]>(n);
        for (int k = 0; k < n; k++)
        {
            var d = new double[n];
            for (int r = 0; r < rows; r++)
            {
                int c = (r + k) % n;
                if (c < columns)
                {
                    d[r] = matrix[r, c];
                }
            }

            diagonals[k] = d;
        }

        return diagonals;
    }
}
