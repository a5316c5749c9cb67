namespace CkksRns.Ckks;

/// <summary>
/// The classical security level a parameter set must reach, following the HomomorphicEncryption.org standard for a
/// uniform ternary secret (<see href="https://homomorphicencryption.org/standard/">Albrecht et al. 2018</see>).
/// </summary>
public enum SecurityLevel
{
    /// <summary>No bound at all. For tests and experiments only: such parameters protect nothing.</summary>
    None = 0,

    /// <summary>128-bit classical security (the default).</summary>
    Bits128 = 128,

    /// <summary>192-bit classical security.</summary>
    Bits192 = 192,

    /// <summary>256-bit classical security.</summary>
    Bits256 = 256,
}
