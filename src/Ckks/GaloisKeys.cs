namespace CkksRns.Ckks;

/// <summary>
/// Evaluation keys for slot rotations and complex conjugation: for each Galois element <c>g</c>, a key-switching key
/// from <c>σ_g(s)</c> (the secret under <c>X → X^g</c>) to <c>s</c>. Rotating left by <c>k</c> slots uses
/// <c>g = 5^k mod 2N</c>; conjugation uses <c>g = 2N - 1</c>. Public; give it to whoever evaluates.
/// </summary>
public sealed class GaloisKeys
{
    private readonly Dictionary<long, KeySwitchingKey> _keys;

    internal GaloisKeys(CkksContext context, Dictionary<long, KeySwitchingKey> keys)
    {
        Context = context;
        _keys = keys;
        GaloisElements = [.. keys.Keys.Order()];
    }

    /// <summary>The context the keys belong to.</summary>
    public CkksContext Context { get; }

    /// <summary>The Galois elements there is a key for, in increasing order.</summary>
    public IReadOnlyList<long> GaloisElements { get; }

    /// <summary>Whether there is a key for Galois element <paramref name="galoisElement"/>.</summary>
    /// <param name="galoisElement">The Galois element (taken modulo <c>2N</c>).</param>
    /// <returns><see langword="true"/> when the key exists.</returns>
    public bool Contains(long galoisElement) => _keys.ContainsKey(Normalize(galoisElement));

    /// <summary>Whether there is a key for a rotation by exactly <paramref name="step"/> slots (left when positive).</summary>
    /// <param name="step">The rotation step.</param>
    /// <returns><see langword="true"/> when the key exists (other steps can still be composed from the available keys).</returns>
    public bool ContainsRotation(int step) => Contains(Context.GaloisElementForRotation(step));

    /// <summary>The key for <paramref name="galoisElement"/>, or null.</summary>
    internal KeySwitchingKey? Find(long galoisElement) => _keys.GetValueOrDefault(Normalize(galoisElement));

    /// <summary>All keys by Galois element.</summary>
    internal IReadOnlyDictionary<long, KeySwitchingKey> Keys => _keys;

    private long Normalize(long galoisElement)
    {
        long twoN = 2L * Context.Parameters.N;
        return ((galoisElement % twoN) + twoN) % twoN;
    }
}
