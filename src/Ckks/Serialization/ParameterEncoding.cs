using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace CkksRns.Ckks.Serialization;

/// <summary>
/// The canonical byte encoding of a <see cref="CkksParameters"/> set (the body of a serialized parameter set) and the
/// fingerprint derived from it: the first 16 bytes of its SHA-256.
/// </summary>
internal static class ParameterEncoding
{
    /// <summary>The size of the fixed part, before the primes.</summary>
    public const int FixedSize = 20;

    private static readonly ConditionalWeakTable<CkksParameters, byte[]> Fingerprints = [];

    /// <summary>The body size for <paramref name="qCount"/> data and <paramref name="pCount"/> special primes.</summary>
    public static int BodySize(int qCount, int pCount) => FixedSize + 8 * (qCount + pCount);

    /// <summary>The canonical encoding of <paramref name="parameters"/>.</summary>
    public static byte[] Encode(CkksParameters parameters)
    {
        ReadOnlySpan<ulong> q = parameters.QSpan, p = parameters.PSpan;
        byte[] bytes = new byte[BodySize(q.Length, p.Length)];
        Span<byte> span = bytes;
        span[0] = (byte)parameters.LogN;
        span[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], (ushort)(int)parameters.SecurityLevel);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], (ushort)q.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)p.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], (ushort)parameters.DigitSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(span[12..], BitConverter.DoubleToUInt64Bits(parameters.DefaultScale));
        int offset = FixedSize;
        foreach (ulong value in q)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[offset..], value);
            offset += 8;
        }

        foreach (ulong value in p)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[offset..], value);
            offset += 8;
        }

        return bytes;
    }

    /// <summary>The 16-byte fingerprint of <paramref name="parameters"/> (cached per instance).</summary>
    public static ReadOnlySpan<byte> Fingerprint(CkksParameters parameters) =>
        Fingerprints.GetValue(parameters, static p => Fingerprint(Encode(p)));

    /// <summary>The 16-byte fingerprint of a canonical encoding.</summary>
    public static byte[] Fingerprint(ReadOnlySpan<byte> canonicalEncoding) =>
        SHA256.HashData(canonicalEncoding)[..FormatConstants.FingerprintSize];
}
