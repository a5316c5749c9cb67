using CkksRns.Nn.Kernels;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Nn.Tests.Kernels;

public sealed class GemmTests
{
    private static readonly GemmPath[] VectorPaths = [GemmPath.Vector128, GemmPath.Vector256, GemmPath.Vector512];

    [Fact]
    [Trait("Category", "Kernel")]
    public void Multiply_EveryVectorPath_BitIdenticalToScalar()
    {
        var sizes = Gen.Choose(1, 40).Three().Select(t => (M: t.Item1, N: t.Item2, K: t.Item3));
        var cases = from s in sizes
                    from transposed in Gen.Elements(false, true)
                    from accumulate in Gen.Elements(false, true)
                    from seed in Gen.Choose(0, 1_000_000)
                    select (s.M, s.N, s.K, transposed, accumulate, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            float[] expected = Compute(c.M, c.N, c.K, c.transposed, c.accumulate, c.seed, GemmPath.Scalar, 1);
            foreach (GemmPath path in VectorPaths)
            {
                float[] actual = Compute(c.M, c.N, c.K, c.transposed, c.accumulate, c.seed, path, 1);
                Assert.True(
                    expected.AsSpan().SequenceEqual(actual),
                    $"{path} differs from scalar for M={c.M} N={c.N} K={c.K} transposed={c.transposed} accumulate={c.accumulate}");
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    [Trait("Category", "Kernel")]
    public void Multiply_BestPath_BitIdenticalToScalarAtLayerSizes()
    {
        // Dense 845→100 forward with batch 64, and a Conv2d-shaped product with a long reduction.
        foreach ((int m, int n, int k) in new[] { (64, 100, 845), (5, 25, 2000), (100, 845, 64), (50, 1600, 125) })
        {
            float[] expected = Compute(m, n, k, false, true, 7, GemmPath.Scalar, 1);
            float[] actual = Compute(m, n, k, false, true, 7, Gemm.BestPath, 2);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"M={m} N={n} K={k}");
        }
    }

    [Fact]
    public void Multiply_Scalar_MatchesDoubleOracle()
    {
        var cases = Gen.Choose(1, 30).Three().SelectMany(t => Gen.Elements(false, true), (t, tr) => (t.Item1, t.Item2, t.Item3, tr));
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            (int m, int n, int k, bool transposed) = c;
            float[] a = TestData.RandomArray(m * k, 1), b = TestData.RandomArray(k * n, 2), cInit = TestData.RandomArray(m * n, 3);
            float[] result = (float[])cInit.Clone();
            Gemm.Multiply(Operands(a, b, result, m, n, k, transposed, accumulate: true), new ComputeContext(1), GemmPath.Scalar);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = cInit[(i * n) + j];
                    for (int p = 0; p < k; p++)
                    {
                        float aip = transposed ? a[(p * m) + i] : a[(i * k) + p];
                        s += (double)aip * b[(p * n) + j];
                    }

                    Assert.True(Math.Abs(s - result[(i * n) + j]) <= 1e-5 * (k + 1), $"C[{i},{j}] = {result[(i * n) + j]} vs {s}");
                }
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Multiply_DegreeOfParallelism_DoesNotChangeBits()
    {
        foreach (bool transposed in new[] { false, true })
        {
            float[] one = Compute(67, 203, 97, transposed, false, 11, Gemm.BestPath, 1);
            float[] two = Compute(67, 203, 97, transposed, false, 11, Gemm.BestPath, 2);
            float[] three = Compute(67, 203, 97, transposed, false, 11, Gemm.BestPath, 3);
            Assert.True(one.AsSpan().SequenceEqual(two));
            Assert.True(one.AsSpan().SequenceEqual(three));
        }
    }

    [Fact]
    public void Multiply_OperandTooShort_ThrowsArgumentException()
    {
        float[] a = new float[6], b = new float[6], c = new float[3];
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(new GemmOperands(a, 0, 3, 1, b, 0, 2, c, 0, 2, 2, 2, 3, accumulate: false), new ComputeContext(1)));
        Assert.Contains("C has 3 elements", ex.Message);
    }

    [Fact]
    public void Multiply_ZeroInnerDimension_ClearsOrKeeps()
    {
        float[] c = [1, 2, 3, 4];
        Gemm.Multiply(new GemmOperands([], 0, 0, 1, [], 0, 2, c, 0, 2, 2, 2, 0, accumulate: true), new ComputeContext(1));
        Assert.Equal([1f, 2, 3, 4], c);
        Gemm.Multiply(new GemmOperands([], 0, 0, 1, [], 0, 2, c, 0, 2, 2, 2, 0, accumulate: false), new ComputeContext(1));
        Assert.Equal([0f, 0, 0, 0], c);
    }

    private static GemmOperands Operands(float[] a, float[] b, float[] c, int m, int n, int k, bool transposed, bool accumulate) =>
        transposed
            ? new GemmOperands(a, 0, 1, m, b, 0, n, c, 0, n, m, n, k, accumulate)
            : new GemmOperands(a, 0, k, 1, b, 0, n, c, 0, n, m, n, k, accumulate);

    private static float[] Compute(int m, int n, int k, bool transposed, bool accumulate, int seed, GemmPath path, int threads)
    {
        float[] a = TestData.RandomArray(m * k, seed), b = TestData.RandomArray(k * n, seed + 1), c = TestData.RandomArray(m * n, seed + 2);
        Gemm.Multiply(Operands(a, b, c, m, n, k, transposed, accumulate), new ComputeContext(threads), path);
        return c;
    }
}
