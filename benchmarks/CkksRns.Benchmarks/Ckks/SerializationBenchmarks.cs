using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using CkksRns.Ckks;
using CkksRns.Ckks.Serialization;
using CkksRns.Rns.Sampling;

namespace CkksRns.Benchmarks.Ckks;

/// <summary>
/// Seed expansion and the serialization of a fresh seeded ciphertext, single thread:
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*SerializationBenchmarks*' --job short</c>.
/// </summary>
/// <remarks>
/// <c>ExpandSeedAes</c> is the library's seed expansion (AES-256-CTR, format version 3); <c>ExpandSeedShake256</c>
/// reproduces the expansion of format version 2 (one-shot SHAKE256 over 8 KiB blocks) on the same number of bytes, as the
/// baseline of that change.
/// </remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class SerializationBenchmarks
{
    private const int ExpandedBytes = 1 << 20;
    private readonly byte[] _seed = RandomSource.CreateSeed();
    private readonly byte[] _bytes = new byte[ExpandedBytes];
    private CkksBenchmarkSetup _s = null!;
    private Ciphertext _fresh = null!;
    private Ciphertext _scratch = null!;
    private MemoryStream _wire = null!;

    /// <summary>The parameter preset.</summary>
    [Params("SealDefault16384", "ReferencePaperHybrid")]
    public string Parameters { get; set; } = "SealDefault16384";

    [GlobalSetup]
    public void Setup()
    {
        _s = new CkksBenchmarkSetup(CkksBenchmarkSetup.Preset(Parameters), maxDegreeOfParallelism: 1, [1]);
        _fresh = _s.SymmetricEncryptor.Encrypt(_s.Plain);
        _scratch = _fresh.Clone();
        _wire = new MemoryStream(4 << 20);
        CkksSerializer.Save(_fresh, _wire);
    }

    /// <summary>1 MiB of a seed's stream with the library's expansion.</summary>
    [Benchmark]
    public byte[] ExpandSeedAes()
    {
        using RandomSource source = RandomSource.FromSeed(_seed, 0);
        source.Fill(_bytes);
        return _bytes;
    }

    /// <summary>1 MiB with the former expansion: SHAKE256(tag ‖ seed ‖ LE64(stream) ‖ LE64(block)) per 8 KiB block.</summary>
    [Benchmark]
    public byte[] ExpandSeedShake256()
    {
        byte[] input = [.. "CkksRns.Seed.v1"u8, .. _seed, .. new byte[16]];
        for (int block = 0; block < ExpandedBytes / 8192; block++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(input.Length - 8), (ulong)block);
            Shake256.HashData(input, _bytes.AsSpan(block * 8192, 8192));
        }

        return _bytes;
    }

    /// <summary>A uniform polynomial over the whole data chain, from a seed (what a seeded ciphertext's load expands).</summary>
    [Benchmark]
    public Ciphertext SampleUniformFromSeed()
    {
        using RandomSource source = RandomSource.FromSeed(_seed, 0);
        new UniformSampler(source).Sample(_scratch[1]);
        return _scratch;
    }

    /// <summary>Save a fresh secret-key ciphertext in its seeded form (the check that c_1 is its seed's expansion included).</summary>
    [Benchmark]
    public long SaveSeededCiphertext()
    {
        _wire.Position = 0;
        CkksSerializer.Save(_fresh, _wire);
        return _wire.Position;
    }

    /// <summary>Load it back (reading, validating every coefficient, expanding the seed).</summary>
    [Benchmark]
    public Ciphertext LoadSeededCiphertext()
    {
        _wire.Position = 0;
        return CkksSerializer.LoadCiphertext(_s.Context, _wire);
    }
}
