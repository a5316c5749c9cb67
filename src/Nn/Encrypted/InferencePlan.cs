using System.Globalization;
using System.Numerics;
using System.Text;
using CkksRns.Ckks;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// A trained model compiled for encrypted evaluation: its stages (runs of linear layers composed into one map, BatchNorm
/// folded; SLAF activations), the multiplicative depth of each, the packing, the rotation steps needed, and the CKKS
/// parameters chosen for that depth and precision at the requested security (128-bit by default).
/// </summary>
/// <remarks>
/// <para>
/// Depth: every linear stage consumes one level (a multiplication by plaintext constants, then a rescale); a SLAF of
/// degree 2 or 3 consumes two (<c>x² · (a3·x + a2) + (a1·x + a0)</c>), of degree 1 one. CNN1 therefore needs
/// 1 + 2 + 1 + 2 + 1 = 7 levels, CNN2 (BatchNorm folded) 10.
/// </para>
/// <para>
/// Chain: by default one base prime of 40 bits (which holds the result) and one prime of the working scale's size
/// per level (2^30 for the latency packing, 2^28 for the throughput packing), all NTT-friendly; the ring degree is the smallest the security level allows for
/// that chain plus the special primes the parameters add for key switching. <see cref="InferenceOptions"/> overrides
/// the chain (bit sizes, or a number of primes), the scale, N and dnum; a chain that cannot carry the depth or the
/// precision is refused with a message saying what is missing.
/// </para>
/// <para>
/// The plan holds the model's weights (the server needs them); the client uses only its public part: the parameters,
/// the input layout and the rotation steps.
/// </para>
/// </remarks>
public sealed class InferencePlan
{
    private readonly PlanStage[] _stages;
    private readonly int[] _dataBits;

    private InferencePlan(
        Sequential model, InferenceOptions options, PlanStage[] stages, CkksParameters parameters, int[] dataBits, LatencyLayout? layout, int lastLayer, double scale)
    {
        Scale = scale;
        Model = model;
        Options = options;
        _stages = stages;
        Parameters = parameters;
        _dataBits = dataBits;
        Layout = layout;
        LastLayer = lastLayer;
        Depth = stages.Sum(s => s.Depth);
        RotationSteps = layout?.RotationSteps() ?? [];
        var steps = new PlanStep[stages.Length];
        ThroughputEngine.Deferral? deferral = layout is null ? ThroughputEngine.PlanDeferral(this, parameters) : null;
        for (int i = 0; i < stages.Length; i++)
        {
            PlanStage s = stages[i];
            steps[i] = new PlanStep(
                s.Name, s.FirstLayer, s.LastLayer, s.Depth, s.InputLevel, s.OutputLevel, Math.Log2(s.OutputScale),
                layout?.RotationCount(i) ?? 0,
                layout is null ? ThroughputMethod(s, deferral!.Deferred[i], deferral.Monic[i]) : layout.Method(i, s));
        }

        Steps = steps;
    }

    /// <summary>The model (not modified; the plan works on composed copies of its weights).</summary>
    public Sequential Model { get; }

    /// <summary>The options the plan was compiled with.</summary>
    public InferenceOptions Options { get; }

    /// <summary>The packing.</summary>
    public Packing Packing => Options.Packing;

    /// <summary>The CKKS parameters chosen (or given).</summary>
    public CkksParameters Parameters { get; }

    /// <summary>The working scale Δ: every stage but the last returns to it; inputs are encoded at it unless <see cref="InputScale"/> is lower.</summary>
    public double Scale { get; }

    /// <summary>
    /// The scale the client encodes its inputs at: <see cref="Scale"/>, or 2^<see cref="InferenceOptions.LogInputScale"/>
    /// when the first linear stage takes a low-scale input and does not rescale.
    /// </summary>
    public double InputScale => _stages[0].InputScale;

    /// <summary>The total multiplicative depth (levels consumed).</summary>
    public int Depth { get; }

