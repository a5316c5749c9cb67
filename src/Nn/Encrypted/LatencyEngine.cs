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

                    Plaintext bias = first.Fused
                        ? encoder.Encode(_layout.Biases[0], level, sigma * c)
                        : encoder.Encode(_layout.Biases[0], level - 1, ScaleRules.AfterRescale(sigma, c, p.Q[level]));
                    _stageData[i] = new InputStageData(weights, bias, first.Fused);
                    break;
                }

                case LinearStage linear:
                {
                    DiagonalTransform t = _layout.Transforms[i]!;
                    double c = linear.ConstantScale;
                    Plaintext bias = linear.Fused
                        ? encoder.Encode(_layout.Biases[i], level, sigma * c)
                        : encoder.Encode(_layout.Biases[i], level - 1, ScaleRules.AfterRescale(sigma, c, p.Q[level]));
                    _stageData[i] = new TransformData(t, t.Encode(context, level, c), bias, linear.Fused);
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
    public Ciphertext Evaluate(IReadOnlyList<Ciphertext> inputs, int stageCount)
    {
        StageSeconds = new double[stageCount];
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Ciphertext x = InputStage((InputStageData)_stageData[0]!, inputs);
        StageSeconds[0] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        for (int i = 1; i < stageCount; i++)
        {
            start = System.Diagnostics.Stopwatch.GetTimestamp();
            x = _plan.Stages[i] switch
            {
                LinearStage => Transform((TransformData)_stageData[i]!, x),
                ActivationStage a => _polynomials.Evaluate(x, (Polynomial)_stageData[i]!, a.TargetScale),
                _ => throw new InvalidOperationException("Unknown stage."),
            };
            StageSeconds[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        return x;
    }

    private Ciphertext InputStage(InputStageData data, IReadOnlyList<Ciphertext> inputs)
    {
        Evaluator ev = _evaluator;
        Ciphertext acc = ev.Multiply(inputs[0], data.Weights[0]);
        var product = new Ciphertext(acc.Context);
        for (int g = 1; g < inputs.Count; g++)
        {
            ev.Multiply(inputs[g], data.Weights[g], product);
            ev.Add(acc, product, acc);
        }

        if (!data.Fused)
        {
            ev.Rescale(acc, acc);
        }

        acc = Fold(acc, _layout.InputFold);
        ev.Add(acc, data.Bias, acc);
        return acc;
    }

    private Ciphertext Transform(TransformData data, Ciphertext x)
    {
        Evaluator ev = _evaluator;
        DiagonalTransform t = data.Layout;
        if (t.ReplicateStep != 0)
        {
            x = ev.Add(x, ev.Rotate(x, t.ReplicateStep));
        }

        Ciphertext y = data.Transform.Evaluate(ev, x, rescale: !data.Fused);
        if (t.PostRotation != 0)
        {
            ev.Rotate(y, t.PostRotation, y);
        }

        y = Fold(y, t.Fold);
        ev.Add(y, data.Bias, y);
        return y;
    }

    private Ciphertext Fold(Ciphertext y, SlotFold fold)
    {
        if (fold.Count <= 1)
        {
            return y;
        }

        Evaluator ev = _evaluator;
        Ciphertext power = y;      // P_{2^t}
        Ciphertext? result = null;
        int t = 0;
        foreach ((int bit, int offset) in fold.Pieces())
        {
            while (t < bit)
            {
                power = ev.Add(power, ev.Rotate(power, fold.Stride << t));
                t++;
            }

            Ciphertext piece = offset == 0 ? power : ev.Rotate(power, offset * fold.Stride);
            result = result is null ? piece.Clone() : ev.Add(result, piece);
        }

        return result!;
    }

    private sealed record InputStageData(Plaintext[] Weights, Plaintext Bias, bool Fused);

    private sealed record TransformData(DiagonalTransform Layout, LinearTransform Transform, Plaintext Bias, bool Fused);
}
