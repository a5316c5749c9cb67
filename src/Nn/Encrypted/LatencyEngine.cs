using CkksRns.Ckks;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// Evaluates a plan in the latency packing (one image): the first stage im2col-style, later linear stages as diagonal
/// transforms with baby-step giant-step and hoisted rotations, activations slot-wise with per-slot coefficient vectors.
/// Every plaintext (weights, diagonals, coefficients, biases) is encoded once, at its level and scale, when the engine is
/// built.
/// </summary>
internal sealed class LatencyEngine
{
    private readonly InferencePlan _plan;
    private readonly LatencyLayout _layout;
    private readonly Evaluator _evaluator;
    private readonly int _parallelism;
    private readonly object?[] _stageData;

    public LatencyEngine(InferencePlan plan, CkksContext context, Evaluator evaluator, int parallelism)
    {
        _plan = plan;
        _layout = plan.Layout!;
        _evaluator = evaluator;
        _parallelism = parallelism;
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
                case LinearStage when i == 0:
                {
                    double c = ScaleRules.LinearConstant(sigma, p.Q[level], stage.TargetScale);
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

                    double after = ScaleRules.AfterRescale(sigma, c, p.Q[level]);
                    _stageData[i] = new InputStageData(weights, encoder.Encode(_layout.Biases[0], level - 1, after));
                    break;
                }

                case LinearStage:
                {
                    DiagonalTransform t = _layout.Transforms[i]!;
                    double c = ScaleRules.LinearConstant(sigma, p.Q[level], stage.TargetScale);
                    var diagonals = new Dictionary<int, Plaintext>();
                    foreach (int e in t.Diagonals.Keys)
                    {
                        diagonals.Add(e, encoder.Encode(t.PreRotated(e), level, c));
                    }

                    double after = ScaleRules.AfterRescale(sigma, c, p.Q[level]);
                    _stageData[i] = new TransformData(t, diagonals, encoder.Encode(_layout.Biases[i], level - 1, after));
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

                    double qNext = level >= 1 ? p.Q[level - 1] : 1;
                    ActivationScales sc = ScaleRules.Activation(a.Degree, sigma, p.Q[level], qNext, stage.TargetScale);
                    _stageData[i] = a.Degree switch
                    {
                        1 => new ActivationData(null, null, encoder.Encode(Vector(1), level, sc.V), encoder.Encode(Vector(0), level, sigma * sc.V)),
                        2 => new ActivationData(
                            null, encoder.Encode(Vector(2), level - 1, sc.T),
                            encoder.Encode(Vector(1), level - 1, sc.V), encoder.Encode(Vector(0), level - 1, sigma * sc.V)),
                        _ => new ActivationData(
                            encoder.Encode(Vector(3), level, sc.T), encoder.Encode(Vector(2), level, sigma * sc.T),
                            encoder.Encode(Vector(1), level - 1, sc.V), encoder.Encode(Vector(0), level - 1, sigma * sc.V)),
                    };
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
                ActivationStage a => Activation(a, (ActivationData)_stageData[i]!, x),
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

        ev.Rescale(acc, acc);
        acc = Fold(acc, _layout.InputFold);
        ev.Add(acc, data.Bias, acc);
        return acc;
    }

    private Ciphertext Transform(TransformData data, Ciphertext x)
    {
        Evaluator ev = _evaluator;
        DiagonalTransform t = data.Transform;
        if (t.ReplicateStep != 0)
        {
            x = ev.Add(x, ev.Rotate(x, t.ReplicateStep));
        }

        // Baby steps: hoisted rotations of x.
        int[] babySteps = [.. t.BabySteps.Where(b => b != 0)];
        var rotated = new Dictionary<int, Ciphertext> { [0] = x };
        if (babySteps.Length > 0)
        {
            Ciphertext[] r = ev.RotateHoisted(x, [.. babySteps.Select(b => t.Unit * b)]);
            for (int i = 0; i < babySteps.Length; i++)
            {
                rotated[babySteps[i]] = r[i];
            }
        }

        // Giant steps: inner sums of plaintext-diagonal products, rotated and added (independent, so in parallel).
        var byGiant = new Dictionary<int, List<int>>();
        foreach (int e in t.Diagonals.Keys)
        {
            (int a, _) = t.Split(e);
            if (!byGiant.TryGetValue(a, out List<int>? list))
            {
                list = [];
                byGiant.Add(a, list);
            }

            list.Add(e);
        }

        int[] giants = [.. byGiant.Keys];
        var partial = new Ciphertext[giants.Length];
        Parallel.For(0, giants.Length, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, gi =>
        {
            int a = giants[gi];
            Ciphertext? inner = null;
            var product = new Ciphertext(x.Context);
            foreach (int e in byGiant[a])
            {
                (_, int b) = t.Split(e);
                if (inner is null)
                {
                    inner = ev.Multiply(rotated[b], data.Diagonals[e]);
                }
                else
                {
                    ev.Multiply(rotated[b], data.Diagonals[e], product);
                    ev.Add(inner, product, inner);
                }
            }

            if (a != 0)
            {
                ev.Rotate(inner!, t.Unit * t.Giant * a, inner!);
            }

            partial[gi] = inner!;
        });

        Ciphertext acc = partial[0];
        for (int i = 1; i < partial.Length; i++)
        {
            ev.Add(acc, partial[i], acc);
        }

        ev.Rescale(acc, acc);
        acc = Fold(acc, t.Fold);
        ev.Add(acc, data.Bias, acc);
        return acc;
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

    private Ciphertext Activation(ActivationStage stage, ActivationData data, Ciphertext x)
    {
        Evaluator ev = _evaluator;
        if (stage.Degree == 1)
        {
            Ciphertext y = ev.Multiply(x, data.A1);
            ev.Add(y, data.A0, y);
            ev.Rescale(y, y);
            return y;
        }

        Ciphertext square = ev.MultiplyRelinearize(x, x);
        ev.Rescale(square, square);
        Ciphertext u;
        if (stage.Degree == 3)
        {
            Ciphertext t = ev.Multiply(x, data.A3!);
            ev.Add(t, data.A2!, t);
            ev.Rescale(t, t);
            u = ev.MultiplyRelinearize(square, t);
        }
        else
        {
            u = ev.Multiply(square, data.A2!);
        }

        Ciphertext v = ev.DropToLevel(x, x.Level - 1);
        ev.Multiply(v, data.A1, v);
        ev.Add(v, data.A0, v);
        ev.Add(u, v, u);
        ev.Rescale(u, u);
        return u;
    }

    private sealed record InputStageData(Plaintext[] Weights, Plaintext Bias);

    private sealed record TransformData(DiagonalTransform Transform, Dictionary<int, Plaintext> Diagonals, Plaintext Bias);

    private sealed record ActivationData(Plaintext? A3, Plaintext? A2, Plaintext A1, Plaintext A0);
}
