using CkksRns.Nn;
using CkksRns.Nn.Data;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;
using CkksRns.Nn.Training;
using Xunit;

namespace CkksRns.Nn.Tests.Training;

public sealed class TrainerTests
{
    private static readonly TensorShape Shape = new(1, 8, 8);

    private static Sequential TinyNetwork(ulong seed) => new(
        Shape,
        new Conv2d(1, 4, 3, stride: 1, padding: 1, seed: seed),
        new BatchNorm(4),
        new Slaf(new TensorShape(4, 8, 8), granularity: SlafGranularity.PerChannel),
        new AvgPool2d(2),
        new Flatten(),
        new Dense(64, 16, seed: seed + 1),
        new Slaf(new TensorShape(16)),
        new Dense(16, 4, seed: seed + 2));

    [Fact]
    public void Fit_TinyNetwork_LearnsSyntheticPatterns()
    {
        Dataset train = SyntheticData.Patterns(640, 4, Shape, seed: 1);
        Dataset test = SyntheticData.Patterns(200, 4, Shape, seed: 2);
        Sequential model = TinyNetwork(3);
        double before = Trainer.Evaluate(model, test).Accuracy;
        var reports = new List<EpochReport>();
        new Trainer(model, new TrainingOptions { Epochs = 4, BatchSize = 32, MaxLearningRate = 0.05, Seed = 4 }).Fit(train, test, reports.Add);
        Assert.Equal(4, reports.Count);
        Assert.True(reports[^1].Loss < reports[0].Loss, $"loss {reports[0].Loss} → {reports[^1].Loss}");
        Assert.True(reports[^1].TestAccuracy >= 0.95, $"accuracy {before} → {reports[^1].TestAccuracy}");
    }

    [Fact]
    public void Fit_SameSeed_BitIdenticalForAnyDegreeOfParallelism()
    {
        float[][] Train(ulong seed, int threads, int augment)
        {
            Sequential model = TinyNetwork(5);
            new Trainer(model, new TrainingOptions { Epochs = 2, BatchSize = 16, Seed = seed, DegreeOfParallelism = threads, AugmentShift = augment })
                .Fit(SyntheticData.Patterns(160, 4, Shape, seed: 6));
            return [.. model.Parameters.Select(p => p.Value.Data)];
        }

        float[][] a = Train(7, 1, 1), b = Train(7, 2, 1), c = Train(7, 3, 1), other = Train(8, 2, 1);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(a[i].AsSpan().SequenceEqual(b[i]), $"parameter {i}: 1 vs 2 threads");
            Assert.True(a[i].AsSpan().SequenceEqual(c[i]), $"parameter {i}: 1 vs 3 threads");
        }

        Assert.Contains(Enumerable.Range(0, a.Length), i => !a[i].AsSpan().SequenceEqual(other[i]));
    }

    [Fact]
    public void Fit_ExplodingLearningRate_ThrowsDivergedWithAdvice()
    {
        var model = new Sequential(new TensorShape(64), new Dense(64, 32, seed: 1), new Slaf(new TensorShape(32), degree: 5, inputScale: 0.1f), new Dense(32, 4, seed: 2));
        Dataset data = SyntheticData.Patterns(256, 4, new TensorShape(64), seed: 9);
        var ex = Assert.Throws<InvalidOperationException>(() =>
            new Trainer(model, new TrainingOptions { Epochs = 5, MaxLearningRate = 10, GradientClipNorm = 0, WarmupFraction = 0 }).Fit(data));
        Assert.Contains("diverged", ex.Message);
        Assert.Contains("--lr", ex.Message);
    }

    [Fact]
    public void Fit_FewerSamplesThanOneBatch_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            new Trainer(TinyNetwork(1), new TrainingOptions { BatchSize = 64 }).Fit(SyntheticData.Patterns(10, 4, Shape, seed: 1)));
        Assert.Contains("fewer than one batch", ex.Message);
    }

    [Fact]
    public void Fit_WrongSampleShape_Throws() =>
        Assert.Throws<ArgumentException>(() =>
            new Trainer(TinyNetwork(1), new TrainingOptions()).Fit(SyntheticData.Patterns(100, 4, new TensorShape(1, 9, 9), seed: 1)));

    [Fact]
    public void Gather_WithShift_TranslatesImageAndFillsBackground()
    {
        var shape = new TensorShape(1, 5, 5);
        float[] pixels = Enumerable.Range(0, 25).Select(i => (float)i).ToArray();
        var data = new Dataset(shape, pixels, [1], 2);
        var input = new Tensor(shape.WithBatch(1));
        var rng = new Rng(3);
        for (int trial = 0; trial < 20; trial++)
        {
            Trainer.Gather(data, [0], input, new byte[1], rng, shift: 2);
            // Find the translation: the value 12 (centre pixel) must land within ±2 of the centre.
            int at = Array.IndexOf(input.Data, 12f);
            int dy = (at / 5) - 2, dx = (at % 5) - 2;
            Assert.InRange(dy, -2, 2);
            Assert.InRange(dx, -2, 2);
            for (int y = 0; y < 5; y++)
            {
                for (int x = 0; x < 5; x++)
                {
                    int sy = y - dy, sx = x - dx;
                    float expected = sy is >= 0 and < 5 && sx is >= 0 and < 5 ? pixels[(sy * 5) + sx] : pixels[0];
                    Assert.Equal(expected, input.Data[(y * 5) + x]);
                }
            }
        }
    }

    [Fact]
    public void ClipGradients_LargeNorm_ScalesToLimit()
    {
        var p = new Parameter("w", new Tensor(new TensorShape(2)), decay: false);
        p.Gradient.Data[0] = 3f;
        p.Gradient.Data[1] = 4f;
        double norm = Trainer.ClipGradients([p], 1f);
        Assert.Equal(5, norm, 1e-9);
        Assert.Equal(0.6f, p.Gradient.Data[0], 1e-6f);
        Assert.Equal(0.8f, p.Gradient.Data[1], 1e-6f);
    }
}
