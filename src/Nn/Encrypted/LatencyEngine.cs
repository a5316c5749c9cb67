using System.Collections.Concurrent;
using CkksRns.Ckks;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// Evaluates a plan in the latency packing (one image): the first stage im2col-style (plaintext products and a block
/// sum), later linear stages as the library's <see cref="LinearTransform"/> (generalized diagonals, baby-step giant-step,
/// hoisted rotations) between an optional replication and block sum, activations by the <see cref="PolynomialEvaluator"/>
/// with per-slot coefficient vectors. Every plaintext (weights, diagonals, biases) is encoded once, at its level and
/// scale, when the engine is built.
/// </summary>
internal sealed class LatencyEngine
{
    private readonly InferencePlan _plan;
    private readonly LatencyLayout _layout;
    private readonly Evaluator _evaluator;
    private readonly PolynomialEvaluator _polynomials;
    private readonly object?[] _stageData;
    private readonly ConcurrentBag<Workspace> _workspaces = [];

    public LatencyEngine(InferencePlan plan, CkksContext context, Evaluator evaluator)
    {
        _plan = plan;
        _layout = plan.Layout!;
        _evaluator = evaluator;
        _polynomials = new PolynomialEvaluator(evaluator);
        var encoder = new CkksEncoder(context);
        _stageData = new object?[plan.Stages.Count];
        int slots = context.Parameters.Slots;
        CkksParameters p = context.Parameters;
        for (int i = 0; i < plan.Stages.Count; i++)
        {
            PlanStage stage = plan.Stages[i];
            int level = stage.InputLevel;
            double sigma = stage.InputScale;
            switch (stage)
            {
                case LinearStage first when i == 0:
                {
                    double c = first.ConstantScale;
                    int b = _layout.BlockStride, per = _layout.BlocksPerCiphertext;
                    var weights = new Plaintext[_layout.InputCiphertexts];
                    for (int g = 0; g < weights.Length; g++)
                    {
                        double[] v = new double[slots];
                        for (int j = 0; j < per; j++)
                        {
                            int k = (g * per) + j;
                            if (k < _layout.TermCount)
                            {
                                Array.Copy(_layout.InputWeights, k * b, v, j * b, b);
                            }
                        }

                        weights[g] = encoder.Encode(v, level, c);
                    }

                    Plaintext bias = !first.Rescales
                        ? encoder.Encode(_layout.Biases[0], level, sigma * c)
                        : encoder.Encode(_layout.Biases[0], level - 1, ScaleRules.AfterRescale(sigma, c, p.Q[level]));
                    _stageData[i] = new InputStageData(weights, bias, !first.Rescales);
                    break;
                }

                case LinearStage linear:
                {
                    DiagonalTransform t = _layout.Transforms[i]!;
                    double c = linear.ConstantScale;
                    Plaintext bias = !linear.Rescales
                        ? encoder.Encode(_layout.Biases[i], level, sigma * c)
                        : encoder.Encode(_layout.Biases[i], level - 1, ScaleRules.AfterRescale(sigma, c, p.Q[level]));
                    _stageData[i] = new TransformData(t, t.Encode(context, level, c), bias, !linear.Rescales);
                    break;
                }

                case ActivationStage a:
                {
                    int[] arrangement = _layout.Arrangements[i];
                    double[] Vector(int d)
                    {
                        double[] v = new double[slots];
                        for (int s = 0; s < arrangement.Length; s++)
                        {
                            if (arrangement[s] >= 0)
                            {
                                v[s] = a.Coefficient(d, arrangement[s]);
                            }
                        }

                        return v;
                    }

                    var coefficients = new double[a.Degree + 1][];
                    for (int d = 0; d <= a.Degree; d++)
                    {
                        coefficients[d] = Vector(d);
                    }

                    _stageData[i] = Polynomial.FromMonomial(coefficients);
                    break;
                }
            }
        }
    }

    /// <summary>Seconds each stage took in the last evaluation (diagnostics).</summary>
    public double[] StageSeconds { get; private set; } = [];

