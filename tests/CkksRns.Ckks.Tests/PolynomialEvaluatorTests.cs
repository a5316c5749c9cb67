using FsCheck;
using FsCheck.Fluent;
using Xunit;
using Xunit.Abstractions;

namespace CkksRns.Ckks.Tests;

public sealed class PolynomialEvaluatorTests(ITestOutputHelper output)
{
    /// <summary>A context with its keys and helpers for polynomial evaluation.</summary>
    public sealed class Setup
    {
        public Setup(string name, CkksParametersLiteral literal)
        {
            Name = name;
            Context = new CkksContext(CkksParameters.Create(literal));
            Encoder = new CkksEncoder(Context);
            var generator = new KeyGenerator(Context);
            Encryptor = new Encryptor(Context, generator.CreatePublicKey());
            Decryptor = new Decryptor(Context, generator.SecretKey);
            Evaluator = new Evaluator(Context, generator.CreateRelinearizationKey());
            Polynomials = new PolynomialEvaluator(Evaluator);
        }

        public string Name { get; }

        public CkksContext Context { get; }

        public CkksEncoder Encoder { get; }

        public Encryptor Encryptor { get; }

        public Decryptor Decryptor { get; }

        public Evaluator Evaluator { get; }

        public PolynomialEvaluator Polynomials { get; }

        public int Slots => Context.Parameters.Slots;

        public double Scale => Context.Parameters.DefaultScale;

        public Ciphertext Encrypt(double[] values) => Encryptor.Encrypt(Encoder.Encode(values));

        public double[] Decrypt(Ciphertext ciphertext) => Encoder.DecodeReal(Decryptor.Decrypt(ciphertext));

        /// <summary>
        /// The allowed error of <paramref name="p"/> on inputs in its interval: fresh noise and each rescale or key switch
        /// add about <c>ε = 2^(log2 N + 5) / Δ</c> per slot (measured worst case; doubled here for margin). The input's
        /// noise reaches <c>c_k·T_k</c> amplified by the derivative, at most <c>k²</c> for <c>T_k</c> on <c>[-1, 1]</c> and
        /// <c>k</c> for <c>x^k</c> on <c>[-1, 1]</c>, and the <c>d + 1</c> terms and their products add their own rounding:
        /// <c>2ε·(2(d + 1) + Σ_k |c_k|·k^(1 or 2))</c>, times <paramref name="magnitude"/> for the change of variable.
        /// </summary>
        public double Bound(Polynomial p, double magnitude = 1)
        {
            double amplification = 2 * (p.Degree + 1);
            int slots = Math.Max(1, p.SlotCount);
            for (int k = 1; k <= p.Degree; k++)
            {
                double largest = 0;
                for (int j = 0; j < slots; j++)
                {
                    largest = Math.Max(largest, Math.Abs(p.Coefficient(k, j)));
                }

                amplification += largest * (p.Basis == PolynomialBasis.Chebyshev ? k * k : k);
            }

            return magnitude * amplification * Math.ScaleB(1.0, Context.Parameters.LogN + 6) / Scale;
        }
    }

    public static Setup Deep { get; } = new("N=2^11 L=5 scale 2^40", new CkksParametersLiteral
    {
        LogN = 11, LogQ = [55, 40, 40, 40, 40, 40], LogDefaultScale = 40, SecurityLevel = SecurityLevel.None,
    });

    public static Setup SmallScale { get; } = new("N=2^12 [40, 26x4] scale 2^26", new CkksParametersLiteral
    {
        LogN = 12, LogQ = [40, 26, 26, 26, 26], LogDefaultScale = 26, SecurityLevel = SecurityLevel.None,
    });

    public static TheoryData<string> Setups() => [Deep.Name, SmallScale.Name];

    private static Setup Get(string name) => name == Deep.Name ? Deep : SmallScale;

    private static Gen<double> Unit => Gen.Choose(-1_000_000, 1_000_000).Select(v => v / 1_000_000.0);

