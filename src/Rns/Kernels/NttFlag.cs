namespace CkksRns.Rns.Kernels;

/// <summary>A compile-time boolean for generic kernels (the JIT specializes per struct, so branches on it vanish).</summary>
internal interface INttFlag
{
    /// <summary>The value.</summary>
    static abstract bool Value { get; }
}

/// <summary><see cref="INttFlag"/> that is true.</summary>
internal readonly struct NttTrue : INttFlag
{
    public static bool Value => true;
}

/// <summary><see cref="INttFlag"/> that is false.</summary>
internal readonly struct NttFalse : INttFlag
{
    public static bool Value => false;
}
