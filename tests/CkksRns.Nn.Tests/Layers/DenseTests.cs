using CkksRns.Nn;
using CkksRns.Nn.Layers;
using Xunit;

namespace CkksRns.Nn.Tests.Layers;

public sealed class DenseTests
{
    [Fact]
    public void Forward_MatchesMatrixVectorProduct()
    {
        var dense = new Dense(37, 11, seed: 2);
        TestData.Random(dense.Bias!.Value.Shape, 3).Data.CopyTo(dense.Bias.Value.Data, 0);
        Tensor x = TestData.Random(new TensorShape(5, 37), 4);
        Tensor y = dense.Forward(x, training: false);
        for (int b = 0; b < 5; b++)
        {
            for (int o = 0; o < 11; o++)
            {
                double s = dense.Bias.Value.Data[o];
                for (int i = 0; i < 37; i++)
                {
                    s += (double)dense.Weight.Value.Data[(o * 37) + i] * x.Data[(b * 37) + i];
                }

                Assert.True(Math.Abs(s - y.Data[(b * 11) + o]) < 1e-5);
            }
        }
    }

    [Theory]
    [InlineData(23, 7, true)]
    [InlineData(40, 33, false)]
    public void Backward_MatchesFiniteDifferences(int inF, int outF, bool hasBias)
    {
        var dense = new Dense(inF, outF, hasBias, seed: 5);
        GradientCheck.Run(dense, TestData.Random(new TensorShape(3, inF), 6), seed: 7);
    }

    [Fact]
    public void Forward_AcceptsAnySampleShapeWithMatchingLength()
    {
        var dense = new Dense(12, 2);
        Tensor y = dense.Forward(TestData.Random(new TensorShape(2, 3, 2, 2), 1), training: false);
        Assert.Equal(new TensorShape(2, 2), y.Shape);
    }

    [Fact]
    public void Forward_WrongLength_ThrowsArgumentException()
    {
        var dense = new Dense(12, 2);
        var ex = Assert.Throws<ArgumentException>(() => dense.Forward(new Tensor(new TensorShape(2, 13)), training: false));
        Assert.Contains("12 elements", ex.Message);
    }
}