    /// <summary>The steps, in evaluation order.</summary>
    public IReadOnlyList<PlanStep> Steps { get; }

    /// <summary>The rotation steps the server needs Galois keys for (empty for the throughput packing).</summary>
    public IReadOnlyList<int> RotationSteps { get; }

    /// <summary>Whether the server needs a relinearization key (any SLAF of degree 2 or more).</summary>
    public bool NeedsRelinearizationKey => _stages.Any(s => s is ActivationStage { Degree: > 1 });

    /// <summary>
    /// The largest ciphertext size the server relinearizes, for <see cref="KeyGenerator.CreateRelinearizationKey(int)"/>:
    /// 4 when a throughput plan leaves a degree-3 SLAF's result unrelinearized for the next linear stage (the key then
    /// also switches <c>s³</c>), 3 otherwise; 0 when no key is needed.
    /// </summary>
    public int RelinearizationKeySize => !NeedsRelinearizationKey ? 0 : Packing == Packing.Throughput ? Math.Max(3, ThroughputEngine.RelinearizedSize(this, Parameters)) : 3;

    /// <summary>The last model layer evaluated (the model's last layer unless in transfer-learning mode).</summary>
    public int LastLayer { get; }

    /// <summary>The per-sample input shape.</summary>
    public TensorShape InputShape => Model.InputShape;

    /// <summary>Values per input sample.</summary>
    public int InputLength => Model.InputShape.Length;

    /// <summary>Values per output sample (logits, or features in transfer-learning mode).</summary>
    public int OutputLength => _stages[^1].OutputLength;

    /// <summary>Images per request: 1 for the latency packing, N/2 for the throughput packing.</summary>
    public int BatchCapacity => Packing == Packing.Latency ? 1 : Parameters.Slots;

    /// <summary>Ciphertexts per request from the client.</summary>
    public int InputCiphertextCount => Layout?.InputCiphertexts ?? InputLength;

    /// <summary>Ciphertexts per reply from the server.</summary>
    public int OutputCiphertextCount => Packing == Packing.Latency ? 1 : OutputLength;

    /// <summary>The bit sizes of the data primes q_0 .. q_L.</summary>
    public IReadOnlyList<int> ChainBitSizes => _dataBits;

    /// <summary>The scale the outputs are decrypted at.</summary>
    public double OutputScale => _stages[^1].OutputScale;

    /// <summary>The level of the output ciphertexts.</summary>
    public int OutputLevel => _stages[^1].OutputLevel;

    internal IReadOnlyList<PlanStage> Stages => _stages;

    internal LatencyLayout? Layout { get; }

