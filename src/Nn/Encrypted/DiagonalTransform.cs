namespace CkksRns.Nn.Encrypted;

/// <summary>
/// A plaintext matrix applied to an encrypted slot vector through its generalized diagonals with baby-step giant-step
/// (<see href="https://eprint.iacr.org/2018/244">Halevi–Shoup</see>):
/// <c>y = fold( Σ_a rot_{U·G·a}( Σ_b P_{a,b} ⊙ rot_{U·b}(x') ) )</c> where <c>x' = x + rot(x, ReplicateStep)</c> when the
/// input is replicated, and <c>P_{a,b}</c> is diagonal <c>U·(G·a + b)</c> pre-rotated by <c>−U·G·a</c>.
/// </summary>
internal sealed class DiagonalTransform
{
    private DiagonalTransform(int slots, int replicateStep, int unit, int giant, SortedDictionary<int, double[]> diagonals, SlotFold fold, string method)
    {
        Slots = slots;
        ReplicateStep = replicateStep;
        Unit = unit;
        Giant = giant;
        Diagonals = diagonals;
        Fold = fold;
        Method = method;
        var babies = new SortedSet<int>();
        var giants = new SortedSet<int>();
        foreach (int e in diagonals.Keys)
        {
            (int a, int b) = Split(e);
            babies.Add(b);
            giants.Add(a);
        }

        BabySteps = [.. babies];
        GiantSteps = [.. giants];
    }

    /// <summary>The number of slots N/2.</summary>
    public int Slots { get; }

    /// <summary>0 for none; otherwise the input is first replicated, <c>x += rot(x, ReplicateStep)</c>.</summary>
    public int ReplicateStep { get; }

    /// <summary>The common factor U of all diagonal offsets.</summary>
    public int Unit { get; }

    /// <summary>The baby-step count G.</summary>
    public int Giant { get; }

    /// <summary>Diagonal e (offset <c>U·e</c>, signed) → its values per output slot (not yet pre-rotated).</summary>
    public SortedDictionary<int, double[]> Diagonals { get; }

    /// <summary>Baby steps b used (rotation by U·b).</summary>
    public int[] BabySteps { get; }

    /// <summary>Giant steps a used (rotation by U·G·a).</summary>
    public int[] GiantSteps { get; }

    /// <summary>The block sum applied after the transform (and after the rescale).</summary>
    public SlotFold Fold { get; }

    /// <summary>"diagonal" or "replicate+diagonal+fold".</summary>
    public string Method { get; }

    /// <summary>Rotations per evaluation.</summary>
    public int RotationCount =>
        (ReplicateStep != 0 ? 1 : 0) + BabySteps.Count(b => b != 0) + GiantSteps.Count(a => a != 0) + Fold.RotationCount;

    /// <summary>(giant a, baby b) of diagonal e: <c>e = G·a + b</c>, <c>0 ≤ b &lt; G</c>.</summary>
    public (int A, int B) Split(int e)
    {
        int a = (int)Math.Floor(e / (double)Giant);
        return (a, e - (a * Giant));
    }

    /// <summary>Every rotation step used.</summary>
    public IEnumerable<int> RotationSteps()
    {
        if (ReplicateStep != 0)
        {
            yield return ReplicateStep;
        }

        foreach (int b in BabySteps)
        {
            if (b != 0)
            {
                yield return Unit * b;
            }
        }

        foreach (int a in GiantSteps)
        {
            if (a != 0)
            {
                yield return Unit * Giant * a;
            }
        }

        foreach (int s in Fold.Steps())
        {
            yield return s;
        }
    }

    /// <summary>Diagonal e pre-rotated for its giant step: <c>P[j] = D_e[(j − U·G·a) mod S]</c>.</summary>
    public double[] PreRotated(int e)
    {
        double[] d = Diagonals[e];
        (int a, _) = Split(e);
        int shift = Mod(Unit * Giant * a, Slots);
        double[] p = new double[Slots];
        for (int j = 0; j < Slots; j++)
        {
            p[j] = d[Mod(j - shift, Slots)];
        }

        return p;
    }

    /// <summary>
    /// The transform of the entries <c>(outSlot, inSlot, value)</c> on an input that is zero outside its slots: one
    /// diagonal per distinct <c>inSlot − outSlot</c> (mod S).
    /// </summary>
    public static DiagonalTransform Generic(int slots, IEnumerable<(int Out, int In, double Value)> entries)
    {
        var byOffset = new Dictionary<int, double[]>();
        foreach ((int o, int i, double v) in entries)
        {
            int d = Signed(Mod(i - o, slots), slots);
            if (!byOffset.TryGetValue(d, out double[]? diag))
            {
                diag = new double[slots];
                byOffset.Add(d, diag);
            }

            diag[o] += v;
        }

        return Build(slots, 0, byOffset, SlotFold.None, "diagonal");
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

        var byOffset = new Dictionary<int, double[]>();
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
                byOffset.Add(i, diag);
            }
        }

        return Build(slots, -nPadded, byOffset, new SlotFold(m, blocks), "replicate+diagonal+fold");
    }

    private static DiagonalTransform Build(int slots, int replicate, Dictionary<int, double[]> byOffset, SlotFold fold, string method)
    {
        int unit = 0;
        foreach (int d in byOffset.Keys)
        {
            unit = Gcd(unit, Math.Abs(d));
        }

        if (unit == 0)
        {
            unit = 1;
        }

        var diagonals = new SortedDictionary<int, double[]>();
        foreach ((int d, double[] v) in byOffset)
        {
            diagonals.Add(d / unit, v);
        }

        // Choose the baby-step count G that minimises the rotations.
        int min = diagonals.Keys.First(), max = diagonals.Keys.Last();
        int span = max - min + 1, bestG = 1, bestCost = int.MaxValue;
        for (int g = 1; g <= span; g++)
        {
            var babies = new HashSet<int>();
            var giants = new HashSet<int>();
            foreach (int e in diagonals.Keys)
            {
                int a = (int)Math.Floor(e / (double)g);
                babies.Add(e - (a * g));
                giants.Add(a);
            }

            int cost = babies.Count(b => b != 0) + giants.Count(a => a != 0);
            if (cost < bestCost)
            {
                bestCost = cost;
                bestG = g;
            }
        }

        return new DiagonalTransform(slots, replicate, unit, bestG, diagonals, fold, method);
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    internal static int Mod(int x, int m) => ((x % m) + m) % m;

    private static int Signed(int x, int slots) => x > slots / 2 ? x - slots : x;
}
