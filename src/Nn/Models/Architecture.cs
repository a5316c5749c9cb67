namespace CkksRns.Nn.Models;

/// <summary>The two MNIST networks of the reference work.</summary>
public enum Architecture
{
    /// <summary>LoLa-like: Conv2d(1→5, 5×5, stride 2, pad 1) → act → Dense(845→100) → act → Dense(100→10).</summary>
    Cnn1 = 1,

    /// <summary>
    /// CryptoNets-like: Conv2d(1→5, 5×5, s2, p1) → BN → act → Conv2d(5→50, 5×5, s2) → BN → act → Dense(1250→100) → BN →
    /// act → Dense(100→10).
    /// </summary>
    Cnn2 = 2,
}
