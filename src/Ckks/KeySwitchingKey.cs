using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// A hybrid key-switching key from a secret <c>s'</c> to the secret <c>s</c>: for each digit <c>j</c>, the pair
/// <c>(b_j, a_j)</c> modulo <c>Q·P</c> with <c>b_j = -a_j·s + e_j + P·[s']_(D_j)</c>, where the last term is
/// <c>P·s'</c> on the data primes of digit <c>j</c> and zero elsewhere.
/// </summary>
/// <remarks>
/// The <c>a_j</c> are expanded from <see cref="Seed"/>: digit <c>j</c> reads stream <c>j</c> of
/// <c>RandomSource.FromSeed(Seed, j)</c>, first the data limbs, then the special limbs, all directly in NTT form.
/// </remarks>
internal sealed class KeySwitchingKey
{
    public KeySwitchingKey(RnsPoly[] bq, RnsPoly[] bp, RnsPoly[] aq, RnsPoly[] ap, byte[] seed)
    {
        BQ = bq;
        BP = bp;
        AQ = aq;
        AP = ap;
        Seed = seed;
    }

    /// <summary>The number of digits.</summary>
    public int DigitCount => BQ.Length;

    /// <summary><c>b_j</c> modulo the data primes (NTT form).</summary>
    public RnsPoly[] BQ { get; }

    /// <summary><c>b_j</c> modulo the special primes (NTT form).</summary>
    public RnsPoly[] BP { get; }

    /// <summary><c>a_j</c> modulo the data primes (NTT form).</summary>
    public RnsPoly[] AQ { get; }

    /// <summary><c>a_j</c> modulo the special primes (NTT form).</summary>
    public RnsPoly[] AP { get; }

    /// <summary>The seed of the <c>a_j</c>.</summary>
    public byte[] Seed { get; }
}
