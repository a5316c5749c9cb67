namespace CkksRns.Nn.Encrypted;

/// <summary>A run of linear layers composed into one affine map; consumes one level.</summary>
internal sealed class LinearStage(LinearMap map, string name) : PlanStage
{
    /// <summary>The composed map.</summary>
    public LinearMap Map { get; } = map;

    /// <inheritdoc/>
    public override int InputLength => Map.InputLength;

    /// <inheritdoc/>
    public override int OutputLength => Map.OutputLength;

    /// <summary>
    /// Whether the stage is fused with the activation after it: it does not rescale, and that activation's two primes
    /// (twice the scale's size) absorb its scale. Saves one prime of the chain.
    /// </summary>
    public bool Fused { get; set; }

    /// <summary>The scale the weights are encoded at (set when levels are assigned).</summary>
    public double ConstantScale { get; set; }

    /// <inheritdoc/>
    public override int Depth => Fused ? 0 : 1;

    /// <inheritdoc/>
    public override string Name { get; } = name;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<double> input, Span<double> output) => Map.Apply(input, output);
}
