using CkksRns.Nn;
using CkksRns.Nn.Layers;
using Xunit;

namespace CkksRns.Nn.Tests.Layers;

public sealed class Conv2dTests
{
    [Theory]
    [InlineData(1, 5, 5, 2, 1, 28)]
    [InlineData(5, 7, 5, 2, 0, 13)]
    [InlineData(2, 3, 3, 1, 1, 6)]
    [InlineData(3, 2, 2, 3, 0, 9)]
    public void Forward_MatchesDirectConvolution(int inC, int outC, int kernel, int stride, int padding, int size)
    {
        var conv = new Conv2d(inC, outC, kernel, stride, padding, hasBias: true, seed: 3);
        TestData.Random(conv.Bias!.Value.Shape, 4).Data.CopyTo(conv.Bias.Value.Data, 0);
        Tensor x = TestData.Random(new TensorShape(3, inC, size, size), 5);
        Tensor y = conv.Forward(x, training: false);
        int oh = ((size + (2 * padding) - kernel) / stride) + 1;
        Assert.Equal(new TensorShape(3, outC, oh, oh), y.Shape);
        float[] w = conv.Weight.Value.Data;
        for (int b = 0; b < 3; b++)
        {
            for (int o = 0; o < outC; o++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < oh; ox++)
                    {
                        double s = conv.Bias.Value.Data[o];
                        for (int c = 0; c < inC; c++)
                        {
                            for (int ky = 0; ky < kernel; ky++)
                            {
                                for (int kx = 0; kx < kernel; kx++)
                                {
                                    int iy = (oy * stride) + ky - padding, ix = (ox * stride) + kx - padding;
                                    if (iy >= 0 && iy < size && ix >= 0 && ix < size)
                                    {
                                        s += (double)w[(((((o * inC) + c) * kernel) + ky) * kernel) + kx] * x.Data[(((((b * inC) + c) * size) + iy) * size) + ix];
                                    }
                                }
                            }
                        }

                        float actual = y.Data[(((((b * outC) + o) * oh) + oy) * oh) + ox];
                        Assert.True(Math.Abs(s - actual) < 1e-4, $"y[{b},{o},{oy},{ox}] = {actual}, expected {s}");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(1, 5, 5, 2, 1, 12, true)]
    [InlineData(3, 4, 3, 2, 0, 9, false)]
    [InlineData(2, 3, 3, 1, 1, 5, true)]
    public void Backward_MatchesFiniteDifferences(int inC, int outC, int kernel, int stride, int padding, int size, bool hasBias)
    {
        var conv = new Conv2d(inC, outC, kernel, stride, padding, hasBias, seed: 9);
        GradientCheck.Run(conv, TestData.Random(new TensorShape(2, inC, size, size), 10), seed: 11);
    }

    [Fact]
    public void Forward_WrongChannelCount_ThrowsArgumentException()
    {
        var conv = new Conv2d(2, 3, 3);
        var ex = Assert.Throws<ArgumentException>(() => conv.Forward(new Tensor(new TensorShape(1, 1, 8, 8)), training: false));
        Assert.Contains("(2, H, W)", ex.Message);
    }

    [Fact]
    public void Constructor_PaddingNotBelowKernel_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 1, 3, padding: 3));

    [Fact]
    public void Backward_WithoutTrainingForward_ThrowsInvalidOperation()
    {
        var conv = new Conv2d(1, 2, 3);
        Tensor y = conv.Forward(new Tensor(new TensorShape(1, 1, 5, 5)), training: false);
        Assert.Throws<InvalidOperationException>(() => conv.Backward(y));
    }

    [Fact]
    public void Constructor_KaimingInitialisation_HasExpectedSpread()
    {
        var conv = new Conv2d(5, 50, 5, seed: 1);
        double variance = conv.Weight.Value.Data.Select(v => (double)v * v).Average();
        Assert.InRange(variance, 2.0 / 125 * 0.9, 2.0 / 125 * 1.1);
    }
}
