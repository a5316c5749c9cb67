using BenchmarkDotNet.Attributes;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Primes;

namespace CkksRns.Benchmarks.Rns;

/// <summary>
/// The element-wise kernels on one limb of N = 2^14 words at each SIMD level (scalar is the baseline), for a 30-, 50-
/// and 60-bit prime. Only levels the hardware runs natively are measured.
/// Run: <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*PolyKernelBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class PolyKernelBenchmarks
{
    private const int N = 1 << 14;
    private ulong[] _x = null!, _y = null!, _d = null!;
    private Modulus _q;
    private ShoupOperand _w;
    private SimdLevel _level;

    /// <summary>Prime size in bits.</summary>
    [Params(30, 50, 60)]
    public int Bits { get; set; }

    /// <summary>The levels this machine runs natively (scalar first, as the baseline).</summary>
    public static IEnumerable<SimdLevel> Levels => SimdCapabilities.Supported;

    /// <summary>Kernel path.</summary>
    [ParamsSource(nameof(Levels))]
    public SimdLevel Level { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _level = Level;
        _q = new Modulus(NttPrimes.Generate(N, [Bits])[0]);
        var random = new Random(Bits);
        _x = new ulong[N];
        _y = new ulong[N];
        _d = new ulong[N];
        for (int i = 0; i < N; i++)
        {
            _x[i] = (ulong)random.NextInt64(0, (long)_q.Value);
            _y[i] = (ulong)random.NextInt64(0, (long)_q.Value);
        }

        _w = _q.CreateShoupOperand(_y[0]);
    }

    [Benchmark]
    public ulong Add()
    {
        ElementwiseKernels.Add(_x, _y, _d, _q, _level);
        return _d[1];
    }

    [Benchmark]
    public ulong Multiply()
    {
        ElementwiseKernels.Multiply(_x, _y, _d, _q, _level);
        return _d[1];
    }

    [Benchmark]
    public ulong MultiplyAccumulate()
    {
        ElementwiseKernels.MultiplyAccumulate(_x, _y, _d, _q, _level);
        return _d[1];
    }

    [Benchmark]
    public ulong MultiplyShoup()
    {
        ElementwiseKernels.MultiplyShoup(_x, _w, _d, _q, _level);
        return _d[1];
    }
}
