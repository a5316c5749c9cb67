namespace CkksRns.Nn.Layers;

/// <summary>Which activations share one coefficient vector of a <see cref="Slaf"/>.</summary>
public enum SlafGranularity
{
    /// <summary>Every element of a sample (every neuron) has its own polynomial.</summary>
    PerNeuron = 0,

    /// <summary>All elements of one channel (the first per-sample dimension) share a polynomial.</summary>
    PerChannel = 1,
}
