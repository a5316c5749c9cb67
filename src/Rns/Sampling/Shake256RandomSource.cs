using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CkksRns.Rns.Sampling;

/// <summary>
/// The deterministic seed expansion of <see cref="RandomSource.FromSeed(ReadOnlySpan{byte}, ulong)"/>: block <c>b</c>
/// is the first <see cref="BlockSize"/> bytes of <c>SHAKE256(tag ‖ seed ‖ LE64(stream) ‖ LE64(b))</c>.
/// </summary>
/// <remarks>
/// Each block is a one-shot SHAKE256 (<see cref="Shake256.HashData(ReadOnlySpan{byte}, Span{byte})"/>) rather than one
/// long squeezed output, because incremental squeezing (<see cref="Shake256.Read(Span{byte})"/>) needs OpenSSL 3.3
/// while one-shot output works from OpenSSL 1.1.1 (and on Windows with CNG SHA-3). Counter-indexed XOF calls are the
/// same construction Kyber/ML-KEM uses to expand its matrix seed.
/// </remarks>
internal sealed class Shake256RandomSource : RandomSource
{
    /// <summary>Bytes per block.</summary>
    internal const int BlockSize = 8192;

    /// <summary>The domain-separation prefix of every SHAKE256 input.</summary>
    internal static ReadOnlySpan<byte> Tag => "CkksRns.Seed.v1"u8;

    private readonly byte[] _input;
    private ulong _block;

    public Shake256RandomSource(ReadOnlySpan<byte> seed, ulong stream)
        : base(BlockSize, wipeConsumed: false)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"A seed must be exactly {SeedLength} bytes; got {seed.Length}.", nameof(seed));
        }

        if (!Shake256.IsSupported)
        {
            throw new PlatformNotSupportedException(
                "SHAKE256 is not available on this platform (System.Security.Cryptography.Shake256.IsSupported is false; " +
                "it needs OpenSSL 1.1.1+ on Linux or Windows 11+ CNG). Seeded sampling cannot run here.");
        }

        _input = new byte[Tag.Length + SeedLength + 16];
        Tag.CopyTo(_input);
        seed.CopyTo(_input.AsSpan(Tag.Length));
        BinaryPrimitives.WriteUInt64LittleEndian(_input.AsSpan(Tag.Length + SeedLength), stream);
    }

    /// <inheritdoc />
    protected override void Refill(Span<byte> block)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_input.AsSpan(Tag.Length + SeedLength + 8), _block++);
        Shake256.HashData(_input, block);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        CryptographicOperations.ZeroMemory(_input);
        base.Dispose(disposing);
    }
}
