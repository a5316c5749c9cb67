using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

public sealed partial class Evaluator
{
    /// <summary>
    /// Returns <paramref name="a"/> with its slots rotated left by <paramref name="step"/> (right when negative): slot
    /// <c>j</c> of the result holds slot <c>j + step</c> (mod <c>N/2</c>) of the input.
    /// </summary>
    /// <remarks>
    /// Uses the Galois key of <c>5^step</c> when there is one; otherwise the rotation is composed from the available
    /// rotation keys (a shortest sequence of them, found once per step and cached), one key switch per key used.
    /// </remarks>
    /// <param name="a">The ciphertext (size 2).</param>
    /// <param name="step">The rotation step; any integer (taken modulo <c>N/2</c>).</param>
    /// <returns>The rotated ciphertext: same level and scale.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3 or belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">No Galois keys, or the available keys cannot compose this step.</exception>
    public Ciphertext Rotate(Ciphertext a, int step)
    {
        var destination = NewLike(a);
        Rotate(a, step, destination);
        return destination;
    }

    /// <summary>Rotates the slots of <paramref name="a"/> left by <paramref name="step"/> (right when negative) into <paramref name="destination"/>.</summary>
    /// <param name="a">The ciphertext (size 2).</param>
    /// <param name="step">The rotation step; any integer (taken modulo <c>N/2</c>).</param>
    /// <param name="destination">Receives the result; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3, or an argument belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">No Galois keys, or the available keys cannot compose this step.</exception>
    public void Rotate(Ciphertext a, int step, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckDestination(destination);
        CheckSize2(a, nameof(a), "Rotate");
        int slots = Context.Parameters.Slots;
        int normalized = ((step % slots) + slots) % slots;
        if (normalized == 0)
        {
            a.CopyTo(destination);
            return;
        }

        GaloisKeys keys = RequireGaloisKeys();
        long element = Context.GaloisElementForRotation(normalized);
        if (keys.Find(element) is not null)
        {
            ApplyGalois(a, element, destination);
            return;
        }

        int[] plan = _rotationPlans.TryGetValue(normalized, out int[]? cached) ? cached : _rotationPlans.GetOrAdd(normalized, PlanRotation);
        ApplyGalois(a, Context.GaloisElementForRotation(plan[0]), destination);
        for (int i = 1; i < plan.Length; i++)
        {
            ApplyGalois(destination, Context.GaloisElementForRotation(plan[i]), destination);
        }
    }

    /// <summary>Returns the complex conjugate of every slot of <paramref name="a"/> (Galois element <c>2N - 1</c>).</summary>
    /// <param name="a">The ciphertext (size 2).</param>
    /// <returns>The conjugated ciphertext: same level and scale.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3 or belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">There is no conjugation key.</exception>
    public Ciphertext Conjugate(Ciphertext a)
    {
        var destination = NewLike(a);
        Conjugate(a, destination);
        return destination;
    }

    /// <summary>Conjugates every slot of <paramref name="a"/> into <paramref name="destination"/>.</summary>
    /// <param name="a">The ciphertext (size 2).</param>
    /// <param name="destination">Receives the result; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3, or an argument belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">There is no conjugation key.</exception>
    public void Conjugate(Ciphertext a, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckDestination(destination);
        CheckSize2(a, nameof(a), "Conjugate");
        GaloisKeys keys = RequireGaloisKeys();
        if (keys.Find(Context.ConjugationGaloisElement) is null)
        {
            throw new InvalidOperationException(
                "The Galois keys have no conjugation key: create them with KeyGenerator.CreateGaloisKeys(steps, includeConjugation: true) " +
                "or the default KeyGenerator.CreateGaloisKeys().");
        }

        ApplyGalois(a, Context.ConjugationGaloisElement, destination);
    }

    /// <summary>
    /// Rotates <paramref name="a"/> by several steps sharing one decomposition of <c>c_1</c> (hoisting,
    /// <see href="https://eprint.iacr.org/2018/244">Halevi–Shoup 2018</see>): each extra step costs an inner product
    /// and a ModDown instead of a full key switch.
    /// </summary>
    /// <param name="a">The ciphertext (size 2).</param>
    /// <param name="steps">The rotation steps. Steps with a Galois key share the decomposition; others are composed as in <see cref="Rotate(Ciphertext, int)"/>.</param>
    /// <returns>One ciphertext per step, in order.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3 or belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">No Galois keys, or a step cannot be composed.</exception>
    public Ciphertext[] RotateHoisted(Ciphertext a, IReadOnlyList<int> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        CheckCiphertext(a, nameof(a));
        var destinations = new Ciphertext[steps.Count];
        for (int i = 0; i < destinations.Length; i++)
        {
            destinations[i] = NewLike(a);
        }

        RotateHoisted(a, steps, destinations);
        return destinations;
    }

