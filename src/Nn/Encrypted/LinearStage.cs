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

    /// <inheritdoc/>
    public override int Depth => 1;

    /// <inheritdoc/>
    public override string Name { get; } = name;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<double> input, Span<double> output) => Map.Apply(input, output);
}
