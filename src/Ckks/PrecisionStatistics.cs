using System.Globalization;
using System.Numerics;

namespace CkksRns.Ckks;

/// <summary>
/// How close a decrypted (or decoded) vector is to the expected one: the smallest, mean and largest absolute error over
/// the slots, and the same as bits of precision <c>-log2(error)</c>.
/// </summary>
/// <remarks>
/// The error of a slot is <c>|expected - actual|</c> (the complex modulus for complex vectors).
/// <see cref="MinPrecisionBits"/> comes from the largest error and is the figure to state guarantees with.
/// </remarks>
public sealed class PrecisionStatistics
{
    private PrecisionStatistics(int count, double min, double mean, double max)
    {
        Count = count;
        MinError = min;
        MeanError = mean;
        MaxError = max;
    }

    /// <summary>The number of slots compared.</summary>
    public int Count { get; }

    /// <summary>The smallest absolute error.</summary>
    public double MinError { get; }

    /// <summary>The mean absolute error.</summary>
    public double MeanError { get; }

    /// <summary>The largest absolute error.</summary>
    public double MaxError { get; }

    /// <summary>Bits of precision of the worst slot, <c>-log2(MaxError)</c> (<see cref="double.PositiveInfinity"/> when exact).</summary>
    public double MinPrecisionBits => -Math.Log2(MaxError);

    /// <summary>Bits of precision of the mean error, <c>-log2(MeanError)</c>.</summary>
    public double MeanPrecisionBits => -Math.Log2(MeanError);

    /// <summary>Bits of precision of the best slot, <c>-log2(MinError)</c>.</summary>
    public double MaxPrecisionBits => -Math.Log2(MinError);

    /// <summary>Compares real vectors: the first <c>expected.Length</c> entries of <paramref name="actual"/> against <paramref name="expected"/>.</summary>
    /// <param name="expected">The exact values; at least one.</param>
    /// <param name="actual">The approximate values (for example all <c>N/2</c> decoded slots); at least as many as expected.</param>
    /// <returns>The statistics.</returns>
    /// <exception cref="ArgumentException"><paramref name="expected"/> is empty or longer than <paramref name="actual"/>.</exception>
    public static PrecisionStatistics Compute(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        CheckLengths(expected.Length, actual.Length);
        double min = double.PositiveInfinity, max = 0, sum = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]);
            min = Math.Min(min, error);
            max = Math.Max(max, error);
            sum += error;
        }

        return new PrecisionStatistics(expected.Length, min, sum / expected.Length, max);
    }

    /// <summary>Compares complex vectors: the first <c>expected.Length</c> entries of <paramref name="actual"/> against <paramref name="expected"/>.</summary>
    /// <param name="expected">The exact values; at least one.</param>
    /// <param name="actual">The approximate values; at least as many as expected.</param>
    /// <returns>The statistics.</returns>
    /// <exception cref="ArgumentException"><paramref name="expected"/> is empty or longer than <paramref name="actual"/>.</exception>
    public static PrecisionStatistics Compute(ReadOnlySpan<Complex> expected, ReadOnlySpan<Complex> actual)
    {
        CheckLengths(expected.Length, actual.Length);
        double min = double.PositiveInfinity, max = 0, sum = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Complex.Abs(expected[i] - actual[i]);
            min = Math.Min(min, error);
            max = Math.Max(max, error);
            sum += error;
        }

        return new PrecisionStatistics(expected.Length, min, sum / expected.Length, max);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Count} slots, precision min {MinPrecisionBits:0.00} / mean {MeanPrecisionBits:0.00} / max {MaxPrecisionBits:0.00} bits (max error {MaxError:0.###e+0})");

    private static void CheckLengths(int expected, int actual)
    {
        if (expected == 0)
        {
            throw new ArgumentException("There is nothing to compare: the expected vector is empty.", nameof(expected));
        }

        if (actual < expected)
        {
            throw new ArgumentException(
                $"The actual vector has {actual} values, fewer than the {expected} expected ones.", nameof(actual));
        }
    }
}
