namespace CkksRns.Nn.Training;

/// <summary>
/// The one-cycle learning-rate policy (Smith and Topin, 2017, <see href="https://arxiv.org/abs/1708.07120"/>):
/// a cosine rise from <c>max/div</c> to <c>max</c> over the first <see cref="WarmupFraction"/> of the steps, then a
/// cosine decay to <c>max/(div·finalDiv)</c>.
/// </summary>
public sealed class OneCycleSchedule
{
    /// <summary>Creates a schedule.</summary>
    /// <param name="maxLearningRate">The peak learning rate, positive.</param>
    /// <param name="totalSteps">Optimiser steps in the whole run, at least 1.</param>
    /// <param name="warmupFraction">Fraction of the steps spent rising, in <c>[0, 1)</c>.</param>
    /// <param name="divisor">Start rate is <c>max/divisor</c>; at least 1.</param>
    /// <param name="finalDivisor">End rate is <c>start/finalDivisor</c>; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public OneCycleSchedule(double maxLearningRate, int totalSteps, double warmupFraction = 0.3, double divisor = 25, double finalDivisor = 1e4)
    {
        if (!(maxLearningRate > 0 && double.IsFinite(maxLearningRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(maxLearningRate), maxLearningRate, "The learning rate must be positive and finite.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (!(warmupFraction >= 0 && warmupFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(warmupFraction), warmupFraction, "The warm-up fraction must be in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(divisor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(finalDivisor, 1);
        MaxLearningRate = maxLearningRate;
        TotalSteps = totalSteps;
        WarmupFraction = warmupFraction;
        Divisor = divisor;
        FinalDivisor = finalDivisor;
    }

    /// <summary>The peak rate.</summary>
    public double MaxLearningRate { get; }

    /// <summary>Steps in the run.</summary>
    public int TotalSteps { get; }

    /// <summary>Fraction of the steps spent rising.</summary>
    public double WarmupFraction { get; }

    /// <summary>Ratio of peak to start rate.</summary>
    public double Divisor { get; }

    /// <summary>Ratio of start to end rate.</summary>
    public double FinalDivisor { get; }

    /// <summary>The learning rate for optimiser step <paramref name="step"/> (0-based; clamped to the run).</summary>
    public double LearningRate(int step)
    {
        double start = MaxLearningRate / Divisor, end = start / FinalDivisor;
        int s = Math.Clamp(step, 0, TotalSteps - 1);
        double warmup = Math.Floor(WarmupFraction * TotalSteps);
        if (s < warmup)
        {
            return Cosine(start, MaxLearningRate, s / warmup);
        }

        double remaining = Math.Max(1, TotalSteps - 1 - warmup);
        return Cosine(MaxLearningRate, end, (s - warmup) / remaining);
    }

    private static double Cosine(double from, double to, double fraction) =>
        to + ((from - to) * (1 + Math.Cos(Math.PI * fraction)) / 2);
}
