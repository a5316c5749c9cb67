using CkksRns.Ckks;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;
using Xunit;

namespace CkksRns.Nn.Tests.Encrypted;

public sealed class InferencePlanTests
{
    private static Sequential Cnn(Architecture a) => Networks.Create(a, ActivationKind.Slaf, 5);

    [Theory]
    [InlineData(Architecture.Cnn1, 7, new[] { 1, 2, 1, 2, 1 })]
    [InlineData(Architecture.Cnn2, 10, new[] { 1, 2, 1, 2, 1, 2, 1 })]
    public void Compile_Depths_PerStepAndTotal(Architecture architecture, int depth, int[] perStep)
    {
        // The latency packing, and the throughput packing on a chain given by the caller, rescale after every step.
        var options = new[]
        {
            new InferenceOptions { Packing = Packing.Latency },
            new InferenceOptions { Packing = Packing.Throughput, ChainBitSizes = [40, .. Enumerable.Repeat(28, depth)] },
        };
        foreach (InferenceOptions o in options)
        {
            var plan = InferencePlan.Compile(Cnn(architecture), o);
            Assert.Equal(depth, plan.Depth);
            Assert.Equal(perStep, plan.Steps.Select(s => s.Depth).ToArray());
            Assert.Equal(plan.Parameters.MaxLevel - depth, plan.OutputLevel);
            Assert.Equal(0, plan.OutputLevel);
        }
    }

    [Theory]
    [InlineData(Architecture.Cnn1, 7)]
    [InlineData(Architecture.Cnn2, 10)]
    public void Compile_ThroughputDefaultChain_LastDenseDoesNotRescaleAndEveryPrimeIsNarrow(Architecture architecture, int depth)
    {
        var plan = InferencePlan.Compile(Cnn(architecture), new InferenceOptions { Packing = Packing.Throughput });
        Assert.Equal(depth - 1, plan.Depth);
        Assert.Equal(0, plan.Steps[^1].Depth);
        Assert.Equal([ChainBuilder.NarrowBaseBits, ChainBuilder.NarrowBaseBits, .. Enumerable.Repeat(28, depth - 1)], plan.ChainBitSizes);
        Assert.All(plan.Parameters.Q, q => Assert.True(q < (1UL << ChainBuilder.NarrowBaseBits), $"q = {q}"));

        // The output stays at level 1: ±OutputBound at the output scale fits q_0·q_1 with the margin, and the last
        // stage's weights keep at least 2^18 of scale.
        Assert.Equal(1, plan.OutputLevel);
        double room = (double)plan.Parameters.Q[0] * plan.Parameters.Q[1];
        Assert.True(plan.OutputScale * plan.Options.OutputBound * 2 * (1 << ChainBuilder.OutputMarginBits) <= room * (1 + 1e-12));
        Assert.True(plan.OutputScale / plan.Stages[^1].InputScale >= Math.ScaleB(1, ScaleRules.MinConstantBits));
    }

    [Theory]
    [InlineData(Architecture.Cnn1, Packing.Throughput, 18)]
    [InlineData(Architecture.Cnn2, Packing.Throughput, 16)]
    public void Compile_LowScaleInput_FirstStageDoesNotRescaleAndTheChainIsOnePrimeShorter(Architecture architecture, Packing packing, int logInput)
    {
        var usual = InferencePlan.Compile(Cnn(architecture), new InferenceOptions { Packing = packing });
        var plan = InferencePlan.Compile(Cnn(architecture), new InferenceOptions { Packing = packing, LogInputScale = logInput });
        Assert.Equal(usual.Depth - 1, plan.Depth);
        Assert.Equal(usual.ChainBitSizes.Count - 1, plan.ChainBitSizes.Count);
        Assert.Equal(0, plan.Steps[0].Depth);
        Assert.Equal(plan.Parameters.MaxLevel, plan.Steps[1].InputLevel);
        Assert.Equal(usual.Steps.Skip(1).Select(s => s.Depth), plan.Steps.Skip(1).Select(s => s.Depth));

        // Inputs at 2^logInput, weights at the rest of the working scale, so the next step starts at Δ as usual.
        Assert.Equal(Math.ScaleB(1.0, logInput), plan.InputScale);
        Assert.Equal(usual.Scale, usual.InputScale);
        Assert.Equal(plan.Scale, plan.Stages[1].InputScale);
        Assert.Equal(plan.Scale / plan.InputScale, ((LinearStage)plan.Stages[0]).ConstantScale);
        Assert.Equal(usual.OutputScale, plan.OutputScale, 1e-9 * usual.OutputScale);
    }

