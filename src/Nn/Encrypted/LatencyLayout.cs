namespace CkksRns.Nn.Encrypted;

/// <summary>
/// Where every value sits in the slots of the latency packing (one image per request).
/// </summary>
/// <remarks>
/// <para>
/// The first stage (a convolution, or any linear map of the image) is computed im2col-style: output element r sits at
/// slot s of an arrangement A, and the client sends, for each term k of r's row, the pixel that term multiplies, in
/// block k (slot <c>k·B + s</c>, B = |A|). The server multiplies by the weights slot-wise, sums the blocks with a few
/// rotations and adds the bias: no other rotation, one level (LoLa's "convolution representation", TenSEAL's im2col).
/// </para>
/// <para>
/// When the stage after the first activation is itself convolution-like (rows fall into groups with identical input
/// patterns, such as the positions of CNN2's second convolution), A is that stage's im2col: the first stage then
/// computes each value as many times as the second stage reads it, and the second stage becomes a matrix with few
/// diagonals (multiples of the group count). Otherwise A is the natural order.
/// </para>
/// <para>
/// Later linear stages are <see cref="DiagonalTransform"/>s over the slot vector: wide matrices by replicate-and-fold,
/// others by their generalized diagonals. Activations are slot-wise with per-slot coefficient vectors, which are zero
/// outside the live slots and so also clear whatever partial sums the folds leave there.
/// </para>
/// </remarks>
internal sealed class LatencyLayout
{
    private LatencyLayout(int slots, int count)
    {
        Slots = slots;
        Arrangements = new int[count][];
        Transforms = new DiagonalTransform?[count];
        Biases = new double[count][];
    }

    /// <summary>N/2.</summary>
    public int Slots { get; }

    /// <summary>B = |A|: slots per block of the first stage.</summary>
    public int BlockStride { get; private set; }

    /// <summary>The number of terms K of the first stage (blocks in all).</summary>
    public int TermCount { get; private set; }

    /// <summary>Blocks per input ciphertext.</summary>
    public int BlocksPerCiphertext { get; private set; }

    /// <summary>The number of ciphertexts the client sends.</summary>
    public int InputCiphertexts => (TermCount + BlocksPerCiphertext - 1) / BlocksPerCiphertext;

    /// <summary><c>InputPixels[k·B + s]</c>: the input element that term k of slot s multiplies, or −1.</summary>
    public int[] InputPixels { get; private set; } = [];

    /// <summary><c>InputWeights[k·B + s]</c>: the weight of that term.</summary>
    public double[] InputWeights { get; private set; } = [];

    /// <summary>The block sum of the first stage.</summary>
    public SlotFold InputFold { get; private set; }

    /// <summary>Per stage: slot → element of the stage's output (−1 for unused slots).</summary>
    public int[][] Arrangements { get; }

    /// <summary>Per linear stage after the first: its transform.</summary>
    public DiagonalTransform?[] Transforms { get; }

    /// <summary>Per linear stage: the bias per output slot.</summary>
    public double[][] Biases { get; }

    /// <summary>Every rotation step any stage uses, sorted and distinct.</summary>
    public int[] RotationSteps()
    {
        var steps = new SortedSet<int>(InputFold.Steps());
        foreach (DiagonalTransform? t in Transforms)
        {
            if (t is not null)
            {
                steps.UnionWith(t.RotationSteps());
            }
        }

        steps.Remove(0);
        return [.. steps];
    }

    /// <summary>Rotations stage <paramref name="index"/> performs.</summary>
    public int RotationCount(int index) => index == 0 ? InputFold.RotationCount : Transforms[index]?.RotationCount ?? 0;

    /// <summary>The method of stage <paramref name="index"/>.</summary>
    public string Method(int index, PlanStage stage) => (index == 0
        ? $"im2col {InputCiphertexts} ct × {Math.Min(BlocksPerCiphertext, TermCount)} blocks of {BlockStride}"
        : stage is ActivationStage ? "PolynomialEvaluator, per-slot coefficients" : Transforms[index]?.Method + $" ({Transforms[index]?.Diagonals.Count} diagonals, {Transforms[index]?.BabyStepCount} baby steps)")
        + (stage is LinearStage { Fused: true } ? ", fused (no rescale)" : stage is LinearStage { LowScaleInput: true } ? ", low-scale input (no rescale)" : string.Empty);

