using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Ckks.Tests;

public sealed class PrecisionStatisticsTests
{
    [Fact]
    public void Compute_RealVectors_MatchesDirectComputation()
    {
        var gen = Gen.ListOf(Gen.Choose(-1000, 1000).Select(v => v / 7.0)).Where(l => l.Count > 0)
            .SelectMany(e => Gen.ArrayOf(Gen.Choose(-1000, 1000).Select(v => v / 1e6), e.Count).Select(d => (e.ToArray(), d)));
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            (double[] expected, double[] noise) = t;
            double[] actual = expected.Zip(noise, (a, b) => a + b).ToArray();
            var stats = PrecisionStatistics.Compute(expected, actual);
            double[] errors = expected.Zip(actual, (a, b) => Math.Abs(a - b)).ToArray();
            Assert.Equal(expected.Length, stats.Count);
            Assert.Equal(errors.Max(), stats.MaxError);
            Assert.Equal(errors.Min(), stats.MinError);
            Assert.Equal(errors.Average(), stats.MeanError, 12);
            Assert.Equal(-Math.Log2(errors.Max()), stats.MinPrecisionBits);
            Assert.True(stats.MinPrecisionBits <= stats.MeanPrecisionBits && stats.MeanPrecisionBits <= stats.MaxPrecisionBits);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Compute_ComplexVectors_UsesModulus()
    {
        var stats = PrecisionStatistics.Compute(new Complex[] { new(1, 1), new(0, 0) }, new Complex[] { new(1.75, 2), new(0, 0), new(9, 9) });
        Assert.Equal(1.25, stats.MaxError, 12);
        Assert.Equal(0, stats.MinError);
        Assert.Equal(0.625, stats.MeanError, 12);
        Assert.Equal(double.PositiveInfinity, stats.MaxPrecisionBits);
        Assert.Contains("2 slots", stats.ToString());
    }

    [Fact]
    public void Compute_BadLengths_Throw()
    {
        Assert.Throws<ArgumentException>(() => PrecisionStatistics.Compute(ReadOnlySpan<double>.Empty, new double[3]));
        var error = Assert.Throws<ArgumentException>(() => PrecisionStatistics.Compute(new double[4], new double[3]));
        Assert.Contains("3 values", error.Message);
    }
}
