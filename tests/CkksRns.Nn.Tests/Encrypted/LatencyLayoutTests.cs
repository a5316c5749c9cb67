using CkksRns.Ckks;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Nn.Tests.Encrypted;

/// <summary>
/// The latency layout checked without encryption: the slot operations (rotations, slot-wise products, folds) simulated on
/// plain vectors must reproduce every linear stage exactly (up to double rounding).
/// </summary>
public sealed class LatencyLayoutTests
{
    private static double[] Rotate(double[] x, int step)
    {
        int s = x.Length;
        double[] y = new double[s];
        for (int j = 0; j < s; j++)
        {
            y[j] = x[(((j + step) % s) + s) % s];
        }

        return y;
    }

    private static double[] Add(double[] a, double[] b) => [.. a.Zip(b, (u, v) => u + v)];

    private static double[] Fold(double[] y, SlotFold fold)
    {
        double[] result = new double[y.Length];
        for (int b = 0; b < fold.Count; b++)
        {
            result = Add(result, Rotate(y, b * fold.Stride));
        }

        return result;
    }

    /// <summary>Simulates <see cref="DiagonalTransform"/> on a slot vector.</summary>
    internal static double[] Simulate(DiagonalTransform t, double[] x, double[] bias)
    {
        if (t.ReplicateStep != 0)
        {
            x = Add(x, Rotate(x, t.ReplicateStep));
        }

        double[] y = new double[x.Length];
        foreach ((int k, double[] d) in t.Diagonals)
        {
            double[] r = Rotate(x, k);
            for (int j = 0; j < y.Length; j++)
            {
                y[j] += d[j] * r[j];
            }
        }

        if (t.PostRotation != 0)
        {
            y = Rotate(y, t.PostRotation);
        }

        return Add(Fold(y, t.Fold), bias);
    }

