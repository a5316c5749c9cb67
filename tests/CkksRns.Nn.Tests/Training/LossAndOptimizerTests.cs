using CkksRns.Nn;
using CkksRns.Nn.Training;
using Xunit;

namespace CkksRns.Nn.Tests.Training;

public sealed class LossAndOptimizerTests
{
    [Fact]
    public void SoftmaxCrossEntropy_LossAndGradient_MatchDefinitionAndFiniteDifferences()
    {
        Tensor logits = TestData.Random(new TensorShape(4, 5), 1, scale: 3f);
        byte[] labels = [0, 3, 4, 3];
        var gradient = new Tensor(logits.Shape);
        (double loss, int correct) = SoftmaxCrossEntropy.Compute(logits, labels, gradient);

        double expected = 0;
        int expectedCorrect = 0;
        for (int b = 0; b < 4; b++)
        {
            var z = logits.Data.Skip(b * 5).Take(5).Select(v => (double)v).ToArray();
            expected += Math.Log(z.Sum(Math.Exp)) - z[labels[b]];
            expectedCorrect += Array.IndexOf(z, z.Max()) == labels[b] ? 1 : 0;
        }

        Assert.Equal(expected / 4, loss, 1e-6);
        Assert.Equal(expectedCorrect, correct);
        for (int i = 0; i < logits.Length; i++)
        {
            float original = logits.Data[i];
            logits.Data[i] = original + 1e-2f;
            double plus = SoftmaxCrossEntropy.Compute(logits, labels, null).Loss;
            logits.Data[i] = original - 1e-2f;
            double minus = SoftmaxCrossEntropy.Compute(logits, labels, null).Loss;
            logits.Data[i] = original;
            Assert.Equal((plus - minus) / 2e-2, gradient.Data[i], 1e-3);
        }
    }

    [Fact]
    public void SoftmaxCrossEntropy_LabelOutOfRange_Throws() =>
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute(new Tensor(new TensorShape(1, 3)), [3], null));

    [Fact]
    public void OneCycleSchedule_RisesToPeakThenDecaysToFloor()
    {
        var schedule = new OneCycleSchedule(0.1, 1000, warmupFraction: 0.3, divisor: 25, finalDivisor: 1e4);
        Assert.Equal(0.1 / 25, schedule.LearningRate(0), 1e-12);
        Assert.Equal(0.1, schedule.LearningRate(300), 1e-12);
        Assert.Equal(0.1 / 25 / 1e4, schedule.LearningRate(999), 1e-12);
        for (int s = 1; s <= 300; s++)
        {
            Assert.True(schedule.LearningRate(s) >= schedule.LearningRate(s - 1));
        }

        for (int s = 301; s < 1000; s++)
        {
            Assert.True(schedule.LearningRate(s) <= schedule.LearningRate(s - 1));
        }
    }

    [Fact]
    public void SgdMomentum_Step_MatchesFormulaAndSkipsFrozen()
    {
        var decayed = new Parameter("w", new Tensor(new TensorShape(3), [1f, -2f, 0.5f]), decay: true);
        var plain = new Parameter("b", new Tensor(new TensorShape(2), [0.3f, 0.1f]), decay: false);
        var frozen = new Parameter("f", new Tensor(new TensorShape(1), [7f]), decay: true) { Trainable = false };
        var sgd = new SgdMomentum([decayed, plain, frozen], momentum: 0.9f, weightDecay: 0.01f);
        double[] w = [1, -2, 0.5], b = [0.3, 0.1], vw = new double[3], vb = new double[2];
        for (int step = 0; step < 3; step++)
        {
            float[] gw = [0.1f * (step + 1), -0.2f, 0.05f], gb = [0.5f, -0.5f];
            gw.CopyTo(decayed.Gradient.Data, 0);
            gb.CopyTo(plain.Gradient.Data, 0);
            frozen.Gradient.Data[0] = 3f;
            sgd.Step(0.1f);
            for (int i = 0; i < 3; i++)
            {
                vw[i] = (0.9 * vw[i]) + gw[i] + (0.01 * w[i]);
                w[i] -= 0.1 * vw[i];
                Assert.Equal(w[i], decayed.Value.Data[i], 1e-5);
            }

            for (int i = 0; i < 2; i++)
            {
                vb[i] = (0.9 * vb[i]) + gb[i];
                b[i] -= 0.1 * vb[i];
                Assert.Equal(b[i], plain.Value.Data[i], 1e-5);
            }

            Assert.Equal(7f, frozen.Value.Data[0]);
        }
    }
}
