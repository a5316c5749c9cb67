using BenchmarkDotNet.Attributes;
using CkksRns.Ckks;

namespace CkksRns.Benchmarks.Ckks;

/// <summary>
/// Multiply + relinearize and rotate on the reference paper's hybrid set with one and two threads:
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*CkksParallelBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class CkksParallelBenchmarks
{
    private CkksBenchmarkSetup _s = null!;

    /// <summary>The context's degree of parallelism.</summary>
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup() => _s = new CkksBenchmarkSetup(CkksPresets.ReferencePaperHybrid, Threads, [1]);

    [Benchmark]
    public Ciphertext MultiplyRelinearize()
    {
        _s.Evaluator.MultiplyRelinearize(_s.A, _s.B, _s.Destination);
        return _s.Destination;
    }

    [Benchmark]
    public Ciphertext Rotate()
    {
        _s.Evaluator.Rotate(_s.A, 1, _s.Destination);
        return _s.Destination;
    }
}