    /// <summary>Runs stages 0 .. <paramref name="stageCount"/> − 1 on the client's im2col ciphertexts.</summary>
    /// <remarks>Intermediate ciphertexts live in pooled buffers (a few per concurrent evaluation); only the result is new.</remarks>
    public Ciphertext Evaluate(IReadOnlyList<Ciphertext> inputs, int stageCount)
    {
        var seconds = new double[stageCount];
        Workspace w = _workspaces.TryTake(out Workspace? pooled) ? pooled : new Workspace(inputs[0].Context);
        try
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            Ciphertext x = InputStage((InputStageData)_stageData[0]!, inputs, w);
            seconds[0] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
            for (int i = 1; i < stageCount; i++)
            {
                start = System.Diagnostics.Stopwatch.GetTimestamp();
                switch (_plan.Stages[i])
                {
                    case LinearStage:
                        x = Transform((TransformData)_stageData[i]!, x, w);
                        break;
                    case ActivationStage a:
                        _polynomials.Evaluate(x, (Polynomial)_stageData[i]!, x, a.TargetScale); // in place
                        break;
                    default:
                        throw new InvalidOperationException("Unknown stage.");
                }

                seconds[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
            }

            StageSeconds = seconds;
            return x.Clone();
        }
        finally
        {
            _workspaces.Add(w);
        }
    }

    private Ciphertext InputStage(InputStageData data, IReadOnlyList<Ciphertext> inputs, Workspace w)
    {
        Evaluator ev = _evaluator;
        Ciphertext acc = w.A;
        ev.Multiply(inputs[0], data.Weights[0], acc);
        for (int g = 1; g < inputs.Count; g++)
        {
            ev.Multiply(inputs[g], data.Weights[g], w.T);
            ev.Add(acc, w.T, acc);
        }

        if (!data.Fused)
        {
            ev.Rescale(acc, acc);
        }

        acc = Fold(acc, _layout.InputFold, w);
        ev.Add(acc, data.Bias, acc);
        return acc;
    }

    private Ciphertext Transform(TransformData data, Ciphertext x, Workspace w)
    {
        Evaluator ev = _evaluator;
        DiagonalTransform t = data.Layout;
        if (t.ReplicateStep != 0)
        {
            Ciphertext replicated = w.Other(x);
            ev.Rotate(x, t.ReplicateStep, w.T);
            ev.Add(x, w.T, replicated);
            x = replicated;
        }

        Ciphertext y = w.Other(x);
        data.Transform.Evaluate(ev, x, y, rescale: !data.Fused);
        if (t.PostRotation != 0)
        {
            ev.Rotate(y, t.PostRotation, y);
        }

        y = Fold(y, t.Fold, w);
        ev.Add(y, data.Bias, y);
        return y;
    }

    /// <summary>Sums <c>fold.Count</c> blocks of <paramref name="y"/> (which it overwrites) into a workspace buffer other than <paramref name="y"/>, or returns <paramref name="y"/> when there is one block.</summary>
    private Ciphertext Fold(Ciphertext y, SlotFold fold, Workspace w)
    {
        if (fold.Count <= 1)
        {
            return y;
        }

        Evaluator ev = _evaluator;
        Ciphertext power = y;      // P_{2^t}, doubled in place
        Ciphertext result = w.Other(y);
        bool empty = true;
        int t = 0;
        foreach ((int bit, int offset) in fold.Pieces())
        {
            while (t < bit)
            {
                ev.Rotate(power, fold.Stride << t, w.T);
                ev.Add(power, w.T, power);
                t++;
            }

            Ciphertext piece = power;
            if (offset != 0)
            {
                ev.Rotate(power, offset * fold.Stride, w.T);
                piece = w.T;
            }

            if (empty)
            {
                piece.CopyTo(result);
                empty = false;
            }
            else
            {
                ev.Add(result, piece, result);
            }
        }

        return result;
    }

    /// <summary>Buffers of one evaluation: three stage buffers and a rotation temporary, all at the top level (never reallocated).</summary>
    private sealed class Workspace(CkksContext context)
    {
        private readonly Ciphertext[] _stage = [new(context), new(context), new(context)];

        /// <summary>The first stage buffer (the input stage's accumulator).</summary>
        public Ciphertext A => _stage[0];

        /// <summary>A rotation temporary.</summary>
        public Ciphertext T { get; } = new(context);

        /// <summary>A stage buffer different from <paramref name="busy"/>.</summary>
        public Ciphertext Other(Ciphertext busy) => ReferenceEquals(_stage[0], busy) ? _stage[1] : ReferenceEquals(_stage[1], busy) ? _stage[2] : _stage[0];
    }

    private sealed record InputStageData(Plaintext[] Weights, Plaintext Bias, bool Fused);

    private sealed record TransformData(DiagonalTransform Layout, LinearTransform Transform, Plaintext Bias, bool Fused);
}
