using System.Numerics;

namespace CkksRns.Ckks.Serialization;

/// <summary>Fixed values and sizes of the serialization format (docs/format.md).</summary>
internal static class FormatConstants
{
    /// <summary>The four magic bytes every object starts with: ASCII <c>CKRS</c>.</summary>
    public static ReadOnlySpan<byte> Magic => "CKRS"u8;

    /// <summary>The format version this code writes and reads.</summary>
    public const ushort Version = 3;

    /// <summary>The header size in bytes: magic, version, kind, flags, fingerprint, body length.</summary>
    public const int HeaderSize = 32;

    /// <summary>The number of fingerprint bytes in the header (a truncated SHA-256).</summary>
    public const int FingerprintSize = 16;

    /// <summary>Flag bit 0: the uniform half of the object is replaced by its 32-byte seed.</summary>
    public const byte SeededFlag = 1;

    /// <summary>The length of a seed.</summary>
    public const int SeedSize = Rns.Sampling.RandomSource.SeedLength;

    /// <summary>The bytes per coefficient for a prime: <c>ceil(bits(q) / 8)</c>.</summary>
    public static int ByteWidth(ulong modulus) => (64 - BitOperations.LeadingZeroCount(modulus) + 7) / 8;

    /// <summary>The human-readable name of a kind, for messages.</summary>
    public static string Describe(SerializedKind kind) => kind switch
    {
        SerializedKind.Parameters => "parameter set",
        SerializedKind.PublicKey => "public key",
        SerializedKind.RelinearizationKey => "relinearization key",
        SerializedKind.GaloisKeys => "Galois key set",
        SerializedKind.SecretKey => "secret key",
        SerializedKind.Ciphertext => "ciphertext",
        SerializedKind.Plaintext => "plaintext",
        _ => $"unknown kind {(byte)kind}",
    };
}