    [Fact]
    public void Compile_LowScaleInput_Cnn1_AlsoHandsTheLastSlafOver()
    {
        // The default keeps 8 bits of headroom for a handover, which the SLAF before CNN1's last layer does not have; a
        // plan that traded precision for speed accepts 4.
        var usual = InferencePlan.Compile(Cnn(Architecture.Cnn1), new InferenceOptions { Packing = Packing.Throughput });
        var plan = InferencePlan.Compile(Cnn(Architecture.Cnn1), new InferenceOptions { Packing = Packing.Throughput, LogInputScale = 18 });
        Assert.Equal([false, true, false, false, false], ThroughputEngine.PlanDeferral(usual, usual.Parameters).Deferred);
        Assert.Equal([false, true, false, true, false], ThroughputEngine.PlanDeferral(plan, plan.Parameters).Deferred);
        Assert.Contains("no key switch", plan.Steps[3].Method);
    }

    [Fact]
    public void Compile_LowScaleInput_OutOfRangeOrNoLinearFirstStage_Refused()
    {
        var low = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(
            Cnn(Architecture.Cnn1), new InferenceOptions { Packing = Packing.Throughput, LogInputScale = InferenceOptions.MinLogInputScale - 1 }));
        Assert.Contains($"LogInputScale = {InferenceOptions.MinLogInputScale - 1} is out of range", low.Message);