    private static double[] Random(int count, int seed, double magnitude = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (random.NextDouble() * 2 - 1) * magnitude).ToArray();
    }

    private void AssertMatches(Setup s, Polynomial p, double[] x, Ciphertext result, double bound, string what)
    {
        double[] expected = p.Evaluate(x);
        double[] actual = s.Decrypt(result);
        var stats = PrecisionStatistics.Compute(expected, actual);
        output.WriteLine($"{what}: {stats} (bound 2^{Math.Log2(bound):0.0})");
        Assert.True(stats.MaxError <= bound, $"{what}: {stats} exceeds the bound 2^{Math.Log2(bound):0.0}");
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public void Evaluate_RandomScalarCoefficients_BothBases_MatchPlaintextAtMinimalDepth(string name)
    {
        Setup s = Get(name);
        int maxDegree = (1 << s.Context.MaxLevel) - 1;
        var gen =
            from degree in Gen.Choose(1, Math.Min(7, maxDegree))
            from coefficients in Gen.ArrayOf(Unit, degree + 1)
            from chebyshev in Gen.Elements(true, false)
            from seed in Gen.Choose(0, 1000)
            select (coefficients, chebyshev, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(14), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            Polynomial p = t.chebyshev ? Polynomial.FromChebyshev(t.coefficients) : Polynomial.FromMonomial(t.coefficients);
            double[] x = Random(s.Slots, t.seed);
            Ciphertext cx = s.Encrypt(x);
            Ciphertext result = s.Polynomials.Evaluate(cx, p);
            Assert.Equal(cx.Level - p.Depth, result.Level);
            Assert.Equal(cx.Scale, result.Scale);
            AssertMatches(s, p, x, result, s.Bound(p), p.ToString());
        }));
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public void Evaluate_PerSlotCoefficients_BothBases_MatchPlaintextAtMinimalDepth(string name)
    {
        Setup s = Get(name);
        var gen =
            from degree in Gen.Choose(1, 7)
            from chebyshev in Gen.Elements(true, false)
            from length in Gen.Elements(s.Slots, s.Slots / 2, 100, 1)
            from seed in Gen.Choose(0, 1000)
            select (degree, chebyshev, length, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(10), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            double[][] coefficients = Enumerable.Range(0, t.degree + 1).Select(k => Random(t.length, t.seed * 31 + k)).ToArray();
            Polynomial p = t.chebyshev ? Polynomial.FromChebyshev(coefficients) : Polynomial.FromMonomial(coefficients);
            Assert.True(p.IsPerSlot);
            double[] x = Random(s.Slots, t.seed);
            Ciphertext cx = s.Encrypt(x);
            Ciphertext result = s.Polynomials.Evaluate(cx, p);
            Assert.Equal(cx.Level - p.Depth, result.Level);
            Assert.Equal(cx.Scale, result.Scale);
            AssertMatches(s, p, x, result, s.Bound(p), $"{p} length {t.length}");
        }));
    }

    [Fact]
    public void Evaluate_Degree3_AllZeroPatterns_ConsumeTheDepthOfTheirDegree()
    {
        Setup s = SmallScale;
        double[] x = Random(s.Slots, 3);
        Ciphertext cx = s.Encrypt(x);
        double[] values = [0.3, -0.7, 0.45, 0.9];
        for (int mask = 1; mask < 16; mask++)
        {
            double[] c = values.Select((v, i) => (mask & (1 << i)) != 0 ? v : 0).ToArray();
            foreach (bool chebyshev in new[] { false, true })
            {
                Polynomial p = chebyshev ? Polynomial.FromChebyshev(c) : Polynomial.FromMonomial(c);
                int degree = Array.FindLastIndex(c, v => v != 0);
                Assert.Equal(degree, p.Degree);
                int expectedDepth = degree == 0 ? 0 : (int)Math.Ceiling(Math.Log2(degree + 1));
                Assert.Equal(expectedDepth, p.Depth);
                Ciphertext result = s.Polynomials.Evaluate(cx, p);
                Assert.Equal(cx.Level - expectedDepth, result.Level);
                AssertMatches(s, p, x, result, s.Bound(p), $"mask {mask} {p}");
            }
        }
    }

    [Fact]
    public void Evaluate_DegreesUpTo31_ConsumeExactlyCeilLog2OfDegreePlusOne()
    {
        Setup s = Deep;
        double[] x = Random(s.Slots, 4);
        Ciphertext cx = s.Encrypt(x);
        foreach (int degree in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 11, 15, 16, 23, 31 })
        {
            // Coefficients decaying like a smooth function's, so that the values stay of magnitude about 1.
            double[] c = Random(degree + 1, degree).Select((v, k) => v / (k + 1)).ToArray();
            foreach (bool chebyshev in new[] { false, true })
            {
                Polynomial p = chebyshev ? Polynomial.FromChebyshev(c) : Polynomial.FromMonomial(c);
                Ciphertext result = s.Polynomials.Evaluate(cx, p);
                Assert.Equal((int)Math.Ceiling(Math.Log2(degree + 1)), cx.Level - result.Level);
                AssertMatches(s, p, x, result, s.Bound(p), p.ToString());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public void Evaluate_ChebyshevOnAnInterval_MatchesPlaintextWithoutAnExtraLevel(string name)
    {
        Setup s = Get(name);
        var gen =
            from a in Gen.Choose(-800, 100).Select(v => v / 100.0)
            from width in Gen.Choose(50, 1600).Select(v => v / 100.0)
            from degree in Gen.Choose(1, 7)
            from coefficients in Gen.ArrayOf(Unit, degree + 1)
            from seed in Gen.Choose(0, 1000)
            select (a, b: a + width, coefficients, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(10), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            Polynomial p = Polynomial.FromChebyshev(t.coefficients, t.a, t.b);
            var random = new Random(t.seed);
            double[] x = Enumerable.Range(0, s.Slots).Select(_ => t.a + random.NextDouble() * (t.b - t.a)).ToArray();
            Ciphertext cx = s.Encrypt(x);
            Ciphertext result = s.Polynomials.Evaluate(cx, p);
            Assert.Equal(cx.Level - p.Depth, result.Level);
            Assert.Equal(cx.Scale, result.Scale);
            // The input's absolute noise is amplified by the change of variable's factor α = 2/(b - a); a free change of
            // variable on a wide interval may cost up to 2 more bits.
            double alpha = 2 / (t.b - t.a);
            double magnitude = Math.Max(1, alpha) * (p.ChangeOfVariableCostsLevel ? 1 : 4);
            AssertMatches(s, p, x, result, s.Bound(p, magnitude), $"{p}");
        }));
    }

    [Fact]
    public void Evaluate_ChebyshevIntervals_DepthIsMinimalUnlessTheIntervalIsWide()
    {
        Setup s = Deep;
        double[] c = [0.3, -0.6, 0.2, 0.8];
        foreach ((double a, double b, bool costsLevel) in new[] { (-1.0, 1.0, false), (-0.25, 0.5, false), (-1.2, 1.2, false), (-2.0, 2.0, true), (-8.0, 8.0, true), (0.0, 30.0, true) })
        {
            Polynomial p = Polynomial.FromChebyshev(c, a, b);
            Assert.Equal(costsLevel, p.ChangeOfVariableCostsLevel);
            Assert.Equal(2 + (costsLevel ? 1 : 0), p.Depth);
            Assert.Equal(2, p.MinimalDepth);
            var random = new Random(12);
            double[] x = Enumerable.Range(0, s.Slots).Select(_ => a + random.NextDouble() * (b - a)).ToArray();
            Ciphertext cx = s.Encrypt(x);
            Ciphertext result = s.Polynomials.Evaluate(cx, p);
            Assert.Equal(cx.Level - p.Depth, result.Level);
            AssertMatches(s, p, x, result, s.Bound(p, Math.Max(1, 2 / (b - a)) * 4), p.ToString());
        }
    }

    [Fact]
    public void Evaluate_PrimesLargerThanTheScale_PowersKeepTheirPrecision()
    {
        // Scale 2^30 with 48-bit primes: without care, T_4's scale would fall to 2^(4·30 - 3·48) < 1.
        var s = new Setup("primes 2^48, scale 2^30", new CkksParametersLiteral
        {
            LogN = 11, LogQ = [55, 48, 48, 48], LogDefaultScale = 30, SecurityLevel = SecurityLevel.None,
        });
        double[] x = Random(s.Slots, 13);
        Ciphertext cx = s.Encrypt(x);
        foreach (bool chebyshev in new[] { false, true })
        {
            double[] c = [0.1, 0.5, -0.4, 0.3, 0.2, -0.1, 0.25, 0.6];
            Polynomial p = chebyshev ? Polynomial.FromChebyshev(c) : Polynomial.FromMonomial(c);
            Ciphertext result = s.Polynomials.Evaluate(cx, p);
            Assert.Equal(0, result.Level);
            Assert.Equal(cx.Scale, result.Scale);
            AssertMatches(s, p, x, result, s.Bound(p), p.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public void Evaluate_TargetScale_ResultHasExactlyThatScale(string name)
    {
        Setup s = Get(name);
        double[] x = Random(s.Slots, 5);
        Ciphertext cx = s.Encrypt(x);
        Polynomial p = Polynomial.FromMonomial([0.1, -0.5, 0.25, 1]);
        foreach (double factor in new[] { 0.5, 1.0, 3.0 })
        {
            double target = s.Scale * factor;
            Ciphertext result = s.Polynomials.Evaluate(cx, p, target);
            Assert.Equal(target, result.Scale);
            AssertMatches(s, p, x, result, s.Bound(p) / factor, $"target scale x{factor}");
        }
    }

    [Fact]
    public void Evaluate_InputAtLowerLevelAndOtherScale_Works()
    {
        Setup s = Deep;
        double[] x = Random(s.Slots, 6);
        Ciphertext cx = s.Encryptor.Encrypt(s.Encoder.Encode(x, 3, Math.ScaleB(1.0, 38)));
        Polynomial p = Polynomial.FromChebyshev([0.2, 0.9, -0.3, 0.6, 0.1, -0.2, 0.05, 0.3]);
        Ciphertext result = s.Polynomials.Evaluate(cx, p);
        Assert.Equal(0, result.Level);
        Assert.Equal(cx.Scale, result.Scale);
        AssertMatches(s, p, x, result, s.Bound(p) * 4, "level 3, scale 2^38");
    }

    [Fact]
    public void Evaluate_UniformVectorsAndScalars_AgreeWithinNoise()
    {
        Setup s = SmallScale;
        double[] x = Random(s.Slots, 7);
        Ciphertext cx = s.Encrypt(x);
        double[] c = [0.5, -0.25, 0.75, -1];
        Ciphertext scalar = s.Polynomials.Evaluate(cx, Polynomial.FromMonomial(c));
        Ciphertext vector = s.Polynomials.Evaluate(cx, Polynomial.FromMonomial(c.Select(v => Enumerable.Repeat(v, s.Slots).ToArray()).ToArray()));
        Assert.Equal(scalar.Level, vector.Level);
        var stats = PrecisionStatistics.Compute(s.Decrypt(scalar), s.Decrypt(vector));
        Assert.True(stats.MaxError <= 2 * s.Bound(Polynomial.FromMonomial(c)), stats.ToString());
    }

    [Fact]
    public void Evaluate_SamePerSlotPolynomialRepeatedly_StaysCorrectAtEveryLevel()
    {
        Setup s = SmallScale;
        double[][] c = Enumerable.Range(0, 4).Select(k => Random(s.Slots, 100 + k)).ToArray();
        Polynomial p = Polynomial.FromChebyshev(c, -3, 3);
        foreach (int level in new[] { 4, 4, 3, 4, 3 })
        {
            double[] x = Random(s.Slots, 200 + level).Select(v => 3 * v).ToArray();
            Ciphertext cx = s.Encryptor.Encrypt(s.Encoder.Encode(x, level, s.Scale));
            Ciphertext result = s.Polynomials.Evaluate(cx, p);
            Assert.Equal(level - p.Depth, result.Level);
            AssertMatches(s, p, x, result, s.Bound(p, 4), $"level {level}");
        }
    }

    [Fact]
    public void Evaluate_FromSeveralThreadsAtOnce_EveryResultIsCorrect()
    {
        Setup s = SmallScale;
        double[][] c = Enumerable.Range(0, 4).Select(k => Random(s.Slots, 300 + k)).ToArray();
        Polynomial p = Polynomial.FromMonomial(c);
        var polynomials = new PolynomialEvaluator(s.Evaluator);
        double[][] inputs = Enumerable.Range(0, 6).Select(i => Random(s.Slots, 400 + i)).ToArray();
        Ciphertext[] ciphertexts = inputs.Select(s.Encrypt).ToArray();
        var results = new Ciphertext[inputs.Length];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 3 }, i => results[i] = polynomials.Evaluate(ciphertexts[i], p));
        for (int i = 0; i < inputs.Length; i++)
        {
            AssertMatches(s, p, inputs[i], results[i], s.Bound(p), $"thread {i}");
        }
    }

    [Fact]
    public void Evaluate_Constant_ReturnsTheConstantAtTheSameLevel()
    {
        Setup s = SmallScale;
        Ciphertext cx = s.Encrypt(Random(s.Slots, 8));
        Polynomial p = Polynomial.FromMonomial([0.625, 0, 0]);
        Assert.Equal(0, p.Degree);
        Ciphertext result = s.Polynomials.Evaluate(cx, p);
        Assert.Equal(cx.Level, result.Level);
        Assert.All(s.Decrypt(result), v => Assert.Equal(0.625, v, 1e-6));
    }

    [Fact]
    public void Evaluate_DestinationIsTheInput_Works()
    {
        Setup s = SmallScale;
        double[] x = Random(s.Slots, 9);
        Ciphertext cx = s.Encrypt(x);
        Polynomial p = Polynomial.FromChebyshev([0.1, 0.2, 0.3, 0.4], -2, 2);
        s.Polynomials.Evaluate(cx, p, cx);
        AssertMatches(s, p, x, cx, s.Bound(p), "in place");
    }

    [Fact]
    public void Evaluate_NotEnoughLevels_ThrowsNamingTheDepth()
    {
        Setup s = SmallScale;
        Ciphertext cx = s.Evaluator.DropToLevel(s.Encrypt(Random(s.Slots, 10)), 1);
        var e = Assert.Throws<InvalidOperationException>(() => s.Polynomials.Evaluate(cx, Polynomial.FromMonomial([1, 1, 1, 1])));
        Assert.Contains("needs 2 levels", e.Message);
        Assert.Contains("level 1", e.Message);
    }

    [Fact]
    public void Evaluate_BadArguments_Throw()
    {
        Setup s = SmallScale;
        Ciphertext cx = s.Encrypt(Random(s.Slots, 11));
        Polynomial p = Polynomial.FromMonomial([1, 2]);
        Assert.Throws<ArgumentNullException>(() => s.Polynomials.Evaluate(null!, p));
        Assert.Throws<ArgumentNullException>(() => s.Polynomials.Evaluate(cx, null!));
        Assert.Throws<ArgumentException>(() => s.Polynomials.Evaluate(s.Evaluator.Multiply(cx, cx), p));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Polynomials.Evaluate(cx, p, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Polynomials.Evaluate(cx, p, -1));
        var tooLong = Polynomial.FromMonomial([new double[s.Slots + 1], new double[1]]);
        var e = Assert.Throws<ArgumentException>(() => s.Polynomials.Evaluate(cx, tooLong));
        Assert.Contains($"{s.Slots + 1} values", e.Message);
        Ciphertext other = Deep.Encrypt([1.0]);
        Assert.Throws<ArgumentException>(() => s.Polynomials.Evaluate(other, p));
        Assert.Throws<ArgumentNullException>(() => new PolynomialEvaluator(null!));
        var noRelin = new PolynomialEvaluator(new Evaluator(s.Context));
        Assert.Throws<InvalidOperationException>(() => noRelin.Evaluate(cx, Polynomial.FromMonomial([0, 0, 1])));
        // Degree 1 needs no relinearization.
        Assert.Equal(cx.Level - 1, noRelin.Evaluate(cx, p).Level);
    }
}
