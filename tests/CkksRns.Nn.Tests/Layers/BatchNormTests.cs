using CkksRns.Nn;
using CkksRns.Nn.Layers;
using Xunit;

namespace CkksRns.Nn.Tests.Layers;

public sealed class BatchNormTests
{
    [Fact]
    public void Forward_Training_NormalisesEachChannel()
    {
        var bn = new BatchNorm(3);
        Tensor x = TestData.Random(new TensorShape(8, 3, 4, 4), 1, scale: 5f);
        for (int i = 0; i < x.Length; i++)
        {
            x.Data[i] += 2f;
        }

        Tensor y = bn.Forward(x, training: true);
        for (int c = 0; c < 3; c++)
        {
            var values = Enumerable.Range(0, 8).SelectMany(b => y.Data.Skip(((b * 3) + c) * 16).Take(16)).Select(v => (double)v).ToArray();
            double mean = values.Average();
            double variance = values.Select(v => (v - mean) * (v - mean)).Average();
            Assert.True(Math.Abs(mean) < 1e-5, $"channel {c} mean {mean}");
            Assert.True(Math.Abs(variance - 1) < 1e-3, $"channel {c} variance {variance}");
        }
    }

    [Fact]
    public void Backward_ConvShaped_MatchesFiniteDifferences()
    {
        var bn = new BatchNorm(3);
        TestData.Random(new TensorShape(3), 2).Data.Select(v => v + 1.5f).ToArray().CopyTo(bn.Gamma.Value.Data, 0);
        TestData.Random(new TensorShape(3), 3).Data.CopyTo(bn.Beta.Value.Data, 0);
        GradientCheck.Run(bn, TestData.Random(new TensorShape(4, 3, 3, 3), 4, scale: 2f), seed: 5, epsilon: 1e-2, tolerance: 3e-2);
    }

    [Fact]
    public void Backward_DenseShaped_MatchesFiniteDifferences()
    {
        var bn = new BatchNorm(6);
        TestData.Random(new TensorShape(6), 6).Data.Select(v => v + 1.5f).ToArray().CopyTo(bn.Gamma.Value.Data, 0);
        GradientCheck.Run(bn, TestData.Random(new TensorShape(10, 6), 7, scale: 2f), seed: 8, epsilon: 1e-2, tolerance: 3e-2);
    }

    [Fact]
    public void Forward_Inference_UsesRunningStatistics()
    {
        var bn = new BatchNorm(2, momentum: 1f);
        Tensor x = TestData.Random(new TensorShape(16, 2), 9, scale: 3f);
        bn.Forward(x, training: true);
        for (int c = 0; c < 2; c++)
        {
            var values = Enumerable.Range(0, 16).Select(b => (double)x.Data[(b * 2) + c]).ToArray();
            double mean = values.Average();
            double unbiased = values.Select(v => (v - mean) * (v - mean)).Sum() / 15;
            Assert.True(Math.Abs(bn.RunningMean.Data[c] - mean) < 1e-5);
            Assert.True(Math.Abs(bn.RunningVariance.Data[c] - unbiased) < 1e-4);
        }

        Tensor probe = new(new TensorShape(1, 2), [1f, -1f]);
        Tensor y = bn.Forward(probe, training: false);
        for (int c = 0; c < 2; c++)
        {
            double expected = (probe.Data[c] - bn.RunningMean.Data[c]) / Math.Sqrt(bn.RunningVariance.Data[c] + bn.Epsilon);
            Assert.True(Math.Abs(y.Data[c] - expected) < 1e-5);
        }
    }

    [Fact]
    public void Backward_Frozen_MatchesFiniteDifferencesAndKeepsStatistics()
    {
        var bn = new BatchNorm(3) { Frozen = true };
        TestData.Random(new TensorShape(3), 10).Data.CopyTo(bn.RunningMean.Data, 0);
        TestData.Random(new TensorShape(3), 11).Data.Select(v => v + 2f).ToArray().CopyTo(bn.RunningVariance.Data, 0);
        TestData.Random(new TensorShape(3), 12).Data.Select(v => v + 1.5f).ToArray().CopyTo(bn.Gamma.Value.Data, 0);
        float[] mean = (float[])bn.RunningMean.Data.Clone();
        GradientCheck.Run(bn, TestData.Random(new TensorShape(4, 3, 2, 2), 13, scale: 2f), seed: 14);
        Assert.Equal(mean, bn.RunningMean.Data);
        Tensor probe = TestData.Random(new TensorShape(2, 3, 2, 2), 15);
        Assert.Equal(bn.Forward(probe, training: false).Clone().Data, bn.Forward(probe, training: true).Data);
    }

    [Fact]
    public void Constructor_BadEpsilon_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm(3, epsilon: 0f));
}
