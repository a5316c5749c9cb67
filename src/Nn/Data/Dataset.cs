namespace CkksRns.Nn.Data;

/// <summary>Labelled samples for classification: a flat array of samples of one shape and a class label per sample.</summary>
public sealed class Dataset
{
    /// <summary>Wraps samples and labels (no copy).</summary>
    /// <param name="sampleShape">The shape of one sample, for example (1, 28, 28).</param>
    /// <param name="samples">All samples one after another: <c>labels.Length × sampleShape.Length</c> values.</param>
    /// <param name="labels">One label per sample, each below <paramref name="classCount"/>.</param>
    /// <param name="classCount">The number of classes, 2 to 65536.</param>
    /// <exception cref="ArgumentException">The lengths disagree or a label is out of range.</exception>
    public Dataset(TensorShape sampleShape, float[] samples, byte[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 65536);
        if (sampleShape.Rank == 0)
        {
            throw new ArgumentException("The sample shape must have at least one dimension.", nameof(sampleShape));
        }

        if ((long)labels.Length * sampleShape.Length != samples.Length)
        {
            throw new ArgumentException(
                $"{labels.Length} labels of samples of shape {sampleShape} need {(long)labels.Length * sampleShape.Length} values; got {samples.Length}.",
                nameof(samples));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classCount)
            {
                throw new ArgumentException($"Label {labels[i]} of sample {i} is not below the class count {classCount}.", nameof(labels));
            }
        }

        SampleShape = sampleShape;
        Samples = samples;
        Labels = labels;
        ClassCount = classCount;
    }

    /// <summary>The shape of one sample.</summary>
    public TensorShape SampleShape { get; }

    /// <summary>All samples, one after another (shared, not copied).</summary>
    public float[] Samples { get; }

    /// <summary>The label of each sample (shared, not copied).</summary>
    public byte[] Labels { get; }

    /// <summary>The number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>The number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>The values of sample <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside <c>[0, Count)</c>.</exception>
    public ReadOnlySpan<float> Sample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Samples.AsSpan(index * SampleShape.Length, SampleShape.Length);
    }

    /// <summary>A copy of the first <paramref name="count"/> samples.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is outside <c>[1, Count]</c>.</exception>
    public Dataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        return new Dataset(SampleShape, Samples[..(count * SampleShape.Length)], Labels[..count], ClassCount);
    }
}
