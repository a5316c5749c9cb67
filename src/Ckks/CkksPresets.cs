namespace CkksRns.Ckks;

/// <summary>
/// Ready-made parameter literals. Pass one to <see cref="CkksParameters.Create(CkksParametersLiteral)"/>, or copy it with
/// <c>with { ... }</c> to change a field.
/// </summary>
/// <remarks>
/// Prime sizes in SEAL/TenSEAL notation (<c>[40, 26×11, 40]</c>) list the special prime last; here it is in
/// <see cref="CkksParametersLiteral.LogP"/>. All presets reach 128-bit security (HomomorphicEncryption.org table).
/// <para>
/// The <c>SealDefault*</c> presets copy the coefficient moduli of SEAL's <c>CoeffModulus.BFVDefault</c>, which SEAL's
/// benchmarks also use for CKKS. They are sized for BFV, not for rescaling: their data primes (36–56 bits) are larger
/// than the default scale (2^20–2^45), so each rescale divides by a prime bigger than the scale and leaves the scale
/// about <c>2^(bits(q) − log2 scale)</c> smaller (for <see cref="SealDefault16384"/>, 48–49-bit primes against
/// 2^40: about 8 bits per level), and the levels run out of precision quickly. Use them to compare with SEAL's
/// timings; for computations, choose primes about the size of the scale (docs/parameters.md).
/// </para>
/// </remarks>
public static class CkksPresets
{
    private static int[] Repeat(int first, int value, int count) => [first, .. Enumerable.Repeat(value, count)];

    /// <summary>
    /// The reference paper's set in SEAL's layout: <c>N = 2^14</c>, scale <c>2^26</c>, data primes <c>[40, 26×11]</c>,
    /// one 40-bit special prime (<c>[40, 26×11, 40]</c>, <c>log2(QP) = 366 ≤ 438</c>), one digit per prime (<c>dnum = 12</c>).
    /// Eleven levels of multiplication.
    /// </summary>
    public static CkksParametersLiteral ReferencePaper { get; } = new()
    {
        LogN = 14,
        LogQ = Repeat(40, 26, 11),
        LogP = [40],
        LogDefaultScale = 26,
        SecurityLevel = SecurityLevel.Bits128,
    };

    /// <summary>
    /// The reference paper's data chain (<c>N = 2^14</c>, scale <c>2^26</c>, <c>[40, 26×11]</c>) with special primes and
    /// <c>dnum</c> chosen automatically within the 438-bit bound (two 46-bit special primes, <c>dnum = 4</c>): the same
    /// eleven levels, with much cheaper key switching than <see cref="ReferencePaper"/>.
    /// </summary>
    public static CkksParametersLiteral ReferencePaperHybrid { get; } = new()
    {
        LogN = 14,
        LogQ = Repeat(40, 26, 11),
        LogDefaultScale = 26,
        SecurityLevel = SecurityLevel.Bits128,
    };

    /// <summary>SEAL's default 128-bit set for <c>N = 4096</c>: <c>[36, 36, 37]</c>, the last one special; scale <c>2^20</c>.</summary>
    public static CkksParametersLiteral SealDefault4096 { get; } = new()
    {
        LogN = 12,
        LogQ = [36, 36],
        LogP = [37],
        LogDefaultScale = 20,
        SecurityLevel = SecurityLevel.Bits128,
    };

    /// <summary>SEAL's default 128-bit set for <c>N = 8192</c>: <c>[43, 43, 44, 44, 44]</c>, the last one special; scale <c>2^30</c>.</summary>
    public static CkksParametersLiteral SealDefault8192 { get; } = new()
    {
        LogN = 13,
        LogQ = [43, 43, 44, 44],
        LogP = [44],
        LogDefaultScale = 30,
        SecurityLevel = SecurityLevel.Bits128,
    };

    /// <summary>
    /// SEAL's default 128-bit set for <c>N = 16384</c>: <c>[48, 48, 48, 49, 49, 49, 49, 49, 49]</c>, the last one special
    /// (eight data primes); scale <c>2^40</c>.
    /// </summary>
    public static CkksParametersLiteral SealDefault16384 { get; } = new()
    {
        LogN = 14,
        LogQ = [48, 48, 48, 49, 49, 49, 49, 49],
        LogP = [49],
        LogDefaultScale = 40,
        SecurityLevel = SecurityLevel.Bits128,
    };

    /// <summary>SEAL's default 128-bit set for <c>N = 32768</c>: <c>[55×15, 56]</c>, the last one special; scale <c>2^45</c>.</summary>
    public static CkksParametersLiteral SealDefault32768 { get; } = new()
    {
        LogN = 15,
        LogQ = [.. Enumerable.Repeat(55, 15)],
        LogP = [56],
        LogDefaultScale = 45,
        SecurityLevel = SecurityLevel.Bits128,
    };
}
