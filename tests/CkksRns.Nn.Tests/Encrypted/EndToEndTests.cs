using CkksRns.Nn.Data;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;
using CkksRns.Nn.Training;
using Xunit;
using static CkksRns.Nn.Tests.Encrypted.EncryptedTestKit;

namespace CkksRns.Nn.Tests.Encrypted;

/// <summary>CNN1 and CNN2, briefly trained (a few hundred images; never the full training), classified encrypted.</summary>
public sealed class TrainedModelsFixture
{
    public TrainedModelsFixture()
    {
        string? directory = RepositoryData.MnistDirectory();
        Dataset train, test;
        if (directory is not null)
        {
            Dataset all = Mnist.LoadTest(directory);
            train = new Dataset(all.SampleShape, all.Samples[..(400 * 784)], all.Labels[..400], 10);
            test = new Dataset(all.SampleShape, all.Samples[(9000 * 784)..], all.Labels[9000..], 10);
        }
        else
        {
            train = SyntheticData.Patterns(400, 10, Mnist.SampleShape, 1);
            test = SyntheticData.Patterns(100, 10, Mnist.SampleShape, 2);
        }

        Test = test;
        var options = new TrainingOptions { Epochs = 2, Seed = 9, MaxLearningRate = 0.03 };
        Cnn1 = TrainingPipeline.Run(Architecture.Cnn1, TrainingMode.Slaf, options, new SlafOptions { CalibrationSamples = 200 }, train, test).Model;
        Cnn2 = TrainingPipeline.Run(Architecture.Cnn2, TrainingMode.Slaf, options, new SlafOptions { CalibrationSamples = 200 }, train, test).Model;
    }

    public Sequential Cnn1 { get; }

    public Sequential Cnn2 { get; }

    public Dataset Test { get; }
}

public sealed class EndToEndTests(TrainedModelsFixture models) : IClassFixture<TrainedModelsFixture>
{
    [Theory]
    [InlineData(Architecture.Cnn1, Packing.Latency, 12)]
    [InlineData(Architecture.Cnn1, Packing.Throughput, 10)]
    [InlineData(Architecture.Cnn2, Packing.Latency, 13)]
    public void TrainedCnn_FewImages_EncryptedEqualsPlaintext(Architecture architecture, Packing packing, int logN) =>
        CheckTrained(architecture, packing, logN);

    [Fact]
    [Trait("Category", "Slow")]
    public void TrainedCnn2_Throughput_EncryptedEqualsPlaintext() => CheckTrained(Architecture.Cnn2, Packing.Throughput, 10);

    [Theory]
    [InlineData(10)]
    [InlineData(11)]
    public void TrainedCnn1_Throughput_LowScaleInput_EncryptedEqualsPlaintextWithinTheInputsPrecision(int logN)
    {
        // Inputs at Δ/2^10, the first stage's weights at 2^10, no rescale: the stage's relative error is that of the
        // fresh noise (about 2^9 in a slot, relative to the input scale) or of the weights' quantization, whichever is
        // larger; the network amplifies it by less than 2^3 (measured over 10,000 MNIST images at N = 2^14: 2^-9.7 of
        // the largest logit).
        const int logScale = ChainBuilder.DefaultLogScaleThroughput, logInput = logScale - 10;
        double bound = Math.ScaleB(1, 3) * Math.Max(Math.ScaleB(1, 9 - logInput), Math.ScaleB(1, logInput - logScale));
        CheckTrained(Architecture.Cnn1, Packing.Throughput, logN, logInput, bound);
    }

    private void CheckTrained(Architecture architecture, Packing packing, int logN, int? logInput = null, double bound = NetworkBound)
    {
        Sequential model = architecture == Architecture.Cnn1 ? models.Cnn1 : models.Cnn2;
        // A low-scale plan at the default output bound (64), where CNN1's last SLAF is handed over to the last layer.
        var plan = InferencePlan.Compile(model, Small(packing, logN) with { LogInputScale = logInput, OutputBound = logInput is null ? 256 : 64 });
        Assert.Equal(logInput is null ? plan.Scale : Math.ScaleB(1.0, logInput.Value), plan.InputScale);
        Assert.True(logInput is null || ThroughputEngine.PlanDeferral(plan, plan.Parameters).Deferred[3], "The last SLAF is handed over too.");
        int count = packing == Packing.Latency ? 2 : 5;
        float[] images = models.Test.Samples[..(count * 784)];
        (double[] encrypted, double[] plain) = Run(plan, images, count);
        AssertWithinBound(encrypted, plain, $"{architecture} {packing}", bound);

        // And against the trained model itself (float): the same classes.
        Tensor logits = model.Predict(new Tensor(new TensorShape(count, 1, 28, 28), images));
        for (int j = 0; j < count; j++)
        {
            int expected = ArgMax(logits.Data.AsSpan(j * 10, 10).ToArray().Select(v => (double)v).ToArray());
            Assert.Equal(expected, ArgMax(encrypted.AsSpan(j * 10, 10).ToArray()));
        }
    }

