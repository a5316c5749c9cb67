using BenchmarkDotNet.Attributes;
using CkksRns.Ckks;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Benchmarks.Ckks;

/// <summary>
/// The three phases of one hybrid key switch (decomposition/ModUp, inner product with the key, ModDown), the whole
/// switch, and one NTT of a data limb, single thread, at the top level:
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*CkksKeySwitchBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class CkksKeySwitchBenchmarks
{
    private CkksContext _context = null!;
    private KeySwitcher _switcher = null!;
    private KeySwitcher.Scratch _scratch = null!;
    private KeySwitchingKey _key = null!;
    private RnsPoly _input = null!;
    private ulong[] _limb = null!;

    /// <summary>The parameter preset.</summary>
    [Params("ReferencePaperHybrid", "ReferencePaper", "SealDefault16384")]
    public string Parameters { get; set; } = "ReferencePaperHybrid";

    [GlobalSetup]
    public void Setup()
    {
        _context = new CkksContext(CkksParameters.Create(CkksBenchmarkSetup.Preset(Parameters)), maxDegreeOfParallelism: 1);
        var generator = new KeyGenerator(_context);
        _key = generator.CreateRelinearizationKey().Key;
        _switcher = new KeySwitcher(_context);
        _scratch = _switcher.Rent();
        var encoder = new CkksEncoder(_context);
        var encryptor = new Encryptor(_context, generator.SecretKey);
        _input = encryptor.Encrypt(encoder.Encode([0.5, 0.25]))[1];
        _switcher.Decompose(_input, _context.MaxLevel, _scratch);
        _switcher.InnerProduct(_scratch, _key);
        _limb = new ulong[_context.N];
        _input.Limb(1).CopyTo(_limb);
    }

    [Benchmark]
    public int Decompose()
    {
        _switcher.Decompose(_input, _context.MaxLevel, _scratch);
        return _scratch.Level;
    }

    [Benchmark]
    public ulong InnerProduct()
    {
        _switcher.InnerProduct(_scratch, _key);
        return _scratch.Acc0Q.Limb(0)[0];
    }

    [Benchmark]
    public ulong ModDown()
    {
        _switcher.ModDown(_scratch, _scratch.Out0, _scratch.Out1, accumulate: false);
        return _scratch.Out0.Limb(0)[0];
    }

    /// <summary>The three phases in a row: one whole key switch (relinearization) at the top level.</summary>
    [Benchmark]
    public ulong KeySwitch()
    {
        _switcher.Decompose(_input, _context.MaxLevel, _scratch);
        _switcher.InnerProduct(_scratch, _key);
        _switcher.ModDown(_scratch, _scratch.Out0, _scratch.Out1, accumulate: false);
        return _scratch.Out0.Limb(0)[0];
    }

    [Benchmark]
    public ulong[] NttForwardLimb1()
    {
        _context.RingQ.NttTables[1].Forward(_limb);
        return _limb;
    }
}
