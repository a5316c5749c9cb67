using BenchmarkDotNet.Attributes;

namespace CkksRns.Benchmarks.Ckks;

/// <summary>
/// CKKS operations, single thread, on SEAL's default sets (N = 2^13, 2^14) and the reference paper's set (SEAL layout
/// and hybrid): <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*CkksOperationBenchmarks*' --job short</c>.
/// </summary>
public class CkksOperationBenchmarks : CkksOperationBenchmarksBase
{
    /// <summary>The parameter preset.</summary>
    [Params("SealDefault8192", "SealDefault16384", "ReferencePaper", "ReferencePaperHybrid")]
    public override string Parameters { get; set; } = "SealDefault16384";
}
