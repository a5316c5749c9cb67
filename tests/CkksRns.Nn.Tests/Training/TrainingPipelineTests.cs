using CkksRns.Nn;
using CkksRns.Nn.Data;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;
using CkksRns.Nn.Training;
using Xunit;

namespace CkksRns.Nn.Tests.Training;

public sealed class TrainingPipelineTests
{
    private static (Dataset Train, Dataset Test) Data()
    {
        string? directory = RepositoryData.MnistDirectory();
        if (directory is not null)
        {
            // A few hundred real images: enough to see learning, far from a full training.
            Dataset test = Mnist.LoadTest(directory);
            var train = new Dataset(test.SampleShape, test.Samples[..(640 * 784)], test.Labels[..640], 10);
            var held = new Dataset(test.SampleShape, test.Samples[(9000 * 784)..], test.Labels[9000..], 10);
            return (train, held);
        }

        return (SyntheticData.Patterns(640, 10, Mnist.SampleShape, 1), SyntheticData.Patterns(300, 10, Mnist.SampleShape, 2));
    }

    [Theory]
    [InlineData(Architecture.Cnn1)]
    [InlineData(Architecture.Cnn2)]
    public void Run_SlafR_ReplacesEveryReluAndRetrainsOnlyCoefficients(Architecture architecture)
    {
        (Dataset train, Dataset test) = Data();
        var progress = new List<TrainingProgress>();
        TrainingResult result = TrainingPipeline.Run(
            architecture, TrainingMode.SlafR, new TrainingOptions { Epochs = 2, Seed = 3 }, new SlafOptions { RefitEpochs = 1, CalibrationSamples = 256 },
            train, test, progress.Add);

        Sequential model = result.Model;
        Assert.DoesNotContain(model.Layers, l => l is Relu);
        Assert.Equal(architecture == Architecture.Cnn1 ? 2 : 3, model.Layers.OfType<Slaf>().Count());
        Assert.True(model.MultiplicativeDepth > 0);
        Assert.NotNull(result.ReluTest);
        Assert.Equal(["relu", "relu", "slaf-r refit"], progress.Select(p => p.Report.Phase));
        Assert.Equal([1, 2, 3], progress.Select(p => p.EpochsDone));
        Assert.All(progress, p => Assert.Equal(3, p.EpochsTotal));
        Assert.True(result.Test.Accuracy > 0.5, $"accuracy {result.Test.Accuracy}");
        Assert.All(model.Layers.OfType<Slaf>(), s => Assert.True(s.ObservedMaxAbsInput > 0 && float.IsFinite(s.ObservedMaxAbsInput)));
        Assert.All(model.Parameters, p => Assert.True(p.Trainable));

        // The refit changed nothing but SLAF coefficients: rerunning only the ReLU phase gives the same weights.
        TrainingResult reluOnly = TrainingPipeline.Run(architecture, TrainingMode.Relu, new TrainingOptions { Epochs = 2, Seed = 3 }, new SlafOptions(), train, test);
        var expected = reluOnly.Model.Layers.Where(l => l is not Relu).SelectMany(l => l.Parameters).ToList();
        var actual = model.Layers.Where(l => l is not Slaf).SelectMany(l => l.Parameters).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Value.Data.AsSpan().SequenceEqual(actual[i].Value.Data), $"parameter {i} ({actual[i]}) changed during the refit");
        }
    }

    [Fact]
    public void Run_Slaf_CalibratesScalesAndLearns()
    {
        (Dataset train, Dataset test) = Data();
        TrainingResult result = TrainingPipeline.Run(
            Architecture.Cnn1, TrainingMode.Slaf, new TrainingOptions { Epochs = 3, Seed = 5, MaxLearningRate = 0.03 }, new SlafOptions { CalibrationSamples = 256 }, train, test);
        Slaf[] slafs = [.. result.Model.Layers.OfType<Slaf>()];
        Assert.Equal(2, slafs.Length);
        Assert.All(slafs, s => Assert.NotEqual(1f, s.InputScale));
        Assert.True(result.Test.Accuracy > 0.6, $"accuracy {result.Test.Accuracy}");
        Assert.True(result.Epochs[^1].Loss < result.Epochs[0].Loss);
    }
}
