using System.Diagnostics;
using CkksRns.Nn.Data;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;

namespace CkksRns.Nn.Training;

/// <summary>
/// Trains a classifier with softmax cross-entropy, SGD with momentum and the one-cycle schedule. Repeatable: for a
/// seed the run is bit-identical whatever the degree of parallelism (every kernel has a fixed summation order).
/// </summary>
public sealed class Trainer
{
    private readonly Sequential _model;
    private readonly TrainingOptions _options;

    /// <summary>Prepares to train <paramref name="model"/> (its <see cref="Sequential.DegreeOfParallelism"/> is set from the options).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Trainer(Sequential model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _model = model;
        _options = options;
        model.DegreeOfParallelism = options.DegreeOfParallelism;
    }

    /// <summary>The name reported in <see cref="EpochReport.Phase"/>.</summary>
    public string Phase { get; init; } = "train";

    /// <summary>Runs <see cref="TrainingOptions.Epochs"/> epochs over <paramref name="train"/>.</summary>
    /// <param name="train">The training set; its samples must have the model's input shape.</param>
    /// <param name="test">Evaluated after every epoch when given.</param>
    /// <param name="progress">Called after every epoch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>One report per epoch.</returns>
    /// <exception cref="ArgumentException">The data does not fit the model, or there are fewer samples than one batch.</exception>
    /// <exception cref="InvalidOperationException">The loss became NaN or infinite (training diverged).</exception>
    public IReadOnlyList<EpochReport> Fit(Dataset train, Dataset? test = null, Action<EpochReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        CheckData(train, nameof(train));
        if (test is not null)
        {
            CheckData(test, nameof(test));
        }

        int batchSize = _options.BatchSize;
        int batches = train.Count / batchSize;
        if (batches == 0)
        {
            throw new ArgumentException($"The training set has {train.Count} samples, fewer than one batch of {batchSize}.", nameof(train));
        }

        int classes = _model.OutputShape.Length;
        var schedule = new OneCycleSchedule(_options.MaxLearningRate, _options.Epochs * batches, _options.WarmupFraction);
        Parameter[] trainable = [.. _model.Parameters.Where(p => p.Trainable)];
        var optimizer = new SgdMomentum(trainable, _options.Momentum, _options.WeightDecay);
        var rng = new Rng(Rng.Derive(_options.Seed, 0x5348_5546_464C_45UL));
        int[] order = [.. Enumerable.Range(0, train.Count)];
        var input = new Tensor(train.SampleShape.WithBatch(batchSize));
        byte[] labels = new byte[batchSize];
        var gradient = new Tensor(new TensorShape(batchSize, classes));
        Slaf[] slafs = [.. _model.Layers.OfType<Slaf>()];
        var reports = new List<EpochReport>();
        int step = 0;
        double learningRate = 0;
        for (int epoch = 1; epoch <= _options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            rng.Shuffle(order);
            double lossSum = 0;
            long correct = 0;
            for (int batch = 0; batch < batches; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Gather(train, order.AsSpan(batch * batchSize, batchSize), input, labels, rng, _options.AugmentShift);
                Tensor logits = _model.Forward(input, training: true);
                (double loss, int right) = SoftmaxCrossEntropy.Compute(logits, labels, gradient);
                _model.ZeroGradients();
                _model.Backward(gradient);
                foreach (Slaf slaf in slafs)
                {
                    loss += slaf.LastPenalty;
                }

                if (!double.IsFinite(loss))
                {
                    throw new InvalidOperationException(
                        $"Training diverged in {Phase} epoch {epoch}, batch {batch + 1}: the loss is {loss}. " +
                        "Try a smaller learning rate (--lr) or a SLAF range penalty (--slaf-penalty).");
                }

                ClipGradients(trainable, _options.GradientClipNorm);
                learningRate = schedule.LearningRate(step++);
                optimizer.Step((float)learningRate);
                lossSum += loss;
                correct += right;
            }

            double testAccuracy = test is null ? double.NaN : Evaluate(_model, test, _options.EvaluationBatchSize).Accuracy;
            var report = new EpochReport(Phase, epoch, _options.Epochs, lossSum / batches, (double)correct / (batches * batchSize), testAccuracy, clock.Elapsed, learningRate);
            reports.Add(report);
            progress?.Invoke(report);
        }

        return reports;
    }

    /// <summary>The model's mean loss and accuracy on <paramref name="data"/> (inference mode).</summary>
    /// <exception cref="ArgumentException">The data does not fit the model.</exception>
    public static Evaluation Evaluate(Sequential model, Dataset data, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.SampleShape != model.InputShape)
        {
            throw new ArgumentException($"The model takes samples of shape {model.InputShape}; the data has {data.SampleShape}.", nameof(data));
        }

        double lossSum = 0;
        int correct = 0;
        int length = data.SampleShape.Length;
        Tensor? input = null;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            Tensor x = Tensor.Ensure(ref input, data.SampleShape.WithBatch(count));
            data.Samples.AsSpan(start * length, count * length).CopyTo(x.Data);
            Tensor logits = model.Forward(x, training: false);
            (double loss, int right) = SoftmaxCrossEntropy.Compute(logits, data.Labels.AsSpan(start, count), null);
            lossSum += loss * count;
            correct += right;
        }

        return new Evaluation(lossSum / data.Count, correct, data.Count);
    }

    /// <summary>Scales all gradients down when their global L2 norm exceeds <paramref name="maxNorm"/>; returns the norm.</summary>
    internal static double ClipGradients(Parameter[] parameters, float maxNorm)
    {
        double squares = 0;
        foreach (Parameter p in parameters)
        {
            foreach (float g in p.Gradient.Data)
            {
                squares += (double)g * g;
            }
        }

        double norm = Math.Sqrt(squares);
        if (maxNorm > 0 && norm > maxNorm)
        {
            float scale = (float)(maxNorm / norm);
            foreach (Parameter p in parameters)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(p.Gradient.Data, scale, p.Gradient.Data);
            }
        }

        return norm;
    }

    /// <summary>Copies the selected samples into the batch tensor, optionally shifted by up to ±<paramref name="shift"/> pixels.</summary>
    internal static void Gather(Dataset data, ReadOnlySpan<int> indices, Tensor input, byte[] labels, Rng rng, int shift)
    {
        int length = data.SampleShape.Length;
        bool image = data.SampleShape.Rank == 3;
        for (int i = 0; i < indices.Length; i++)
        {
            ReadOnlySpan<float> source = data.Samples.AsSpan(indices[i] * length, length);
            Span<float> target = input.Data.AsSpan(i * length, length);
            labels[i] = data.Labels[indices[i]];
            if (shift == 0 || !image)
            {
                source.CopyTo(target);
                continue;
            }

            int dy = rng.NextInt((2 * shift) + 1) - shift, dx = rng.NextInt((2 * shift) + 1) - shift;
            int channels = data.SampleShape[0], height = data.SampleShape[1], width = data.SampleShape[2];
            float fill = source[0];
            for (int c = 0; c < channels; c++)
            {
                for (int y = 0; y < height; y++)
                {
                    int sy = y - dy;
                    Span<float> row = target.Slice(((c * height) + y) * width, width);
                    if ((uint)sy >= (uint)height)
                    {
                        row.Fill(fill);
                        continue;
                    }

                    ReadOnlySpan<float> src = source.Slice(((c * height) + sy) * width, width);
                    for (int x = 0; x < width; x++)
                    {
                        int sx = x - dx;
                        row[x] = (uint)sx < (uint)width ? src[sx] : fill;
                    }
                }
            }
        }
    }

    private void CheckData(Dataset data, string name)
    {
        if (data.SampleShape != _model.InputShape)
        {
            throw new ArgumentException($"The model takes samples of shape {_model.InputShape}; the {name} data has {data.SampleShape}.", name);
        }

        if (data.ClassCount > _model.OutputShape.Length)
        {
            throw new ArgumentException($"The {name} data has {data.ClassCount} classes but the model outputs {_model.OutputShape.Length} values.", name);
        }
    }
}
