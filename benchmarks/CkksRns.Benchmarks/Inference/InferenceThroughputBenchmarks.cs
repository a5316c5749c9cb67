using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Models;

namespace CkksRns.Benchmarks.Inference;

/// <summary>
/// CNN1 in the throughput packing: one request carries N/2 = 8192 images (slot j = image j), 128-bit security. One
/// iteration evaluates the whole batch (tens of seconds), so the job is fixed at one warm-up and three iterations; divide
/// by 8192 for the amortized time per image. <see cref="LogInputScale"/> 0 is the default plan; 18 encodes the inputs at
/// 2^18 so that the convolution does not rescale (<see cref="InferenceOptions.LogInputScale"/>, one prime fewer):
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*InferenceThroughputBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[JsonExporterAttribute.Full]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class InferenceThroughputBenchmarks
{
    private InferenceSetup _s = null!;

    [Params(2)]
    public int Threads { get; set; } = 2;

    /// <summary>log2 of the input scale; 0 for the default (inputs at the working scale).</summary>
    [Params(0, 18)]
    public int LogInputScale { get; set; }

    [GlobalSetup]
    public void Setup() => _s = new InferenceSetup(
        Architecture.Cnn1, new InferenceOptions { Packing = Packing.Throughput, LogInputScale = LogInputScale == 0 ? null : LogInputScale }, Threads, 8192);

    /// <summary>The server's evaluation of a full batch of 8192 encrypted images.</summary>
    [Benchmark]
    public EncryptedBatch ServerEvaluateBatch() => _s.Server.Evaluate(_s.Request);
}