    [Fact]
    public void TransferLearning_ServerStopsAfterLayer_ClientFinishesInPlaintext()
    {
        Sequential model = models.Cnn1;
        const int stop = 3; // conv, slaf, flatten, dense(845→100): the server returns 100 encrypted features
        var plan = InferencePlan.Compile(model, Small(Packing.Latency, 12) with { StopAfterLayer = stop });
        Assert.Equal(100, plan.OutputLength);
        float[] image = models.Test.Samples[..784];
        (double[] features, double[] plainFeatures) = Run(plan, image, 1);
        AssertWithinBound(features, plainFeatures, "features", NetworkBound);

        // The client's own classifier: the remaining layers of the model, on the decrypted features.
        var head = new Sequential(new TensorShape(100), model.Layers.Skip(stop + 1));
        Tensor own = head.Predict(new Tensor(new TensorShape(1, 100), Array.ConvertAll(features, v => (float)v)));
        Tensor full = model.Predict(new Tensor(new TensorShape(1, 1, 28, 28), image));
        Assert.Equal(ArgMax(Array.ConvertAll(full.Data, v => (double)v)), ArgMax(Array.ConvertAll(own.Data, v => (double)v)));
        for (int i = 0; i < 10; i++)
        {
            Assert.True(Math.Abs(own.Data[i] - full.Data[i]) < 1e-2 * (1 + Math.Abs(full.Data[i])), $"logit {i}: {own.Data[i]} vs {full.Data[i]}");
        }
    }

    [Theory]
    [InlineData(Packing.Throughput)]
    [InlineData(Packing.Latency)]
    public void OneAndTwoThreads_BothMatchPlaintext(Packing packing)
    {
        var input = new TensorShape(1, 10, 10);
        var model = new Sequential(
            input, new Conv2d(1, 3, 3, stride: 2, padding: 1, seed: 1), new Slaf(new TensorShape(3, 5, 5)), new Flatten(), new Dense(75, 6, seed: 2));
        Randomize(model, 4);
        var plan = InferencePlan.Compile(model, Small(packing));
        int count = packing == Packing.Latency ? 1 : 4;
        float[] images = TestData.RandomArray(count * input.Length, 5);
        (double[] one, double[] plain) = Run(plan, images, count, threads: 1);
        (double[] two, _) = Run(plan, images, count, threads: 2);
        AssertWithinBound(one, plain, "1 thread");
        AssertWithinBound(two, plain, "2 threads");
    }

    [Fact]
    public void ThroughputServer_SeveralRequestsInARow_ReusesItsBuffersAndStaysCorrect()
    {
        // The throughput engine keeps a request's intermediate ciphertexts (some of size 3) for the next one: every
        // request must still decrypt to its own plaintext result, before and after ReleaseBuffers.
        var input = new TensorShape(1, 10, 10);
        var model = new Sequential(
            input, new Conv2d(1, 3, 3, stride: 2, padding: 1, seed: 1), new Slaf(new TensorShape(3, 5, 5)), new Flatten(),
            new Dense(75, 12, seed: 2), new Slaf(new TensorShape(12)), new Dense(12, 4, seed: 3));
        Randomize(model, 6);
        var plan = InferencePlan.Compile(model, Small(Packing.Throughput));
        using var client = new InferenceClient(plan, 2);
        var server = new InferenceServer(plan, client.CreateEvaluationKeys(), 2);
        for (int request = 0; request < 4; request++)
        {
            if (request == 2)
            {
                server.ReleaseBuffers();
            }

            int count = 3 + request;
            float[] images = TestData.RandomArray(count * input.Length, 10 + request);
            double[] encrypted = client.Decrypt(server.Evaluate(client.Encrypt(images)));
            double[] plain = new double[count * plan.OutputLength];
            for (int j = 0; j < count; j++)
            {
                plan.Forward(images.AsSpan(j * input.Length, input.Length)).CopyTo(plain, j * plan.OutputLength);
            }

            AssertWithinBound(encrypted, plain, $"request {request}");
        }
    }

    private static int ArgMax(double[] v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++)
        {
            best = v[i] > v[best] ? i : best;
        }

        return best;
    }
}