    /// <summary>Rotates <paramref name="a"/> by several steps sharing one decomposition, into <paramref name="destinations"/>.</summary>
    /// <param name="a">The ciphertext (size 2).</param>
    /// <param name="steps">The rotation steps.</param>
    /// <param name="destinations">One distinct ciphertext per step (one of them may be <paramref name="a"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3, the counts differ, a destination repeats, or an argument belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">No Galois keys, or a step cannot be composed.</exception>
    public void RotateHoisted(Ciphertext a, IReadOnlyList<int> steps, IReadOnlyList<Ciphertext> destinations)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(destinations);
        CheckCiphertext(a, nameof(a));
        CheckSize2(a, nameof(a), "RotateHoisted");
        if (steps.Count != destinations.Count)
        {
            throw new ArgumentException($"There are {steps.Count} steps but {destinations.Count} destinations; give one destination per step.", nameof(destinations));
        }

        for (int i = 0; i < destinations.Count; i++)
        {
            CheckDestination(destinations[i]);
            for (int j = 0; j < i; j++)
            {
                if (ReferenceEquals(destinations[i], destinations[j]))
                {
                    throw new ArgumentException($"destinations[{j}] and destinations[{i}] are the same ciphertext; each step needs its own.", nameof(destinations));
                }
            }
        }