        // Throughput's working scale is 2^28: the weights need 2^8, so 2^21 is the highest input scale.
        var high = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(
            Cnn(Architecture.Cnn1), new InferenceOptions { Packing = Packing.Throughput, LogInputScale = 21 }));
        Assert.Contains("at most 20", high.Message);
        InferencePlan.Compile(Cnn(Architecture.Cnn1), new InferenceOptions { Packing = Packing.Throughput, LogInputScale = 20 });

        var slafFirst = new Sequential(new TensorShape(4), new Slaf(new TensorShape(4), 3), new Dense(4, 2));
        var first = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(slafFirst, new InferenceOptions { Packing = Packing.Throughput, LogInputScale = 18 }));
        Assert.Contains("starts with a linear stage followed by another step", first.Message);

        var latency = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(Cnn(Architecture.Cnn1), new InferenceOptions { Packing = Packing.Latency, LogInputScale = 20 }));
        Assert.Contains("applies to the throughput packing only", latency.Message);

        var denseOnly = new Sequential(new TensorShape(4), new Dense(4, 2));
        Assert.Throws<ArgumentException>(() => InferencePlan.Compile(denseOnly, new InferenceOptions { Packing = Packing.Throughput, LogInputScale = 18 }));
    }

    [Fact]
    public void Compile_ThroughputDefaultChain_LargeOutputBound_KeepsTheWideBase()
    {
        // Outputs up to ±1000 do not fit two 29-bit primes with precise weights: the plan rescales after its last stage on a 40-bit q_0.
        var plan = InferencePlan.Compile(Cnn(Architecture.Cnn1), new InferenceOptions { Packing = Packing.Throughput, OutputBound = 1000 });
        Assert.Equal(7, plan.Depth);
        Assert.Equal(0, plan.OutputLevel);
        Assert.Equal([40, .. Enumerable.Repeat(28, 7)], plan.ChainBitSizes);

        // A bound of 200 (the CLI asks for twice the largest plaintext logit) still fits.
        var fits = InferencePlan.Compile(Cnn(Architecture.Cnn1), new InferenceOptions { Packing = Packing.Throughput, OutputBound = 200 });
        Assert.Equal(1, fits.OutputLevel);
    }

    [Fact]
    public void Compile_Cnn1Defaults_ChooseN16384At128BitsWithinTheBound()
    {
        var plan = InferencePlan.Compile(Cnn(Architecture.Cnn1));
        CkksParameters p = plan.Parameters;
        Assert.Equal(14, p.LogN);
        Assert.Equal(SecurityLevel.Bits128, p.SecurityLevel);
        Assert.True(p.LogQP <= 438);
        Assert.Equal(8, p.QCount); // base + 7 levels
        Assert.Equal([40, 30, 30, 30, 30, 30, 30, 30], plan.ChainBitSizes);
        Assert.NotEmpty(plan.RotationSteps);
        Assert.True(plan.NeedsRelinearizationKey);
        Assert.Equal(1, plan.BatchCapacity);
    }

    [Fact]
    public void Compile_Throughput_NoRotationsAndHalfNImagesPerRequest()
    {
        var plan = InferencePlan.Compile(Cnn(Architecture.Cnn1), new InferenceOptions { Packing = Packing.Throughput });
        Assert.Empty(plan.RotationSteps);
        Assert.Equal(plan.Parameters.Slots, plan.BatchCapacity);
        Assert.Equal(784, plan.InputCiphertextCount);
        Assert.Equal(10, plan.OutputCiphertextCount);
        Assert.All(plan.Steps, s => Assert.Equal(0, s.Rotations));
    }

    [Fact]
    public void Compile_BatchNormIsFolded_PlanForwardMatchesModel()
    {
        Sequential model = Cnn(Architecture.Cnn2);
        foreach (BatchNorm bn in model.Layers.OfType<BatchNorm>())
        {
            TestData.RandomArray(bn.Channels, bn.Channels, 0.5f).CopyTo(bn.RunningMean.Data, 0);
            Array.Fill(bn.RunningVariance.Data, 1.7f);
        }

        var plan = InferencePlan.Compile(model);
        Assert.Equal(7, plan.Steps.Count); // conv+bn, slaf, conv+bn, slaf, flatten+dense+bn, slaf, dense
        float[] image = TestData.RandomArray(784, 2);
        double[] expected = Array.ConvertAll(model.Predict(new Tensor(new TensorShape(1, 1, 28, 28), image)).Data, v => (double)v);
        double[] actual = plan.Forward(image);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-3 * (1 + Math.Abs(expected[i])), $"logit {i}: {actual[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Compile_ChainTooShort_RefusedSayingWhatIsMissing()
    {
        var ex = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(
            Cnn(Architecture.Cnn1), new InferenceOptions { ChainBitSizes = [40, 26, 26, 26, 26, 26], SpecialBitSizes = [40] }));
        Assert.Contains("6 data primes", ex.Message);
        Assert.Contains("needs 7 levels", ex.Message);
        Assert.Contains("2 more", ex.Message);
    }

    [Theory]
    [InlineData(Architecture.Cnn1, 3, 6)]
    [InlineData(Architecture.Cnn1, 5, 6)]
    [InlineData(Architecture.Cnn2, 7, 8)]
    public void Compile_TooFewPrimesEvenFused_RefusedWithTheMinimum(Architecture architecture, int primes, int minimum)
    {
        var ex = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(Cnn(architecture), new InferenceOptions { PrimeCount = primes }));
        Assert.Contains($"A chain of {primes} data primes cannot carry the plan", ex.Message);
        Assert.Contains($"at least {minimum} primes", ex.Message);
    }

    [Theory]
    [InlineData(6, new[] { 0, 2, 0, 2, 1 }, new[] { 40, 30, 60, 60, 60, 60 })]
    [InlineData(7, new[] { 0, 2, 1, 2, 1 }, new[] { 40, 30, 30, 30, 30, 60, 60 })]
    public void Compile_FewerPrimesThanLevels_FusesLinearLayersWithTheirSlaf(int primes, int[] depths, int[] chain)
    {
        var plan = InferencePlan.Compile(Cnn(Architecture.Cnn1), new InferenceOptions { PrimeCount = primes });
        Assert.Equal(depths, plan.Steps.Select(s => s.Depth).ToArray());
        Assert.Equal(chain, plan.ChainBitSizes);
        Assert.Equal(primes, plan.Parameters.QCount);
        Assert.Equal(0, plan.OutputLevel);
        Assert.Contains("fused (no rescale)", plan.Describe());
        Assert.Equal(Math.ScaleB(1, 30), plan.Steps[^1].OutputScaleBits is var b ? Math.ScaleB(1, (int)Math.Round(b)) : 0);
    }

    [Fact]
    public void Compile_Cnn2EightPrimesAtScale26_FitsN16384()
    {
        var plan = InferencePlan.Compile(Cnn(Architecture.Cnn2), new InferenceOptions { PrimeCount = 8, LogScale = 26 });
        Assert.Equal(14, plan.Parameters.LogN);
        Assert.Equal(7, plan.Depth);
        Assert.Equal(3, plan.Steps.Count(s => s.Depth == 0));
    }

    [Theory]
    [InlineData(8, new[] { 40 })]
    [InlineData(9, new[] { 20, 21 })]
    [InlineData(10, new[] { 20, 21, 22 })]
    public void Compile_PrimeCount_KeepsLevelsAndSplitsTheBase(int primes, int[] baseBits)
    {
        var plan = InferencePlan.Compile(Cnn(Architecture.Cnn1), new InferenceOptions { PrimeCount = primes });
        Assert.Equal(primes, plan.Parameters.QCount);
        Assert.Equal(baseBits, plan.ChainBitSizes.Take(baseBits.Length).ToArray());
        Assert.All(plan.ChainBitSizes.Skip(baseBits.Length), b => Assert.Equal(30, b));
        Assert.Equal(baseBits.Length - 1, plan.OutputLevel);
    }

    [Fact]
    public void Compile_ReferencePaperChain_Accepted()
    {
        (int[] data, int[] special) = ChainSpecification.Parse("40,26x11,40");
        var plan = InferencePlan.Compile(Cnn(Architecture.Cnn2), new InferenceOptions { ChainBitSizes = data, SpecialBitSizes = special });
        Assert.Equal(12, plan.Parameters.QCount);
        Assert.Equal(1, plan.Parameters.PCount);
        Assert.Equal(Math.ScaleB(1, 26), plan.Scale);
        Assert.Equal(1, plan.OutputLevel); // depth 10 of 11 levels
    }

    [Fact]
    public void Compile_LevelPrimeTooSmall_RefusedForPrecision()
    {
        var ex = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(
            Cnn(Architecture.Cnn1), new InferenceOptions { ChainBitSizes = [40, 26, 26, 18, 26, 26, 26, 26], SecurityLevel = SecurityLevel.None }));
        Assert.Contains("q_3 ", ex.Message);
        Assert.Contains("at least 20 bits", ex.Message);
    }

    [Fact]
    public void Compile_BaseTooSmallForTheOutputs_Refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(
            Cnn(Architecture.Cnn1), new InferenceOptions { ChainBitSizes = [20, 30, 30, 30, 30, 30, 30, 30], OutputBound = 1000, SecurityLevel = SecurityLevel.None }));
        Assert.Contains("base", ex.Message);
        Assert.Contains("±1000", ex.Message);
    }

    [Fact]
    public void Compile_OverTheSecurityBound_Refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(
            Cnn(Architecture.Cnn1), new InferenceOptions { LogN = 13 }));
        Assert.Contains("bound", ex.Message);
    }

    [Fact]
    public void Compile_Relu_RefusedWithAdvice()
    {
        var ex = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(Networks.Create(Architecture.Cnn1, ActivationKind.Relu, 1)));
        Assert.Contains("ReLU", ex.Message);
        Assert.Contains("--mode slaf", ex.Message);
    }

    [Fact]
    public void Compile_SlafDegree4_Refused()
    {
        Sequential model = Networks.Create(Architecture.Cnn1, ActivationKind.Slaf, 1, slafDegree: 4);
        var ex = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(model));
        Assert.Contains("degree 1 to 3", ex.Message);
    }

    [Fact]
    public void Compile_StopAfterLayer_TruncatesAndValidates()
    {
        Sequential model = Cnn(Architecture.Cnn1);
        var plan = InferencePlan.Compile(model, new InferenceOptions { StopAfterLayer = 4 });
        Assert.Equal(100, plan.OutputLength);
        Assert.Equal(6, plan.Depth);
        Assert.Equal(4, plan.LastLayer);
        var ex = Assert.Throws<ArgumentException>(() => InferencePlan.Compile(model, new InferenceOptions { StopAfterLayer = 6 }));
        Assert.Contains("layers 0 to 5", ex.Message);
    }

    [Fact]
    public void Describe_ListsParametersAndSteps()
    {
        string text = InferencePlan.Compile(Cnn(Architecture.Cnn1)).Describe();
        Assert.Contains("N = 2^14", text);
        Assert.Contains("log2(QP)", text);
        Assert.Contains("dnum", text);
        Assert.Contains("128-bit", text);
        Assert.Contains("slaf3(845)", text);
    }
}
