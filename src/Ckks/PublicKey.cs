using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// The public encryption key <c>(b, a) = (-a·s + e, a)</c> modulo <c>Q·P</c> (data and special primes), where <c>a</c>
/// is uniform (expanded from a 32-byte seed) and <c>e</c> a small Gaussian error. Anyone holding it can encrypt.
/// </summary>
/// <remarks>
/// Holding the key modulo the special primes too lets <see cref="Encryptor"/> encrypt modulo <c>Q·P</c> and divide by
/// <c>P</c>, which makes the fresh noise as small as a rounding error (the technique of Microsoft SEAL).
/// </remarks>
public sealed class PublicKey
{
    internal PublicKey(CkksContext context, RnsPoly b, RnsPoly a, RnsPoly bp, RnsPoly ap, byte[] seed)
    {
        Context = context;
        B = b;
        A = a;
        BP = bp;
        AP = ap;
        Seed = seed;
    }

    /// <summary>The context the key belongs to.</summary>
    public CkksContext Context { get; }

    /// <summary><c>b = -a·s + e</c> (all data limbs, NTT form).</summary>
    internal RnsPoly B { get; }

    /// <summary><c>a</c>, uniform (all data limbs, NTT form), expanded from <see cref="Seed"/>.</summary>
    internal RnsPoly A { get; }

    /// <summary><c>b</c> modulo the special primes (NTT form).</summary>
    internal RnsPoly BP { get; }

    /// <summary><c>a</c> modulo the special primes (NTT form), expanded from <see cref="Seed"/> after the data limbs.</summary>
    internal RnsPoly AP { get; }

    /// <summary>The seed <c>a</c> was expanded from (stream 0 of <c>RandomSource.FromSeed</c>), for the compressed form.</summary>
    internal byte[] Seed { get; }
}
