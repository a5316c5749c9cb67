using CkksRns.Ckks;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// How the latency packing applies one linear stage to its slot vector: an optional replication
/// <c>x' = x + rot(x, ReplicateStep)</c>, then the generalized diagonals <c>y = Σ_k d_k ⊙ rot_k(x')</c> evaluated by
/// the library's <see cref="LinearTransform"/> (baby-step giant-step with double-hoisted rotations, one rescale), then an optional
/// block sum <see cref="Fold"/>. This class only decides the diagonals and the baby-step count; it predicts exactly the
/// rotations <see cref="LinearTransform"/> will use, so the client can create those Galois keys before any weight is
/// encoded.
/// </summary>
internal sealed class DiagonalTransform
{
    private DiagonalTransform(int slots, int replicateStep, Dictionary<int, double[]> diagonals, SlotFold fold, string method, int postRotation = 0)
    {
        Slots = slots;
        ReplicateStep = replicateStep;
        PostRotation = postRotation;
        foreach (int k in diagonals.Where(d => !Array.Exists(d.Value, v => v != 0)).Select(d => d.Key).ToList())
        {
            diagonals.Remove(k);
        }

        Diagonals = diagonals;
        Fold = fold;
        Method = method;
        (BabyStepCount, TransformRotations) = ChooseBabySteps([.. diagonals.Keys]);
    }

    /// <summary>The number of slots N/2.</summary>
    public int Slots { get; }

    /// <summary>0 for none; otherwise the input is first replicated, <c>x += rot(x, ReplicateStep)</c>.</summary>
    public int ReplicateStep { get; }

    /// <summary>
    /// 0 for none; otherwise the result is rotated by this step after the rescale (the outputs were computed shifted so
    /// that every diagonal offset is non-negative, which keeps the baby-step giant-step split compact).
    /// </summary>
    public int PostRotation { get; }

    /// <summary>Diagonal index k in [0, S) (rotation left by k) → its values per output slot.</summary>
    public Dictionary<int, double[]> Diagonals { get; }

    /// <summary>The baby-step count passed to <see cref="LinearTransform.FromDiagonals"/>.</summary>
    public int BabyStepCount { get; }

    /// <summary>The rotations the <see cref="LinearTransform"/> itself performs (its RequiredRotations).</summary>
    public int[] TransformRotations { get; }

    /// <summary>The block sum applied after the transform (and after the rescale).</summary>
    public SlotFold Fold { get; }

    /// <summary>"diagonal" or "replicate+diagonal+fold".</summary>
    public string Method { get; }

    /// <summary>Rotations per evaluation.</summary>
    public int RotationCount => (ReplicateStep != 0 ? 1 : 0) + TransformRotations.Length + (PostRotation != 0 ? 1 : 0) + Fold.RotationCount;

    /// <summary>Every rotation step used.</summary>
    public IEnumerable<int> RotationSteps()
    {
        if (ReplicateStep != 0)
        {
            yield return ReplicateStep;
        }

        foreach (int s in TransformRotations)
        {
            yield return s;
        }

        if (PostRotation != 0)
        {
            yield return PostRotation;
        }

        foreach (int s in Fold.Steps())
        {
            yield return s;
        }
    }

    /// <summary>Encodes the diagonals at <paramref name="level"/> with scale <paramref name="scale"/>.</summary>
    public LinearTransform Encode(CkksContext context, int level, double scale)
    {
        LinearTransform t = LinearTransform.FromDiagonals(context, Diagonals, level, scale, BabyStepCount);
        if (!t.RequiredRotations.SequenceEqual(TransformRotations))
        {
            throw new InvalidOperationException(
                $"The linear transform uses rotations [{string.Join(", ", t.RequiredRotations)}], not the predicted [{string.Join(", ", TransformRotations)}].");
        }

        return t;
    }

