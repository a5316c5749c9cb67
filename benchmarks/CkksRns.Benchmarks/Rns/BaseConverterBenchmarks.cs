using BenchmarkDotNet.Attributes;
using CkksRns.Rns.Bases;
using CkksRns.Rns.Primes;

namespace CkksRns.Benchmarks.Rns;

/// <summary>
/// Fast base conversion at N = 2^14, single thread, in the shapes hybrid key switching uses with the
/// ReferencePaperHybrid preset: one ModUp digit (three 26-bit primes to eight 26-bit primes, the 40-bit prime and
/// two 47-bit special primes) and ModDown's P → Q (two 47-bit special primes to the 40-bit prime and eleven 26-bit
/// primes).
/// Run: <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*BaseConverterBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class BaseConverterBenchmarks
{
    private const int N = 1 << 14;
    private BaseConverter _converter = null!;
    private ulong[] _input = null!, _output = null!;

    /// <summary>The conversion shape.</summary>
    [Params("ModUp3to11", "ModDown2to12")]
    public string Shape { get; set; } = "ModUp3to11";

    /// <summary>Exact (centred) or approximate conversion.</summary>
    [Params(false, true)]
    public bool Exact { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ulong[] data = NttPrimes.Generate(N, [40, .. Enumerable.Repeat(26, 11)]);
        ulong[] special = NttPrimes.Generate(N, [47, 47], exclude: data);
        (ulong[] source, ulong[] target) = Shape == "ModUp3to11"
            ? (data[3..6], [.. data[..3], .. data[6..], .. special])
            : (special, data);
        _converter = new BaseConverter(new RnsBase(source), new RnsBase(target));
        var random = new Random(1);
        _input = new ulong[source.Length * N];
        for (int i = 0; i < source.Length; i++)
        {
            for (int c = 0; c < N; c++)
            {
                _input[i * N + c] = (ulong)random.NextInt64((long)source[i]);
            }
        }

        _output = new ulong[target.Length * N];
    }

    [Benchmark]
    public ulong Convert()
    {
        if (Exact)
        {
            _converter.ConvertExact(_input, _output);
        }
        else
        {
            _converter.Convert(_input, _output);
        }

        return _output[0];
    }
}
