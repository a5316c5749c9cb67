namespace CkksRns.Ckks;

/// <summary>
/// The evaluation key that turns a ciphertext of size 3 (after a multiplication), or up to
/// <see cref="MaxCiphertextSize"/>, back into a size-2 one: key-switching keys from <c>s²</c> (and <c>s³</c>) to
/// <c>s</c>. Public; give it to whoever evaluates.
/// </summary>
public sealed class RelinearizationKey
{
    internal RelinearizationKey(CkksContext context, IReadOnlyList<KeySwitchingKey> keys)
    {
        Context = context;
        Keys = keys;
    }

    /// <summary>The context the key belongs to.</summary>
    public CkksContext Context { get; }

    /// <summary>
    /// The largest ciphertext size the key relinearizes: 3 for a key from <c>s²</c> only (the default), 4 when it also
    /// switches <c>s³</c> (see <see cref="KeyGenerator.CreateRelinearizationKey(int)"/>).
    /// </summary>
    public int MaxCiphertextSize => Keys.Count + 2;

    /// <summary>The key-switching key from <c>s²</c> to <c>s</c>.</summary>
    internal KeySwitchingKey Key => Keys[0];

    /// <summary>The key-switching keys from <c>s^(j+2)</c> to <c>s</c>, <c>j = 0 .. MaxCiphertextSize − 3</c>.</summary>
    internal IReadOnlyList<KeySwitchingKey> Keys { get; }
}
