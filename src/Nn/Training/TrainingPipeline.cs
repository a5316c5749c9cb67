using System.Diagnostics;
using CkksRns.Nn.Data;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;

namespace CkksRns.Nn.Training;

/// <summary>
/// Trains CNN1 or CNN2 in one of the three <see cref="TrainingMode"/>s, then records each SLAF's input range on the
/// training set (what the encrypted evaluation must support).
/// </summary>
public static class TrainingPipeline
{
    /// <summary>Runs a complete training.</summary>
    /// <param name="architecture">The network.</param>
    /// <param name="mode">ReLU, SLAF or SLAF-R.</param>
    /// <param name="options">Optimiser settings; <see cref="TrainingOptions.Seed"/> also seeds the weights.</param>
    /// <param name="slaf">SLAF settings.</param>
    /// <param name="train">Training set.</param>
    /// <param name="test">Test set, evaluated after each epoch.</param>
    /// <param name="progress">Called after every epoch with the run's progress and ETA.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <exception cref="ArgumentException">The data does not fit the network.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">Training diverged.</exception>
    public static TrainingResult Run(
        Architecture architecture,
        TrainingMode mode,
        TrainingOptions options,
        SlafOptions slaf,
        Dataset train,
        Dataset test,
        Action<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(slaf);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        options.Validate();
        slaf.Validate();
        if (mode is not (TrainingMode.Relu or TrainingMode.Slaf or TrainingMode.SlafR))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown training mode.");
        }

        var clock = Stopwatch.StartNew();
        int totalEpochs = options.Epochs + (mode == TrainingMode.SlafR ? slaf.RefitEpochs : 0);
        int done = 0;
        var epochs = new List<EpochReport>();
        void Report(EpochReport report)
        {
            done++;
            TimeSpan elapsed = clock.Elapsed;
            TimeSpan remaining = TimeSpan.FromTicks(elapsed.Ticks / done * (totalEpochs - done));
            progress?.Invoke(new TrainingProgress(report, done, totalEpochs, elapsed, remaining));
        }

        Dataset calibration = train.Take(Math.Min(slaf.CalibrationSamples, train.Count));
        ActivationKind activation = mode == TrainingMode.Slaf ? ActivationKind.Slaf : ActivationKind.Relu;
        Sequential model = Networks.Create(architecture, activation, options.Seed, slaf.Degree, slaf.Granularity);
        if (mode == TrainingMode.Slaf)
        {
            CalibrateSlafs(model, calibration, slaf);
        }

        var trainer = new Trainer(model, options) { Phase = mode == TrainingMode.Slaf ? "slaf" : "relu" };
        epochs.AddRange(trainer.Fit(train, test, Report, cancellationToken));
        Evaluation? reluTest = null;
        if (mode == TrainingMode.SlafR)
        {
            reluTest = Trainer.Evaluate(model, test, options.EvaluationBatchSize);
            model = ReplaceRelus(model, calibration, slaf);
            if (slaf.RefitEpochs > 0)
            {
                var refit = new Trainer(model, options with { Epochs = slaf.RefitEpochs, MaxLearningRate = slaf.RefitLearningRate })
                {
                    Phase = "slaf-r refit",
                };
                epochs.AddRange(refit.Fit(train, test, Report, cancellationToken));
            }

            Unfreeze(model);
        }

        RecordRanges(model, train, options.EvaluationBatchSize);
        Evaluation final = Trainer.Evaluate(model, test, options.EvaluationBatchSize);
        return new TrainingResult(model, epochs, final, reluTest, clock.Elapsed);
    }

    /// <summary>
    /// SLAF mode initialisation: walks the calibration images through the network and sets each SLAF's input scale to
    /// the root mean square of its inputs, with the ReLU-approximating coefficients for that scale.
    /// </summary>
    internal static void CalibrateSlafs(Sequential model, Dataset calibration, SlafOptions options)
    {
        Tensor x = Batch(calibration);
        foreach (Layer layer in model.Layers)
        {
            if (layer is Slaf s)
            {
                s.InitializeAsRelu(RootMeanSquare(x));
                s.RangeBound = options.RangeBound;
                s.RangePenalty = options.RangePenalty;
            }

            x = layer.Forward(x, training: false);
        }
    }

    /// <summary>
    /// SLAF-R conversion: a network in which each ReLU is replaced by a SLAF least-squares fitted to ReLU on the inputs
    /// it receives (layer by layer, so later fits see the earlier polynomials); every other parameter is frozen.
    /// </summary>
    internal static Sequential ReplaceRelus(Sequential model, Dataset calibration, SlafOptions options)
    {
        var layers = new List<Layer>();
        Tensor x = Batch(calibration);
        TensorShape shape = model.InputShape;
        foreach (Layer original in model.Layers)
        {
            Layer layer = original;
            if (original is Relu)
            {
                var s = new Slaf(shape, options.Degree, options.Granularity)
                {
                    RangeBound = options.RangeBound,
                    RangePenalty = options.RangePenalty,
                };
                s.FitToRelu(x);
                layer = s;
            }
            else
            {
                foreach (Parameter p in layer.Parameters)
                {
                    p.Trainable = false;
                }

                if (layer is BatchNorm bn)
                {
                    bn.Frozen = true;
                }
            }

            layers.Add(layer);
            shape = layer.GetOutputShape(shape);
            x = layer.Forward(x, training: false);
        }

        return new Sequential(model.InputShape, layers) { DegreeOfParallelism = model.DegreeOfParallelism };
    }

    /// <summary>Resets and re-records every SLAF's largest input magnitude over <paramref name="data"/>.</summary>
    internal static void RecordRanges(Sequential model, Dataset data, int batchSize)
    {
        foreach (Slaf s in model.Layers.OfType<Slaf>())
        {
            s.ResetObservedRange();
        }

        _ = Trainer.Evaluate(model, data, batchSize);
    }

    private static void Unfreeze(Sequential model)
    {
        foreach (Layer layer in model.Layers)
        {
            foreach (Parameter p in layer.Parameters)
            {
                p.Trainable = true;
            }

            if (layer is BatchNorm bn)
            {
                bn.Frozen = false;
            }
        }
    }

    private static Tensor Batch(Dataset data) =>
        new(data.SampleShape.WithBatch(data.Count), (float[])data.Samples.Clone());

    private static float RootMeanSquare(Tensor x)
    {
        double squares = 0;
        foreach (float v in x.Data)
        {
            squares += (double)v * v;
        }

        double rms = Math.Sqrt(squares / x.Length);
        return rms > 1e-6 && double.IsFinite(rms) ? (float)rms : 1f;
    }
}
