namespace CkksRns.Nn.Models;

/// <summary>The activation placed after each hidden linear layer.</summary>
public enum ActivationKind
{
    /// <summary><see cref="Layers.Relu"/>: plaintext only.</summary>
    Relu = 0,

    /// <summary><see cref="Layers.Slaf"/>: a trainable polynomial, evaluable under encryption.</summary>
    Slaf = 1,
}
