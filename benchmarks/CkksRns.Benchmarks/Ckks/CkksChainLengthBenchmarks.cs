using BenchmarkDotNet.Attributes;
using CkksRns.Ckks;

namespace CkksRns.Benchmarks.Ckks;

/// <summary>
/// Key-switching operations at N = 2^14 against the length of the data chain (40-bit primes, special primes and dnum
/// automatic, security not enforced so that every length runs):
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*CkksChainLengthBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class CkksChainLengthBenchmarks
{
    private CkksBenchmarkSetup _s = null!;

    /// <summary>The number of data primes.</summary>
    [Params(3, 4, 6, 8, 10)]
    public int Primes { get; set; } = 8;

    [GlobalSetup]
    public void Setup() => _s = new CkksBenchmarkSetup(
        new CkksParametersLiteral
        {
            LogN = 14, LogQ = [50, .. Enumerable.Repeat(40, Primes - 1)], LogDefaultScale = 40, Dnum = Math.Max(1, (Primes + 2) / 3),
            SecurityLevel = SecurityLevel.None,
        },
        maxDegreeOfParallelism: 1,
        [1]);

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

    [Benchmark]
    public Ciphertext Rescale()
    {
        _s.Evaluator.Rescale(_s.A, _s.Destination);
        return _s.Destination;
    }
}
