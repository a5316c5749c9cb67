using FsCheck;
using FsCheck.Fluent;
using Xunit;
using Xunit.Abstractions;

namespace CkksRns.Ckks.Tests;

public sealed class LinearTransformTests(ITestOutputHelper output)
{
    // N = 2^11 (1024 slots), three data primes: one level for the transform and one spare.
    private static readonly CkksContext Context = new(CkksParameters.Create(new CkksParametersLiteral
    {
        LogN = 11, LogQ = [50, 40, 40], LogDefaultScale = 40, SecurityLevel = SecurityLevel.None,
    }));

    private static readonly CkksEncoder Encoder = new(Context);
    private static readonly KeyGenerator Generator = new(Context);
    private static readonly Encryptor Encryptor = new(Context, Generator.CreatePublicKey());
    private static readonly Decryptor Decryptor = new(Context, Generator.SecretKey);
    private static readonly Dictionary<string, Evaluator> Evaluators = [];

    private static int Slots => Context.Parameters.Slots;

    private static double Scale => Context.Parameters.DefaultScale;

    /// <summary>An evaluator with Galois keys for exactly <paramref name="steps"/> (cached per step set).</summary>
    private static Evaluator EvaluatorFor(IReadOnlyList<int> steps)
    {
        string key = string.Join(",", steps);
        lock (Evaluators)
        {
            if (!Evaluators.TryGetValue(key, out Evaluator? evaluator))
            {
                evaluator = new Evaluator(Context, galoisKeys: Generator.CreateGaloisKeys(steps));
                Evaluators[key] = evaluator;
            }

            return evaluator;
        }
    }

    private static double[,] RandomMatrix(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var m = new double[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                m[r, c] = random.NextDouble() * 2 - 1;
            }
        }