    /// <summary>
    /// The transform of the entries <c>(outSlot, inSlot, value)</c> on an input that is zero outside its slots: one
    /// diagonal per distinct <c>inSlot − outSlot</c> (mod S).
    /// </summary>
    /// <remarks>
    /// When some offsets are negative they wrap to the top of the slot range, which spreads the baby steps; the outputs
    /// are then also computed shifted by the most negative offset (all offsets non-negative) and rotated back after the
    /// rescale, whichever of the two needs fewer rotations.
    /// </remarks>
    public static DiagonalTransform Generic(int slots, IReadOnlyList<(int Out, int In, double Value)> entries)
    {
        DiagonalTransform Build(int shift)
        {
            var diagonals = new Dictionary<int, double[]>();
            foreach ((int o, int i, double v) in entries)
            {
                int outSlot = Mod(o + shift, slots);
                int k = Mod(i - outSlot, slots);
                if (!diagonals.TryGetValue(k, out double[]? diag))
                {
                    diag = new double[slots];
                    diagonals.Add(k, diag);
                }

                diag[outSlot] += v;
            }

            return new DiagonalTransform(slots, 0, diagonals, SlotFold.None, shift == 0 ? "diagonal" : "diagonal+shift", shift);
        }

        int minOffset = entries.Count == 0 ? 0 : entries.Min(e => e.In - e.Out);
        DiagonalTransform plain = Build(0);
        if (minOffset >= 0 || entries.Max(e => e.Out) - minOffset >= slots)
        {
            return plain;
        }

        DiagonalTransform shifted = Build(minOffset);
        return shifted.RotationCount < plain.RotationCount ? shifted : plain;
    }

    /// <summary>
    /// The replicate-and-fold form for a wide matrix (m &lt; n) whose input sits in slots [0, n) in natural order:
    /// <c>y'[j] = Σ_{i&lt;m} W[j mod m][(j + i) mod n'] · x[(j + i) mod n']</c> for <c>j &lt; n' = m·⌈n/m⌉</c>, then
    /// <c>y[r] = Σ_b y'[r + b·m]</c>. Needs <c>2n' ≤ S</c>; returns null otherwise.
    /// </summary>
    public static DiagonalTransform? Wide(int slots, LinearMap map)
    {
        int m = map.OutputLength, n = map.InputLength;
        if (m >= n)
        {
            return null;
        }

        int blocks = (n + m - 1) / m, nPadded = blocks * m;
        if (2L * nPadded > slots)
        {
            return null;
        }

        var dense = new double[m, n];
        var present = new bool[m, n];
        for (int r = 0; r < m; r++)
        {
            for (int e = map.RowStart[r]; e < map.RowStart[r + 1]; e++)
            {
                dense[r, map.Columns[e]] += map.Values[e];
                present[r, map.Columns[e]] = true;
            }
        }

        var diagonals = new Dictionary<int, double[]>();
        for (int i = 0; i < m; i++)
        {
            double[] diag = new double[slots];
            bool any = false;
            for (int j = 0; j < nPadded; j++)
            {
                int row = j % m, col = (j + i) % nPadded;
                if (col < n && present[row, col])
                {
                    diag[j] = dense[row, col];
                    any = true;
                }
            }

            if (any)
            {
                diagonals.Add(i, diag);
            }
        }

        return new DiagonalTransform(slots, -nPadded, diagonals, new SlotFold(m, blocks), "replicate+diagonal+fold");
    }

    internal static int Mod(int x, int m) => ((x % m) + m) % m;

    /// <summary>
    /// The baby-step count n1 with the fewest rotations under <see cref="LinearTransform"/>'s split <c>k = (k / n1)·n1 + k mod n1</c>
    /// (a baby step weighs <see cref="LinearTransform.BabyStepWeight"/> of a giant step), and the rotations it implies, sorted.
    /// </summary>
    private static (int BabySteps, int[] Rotations) ChooseBabySteps(List<int> indices)
    {
        int best = 1;
        double bestCost = double.MaxValue;
        var babies = new HashSet<int>();
        var giants = new HashSet<int>();
        int span = indices.Count == 0 ? 1 : indices.Max() + 1;
        for (int n1 = 1; n1 <= span; n1++)
        {
            babies.Clear();
            giants.Clear();
            foreach (int k in indices)
            {
                babies.Add(k % n1);
                giants.Add(k / n1);
            }

            babies.Remove(0);
            giants.Remove(0);
            double cost = (LinearTransform.BabyStepWeight * babies.Count) + giants.Count;
            if (cost < bestCost)
            {
                best = n1;
                bestCost = cost;
            }
        }

        var rotations = new SortedSet<int>();
        foreach (int k in indices)
        {
            if (k % best != 0)
            {
                rotations.Add(k % best);
            }

            if (k / best != 0)
            {
                rotations.Add(k / best * best);
            }
        }

        return (best, [.. rotations]);
    }
}
