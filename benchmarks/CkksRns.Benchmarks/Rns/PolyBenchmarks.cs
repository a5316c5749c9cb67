using BenchmarkDotNet.Attributes;
using CkksRns.Rns.Bases;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Primes;

namespace CkksRns.Benchmarks.Rns;

/// <summary>
/// RnsPoly operations through the public API at N = 2^14 with 8 limbs (primes of 50 to 61 bits), one thread
/// (<c>MaxDegreeOfParallelism = 1</c>) so that the figures are per core and allocation-free.
/// Run: <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*PolyBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class PolyBenchmarks
{
    private const int LogN = 14;
    private RnsPoly _a = null!, _b = null!, _destination = null!, _ntt = null!, _nttB = null!;
    private BaseConverter _converter = null!;
    private ulong[] _convertInput = null!, _convertOutput = null!;

    /// <summary>Limbs in use.</summary>
    [Params(8)]
    public int Limbs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int n = 1 << LogN;
        ulong[] primes = NttPrimes.Generate(n, [.. Enumerable.Range(0, Limbs).Select(i => i == 0 ? 61 : 50 + i)]);
        var context = new RnsContext(n, primes, maxDegreeOfParallelism: 1);
        var random = new Random(1);
        _a = RandomPoly(context, random, false);
        _b = RandomPoly(context, random, false);
        _ntt = RandomPoly(context, random, true);
        _nttB = RandomPoly(context, random, true);
        _destination = new RnsPoly(context);

        // ModUp-like conversion: from 4 limbs of Q to 4 other primes (k = 4, m = 4).
        ulong[] target = NttPrimes.Generate(n, [61, 61, 61, 61], exclude: primes);
        _converter = new BaseConverter(context.GetBase(4), new RnsBase(target));
        _convertInput = _a.Coefficients[..(4 * n)].ToArray();
        _convertOutput = new ulong[4 * n];
    }

    private static RnsPoly RandomPoly(RnsContext context, Random random, bool ntt)
    {
        var poly = new RnsPoly(context, context.ModulusCount, ntt);
        for (int i = 0; i < poly.LimbCount; i++)
        {
            ulong q = context.Moduli[i].Value;
            Span<ulong> limb = poly.Limb(i);
            for (int j = 0; j < limb.Length; j++)
            {
                limb[j] = (ulong)random.NextInt64(0, (long)q);
            }
        }

        return poly;
    }

    [Benchmark]
    public ulong Add()
    {
        RnsPoly.Add(_a, _b, _destination);
        return _destination.Limb(0)[1];
    }

    [Benchmark]
    public ulong MultiplyPointwise()
    {
        RnsPoly.MultiplyPointwise(_ntt, _nttB, _destination);
        return _destination.Limb(0)[1];
    }

    [Benchmark]
    public ulong MultiplyAccumulate()
    {
        _ntt.CopyTo(_destination);
        RnsPoly.MultiplyAccumulate(_ntt, _nttB, _destination);
        return _destination.Limb(0)[1];
    }

    [Benchmark]
    public ulong MultiplyScalar()
    {
        RnsPoly.MultiplyScalar(_ntt, 0x1234_5678_9ABCUL, _destination);
        return _destination.Limb(0)[1];
    }

    [Benchmark]
    public ulong AutomorphismNtt()
    {
        RnsPoly.Automorphism(_ntt, 5, _destination);
        return _destination.Limb(0)[1];
    }

    [Benchmark]
    public ulong AutomorphismCoefficients()
    {
        RnsPoly.Automorphism(_a, 5, _destination);
        return _destination.Limb(0)[1];
    }

    [Benchmark]
    public ulong RescaleNtt()
    {
        RnsPoly.DivideRoundByLastModulus(_ntt, _destination);
        return _destination.Limb(0)[1];
    }

    [Benchmark]
    public ulong ToNttAndBack()
    {
        _a.CopyTo(_destination);
        _destination.ToNtt();
        _destination.FromNtt();
        return _destination.Limb(0)[1];
    }

    [Benchmark]
    public ulong BaseConversion4To4()
    {
        _converter.Convert(_convertInput, _convertOutput);
        return _convertOutput[1];
    }

    [Benchmark]
    public ulong BaseConversionExact4To4()
    {
        _converter.ConvertExact(_convertInput, _convertOutput);
        return _convertOutput[1];
    }
}
