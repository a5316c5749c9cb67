namespace CkksRns.Ckks;

/// <summary>
/// The unchecked description of a CKKS parameter set, turned into a validated <see cref="CkksParameters"/> by
/// <see cref="CkksParameters.Create(CkksParametersLiteral)"/>.
/// </summary>
/// <remarks>
/// <para>
/// Give the ring degree as <see cref="LogN"/> or <see cref="N"/>; the data chain <c>q_0, ..., q_L</c> as explicit primes
/// (<see cref="Q"/>) or bit sizes (<see cref="LogQ"/>); the special primes used only inside key switching as explicit
/// primes (<see cref="P"/>), bit sizes (<see cref="LogP"/>), a count (<see cref="SpecialPrimeCount"/>), or not at all
/// (chosen automatically). Setting both forms of one item (Q and LogQ, for example) is refused as ambiguous.
/// </para>
/// <para>
/// SEAL and TenSEAL write a chain such as <c>[40, 26×11, 40]</c> with the special prime last; here that is
/// <c>LogQ = [40, 26, ..., 26]</c> (12 entries) and <c>LogP = [40]</c>.
/// </para>
/// <para>
/// The lists are held by reference: record equality of two literals compares the list objects, not their contents.
/// Compare validated <see cref="CkksParameters"/> instead.
/// </para>
/// </remarks>
public sealed record CkksParametersLiteral
{
    /// <summary><c>log2 N</c> of the ring degree, in <c>[10, 17]</c>. Set this or <see cref="N"/>.</summary>
    public int? LogN { get; init; }

    /// <summary>The ring degree <c>N</c>, a power of two in <c>[2^10, 2^17]</c>. Set this or <see cref="LogN"/>.</summary>
    public int? N { get; init; }

    /// <summary>The data primes <c>q_0, ..., q_L</c>, first to last (rescaling drops the last). Set this or <see cref="LogQ"/>.</summary>
    public IReadOnlyList<ulong>? Q { get; init; }

    /// <summary>The bit sizes of the data primes, first to last; primes are generated deterministically. Set this or <see cref="Q"/>.</summary>
    public IReadOnlyList<int>? LogQ { get; init; }

    /// <summary>The special primes <c>p_0, ..., p_(k-1)</c> used only in key switching. At most one of P, LogP, SpecialPrimeCount.</summary>
    public IReadOnlyList<ulong>? P { get; init; }

    /// <summary>The bit sizes of the special primes. At most one of P, LogP, SpecialPrimeCount.</summary>
    public IReadOnlyList<int>? LogP { get; init; }

    /// <summary>
    /// The number of special primes, their size chosen so that their product covers the largest decomposition digit.
    /// At most one of P, LogP, SpecialPrimeCount; none of them means automatic.
    /// </summary>
    public int? SpecialPrimeCount { get; init; }

    /// <summary>
    /// The key-switching decomposition size <c>dnum</c> (number of digits, each a run of consecutive data primes), in
    /// <c>[1, L+1]</c>; <see langword="null"/> chooses it automatically.
    /// </summary>
    /// <remarks>
    /// Automatic choice: with given special primes, the smallest <c>dnum</c> whose largest digit is covered by <c>P</c>
    /// (SEAL's layout, one special prime as large as the largest data prime, gives <c>dnum = L+1</c>); with automatic
    /// special primes, among the <c>dnum</c> whose <c>Q·P</c> stays within the security bound, the one with the cheapest
    /// estimated key switch (NTTs, base conversions and inner product, averaged over the levels); with
    /// <see cref="SecurityLevel.None"/>, one digit.
    /// </remarks>
    public int? Dnum { get; init; }

    /// <summary>The default encoding scale <c>Δ</c>. At most one of DefaultScale and LogDefaultScale.</summary>
    public double? DefaultScale { get; init; }

    /// <summary><c>log2 Δ</c> of the default encoding scale. At most one of DefaultScale and LogDefaultScale.</summary>
    public int? LogDefaultScale { get; init; }

    /// <summary>The security level the set must reach; <see cref="SecurityLevel.Bits128"/> unless set.</summary>
    public SecurityLevel SecurityLevel { get; init; } = SecurityLevel.Bits128;
}
