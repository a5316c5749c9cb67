using System.Collections.Concurrent;
using System.Numerics;
using CkksRns.Ckks;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// Evaluates a plan in the throughput packing: one ciphertext per pixel or neuron, slot j holding image j. Linear
/// stages are lazy multiply-accumulates with constants (<see cref="ConstantMultiplyAccumulate"/>) split over limbs and
/// coefficient blocks; activations run per neuron. Independent ciphertexts are processed in parallel.
/// </summary>
internal sealed class ThroughputEngine
{
    /// <summary>When a linear stage takes the floating-point kernel (<see cref="FloatMultiplyAccumulate"/>).</summary>
    internal enum FloatKernelUse
    {
        /// <summary>Never: the integer kernels only.</summary>
        Never,

        /// <summary>When its weights split into at most a quarter more terms (the default).</summary>
        WhenFaster,

        /// <summary>Whenever its weights fit 32 bits and a limb's prime is below 2^31.</summary>
        Always,
    }

    private const int BlockCoefficients = 1024;

    /// <summary>
    /// Bits the modulus must leave above a handed-over SLAF's result times the next stage's weights and the output bound.
    /// Besides headroom, this keeps the handover away from the last layers, where the base is tight: CNN1's SLAF before
    /// its 100→10 layer leaves 4 bits, and handing it over saves about 0.2 s per batch but raises the largest logit
    /// error from about 3e-3 to 1.2e-2.
    /// </summary>
    internal const int HandoverMarginBits = 8;

    /// <summary>
    /// The margin for a plan that already traded precision for speed (<see cref="InferenceOptions.LogInputScale"/>):
    /// its error is dominated by the low-scale inputs (about 6e-2 for CNN1), so the last SLAF is handed over too; 4 bits
    /// are still 16 times the output bound.
    /// </summary>
    internal const int LowPrecisionHandoverMarginBits = 4;

    private readonly InferencePlan _plan;
    private readonly CkksContext _context;
    private readonly Evaluator _evaluator;
    private readonly int _parallelism;
    private readonly LinearConstants?[] _constants;
    private readonly bool[] _deferred;
    private readonly double[] _boost;
    private readonly bool[]?[] _monic;

    // Intermediate ciphertexts and per-thread scratch are kept for the next request: a batch of 8192 images moves
    // gigabytes, and memory the process has not touched yet costs a page fault per 4 KiB (on this VM, about as much as
    // the arithmetic on it). The pool holds at most the plan's peak of intermediate ciphertexts.
    private readonly ConcurrentBag<Ciphertext> _pool = [];
    private readonly ConcurrentBag<Scratch> _scratch = [];

    /// <param name="plan">The plan (throughput packing).</param>
    /// <param name="context">The server's context.</param>
    /// <param name="evaluator">The evaluator with the relinearization key.</param>
    /// <param name="parallelism">Independent work items run at once.</param>
    /// <param name="floatKernel">When linear stages take <see cref="FloatMultiplyAccumulate"/> (the same results either way; tests compare).</param>
    public ThroughputEngine(InferencePlan plan, CkksContext context, Evaluator evaluator, int parallelism, FloatKernelUse floatKernel = FloatKernelUse.WhenFaster)
    {
        _plan = plan;
        _context = context;
        _evaluator = evaluator;
        _parallelism = parallelism;
        _constants = new LinearConstants?[plan.Stages.Count];
        Deferral deferral = PlanDeferral(plan, context.Parameters);
        _deferred = deferral.Deferred;
        _boost = deferral.Boost;
        _monic = deferral.Monic;
        for (int i = 0; i < plan.Stages.Count; i++)
        {
            if (plan.Stages[i] is LinearStage linear)
            {
                _constants[i] = new LinearConstants(linear, context, deferral.PendingScale[i], deferral.InputScales[i], deferral.ColumnFactors[i], deferral.ExtraBias[i], floatKernel);
            }
        }
    }

    /// <summary>
    /// The largest ciphertext the engine relinearizes: 4 when a SLAF of degree 3 hands its result over unrelinearized
    /// (see <see cref="PlanDeferral"/>), 3 when any SLAF squares, 2 (no key needed) otherwise.
    /// </summary>
    public static int RelinearizedSize(InferencePlan plan, CkksParameters parameters)
    {
        bool[] deferred = PlanDeferral(plan, parameters).Deferred;
        int size = 2;
        for (int i = 0; i < plan.Stages.Count; i++)
        {
            if (plan.Stages[i] is ActivationStage { Degree: > 1 } a)
            {
                size = Math.Max(size, deferred[i] && a.Degree == 3 ? 4 : 3);
            }
        }

        return size;
    }

