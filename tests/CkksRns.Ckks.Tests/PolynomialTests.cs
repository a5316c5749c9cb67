using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Ckks.Tests;

public sealed class PolynomialTests
{
    private static Gen<double> Unit => Gen.Choose(-1_000_000, 1_000_000).Select(v => v / 1_000_000.0);

    [Fact]
    public void Evaluate_Monomial_MatchesTheSumOfPowers()
    {
        var gen = from c in Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Unit, n)) from x in Unit select (c, x);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            double expected = t.c.Select((v, k) => v * Math.Pow(t.x, k)).Sum();
            Assert.Equal(expected, Polynomial.FromMonomial(t.c).Evaluate(t.x), 1e-12);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Evaluate_Chebyshev_MatchesTheTrigonometricDefinition()
    {
        var gen =
            from c in Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Unit, n))
            from a in Gen.Choose(-500, 0).Select(v => v / 100.0)
            from width in Gen.Choose(10, 1000).Select(v => v / 100.0)
            from t in Gen.Choose(0, 1000).Select(v => v / 1000.0)
            select (c, a, b: a + width, x: a + t * width);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            double y = Math.Clamp((2 * t.x - t.a - t.b) / (t.b - t.a), -1, 1);
            double expected = t.c.Select((v, k) => v * Math.Cos(k * Math.Acos(y))).Sum();
            Assert.Equal(expected, Polynomial.FromChebyshev(t.c, t.a, t.b).Evaluate(t.x), 1e-9);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Degree_IgnoresTrailingZerosInEverySlot()
    {
        Assert.Equal(2, Polynomial.FromMonomial([1, 2, 3, 0, 0]).Degree);
        Assert.Equal(0, Polynomial.FromMonomial([5, 0]).Degree);
        Assert.Equal(0, Polynomial.FromMonomial([5, 0]).Depth);
        Assert.Equal(3, Polynomial.FromMonomial([[1.0], [0.0, 0.0], [0.0], [0.0, 2.0], [0.0, 0.0]]).Degree);
        Assert.Equal(2, Polynomial.FromMonomial([[1.0], [0.0, 0.0], [0.0], [0.0, 2.0], [0.0, 0.0]]).Depth);
        for (int d = 1; d <= 64; d++)
        {
            var c = new double[d + 1];
            c[d] = 1;
            Assert.Equal((int)Math.Ceiling(Math.Log2(d + 1)), Polynomial.FromChebyshev(c).Depth);
        }
    }

    [Fact]
    public void PerSlot_ShortVectorsAreZeroPadded()
    {
        var p = Polynomial.FromMonomial([[1.0, 2.0], [3.0]]);
        Assert.Equal(2, p.SlotCount);
        Assert.Equal(1 + 3 * 0.5, p.Evaluate(0.5, 0));
        Assert.Equal(2, p.Evaluate(0.5, 1));
        Assert.Equal(0, p.Evaluate(0.5, 7));
        Assert.Equal([2.5, 2.0, 0.0], p.Evaluate([0.5, 0.5, 0.5]));
    }

    [Fact]
    public void Factories_InvalidInput_Throw()
    {
        Assert.Throws<ArgumentException>(() => Polynomial.FromMonomial(ReadOnlySpan<double>.Empty));
        Assert.Throws<ArgumentException>(() => Polynomial.FromMonomial([1, double.NaN]));
        Assert.Throws<ArgumentException>(() => Polynomial.FromChebyshev([1, double.PositiveInfinity]));
        Assert.Throws<ArgumentException>(() => Polynomial.FromChebyshev([1, 2], 1, 1));
        Assert.Throws<ArgumentException>(() => Polynomial.FromChebyshev([1, 2], 2, -2));
        Assert.Throws<ArgumentException>(() => Polynomial.FromChebyshev([1, 2], double.NegativeInfinity, 0));
        Assert.Throws<ArgumentNullException>(() => Polynomial.FromMonomial((IReadOnlyList<double[]>)null!));
        Assert.Throws<ArgumentNullException>(() => Polynomial.FromMonomial([[1.0], null!]));
        Assert.Throws<ArgumentException>(() => Polynomial.FromMonomial(Array.Empty<double[]>()));
        Assert.Throws<ArgumentException>(() => Polynomial.FromMonomial([[1.0], []]));
        Assert.Throws<ArgumentException>(() => Polynomial.FromChebyshev([[1.0], [double.NaN]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Polynomial.FromMonomial([1, 2]).Coefficient(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Polynomial.FromMonomial([1, 2]).Evaluate(0, -1));
    }

    [Fact]
    public void FromVectors_CopiesItsInput()
    {
        double[] c1 = [1, 2];
        var p = Polynomial.FromMonomial([new double[] { 0 }, c1]);
        c1[0] = 100;
        Assert.Equal(1, p.Coefficient(1, 0));
    }

    [Fact]
    public void BuildPlan_EveryDegree_ReachesTheMinimalDepth()
    {
        var random = new Random(1);
        for (int degree = 1; degree <= 100; degree++)
        {
            foreach (PolynomialBasis basis in new[] { PolynomialBasis.Monomial, PolynomialBasis.Chebyshev })
            {
                double[] c = Enumerable.Range(0, degree + 1).Select(_ => random.NextDouble() + 0.1).ToArray();
                Polynomial p = basis == PolynomialBasis.Monomial ? Polynomial.FromMonomial(c) : Polynomial.FromChebyshev(c);
                Assert.Equal(p.Depth, PolynomialEvaluator.BuildPlan(p, 1024).Depth);
            }
        }
    }

    [Fact]
    public void PowerDepth_IsCeilLog2()
    {
        Assert.Equal(0, PolynomialEvaluator.PowerDepth(1));
        Assert.Equal(1, PolynomialEvaluator.PowerDepth(2));
        Assert.Equal(2, PolynomialEvaluator.PowerDepth(3));
        Assert.Equal(2, PolynomialEvaluator.PowerDepth(4));
        Assert.Equal(3, PolynomialEvaluator.PowerDepth(5));
        Assert.Equal(10, PolynomialEvaluator.PowerDepth(1024));
        Assert.Equal(11, PolynomialEvaluator.PowerDepth(1025));
    }
}
