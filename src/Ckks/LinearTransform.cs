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
/// <c>M·x = Σ_g rot_(g·n_1)( Σ_b rot_(-g·n_1)(d_k) ⊙ rot_b(x) )</c>. The pre-rotated diagonals are plaintexts
/// encoded at construction. All-zero diagonals are skipped. <see cref="RequiredRotations"/> lists the rotation steps
/// used, so that the client can create exactly those Galois keys.
/// </para>
/// <para>
/// <b>Double hoisting</b> (<see href="https://eprint.iacr.org/2020/1203">Bossuat, Mouchet, Troncoso-Pastoriza,
/// Hubaux 2021</see>, section 6). The key switches work over <c>Q_ℓ·P</c> and end with a division by <c>P</c>
/// (ModDown), which is linear up to rounding; the transform divides once instead of once per rotation. The baby steps
/// share one decomposition of <c>c_1</c> and stay over <c>Q_ℓ·P</c>, not divided; each giant step's inner sum is
/// formed over <c>Q_ℓ·P</c> (the diagonals are encoded modulo the special primes too); a giant step divides only the
/// second component of its inner sum, to decompose it, and adds its key-switching sums to a total over
/// <c>Q_ℓ·P</c>; the total is divided by <c>P</c> once. A transform with <c>n_b</c> rotated baby steps and
/// <c>n_g</c> rotated giant steps pays <c>n_g + 2</c> polynomial divisions instead of <c>2(n_b + n_g)</c>; the
/// rounding error is that of one division, smaller than that of dividing each rotation. A rotation whose key is
/// missing is composed from the available keys (<see cref="Evaluator.Rotate(Ciphertext, int)"/>) and costs its own
/// divisions.
/// </para>
/// <para>
/// <b>Levels and scale.</b> The diagonals are encoded at <see cref="Level"/> with scale <see cref="Scale"/>, by default
/// the prime <c>q_Level</c>; an input at level <see cref="Level"/> then comes out, after the final rescale, at level
/// <c>Level - 1</c> with exactly its own scale. An input at a lower level works too (its scale is then multiplied by
/// <c>Scale / q_ℓ</c>). Without the rescale, the result stays at the input's level with scale <c>x.Scale·Scale</c>.
/// </para>
/// <para>
/// <b>Memory.</b> One plaintext per non-zero diagonal: <c>(Level + 1 + k)·N·8</c> bytes each with <c>k</c> special
/// primes (<c>(Level + 1)·N·8</c> for the diagonals of baby step 0). An evaluation's buffers (pooled per thread) hold the
/// baby steps and the giant steps' inner sums over <c>Q·P</c>: <c>2·(L + 1 + k)·N·8</c> bytes each.
/// </para>
/// <para>Instances are immutable and can be used from several threads at once.</para>
/// </remarks>
public sealed class LinearTransform
{
    private readonly Dictionary<int, Plaintext> _plaintexts;
    private readonly Dictionary<int, RnsPoly> _extensions;
    private readonly int[] _babySteps;
    private readonly int[] _giantSteps;
    private readonly (int Giant, GiantTerm[] Terms)[] _giantTerms;
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
        _extensions = new Dictionary<int, RnsPoly>(indices.Count);
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

            var plaintext = new Plaintext(context, Level, Scale);
            if (k % BabyStepCount == 0)
            {
                // Baby step 0 is the input itself, not multiplied by P like the other baby steps: the diagonal carries P.
                encoder.Encode(rotated, Level, Scale, plaintext);
                LimbOps.MultiplyScalar(plaintext.Poly, context.PModQShoup, plaintext.Poly, Level + 1);
            }
            else
            {
                var extension = new RnsPoly(context.RingP, context.Parameters.PCount, isNttForm: true);
                encoder.EncodeExtended(rotated, Level, Scale, plaintext, extension);
                _extensions[k] = extension;
            }

