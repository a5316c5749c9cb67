using System.Buffers.Binary;
using CkksRns.Ckks;
using CkksRns.Ckks.Serialization;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// A message between client and server: the encrypted images of a request, or the encrypted outputs (logits or
/// features) of a reply, with how many images it carries.
/// </summary>
/// <remarks>
/// Format (little-endian): magic <c>CKRB</c>, version (u16), packing (u8), kind (u8: 0 request, 1 reply), image count
/// (i32), values per image (i32), ciphertext count (i32), then each ciphertext in the library's format
/// (<see cref="CkksSerializer"/>, docs/format.md), fresh client encryptions in their compressed seeded form.
/// </remarks>
public sealed class EncryptedBatch
{
    /// <summary>The format version written.</summary>
    public const ushort FormatVersion = 1;

    /// <summary>The most ciphertexts a batch may hold.</summary>
    public const int MaxCiphertexts = 1 << 16;

    private static ReadOnlySpan<byte> Magic => "CKRB"u8;

    /// <summary>Creates a batch.</summary>
    /// <param name="packing">The packing the ciphertexts are laid out in.</param>
    /// <param name="isReply">False for a request (encrypted images), true for a reply (encrypted outputs).</param>
    /// <param name="count">The number of images.</param>
    /// <param name="valuesPerImage">Values per image (pixels for a request, outputs for a reply).</param>
    /// <param name="ciphertexts">The ciphertexts, all of one context.</param>
    /// <exception cref="ArgumentNullException"><paramref name="ciphertexts"/> is null.</exception>
    /// <exception cref="ArgumentException">No ciphertexts, too many, mixed contexts, or a count out of range.</exception>
    public EncryptedBatch(Packing packing, bool isReply, int count, int valuesPerImage, IReadOnlyList<Ciphertext> ciphertexts)
    {
        ArgumentNullException.ThrowIfNull(ciphertexts);
        if (ciphertexts.Count == 0 || ciphertexts.Count > MaxCiphertexts)
        {
            throw new ArgumentException($"A batch holds 1 to {MaxCiphertexts} ciphertexts; got {ciphertexts.Count}.", nameof(ciphertexts));
        }

        CkksContext context = ciphertexts[0].Context;
        foreach (Ciphertext c in ciphertexts)
        {
            ArgumentNullException.ThrowIfNull(c, nameof(ciphertexts));
            if (!ReferenceEquals(c.Context, context))
            {
                throw new ArgumentException("The ciphertexts of a batch must share one CkksContext.", nameof(ciphertexts));
            }
        }

        if (count < 1 || count > context.Parameters.Slots)
        {
            throw new ArgumentException($"A batch carries 1 to {context.Parameters.Slots} images; got {count}.", nameof(count));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(valuesPerImage, 1);
        Packing = packing;
        IsReply = isReply;
        Count = count;
        ValuesPerImage = valuesPerImage;
        Ciphertexts = ciphertexts;
        Context = context;
    }

    /// <summary>The packing.</summary>
    public Packing Packing { get; }

    /// <summary>Whether this is a reply (outputs) rather than a request (images).</summary>
    public bool IsReply { get; }

    /// <summary>The number of images.</summary>
    public int Count { get; }

    /// <summary>Values per image.</summary>
    public int ValuesPerImage { get; }

    /// <summary>The ciphertexts.</summary>
    public IReadOnlyList<Ciphertext> Ciphertexts { get; }

    /// <summary>The context of the ciphertexts.</summary>
    public CkksContext Context { get; }

    /// <summary>Writes the batch.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="compress">Whether fresh encryptions are written in their seeded (half-size) form.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public void Save(Stream stream, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[20];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], FormatVersion);
        header[6] = (byte)Packing;
        header[7] = IsReply ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], ValuesPerImage);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], Ciphertexts.Count);
        stream.Write(header);
        foreach (Ciphertext c in Ciphertexts)
        {
            CkksSerializer.Save(c, stream, compress);
        }
    }

    /// <summary>The number of bytes <see cref="Save"/> writes.</summary>
    /// <param name="compress">As for <see cref="Save"/>.</param>
    public long SerializedSize(bool compress = true)
    {
        using var counter = new CountingStream();
        Save(counter, compress);
        return counter.Length;
    }

    /// <summary>
    /// Reads a batch for <paramref name="context"/>'s parameters. The uniform halves of seeded ciphertexts are expanded
    /// from their seeds after the stream has been read, on up to <see cref="CkksContext.MaxDegreeOfParallelism"/> threads.
    /// </summary>
    /// <param name="context">The reader's context.</param>
    /// <param name="stream">A readable stream.</param>
    /// <returns>The batch.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidDataException">The data is malformed, truncated, of another version, or made with other parameters.</exception>
    public static EncryptedBatch Load(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[20];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
        {
            throw new InvalidDataException("The encrypted batch is truncated: its 20-byte header is incomplete.");
        }

        if (!header[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not an encrypted batch: the magic is not 'CKRB'.");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Encrypted batch version {version} is not supported (expected {FormatVersion}).");
        }

        var packing = (Packing)header[6];
        if (!Enum.IsDefined(packing) || header[7] > 1)
        {
            throw new InvalidDataException($"Encrypted batch header: packing {header[6]} or kind {header[7]} is not defined.");
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        int values = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        int ciphertexts = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
        if (count < 1 || count > context.Parameters.Slots || values < 1 || values > 1 << 24 || ciphertexts < 1 || ciphertexts > MaxCiphertexts)
        {
            throw new InvalidDataException(
                $"Encrypted batch header out of range: {count} images (1 to {context.Parameters.Slots}), {values} values per image, {ciphertexts} ciphertexts (1 to {MaxCiphertexts}).");
        }

        var list = new List<Ciphertext>(Math.Min(ciphertexts, 1024));
        for (int i = 0; i < ciphertexts; i++)
        {
            list.Add(CkksSerializer.LoadCiphertext(context, stream, expandSeed: false));
        }

        // The stream is read in order; the seeds (an AES-256-CTR stream and rejection sampling per polynomial) expand in parallel.
        Parallel.ForEach(
            list.Where(c => c.Seed is not null),
            new ParallelOptions { MaxDegreeOfParallelism = context.MaxDegreeOfParallelism },
            CkksSerializer.ExpandSeed);

        return new EncryptedBatch(packing, header[7] == 1, count, values, list);
    }
}