    [Fact]
    public void SlotFold_SumsTheBlocks_WithTheAdvertisedRotationCount()
    {
        Prop.ForAll(Gen.Choose(1, 40).ToArbitrary(), count =>
        {
            var fold = new SlotFold(3, count);
            double[] y = [.. Enumerable.Range(0, 256).Select(i => (double)((i * 7) % 11))];
            double[] folded = Fold(y, fold);
            for (int j = 0; j < 3; j++)
            {
                double expected = Enumerable.Range(0, count).Sum(b => y[j + (3 * b)]);
                Assert.Equal(expected, folded[j]);
            }

            int steps = fold.Steps().Count();
            Assert.Equal(fold.RotationCount, count <= 1 ? 0 : steps);
            Assert.True(fold.Steps().All(s => s > 0 && s < count * 3));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void GenericAndWide_RandomDenseMaps_ReproduceTheMatrix()
    {
        var cases = from m in Gen.Choose(1, 40)
                    from n in Gen.Choose(1, 60)
                    from seed in Gen.Choose(0, 100_000)
                    select (m, n, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            const int slots = 256;
            var dense = new Dense(c.n, c.m, seed: (ulong)c.seed);
            LinearMap map = LinearMap.FromDense(dense);
            double[] x = new double[slots];
            float[] v = TestData.RandomArray(c.n, c.seed);
            for (int i = 0; i < c.n; i++)
            {
                x[i] = v[i];
            }

            double[] expected = new double[c.m];
            map.Apply(x.AsSpan(0, c.n), expected);
            double[] bias = new double[slots];
            map.Bias.CopyTo(bias, 0);
            var entries = new List<(int, int, double)>();
            for (int r = 0; r < c.m; r++)
            {
                for (int e = map.RowStart[r]; e < map.RowStart[r + 1]; e++)
                {
                    entries.Add((r, map.Columns[e], map.Values[e]));
                }
            }

            foreach (DiagonalTransform? t in new[] { DiagonalTransform.Generic(slots, entries), DiagonalTransform.Wide(slots, map) })
            {
                if (t is null)
                {
                    continue;
                }

                double[] y = Simulate(t, x, bias);
                for (int r = 0; r < c.m; r++)
                {
                    Assert.True(Math.Abs(y[r] - expected[r]) < 1e-9, $"{t.Method}: row {r} is {y[r]}, expected {expected[r]}");
                }

                Assert.Equal(t.RotationCount, t.RotationSteps().Count());
            }
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData(Architecture.Cnn1, 12)]
    [InlineData(Architecture.Cnn2, 13)]
    public void Layout_OfCnn_ReproducesEveryLinearStageInSlots(Architecture architecture, int logN)
    {
        Sequential model = Networks.Create(architecture, ActivationKind.Slaf, 11);
        var plan = InferencePlan.Compile(model, new InferenceOptions { Packing = Packing.Latency, SecurityLevel = SecurityLevel.None, LogN = logN });
        LatencyLayout layout = plan.Layout!;
        int slots = plan.Parameters.Slots;
        float[] image = TestData.RandomArray(784, 3);

        // Stage 0: the client's im2col ciphertexts, the server's slot-wise weights, the block sum, the bias.
        int b = layout.BlockStride, per = layout.BlocksPerCiphertext;
        double[] acc = new double[slots];
        for (int g = 0; g < layout.InputCiphertexts; g++)
        {
            for (int j = 0; j < per && (g * per) + j < layout.TermCount; j++)
            {
                int k = (g * per) + j;
                for (int s = 0; s < b; s++)
                {
                    int pixel = layout.InputPixels[(k * b) + s];
                    if (pixel >= 0)
                    {
                        acc[(j * b) + s] += image[pixel] * layout.InputWeights[(k * b) + s];
                    }
                }
            }
        }

        double[] slotsValue = Add(Fold(acc, layout.InputFold), layout.Biases[0]);
        double[] x = Array.ConvertAll(image, v => (double)v);
        for (int i = 0; i < plan.Stages.Count; i++)
        {
            PlanStage stage = plan.Stages[i];
            double[] y = new double[stage.OutputLength];
            stage.Apply(x, y);
            if (i > 0 && stage is LinearStage)
            {
                slotsValue = Simulate(layout.Transforms[i]!, slotsValue, layout.Biases[i]);
            }
            else if (stage is ActivationStage a)
            {
                // Slot-wise polynomial with coefficients zero outside the live slots (as the PolynomialEvaluator gets them).
                int[] arrangementIn = layout.Arrangements[i];
                double[] next = new double[slots];
                for (int s = 0; s < arrangementIn.Length; s++)
                {
                    if (arrangementIn[s] >= 0)
                    {
                        double v = slotsValue[s], p = 0;
                        for (int d = a.Degree; d >= 0; d--)
                        {
                            p = (p * v) + a.Coefficient(d, arrangementIn[s]);
                        }

                        next[s] = p;
                    }
                }

                slotsValue = next;
            }

            int[] arrangement = layout.Arrangements[i];
            for (int s = 0; s < arrangement.Length; s++)
            {
                if (arrangement[s] >= 0)
                {
                    Assert.True(Math.Abs(slotsValue[s] - y[arrangement[s]]) < 1e-6 * (1 + Math.Abs(y[arrangement[s]])),
                        $"stage {i} ({stage.Name}) slot {s}: {slotsValue[s]} vs {y[arrangement[s]]}");
                }
            }

            x = y;
        }

        // Every rotation the simulation performed has a key.
        var steps = new HashSet<int>(plan.RotationSteps);
        foreach (DiagonalTransform? t in layout.Transforms)
        {
            Assert.True(t is null || t.RotationSteps().All(steps.Contains));
        }
    }

    [Fact]
    public void Cnn2Layout_SecondConvolution_UsesIm2ColArrangementWithFewDiagonals()
    {
        Sequential model = Networks.Create(Architecture.Cnn2, ActivationKind.Slaf, 1);
        var plan = InferencePlan.Compile(model, new InferenceOptions { Packing = Packing.Latency, SecurityLevel = SecurityLevel.None, LogN = 13 });
        LatencyLayout layout = plan.Layout!;
        Assert.Equal(125 * 25, layout.BlockStride); // (5 channels × 5×5 kernel) × 25 positions
        DiagonalTransform conv2 = layout.Transforms[2]!;
        Assert.True(conv2.Diagonals.Count <= 174, $"{conv2.Diagonals.Count} diagonals");
    }
}
