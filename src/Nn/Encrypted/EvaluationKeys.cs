using CkksRns.Ckks;
using CkksRns.Ckks.Serialization;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// The public evaluation keys a server needs for a plan: a relinearization key (when an activation squares) and Galois
/// keys for exactly the plan's rotation steps (latency packing). No secret material.
/// </summary>
public sealed class EvaluationKeys
{
    /// <summary>Creates the key set.</summary>
    /// <param name="context">The context the keys belong to.</param>
    /// <param name="relinearizationKey">The relinearization key, or null.</param>
    /// <param name="galoisKeys">The Galois keys, or null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="ArgumentException">A key belongs to another context.</exception>
    public EvaluationKeys(CkksContext context, RelinearizationKey? relinearizationKey, GaloisKeys? galoisKeys)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (relinearizationKey is not null && !ReferenceEquals(relinearizationKey.Context, context) ||
            galoisKeys is not null && !ReferenceEquals(galoisKeys.Context, context))
        {
            throw new ArgumentException("The keys belong to another CkksContext than the one given.", nameof(context));
        }

        Context = context;
        RelinearizationKey = relinearizationKey;
        GaloisKeys = galoisKeys;
    }

    /// <summary>The context the keys belong to.</summary>
    public CkksContext Context { get; }

    /// <summary>The relinearization key, if the plan needs one.</summary>
    public RelinearizationKey? RelinearizationKey { get; }

    /// <summary>The Galois keys, if the plan rotates.</summary>
    public GaloisKeys? GaloisKeys { get; }

    /// <summary>Writes the keys (a flag byte per key, then the key in the library's format, seeded when <paramref name="compress"/>).</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="compress">Whether to write the compressed seeded form.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public void Save(Stream stream, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.WriteByte(RelinearizationKey is null ? (byte)0 : (byte)1);
        if (RelinearizationKey is not null)
        {
            CkksSerializer.Save(RelinearizationKey, stream, compress);
        }

        stream.WriteByte(GaloisKeys is null ? (byte)0 : (byte)1);
        if (GaloisKeys is not null)
        {
            CkksSerializer.Save(GaloisKeys, stream, compress);
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

    /// <summary>Reads keys written by <see cref="Save"/> into <paramref name="context"/>.</summary>
    /// <param name="context">The server's context (same parameters as the client's).</param>
    /// <param name="stream">A readable stream.</param>
    /// <returns>The keys.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidDataException">The data is malformed, truncated, or made with other parameters.</exception>
    public static EvaluationKeys Load(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(stream);
        RelinearizationKey? relin = ReadFlag(stream) ? CkksSerializer.LoadRelinearizationKey(context, stream) : null;
        GaloisKeys? galois = ReadFlag(stream) ? CkksSerializer.LoadGaloisKeys(context, stream) : null;
        return new EvaluationKeys(context, relin, galois);
    }

    private static bool ReadFlag(Stream stream) => stream.ReadByte() switch
    {
        0 => false,
        1 => true,
        -1 => throw new InvalidDataException("The evaluation keys are truncated."),
        int b => throw new InvalidDataException($"Evaluation keys: flag byte {b} is not 0 or 1."),
    };
}