    /// <summary>Compiles <paramref name="model"/> for encrypted evaluation.</summary>
    /// <param name="model">A trained model whose activations are SLAFs (degree 1 to 3); BatchNorm layers are folded.</param>
    /// <param name="options">Packing and parameter overrides; defaults when null.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The model cannot be evaluated encrypted (a ReLU, a SLAF of degree above 3), the transfer-learning layer is out of
    /// range, or the requested chain or ring degree cannot carry the plan; the message says what is missing.
    /// </exception>
    public static InferencePlan Compile(Sequential model, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new InferenceOptions();
        if (!Enum.IsDefined(options.Packing))
        {
            throw new ArgumentException($"Packing = {(int)options.Packing} is not a defined packing.", nameof(options));
        }

        if (!(options.OutputBound > 0) || !double.IsFinite(options.OutputBound))
        {
            throw new ArgumentException($"OutputBound = {options.OutputBound} must be positive and finite.", nameof(options));
        }

        int lastLayer = model.Layers.Count - 1;
        if (options.StopAfterLayer is int stop)
        {
            if (stop < 0 || stop > lastLayer)
            {
                throw new ArgumentException($"StopAfterLayer = {stop} is out of range: the model has layers 0 to {lastLayer}.", nameof(options));
            }

            lastLayer = stop;
        }

        List<PlanStage> stages = BuildStages(model, lastLayer);
        if (options.Packing == Packing.Latency && stages[0] is not LinearStage)
        {
            stages.Insert(0, new LinearStage(LinearMap.Identity(model.InputShape.Length), "identity") { FirstLayer = 0, LastLayer = -1 });
        }

        if (options.LogInputScale is int logInput)
        {
            MarkLowScaleInput(stages, logInput, options);
        }

        int depth = stages.Sum(s => s.Depth);
        IReadOnlyList<int>? levelBits = null;
        if (options.PrimeCount is int primes && primes >= 1 && primes < depth + 1 && options.ChainBitSizes is null)
        {
            levelBits = Fuse(stages, depth, primes, options);
            depth = stages.Sum(s => s.Depth);
        }

        // The throughput packing's default chain: the last linear stage (a dense layer of a few outputs) does not
        // rescale, so the output stays at level 1 on q_0·q_1 and q_0 can be a narrow prime (docs/inference.md §3).
        // (If the output bound leaves the last stage's weights too little scale there, the plan falls back to rescaling on a 40-bit q_0.)
        bool unrescaledOutput = options.Packing == Packing.Throughput && options.ChainBitSizes is null && options.PrimeCount is null &&
            stages[^1] is LinearStage { Rescales: true };
        if (unrescaledOutput)
        {
            ((LinearStage)stages[^1]).Fused = true;
            depth -= 1;
        }

        string[] stageDepths = [.. stages.Select(s => $"{s.Name} {s.Depth}")];
        int[] dataBits = ChainBuilder.DataBits(depth, stageDepths, options, out int logScale, levelBits, unrescaledOutput);

        // The latency packing needs enough slots for its layout; find the smallest ring that fits both.
        int minLogN = HomomorphicEncryptionStandard.MinLogN;
        if (options.Packing == Packing.Latency)
        {
            int needed = stages.Max(s => Math.Max(s.OutputLength, s == stages[0] ? 0 : s.InputLength));
            minLogN = Math.Max(minLogN, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, needed))) + 1);
        }

        CkksParameters parameters;
        LatencyLayout? layout;
        while (true)
        {
            parameters = ChainBuilder.Create(dataBits, logScale, options, minLogN);
            if (unrescaledOutput && !ChainBuilder.UnrescaledOutputFits(parameters, options.OutputBound, Math.ScaleB(1.0, logScale)))
            {
                unrescaledOutput = false;
                ((LinearStage)stages[^1]).Fused = false;
                depth += 1;
                stageDepths = [.. stages.Select(s => $"{s.Name} {s.Depth}")];
                dataBits = ChainBuilder.DataBits(depth, stageDepths, options, out logScale, levelBits);
                continue;
            }

            layout = options.Packing == Packing.Latency ? LatencyLayout.TryBuild(stages, parameters.Slots) : null;
            if (options.Packing == Packing.Throughput || layout is not null)
            {
                break;
            }

            if (options.LogN is not null || parameters.LogN >= HomomorphicEncryptionStandard.MaxLogN)
            {
                throw new ArgumentException(
                    $"The latency layout does not fit in {parameters.Slots} slots (N = {parameters.N}); use a larger N or the throughput packing.", nameof(options));
            }

            minLogN = parameters.LogN + 1;
        }

        double scale = Math.ScaleB(1.0, logScale);
        AssignLevels(stages, parameters, options, scale);
        return new InferencePlan(model, options, [.. stages], parameters, dataBits, layout, lastLayer, scale);
    }

    /// <summary>
    /// The plaintext reference of the plan for one sample, in double precision: the same composed maps and polynomials
    /// the encrypted evaluation computes (it differs from <see cref="Sequential.Predict"/> only by float rounding).
    /// </summary>
    /// <param name="input">One sample, <see cref="InputLength"/> values.</param>
    /// <returns><see cref="OutputLength"/> values.</returns>
    /// <exception cref="ArgumentException">The sample has the wrong length.</exception>
    public double[] Forward(ReadOnlySpan<float> input)
    {
        if (input.Length != InputLength)
        {
            throw new ArgumentException($"The sample has {input.Length} values; the model takes {InputLength} ({InputShape}).", nameof(input));
        }

        double[] x = new double[input.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = input[i];
        }

        foreach (PlanStage stage in _stages)
        {
            double[] y = new double[stage.OutputLength];
            stage.Apply(x, y);
            x = y;
        }

        return x;
    }

    /// <summary>A printable description: parameters, chain, and one line per step.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        CkksParameters p = Parameters;
        text.AppendLine(CultureInfo.InvariantCulture, $"packing: {Packing.ToString().ToLowerInvariant()} ({BatchCapacity} image{(BatchCapacity == 1 ? "" : "s")} per request)");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"CKKS: N = 2^{p.LogN} ({p.Slots} slots), chain q = [{ChainSpecification.Format(_dataBits)}] ({p.QCount} primes, {p.LogQ} bits), " +
            $"special P = [{ChainSpecification.Format(BitSizes(p.P))}], dnum = {p.Dnum}, log2(QP) = {p.LogQP} (bound {FormatBound(p)}), " +
            $"scale 2^{Math.Log2(Scale):0.##}{(InputScale != Scale ? $" (inputs at 2^{Math.Log2(InputScale):0.##})" : "")}, security {(p.SecurityLevel == SecurityLevel.None ? "none (tests only)" : $"{(int)p.SecurityLevel}-bit")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"depth {Depth}; output at level {OutputLevel}, scale 2^{Math.Log2(OutputScale):0.##}; " +
            $"{RotationSteps.Count} rotation keys; {InputCiphertextCount} ciphertext(s) in, {OutputCiphertextCount} out");
        text.AppendLine("  step                 layers  depth  levels    scale    rot  method");
        foreach (PlanStep s in Steps)
        {
            string layers = s.LastLayer < s.FirstLayer ? "-" : s.FirstLayer == s.LastLayer ? $"{s.FirstLayer}" : $"{s.FirstLayer}-{s.LastLayer}";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {s.Name,-20} {layers,6}  {s.Depth,5}  {s.InputLevel,2} → {s.OutputLevel,-2}  2^{s.OutputScaleBits,-5:0.##}  {s.Rotations,4}  {s.Method}");
        }

        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => $"InferencePlan({Packing}, depth {Depth}, N = 2^{Parameters.LogN}, chain [{ChainSpecification.Format(_dataBits)}])";

    internal static int[] BitSizes(IReadOnlyList<ulong> primes) => [.. primes.Select(q => 64 - BitOperations.LeadingZeroCount(q))];

    private static string FormatBound(CkksParameters p) => p.SecurityLevel == SecurityLevel.None ? "none" : p.MaxLogQP.ToString(CultureInfo.InvariantCulture);

    private static string ThroughputMethod(PlanStage stage, bool deferred, bool[]? monic) => stage switch
    {
        LinearStage l => $"multiply-accumulate, {l.Map.EntryCount} constants{(l.Fused ? ", fused (no rescale)" : l.LowScaleInput ? ", low-scale input (no rescale)" : "")}",
        ActivationStage { Degree: 1 } => "per-neuron linear",
        ActivationStage a when monic is not null =>
            $"per-neuron x·((x+β/2)²+κ) ({monic.Count(m => m)} of {a.Length}; a3, a0 to the next step), no key switch",
        ActivationStage => deferred ? "per-neuron x²·(a3x+a2) + a1x + a0, no key switch" : "per-neuron x², x²·(a3x+a2) + a1x + a0",
        _ => string.Empty,
    };

    private static List<PlanStage> BuildStages(Sequential model, int lastLayer)
    {
        var stages = new List<PlanStage>();
        LinearMap? pending = null;
        int pendingFirst = 0;
        var pendingNames = new List<string>();
        TensorShape shape = model.InputShape;

        void Flush(int last)
        {
            if (pending is not null)
            {
                string name = pendingNames.Count == 1 ? pendingNames[0] : "linear";
                stages.Add(new LinearStage(pending, $"{name}({pending.InputLength}→{pending.OutputLength})") { FirstLayer = pendingFirst, LastLayer = last });
                pending = null;
                pendingNames.Clear();
            }
        }

        void Push(LinearMap map, int index, string name)
        {
            if (pending is null)
            {
                pending = map;
                pendingFirst = index;
            }
            else
            {
                pending = pending.Then(map);
            }

            pendingNames.Add(name);
        }

        for (int i = 0; i <= lastLayer; i++)
        {
            Layer layer = model.Layers[i];
            TensorShape next = model.LayerOutputShapes[i];
            switch (layer)
            {
                case Conv2d conv:
                    Push(LinearMap.FromConv2d(conv, shape), i, "conv");
                    break;
                case Dense dense:
                    Push(LinearMap.FromDense(dense), i, "dense");
                    break;
                case AvgPool2d pool:
                    Push(LinearMap.FromAvgPool(pool, shape), i, "avgpool");
                    break;
                case BatchNorm bn:
                {
                    float[] scale = new float[bn.Channels], shift = new float[bn.Channels];
                    bn.GetInferenceTransform(scale, shift);
                    Push(LinearMap.Channelwise(shape, scale, shift), i, "batchnorm");
                    break;
                }

                case Flatten:
                    if (pending is not null)
                    {
                        pendingNames.Add("flatten");
                    }

                    break;
                case Slaf slaf:
                    if (slaf.Degree > ActivationStage.MaxDegree)
                    {
                        throw new ArgumentException(
                            $"Layer {i} is {slaf}: the encrypted plan evaluates SLAFs of degree 1 to {ActivationStage.MaxDegree}.", nameof(model));
                    }

                    Flush(i - 1);
                    stages.Add(new ActivationStage(slaf) { FirstLayer = i, LastLayer = i });
                    break;
                case Relu:
                    throw new ArgumentException(
                        $"Layer {i} is a ReLU, which cannot be evaluated under CKKS: train the model with SLAF activations (ckksrns train --mode slaf or slaf-r).",
                        nameof(model));
                default:
                    throw new ArgumentException($"Layer {i} ({layer}) has no encrypted evaluation.", nameof(model));
            }

            shape = next;
        }

        Flush(lastLayer);
        if (stages.Count == 0)
        {
            stages.Add(new LinearStage(LinearMap.Identity(model.InputShape.Length), "identity") { FirstLayer = 0, LastLayer = lastLayer });
        }

        // Names: drop the trailing "flatten" annotation noise.
        return stages;
    }

    /// <summary>
    /// Fuses the first linear stages that precede a SLAF of degree 2 or 3 with it, one per prime missing from the
    /// requested count: the linear stage no longer rescales, and the SLAF's two primes are twice the scale's size so that
    /// they absorb its scale. Returns the level primes' bit sizes, bottom (q_1 side) first.
    /// </summary>
    /// <exception cref="ArgumentException">Even fusing every such pair leaves the chain too short.</exception>
    private static List<int> Fuse(List<PlanStage> stages, int depth, int primes, InferenceOptions options)
    {
        var pairs = new List<int>();
        for (int i = 0; i + 1 < stages.Count; i++)
        {
            if (stages[i] is LinearStage { LowScaleInput: false } && stages[i + 1] is ActivationStage { Degree: > 1 })
            {
                pairs.Add(i);
            }
        }

        int needed = depth + 1 - primes;
        if (needed > pairs.Count)
        {
            throw new ArgumentException(
                $"A chain of {primes} data primes cannot carry the plan: it has {depth} levels, and even with each of its {pairs.Count} " +
                $"linear layers that precede a SLAF sharing that SLAF's primes (two primes of twice the scale's size instead of three), it needs at " +
                $"least {depth + 1 - pairs.Count} primes.", nameof(options));
        }

        for (int p = 0; p < needed; p++)
        {
            ((LinearStage)stages[pairs[p]]).Fused = true;
        }

        int s = options.LogScale ?? ChainBuilder.DefaultLogScale(options.Packing);
        var topFirst = new List<int>();
        for (int i = 0; i < stages.Count; i++)
        {
            switch (stages[i])
            {
                case LinearStage { Rescales: true }:
                    topFirst.Add(s);
                    break;
                case ActivationStage a when i > 0 && stages[i - 1] is LinearStage { Fused: true }:
                    topFirst.AddRange([2 * s, 2 * s]);
                    break;
                case ActivationStage a:
                    topFirst.AddRange(Enumerable.Repeat(s, a.Depth));
                    break;
            }
        }

        topFirst.Reverse();
        return topFirst;
    }

    /// <summary>Marks the first stage as taking a low-scale input (<see cref="InferenceOptions.LogInputScale"/>), after checking it can.</summary>
    /// <exception cref="ArgumentException">
    /// The packing is not the throughput one, the plan does not start with a linear stage followed by another stage, or the scale is out of range.
    /// </exception>
    private static void MarkLowScaleInput(List<PlanStage> stages, int logInput, InferenceOptions options)
    {
        if (options.Packing != Packing.Throughput)
        {
            // The latency packing encodes the first stage's weights as plaintext polynomials: rounding their coefficients
            // at 2^(Δ - Δ_in) puts an error of about √N/2^(Δ - Δ_in) into every slot (a tenth of a typical weight at 2^10).
            throw new ArgumentException(
                $"LogInputScale = {logInput} applies to the throughput packing only, whose first-stage weights are exact integer constants; " +
                "the latency packing encodes them as plaintext polynomials, whose rounding error at the low weight scale would swamp them.", nameof(options));
        }

        if (stages.Count < 2 || stages[0] is not LinearStage first)
        {
            throw new ArgumentException(
                $"LogInputScale = {logInput} needs a plan that starts with a linear stage followed by another step; this one starts with {stages[0].Name} " +
                $"and has {stages.Count} step{(stages.Count == 1 ? "" : "s")}.", nameof(options));
        }

        int logScale = options.LogScale ?? ChainBuilder.DefaultLogScale(options.Packing);
        int highest = logScale - InferenceOptions.MinInputConstantBits;
        if (logInput < InferenceOptions.MinLogInputScale || logInput > highest)
        {
            throw new ArgumentException(
                $"LogInputScale = {logInput} is out of range: it must be at least {InferenceOptions.MinLogInputScale} (the fresh encryption noise) and at most " +
                $"{highest}, the working scale's {logScale} bits less the {InferenceOptions.MinInputConstantBits} the first stage's weights need.", nameof(options));
        }

        first.LowScaleInput = true;
    }

    /// <summary>Simulates levels and scales through the chain, and checks every constant keeps its precision.</summary>
    private static void AssignLevels(List<PlanStage> stages, CkksParameters parameters, InferenceOptions options, double delta)
    {
        int level = parameters.MaxLevel;
        double scale = stages[0] is LinearStage { LowScaleInput: true } ? Math.ScaleB(1.0, options.LogInputScale!.Value) : delta;
        double baseModulus = 1;
        int finalLevel = parameters.MaxLevel - stages.Sum(s => s.Depth);
        for (int i = 0; i <= finalLevel; i++)
        {
            baseModulus *= parameters.Q[i];
        }

        // The output scale: the working scale, or less so that ±OutputBound fits the base with a margin. A last linear
        // stage that does not rescale lands on the largest scale that fits (its constants' scale is the rest).
        double outputRoom = baseModulus / (options.OutputBound * 2 * (1 << ChainBuilder.OutputMarginBits));
        double outputScale = Math.Min(delta, outputRoom);
        if (outputScale < Math.ScaleB(1, ChainBuilder.MinOutputPrecisionBits))
        {
            throw new ArgumentException(
                $"The base of the chain (q_0 .. q_{finalLevel}, {Math.Log2(baseModulus):0.#} bits) cannot hold outputs up to ±{options.OutputBound} with " +
                $"{ChainBuilder.MinOutputPrecisionBits} bits of precision; it needs {ChainBuilder.MinBaseBits(options.OutputBound)} bits.", nameof(options));
        }

        for (int i = 0; i < stages.Count; i++)
        {
            PlanStage stage = stages[i];
            double target = i == stages.Count - 1 ? outputScale : delta;
            stage.InputLevel = level;
            stage.InputScale = scale;
            stage.TargetScale = target;
            double qTop = parameters.Q[level];
            if (stage is LinearStage { Fused: true } fused)
            {
                // No rescale: the output scale Y is the one at which the next SLAF's constants come out at the working
                // scale on its two primes, Y = (q_{l-1}·q_l²·target/Δ)^(1/3) (about q_l for primes of twice the scale).
                double nextTarget = i + 1 == stages.Count - 1 ? outputScale : delta;
                double y = i == stages.Count - 1
                    ? Math.Min(scale * delta, outputRoom)
                    : Math.Cbrt(parameters.Q[level - 1] * qTop * qTop * nextTarget / delta);
                double c = y / scale;
                CheckConstant(c, stage, i, "weights", level, parameters);
                fused.ConstantScale = c;
                if (i == stages.Count - 1)
                {
                    stage.TargetScale = y;
                }

                scale *= c;
            }
            else if (stage is LinearStage { LowScaleInput: true } first)
            {
                // No rescale: the weights take the working scale's ratio to the input's (at least 2^MinInputConstantBits,
                // checked with the option).
                double c = target / scale;
                first.ConstantScale = c;
                scale *= c;
            }
            else if (stage is LinearStage linear)
            {
                double c = ScaleRules.LinearConstant(scale, qTop, target);
                CheckConstant(c, stage, i, "weights", level, parameters);
                linear.ConstantScale = c;
                scale = ScaleRules.AfterRescale(scale, c, qTop);
                level -= 1;
            }
            else if (stage is ActivationStage activation)
            {
                double qNext = level >= 1 ? parameters.Q[level - 1] : 1;
                ActivationScales a = ScaleRules.Activation(activation.Degree, scale, qTop, qNext, target);
                if (activation.Degree == 1)
                {
                    CheckConstant(a.V, stage, i, "coefficients", level, parameters);
                }
                else
                {
                    CheckConstant(a.T, stage, i, activation.Degree == 3 ? "a3" : "a2", level, parameters);
                    CheckConstant(a.V, stage, i, "a1", level, parameters);
                }

                scale = a.Output;
                level -= activation.Depth;
            }

            stage.OutputLevel = level;
            stage.OutputScale = scale;
        }
    }

    private static void CheckConstant(double scale, PlanStage stage, int index, string what, int level, CkksParameters parameters)
    {
        if (!(scale >= Math.ScaleB(1, ScaleRules.MinConstantBits)) || !double.IsFinite(scale))
        {
            throw new ArgumentException(
                $"Step {index} ({stage.Name}) at level {level} would encode its {what} at scale 2^{Math.Log2(scale):0.#}, below the 2^{ScaleRules.MinConstantBits} " +
                $"the plan needs for precision: the prime q_{level} ({64 - BitOperations.LeadingZeroCount(parameters.Q[level])} bits) is too small for the " +
                $"scale 2^{Math.Log2(stage.InputScale):0.#}. Use larger level primes or a smaller scale (LogScale).", "options");
        }
    }
}