        return m;
    }

    private static double[] RandomVector(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.NextDouble() * 2 - 1).ToArray();
    }

    private static double[] Multiply(double[,] m, double[] x)
    {
        var y = new double[m.GetLength(0)];
        for (int r = 0; r < y.Length; r++)
        {
            for (int c = 0; c < m.GetLength(1); c++)
            {
                y[r] += m[r, c] * x[c];
            }
        }

        return y;
    }

    /// <summary>
    /// The allowed error for a transform with <paramref name="terms"/> non-zero diagonals of entries at most 1 in magnitude
    /// on inputs at most 1: each key switch, product and rescale adds about <c>ε = 2^(log2 N + 5) / Δ</c> (measured worst
    /// case); the terms' independent noises, weighted by the diagonals' entries, add up like a random walk
    /// (<c>√terms·ε</c>), and the final rescale adds one more: <c>(2√terms + 2)·ε</c> (a factor 2 of margin).
    /// </summary>
    private static double Bound(int terms) => (2 * Math.Sqrt(terms) + 2) * Math.ScaleB(1.0, Context.Parameters.LogN + 5) / Scale;

    private Ciphertext Run(LinearTransform transform, double[] x, Evaluator? evaluator = null, bool rescale = true)
    {
        Ciphertext input = Encryptor.Encrypt(Encoder.Encode(transform.PackInput(x), transform.Level, Scale));
        Ciphertext result = transform.Evaluate(evaluator ?? EvaluatorFor(transform.RequiredRotations), input, rescale);
        Assert.Equal(rescale ? input.Level - 1 : input.Level, result.Level);
        if (rescale)
        {
            Assert.Equal(input.Scale, result.Scale, input.Scale * 1e-12);
        }

        return result;
    }

    private void AssertMatrixResult(LinearTransform transform, double[,] m, double[] x, Ciphertext result, string what)
    {
        double[] slots = Encoder.DecodeReal(Decryptor.Decrypt(result));
        double[] expected = Multiply(m, x);
        var stats = PrecisionStatistics.Compute(expected, transform.UnpackOutput(slots));
        double bound = Bound(transform.DiagonalIndices.Count);
        output.WriteLine($"{what}: {transform}: {stats} (bound 2^{Math.Log2(bound):0.0})");
        Assert.True(stats.MaxError <= bound, $"{what}: {stats} exceeds 2^{Math.Log2(bound):0.0}");

        // The output is replicated with period n, zeros beyond the rows.
        int n = transform.BlockSize;
        for (int start = 0; start < Slots; start += n)
        {
            for (int r = 0; r < n; r++)
            {
                double want = r < expected.Length ? expected[r] : 0;
                Assert.True(Math.Abs(slots[start + r] - want) <= bound, $"{what}: slot {start + r} is {slots[start + r]}, expected {want}");
            }
        }
    }

    [Fact]
    public void Evaluate_RandomSquareMatrices_MatchPlaintextWithExactlyTheRequiredKeys()
    {
        var gen = from n in Gen.Elements(1, 2, 3, 4, 5, 8, 12, 16, 31, 32, 64) from seed in Gen.Choose(0, 10_000) select (n, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(12), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            double[,] m = RandomMatrix(t.n, t.n, t.seed);
            double[] x = RandomVector(t.n, t.seed + 1);
            var transform = new LinearTransform(Context, m);
            Assert.Equal((int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)t.n), transform.BlockSize);
            AssertMatrixResult(transform, m, x, Run(transform, x), $"{t.n}x{t.n}");
        }));
    }

    [Fact]
    public void Evaluate_RandomRectangularMatrices_MatchPlaintext()
    {
        var gen =
            from rows in Gen.Choose(1, 70)
            from columns in Gen.Choose(1, 70)
            from seed in Gen.Choose(0, 10_000)
            select (rows, columns, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(10), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            double[,] m = RandomMatrix(t.rows, t.columns, t.seed);
            double[] x = RandomVector(t.columns, t.seed + 1);
            var transform = new LinearTransform(Context, m);
            Assert.Equal(t.rows, transform.Rows);
            Assert.Equal(t.columns, transform.Columns);
            AssertMatrixResult(transform, m, x, Run(transform, x), $"{t.rows}x{t.columns}");
        }));
    }

    [Fact]
    public void Evaluate_FullSlotMatrix_MatchesPlaintext()
    {
        double[,] m = RandomMatrix(Slots, Slots, 7);
        double[] x = RandomVector(Slots, 8);
        var transform = new LinearTransform(Context, m);
        Assert.Equal(Slots, transform.BlockSize);
        AssertMatrixResult(transform, m, x, Run(transform, x), "full");
    }

    [Fact]
    public void Evaluate_NarrowPrimes_LazySumsMatchPlaintext()
    {
        // 30-bit primes take the 64-bit lazy accumulation path (reduced every 8 products), the 40-bit ones the
        // 128-bit path; the transforms below have up to 256 diagonals per giant step, so both fold many times.
        var narrow = new CkksContext(CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 11, LogQ = [40, 30, 30], LogDefaultScale = 30, SecurityLevel = SecurityLevel.None,
        }));
        var encoder = new CkksEncoder(narrow);
        var generator = new KeyGenerator(narrow);
        var encryptor = new Encryptor(narrow, generator.CreatePublicKey());
        var decryptor = new Decryptor(narrow, generator.SecretKey);
        double scale = narrow.Parameters.DefaultScale;
        var gen = from n in Gen.Elements(3, 16, 64, 256) from babies in Gen.Elements(1, 4, 16) from seed in Gen.Choose(0, 10_000) select (n, babies, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(6), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            double[,] m = RandomMatrix(t.n, t.n, t.seed);
            double[] x = RandomVector(t.n, t.seed + 1);
            var transform = new LinearTransform(narrow, m, babySteps: Math.Min(t.babies, t.n));
            var evaluator = new Evaluator(narrow, galoisKeys: generator.CreateGaloisKeys(transform.RequiredRotations));
            Ciphertext input = encryptor.Encrypt(encoder.Encode(transform.PackInput(x), transform.Level, scale));
            Ciphertext result = transform.Evaluate(evaluator, input);
            double[] y = transform.UnpackOutput(encoder.DecodeReal(decryptor.Decrypt(result)));
            var stats = PrecisionStatistics.Compute(Multiply(m, x), y);
            double bound = (2 * Math.Sqrt(transform.DiagonalIndices.Count) + 2) * Math.ScaleB(1.0, narrow.Parameters.LogN + 5) / scale;
            output.WriteLine($"narrow {transform}: {stats} (bound 2^{Math.Log2(bound):0.0})");
            Assert.True(stats.MaxError <= bound, $"{transform}: {stats} exceeds 2^{Math.Log2(bound):0.0}");
        }));
    }

    /// <summary>
    /// Double hoisting on every key-switching layout (one or several special primes, one or several primes per digit, narrow
    /// primes): random matrices, baby-step counts and input levels, with a key for every required step, or with keys for a
    /// random part of them (the others composed from the power-of-two keys, which divides those rotations by P on their own).
    /// </summary>
    [Fact]
    public void Evaluate_EveryKeySwitchingLayoutWithAllOrSomeKeys_MatchesPlaintext()
    {
        var gen =
            from setup in Gen.Elements(TestSetup.All.ToArray())
            from n in Gen.Elements(4, 16, 64)
            from babies in Gen.Elements(1, 2, 4, 8)
            from allKeys in Gen.Elements(true, false)
            from lower in Gen.Elements(true, false)
            from seed in Gen.Choose(0, 10_000)
            select (setup, n, babies, allKeys, lower, seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(12), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            CkksContext context = t.setup.Context;
            double scale = t.setup.Scale;
            double[,] m = RandomMatrix(t.n, t.n, t.seed);
            double[] x = RandomVector(t.n, t.seed + 1);
            var transform = new LinearTransform(context, m, babySteps: Math.Min(t.babies, t.n));
            var random = new Random(t.seed);
            List<int> steps = t.allKeys ? [.. transform.RequiredRotations] : [.. transform.RequiredRotations.Where(_ => random.Next(2) == 0)];
            for (int power = 1; !t.allKeys && power < t.n; power *= 2)
            {
                steps.Add(power); // the composed rotations' building blocks
            }

            var evaluator = new Evaluator(context, galoisKeys: t.setup.Generator.CreateGaloisKeys([.. steps.Distinct()]));
            int level = t.lower ? context.MaxLevel - 1 : context.MaxLevel;
            Ciphertext input = t.setup.Encryptor.Encrypt(t.setup.Encoder.Encode(transform.PackInput(x), level, scale));
            Ciphertext result = transform.Evaluate(evaluator, input);
            Assert.Equal(level - 1, result.Level);
            double[] y = transform.UnpackOutput(t.setup.Decrypt(result));

            // At the lower level the diagonals' scale q_L is not the prime divided out, so the result carries the factor q_L/q_ℓ.
            double factor = t.lower ? transform.Scale / context.Parameters.Q[level] : 1;
            for (int i = 0; i < y.Length; i++)
            {
                y[i] /= factor;
            }

            var stats = PrecisionStatistics.Compute(Multiply(m, x), y);
            double bound = (2 * Math.Sqrt(transform.DiagonalIndices.Count) + 2) * Math.ScaleB(1.0, context.Parameters.LogN + 5) / scale;
            output.WriteLine($"{t.setup.Name} {transform} keys {(t.allKeys ? "all" : string.Join(",", steps))} level {level}: {stats} (bound 2^{Math.Log2(bound):0.0})");
            Assert.True(stats.MaxError <= bound, $"{t.setup.Name} {transform}: {stats} exceeds 2^{Math.Log2(bound):0.0}");
        }));
    }

    [Fact]
    public void Evaluate_EveryBabyStepCount_GivesTheSameResult()
    {
        const int n = 16;
        double[,] m = RandomMatrix(n, n, 9);
        double[] x = RandomVector(n, 10);
        foreach (int babySteps in new[] { 1, 2, 3, 4, 5, 8, 16 })
        {
            var transform = new LinearTransform(Context, m, babySteps: babySteps);
            Assert.Equal(babySteps, transform.BabyStepCount);
            foreach (int k in transform.DiagonalIndices)
            {
                int baby = k % babySteps, giant = k - baby;
                Assert.True(baby == 0 || transform.RequiredRotations.Contains(baby), $"baby step {baby} of diagonal {k} is not required");
                Assert.True(giant == 0 || transform.RequiredRotations.Contains(giant), $"giant step {giant} of diagonal {k} is not required");
            }

            AssertMatrixResult(transform, m, x, Run(transform, x), $"n1 = {babySteps}");
        }
    }

    [Fact]
    public void RequiredRotations_DefaultChoice_IsAboutTwiceTheSquareRoot()
    {
        foreach (int n in new[] { 4, 16, 64, 256, 1024 })
        {
            var transform = new LinearTransform(Context, RandomMatrix(n, n, n));
            Assert.Equal(n, transform.DiagonalIndices.Count);
            Assert.True(transform.RequiredRotations.Count <= 3 * Math.Sqrt(n), $"{transform}");
            Assert.All(transform.RequiredRotations, step => Assert.InRange(step, 1, n - 1));
            output.WriteLine(transform.ToString());
        }
    }

    [Fact]
    public void Evaluate_DiagonalMatrix_NeedsNoRotationKeys()
    {
        const int n = 8;
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            m[i, i] = i - 3.5;
        }

        var transform = new LinearTransform(Context, m);
        Assert.Equal([0], transform.DiagonalIndices);
        Assert.Empty(transform.RequiredRotations);
        double[] x = RandomVector(n, 11);
        AssertMatrixResult(transform, m, x, Run(transform, x, new Evaluator(Context)), "diagonal");
    }

    [Fact]
    public void Evaluate_SparseDiagonalsOverAllSlots_MatchPlaintext()
    {
        var gen =
            from count in Gen.Choose(1, 12)
            from indices in Gen.ArrayOf(Gen.Choose(-Slots + 1, Slots - 1), count)
            from seed in Gen.Choose(0, 10_000)
            select (indices: indices.DistinctBy(k => ((k % Slots) + Slots) % Slots).ToArray(), seed);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(8), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var random = new Random(t.seed);
            var diagonals = t.indices.ToDictionary(k => k, k => RandomVector(random.Next(1, Slots + 1), random.Next()));
            var transform = LinearTransform.FromDiagonals(Context, diagonals);
            double[] x = RandomVector(Slots, t.seed + 1);
            Ciphertext result = Run(transform, x);
            var expected = new double[Slots];
            foreach ((int index, double[] d) in diagonals)
            {
                int k = ((index % Slots) + Slots) % Slots;
                for (int j = 0; j < d.Length; j++)
                {
                    expected[j] += d[j] * x[(j + k) % Slots];
                }
            }

            var stats = PrecisionStatistics.Compute(expected, Encoder.DecodeReal(Decryptor.Decrypt(result)));
            Assert.True(stats.MaxError <= Bound(diagonals.Count), $"{transform}: {stats}");
        }));
    }

    [Fact]
    public void Evaluate_ChainedTransforms_ComposeTheMatrices()
    {
        const int n = 32;
        double[,] a = RandomMatrix(20, n, 12), b = RandomMatrix(10, 20, 13);
        double[] x = RandomVector(n, 14);
        var first = new LinearTransform(Context, a);
        var second = new LinearTransform(Context, b, level: first.Level - 1);
        Assert.Equal(first.BlockSize, second.BlockSize);
        var evaluator = EvaluatorFor([.. first.RequiredRotations.Union(second.RequiredRotations).Order()]);
        Ciphertext y = second.Evaluate(evaluator, first.Evaluate(evaluator, Encryptor.Encrypt(Encoder.Encode(first.PackInput(x)))));
        Assert.Equal(Context.MaxLevel - 2, y.Level);
        double[] expected = Multiply(b, Multiply(a, x));
        var stats = PrecisionStatistics.Compute(expected, second.UnpackOutput(Encoder.DecodeReal(Decryptor.Decrypt(y))));
        Assert.True(stats.MaxError <= 20 * Bound(n), stats.ToString());
    }

    [Fact]
    public void Evaluate_WithoutRescaleOrAtALowerLevel_HasTheDocumentedScale()
    {
        const int n = 8;
        double[,] m = RandomMatrix(n, n, 15);
        double[] x = RandomVector(n, 16);
        var transform = new LinearTransform(Context, m);
        Ciphertext input = Encryptor.Encrypt(Encoder.Encode(transform.PackInput(x)));
        Ciphertext unscaled = transform.Evaluate(EvaluatorFor(transform.RequiredRotations), input, rescale: false);
        Assert.Equal(input.Level, unscaled.Level);
        Assert.Equal(input.Scale * transform.Scale, unscaled.Scale);
        AssertMatrixResult(transform, m, x, unscaled, "no rescale");

        Ciphertext lower = Evaluator(transform).DropToLevel(input, 1);
        Ciphertext result = transform.Evaluate(EvaluatorFor(transform.RequiredRotations), lower);
        Assert.Equal(0, result.Level);
        Assert.Equal(lower.Scale * transform.Scale / Context.Parameters.Q[1], result.Scale, result.Scale * 1e-12);
        AssertMatrixResult(transform, m, x, result, "lower level");

        static Evaluator Evaluator(LinearTransform t) => EvaluatorFor(t.RequiredRotations);
    }

    [Fact]
    public void Evaluate_FromSeveralThreadsAtOnce_EveryResultIsCorrect()
    {
        double[,] m = RandomMatrix(32, 32, 20);
        var transform = new LinearTransform(Context, m);
        Evaluator evaluator = EvaluatorFor(transform.RequiredRotations);
        double[][] inputs = Enumerable.Range(0, 6).Select(i => RandomVector(32, 21 + i)).ToArray();
        Ciphertext[] ciphertexts = inputs.Select(x => Encryptor.Encrypt(Encoder.Encode(transform.PackInput(x)))).ToArray();
        var results = new Ciphertext[inputs.Length];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 3 }, i => results[i] = transform.Evaluate(evaluator, ciphertexts[i]));
        for (int i = 0; i < inputs.Length; i++)
        {
            AssertMatrixResult(transform, m, inputs[i], results[i], $"thread {i}");
        }
    }

    [Fact]
    public void Evaluate_OneOrSeveralThreads_GivesBitIdenticalCiphertexts()
    {
        // With several threads the giant-step rotations are shared out between threads; modular sums are exact, so the
        // ciphertext must be the same word for word as the single-threaded one (and decrypt to the product).
        var context = new CkksContext(Context.Parameters, maxDegreeOfParallelism: 1);
        var generator = new KeyGenerator(context);
        double[,] m = RandomMatrix(64, 64, 22);
        double[] x = RandomVector(64, 23);
        var transform = new LinearTransform(context, m, babySteps: 4);
        Assert.True(transform.RequiredRotations.Count >= 4, transform.ToString());
        var evaluator = new Evaluator(context, galoisKeys: generator.CreateGaloisKeys(transform.RequiredRotations));
        Ciphertext input = new Encryptor(context, generator.SecretKey).Encrypt(new CkksEncoder(context).Encode(transform.PackInput(x)));
        Ciphertext sequential = transform.Evaluate(evaluator, input);
        foreach (int threads in new[] { 2, 3, 5 })
        {
            context.MaxDegreeOfParallelism = threads;
            Ciphertext parallel = transform.Evaluate(evaluator, input);
            Assert.Equal(sequential.Scale, parallel.Scale);
            for (int p = 0; p < 2; p++)
            {
                Assert.True(sequential[p].ContentEquals(parallel[p]), $"{threads} threads: polynomial {p} differs");
            }
        }

        double[] expected = Enumerable.Range(0, 64).Select(r => Enumerable.Range(0, 64).Sum(c => m[r, c] * x[c])).ToArray();
        double[] decoded = new CkksEncoder(context).DecodeReal(new Decryptor(context, generator.SecretKey).Decrypt(sequential));
        for (int r = 0; r < 64; r++)
        {
            Assert.True(Math.Abs(decoded[r] - expected[r]) <= Bound(64), $"row {r}: {decoded[r]} vs {expected[r]}");
        }
    }

    [Fact]
    public void Evaluate_ZeroMatrixAndRepeatedCalls_GiveZeroThenTheProduct()
    {
        // The all-zero matrix has no diagonal: the result is an encryption of zero at the documented level and scale.
        var zero = new LinearTransform(Context, new double[4, 4]);
        Ciphertext z = Run(zero, [1, 2, 3, 4]);
        Assert.All(Encoder.DecodeReal(Decryptor.Decrypt(z)), v => Assert.True(Math.Abs(v) <= Bound(1), $"{v}"));

        // A transform evaluated again reuses its pooled buffers: every call is still correct (different inputs).
        double[,] m = RandomMatrix(16, 16, 21);
        var transform = new LinearTransform(Context, m, babySteps: 4);
        for (int call = 0; call < 3; call++)
        {
            double[] x = RandomVector(16, 30 + call);
            AssertMatrixResult(transform, m, x, Run(transform, x), $"call {call}");
        }
    }

    [Fact]
    public void Evaluate_DestinationIsTheInput_Works()
    {
        double[,] m = RandomMatrix(16, 16, 17);
        double[] x = RandomVector(16, 18);
        var transform = new LinearTransform(Context, m);
        Ciphertext c = Encryptor.Encrypt(Encoder.Encode(transform.PackInput(x)));
        transform.Evaluate(EvaluatorFor(transform.RequiredRotations), c, c);
        AssertMatrixResult(transform, m, x, c, "in place");
    }

    [Fact]
    public void Constructors_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => new LinearTransform(null!, new double[1, 1]));
        Assert.Throws<ArgumentNullException>(() => new LinearTransform(Context, null!));
        Assert.Throws<ArgumentException>(() => new LinearTransform(Context, new double[0, 3]));
        var e = Assert.Throws<ArgumentException>(() => new LinearTransform(Context, new double[Slots + 1, 2]));
        Assert.Contains($"{Slots + 1}x2", e.Message);
        var nan = new double[2, 2];
        nan[1, 0] = double.NaN;
        e = Assert.Throws<ArgumentException>(() => new LinearTransform(Context, nan));
        Assert.Contains("[1, 0]", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearTransform(Context, new double[2, 2], level: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearTransform(Context, new double[2, 2], scale: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearTransform(Context, new double[2, 2], babySteps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearTransform(Context, new double[2, 2], babySteps: Slots + 1));

        Assert.Throws<ArgumentException>(() => LinearTransform.FromDiagonals(Context, new Dictionary<int, double[]>()));
        Assert.Throws<ArgumentNullException>(() => LinearTransform.FromDiagonals(Context, new Dictionary<int, double[]> { [0] = null! }));
        e = Assert.Throws<ArgumentException>(() => LinearTransform.FromDiagonals(Context, new Dictionary<int, double[]> { [1] = [1.0], [1 - Slots] = [2.0] }));
        Assert.Contains("same", e.Message);
        Assert.Throws<ArgumentException>(() => LinearTransform.FromDiagonals(Context, new Dictionary<int, double[]> { [0] = new double[Slots + 1] }));
        Assert.Throws<ArgumentException>(() => LinearTransform.FromDiagonals(Context, new Dictionary<int, double[]> { [0] = [double.PositiveInfinity] }));

        var transform = new LinearTransform(Context, new double[3, 5]);
        Assert.Throws<ArgumentException>(() => transform.PackInput(new double[6]));
        Assert.Throws<ArgumentException>(() => transform.UnpackOutput(new double[2]));
    }

    [Fact]
    public void Evaluate_InvalidInputs_Throw()
    {
        var transform = new LinearTransform(Context, RandomMatrix(4, 4, 19), level: 1);
        Evaluator evaluator = EvaluatorFor(transform.RequiredRotations);
        Ciphertext top = Encryptor.Encrypt(Encoder.Encode([1.0, 2.0]));
        var e = Assert.Throws<ArgumentException>(() => transform.Evaluate(evaluator, top));
        Assert.Contains("level 2", e.Message);
        Ciphertext atOne = evaluator.DropToLevel(top, 1);
        Assert.Throws<ArgumentException>(() => transform.Evaluate(evaluator, new Evaluator(Context, Generator.CreateRelinearizationKey()).Multiply(atOne, atOne)));
        Ciphertext atZero = evaluator.DropToLevel(top, 0);
        Assert.Throws<InvalidOperationException>(() => transform.Evaluate(evaluator, atZero));
        Assert.Equal(0, transform.Evaluate(evaluator, atZero, rescale: false).Level);
        Assert.Throws<ArgumentNullException>(() => transform.Evaluate(null!, atOne));
        Assert.Throws<ArgumentNullException>(() => transform.Evaluate(evaluator, null!));
        Assert.Throws<InvalidOperationException>(() => transform.Evaluate(new Evaluator(Context), atOne));
        var otherContext = new CkksContext(Context.Parameters);
        Assert.Throws<ArgumentException>(() => transform.Evaluate(new Evaluator(otherContext), atOne));
    }
}
