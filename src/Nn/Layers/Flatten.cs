namespace CkksRns.Nn.Layers;

/// <summary>Reshapes each sample to one dimension (row-major order); no computation, no copy.</summary>
public sealed class Flatten : Layer
{
    private TensorShape _inputShape;
    private TensorShape _outputShape;
    private bool _hasInput;

    /// <inheritdoc/>
    public override int MultiplicativeDepth => 0;

    /// <inheritdoc/>
    public override TensorShape GetOutputShape(TensorShape inputShape) => new(inputShape.Length);

    /// <inheritdoc/>
    public override string ToString() => "Flatten";

    /// <inheritdoc/>
    internal override Tensor ForwardCore(Tensor input, bool training)
    {
        _inputShape = input.Shape;
        _outputShape = new TensorShape(input.Shape[0], input.Length / input.Shape[0]);
        _hasInput = training;
        return input.Reshape(_outputShape);
    }

    /// <inheritdoc/>
    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!_hasInput)
        {
            throw new InvalidOperationException("Flatten.Backward needs a preceding Forward(input, training: true).");
        }

        if (outputGradient.Shape != _outputShape)
        {
            throw new ArgumentException($"Flatten.Backward: the gradient has shape {outputGradient.Shape} but the last output had {_outputShape}.", nameof(outputGradient));
        }

        return needInputGradient ? outputGradient.Reshape(_inputShape) : null;
    }

    /// <inheritdoc/>
    internal override Layer Clone() => new Flatten();
}
