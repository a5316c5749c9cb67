using CkksRns.Ckks;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Models;
using Xunit;
using Xunit.Abstractions;

namespace CkksRns.Nn.Tests.Encrypted;

public sealed class SmokeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(Packing.Throughput, 10)]
    [InlineData(Packing.Latency, 12)]
    public void Cnn1_Random_MatchesPlain(Packing packing, int logN)
    {
        Sequential model = Networks.Create(Architecture.Cnn1, ActivationKind.Slaf, 7);
        var plan = InferencePlan.Compile(model, new InferenceOptions { Packing = packing, SecurityLevel = SecurityLevel.None, LogN = logN });
        output.WriteLine(plan.Describe());
        using var client = new InferenceClient(plan);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        EvaluationKeys keys = client.CreateEvaluationKeys();
        output.WriteLine($"keys {sw.ElapsedMilliseconds} ms");
        var server = new InferenceServer(plan, keys);
        output.WriteLine($"server {sw.ElapsedMilliseconds} ms");
        int count = packing == Packing.Latency ? 1 : 3;
        float[] images = TestData.RandomArray(784 * count, 3);
        EncryptedBatch request = client.Encrypt(images);
        output.WriteLine($"enc {sw.ElapsedMilliseconds} ms");
        EncryptedBatch reply = server.Evaluate(request);
        output.WriteLine($"eval {sw.ElapsedMilliseconds} ms; steps " + string.Join(", ", server.LastStepSeconds.Select(t => t.ToString("F3"))));
        double[] logits = client.Decrypt(reply);
        double max = 0;
        for (int j = 0; j < count; j++)
        {
            double[] expected = plan.Forward(images.AsSpan(j * 784, 784));
            for (int o = 0; o < 10; o++)
            {
                output.WriteLine($"{j} {o} {expected[o]:F5} {logits[(j * 10) + o]:F5}");
                max = Math.Max(max, Math.Abs(expected[o] - logits[(j * 10) + o]));
            }
        }

        output.WriteLine($"max error {max}");
        Assert.True(max < 1e-2, $"max error {max}");
    }
}
