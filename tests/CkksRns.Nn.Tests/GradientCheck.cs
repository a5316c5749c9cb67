using CkksRns.Nn;
using CkksRns.Nn.Layers;
using Xunit;

namespace CkksRns.Nn.Tests;

/// <summary>
/// Compares a layer's analytic gradients with central finite differences of the scalar loss
/// <c>L = Σ r·y (+ extra(x))</c> for a fixed random <c>r</c>, in double precision on top of the float forward pass.
/// </summary>
internal static class GradientCheck
{
    public static void Run(Layer layer, Tensor input, int seed, Func<Tensor, double>? extraLoss = null, double epsilon = 1e-2, double tolerance = 2e-2, int samplesPerTensor = 60)
    {
        Tensor y = layer.Forward(input, training: true);
        Tensor r = TestData.Random(y.Shape, seed + 1);
        foreach (Parameter p in layer.Parameters)
        {
            p.Gradient.AsSpan().Clear();
        }

        // Analytic gradients.
        layer.Forward(input, training: true);
        Tensor dx = layer.Backward(r).Clone();
        var paramGrads = layer.Parameters.Select(p => p.Gradient.Clone()).ToList();

        double Loss()
        {
            Tensor output = layer.Forward(input, training: true);
            double loss = 0;
            for (int i = 0; i < output.Length; i++)
            {
                loss += (double)r.Data[i] * output.Data[i];
            }

            return loss + (extraLoss?.Invoke(input) ?? 0);
        }

        var random = new Random(seed + 2);
        CheckTensor("input", input.Data, dx.Data, Loss, epsilon, tolerance, samplesPerTensor, random);
        for (int k = 0; k < layer.Parameters.Count; k++)
        {
            Parameter p = layer.Parameters[k];
            CheckTensor(p.Name, p.Value.Data, paramGrads[k].Data, Loss, epsilon, tolerance, samplesPerTensor, random);
        }
    }

    private static void CheckTensor(string name, float[] values, float[] analytic, Func<double> loss, double epsilon, double tolerance, int samples, Random random)
    {
        int count = Math.Min(samples, values.Length);
        var indices = values.Length <= samples
            ? Enumerable.Range(0, values.Length).ToArray()
            : Enumerable.Range(0, count).Select(_ => random.Next(values.Length)).ToArray();
        foreach (int i in indices)
        {
            float original = values[i];
            float h = (float)(epsilon * Math.Max(1.0, Math.Abs(original)));
            values[i] = original + h;
            double plus = loss();
            values[i] = original - h;
            double minus = loss();
            values[i] = original;
            double actualStep = ((double)(original + h)) - (original - h);
            double numeric = (plus - minus) / actualStep;
            double error = Math.Abs(numeric - analytic[i]);
            Assert.True(
                error <= tolerance * Math.Max(1.0, Math.Abs(numeric)),
                $"{name}[{i}]: analytic {analytic[i]:G6} vs numeric {numeric:G6} (error {error:G3})");
        }
    }
}
