namespace CkksRns.Nn.Training;

/// <summary>How activations are trained (Obla et al., 2020).</summary>
public enum TrainingMode
{
    /// <summary>ReLU everywhere: the plaintext baseline (cannot be encrypted).</summary>
    Relu = 0,

    /// <summary>"SLAF": polynomial activations from the start; weights and coefficients trained together.</summary>
    Slaf = 1,

    /// <summary>
    /// "SLAF-R": train with ReLU, freeze weights and normalisation, replace each ReLU by a SLAF fitted to it on
    /// observed inputs, and re-train only the coefficients.
    /// </summary>
    SlafR = 2,
}
