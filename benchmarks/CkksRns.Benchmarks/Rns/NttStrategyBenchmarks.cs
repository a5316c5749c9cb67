using BenchmarkDotNet.Attributes;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Ntt;
using CkksRns.Rns.Primes;

namespace CkksRns.Benchmarks.Rns;

/// <summary>
/// The vector NTT's modular-multiplication strategies side by side (docs/design/ntt.md): every strategy that supports
/// the prime, at the widest vector level of the machine, forward and inverse, through the internal per-strategy entry
/// points of <see cref="NttTables"/>.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*NttStrategyBenchmarks*' --job short</c>
/// </remarks>
[MemoryDiagnoser]
public class NttStrategyBenchmarks
{
    private NttTables _tables = null!;
    private ulong[] _values = null!;
    private SimdLevel _level;

    /// <summary>log2 of the ring degree.</summary>
    [Params(12, 14, 16)]
    public int LogN { get; set; }

    /// <summary>The prime size and the strategy (only the combinations the strategy supports).</summary>
    [ParamsSource(nameof(Cases))]
    public StrategyCase Case { get; set; }

    /// <summary>The (prime size, strategy) pairs measured.</summary>
    public static IEnumerable<StrategyCase> Cases()
    {
        foreach (int bits in new[] { 30, 50, 60 })
        {
            foreach (NttMultiplication strategy in Enum.GetValues<NttMultiplication>())
            {
                if (NttOperands.Supports(strategy, bits))
                {
                    yield return new StrategyCase(bits, (int)strategy);
                }
            }
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        int n = 1 << LogN;
        var q = new Modulus(NttPrimes.Generate(n, [Case.Bits])[0]);
        _tables = new NttTables(n, q);
        _level = SimdCapabilities.HardwareLevel;
        _values = new ulong[n];
        var random = new Random(42);
        for (int i = 0; i < n; i++)
        {
            _values[i] = (ulong)random.NextInt64((long)q.Value);
        }

        _ = _tables.GetOperands((NttMultiplication)Case.Strategy);
    }

    [Benchmark]
    public ulong Forward()
    {
        _tables.Forward(_values, _level, (NttMultiplication)Case.Strategy);
        return _values[0];
    }

    [Benchmark]
    public ulong Inverse()
    {
        _tables.Inverse(_values, _level, (NttMultiplication)Case.Strategy);
        return _values[0];
    }

    /// <summary>A prime size and a strategy; shown as e.g. <c>50-bit Fma</c>.</summary>
    /// <param name="Bits">Bit size of the prime.</param>
    /// <param name="Strategy">The <see cref="NttMultiplication"/> value (an int so the type can stay public).</param>
    public readonly record struct StrategyCase(int Bits, int Strategy)
    {
        /// <inheritdoc />
        public override string ToString() => $"{Bits}-bit {(NttMultiplication)Strategy}";
    }
}
