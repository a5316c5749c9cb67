using CkksRns.Nn.Layers;

namespace CkksRns.Nn.Training;

/// <summary>Settings of the SLAF activations and of the SLAF-R re-training phase.</summary>
public sealed record SlafOptions
{
    /// <summary>Polynomial degree.</summary>
    public int Degree { get; init; } = 3;

    /// <summary>Coefficients per neuron or per channel.</summary>
    public SlafGranularity Granularity { get; init; } = SlafGranularity.PerNeuron;

    /// <summary>Weight λ of the soft range penalty (see <see cref="Slaf.RangePenalty"/>); 0 turns it off.</summary>
    public float RangePenalty { get; init; } = 1e-3f;

    /// <summary>Range bound T in units of the SLAF input scale (see <see cref="Slaf.RangeBound"/>).</summary>
    public float RangeBound { get; init; } = 4f;

    /// <summary>SLAF-R: epochs of coefficient-only re-training.</summary>
    public int RefitEpochs { get; init; } = 3;

    /// <summary>SLAF-R: peak learning rate of the re-training.</summary>
    public double RefitLearningRate { get; init; } = 0.01;

    /// <summary>Training images used to calibrate input scales and to fit SLAF-R polynomials.</summary>
    public int CalibrationSamples { get; init; } = 2048;

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Degree, 1, nameof(Degree));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Degree, Slaf.MaxDegree, nameof(Degree));
        if (!(RangePenalty >= 0 && float.IsFinite(RangePenalty)))
        {
            throw new ArgumentOutOfRangeException(nameof(RangePenalty), RangePenalty, "The range penalty must be non-negative and finite.");
        }

        if (!(RangeBound > 0 && float.IsFinite(RangeBound)))
        {
            throw new ArgumentOutOfRangeException(nameof(RangeBound), RangeBound, "The range bound must be positive and finite.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(RefitEpochs, nameof(RefitEpochs));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RefitEpochs, 1000, nameof(RefitEpochs));
        if (!(RefitLearningRate > 0 && RefitLearningRate <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(RefitLearningRate), RefitLearningRate, "The re-training learning rate must be in (0, 10].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(CalibrationSamples, 1, nameof(CalibrationSamples));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(CalibrationSamples, 65_536, nameof(CalibrationSamples));
    }
}
