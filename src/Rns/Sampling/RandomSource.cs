using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace CkksRns.Rns.Sampling;

/// <summary>
/// A stream of random bytes for the samplers: either the operating system's CSPRNG (<see cref="CreateSystem"/>, the
/// default for secrets and errors) or a deterministic expansion of a 32-byte seed with AES-256 in counter mode
/// (<see cref="FromSeed(ReadOnlySpan{byte}, ulong)"/>, for public uniform polynomials that are sent as a seed and for
/// reproducible tests).
/// </summary>
/// <remarks>
/// <para>
/// The stream is produced in blocks by <see cref="Refill(Span{byte})"/> and consumed strictly in order, so a given
/// sequence of requests always reads the same bytes whatever their sizes. Subclasses may provide other streams
/// (for example a fixed pattern in tests).
/// </para>
/// <para>
/// Consumed bytes are wiped from the internal buffer, and <see cref="Dispose()"/> wipes the rest, so randomness that
/// became part of a secret does not linger here. Instances are not thread-safe.
/// </para>
/// </remarks>
public abstract class RandomSource : IDisposable
{
    /// <summary>The length in bytes of a seed accepted by <see cref="FromSeed(ReadOnlySpan{byte}, ulong)"/>.</summary>
    public const int SeedLength = 32;

    private readonly byte[] _buffer;
    private readonly bool _wipeConsumed;
    private int _position;
    private bool _disposed;

    /// <summary>Creates a source that reads its stream in blocks of <paramref name="blockSize"/> bytes.</summary>
    /// <param name="blockSize">The number of bytes each <see cref="Refill(Span{byte})"/> produces, in <c>[8, 2^20]</c>.</param>
    /// <param name="wipeConsumed">Whether to overwrite bytes with zeros as they are handed out.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blockSize"/> is out of range.</exception>
    protected RandomSource(int blockSize, bool wipeConsumed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 8);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockSize, 1 << 20);
        _buffer = new byte[blockSize];
        _wipeConsumed = wipeConsumed;
        _position = blockSize;
    }

    /// <summary>Creates a source backed by the operating system's CSPRNG (<see cref="RandomNumberGenerator"/>).</summary>
    /// <returns>A new non-deterministic source.</returns>
    public static RandomSource CreateSystem() => new SystemRandomSource();

    /// <summary>
    /// Creates a deterministic source that expands <paramref name="seed"/> with AES-256 in counter mode;
    /// <paramref name="stream"/> selects one of 2^64 independent streams of the same seed.
    /// </summary>
    /// <remarks>
    /// The key is <c>SHA-256("CkksRns.Seed.v2" ‖ seed)</c>, and the stream is the concatenation of the 16-byte blocks
    /// <c>AES-256(key, LE64(stream) ‖ LE64(j))</c> for <c>j = 0, 1, …</c>. The definition is fixed: the same seed gives
    /// the same bytes on every machine (docs/format.md, "Seeds").
    /// </remarks>
    /// <param name="seed">Exactly <see cref="SeedLength"/> bytes.</param>
    /// <param name="stream">The stream index (domain separation between uses of one seed).</param>
    /// <returns>A new deterministic source.</returns>
    /// <exception cref="ArgumentException"><paramref name="seed"/> is not <see cref="SeedLength"/> bytes long.</exception>
    public static RandomSource FromSeed(ReadOnlySpan<byte> seed, ulong stream = 0) => new AesCtrRandomSource(seed, stream);

    /// <summary>Returns a fresh 32-byte seed from the operating system's CSPRNG.</summary>
    /// <returns>A new array of <see cref="SeedLength"/> random bytes.</returns>
    public static byte[] CreateSeed() => RandomNumberGenerator.GetBytes(SeedLength);

    /// <summary>Fills <paramref name="destination"/> with the next bytes of the stream.</summary>
    /// <param name="destination">The bytes to overwrite.</param>
    /// <exception cref="ObjectDisposedException">The source has been disposed.</exception>
    public void Fill(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_position == _buffer.Length)
            {
                Next();
            }

            int take = Math.Min(destination.Length, _buffer.Length - _position);
            Span<byte> chunk = _buffer.AsSpan(_position, take);
            chunk.CopyTo(destination);
            if (_wipeConsumed)
            {
                chunk.Clear();
            }

            _position += take;
            destination = destination[take..];
        }
    }

    /// <summary>Returns the next <paramref name="byteCount"/> bytes of the stream as a little-endian integer.</summary>
    /// <param name="byteCount">1 to 8.</param>
    /// <returns>A value below <c>2^(8·byteCount)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong NextUInt64(int byteCount)
    {
        if (_position <= _buffer.Length - 8)
        {
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position, 8));
            if (byteCount < 8)
            {
                value &= (1UL << (8 * byteCount)) - 1;
            }

            if (_wipeConsumed)
            {
                _buffer.AsSpan(_position, byteCount).Clear();
            }

            _position += byteCount;
            return value;
        }

        Span<byte> scratch = stackalloc byte[8];
        scratch.Clear();
        Fill(scratch[..byteCount]);
        ulong result = BinaryPrimitives.ReadUInt64LittleEndian(scratch);
        scratch.Clear();
        return result;
    }

    /// <summary>Returns the next byte of the stream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte NextByte()
    {
        if (_position == _buffer.Length)
        {
            Next();
        }

        ref byte b = ref _buffer[_position++];
        byte value = b;
        if (_wipeConsumed)
        {
            b = 0;
        }

        return value;
    }

    /// <summary>Writes the next block of the stream; it must fill <paramref name="block"/> entirely.</summary>
    /// <param name="block">The buffer to fill, of the block size given to the constructor.</param>
    protected abstract void Refill(Span<byte> block);

    /// <summary>Wipes the buffered bytes and releases resources.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Wipes the buffered bytes; subclasses release their own resources.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        CryptographicOperations.ZeroMemory(_buffer);
        _position = _buffer.Length;
        _disposed = true;
    }

    private void Next()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Refill(_buffer);
        _position = 0;
    }
}
