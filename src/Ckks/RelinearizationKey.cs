namespace CkksRns.Ckks;

/// <summary>
/// The evaluation key that turns a size-3 ciphertext <c>(c_0, c_1, c_2)</c> (after a multiplication) back into a
/// size-2 one: a key-switching key from <c>s²</c> to <c>s</c>. Public; give it to whoever evaluates.
/// </summary>
public sealed class RelinearizationKey
{
    internal RelinearizationKey(CkksContext context, KeySwitchingKey key)
    {
        Context = context;
        Key = key;
    }

    /// <summary>The context the key belongs to.</summary>
    public CkksContext Context { get; }

    /// <summary>The key-switching key from <c>s²</c> to <c>s</c>.</summary>
    internal KeySwitchingKey Key { get; }
}
