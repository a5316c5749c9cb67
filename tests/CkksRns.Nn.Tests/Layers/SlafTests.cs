using CkksRns.Nn;
using CkksRns.Nn.Layers;
using Xunit;

namespace CkksRns.Nn.Tests.Layers;

public sealed class SlafTests
{
    [Fact]
    public void HermiteReluFit_Degree3_IsKnownProjection()
    {
        double[] h = Slaf.HermiteReluFit(3);
        double c = 1 / Math.Sqrt(2 * Math.PI) / 2; // 0.1995
        Assert.Equal(c, h[0], 1e-9);
        Assert.Equal(0.5, h[1], 1e-9);
        Assert.Equal(c, h[2], 1e-9);
        Assert.Equal(0, h[3], 1e-9);
    }

    [Fact]
    public void HermiteReluFit_HigherDegree_ApproximatesReluBetter()
    {
        double Error(int degree)
        {
            double[] h = Slaf.HermiteReluFit(degree);
            double error = 0, weight = 0;
            for (double t = -3; t <= 3; t += 0.01)
            {
                double p = 0;
                for (int d = degree; d >= 0; d--)
                {
                    p = (p * t) + h[d];
                }

                double w = Math.Exp(-t * t / 2);
                error += w * (p - Math.Max(t, 0)) * (p - Math.Max(t, 0));
                weight += w;
            }

            return error / weight;
        }

        Assert.True(Error(4) < Error(2));
        Assert.True(Error(6) < Error(4));
    }

    [Theory]
    [InlineData(SlafGranularity.PerNeuron)]
    [InlineData(SlafGranularity.PerChannel)]
    public void Forward_MatchesPolynomialPerUnit(SlafGranularity granularity)
    {
        var slaf = new Slaf(new TensorShape(3, 2, 2), degree: 3, granularity, inputScale: 2f);
        TestData.Random(slaf.Coefficients.Value.Shape, 1).Data.CopyTo(slaf.Coefficients.Value.Data, 0);
        Tensor x = TestData.Random(new TensorShape(4, 3, 2, 2), 2, scale: 3f);
        Tensor y = slaf.Forward(x, training: false);
        double[] monomial = slaf.GetMonomialCoefficients();
        for (int b = 0; b < 4; b++)
        {
            for (int e = 0; e < 12; e++)
            {
                int u = slaf.UnitOf(e);
                Assert.Equal(granularity == SlafGranularity.PerNeuron ? e : e / 4, u);
                float xv = x.Data[(b * 12) + e];
                Assert.Equal(slaf.Evaluate(u, xv), y.Data[(b * 12) + e]);
                double p = 0;
                for (int d = 3; d >= 0; d--)
                {
                    p = (p * xv) + monomial[(d * slaf.UnitCount) + u];
                }

                Assert.True(Math.Abs(p - y.Data[(b * 12) + e]) < 1e-4 * Math.Max(1, Math.Abs(p)), $"monomial form {p} vs {y.Data[(b * 12) + e]}");
            }
        }
    }

    [Theory]
    [InlineData(SlafGranularity.PerNeuron, 3)]
    [InlineData(SlafGranularity.PerChannel, 3)]
    [InlineData(SlafGranularity.PerNeuron, 2)]
    [InlineData(SlafGranularity.PerNeuron, 5)]
    public void Backward_MatchesFiniteDifferences(SlafGranularity granularity, int degree)
    {
        var slaf = new Slaf(new TensorShape(2, 3, 3), degree, granularity, inputScale: 1.5f);
        TestData.Random(slaf.Coefficients.Value.Shape, 3, scale: 0.5f).Data.CopyTo(slaf.Coefficients.Value.Data, 0);
        GradientCheck.Run(slaf, TestData.Random(new TensorShape(3, 2, 3, 3), 4, scale: 2f), seed: 5);
    }

    [Fact]
    public void Backward_WithRangePenalty_MatchesFiniteDifferencesOfPenalisedLoss()
    {
        var slaf = new Slaf(new TensorShape(20), inputScale: 1f) { RangeBound = 1f, RangePenalty = 0.7f };
        Tensor x = TestData.Random(new TensorShape(4, 20), 6, scale: 3f);
        double Penalty(Tensor input)
        {
            double sum = 0;
            foreach (float v in input.Data)
            {
                double excess = Math.Abs(v) - 1;
                sum += excess > 0 ? excess * excess : 0;
            }

            return sum * 0.7 / input.Shape[0];
        }

        GradientCheck.Run(slaf, x, seed: 7, extraLoss: Penalty, epsilon: 1e-3);
        slaf.Forward(x, training: true);
        slaf.Backward(new Tensor(new TensorShape(4, 20)));
        Assert.Equal(Penalty(x), slaf.LastPenalty, 1e-4);
    }

    [Fact]
    public void Forward_RecordsLargestInputMagnitude()
    {
        var slaf = new Slaf(new TensorShape(3));
        slaf.Forward(new Tensor(new TensorShape(2, 3), [0.5f, -7f, 2f, 1f, 3f, -0.1f]), training: false);
        Assert.Equal(7f, slaf.ObservedMaxAbsInput);
        slaf.ResetObservedRange();
        Assert.Equal(0f, slaf.ObservedMaxAbsInput);
    }

    [Fact]
    public void FitToRelu_ReducesErrorOnSkewedInputs()
    {
        var slaf = new Slaf(new TensorShape(4));
        // Inputs with a different mean per neuron, so the Gaussian initialisation is a poor fit.
        var random = new Random(8);
        var x = new Tensor(new TensorShape(500, 4));
        for (int i = 0; i < x.Length; i++)
        {
            x.Data[i] = (float)((random.NextDouble() * 4) - 1 + (i % 4));
        }

        double Error()
        {
            Tensor y = slaf.Forward(x, training: false);
            double e = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double d = y.Data[i] - Math.Max(0, x.Data[i]);
                e += d * d;
            }

            return e / x.Length;
        }

        slaf.InitializeAsRelu(2f);
        double before = Error();
        slaf.FitToRelu(x);
        double after = Error();
        Assert.True(after < before / 4, $"error before {before}, after {after}");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(7, 3)]
    [InlineData(8, 4)]
    public void DepthOfDegree_IsCeilLog2OfDegreePlusOne(int degree, int depth) =>
        Assert.Equal(depth, Slaf.DepthOfDegree(degree));

    [Fact]
    public void Constructor_DegreeOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Slaf(new TensorShape(3), degree: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Slaf(new TensorShape(3), degree: Slaf.MaxDegree + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Slaf(new TensorShape(3), inputScale: float.NaN));
    }
}
