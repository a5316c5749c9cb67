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

    /// <summary>
    /// Whether the stage is the first and its input is encoded at a lower scale than the working one
    /// (<see cref="InferenceOptions.LogInputScale"/>): its weights bring the product to the working scale without a
    /// rescale. Saves one prime of the chain.
    /// </summary>
    public bool LowScaleInput { get; set; }

    /// <summary>Whether the stage ends with a rescale (neither <see cref="Fused"/> nor <see cref="LowScaleInput"/>).</summary>
    public bool Rescales => !Fused && !LowScaleInput;

    /// <summary>The scale the weights are encoded at (set when levels are assigned).</summary>
    public double ConstantScale { get; set; }

    /// <inheritdoc/>
    public override int Depth => Rescales ? 1 : 0;

    /// <inheritdoc/>
    public override string Name { get; } = name;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<double> input, Span<double> output) => Map.Apply(input, output);
}
