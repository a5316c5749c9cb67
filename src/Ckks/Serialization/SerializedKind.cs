namespace CkksRns.Ckks.Serialization;

/// <summary>The object kinds of the serialization format (header byte 6); see docs/format.md.</summary>
internal enum SerializedKind : byte
{
    /// <summary>A <see cref="CkksParameters"/> set.</summary>
    Parameters = 1,

    /// <summary>A <see cref="Ckks.PublicKey"/>.</summary>
    PublicKey = 2,

    /// <summary>A <see cref="Ckks.RelinearizationKey"/>.</summary>
    RelinearizationKey = 3,

    /// <summary>A set of <see cref="Ckks.GaloisKeys"/>.</summary>
    GaloisKeys = 4,

    /// <summary>A <see cref="Ckks.SecretKey"/> (written only on explicit request).</summary>
    SecretKey = 5,

    /// <summary>A <see cref="Ckks.Ciphertext"/>.</summary>
    Ciphertext = 6,

    /// <summary>A <see cref="Ckks.Plaintext"/>.</summary>
    Plaintext = 7,
}