    /// <summary>
    /// Which SLAFs hand over their result unrelinearized and unrescaled to the linear stage after them, at which scale,
    /// and by how much each boosts its square.
    /// </summary>
    /// <remarks>
    /// A SLAF of degree 2 or 3 just before a linear stage with fewer outputs than inputs hands over <c>x²·t + v</c>
    /// without any key switch: x² is squared, rescaled and multiplied while still of size 3, so the result has size 4
    /// (degree 3; size 3 for degree 2), level <c>a − 1</c>, scale U, when the modulus there has room for U·c. The linear
    /// stage multiplies and sums first, then relinearizes each output (two key switches sharing one division by P for
    /// size 4) and rescales twice. One relinearization per output instead of two per input neuron; the multiply-
    /// accumulate runs on four polynomials instead of two, so it pays only when the stage narrows (CNN2's 845→1250
    /// convolution keeps the per-neuron form).
    /// The rescale of the size-3 square rounds <c>c_2</c> too, an error that decryption multiplies by <c>s²</c> (about
    /// 100 times a size-2 rescale's at N = 2^14): the square is therefore taken at a scale raised by an exact integer
    /// factor K (<see cref="ScaleRules.ActivationBoost"/>), which the constant of <c>a3·x + a2</c> gives back.
    /// </remarks>
    internal static Deferral PlanDeferral(InferencePlan plan, CkksParameters p)
    {
        int count = plan.Stages.Count;
        var result = new Deferral(new bool[count], new double?[count], new double[count], new bool[]?[count], new double[]?[count], new double[]?[count], new double[]?[count]);
        Array.Fill(result.Boost, 1.0);
        for (int i = 1; i < count; i++)
        {
            if (plan.Stages[i] is LinearStage linear && plan.Stages[i - 1] is ActivationStage { Degree: > 1 } a && linear.Map.OutputLength < linear.Map.InputLength)
            {
                int level = a.InputLevel;
                double boost = ScaleRules.ActivationBoost(a.Degree, a.InputScale, p.Q[level], p.Q[level - 1], a.TargetScale);
                ActivationScales sc = ScaleRules.Activation(a.Degree, a.InputScale, p.Q[level], p.Q[level - 1], a.TargetScale, boost);
                double c = linear.ConstantScale;
                double capacity = 0;
                for (int l = 0; l < level; l++)
                {
                    capacity += Math.Log2(p.Q[l]);
                }

                // Degree 3: the neurons whose a3 is large enough take the monic form, whose result arrives at another
                // scale than U; their weights are quantized at c·U/U_monic, which must keep the precision of a constant
                // (it does not when the SLAF's input is unrescaled, as after a fused stage: U_monic then carries σ³).
                double monicScale = MonicScale(a.InputScale, boost, p.Q[level]);
                bool[]? monic = a.Degree == 3 && c * sc.U / monicScale >= Math.ScaleB(1, ScaleRules.MinConstantBits + 4) ? MonicNeurons(a) : null;
                if (monic is not null && Array.IndexOf(monic, true) < 0)
                {
                    monic = null;
                }

                double largest = monic is null ? sc.U : Math.Max(sc.U, monicScale);
                int margin = plan.InputScale < plan.Scale ? LowPrecisionHandoverMarginBits : HandoverMarginBits;
                if (capacity - Math.Log2(largest * c * Math.Max(1, plan.Options.OutputBound)) >= margin && c >= Math.ScaleB(1, ScaleRules.MinConstantBits))
                {
                    result.PendingScale[i] = sc.U;
                    result.Deferred[i - 1] = true;
                    result.Boost[i - 1] = boost;
                    if (monic is not null)
                    {
                        // Column e of the dense stage takes a3·U/U_monic (the scale the MAC expects over the one u arrives
                        // at); the a0 of monic neurons moves into the bias.
                        result.Monic[i - 1] = monic;
                        var scales = new double[a.Length];
                        var factors = new double[a.Length];
                        var zeroOrder = new double[a.Length];
                        for (int e = 0; e < a.Length; e++)
                        {
                            scales[e] = monic[e] ? monicScale : sc.U;
                            factors[e] = monic[e] ? a.Coefficient(3, e) * sc.U / monicScale : 1;
                            zeroOrder[e] = monic[e] ? a.Coefficient(0, e) : 0;
                        }

                        result.InputScales[i] = scales;
                        result.ColumnFactors[i] = factors;
                        var bias = new double[linear.Map.OutputLength];
                        linear.Map.Apply(zeroOrder, bias);
                        for (int r = 0; r < bias.Length; r++)
                        {
                            bias[r] -= linear.Map.Bias[r];
                        }

                        result.ExtraBias[i] = bias;
                    }
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The neurons of a degree-3 SLAF evaluated in the monic form <c>p(x) = a3·x·((x + β/2)² + κ) + a0</c>
    /// (β = a2/a3, κ = a1/a3 − β²/4), the factor a3 and the term a0 moved into the dense stage after it: those whose
    /// <c>|a3|</c> is at least <see cref="MonicMinimumRatio"/> of <c>max(|a1|, |a2|)</c>. The dense weight of such a
    /// neuron becomes <c>w·a3</c>, quantized at the stage's constant scale, while the value it multiplies grows as
    /// <c>1/a3</c>: the ratio bounds that loss of precision. The other neurons keep <c>x²·(a3·x + a2) + a1·x + a0</c>.
    /// </summary>
    internal static bool[] MonicNeurons(ActivationStage a)
    {
        var monic = new bool[a.Length];
        for (int e = 0; e < a.Length; e++)
        {
            double a3 = Math.Abs(a.Coefficient(3, e)), other = Math.Max(Math.Abs(a.Coefficient(1, e)), Math.Abs(a.Coefficient(2, e)));
            monic[e] = a3 > 0 && a3 >= MonicMinimumRatio * other;
        }

        return monic;
    }

    /// <summary>The smallest <c>|a3| / max(|a1|, |a2|)</c> for the monic form (see <see cref="MonicNeurons"/>).</summary>
    /// <remarks>
    /// Largest logit error over 8,192 images (throughput chain, session 11): CNN1 2.4e-3 with every neuron monic, 2.9e-3
    /// at 1/1024 and 4.1e-3 at 1/64; CNN2, whose smallest a3 is 6.3e-7, 8.3e-2 with
    /// every neuron monic, 2.5e-3 to 3.7e-3 at 1/1024 and 9.5e-3 at 1/64. The general form had 7.5e-3 (CNN1) and
    /// 8.0e-3 to 9.5e-3 (CNN2).
    /// </remarks>
    internal const double MonicMinimumRatio = 1.0 / 1024;

    /// <summary>The scale of a monic neuron's result: the boosted square σ²·K rescaled by q_top, times x at σ (the evaluator's own arithmetic).</summary>
    internal static double MonicScale(double sigma, double boost, double qTop) => sigma * sigma * boost / qTop * sigma;

    /// <summary>Per stage, whether it is a linear stage whose narrow limbs take <see cref="FloatMultiplyAccumulate"/>.</summary>
    internal bool[] FloatLinearStages => [.. _constants.Select(k => k?.Float is not null)];

    /// <summary>Seconds each stage took in the last evaluation (diagnostics).</summary>
    public double[] StageSeconds { get; private set; } = [];

    /// <summary>Runs stages 0 .. <paramref name="stageCount"/> − 1 on one ciphertext per input element.</summary>
    public Ciphertext[] Evaluate(Ciphertext[] inputs, int stageCount)
    {
        Ciphertext[] x = inputs;
        StageSeconds = new double[stageCount];
        for (int i = 0; i < stageCount; i++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            PlanStage stage = _plan.Stages[i];
            x = stage switch
            {
                LinearStage => Linear(_constants[i]!, x, ownsInputs: i > 0),
                ActivationStage a => Activation(a, x, ownsInputs: i > 0, _deferred[i], _boost[i], _monic[i]),
                _ => throw new InvalidOperationException("Unknown stage."),
            };
            StageSeconds[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        return x;
    }

    private ParallelOptions Options => new() { MaxDegreeOfParallelism = _parallelism };

    /// <summary>Drops the ciphertexts and scratch kept from earlier requests (their memory goes back to the GC).</summary>
    public void ReleaseBuffers()
    {
        _pool.Clear();
        _scratch.Clear();
    }

    private Ciphertext Rent(int size, int level, double scale)
    {
        if (_pool.TryTake(out Ciphertext? c))
        {
            c.Reshape(size, level, scale);
            return c;
        }

        return new Ciphertext(_context, size, level, scale);
    }

    private Ciphertext[] Linear(LinearConstants k, Ciphertext[] inputs, bool ownsInputs)
    {
        LinearMap map = k.Map;
        int level = k.Level, limbs = level + 1, n = _context.Parameters.N;
        int size = 2;
        foreach (Ciphertext c in inputs)
        {
            size = Math.Max(size, c.Size);
        }

        double inputScale = inputs[0].Scale;
        if (k.InputScales is double[] expected)
        {
            // Inputs at different scales (monic neurons and the others): the weights carry the ratios to k.InputScale.
            for (int i = 0; i < inputs.Length; i++)
            {
                if (Math.Abs((inputs[i].Scale / expected[i]) - 1) > 1e-9)
                {
                    throw new InvalidOperationException($"Input {i} of a linear stage arrived at scale 2^{Math.Log2(inputs[i].Scale):F3}; the weights expect 2^{Math.Log2(expected[i]):F3}.");
                }
            }

            inputScale = k.InputScale;
        }

        var outputs = new Ciphertext[map.OutputLength];
        for (int o = 0; o < outputs.Length; o++)
        {
            outputs[o] = Rent(size, level, inputScale * k.ConstantScale);
        }

        // Gather the buffers once per polynomial index.
        var buffers = new ulong[]?[size][];
        for (int p = 0; p < size; p++)
        {
            buffers[p] = new ulong[]?[inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                buffers[p][i] = inputs[i].Size > p ? inputs[i][p].Buffer : null;
            }
        }

        var outputBuffers = new ulong[size][][];
        for (int p = 0; p < size; p++)
        {
            outputBuffers[p] = new ulong[outputs.Length][];
            for (int o = 0; o < outputs.Length; o++)
            {
                outputBuffers[p][o] = outputs[o][p].Buffer;
            }
        }

        int blocks = Math.Max(1, n / BlockCoefficients), blockSize = n / blocks;
        int work = size * limbs * blocks;
        Modulus[] moduli = _context.RingQ.ModuliArray;
        SimdLevel simd = SimdCapabilities.Current;
        const int R = ConstantMultiplyAccumulate.Rows;
        int chunk = ConstantMultiplyAccumulate.ChunkFor(simd);
        Parallel.For(0, work, Options, item =>
        {
            int p = item / (limbs * blocks), rest = item % (limbs * blocks), l = rest / blocks, block = rest % blocks;
            Modulus q = moduli[l];
            int terms = ConstantMultiplyAccumulate.TermsBeforeReduction(q.Value);
            uint[]? weights = k.Weights[l];
            bool splitLimb = k.SplitLimbs[l];
            uint[]? split = k.SplitWeights[l];
            ShoupOperand[]? wide = k.WideWeights[l];
            ulong[] bias = p == 0 ? k.Bias[l] : k.ZeroBias;
            ulong[]?[] x = buffers[p];
            ulong[][] y = outputBuffers[p];
            const int G = ConstantMultiplyAccumulate.GatherWidth;
            FloatLayout? fl = weights is not null && q.Value < FloatMultiplyAccumulate.MaxModulus ? k.Float : null;
            ulong[] gathered = System.Buffers.ArrayPool<ulong>.Shared.Rent((fl?.Sources.Length ?? x.Length) * G);
            ulong[]? high = splitLimb ? System.Buffers.ArrayPool<ulong>.Shared.Rent(x.Length * G) : null;
            int start = block * blockSize, end = start + blockSize;
            for (int k0 = start; k0 < end; k0 += G)
            {
                int offset = (l * n) + k0, span = Math.Min(G, end - k0);
                if (fl is not null)
                {
                    Span<double> g = System.Runtime.InteropServices.MemoryMarshal.Cast<ulong, double>(gathered.AsSpan());
                    FloatMultiplyAccumulate.Gather(x, fl.Sources, fl.Shifts, offset, span, chunk, g, q);
                    for (int bi = 0; bi < k.Blocks.Length; bi++)
                    {
                        RowBlock b = k.Blocks[bi];
                        FloatMultiplyAccumulate.Block(fl, bi, g, chunk, span, bias.AsSpan(b.BiasStart, R), y, b.Rows, offset, q, simd);
                    }

                    continue;
                }

                if (weights is not null && !splitLimb)
                {
                    ConstantMultiplyAccumulate.GatherChunked(x, offset, span, chunk, gathered);
                }
                else if (high is null)
                {
                    ConstantMultiplyAccumulate.Gather(x, offset, span, G, gathered);
                }
                else
                {
                    ConstantMultiplyAccumulate.GatherSplit(x, offset, span, G, gathered, high);
                }

                foreach (RowBlock b in k.Blocks)
                {
                    ReadOnlySpan<int> columns = map.Columns.AsSpan(b.ColumnStart, b.ColumnCount);
                    ReadOnlySpan<ulong> rowBias = bias.AsSpan(b.BiasStart, R);
                    if (splitLimb && k.SignedWeights is int[] signed)
                    {
                        ConstantMultiplyAccumulate.BlockSplitSigned(
                            columns, signed.AsSpan(b.WeightStart, b.ColumnCount * R), gathered, high, G, span, rowBias, y, b.Rows, offset, q, simd);
                    }
                    else if (splitLimb)
                    {
                        ConstantMultiplyAccumulate.BlockSplit(
                            columns, split!.AsSpan(2 * b.WeightStart, 2 * b.ColumnCount * R), gathered, high, G, span, rowBias, y, b.Rows, offset, q, simd);
                    }
                    else if (weights is not null)
                    {
                        ConstantMultiplyAccumulate.BlockChunked(
                            columns, weights.AsSpan(b.WeightStart, b.ColumnCount * R), gathered, x.Length, chunk, span, rowBias, y, b.Rows, offset, q, terms, simd);
                    }
                    else
                    {
                        ConstantMultiplyAccumulate.BlockWide(
                            columns, wide.AsSpan(b.WeightStart, b.ColumnCount * R), gathered, G, span, rowBias, y, b.Rows, offset, q, simd);
                    }
                }
            }

            System.Buffers.ArrayPool<ulong>.Shared.Return(gathered);
            if (high is not null)
            {
                System.Buffers.ArrayPool<ulong>.Shared.Return(high);
            }
        });

        Parallel.For(0, outputs.Length, Options, o =>
        {
            using LimbParallel.SequentialScope sequential = LimbParallel.Sequential();
            if (outputs[o].Size > 2)
            {
                _evaluator.Relinearize(outputs[o], outputs[o]);
            }

            if (k.Pending)
            {
                _evaluator.Rescale(outputs[o], outputs[o]);
            }

            if (!k.Fused)
            {
                _evaluator.Rescale(outputs[o], outputs[o]);
            }
        });

        if (ownsInputs)
        {
            foreach (Ciphertext c in inputs)
            {
                _pool.Add(c);
            }
        }

        return outputs;
    }

    private Ciphertext[] Activation(ActivationStage stage, Ciphertext[] inputs, bool ownsInputs, bool deferred, double boost, bool[]? monic)
    {
        var outputs = new Ciphertext[inputs.Length];
        Parallel.For(
            0,
            inputs.Length,
            Options,
            () => _scratch.TryTake(out Scratch? s) ? s : new Scratch(_context),
            (j, _, s) =>
            {
                // Each thread works on its own neuron: the operations' limb loops stay on it (no nested parallel loops
                // when the context allows limb parallelism, as a server context made for both packings does).
                using LimbParallel.SequentialScope sequential = LimbParallel.Sequential();
                if (deferred && monic is not null && monic[j])
                {
                    outputs[j] = Rent(4, Math.Max(0, inputs[j].Level - 1), 0);
                    EvaluateSlafMonic(_context, stage, j, inputs[j], s.Limbs, boost, outputs[j]);
                    if (ownsInputs)
                    {
                        _pool.Add(inputs[j]);
                    }
                }
                else
                {
                    outputs[j] = !deferred ? EvaluateSlaf(stage, j, inputs[j], s, ownsInputs) : EvaluateSlafDeferred(stage, j, inputs[j], s, ownsInputs, boost);
                }
                return s;
            },
            _scratch.Add);
        return outputs;
    }

    /// <summary>One neuron's SLAF, relinearized and rescaled; the result reuses <paramref name="x"/>'s memory when the engine owns it (it is not needed after).</summary>
    private Ciphertext EvaluateSlaf(ActivationStage stage, int j, Ciphertext x, Scratch s, bool reuseInput)
    {
        Evaluator ev = _evaluator;
        CkksParameters p = _context.Parameters;
        int level = x.Level;
        double sigma = x.Scale, qTop = p.Q[level], qNext = level >= 1 ? p.Q[level - 1] : 1;
        ActivationScales scales = ScaleRules.Activation(stage.Degree, sigma, qTop, qNext, stage.TargetScale);
        Ciphertext result = reuseInput ? x : new Ciphertext(_context);
        if (stage.Degree == 1)
        {
            ev.Multiply(x, stage.Coefficient(1, j), scales.V, result);
            ev.Add(result, stage.Coefficient(0, j), result);
            ev.Rescale(result, result);
            return result;
        }

        ev.Multiply(x, x, s.Square);
        ev.Relinearize(s.Square, s.Square);
        ev.Rescale(s.Square, s.Square);
        FinishSlaf(stage, j, x, s, scales, result);
        if (result.Size > 2)
        {
            ev.Relinearize(result, result);
        }

        ev.Rescale(result, result);
        return result;
    }

    /// <summary>
    /// One neuron's SLAF of degree 2 or 3 without a key switch, for the linear stage after it to finish: returns
    /// <c>x²·t + v</c> of size 4 (degree 3) or 3 (degree 2), unrescaled, at level <c>a − 1</c> and scale U. The square
    /// is taken at a scale raised by the exact factor <paramref name="boost"/> (x times the integer K·x) before its
    /// size-3 rescale (see <see cref="PlanDeferral"/>).
    /// </summary>
    private Ciphertext EvaluateSlafDeferred(ActivationStage stage, int j, Ciphertext x, Scratch s, bool reuseInput, double boost)
    {
        Evaluator ev = _evaluator;
        CkksParameters p = _context.Parameters;
        int level = x.Level;
        double sigma = x.Scale;
        ActivationScales scales = ScaleRules.Activation(stage.Degree, sigma, p.Q[level], p.Q[level - 1], stage.TargetScale, boost);
        Ciphertext result = reuseInput ? x : new Ciphertext(_context);
        if (boost > 1)
        {
            ev.MultiplyByInteger(x, (long)boost, s.V);
            ev.Multiply(x, s.V, s.Square);
            s.Square.Scale = sigma * sigma * boost;
        }
        else
        {
            ev.Multiply(x, x, s.Square);
        }

        ev.Rescale(s.Square, s.Square);
        FinishSlaf(stage, j, x, s, scales, result);
        return result;
    }

    /// <summary>
    /// One neuron in the monic form <c>x·((x + β/2)² + κ)</c> (<see cref="MonicNeurons"/>; a3 and a0 go to the next
    /// stage), limb by limb: <c>z = x + β/2</c>, the boosted square <c>z·(K·z)</c> at scale σ²·K, its rescale (size 3),
    /// <c>+ κ</c> and the size-3 × size-2 product with x, with the evaluator's arithmetic and so its result bit for bit
    /// (tested against <c>Evaluator.Add</c>, <c>Multiply</c>, <c>Rescale</c> and <c>DropLevel</c>), but on one limb at a
    /// time in per-thread buffers. Operation by operation, every intermediate ciphertext (megabytes per neuron) streams
    /// through memory several times; here a neuron reads x once and writes its size-4 result once. The square's top
    /// limb goes first: its inverse NTT is what the rescale of every other limb subtracts. Against the general form the
    /// neuron saves the constant multiplication and the rescale of <c>t = a3·x + a2</c> and the product <c>a1·x</c>:
    /// the size-3 rescale is its only NTT work (21 NTTs at level 6).
    /// </summary>
    /// <param name="context">The context.</param>
    /// <param name="stage">The activation.</param>
    /// <param name="j">The neuron.</param>
    /// <param name="x">The neuron's input: size 2, level 1 or more; left unchanged.</param>
    /// <param name="buffers">Limb-sized scratch (one set per thread).</param>
    /// <param name="boost">The exact integer factor K of the square's scale.</param>
    /// <param name="result">Receives <c>x·((x + β/2)² + κ)</c>: size 4, one level below x, scale <c>σ²·K/q_top·σ</c>.</param>
    /// <exception cref="InvalidOperationException"><paramref name="x"/> is not of size 2 or is at level 0.</exception>
    internal static void EvaluateSlafMonic(CkksContext context, ActivationStage stage, int j, Ciphertext x, LimbScratch buffers, double boost, Ciphertext result)
    {
        if (x.Size != 2 || x.Level < 1)
        {
            throw new InvalidOperationException($"A monic SLAF neuron takes a ciphertext of size 2 at level 1 or more; neuron {j} got size {x.Size} at level {x.Level}.");
        }

        double a3 = stage.Coefficient(3, j), beta = stage.Coefficient(2, j) / a3;
        double kappa = (stage.Coefficient(1, j) / a3) - (beta * beta / 4);
        double sigma = x.Scale;
        int level = x.Level;
        double rescaled = sigma * sigma * boost / context.Parameters.Q[level];
        BigInteger shift = ConstantInteger(beta / 2, sigma), constant = ConstantInteger(kappa, rescaled);
        var k = new BigInteger(boost);
        result.Reshape(4, level - 1, rescaled * sigma);
        Modulus[] moduli = context.RingQ.ModuliArray;
        Rns.Ntt.NttTables[] ntt = context.RingQ.NttTablesArray;
        SimdLevel simd = SimdCapabilities.Current;
        buffers.Ensure(context.Parameters.N);
        Span<ulong> top0 = buffers.Top0, top1 = buffers.Top1, top2 = buffers.Top2;
        Span<ulong> d0 = buffers.D0, d1 = buffers.D1, d2 = buffers.D2, t = buffers.T;

        Modulus qTop = moduli[level];
        SquareLimb(x, level, qTop, Residue(shift, qTop), Residue(k, qTop), buffers, top0, top1, top2, simd);
        ntt[level].Inverse(top0);
        ntt[level].Inverse(top1);
        ntt[level].Inverse(top2);
        ReadOnlySpan<ShoupOperand> inverse = context.RescaleInverse(level);
        for (int i = 0; i < level; i++)
        {
            Modulus q = moduli[i];
            if (MonicNeuronKernel.Supports(q))
            {
                // Narrow primes: the rescale corrections first, then everything else in one pass (d0..d2 hold the corrections).
                ElementwiseKernels.RescaleCorrection(top0, qTop, d0, q, simd);
                ntt[i].Forward(d0);
                ElementwiseKernels.RescaleCorrection(top1, qTop, d1, q, simd);
                ntt[i].Forward(d1);
                ElementwiseKernels.RescaleCorrection(top2, qTop, d2, q, simd);
                ntt[i].Forward(d2);
                MonicNeuronKernel.Limb(
                    x[0].LimbUnchecked(i), x[1].LimbUnchecked(i), d0, d1, d2, Residue(shift, q), Residue(k, q), inverse[i], Residue(constant, q),
                    result[0].LimbUnchecked(i), result[1].LimbUnchecked(i), result[2].LimbUnchecked(i), result[3].LimbUnchecked(i), q, simd);
                continue;
            }

            SquareLimb(x, i, q, Residue(shift, q), Residue(k, q), buffers, d0, d1, d2, simd);
            RescaleLimb(top0, qTop, d0, t, ntt[i], inverse[i], q, simd);
            RescaleLimb(top1, qTop, d1, t, ntt[i], inverse[i], q, simd);
            RescaleLimb(top2, qTop, d2, t, ntt[i], inverse[i], q, simd);
            ElementwiseKernels.AddConstant(d0, Residue(constant, q), d0, q, simd);

            // (d0, d1, d2)·(x0, x1) = (d0x0, d0x1 + d1x0, d1x1 + d2x0, d2x1), as Evaluator.Multiply does it.
            Span<ulong> x0 = x[0].LimbUnchecked(i), x1 = x[1].LimbUnchecked(i), e2 = result[2].LimbUnchecked(i);
            ElementwiseKernels.Tensor(d0, d1, x0, x1, result[0].LimbUnchecked(i), result[1].LimbUnchecked(i), e2, q, simd);
            ElementwiseKernels.MultiplyAdd(d2, x0, e2, e2, q, simd);
            ElementwiseKernels.Multiply(d2, x1, result[3].LimbUnchecked(i), q, simd);
        }
    }

    /// <summary>Limb i of <c>z·(K·z)</c> with <c>z = x + shift</c> (size 3) into d0, d1, d2.</summary>
    private static void SquareLimb(Ciphertext x, int i, Modulus q, ulong shift, ulong k, LimbScratch buffers, Span<ulong> d0, Span<ulong> d1, Span<ulong> d2, SimdLevel simd)
    {
        Span<ulong> z = buffers.Z, x1 = x[1].LimbUnchecked(i);
        ElementwiseKernels.AddConstant(x[0].LimbUnchecked(i), shift, z, q, simd);
        if (k == 1)
        {
            ElementwiseKernels.Tensor(z, x1, z, x1, d0, d1, d2, q, simd);
            return;
        }

        ShoupOperand factor = q.CreateShoupOperand(k);
        Span<ulong> k0 = buffers.K0, k1 = buffers.K1;
        ElementwiseKernels.MultiplyShoup(z, factor, k0, q, simd);
        ElementwiseKernels.MultiplyShoup(x1, factor, k1, q, simd);
        ElementwiseKernels.Tensor(z, x1, k0, k1, d0, d1, d2, q, simd);
    }

    /// <summary>One limb of a rescale (as <c>Evaluator.Rescale</c>): <c>d = (d − NTT(centred top mod q))·q_top^−1</c>.</summary>
    private static void RescaleLimb(ReadOnlySpan<ulong> top, Modulus qTop, Span<ulong> d, Span<ulong> t, Rns.Ntt.NttTables ntt, ShoupOperand inverse, Modulus q, SimdLevel simd)
    {
        ElementwiseKernels.RescaleCorrection(top, qTop, t, q, simd);
        ntt.Forward(t);
        ElementwiseKernels.SubtractMultiplyShoup(d, t, inverse, d, q, simd);
    }

    /// <summary><c>round(value·scale)</c>, as the evaluator encodes a constant.</summary>
    private static BigInteger ConstantInteger(double value, double scale)
    {
        double scaled = Math.Round(value * scale);
        if (!double.IsFinite(scaled))
        {
            throw new InvalidOperationException($"The SLAF constant {value} at scale 2^{Math.Log2(scale):F1} is not a finite number.");
        }

        return new BigInteger(scaled);
    }

    private static ulong Residue(BigInteger value, Modulus q)
    {
        BigInteger r = BigInteger.Remainder(value, q.Value);
        return (ulong)(r.Sign < 0 ? r + q.Value : r);
    }

    /// <summary>
    /// Given the rescaled square in <c>s.Square</c> (size 2 or 3): <c>result = x²·t + v</c> with <c>t = a3·x + a2</c>
    /// (degree 3, rescaled) or <c>t = a2</c> (degree 2) and <c>v = a1·x + a0</c>, unrescaled.
    /// </summary>
    private void FinishSlaf(ActivationStage stage, int j, Ciphertext x, Scratch s, ActivationScales scales, Ciphertext result)
    {
        Evaluator ev = _evaluator;
        int level = x.Level;
        double sigma = x.Scale;
        if (stage.Degree == 3)
        {
            ev.Multiply(x, stage.Coefficient(3, j), scales.T, s.T);
            ev.Add(s.T, stage.Coefficient(2, j), s.T);
            ev.Rescale(s.T, s.T);
        }

        // v = a1·x + a0 at the scale of the product x²·t (or a2·x²), computed before x's memory is reused.
        double productScale = stage.Degree == 3 ? s.Square.Scale * s.T.Scale : s.Square.Scale * scales.T;
        ev.DropToLevel(x, level - 1, s.V);
        ev.Multiply(s.V, stage.Coefficient(1, j), productScale / sigma, s.V);
        ev.Add(s.V, stage.Coefficient(0, j), s.V);
        if (stage.Degree == 3)
        {
            ev.Multiply(s.Square, s.T, result);
        }
        else
        {
            ev.Multiply(s.Square, stage.Coefficient(2, j), scales.T, result);
        }

        ev.Add(result, s.V, result);
    }

    private sealed class Scratch(CkksContext context)
    {
        public Ciphertext Square { get; } = new(context);

        public Ciphertext T { get; set; } = new(context);

        public Ciphertext V { get; } = new(context);

        public LimbScratch Limbs { get; } = new();
    }

    /// <summary>One thread's limb-sized buffers for <see cref="EvaluateSlafMonic"/> (allocated on first use).</summary>
    internal sealed class LimbScratch
    {
        private ulong[] _data = [];
        private int _n;

        /// <summary>The square's top limb, three polynomials (coefficient form after the inverse NTT).</summary>
        public Span<ulong> Top0 => Slice(0);

        /// <inheritdoc cref="Top0"/>
        public Span<ulong> Top1 => Slice(1);

        /// <inheritdoc cref="Top0"/>
        public Span<ulong> Top2 => Slice(2);

        /// <summary>The square's current limb, three polynomials.</summary>
        public Span<ulong> D0 => Slice(3);

        /// <inheritdoc cref="D0"/>
        public Span<ulong> D1 => Slice(4);

        /// <inheritdoc cref="D0"/>
        public Span<ulong> D2 => Slice(5);

        /// <summary>The rescale's correction.</summary>
        public Span<ulong> T => Slice(6);

        /// <summary>The shifted input z.</summary>
        public Span<ulong> Z => Slice(7);

        /// <summary>K·z, first polynomial.</summary>
        public Span<ulong> K0 => Slice(8);

        /// <summary>K·z, second polynomial.</summary>
        public Span<ulong> K1 => Slice(9);

        /// <summary>Makes room for limbs of <paramref name="n"/> coefficients.</summary>
        public void Ensure(int n)
        {
            if (_n != n)
            {
                _data = new ulong[10 * n];
                _n = n;
            }
        }

        private Span<ulong> Slice(int index) => _data.AsSpan(index * _n, _n);
    }

    /// <summary>The deferral decisions of <see cref="PlanDeferral"/>, per stage.</summary>
    /// <param name="Deferred">Per stage: whether the SLAF hands its result over unrelinearized and unrescaled.</param>
    /// <param name="PendingScale">Per linear stage after a deferred SLAF: the scale U the multiply-accumulate works at.</param>
    /// <param name="Boost">Per deferred SLAF: the exact factor K of its square's scale.</param>
    /// <param name="Monic">Per deferred SLAF of degree 3: which neurons take the monic form (see <see cref="MonicNeurons"/>).</param>
    /// <param name="InputScales">Per linear stage after monic neurons: the scale each input arrives at.</param>
    /// <param name="ColumnFactors">Per linear stage after monic neurons: the factor of each input's weights.</param>
    /// <param name="ExtraBias">Per linear stage after monic neurons: what each output's bias gains (the monic neurons' a0).</param>
    internal sealed record Deferral(
        bool[] Deferred, double?[] PendingScale, double[] Boost, bool[]?[] Monic, double[]?[] InputScales, double[]?[] ColumnFactors, double[]?[] ExtraBias);

    /// <summary>Up to <see cref="ConstantMultiplyAccumulate.Rows"/> rows with one input pattern: columns <c>[ColumnStart, +ColumnCount)</c> of the first row.</summary>
    private sealed record RowBlock(int[] Rows, int ColumnStart, int ColumnCount, int WeightStart, int BiasStart);

    /// <summary>A linear stage's weights and bias as residues of each limb at the stage's level and constant scale.</summary>
    private sealed class LinearConstants
    {
        public LinearConstants(LinearStage stage, CkksContext context, double? pendingScale, double[]? inputScales, double[]? columnFactors, double[]? extraBias, FloatKernelUse floatKernel)
        {
            InputScales = inputScales;
            Map = stage.Map;
            CkksParameters p = context.Parameters;
            Pending = pendingScale is not null;
            Fused = !stage.Rescales;
            Level = stage.InputLevel + (Pending ? 1 : 0);
            InputScale = pendingScale ?? stage.InputScale;

            // The same constant scale either way: a pending input's scale U becomes the planned σ = U/q after its rescale.
            ConstantScale = stage.ConstantScale;
            int limbs = Level + 1;
            Modulus[] moduli = context.RingQ.ModuliArray;
            const int R = ConstantMultiplyAccumulate.Rows;

            // Rows with the same input pattern share blocks of R rows (the kernel loads each input once per block).
            var groups = new Dictionary<string, List<int>>();
            var order = new List<string>();
            for (int r = 0; r < Map.OutputLength; r++)
            {
                string key = string.Join(',', Map.Columns.AsSpan(Map.RowStart[r], Map.RowStart[r + 1] - Map.RowStart[r]).ToArray());
                if (!groups.TryGetValue(key, out List<int>? rows))
                {
                    rows = [];
                    groups.Add(key, rows);
                    order.Add(key);
                }

                rows.Add(r);
            }

            var blocks = new List<RowBlock>();
            int weightCount = 0;
            foreach (string key in order)
            {
                List<int> rows = groups[key];
                for (int i = 0; i < rows.Count; i += R)
                {
                    int[] members = [.. rows.Skip(i).Take(R)];
                    int count = Map.RowStart[members[0] + 1] - Map.RowStart[members[0]];
                    blocks.Add(new RowBlock(members, Map.RowStart[members[0]], count, weightCount, blocks.Count * R));
                    weightCount += count * R;
                }
            }

            Blocks = [.. blocks];
            ZeroBias = new ulong[Blocks.Length * R];

            // The split kernel's faster form takes the weights as signed integers (the same for every limb) when they fit 32 bits.
            var signed = new int[weightCount];
            foreach (RowBlock b in Blocks)
            {
                for (int r = 0; r < b.Rows.Length && signed is not null; r++)
                {
                    for (int e = 0; e < b.ColumnCount; e++)
                    {
                        double w = Math.Round(Weight(b.Rows[r], e, columnFactors) * ConstantScale);
                        if (!(Math.Abs(w) <= int.MaxValue))
                        {
                            signed = null;
                            break;
                        }

                        signed[b.WeightStart + (e * R) + r] = (int)w;
                    }
                }
            }

            SignedWeights = signed;
            Float = floatKernel != FloatKernelUse.Never && signed is not null ? CreateFloatLayout(Map, Blocks, signed, moduli, limbs, floatKernel == FloatKernelUse.Always) : null;
            Weights = new uint[]?[limbs];
            SplitWeights = new uint[]?[limbs];
            SplitLimbs = new bool[limbs];
            WideWeights = new ShoupOperand[]?[limbs];
            Bias = new ulong[limbs][];
            for (int l = 0; l < limbs; l++)
            {
                Modulus q = moduli[l];
                bool narrow = q.Value < ConstantMultiplyAccumulate.MaxModulus;
                bool splittable = !narrow && q.Value < ConstantMultiplyAccumulate.MaxSplitModulus;
                uint[]? w32 = narrow ? new uint[weightCount] : null;
                uint[]? halves = splittable && SignedWeights is null ? new uint[2 * weightCount] : null;
                ShoupOperand[]? wide = narrow || splittable ? null : new ShoupOperand[weightCount];
                ulong[] bias = new ulong[Blocks.Length * R];
                foreach (RowBlock b in Blocks)
                {
                    for (int r = 0; r < b.Rows.Length; r++)
                    {
                        int row = b.Rows[r];
                        bias[b.BiasStart + r] = Residue((Map.Bias[row] + (extraBias?[row] ?? 0)) * InputScale * ConstantScale, q);
                        for (int e = 0; e < b.ColumnCount; e++)
                        {
                            ulong residue = Residue(Weight(row, e, columnFactors) * ConstantScale, q);
                            int at = b.WeightStart + (e * R) + r;
                            if (narrow)
                            {
                                w32![at] = (uint)residue;
                            }
                            else if (halves is not null)
                            {
                                (halves[2 * at], halves[(2 * at) + 1]) = ConstantMultiplyAccumulate.Split(residue);
                            }
                            else if (wide is not null)
                            {
                                wide[at] = q.CreateShoupOperand(residue);
                            }
                        }
                    }
                }

                Weights[l] = w32;
                SplitWeights[l] = halves;
                SplitLimbs[l] = splittable;
                WideWeights[l] = wide;
                Bias[l] = bias;
            }
        }

        /// <summary>
        /// The weights laid out for <see cref="FloatMultiplyAccumulate"/>, which the limbs of primes below 2^31 take when
        /// the weights split into at most a quarter more terms (every MNIST stage: the few weights above 2^19 are those of
        /// the non-monic neurons); null otherwise.
        /// </summary>
        public FloatLayout? Float { get; }

        /// <summary>The float layout of the blocks for the stage's narrow limbs, or null when it would add more than a quarter of the terms (unless <paramref name="always"/>).</summary>
        private static FloatLayout? CreateFloatLayout(LinearMap map, RowBlock[] blocks, int[] signed, Modulus[] moduli, int limbs, bool always)
        {
            ulong bound = 0;
            for (int l = 0; l < limbs; l++)
            {
                if (moduli[l].Value < FloatMultiplyAccumulate.MaxModulus)
                {
                    bound = Math.Max(bound, moduli[l].Value + 1);
                }
            }

            if (bound == 0 || !System.Runtime.Intrinsics.X86.Fma.IsSupported)
            {
                return null;
            }

            var columns = new int[blocks.Length][];
            var starts = new int[blocks.Length];
            long terms = 0;
            for (int b = 0; b < blocks.Length; b++)
            {
                columns[b] = map.Columns.AsSpan(blocks[b].ColumnStart, blocks[b].ColumnCount).ToArray();
                starts[b] = blocks[b].WeightStart;
                terms += blocks[b].ColumnCount;
            }

            FloatLayout layout = FloatLayout.Build(map.InputLength, columns, signed, starts, bound);
            return always || layout.Terms * 4 <= terms * 5 ? layout : null;
        }

        public LinearMap Map { get; }

        /// <summary>The scale each input arrives at, when they differ (monic neurons before); null when all arrive at <see cref="InputScale"/>.</summary>
        public double[]? InputScales { get; }

        /// <summary>The level the multiply-accumulate runs at (one above the plan's when the input's rescale is pending).</summary>
        public int Level { get; }

        /// <summary>Whether the inputs arrive unrescaled (size 3, scale <see cref="InputScale"/>) from the SLAF before.</summary>
        public bool Pending { get; }

        /// <summary>Whether the stage leaves its rescale to the SLAF after it.</summary>
        public bool Fused { get; }

        /// <summary>The scale of the inputs as they arrive.</summary>
        public double InputScale { get; }

        public double ConstantScale { get; }

        public RowBlock[] Blocks { get; }

        public ulong[] ZeroBias { get; }

        public uint[]?[] Weights { get; }

        /// <summary>
        /// The weights as signed integers in the blocks' layout (the same for every limb), for the split kernel's signed
        /// form; null when one of them does not fit 32 bits (the halves in <see cref="SplitWeights"/> are used then).
        /// </summary>
        public int[]? SignedWeights { get; }

        /// <summary>Per limb: whether its prime (31 to 42 bits) takes the split kernel.</summary>
        public bool[] SplitLimbs { get; }

        /// <summary>Per split limb, when <see cref="SignedWeights"/> is null: the weights as (low, high) halves for <see cref="ConstantMultiplyAccumulate.BlockSplit"/>.</summary>
        public uint[]?[] SplitWeights { get; }

        public ShoupOperand[]?[] WideWeights { get; }

        public ulong[][] Bias { get; }

        /// <summary>Entry e of a row, times its column's factor when there are factors.</summary>
        private double Weight(int row, int e, double[]? columnFactors)
        {
            int at = Map.RowStart[row] + e;
            return Map.Values[at] * (columnFactors?[Map.Columns[at]] ?? 1);
        }

        private static ulong Residue(double value, Modulus q)
        {
            double rounded = Math.Round(value);
            if (Math.Abs(rounded) < 9.0e18)
            {
                long v = (long)rounded;
                ulong r = q.Reduce((ulong)Math.Abs(v));
                return v < 0 ? q.Negate(r) : r;
            }

            var big = BigInteger.Remainder(new BigInteger(rounded), q.Value);
            return (ulong)(big.Sign < 0 ? big + q.Value : big);
        }
    }
}
