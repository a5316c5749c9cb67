using BenchmarkDotNet.Attributes;

namespace CkksRns.Benchmarks.Ckks;

/// <summary>
/// The same operations on SEAL's default set for N = 2^15 (slow to set up, so in a class of its own):
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*CkksOperationBenchmarksN15*' --job short</c>.
/// </summary>
public class CkksOperationBenchmarksN15 : CkksOperationBenchmarksBase
{
    /// <summary>The parameter preset.</summary>
    [Params("SealDefault32768")]
    public override string Parameters { get; set; } = "SealDefault32768";
}
