using CkksRns.Ckks;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Models;

namespace CkksRns.Nn.Tests.Encrypted;

/// <summary>Runs a plan through client and server (in-process, through the wire format) and compares with the plaintext.</summary>
internal static class EncryptedTestKit
{
    /// <summary>
    /// The stated bound of the layer tests: |encrypted − plaintext| ≤ 2^-14·(1 + max|y|) for N ≤ 2^13, scale 2^28
    /// (throughput) or 2^30 (latency). Measured errors are 2^-17 to 2^-20 (about 1e-6 to 7e-6 on values of order 1); the
    /// bound leaves an 8× margin for unlucky noise while any wrong slot, scale or weight is off by far more.
    /// </summary>
    public const double RelativeBound = 1.0 / (1 << 14);

    public static InferenceOptions Small(Packing packing, int logN = 10) => new()
    {
        Packing = packing,
        SecurityLevel = SecurityLevel.None,
        LogN = logN,
        OutputBound = 256,
    };

    /// <summary>Encrypts <paramref name="count"/> images, evaluates through the wire format, decrypts; returns (encrypted, plaintext) outputs.</summary>
    public static (double[] Encrypted, double[] Plain) Run(InferencePlan plan, float[] images, int count, int? threads = null)
    {
        using var client = new InferenceClient(plan, threads);
        var keyStream = new MemoryStream();
        client.CreateEvaluationKeys().Save(keyStream);
        keyStream.Position = 0;
        var serverContext = new CkksContext(plan.Parameters);
        var server = new InferenceServer(plan, EvaluationKeys.Load(serverContext, keyStream), threads);
        int length = plan.InputLength, m = plan.OutputLength;
        double[] encrypted = new double[count * m];
        double[] plain = new double[count * m];
        int per = plan.BatchCapacity;
        for (int first = 0; first < count; first += per)
        {
            int n = Math.Min(per, count - first);
            var wire = new MemoryStream();
            client.Encrypt(images.AsSpan(first * length, n * length)).Save(wire);
            wire.Position = 0;
            var back = new MemoryStream();
            server.Evaluate(EncryptedBatch.Load(server.Context, wire)).Save(back);
            back.Position = 0;
            client.Decrypt(EncryptedBatch.Load(client.Context, back)).CopyTo(encrypted, first * m);
        }

        for (int j = 0; j < count; j++)
        {
            plan.Forward(images.AsSpan(j * length, length)).CopyTo(plain, j * m);
        }

        return (encrypted, plain);
    }

    public static double MaxError(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    public static double MaxAbs(double[] a) => a.Max(Math.Abs);

    /// <summary>
    /// The stated bound of whole networks (depth 7 to 10, errors compound through the activations):
    /// |encrypted − plaintext| ≤ 2^-10·(1 + max|y|); measured about 2^-16.
    /// </summary>
    public const double NetworkBound = 1.0 / 1024;

    public static void AssertWithinBound(double[] encrypted, double[] plain, string what, double relative = RelativeBound)
    {
        double error = MaxError(encrypted, plain), bound = relative * (1 + MaxAbs(plain));
        Xunit.Assert.True(error <= bound, $"{what}: max error {error:E3} exceeds the bound {bound:E3}");
    }

    /// <summary>A model with random weights (and SLAF coefficients) from a seed.</summary>
    public static void Randomize(Sequential model, int seed)
    {
        int i = 0;
        foreach (Parameter p in model.Parameters)
        {
            float[] values = TestData.RandomArray(p.Value.Length, seed + (31 * i++), 0.8f);
            values.CopyTo(p.Value.Data, 0);
        }
    }
}
