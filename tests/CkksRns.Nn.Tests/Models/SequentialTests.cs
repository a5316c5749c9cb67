using CkksRns.Nn;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;
using Xunit;

namespace CkksRns.Nn.Tests.Models;

public sealed class SequentialTests
{
    /// <summary>A small network with every layer type, BatchNorm after both a Conv2d and a Dense.</summary>
    internal static Sequential SmallNetwork(ulong seed = 1)
    {
        var input = new TensorShape(1, 12, 12);
        return new Sequential(
            input,
            new Conv2d(1, 3, 3, stride: 1, padding: 1, seed: seed),
            new BatchNorm(3),
            new Slaf(new TensorShape(3, 12, 12), granularity: SlafGranularity.PerChannel),
            new AvgPool2d(2),
            new Conv2d(3, 4, 3, stride: 2, seed: seed + 1),
            new Relu(),
            new Flatten(),
            new Dense(4 * 2 * 2, 8, seed: seed + 2),
            new BatchNorm(8),
            new Slaf(new TensorShape(8), degree: 2),
            new Dense(8, 3, seed: seed + 3));
    }

    [Fact]
    public void Constructor_IncompatibleLayers_ThrowsWithLayerIndex()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Sequential(new TensorShape(1, 28, 28), new Conv2d(1, 5, 5, 2, 1), new Flatten(), new Dense(800, 10)));
        Assert.Contains("Layer 2", ex.Message);
        Assert.Contains("845", ex.Message);
    }

    [Fact]
    public void Constructor_SameLayerTwice_Throws()
    {
        var relu = new Relu();
        Assert.Throws<ArgumentException>(() => new Sequential(new TensorShape(4), relu, relu));
    }

    [Fact]
    public void Forward_WrongInputShape_Throws()
    {
        Sequential model = SmallNetwork();
        Assert.Throws<ArgumentException>(() => model.Forward(new Tensor(new TensorShape(2, 1, 10, 12)), training: false));
    }

    [Fact]
    public void FoldBatchNorm_PreservesInferenceOutputs()
    {
        Sequential model = SmallNetwork();
        // Give the BatchNorm layers non-trivial running statistics and affine parameters.
        for (int step = 0; step < 5; step++)
        {
            model.Forward(TestData.Random(new TensorShape(16, 1, 12, 12), 10 + step, scale: 2f), training: true);
        }

        foreach (BatchNorm bn in model.Layers.OfType<BatchNorm>())
        {
            TestData.Random(bn.Gamma.Value.Shape, 3).Data.Select(v => v + 1.2f).ToArray().CopyTo(bn.Gamma.Value.Data, 0);
            TestData.Random(bn.Beta.Value.Shape, 4).Data.CopyTo(bn.Beta.Value.Data, 0);
        }

        Sequential folded = model.FoldBatchNorm();
        Assert.Equal(model.Layers.Count - 2, folded.Layers.Count);
        Assert.DoesNotContain(folded.Layers, l => l is BatchNorm);
        Tensor x = TestData.Random(new TensorShape(7, 1, 12, 12), 20);
        Tensor expected = model.Predict(x), actual = folded.Predict(x);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected.Data[i] - actual.Data[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected.Data[i])), $"output {i}: {expected.Data[i]} vs {actual.Data[i]}");
        }
    }

    [Fact]
    public void FoldBatchNorm_BatchNormAfterActivation_Throws()
    {
        var model = new Sequential(new TensorShape(4), new Dense(4, 4), new Relu(), new BatchNorm(4));
        var ex = Assert.Throws<InvalidOperationException>(() => model.FoldBatchNorm());
        Assert.Contains("ReLU", ex.Message);
    }

    [Fact]
    public void SaveLoad_RoundTripsExactly()
    {
        Sequential model = SmallNetwork();
        model.Forward(TestData.Random(new TensorShape(8, 1, 12, 12), 30), training: true);
        model.Metadata["command"] = "ckksrns train --model test";
        model.Metadata["accuracy"] = "99.1 %";
        var slaf = (Slaf)model.Layers[2];
        slaf.RangePenalty = 0.25f;

        var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        Sequential loaded = Sequential.Load(stream);

        Assert.Equal(model.InputShape, loaded.InputShape);
        Assert.Equal(model.Layers.Select(l => l.ToString()), loaded.Layers.Select(l => l.ToString()));
        Assert.Equal(model.Metadata, loaded.Metadata);
        var before = model.Parameters.ToList();
        var after = loaded.Parameters.ToList();
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.True(before[i].Value.Data.AsSpan().SequenceEqual(after[i].Value.Data), $"parameter {i} ({before[i]}) differs");
        }

        var loadedSlaf = (Slaf)loaded.Layers[2];
        Assert.Equal(slaf.InputScale, loadedSlaf.InputScale);
        Assert.Equal(slaf.ObservedMaxAbsInput, loadedSlaf.ObservedMaxAbsInput);
        Assert.Equal(0.25f, loadedSlaf.RangePenalty);
        var bn = (BatchNorm)model.Layers[1];
        var loadedBn = (BatchNorm)loaded.Layers[1];
        Assert.True(bn.RunningMean.Data.AsSpan().SequenceEqual(loadedBn.RunningMean.Data));
        Assert.True(bn.RunningVariance.Data.AsSpan().SequenceEqual(loadedBn.RunningVariance.Data));

        Tensor x = TestData.Random(new TensorShape(3, 1, 12, 12), 31);
        Assert.True(model.Predict(x).Data.AsSpan().SequenceEqual(loaded.Predict(x).Data));

        // Saving the loaded model gives the same bytes.
        var again = new MemoryStream();
        loaded.Save(again);
        Assert.Equal(stream.ToArray(), again.ToArray());
    }

    [Fact]
    public void Load_AnySingleFlippedByte_ThrowsInvalidData()
    {
        byte[] bytes = Saved(SmallNetwork());
        var random = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] corrupt = (byte[])bytes.Clone();
            int index = trial < 60 ? trial : random.Next(bytes.Length);
            corrupt[index] ^= (byte)(1 << random.Next(8));
            Assert.Throws<InvalidDataException>(() => Sequential.Load(new MemoryStream(corrupt)));
        }
    }

    [Fact]
    public void Load_Truncated_ThrowsInvalidData()
    {
        byte[] bytes = Saved(SmallNetwork());
        foreach (int length in new[] { 0, 3, 4, 7, 20, 100, bytes.Length / 2, bytes.Length - 33, bytes.Length - 1 })
        {
            Assert.Throws<InvalidDataException>(() => Sequential.Load(new MemoryStream(bytes[..length])));
        }
    }

    [Fact]
    public void Load_HugeDeclaredSizes_ThrowsBeforeAllocating()
    {
        // Header with a valid magic and version, then a Dense layer that claims 2^20 × 2^20 weights.
        var stream = new MemoryStream();
        var w = new BinaryWriter(stream);
        w.Write("CKNN"u8);
        w.Write((ushort)1);
        w.Write((ushort)0);
        w.Write((byte)1);
        w.Write(1 << 20);
        w.Write(0);
        w.Write(1);
        w.Write((byte)2);
        w.Write(1 << 20);
        w.Write(1 << 20);
        w.Write((byte)1);
        var ex = Assert.Throws<InvalidDataException>(() => Sequential.Load(new MemoryStream(stream.ToArray())));
        Assert.Contains("at most", ex.Message);
    }

    [Theory]
    [InlineData(0, "Not a CkksRns model")]
    [InlineData(4, "version")]
    public void Load_BadHeader_NamesTheProblem(int offset, string expected)
    {
        byte[] bytes = Saved(SmallNetwork());
        bytes[offset] = 0x7F;
        var ex = Assert.Throws<InvalidDataException>(() => Sequential.Load(new MemoryStream(bytes)));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Load_NonFiniteParameter_ThrowsInvalidDataNamingTheTensor()
    {
        Sequential model = SmallNetwork();
        ((Dense)model.Layers[7]).Weight.Value.Data[5] = float.NaN;
        var ex = Assert.Throws<InvalidDataException>(() => Sequential.Load(new MemoryStream(Saved(model))));
        Assert.Contains("Dense weight", ex.Message);
        Assert.Contains("index 5", ex.Message);
    }

    [Fact]
    public void LoadFile_TrailingBytes_ThrowsInvalidData()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [.. Saved(SmallNetwork()), 0]);
            Assert.Throws<InvalidDataException>(() => Sequential.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BackwardPass_DegreeOfParallelism_DoesNotChangeBits()
    {
        float[][] Gradients(int threads)
        {
            Sequential model = SmallNetwork();
            model.DegreeOfParallelism = threads;
            Tensor x = TestData.Random(new TensorShape(16, 1, 12, 12), 40);
            Tensor y = model.Forward(x, training: true);
            model.ZeroGradients();
            model.Backward(TestData.Random(y.Shape, 41));
            return [.. model.Parameters.Select(p => p.Gradient.Data)];
        }

        float[][] one = Gradients(1), two = Gradients(2), four = Gradients(4);
        for (int i = 0; i < one.Length; i++)
        {
            Assert.True(one[i].AsSpan().SequenceEqual(two[i]), $"parameter {i} differs between 1 and 2 threads");
            Assert.True(one[i].AsSpan().SequenceEqual(four[i]), $"parameter {i} differs between 1 and 4 threads");
        }
    }

    [Fact]
    public void Summary_ListsLayersShapesParametersAndDepth()
    {
        Sequential model = SmallNetwork();
        string summary = model.Summary();
        Assert.Contains("Conv2d(1 → 3, 3×3, stride 1, padding 1)", summary);
        Assert.Contains("(3, 12, 12)", summary);
        Assert.Contains("n/a", summary);
        Assert.Equal(-1, model.MultiplicativeDepth);

        var polynomial = new Sequential(
            new TensorShape(1, 28, 28),
            new Conv2d(1, 5, 5, 2, 1), new Slaf(new TensorShape(5, 13, 13)), new Flatten(), new Dense(845, 100), new Slaf(new TensorShape(100)), new Dense(100, 10));
        Assert.Equal(1 + 2 + 0 + 1 + 2 + 1, polynomial.MultiplicativeDepth);
        Assert.Contains($"parameters: {(5 * 25) + 5 + (845 * 4) + (845 * 100) + 100 + 400 + 1010}", polynomial.Summary());
    }

    private static byte[] Saved(Sequential model)
    {
        var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }
}