            _plaintexts[k] = plaintext;
        }

        _firstBabyIsInput = _babySteps.Length > 0 && _babySteps[0] == 0;
        var babyIndex = new Dictionary<int, int>();
        for (int i = 0; i < _babySteps.Length; i++)
        {
            babyIndex[_babySteps[i]] = i;
        }

        _giantTerms = [.. _giantSteps.Select(g => (g, _babySteps
            .Where(b => _plaintexts.ContainsKey(g + b))
            .Select(b => new GiantTerm(babyIndex[b], _plaintexts[g + b], _extensions.GetValueOrDefault(g + b)))
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

        Workspace w = _workspaces.TryTake(out Workspace? pooled) ? pooled : new Workspace(Context, _babySteps.Length, _giantTerms.Length);
        KeySwitcher switcher = evaluator.KeySwitcher;
        KeySwitcher.Scratch s = switcher.Rent();
        try
        {
            int level = input.Level;
            double productScale = input.Scale * Scale;
            Babies(evaluator, input, w, s, level);
            InnerSums(w, level);
            GiantSteps(evaluator, w, s, level, productScale);

            // One division by P for the whole transform.
            Ciphertext result = w.Result;
            result.Reshape(2, level, productScale);
            switcher.ModDown(s, level, w.Sum.Q0, w.Sum.P0, result[0]);
            switcher.ModDown(s, level, w.Sum.Q1, w.Sum.P1, result[1]);
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
            switcher.Return(s);
            Array.Clear(w.BabyKeys); // do not keep the evaluator's keys alive in the pool
            if (_firstBabyIsInput)
            {
                w.BabyQ0[0] = null!; // do not keep the caller's ciphertext alive in the pool
                w.BabyQ1[0] = null!;
            }

            _workspaces.Add(w);
        }
    }

    /// <summary>
    /// The baby steps over <c>Q_ℓ·P</c>, without dividing by <c>P</c> (the first hoisting): baby step 0 is the input itself
    /// (its diagonals carry the factor <c>P</c>); a keyed step <c>b</c> is <c>(σ_b(P·c_0 + a_0), σ_b(a_1))</c> with
    /// <c>(a_0, a_1)</c> the inner product of the shared decomposition of <c>c_1</c> with the step's key; a step without a key
    /// is rotated by composition and multiplied by <c>P</c> (zero modulo the special primes).
    /// </summary>
    private void Babies(Evaluator evaluator, Ciphertext input, Workspace w, KeySwitcher.Scratch s, int level)
    {
        int limbs = level + 1, slots = Context.Parameters.Slots;
        if (_firstBabyIsInput)
        {
            w.BabyQ0[0] = input[0];
            w.BabyQ1[0] = input[1];
            w.BabyHasP[0] = false;
        }

        int keyed = 0;
        for (int i = _firstBabyIsInput ? 1 : 0; i < _babySteps.Length; i++)
        {
            QpPair baby = w.Babies[i];
            w.BabyQ0[i] = baby.Q0;
            w.BabyQ1[i] = baby.Q1;
            long element = Context.GaloisElementForRotation(_babySteps[i] % slots);
            KeySwitchingKey? key = evaluator.GaloisKeys?.Find(element);
            w.BabyKeys[i] = key;
            w.BabyHasP[i] = key is not null;
            keyed += key is not null ? 1 : 0;
        }

        if (keyed > 0)
        {
            // input[1] stays unchanged until the last inner product: no copy.
            evaluator.KeySwitcher.Decompose(input[1], level, s, copySource: false);
            int groups = LimbParallel.IsSequential ? 1 : Math.Min(Context.MaxDegreeOfParallelism, keyed);
            if (groups <= 1)
            {
                KeyedBabies(evaluator, input, w, s, s, level, 0, 1);
            }
            else
            {
                KeyedBabiesInParallel(evaluator, input, w, s, level, groups);
            }
        }

        for (int i = _firstBabyIsInput ? 1 : 0; i < _babySteps.Length; i++)
        {
            if (w.BabyKeys[i] is null)
            {
                QpPair baby = w.Babies[i];
                Ciphertext rotated = w.Temporaries[0];
                evaluator.Rotate(input, _babySteps[i], rotated);
                LimbOps.MultiplyScalar(rotated[0], Context.PModQShoup, baby.Q0, limbs);
                LimbOps.MultiplyScalar(rotated[1], Context.PModQShoup, baby.Q1, limbs);
            }
        }
    }

    /// <summary>
    /// The keyed baby steps on <paramref name="groups"/> threads, each taking whole steps with its own accumulators. Kept out
    /// of <see cref="Babies"/> so that its sequential path does not allocate the lambda's closure.
    /// </summary>
    private void KeyedBabiesInParallel(Evaluator evaluator, Ciphertext input, Workspace w, KeySwitcher.Scratch s, int level, int groups) =>
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = groups }, g =>
        {
            using LimbParallel.SequentialScope sequential = LimbParallel.Sequential();
            KeySwitcher.Scratch accumulators = g == 0 ? s : evaluator.KeySwitcher.Rent();
            try
            {
                KeyedBabies(evaluator, input, w, s, accumulators, level, g, groups);
            }
            finally
            {
                if (g != 0)
                {
                    evaluator.KeySwitcher.Return(accumulators);
                }
            }
        });

    /// <summary>
    /// The keyed baby steps <c>first, first + stride, …</c> (among those with a key): the inner product of the decomposition in
    /// <paramref name="decomposition"/> with the step's key into <paramref name="accumulators"/>, then
    /// <c>(σ_b(P·c_0 + a_0), σ_b(a_1))</c> over <c>Q_ℓ·P</c>.
    /// </summary>
    private void KeyedBabies(
        Evaluator evaluator, Ciphertext input, Workspace w, KeySwitcher.Scratch decomposition, KeySwitcher.Scratch accumulators, int level, int first, int stride)
    {
        int limbs = level + 1, k = Context.Parameters.PCount, slots = Context.Parameters.Slots, seen = 0;
        for (int i = _firstBabyIsInput ? 1 : 0; i < _babySteps.Length; i++)
        {
            KeySwitchingKey? key = w.BabyKeys[i];
            if (key is null || seen++ % stride != first)
            {
                continue;
            }

            evaluator.KeySwitcher.InnerProduct(decomposition, key, accumulators);
            NttGaloisPermutation permutation = Context.RingQ.GetNttGaloisPermutation((int)Context.GaloisElementForRotation(_babySteps[i] % slots));
            LimbParallel.For(Context.RingQ, limbs + k, 4L * Context.N, new BabyAction(Context, accumulators, input[0], w.Babies[i], permutation, limbs));
        }
    }

    /// <summary>Every giant step's inner sum <c>U_g = Σ_b d_(g·n_1+b) ⊙ baby_b</c> over <c>Q_ℓ·P</c>, in one pass over the limbs.</summary>
    private void InnerSums(Workspace w, int level)
    {
        int limbs = level + 1, k = Context.Parameters.PCount;
        LimbParallel.For(
            Context.RingQ, (limbs + k) * InnerChunks, 4L * _termCount * Context.N / InnerChunks, new InnerSumAction(Context, w, _giantTerms, limbs, InnerChunks));
    }

    /// <summary>
    /// The giant steps, summed over <c>Q_ℓ·P</c> into the workspace's sum (the second hoisting), so that the sum is divided by
    /// <c>P</c> once, at the end (<see cref="GiantGroup"/>). With several threads, each takes whole giant steps into its own
    /// partial sum, and the partial sums are added.
    /// </summary>
    private void GiantSteps(Evaluator evaluator, Workspace w, KeySwitcher.Scratch s, int level, double productScale)
    {
        int limbs = level + 1, k = Context.Parameters.PCount, rotated = 0;
        foreach ((int giant, _) in _giantTerms)
        {
            rotated += giant != 0 ? 1 : 0;
        }

        int groups = LimbParallel.IsSequential ? 1 : Math.Min(Context.MaxDegreeOfParallelism, rotated);
        if (groups <= 1)
        {
            GiantGroup(evaluator, w, s, level, productScale, 0, 1);
        }
        else
        {
            GiantGroupsInParallel(evaluator, w, s, level, productScale, groups);
            for (int g = 1; g < groups; g++)
            {
                w.Sum.Add(w.PartialSums[g], limbs, k); // exact modular sums: the same result in any order
            }
        }
    }

    /// <summary>
    /// The giant steps on <paramref name="groups"/> threads, each summing whole steps into its own partial sum with its own
    /// scratch. Kept out of <see cref="GiantSteps"/> so that its sequential path does not allocate the lambda's closure.
    /// </summary>
    private void GiantGroupsInParallel(Evaluator evaluator, Workspace w, KeySwitcher.Scratch s, int level, double productScale, int groups)
    {
        w.EnsurePartialSums(Context, groups);
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = groups }, g =>
        {
            using LimbParallel.SequentialScope sequential = LimbParallel.Sequential();
            KeySwitcher.Scratch scratch = g == 0 ? s : evaluator.KeySwitcher.Rent();
            try
            {
                GiantGroup(evaluator, w, scratch, level, productScale, g, groups);
            }
            finally
            {
                if (g != 0)
                {
                    evaluator.KeySwitcher.Return(scratch);
                }
            }
        });
    }

    /// <summary>
    /// The giant steps <c>first, first + stride, …</c>, summed over <c>Q_ℓ·P</c> into partial sum <paramref name="first"/> (the
    /// workspace's sum for 0): giant step 0 adds its inner sum; a keyed giant step <c>g</c> divides only <c>U_1</c> by
    /// <c>P</c>, switches it with the step's key and adds <c>(σ_g(U_0 + a_0), σ_g(a_1))</c>; a giant step without a key is
    /// divided by <c>P</c>, rotated by composition and added multiplied by <c>P</c>.
    /// </summary>
    private void GiantGroup(Evaluator evaluator, Workspace w, KeySwitcher.Scratch s, int level, double productScale, int first, int stride)
    {
        int limbs = level + 1, k = Context.Parameters.PCount, slots = Context.Parameters.Slots;
        KeySwitcher switcher = evaluator.KeySwitcher;
        QpPair sum = first == 0 ? w.Sum : w.PartialSums[first];
        sum.Clear(limbs, k);
        Ciphertext temporary = w.Temporaries[first];
        for (int i = first; i < _giantTerms.Length; i += stride)
        {
            int giant = _giantTerms[i].Giant;
            QpPair inner = w.Inners[i];
            if (giant == 0)
            {
                sum.Add(inner, limbs, k);
                continue;
            }

            long element = Context.GaloisElementForRotation(giant % slots);
            KeySwitchingKey? key = evaluator.GaloisKeys?.Find(element);
            if (key is not null)
            {
                RnsPoly u1 = temporary[1];
                u1.SetLimbCount(limbs);
                switcher.ModDown(s, level, inner.Q1, inner.P1, u1);
                switcher.DecomposeInnerProduct(u1, level, s, key);
                NttGaloisPermutation permutation = Context.RingQ.GetNttGaloisPermutation((int)element);
                LimbParallel.For(Context.RingQ, limbs + k, 6L * Context.N, new GiantAccumulateAction(Context, s, inner, sum, permutation, limbs));
            }
            else
            {
                temporary.Reshape(2, level, productScale);
                switcher.ModDown(s, level, inner.Q0, inner.P0, temporary[0]);
                switcher.ModDown(s, level, inner.Q1, inner.P1, temporary[1]);
                evaluator.Rotate(temporary, giant, temporary);
                LimbParallel.For(Context.RingQ, limbs, 4L * Context.N, new MultiplyByPAccumulateAction(Context, temporary, sum));
            }
        }
    }

    /// <summary>The coefficient ranges each limb's inner sums are split into (work items for the threads).</summary>
    private const int InnerChunks = 4;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"LinearTransform({Rows}x{Columns}, block {BlockSize}, {DiagonalIndices.Count} diagonals, {BabyStepCount} baby steps, {RequiredRotations.Count} rotations, level {Level})");

    /// <summary>A pair of polynomials over <c>Q·P</c> (NTT form): the data primes' limbs and the special primes' limbs of each.</summary>
    private sealed class QpPair
    {
        public QpPair(CkksContext context)
        {
            int qCount = context.Parameters.QCount, pCount = context.Parameters.PCount;
            Q0 = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            Q1 = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            P0 = new RnsPoly(context.RingP, pCount, isNttForm: true);
            P1 = new RnsPoly(context.RingP, pCount, isNttForm: true);
        }

        public RnsPoly Q0 { get; }

        public RnsPoly Q1 { get; }

        public RnsPoly P0 { get; }

        public RnsPoly P1 { get; }

        public void Clear(int limbs, int k)
        {
            int n = Q0.N;
            Q0.Buffer.AsSpan(0, limbs * n).Clear();
            Q1.Buffer.AsSpan(0, limbs * n).Clear();
            P0.Buffer.AsSpan(0, k * n).Clear();
            P1.Buffer.AsSpan(0, k * n).Clear();
        }

        public void Add(QpPair other, int limbs, int k)
        {
            LimbOps.Add(Q0, other.Q0, Q0, limbs);
            LimbOps.Add(Q1, other.Q1, Q1, limbs);
            LimbOps.Add(P0, other.P0, P0, k);
            LimbOps.Add(P1, other.P1, P1, k);
        }
    }

    /// <summary>Buffers of one evaluation (pooled: a transform evaluated again allocates nothing new).</summary>
    private sealed class Workspace
    {
        public Workspace(CkksContext context, int babyCount, int giantCount)
        {
            Babies = new QpPair[babyCount];
            for (int i = 0; i < babyCount; i++)
            {
                Babies[i] = new QpPair(context);
            }

            BabyQ0 = new RnsPoly[babyCount];
            BabyQ1 = new RnsPoly[babyCount];
            BabyHasP = new bool[babyCount];
            Inners = new QpPair[giantCount];
            for (int i = 0; i < giantCount; i++)
            {
                Inners[i] = new QpPair(context);
            }

            BabyKeys = new KeySwitchingKey?[babyCount];
            Sum = new QpPair(context);
            PartialSums = [Sum];
            Temporaries = [new Ciphertext(context)];
            Result = new Ciphertext(context);
        }

        /// <summary>Grows <see cref="PartialSums"/> and <see cref="Temporaries"/> to <paramref name="groups"/> entries (one per thread).</summary>
        public void EnsurePartialSums(CkksContext context, int groups)
        {
            if (PartialSums.Length < groups)
            {
                // Loops, not lambdas: a lambda capturing the parameter would allocate its closure on every call.
                var sums = new QpPair[groups];
                var temporaries = new Ciphertext[groups];
                sums[0] = Sum;
                temporaries[0] = Temporaries[0];
                for (int i = 1; i < groups; i++)
                {
                    sums[i] = new QpPair(context);
                    temporaries[i] = new Ciphertext(context);
                }

                PartialSums = sums;
                Temporaries = temporaries;
            }
        }

        /// <summary>The baby steps over <c>Q·P</c> (the entry of baby step 0, the input itself, is unused).</summary>
        public QpPair[] Babies { get; }

        /// <summary>Each baby step's data-prime polynomials: the input's for baby step 0, else its <see cref="Babies"/> entry's.</summary>
        public RnsPoly[] BabyQ0 { get; }

        /// <summary>See <see cref="BabyQ0"/>.</summary>
        public RnsPoly[] BabyQ1 { get; }

        /// <summary>Whether a baby step has special-prime limbs (false: they are zero).</summary>
        public bool[] BabyHasP { get; }

        /// <summary>One inner sum per giant step.</summary>
        public QpPair[] Inners { get; }

        /// <summary>The sum of the giant steps over <c>Q·P</c>.</summary>
        public QpPair Sum { get; }

        /// <summary>The key of each baby step (null: none, the step is composed), for the current evaluation.</summary>
        public KeySwitchingKey?[] BabyKeys { get; }

        /// <summary>One sum of giant steps per thread (the first is <see cref="Sum"/>).</summary>
        public QpPair[] PartialSums { get; private set; }

        /// <summary>One temporary ciphertext per thread (composed rotations, the divided <c>U_1</c>).</summary>
        public Ciphertext[] Temporaries { get; private set; }

        public Ciphertext Result { get; }
    }

    /// <summary>
    /// One term of a giant step: the index of its baby step among the baby steps, the (pre-rotated) diagonal it is multiplied by
    /// over the data primes (times <c>P</c> for baby step 0), and its residues modulo the special primes (none for baby step 0).
    /// </summary>
    private sealed record GiantTerm(int BabyIndex, Plaintext Diagonal, RnsPoly? Extension);

    /// <summary>A keyed baby step's limb: <c>σ_b(P·c_0 + a_0)</c> and <c>σ_b(a_1)</c> (special primes: <c>σ_b(a_0)</c>, <c>σ_b(a_1)</c>).</summary>
    private readonly struct BabyAction(CkksContext context, KeySwitcher.Scratch s, RnsPoly c0, QpPair baby, NttGaloisPermutation permutation, int limbs) : ILimbAction
    {
        public void Invoke(int index)
        {
            SimdLevel simd = SimdCapabilities.Current;
            if (index < limbs)
            {
                Span<ulong> acc0 = s.Acc0Q.LimbUnchecked(index);
                ElementwiseKernels.MultiplyShoupAccumulate(c0.LimbUnchecked(index), context.PModQShoup[index], acc0, context.RingQ.ModuliArray[index]);
                permutation.Apply(acc0, baby.Q0.LimbUnchecked(index), simd);
                permutation.Apply(s.Acc1Q.LimbUnchecked(index), baby.Q1.LimbUnchecked(index), simd);
            }
            else
            {
                int j = index - limbs;
                permutation.Apply(s.Acc0P.LimbUnchecked(j), baby.P0.LimbUnchecked(j), simd);
                permutation.Apply(s.Acc1P.LimbUnchecked(j), baby.P1.LimbUnchecked(j), simd);
            }
        }
    }

    /// <summary>A keyed giant step's limb: <c>sum_0 += σ_g(U_0 + a_0)</c>, <c>sum_1 += σ_g(a_1)</c> (<c>U_1</c>'s limb is the temporary).</summary>
    private readonly struct GiantAccumulateAction(CkksContext context, KeySwitcher.Scratch s, QpPair inner, QpPair sum, NttGaloisPermutation permutation, int limbs) : ILimbAction
    {
        public void Invoke(int index)
        {
            SimdLevel simd = SimdCapabilities.Current;
            bool special = index >= limbs;
            int i = special ? index - limbs : index;
            Modulus q = special ? context.RingP.ModuliArray[i] : context.RingQ.ModuliArray[i];
            Span<ulong> acc0 = special ? s.Acc0P.LimbUnchecked(i) : s.Acc0Q.LimbUnchecked(i);
            Span<ulong> acc1 = special ? s.Acc1P.LimbUnchecked(i) : s.Acc1Q.LimbUnchecked(i);
            Span<ulong> u0 = special ? inner.P0.LimbUnchecked(i) : inner.Q0.LimbUnchecked(i);
            Span<ulong> temp = special ? inner.P1.LimbUnchecked(i) : inner.Q1.LimbUnchecked(i);
            Span<ulong> sum0 = special ? sum.P0.LimbUnchecked(i) : sum.Q0.LimbUnchecked(i);
            Span<ulong> sum1 = special ? sum.P1.LimbUnchecked(i) : sum.Q1.LimbUnchecked(i);
            ElementwiseKernels.Add(acc0, u0, acc0, q);
            permutation.Apply(acc0, temp, simd);
            ElementwiseKernels.Add(sum0, temp, sum0, q);
            permutation.Apply(acc1, temp, simd);
            ElementwiseKernels.Add(sum1, temp, sum1, q);
        }
    }

    /// <summary><c>sum += P·rotated</c> over the data primes (a giant step rotated by composition).</summary>
    private readonly struct MultiplyByPAccumulateAction(CkksContext context, Ciphertext rotated, QpPair sum) : ILimbAction
    {
        public void Invoke(int i)
        {
            Modulus q = context.RingQ.ModuliArray[i];
            ElementwiseKernels.MultiplyShoupAccumulate(rotated[0].LimbUnchecked(i), context.PModQShoup[i], sum.Q0.LimbUnchecked(i), q);
            ElementwiseKernels.MultiplyShoupAccumulate(rotated[1].LimbUnchecked(i), context.PModQShoup[i], sum.Q1.LimbUnchecked(i), q);
        }
    }

    /// <summary>
    /// The inner sums of every giant step for one coefficient range of one limb of <c>Q_ℓ·P</c>, with lazy reduction
    /// (accumulators on the stack, reduced once per giant step, folded when the term count could overflow them). On a special
    /// prime, the terms whose baby step has no special-prime limbs (they are zero) are skipped.
    /// </summary>
    private readonly struct InnerSumAction(
        CkksContext context, Workspace w, (int Giant, GiantTerm[] Terms)[] giantTerms, int limbs, int chunks) : ILimbAction
    {
        private const int Block = 512;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Invoke(int index)
        {
            int limb = index / chunks, chunk = index % chunks;
            bool special = limb >= limbs;
            int prime = special ? limb - limbs : limb;
            Modulus q = special ? context.RingP.ModuliArray[prime] : context.RingQ.ModuliArray[prime];
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
                    QpPair output = w.Inners[g];
                    Span<ulong> out0 = special ? output.P0.LimbUnchecked(prime) : output.Q0.LimbUnchecked(prime);
                    Span<ulong> out1 = special ? output.P1.LimbUnchecked(prime) : output.Q1.LimbUnchecked(prime);
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
                        int b = term.BabyIndex;
                        if (special && !w.BabyHasP[b])
                        {
                            continue; // zero modulo the special primes
                        }

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

                        ReadOnlySpan<ulong> d, x0, x1;
                        if (special)
                        {
                            d = term.Extension!.LimbUnchecked(prime).Slice(c0, length);
                            x0 = w.Babies[b].P0.LimbUnchecked(prime).Slice(c0, length);
                            x1 = w.Babies[b].P1.LimbUnchecked(prime).Slice(c0, length);
                        }
                        else
                        {
                            d = term.Diagonal.Poly.LimbUnchecked(prime).Slice(c0, length);
                            x0 = w.BabyQ0[b].LimbUnchecked(prime).Slice(c0, length);
                            x1 = w.BabyQ1[b].LimbUnchecked(prime).Slice(c0, length);
                        }

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
                            f0.Clear(); // a giant step without terms here: zero sums
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

    /// <summary>
    /// The cost of a baby step relative to a giant step under double hoisting: a baby step is an inner product with its key
    /// and two permutations over <c>Q_ℓ·P</c>; a giant step also divides by <c>P</c> and decomposes. Measured at the reference
    /// paper's hybrid set (level 3, single thread): about 0.65 ms against 1.7 ms (docs/benchmarks.md, session 24).
    /// </summary>
    internal const double BabyStepWeight = 0.4;

    /// <summary>The baby-step count (a power of two) minimizing the weighted rotations (<see cref="BabyStepWeight"/>).</summary>
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
            double cost = (BabyStepWeight * babies.Count) + giants.Count;
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
