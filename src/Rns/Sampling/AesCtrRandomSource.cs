using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CkksRns.Rns.Sampling;

/// <summary>
/// The deterministic seed expansion of <see cref="RandomSource.FromSeed(ReadOnlySpan{byte}, ulong)"/>: AES-256 in
/// counter mode under the key <c>SHA-256(tag ‖ seed)</c>; 16-byte block <c>j</c> of stream <c>s</c> is
/// <c>AES-256(key, LE64(s) ‖ LE64(j))</c>.
/// </summary>
/// <remarks>
/// AES-256-CTR with a uniformly random key is a pseudorandom function (the construction of NIST SP 800-90A's
/// CTR_DRBG and of Kyber's "90s" variant for expanding its public matrix). It replaced one-shot SHAKE256 blocks:
/// with the AES instructions it runs about 6× faster here (2.6 against 0.4 GB/s), and .NET supports it on every
/// platform, where SHAKE256 is missing on some (macOS). The counter blocks are encrypted with ECB over a buffer of
/// counters, which is counter mode.
/// </remarks>
internal sealed class AesCtrRandomSource : RandomSource
{
    /// <summary>Bytes per refill (512 AES blocks).</summary>
    internal const int BlockSize = 8192;

    /// <summary>The domain-separation prefix hashed with the seed into the AES key.</summary>
    internal static ReadOnlySpan<byte> Tag => "CkksRns.Seed.v2"u8;

    private readonly Aes _aes;
    private readonly byte[] _counters = new byte[BlockSize];
    private readonly ulong _stream;
    private ulong _next;

    public AesCtrRandomSource(ReadOnlySpan<byte> seed, ulong stream)
        : base(BlockSize, wipeConsumed: false)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"A seed must be exactly {SeedLength} bytes; got {seed.Length}.", nameof(seed));
        }

        Span<byte> input = stackalloc byte[Tag.Length + SeedLength];
        Tag.CopyTo(input);
        seed.CopyTo(input[Tag.Length..]);
        Span<byte> key = stackalloc byte[32];
        SHA256.HashData(input, key);
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(input);
        _stream = stream;
    }

    /// <inheritdoc />
    protected override void Refill(Span<byte> block)
    {
        Span<byte> counters = _counters;
        for (int i = 0; i < BlockSize; i += 16)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(counters[i..], _stream);
            BinaryPrimitives.WriteUInt64LittleEndian(counters[(i + 8)..], _next++);
        }

        _aes.EncryptEcb(counters, block, PaddingMode.None);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
        }

        base.Dispose(disposing);
    }
}
