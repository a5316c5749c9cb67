using CkksRns.Nn;
using CkksRns.Nn.Layers;
using Xunit;

namespace CkksRns.Nn.Tests.Layers;

public sealed class SimpleLayerTests
{
    [Fact]
    public void AvgPool2d_Forward_AveragesWindows()
    {
        var pool = new AvgPool2d(2);
        var x = new Tensor(new TensorShape(1, 1, 4, 4), Enumerable.Range(0, 16).Select(i => (float)i).ToArray());
        Tensor y = pool.Forward(x, training: false);
        Assert.Equal(new TensorShape(1, 1, 2, 2), y.Shape);
        Assert.Equal([2.5f, 4.5f, 10.5f, 12.5f], y.Data);
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(2, 1)]
    public void AvgPool2d_Backward_MatchesFiniteDifferences(int kernel, int stride) =>
        GradientCheck.Run(new AvgPool2d(kernel, stride), TestData.Random(new TensorShape(2, 3, 7, 7), 1), seed: 2);

    [Fact]
    public void Relu_Backward_MatchesFiniteDifferences()
    {
        // Keep inputs away from the kink at 0 so that the central difference is exact.
        Tensor x = TestData.Random(new TensorShape(4, 30), 3);
        for (int i = 0; i < x.Length; i++)
        {
            x.Data[i] += MathF.Sign(x.Data[i]) * 0.1f;
        }

        GradientCheck.Run(new Relu(), x, seed: 4, epsilon: 1e-3);
    }

    [Fact]
    public void Relu_Forward_ClampsNegatives()
    {
        var x = new Tensor(new TensorShape(1, 4), [-2f, -0f, 0.5f, 3f]);
        Assert.Equal([0f, 0f, 0.5f, 3f], new Relu().Forward(x, training: false).Data);
        Assert.Equal(-1, new Relu().MultiplicativeDepth);
    }

    [Fact]
    public void Flatten_ForwardAndBackward_ReshapeWithoutCopy()
    {
        var flatten = new Flatten();
        Tensor x = TestData.Random(new TensorShape(2, 3, 2, 2), 5);
        Tensor y = flatten.Forward(x, training: true);
        Assert.Equal(new TensorShape(2, 12), y.Shape);
        Assert.Same(x.Data, y.Data);
        Tensor dx = flatten.Backward(y);
        Assert.Equal(x.Shape, dx.Shape);
        GradientCheck.Run(flatten, x, seed: 6);
    }

    [Fact]
    public void TensorShape_InvalidDimensions_Throw()
    {
        Assert.Throws<ArgumentException>(() => new TensorShape(3, 0));
        Assert.Throws<ArgumentException>(() => new TensorShape(65536, 65536));
        Assert.Throws<ArgumentException>(() => new TensorShape([]));
        Assert.Equal("(5, 13, 13)", new TensorShape(5, 13, 13).ToString());
        Assert.Equal(new TensorShape(64, 5, 13, 13), new TensorShape(5, 13, 13).WithBatch(64));
    }

    [Fact]
    public void Tensor_WrapWrongLength_Throws() =>
        Assert.Throws<ArgumentException>(() => new Tensor(new TensorShape(2, 3), new float[5]));
}
