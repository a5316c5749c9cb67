using Xunit;
using Xunit.Abstractions;

namespace CkksRns.Ckks.Tests;

public sealed class SmokeTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void Pipeline_PrintsPrecision(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        var random = new Random(1);
        double[] x = Enumerable.Range(0, t.Slots).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] y = Enumerable.Range(0, t.Slots).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        Ciphertext cx = t.Encrypt(x), cy = t.Encrypt(y);
        output.WriteLine($"{name}: enc pk {PrecisionStatistics.Compute(x, t.Decrypt(cx))}");
        Ciphertext sx = t.SymmetricEncryptor.Encrypt(t.Encoder.Encode(x));
        output.WriteLine($"enc sk {PrecisionStatistics.Compute(x, t.Decrypt(sx))}");
        Ciphertext sum = t.Evaluator.Add(cx, cy);
        output.WriteLine($"add {PrecisionStatistics.Compute(x.Zip(y, (a, b) => a + b).ToArray(), t.Decrypt(sum))}");
        Ciphertext prod = t.Evaluator.Multiply(cx, cy);
        output.WriteLine($"mul3 {PrecisionStatistics.Compute(x.Zip(y, (a, b) => a * b).ToArray(), t.Decrypt(prod))}");
        Ciphertext relin = t.Evaluator.Relinearize(prod);
        output.WriteLine($"relin {PrecisionStatistics.Compute(x.Zip(y, (a, b) => a * b).ToArray(), t.Decrypt(relin))}");
        Ciphertext rescaled = t.Evaluator.Rescale(relin);
        output.WriteLine($"rescale {PrecisionStatistics.Compute(x.Zip(y, (a, b) => a * b).ToArray(), t.Decrypt(rescaled))} level {rescaled.Level}");
        Ciphertext rot = t.Evaluator.Rotate(cx, 3);
        output.WriteLine($"rot3 {PrecisionStatistics.Compute(x.Skip(3).Concat(x.Take(3)).ToArray(), t.Decrypt(rot))}");
        Ciphertext rot5 = t.Evaluator.Rotate(cx, 5);
        output.WriteLine($"rot5 {PrecisionStatistics.Compute(x.Skip(5).Concat(x.Take(5)).ToArray(), t.Decrypt(rot5))}");
    }
}
