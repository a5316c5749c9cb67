namespace CkksRns.Nn.Encrypted;

/// <summary>How images are laid out in CKKS slots for encrypted inference.</summary>
public enum Packing
{
    /// <summary>
    /// One image per request: the client packs the image im2col-style into a few ciphertexts; convolutions and dense
    /// layers are diagonal linear transforms with rotations, activations are evaluated slot-wise. Lowest latency.
    /// </summary>
    Latency = 0,

    /// <summary>
    /// Up to N/2 images per request, slot j holding image j (CryptoNets style): every pixel and every neuron is one
    /// ciphertext, layers are multiply-accumulates with constants, no rotations. Highest throughput.
    /// </summary>
    Throughput = 1,
}
