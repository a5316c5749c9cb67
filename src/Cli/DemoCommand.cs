using System.Diagnostics;
using CkksRns.Ckks;

namespace CkksRns.Cli;

/// <summary><c>ckksrns demo</c>: encrypt two vectors, multiply, rotate, decrypt, and report the precision.</summary>
internal sealed class DemoCommand : ICommand
{
    public string Name => "demo";

    public string Summary => "Encrypt two random vectors, multiply and rotate them homomorphically, decrypt, check precision.";

    public int Run(CommandLine options, TextWriter output)
    {
        int logN = options.GetInt("logn", 13, 12, 15);
        options.ThrowOnUnknown();

        var total = Stopwatch.StartNew();
        var parameters = CkksParameters.Create(new CkksParametersLiteral { LogN = logN, LogQ = [60, 40, 40], LogDefaultScale = 40 });
        var context = new CkksContext(parameters);
        var keys = new KeyGenerator(context);
        using SecretKey secretKey = keys.SecretKey;
        var encoder = new CkksEncoder(context);
        var encryptor = new Encryptor(context, keys.CreatePublicKey());
        var decryptor = new Decryptor(context, secretKey);
        var evaluator = new Evaluator(context, keys.CreateRelinearizationKey(), keys.CreateGaloisKeys([1]));
        output.WriteLine($"parameters: N = 2^{logN}, {context.Parameters.Slots} slots, data primes [60, 40, 40] bits, scale 2^40, "
                         + $"{context.Parameters.SecurityLevel}; keys in {total.ElapsedMilliseconds} ms");

        int slots = context.Parameters.Slots;
        var random = new Random(2026);
        double[] a = new double[slots], b = new double[slots], expected = new double[slots];
        for (int i = 0; i < slots; i++)
        {
            a[i] = random.NextDouble() * 2 - 1;
            b[i] = random.NextDouble() * 2 - 1;
        }

        for (int i = 0; i < slots; i++)
        {
            expected[i] = a[(i + 1) % slots] * b[(i + 1) % slots];
        }

        var timer = Stopwatch.StartNew();
        Ciphertext x = encryptor.Encrypt(encoder.Encode(a));
        Ciphertext y = encryptor.Encrypt(encoder.Encode(b));
        double encryptMs = timer.Elapsed.TotalMilliseconds;
        timer.Restart();
        Ciphertext product = evaluator.Rescale(evaluator.MultiplyRelinearize(x, y));
        Ciphertext rotated = evaluator.Rotate(product, 1);
        double evaluateMs = timer.Elapsed.TotalMilliseconds;
        timer.Restart();
        double[] result = encoder.DecodeReal(decryptor.Decrypt(rotated));
        double decryptMs = timer.Elapsed.TotalMilliseconds;

        var precision = PrecisionStatistics.Compute(expected, result);
        output.WriteLine($"encode+encrypt two vectors: {encryptMs:F1} ms; multiply+relinearize+rescale+rotate: {evaluateMs:F1} ms; decrypt+decode: {decryptMs:F1} ms");
        output.WriteLine($"slot 0: expected {expected[0]:F6}, got {result[0]:F6}");
        output.WriteLine($"precision over {slots} slots: {precision}");
        bool ok = precision.MaxError < 1e-6;
        output.WriteLine(ok ? "demo: OK" : "demo: precision below expectation");
        return ok ? 0 : 1;
    }
}
