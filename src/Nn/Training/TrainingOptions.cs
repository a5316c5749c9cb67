namespace CkksRns.Nn.Training;

/// <summary>Hyper-parameters of one training run. Defaults follow the issue: SGD with momentum 0.9, batch 64, one-cycle.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per optimiser step; the last incomplete batch of an epoch is dropped.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Peak learning rate of the one-cycle schedule.</summary>
    public double MaxLearningRate { get; init; } = 0.05;

    /// <summary>Fraction of the steps spent warming up.</summary>
    public double WarmupFraction { get; init; } = 0.25;

    /// <summary>SGD momentum.</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>L2 weight decay for Conv2d and Dense weights.</summary>
    public float WeightDecay { get; init; } = 5e-4f;

    /// <summary>Gradients whose global L2 norm exceeds this are scaled down to it (0 = off). Guards against spikes.</summary>
    public float GradientClipNorm { get; init; } = 5f;

    /// <summary>Random translation of training images by up to this many pixels in each direction (0 = off).</summary>
    public int AugmentShift { get; init; }

    /// <summary>Seed of shuffling and augmentation.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Threads for the kernels; results are identical for every value.</summary>
    public int DegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Batch size used when evaluating accuracy.</summary>
    public int EvaluationBatchSize { get; init; } = 500;

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Epochs, 10_000, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BatchSize, 65_536, nameof(BatchSize));
        if (!(MaxLearningRate > 0 && MaxLearningRate <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLearningRate), MaxLearningRate, "The learning rate must be in (0, 10].");
        }

        if (!(GradientClipNorm >= 0 && float.IsFinite(GradientClipNorm)))
        {
            throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), GradientClipNorm, "The clip norm must be non-negative and finite.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(AugmentShift, nameof(AugmentShift));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AugmentShift, 8, nameof(AugmentShift));
        ArgumentOutOfRangeException.ThrowIfLessThan(DegreeOfParallelism, 1, nameof(DegreeOfParallelism));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DegreeOfParallelism, 1024, nameof(DegreeOfParallelism));
        ArgumentOutOfRangeException.ThrowIfLessThan(EvaluationBatchSize, 1, nameof(EvaluationBatchSize));
    }
}
