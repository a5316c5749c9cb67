using BenchmarkDotNet.Attributes;
using CkksRns.Ckks;

namespace CkksRns.Benchmarks.Ckks;

/// <summary>The CKKS operation benchmarks, for the parameter preset a derived class chooses.</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public abstract class CkksOperationBenchmarksBase
{
    private static readonly int[] HoistedSteps = [1, 2, 3, 4, 5, 6, 7, 8];
    private CkksBenchmarkSetup _s = null!;
    private Ciphertext[] _hoisted = null!;

    /// <summary>The parameter preset.</summary>
    public abstract string Parameters { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _s = new CkksBenchmarkSetup(CkksBenchmarkSetup.Preset(Parameters), maxDegreeOfParallelism: 1, HoistedSteps);
        _hoisted = HoistedSteps.Select(_ => new Ciphertext(_s.Context)).ToArray();
    }

    [Benchmark]
    public Plaintext Encode()
    {
        _s.Encoder.Encode(_s.Values, _s.Context.Parameters.MaxLevel, _s.Context.Parameters.DefaultScale, _s.PlainDestination);
        return _s.PlainDestination;
    }

    [Benchmark]
    public double[] Decode() => _s.Encoder.DecodeReal(_s.Plain);

    [Benchmark]
    public Ciphertext EncryptPublicKey()
    {
        _s.Encryptor.Encrypt(_s.Plain, _s.Destination);
        return _s.Destination;
    }

    [Benchmark]
    public Ciphertext EncryptSecretKey()
    {
        _s.SymmetricEncryptor.Encrypt(_s.Plain, _s.Destination);
        return _s.Destination;
    }

    [Benchmark]
    public Plaintext Decrypt()
    {
        _s.Decryptor.Decrypt(_s.A, _s.PlainDestination);
        return _s.PlainDestination;
    }

    [Benchmark]
    public Ciphertext Add()
    {
        _s.Evaluator.Add(_s.A, _s.B, _s.Destination);
        return _s.Destination;
    }

    [Benchmark]
    public Ciphertext MultiplyPlain()
    {
        _s.Evaluator.Multiply(_s.A, _s.Plain, _s.Destination);
        return _s.Destination;
    }

    [Benchmark]
    public Ciphertext Multiply()
    {
        _s.Evaluator.Multiply(_s.A, _s.B, _s.Destination);
        return _s.Destination;
    }

    [Benchmark]
    public Ciphertext Relinearize()
    {
        _s.Evaluator.Relinearize(_s.Product, _s.Destination);
        return _s.Destination;
    }

    [Benchmark]
    public Ciphertext MultiplyRelinearize()
    {
        _s.Evaluator.MultiplyRelinearize(_s.A, _s.B, _s.Destination);
        return _s.Destination;
    }

    [Benchmark]
    public Ciphertext Rescale()
    {
        _s.Evaluator.Rescale(_s.A, _s.Destination);
        return _s.Destination;
    }

    [Benchmark]
    public Ciphertext Rotate()
    {
        _s.Evaluator.Rotate(_s.A, 1, _s.Destination);
        return _s.Destination;
    }

    [Benchmark]
    public Ciphertext[] RotateHoisted8()
    {
        _s.Evaluator.RotateHoisted(_s.A, HoistedSteps, _hoisted);
        return _hoisted;
    }

    [Benchmark]
    public Ciphertext Conjugate()
    {
        _s.Evaluator.Conjugate(_s.A, _s.Destination);
        return _s.Destination;
    }
}
