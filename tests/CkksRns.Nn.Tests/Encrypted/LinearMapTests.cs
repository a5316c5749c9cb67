using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Layers;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Nn.Tests.Encrypted;

public sealed class LinearMapTests
{
    private static double[] Forward(Layer layer, TensorShape shape, float[] x)
    {
        Tensor y = layer.Forward(new Tensor(shape.WithBatch(1), (float[])x.Clone()), training: false);
        return Array.ConvertAll(y.Data, v => (double)v);
    }

    private static double[] Apply(LinearMap map, float[] x)
    {
        double[] y = new double[map.OutputLength];
        map.Apply(Array.ConvertAll(x, v => (double)v), y);
        return y;
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what}: element {i} is {actual[i]}, expected {expected[i]}");
        }
    }

    [Fact]
    public void FromConv2d_RandomGeometry_MatchesLayerForward()
    {
        var cases = from c in Gen.Choose(1, 3)
                    from o in Gen.Choose(1, 4)
                    from k in Gen.Choose(1, 5)
                    from s in Gen.Choose(1, 3)
                    from p in Gen.Choose(0, k - 1)
                    from size in Gen.Choose(k, 12)
                    from seed in Gen.Choose(0, 10_000)
                    select (c, o, k, s, p, size, seed);
        Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var conv = new Conv2d(t.c, t.o, t.k, t.s, t.p, seed: (ulong)t.seed);
            TestData.RandomArray(t.o, t.seed + 1).CopyTo(conv.Bias!.Value.Data, 0);
            var shape = new TensorShape(t.c, t.size, t.size);
            float[] x = TestData.RandomArray(shape.Length, t.seed + 2);
            AssertClose(Forward(conv, shape, x), Apply(LinearMap.FromConv2d(conv, shape), x), 1e-5, conv.ToString());
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void FromDenseAndAvgPool_MatchLayerForward()
    {
        var dense = new Dense(37, 11, seed: 4);
        TestData.RandomArray(11, 5).CopyTo(dense.Bias!.Value.Data, 0);
        float[] x = TestData.RandomArray(37, 6);
        AssertClose(Forward(dense, new TensorShape(37), x), Apply(LinearMap.FromDense(dense), x), 1e-5, "dense");

        var pool = new AvgPool2d(2);
        var shape = new TensorShape(3, 8, 8);
        float[] image = TestData.RandomArray(shape.Length, 7);
        AssertClose(Forward(pool, shape, image), Apply(LinearMap.FromAvgPool(pool, shape), image), 1e-6, "avgpool");
    }

    [Fact]
    public void Then_ComposesLikeSequentialApplication()
    {
        var cases = from seed in Gen.Choose(0, 10_000)
                    from m in Gen.Choose(1, 9)
                    select (seed, m);
        Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var conv = new Conv2d(2, 3, 3, 2, 1, seed: (ulong)t.seed);
            var shape = new TensorShape(2, 7, 7);
            LinearMap first = LinearMap.FromConv2d(conv, shape);
            var dense = new Dense(first.OutputLength, t.m, seed: (ulong)t.seed + 1);
            TestData.RandomArray(t.m, t.seed).CopyTo(dense.Bias!.Value.Data, 0);
            LinearMap composed = first.Then(LinearMap.FromDense(dense));
            float[] x = TestData.RandomArray(shape.Length, t.seed + 3);
            double[] expected = Apply(LinearMap.FromDense(dense), Array.ConvertAll(Apply(first, x), v => (float)v));
            AssertClose(expected, Apply(composed, x), 1e-5, "composition");
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Channelwise_MatchesBatchNormInference()
    {
        var bn = new BatchNorm(3);
        TestData.RandomArray(3, 1, 2f).CopyTo(bn.Gamma.Value.Data, 0);
        TestData.RandomArray(3, 2).CopyTo(bn.Beta.Value.Data, 0);
        TestData.RandomArray(3, 3).CopyTo(bn.RunningMean.Data, 0);
        Array.Fill(bn.RunningVariance.Data, 2.5f);
        float[] scale = new float[3], shift = new float[3];
        bn.GetInferenceTransform(scale, shift);
        var shape = new TensorShape(3, 4, 4);
        float[] x = TestData.RandomArray(shape.Length, 4);
        AssertClose(Forward(bn, shape, x), Apply(LinearMap.Channelwise(shape, scale, shift), x), 1e-5, "batchnorm");
    }

    [Fact]
    public void Then_MismatchedLengths_Throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => LinearMap.Identity(3).Then(LinearMap.Identity(4)));
        Assert.Contains("3 outputs", ex.Message);
    }
}