        GaloisKeys keys = RequireGaloisKeys();
        int level = a.Level, limbs = level + 1, slots = Context.Parameters.Slots;
        double scale = a.Scale;
        KeySwitcher.Scratch s = _keySwitcher.Rent();
        try
        {
            // Copy c_0 and decompose c_1 first, so that a destination may be the input.
            s.Spare.SetLimbCount(limbs);
            LimbOps.Copy(a[0], s.Spare, limbs);
            _keySwitcher.Decompose(a[1], level, s);
            List<int>? composed = null;
            int[] keyed = System.Buffers.ArrayPool<int>.Shared.Rent(steps.Count);
            int keyedCount = 0;
            for (int i = 0; i < steps.Count; i++)
            {
                int normalized = ((steps[i] % slots) + slots) % slots;
                Ciphertext destination = destinations[i];
                if (normalized == 0)
                {
                    destination.Reshape(2, level, scale);
                    LimbOps.Copy(s.Spare, destination[0], limbs);
                    LimbOps.Copy(s.SourceNtt, destination[1], limbs);
                }
                else if (keys.Find(Context.GaloisElementForRotation(normalized)) is not null)
                {
                    keyed[keyedCount++] = i;
                }
                else
                {
                    (composed ??= []).Add(i);
                }
            }

            // The keyed steps share the decomposition. With several threads, each thread takes whole steps (with its own
            // accumulators, its operations on its own thread) rather than every step splitting its few limbs over them.
            int groups = LimbParallel.IsSequential ? 1 : Math.Min(Context.MaxDegreeOfParallelism, keyedCount);
            if (groups <= 1)
            {
                for (int t = 0; t < keyedCount; t++)
                {
                    RotateFromDecomposition(s, s, steps[keyed[t]], destinations[keyed[t]], keys, level, scale);
                }
            }
            else
            {
                RotateKeyedStepsInParallel(s, steps, destinations, keys, keyed, keyedCount, groups, level, scale);
            }

            System.Buffers.ArrayPool<int>.Shared.Return(keyed);
            if (composed is not null)
            {
                // Rebuild the input from the saved copies (a may have been overwritten), then compose.
                var input = new Ciphertext(Context, 2, level, scale);
                LimbOps.Copy(s.Spare, input[0], limbs);
                LimbOps.Copy(s.SourceNtt, input[1], limbs);
                foreach (int i in composed)
                {
                    Rotate(input, steps[i], destinations[i]);
                }
            }
        }
        finally
        {
            _keySwitcher.Return(s);
        }
    }

    /// <summary>
    /// Returns the inner sum of <paramref name="a"/>: slot <c>j</c> of the result is
    /// <c>Σ_(t &lt; count) a[j + t·batchSize]</c> (indices mod <c>N/2</c>), using about <c>2·log2(count)</c> rotations.
    /// </summary>
    /// <param name="a">The ciphertext (size 2).</param>
    /// <param name="batchSize">The distance between summed slots, at least 1.</param>
    /// <param name="count">How many slots to sum, at least 1, and <c>batchSize·count ≤ N/2</c>.</param>
    /// <returns>The sums: same level and scale.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> or <paramref name="count"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3 or belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">The rotations needed cannot be done with the available keys.</exception>
    public Ciphertext InnerSum(Ciphertext a, int batchSize, int count)
    {
        var destination = NewLike(a);
        InnerSum(a, batchSize, count, destination);
        return destination;
    }

    /// <summary>Computes the inner sum of <paramref name="a"/> into <paramref name="destination"/> (see <see cref="InnerSum(Ciphertext, int, int)"/>).</summary>
    /// <param name="a">The ciphertext (size 2).</param>
    /// <param name="batchSize">The distance between summed slots, at least 1.</param>
    /// <param name="count">How many slots to sum, at least 1, and <c>batchSize·count ≤ N/2</c>.</param>
    /// <param name="destination">Receives the result; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> or <paramref name="count"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3, or an argument belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">The rotations needed cannot be done with the available keys.</exception>
    public void InnerSum(Ciphertext a, int batchSize, int count, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckDestination(destination);
        CheckSize2(a, nameof(a), "InnerSum");
        int slots = Context.Parameters.Slots;
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if ((long)batchSize * count > slots)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"batchSize·count = {(long)batchSize * count} exceeds the {slots} slots.");
        }

        // partial = Σ_(t < 2^bit) a[j + t·batch]; fold it into the result at the running offset for each set bit of count.
        Ciphertext partial = a.Clone();
        Ciphertext? result = null;
        var rotated = NewLike(a);
        int offset = 0;
        for (int bit = 0; (1 << bit) <= count; bit++)
        {
            if ((count & (1 << bit)) != 0)
            {
                if (result is null)
                {
                    result = offset == 0 ? partial.Clone() : Rotate(partial, offset * batchSize);
                }
                else
                {
                    Rotate(partial, offset * batchSize, rotated);
                    Add(result, rotated, result);
                }

                offset += 1 << bit;
            }

            if ((2 << bit) <= count)
            {
                Rotate(partial, (1 << bit) * batchSize, rotated);
                Add(partial, rotated, partial);
            }
        }

        result!.CopyTo(destination);
    }

    /// <summary>Returns a ciphertext whose every slot holds the sum of all <c>N/2</c> slots of <paramref name="a"/>.</summary>
    /// <param name="a">The ciphertext (size 2).</param>
    /// <returns>The sums: same level and scale.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3 or belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">The rotations needed cannot be done with the available keys.</exception>
    public Ciphertext RotateAndSum(Ciphertext a) => InnerSum(a, 1, Context.Parameters.Slots);

    /// <summary>Computes into <paramref name="destination"/> a ciphertext whose every slot holds the sum of all slots of <paramref name="a"/>.</summary>
    /// <param name="a">The ciphertext (size 2).</param>
    /// <param name="destination">Receives the result; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3, or an argument belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">The rotations needed cannot be done with the available keys.</exception>
    public void RotateAndSum(Ciphertext a, Ciphertext destination) => InnerSum(a, 1, Context.Parameters.Slots, destination);

    /// <summary>The rotation steps (in <c>[1, N/2)</c>) that have a key, in increasing order.</summary>
    /// <returns>The steps; empty without Galois keys.</returns>
    public IReadOnlyList<int> AvailableRotationSteps()
    {
        var steps = new List<int>();
        if (GaloisKeys is not null)
        {
            foreach (long element in GaloisKeys.GaloisElements)
            {
                int step = Context.RotationStepOf(element);
                if (step > 0)
                {
                    steps.Add(step);
                }
            }
        }

        steps.Sort();
        return steps;
    }

    /// <summary><c>destination = σ_g(a)</c> re-encrypted under <c>s</c>: <c>(σ_g(c_0) + d_0, d_1)</c> with <c>(d_0, d_1)</c> the key switch of <c>σ_g(c_1)</c>.</summary>
    private void ApplyGalois(Ciphertext a, long element, Ciphertext destination)
    {
        KeySwitchingKey key = RequireGaloisKeys().Find(element)
            ?? throw new InvalidOperationException($"No Galois key for element {element}.");
        int level = a.Level, limbs = level + 1;
        double scale = a.Scale;
        KeySwitcher.Scratch s = _keySwitcher.Rent();
        try
        {
            // The key is pre-permuted by σ⁻¹ (KeyGenerator.CreateGaloisKeysForElements): switch c1 itself, then permute the
            // two outputs, σ(c0 + d0) and σ(d1). A rotation permutes 2(ℓ+1) limbs, a hoisted one no extended digit.
            // a[1] is read by the inner product before ModDown writes the destination (which may be a): no copy needed.
            _keySwitcher.DecomposeInnerProduct(a[1], level, s, key);
            destination.Reshape(2, level, scale);
            _keySwitcher.ModDownPermuted(s, a[0], Context.RingQ.GetNttGaloisPermutation((int)element), destination[0], destination[1]);
        }
        finally
        {
            _keySwitcher.Return(s);
        }
    }

    /// <summary>
    /// The keyed steps of a hoisted rotation on <paramref name="groups"/> threads, each taking whole steps with its own
    /// accumulators. Kept out of <see cref="RotateHoisted(Ciphertext, IReadOnlyList{int}, IReadOnlyList{Ciphertext})"/> so
    /// that its sequential path does not allocate the lambda's closure.
    /// </summary>
    private void RotateKeyedStepsInParallel(
        KeySwitcher.Scratch s, IReadOnlyList<int> steps, IReadOnlyList<Ciphertext> destinations, GaloisKeys keys, int[] keyed, int keyedCount, int groups,
        int level, double scale) =>
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = groups }, g =>
        {
            using LimbParallel.SequentialScope sequential = LimbParallel.Sequential();
            KeySwitcher.Scratch accumulators = g == 0 ? s : _keySwitcher.Rent();
            try
            {
                for (int t = g; t < keyedCount; t += groups)
                {
                    RotateFromDecomposition(s, accumulators, steps[keyed[t]], destinations[keyed[t]], keys, level, scale);
                }
            }
            finally
            {
                if (g != 0)
                {
                    _keySwitcher.Return(accumulators);
                }
            }
        });

    /// <summary>One keyed step of a hoisted rotation: switches the decomposition in <paramref name="decomposition"/> (with <c>c_0</c> in its spare) into <paramref name="accumulators"/>.</summary>
    private void RotateFromDecomposition(
        KeySwitcher.Scratch decomposition, KeySwitcher.Scratch accumulators, int step, Ciphertext destination, GaloisKeys keys, int level, double scale)
    {
        int slots = Context.Parameters.Slots;
        long element = Context.GaloisElementForRotation(((step % slots) + slots) % slots);
        _keySwitcher.InnerProduct(decomposition, keys.Find(element)!, accumulators);
        destination.Reshape(2, level, scale);
        _keySwitcher.ModDownPermuted(accumulators, decomposition.Spare, Context.RingQ.GetNttGaloisPermutation((int)element), destination[0], destination[1]);
    }

    private GaloisKeys RequireGaloisKeys() =>
        GaloisKeys ?? throw new InvalidOperationException(
            "This evaluator has no Galois keys: create them with KeyGenerator.CreateGaloisKeys(...) and pass them to the Evaluator constructor.");

    /// <summary>A shortest sequence of available rotation steps summing to <paramref name="step"/> modulo <c>N/2</c> (breadth-first search).</summary>
    private int[] PlanRotation(int step)
    {
        IReadOnlyList<int> available = AvailableRotationSteps();
        int slots = Context.Parameters.Slots;
        var previous = new int[slots];
        var via = new int[slots];
        Array.Fill(previous, -1);
        previous[0] = 0;
        var queue = new Queue<int>();
        queue.Enqueue(0);
        while (queue.Count > 0 && previous[step] < 0)
        {
            int node = queue.Dequeue();
            foreach (int s in available)
            {
                int next = (node + s) % slots;
                if (previous[next] < 0)
                {
                    previous[next] = node;
                    via[next] = s;
                    queue.Enqueue(next);
                }
            }
        }

        if (previous[step] < 0)
        {
            throw new InvalidOperationException(
                $"A rotation by {step} cannot be composed from the available rotation keys ({available.Count} steps: " +
                $"{string.Join(", ", available.Take(16))}{(available.Count > 16 ? ", ..." : "")}). Create a Galois key for step {step}, " +
                "or use the default set KeyGenerator.CreateGaloisKeys().");
        }

        var path = new List<int>();
        for (int node = step; node != 0; node = previous[node])
        {
            path.Add(via[node]);
        }

        path.Reverse();
        return [.. path];
    }
}
