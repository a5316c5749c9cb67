using BenchmarkDotNet.Attributes;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Models;

namespace CkksRns.Benchmarks.Inference;

/// <summary>
/// Single-image encrypted inference (latency packing, 128-bit security, N = 2^14) for the moduli chains of the reference
/// paper's Tables IV and VI. A chain of k data primes keeps the plan's depth and precision: one prime of the scale's size
/// per level and the remaining primes sharing the base when k ≥ depth + 1; below that, linear layers are fused with the
/// SLAF after them (two primes of twice the scale's size instead of three), which takes CNN1 (depth 7, scale 2^30) down
/// to k = 6 and CNN2 (depth 10, scale 2^26 as in the paper) down to k = 8; shorter chains are refused by the compiler
/// (docs/benchmarks.md). One and two threads:
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*InferenceChainBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
[JsonExporterAttribute.Full]
public class InferenceChainBenchmarks
{
    private InferenceSetup _s = null!;

    /// <summary>The network and the number of data primes (only chains that can carry the plan).</summary>
    [ParamsSource(nameof(Chains))]
    public string Chain { get; set; } = "cnn1-8";

    [Params(1, 2)]
    public int Threads { get; set; } = 2;

    /// <summary>CNN1 with 6–10 primes, CNN2 with 8–12.</summary>
    public static IEnumerable<string> Chains =>
        ["cnn1-6", "cnn1-7", "cnn1-8", "cnn1-9", "cnn1-10", "cnn2-8", "cnn2-9", "cnn2-10", "cnn2-11", "cnn2-12"];

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Chain.Split('-');
        Architecture architecture = parts[0] == "cnn1" ? Architecture.Cnn1 : Architecture.Cnn2;
        var options = new InferenceOptions
        {
            PrimeCount = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            LogScale = architecture == Architecture.Cnn2 ? 26 : 30,
        };
        _s = new InferenceSetup(architecture, options, Threads, 1);
    }

    /// <summary>The server's evaluation of one encrypted image.</summary>
    [Benchmark]
    public EncryptedBatch ServerEvaluate() => _s.Server.Evaluate(_s.Request);

    /// <summary>The client's encoding and encryption of one image.</summary>
    [Benchmark]
    public EncryptedBatch ClientEncrypt() => _s.Client.Encrypt(_s.Images);

    /// <summary>The client's decryption and decoding of the reply.</summary>
    [Benchmark]
    public double[] ClientDecrypt() => _s.Client.Decrypt(_s.ClientReply);
}
