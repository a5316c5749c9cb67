using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Ntt;
using CkksRns.Rns.Primes;

namespace CkksRns.Benchmarks.Rns;

/// <summary>
/// Forward and inverse NTT of one limb through the public <see cref="NttTables"/> API, with default runtime settings
/// (tiered compilation on). The scalar path (forced through <see cref="SimdCapabilities.MaxLevel"/>) is the baseline of
/// each category; the vector path is whatever <see cref="SimdCapabilities.Current"/> picks on the machine.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*NttBenchmarks*' --job short</c>
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class NttBenchmarks
{
    private NttTables _tables = null!;
    private ulong[] _values = null!;

    /// <summary>log2 of the ring degree.</summary>
    [Params(12, 13, 14, 15, 16)]
    public int LogN { get; set; }

    /// <summary>Bit size of the prime (the largest NTT-friendly prime of that size).</summary>
    [Params(30, 50, 60)]
    public int Bits { get; set; }

    [GlobalSetup(Targets = [nameof(ForwardScalar), nameof(InverseScalar)])]
    public void SetupScalar()
    {
        SimdCapabilities.MaxLevel = SimdLevel.Scalar;
        Setup();
    }

    [GlobalSetup(Targets = [nameof(Forward), nameof(Inverse)])]
    public void SetupVector()
    {
        SimdCapabilities.MaxLevel = SimdLevel.Vector512;
        Setup();
    }

    [BenchmarkCategory("Forward")]
    [Benchmark(Baseline = true)]
    public ulong ForwardScalar()
    {
        _tables.Forward(_values);
        return _values[0];
    }

    [BenchmarkCategory("Forward")]
    [Benchmark]
    public ulong Forward()
    {
        _tables.Forward(_values);
        return _values[0];
    }

    [BenchmarkCategory("Inverse")]
    [Benchmark(Baseline = true)]
    public ulong InverseScalar()
    {
        _tables.Inverse(_values);
        return _values[0];
    }

    [BenchmarkCategory("Inverse")]
    [Benchmark]
    public ulong Inverse()
    {
        _tables.Inverse(_values);
        return _values[0];
    }

    private void Setup()
    {
        int n = 1 << LogN;
        var q = new Modulus(NttPrimes.Generate(n, [Bits])[0]);
        _tables = new NttTables(n, q);
        _values = new ulong[n];
        var random = new Random(42);
        for (int i = 0; i < n; i++)
        {
            _values[i] = (ulong)random.NextInt64((long)q.Value);
        }
    }
}
