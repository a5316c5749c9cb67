using CkksRns.Ckks;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using static CkksRns.Nn.Tests.Encrypted.EncryptedTestKit;

namespace CkksRns.Nn.Tests.Encrypted;

/// <summary>
/// Each layer's encrypted forward pass against its plaintext forward pass (the plan's double-precision reference, itself
/// checked against the layers in <see cref="LinearMapTests"/> and <see cref="InferencePlanTests"/>), over random
/// weights and inputs, in both packings, within <see cref="EncryptedTestKit.RelativeBound"/>.
/// </summary>
public sealed class EncryptedLayerTests
{
    private static readonly Config Few = Config.QuickThrowOnFailure.WithMaxTest(4);

    private static void CheckLayer(Func<int, Sequential> build, TensorShape input, string name, int? primes = null, double relative = RelativeBound)
    {
        var cases = from seed in Gen.Choose(0, 100_000)
                    from packing in Gen.Elements(Packing.Latency, Packing.Throughput)
                    select (seed, packing);
        FsCheck.Check.One(Few, Prop.ForAll(cases.ToArbitrary(), c =>
        {
            Sequential model = build(c.seed);
            Randomize(model, c.seed);
            var plan = InferencePlan.Compile(model, Small(c.packing) with { PrimeCount = primes });
            int count = c.packing == Packing.Latency ? 1 : 3;
            float[] images = TestData.RandomArray(count * input.Length, c.seed + 1);
            (double[] encrypted, double[] plain) = Run(plan, images, count);
            AssertWithinBound(encrypted, plain, $"{name}, {c.packing}, seed {c.seed}", relative);
        }));
    }

    [Fact]
    public void Conv2d_EncryptedMatchesPlaintext()
    {
        var input = new TensorShape(2, 9, 9);
        CheckLayer(seed => new Sequential(input, new Conv2d(2, 3, 3, stride: 2, padding: 1 + (seed % 2), seed: (ulong)seed)), input, "conv2d");
    }

    [Fact]
    public void Dense_EncryptedMatchesPlaintext()
    {
        var input = new TensorShape(40);
        CheckLayer(seed => new Sequential(input, new Dense(40, 1 + (seed % 50), seed: (ulong)seed)), input, "dense");
    }

