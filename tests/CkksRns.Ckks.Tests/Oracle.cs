using System.Numerics;
using Xunit;

namespace CkksRns.Ckks.Tests;

/// <summary>Plaintext oracles and error bounds for homomorphic results.</summary>
public static class Oracle
{
    /// <summary>
    /// The absolute slot error allowed after <paramref name="operations"/> noisy steps (encryption, key switch,
    /// rescale), for values of magnitude at most 1: <c>2^(log2 N + 4)</c> per step, divided by the scale. Measured
    /// worst cases over all slots: a key switch (hybrid, digits below P) adds less than <c>2^(log2 N + 1)</c>, a fresh
    /// public-key encryption about <c>2^(log2 N)</c>; the bound keeps a margin of 3 bits.
    /// </summary>
    public static double Bound(TestSetup t, int operations, double? scale = null) =>
        operations * Math.ScaleB(1.0, t.Context.Parameters.LogN + 4) / (scale ?? t.Scale);

    public static void AssertClose(double[] expected, double[] actual, double bound, string what)
    {
        var stats = PrecisionStatistics.Compute(expected, actual);
        Assert.True(stats.MaxError <= bound, $"{what}: {stats} exceeds bound 2^{Math.Log2(bound):0.0}");
    }

    public static void AssertClose(Complex[] expected, Complex[] actual, double bound, string what)
    {
        var stats = PrecisionStatistics.Compute(expected, actual);
        Assert.True(stats.MaxError <= bound, $"{what}: {stats} exceeds bound 2^{Math.Log2(bound):0.0}");
    }

    public static double[] Rotate(double[] v, int step)
    {
        int n = v.Length;
        return Enumerable.Range(0, n).Select(j => v[(((j + step) % n) + n) % n]).ToArray();
    }

    public static double[] Map(double[] a, double[] b, Func<double, double, double> f) => a.Zip(b, f).ToArray();
}
