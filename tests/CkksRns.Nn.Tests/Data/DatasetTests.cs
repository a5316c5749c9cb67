using CkksRns.Nn;
using CkksRns.Nn.Data;
using CkksRns.Nn.Training;
using Xunit;

namespace CkksRns.Nn.Tests.Data;

public sealed class DatasetTests
{
    [Fact]
    public void Constructor_LengthMismatch_ThrowsWithNumbers()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Dataset(new TensorShape(2, 2), new float[7], new byte[2], 3));
        Assert.Contains("need 8 values; got 7", ex.Message);
    }

    [Fact]
    public void Constructor_LabelNotBelowClassCount_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Dataset(new TensorShape(1), new float[2], [0, 3], 3));
        Assert.Contains("Label 3 of sample 1", ex.Message);
    }

    [Fact]
    public void Take_CopiesPrefix()
    {
        var data = new Dataset(new TensorShape(2), [1, 2, 3, 4, 5, 6], [0, 1, 0], 2);
        Dataset first = data.Take(2);
        Assert.Equal([1f, 2, 3, 4], first.Samples);
        Assert.Equal([0, 1], first.Labels);
        first.Samples[0] = 9;
        Assert.Equal(1f, data.Samples[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Take(4));
    }

    [Fact]
    public void TrainingOptions_OutOfRange_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { Epochs = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { MaxLearningRate = double.NaN }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { AugmentShift = 9 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlafOptions { Degree = 9 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlafOptions { RangeBound = 0 }.Validate());
    }
}