    [Fact]
    public void AvgPool2dAndBatchNorm_EncryptedMatchPlaintext()
    {
        var input = new TensorShape(2, 8, 8);
        CheckLayer(seed => new Sequential(input, new AvgPool2d(2), new BatchNorm(2)), input, "avgpool+batchnorm");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Slaf_EncryptedMatchesPlaintext(int degree)
    {
        var input = new TensorShape(3, 4, 4);
        CheckLayer(seed => new Sequential(input, new Slaf(input, degree, seed % 2 == 0 ? SlafGranularity.PerNeuron : SlafGranularity.PerChannel)), input, $"slaf{degree}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void SlafBeforeNarrowingDense_Throughput_HandsOverUnrelinearizedAndMatchesPlaintext(int degree)
    {
        // The SLAF's x²·t + v reaches the dense stage without a key switch (size 4 for degree 3, 3 for degree 2); the
        // dense stage relinearizes its 5 outputs instead of 30 neurons. A wider base prime than the default: the modulus
        // then holds the unrescaled result times the weights (and the output bound).
        var input = new TensorShape(30);
        var cases = from seed in Gen.Choose(0, 100_000) select seed;
        FsCheck.Check.One(Few, Prop.ForAll(cases.ToArbitrary(), seed =>
        {
            var model = new Sequential(input, new Slaf(input, degree, SlafGranularity.PerNeuron), new Dense(30, 5, seed: (ulong)seed));
            Randomize(model, seed);
            var plan = InferencePlan.Compile(model, Small(Packing.Throughput) with { ChainBitSizes = [48, 28, 28, 28] });
            ThroughputEngine.Deferral deferral = ThroughputEngine.PlanDeferral(plan, plan.Parameters);
            Assert.True(deferral.Deferred[0], "the SLAF before a narrowing dense stage is deferred");
            Assert.True(deferral.PendingScale[1] is not null);
            Assert.Equal(degree == 3 ? 4 : 3, plan.RelinearizationKeySize);
            string method = plan.Steps[0].Method;
            Assert.Contains("no key switch", method, StringComparison.Ordinal);
            Assert.Equal(degree == 3 && Array.IndexOf(ThroughputEngine.MonicNeurons((ActivationStage)plan.Stages[0]), true) >= 0, method.Contains("(x+β/2)²", StringComparison.Ordinal));
            float[] images = TestData.RandomArray(3 * input.Length, seed + 1);
            (double[] encrypted, double[] plain) = Run(plan, images, 3);
            AssertWithinBound(encrypted, plain, $"slaf{degree} then dense, seed {seed}");
        }));

        // Widening: nothing deferred, the key covers size 3 only.
        var widening = new Sequential(input, new Slaf(input, degree, SlafGranularity.PerNeuron), new Dense(30, 40, seed: 1));
        var widePlan = InferencePlan.Compile(widening, Small(Packing.Throughput) with { ChainBitSizes = [48, 28, 28, 28] });
        Assert.DoesNotContain(true, ThroughputEngine.PlanDeferral(widePlan, widePlan.Parameters).Deferred);
        Assert.Equal(3, widePlan.RelinearizationKeySize);
        Assert.Equal(3, InferencePlan.Compile(widening, Small(Packing.Latency)).RelinearizationKeySize);
    }

    [Fact]
    public void DeferredCubicSlaf_MonicAndGeneralNeurons_MatchPlaintext()
    {
        // A degree-3 SLAF before a narrowing dense stage: neurons with a large enough a3 take the monic form
        // a3·x·((x + β/2)² + κ) + a0, a3 and a0 moved into the dense weights and bias; the others (a3 shrunk below the
        // ratio here, one in three) keep x²·(a3·x + a2) + a1·x + a0. Both kinds meet in one multiply-accumulate at
        // different scales.
        var input = new TensorShape(30);
        var cases = from seed in Gen.Choose(0, 100_000) select seed;
        FsCheck.Check.One(Few, Prop.ForAll(cases.ToArbitrary(), seed =>
        {
            var model = new Sequential(input, new Slaf(input, 3, SlafGranularity.PerNeuron), new Dense(30, 5, seed: (ulong)seed));
            Randomize(model, seed);
            var plan = InferencePlan.Compile(model, Small(Packing.Throughput) with { ChainBitSizes = [48, 28, 28, 28] });
            var slaf = (ActivationStage)plan.Stages[0];
            for (int e = 0; e < slaf.Length; e++)
            {
                if (e % 3 == seed % 3)
                {
                    slaf.Coefficients[3][e] *= ThroughputEngine.MonicMinimumRatio / 64;
                }
            }

            bool[] monic = ThroughputEngine.MonicNeurons(slaf);
            ThroughputEngine.Deferral deferral = ThroughputEngine.PlanDeferral(plan, plan.Parameters);
            Assert.True(deferral.Deferred[0]);
            Assert.Contains(true, monic);
            Assert.Contains(false, monic);
            Assert.Equal(monic, deferral.Monic[0]);
            Assert.NotNull(deferral.ColumnFactors[1]);
            float[] images = TestData.RandomArray(3 * input.Length, seed + 1);
            (double[] encrypted, double[] plain) = Run(plan, images, 3);
            AssertWithinBound(encrypted, plain, $"monic and general neurons, seed {seed}");
        }));
    }

    [Fact]
    public void FusedMonicNeuron_EqualsTheEvaluatorSequence_BitForBit()
    {
        // The engine evaluates a monic neuron limb by limb; the result must be the very ciphertext the evaluator's
        // operations give: z = x + β/2, z·(K·z) at scale σ²K, rescale, + κ, z − β/2 dropped a level, times the square.
        var input = new TensorShape(6);
        var cases = from seed in Gen.Choose(0, 100_000)
                    from boost in Gen.Elements(1, 4)
                    from level in Gen.Choose(1, 3)
                    select (seed, boost, level);
        FsCheck.Check.One(Few, Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var model = new Sequential(input, new Slaf(input, 3, SlafGranularity.PerNeuron), new Dense(6, 5, seed: (ulong)c.seed));
            Randomize(model, c.seed);
            var plan = InferencePlan.Compile(model, Small(Packing.Throughput) with { ChainBitSizes = [48, 28, 28, 28] });
            var slaf = (ActivationStage)plan.Stages[0];
            var context = new CkksContext(plan.Parameters);
            var keys = new KeyGenerator(context);
            var encoder = new CkksEncoder(context);
            var encryptor = new Encryptor(context, keys.SecretKey);
            var evaluator = new Evaluator(context);
            double sigma = plan.Parameters.DefaultScale;
            var random = new Random(c.seed);
            double[] values = Enumerable.Range(0, context.Parameters.N / 2).Select(_ => (random.NextDouble() * 4) - 2).ToArray();
            Ciphertext x = encryptor.Encrypt(encoder.Encode(values, c.level, sigma));
            var scratch = new ThroughputEngine.LimbScratch();
            for (int j = 0; j < slaf.Length; j++)
            {
                var fused = new Ciphertext(context);
                ThroughputEngine.EvaluateSlafMonic(context, slaf, j, x, scratch, c.boost, fused);

                double a3 = slaf.Coefficient(3, j), beta = slaf.Coefficient(2, j) / a3, kappa = (slaf.Coefficient(1, j) / a3) - (beta * beta / 4);
                Ciphertext z = evaluator.Add(x, beta / 2);
                var boosted = new Ciphertext(context);
                evaluator.Multiply(z, 1, c.boost, boosted); // K·z at scale σ·K
                Ciphertext square = evaluator.Rescale(evaluator.Multiply(z, boosted));
                square = evaluator.Add(square, kappa);
                Ciphertext back = evaluator.DropLevel(evaluator.Subtract(z, beta / 2));
                Ciphertext expected = evaluator.Multiply(square, back);

                Assert.Equal(4, fused.Size);
                Assert.Equal(c.level - 1, fused.Level);
                Assert.Equal(expected.Scale, fused.Scale);
                Assert.True(Bytes(expected).AsSpan().SequenceEqual(Bytes(fused)), $"neuron {j} differs (seed {c.seed}, K = {c.boost}, level {c.level})");
            }
        }));
    }

    [Fact]
    public void FloatKernel_GivesTheIntegerKernelsCiphertexts_BitForBit()
    {
        // The linear stages' floating-point multiply-accumulate (exact integers in doubles) against the integer kernel on
        // the same encrypted batch: a convolution, a SLAF handed over to a narrowing dense layer (monic and general
        // neurons, size-4 inputs, weights above 2^19 split into digits), a SLAF and a last layer; with and without a wide
        // first prime (whose limb keeps the integer kernel).
        var input = new TensorShape(1, 10, 10);
        var cases = from seed in Gen.Choose(0, 100_000)
                    from lowScale in Gen.Elements<int?>(null, 18)
                    select (seed, lowScale);
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(2), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var model = new Sequential(
                input,
                new Conv2d(1, 5, 4, stride: 2, padding: 0, seed: (ulong)c.seed),
                new Slaf(new TensorShape(5, 4, 4), 3, SlafGranularity.PerNeuron),
                new Flatten(),
                new Dense(80, 10, seed: (ulong)c.seed + 1),
                new Slaf(new TensorShape(10), 3, SlafGranularity.PerNeuron),
                new Dense(10, 4, seed: (ulong)c.seed + 2));
            Randomize(model, c.seed);
            var plan = InferencePlan.Compile(model, Small(Packing.Throughput) with { LogInputScale = c.lowScale });
            using var client = new InferenceClient(plan, 2);
            EvaluationKeys keys = client.CreateEvaluationKeys();
            var evaluator = new Evaluator(keys.Context, keys.RelinearizationKey, keys.GaloisKeys);
            var request = client.Encrypt(TestData.RandomArray(3 * input.Length, c.seed + 1));
            var withFloat = new ThroughputEngine(plan, keys.Context, evaluator, 2, floatKernel: ThroughputEngine.FloatKernelUse.Always);
            var withInteger = new ThroughputEngine(plan, keys.Context, evaluator, 2, floatKernel: ThroughputEngine.FloatKernelUse.Never);
            Assert.Equal(System.Runtime.Intrinsics.X86.Fma.IsSupported, withFloat.FloatLinearStages.Count(f => f) == 3);
            Assert.DoesNotContain(true, withInteger.FloatLinearStages);
            Ciphertext[] a = withFloat.Evaluate([.. request.Ciphertexts], plan.Stages.Count);
            Ciphertext[] b = withInteger.Evaluate([.. request.Ciphertexts], plan.Stages.Count);
            Assert.Equal(b.Length, a.Length);
            for (int i = 0; i < a.Length; i++)
            {
                Assert.True(Bytes(b[i]).AsSpan().SequenceEqual(Bytes(a[i])), $"output {i} differs (seed {c.seed}, low scale {c.lowScale})");
            }
        }));
    }

    private static byte[] Bytes(Ciphertext c)
    {
        var stream = new MemoryStream();
        CkksRns.Ckks.Serialization.CkksSerializer.Save(c, stream, compress: false);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(null)]
    [InlineData(7)] // depth 7 (1 + 2 + 1 + 2 + 1) on 7 primes: the first convolution shares its SLAF's two 60-bit primes
    [InlineData(6)] // both convolutions fused with their SLAFs
    public void SmallCnn_EveryLayerKind_EncryptedMatchesPlaintext(int? primes)
    {
        var input = new TensorShape(1, 10, 10);
        CheckLayer(
            seed => new Sequential(
                input,
                new Conv2d(1, 3, 3, stride: 2, padding: 1, seed: (ulong)seed),
                new BatchNorm(3),
                new Slaf(new TensorShape(3, 5, 5)),
                new Conv2d(3, 4, 3, stride: 1, padding: 0, seed: (ulong)seed + 1),
                new Slaf(new TensorShape(4, 3, 3), 2),
                new Flatten(),
                new Dense(36, 7, seed: (ulong)seed + 2)),
            input,
            $"small cnn, {primes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"} primes",
            primes,
            NetworkBound); // several layers compound the error: the kit's stated whole-network bound applies
    }
}
