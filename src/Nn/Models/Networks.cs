using CkksRns.Nn.Layers;

namespace CkksRns.Nn.Models;

/// <summary>Builders for the CNN1 and CNN2 networks of the reference work (inputs (1, 28, 28), 10 classes).</summary>
public static class Networks
{
    /// <summary>Builds <paramref name="architecture"/> with Kaiming-initialised weights derived from <paramref name="seed"/>.</summary>
    /// <param name="architecture">CNN1 or CNN2.</param>
    /// <param name="activation">ReLU or SLAF after each hidden linear layer.</param>
    /// <param name="seed">Seed of the weight initialisation (each layer gets its own derived stream).</param>
    /// <param name="slafDegree">SLAF degree (1..8).</param>
    /// <param name="granularity">SLAF coefficients per neuron or per channel.</param>
    /// <exception cref="ArgumentOutOfRangeException">Unknown architecture or activation, or a bad degree.</exception>
    public static Sequential Create(Architecture architecture, ActivationKind activation, ulong seed, int slafDegree = 3, SlafGranularity granularity = SlafGranularity.PerNeuron)
    {
        Layer Act(TensorShape shape) => activation switch
        {
            ActivationKind.Relu => new Relu(),
            ActivationKind.Slaf => new Slaf(shape, slafDegree, granularity),
            _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
        };

        ulong S(ulong layer) => Rng.Derive(seed, layer);
        var input = new TensorShape(1, 28, 28);
        return architecture switch
        {
            Architecture.Cnn1 => new Sequential(
                input,
                new Conv2d(1, 5, 5, stride: 2, padding: 1, seed: S(1)),
                Act(new TensorShape(5, 13, 13)),
                new Flatten(),
                new Dense(845, 100, seed: S(2)),
                Act(new TensorShape(100)),
                new Dense(100, 10, seed: S(3))),
            Architecture.Cnn2 => new Sequential(
                input,
                new Conv2d(1, 5, 5, stride: 2, padding: 1, seed: S(1)),
                new BatchNorm(5),
                Act(new TensorShape(5, 13, 13)),
                new Conv2d(5, 50, 5, stride: 2, padding: 0, seed: S(2)),
                new BatchNorm(50),
                Act(new TensorShape(50, 5, 5)),
                new Flatten(),
                new Dense(1250, 100, seed: S(3)),
                new BatchNorm(100),
                Act(new TensorShape(100)),
                new Dense(100, 10, seed: S(4))),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Unknown architecture."),
        };
    }
}