    /// <summary>The layout of <paramref name="stages"/> (the first one linear) in <paramref name="slots"/> slots, or null if it does not fit.</summary>
    public static LatencyLayout? TryBuild(IReadOnlyList<PlanStage> stages, int slots)
    {
        if (stages.Count == 0 || stages[0] is not LinearStage first)
        {
            return null;
        }

        var layout = new LatencyLayout(slots, stages.Count);

        // Arrangement A of the first stage's output.
        int[] arrangement;
        int[]? entrySlot = null; // for the im2col case: the input slot of each entry of stage 2
        if (stages.Count >= 3 && stages[1] is ActivationStage && stages[2] is LinearStage second
            && TryIm2Col(second.Map, slots, out int[]? a, out int[]? slotsOfEntries))
        {
            arrangement = a!;
            entrySlot = slotsOfEntries;
        }
        else
        {
            arrangement = Natural(first.OutputLength);
        }

        int b = arrangement.Length;
        if (b > slots || stages.Any(s => s.OutputLength > slots || s.InputLength > slots && s != first))
        {
            return null;
        }

        LinearMap map0 = first.Map;
        int terms = 0;
        foreach (int r in arrangement)
        {
            if (r >= 0)
            {
                terms = Math.Max(terms, map0.RowStart[r + 1] - map0.RowStart[r]);
            }
        }

        terms = Math.Max(terms, 1);
        int perCiphertext = Math.Min(slots / b, terms);
        layout.BlockStride = b;
        layout.TermCount = terms;
        layout.BlocksPerCiphertext = perCiphertext;
        layout.InputFold = new SlotFold(b, perCiphertext);
        int[] pixels = new int[terms * b];
        double[] weights = new double[terms * b];
        Array.Fill(pixels, -1);
        double[] bias0 = new double[slots];
        for (int s = 0; s < b; s++)
        {
            int r = arrangement[s];
            if (r < 0)
            {
                continue;
            }

            bias0[s] = map0.Bias[r];
            for (int e = map0.RowStart[r], k = 0; e < map0.RowStart[r + 1]; e++, k++)
            {
                pixels[(k * b) + s] = map0.Columns[e];
                weights[(k * b) + s] = map0.Values[e];
            }
        }

        layout.InputPixels = pixels;
        layout.InputWeights = weights;
        layout.Biases[0] = bias0;
        layout.Arrangements[0] = arrangement;

        int[] current = arrangement;
        for (int i = 1; i < stages.Count; i++)
        {
            if (stages[i] is ActivationStage)
            {
                layout.Arrangements[i] = current;
                continue;
            }

            var linear = (LinearStage)stages[i];
            LinearMap map = linear.Map;
            DiagonalTransform transform;
            if (i == 2 && entrySlot is not null)
            {
                transform = DiagonalTransform.Generic(slots, Entries(map, e => entrySlot[e]));
            }
            else
            {
                int[] inputArrangement = current;
                if (!IsNatural(inputArrangement, map.InputLength))
                {
                    return null;
                }

                DiagonalTransform generic = DiagonalTransform.Generic(slots, Entries(map, e => map.Columns[e]));
                DiagonalTransform? wide = DiagonalTransform.Wide(slots, map);
                transform = wide is not null && wide.RotationCount < generic.RotationCount ? wide : generic;
            }

            layout.Transforms[i] = transform;
            double[] bias = new double[slots];
            map.Bias.CopyTo(bias, 0);
            layout.Biases[i] = bias;
            current = Natural(map.OutputLength);
            layout.Arrangements[i] = current;
        }

        return layout;
    }

    private static List<(int Out, int In, double Value)> Entries(LinearMap map, Func<int, int> inputSlot)
    {
        var list = new List<(int, int, double)>(map.EntryCount);
        for (int r = 0; r < map.OutputLength; r++)
        {
            for (int e = map.RowStart[r]; e < map.RowStart[r + 1]; e++)
            {
                list.Add((r, inputSlot(e), map.Values[e]));
            }
        }

        return list;
    }

    /// <summary>
    /// The im2col arrangement of <paramref name="map"/>: rows grouped by identical input patterns (G groups, K entries
    /// each at most); slot <c>k·G + g</c> holds the k-th input of group g. Fails when there is a single group or it
    /// does not fit.
    /// </summary>
    private static bool TryIm2Col(LinearMap map, int slots, out int[]? arrangement, out int[]? entrySlot)
    {
        arrangement = null;
        entrySlot = null;
        var groupOf = new int[map.OutputLength];
        var representatives = new List<int>();
        var index = new Dictionary<string, int>();
        for (int r = 0; r < map.OutputLength; r++)
        {
            string key = string.Join(',', map.Columns.AsSpan(map.RowStart[r], map.RowStart[r + 1] - map.RowStart[r]).ToArray());
            if (!index.TryGetValue(key, out int g))
            {
                g = representatives.Count;
                index.Add(key, g);
                representatives.Add(r);
            }

            groupOf[r] = g;
        }

        int groups = representatives.Count, terms = map.MaxRowLength;
        if (groups < 2 || (long)groups * terms > slots)
        {
            return false;
        }

        arrangement = new int[groups * terms];
        Array.Fill(arrangement, -1);
        for (int g = 0; g < groups; g++)
        {
            int r = representatives[g];
            for (int e = map.RowStart[r], k = 0; e < map.RowStart[r + 1]; e++, k++)
            {
                arrangement[(k * groups) + g] = map.Columns[e];
            }
        }

        entrySlot = new int[map.EntryCount];
        for (int r = 0; r < map.OutputLength; r++)
        {
            for (int e = map.RowStart[r], k = 0; e < map.RowStart[r + 1]; e++, k++)
            {
                entrySlot[e] = (k * groups) + groupOf[r];
            }
        }

        return true;
    }

    private static int[] Natural(int n)
    {
        int[] a = new int[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = i;
        }

        return a;
    }

    private static bool IsNatural(int[] arrangement, int n)
    {
        if (arrangement.Length != n)
        {
            return false;
        }

        for (int i = 0; i < n; i++)
        {
            if (arrangement[i] != i)
            {
                return false;
            }
        }

        return true;
    }
}
