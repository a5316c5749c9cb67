using System.Numerics.Tensors;

namespace CkksRns.Nn.Layers;

/// <summary>Rectified linear unit <c>y = max(x, 0)</c>. Not a polynomial: it cannot run under CKKS (see <see cref="Slaf"/>).</summary>
public sealed class Relu : Layer
{
    private Tensor? _output;
    private Tensor? _inputGradient;
    private Tensor? _input;

    /// <inheritdoc/>
    /// <remarks>Always -1: ReLU has no homomorphic evaluation; replace it by <see cref="Slaf"/> (SLAF-R).</remarks>
    public override int MultiplicativeDepth => -1;

    /// <inheritdoc/>
    public override TensorShape GetOutputShape(TensorShape inputShape) => inputShape;

    /// <inheritdoc/>
    public override string ToString() => "ReLU";

    /// <inheritdoc/>
    internal override Tensor ForwardCore(Tensor input, bool training)
    {
        Tensor output = Tensor.Ensure(ref _output, input.Shape);
        TensorPrimitives.Max(input.Data, 0f, output.Data);
        _input = training ? input : null;
        return output;
    }

    /// <inheritdoc/>
    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        CheckGradient(outputGradient, _input is null ? null : _output);
        if (!needInputGradient)
        {
            return null;
        }

        Tensor dx = Tensor.Ensure(ref _inputGradient, _input!.Shape);
        float[] x = _input.Data, dy = outputGradient.Data, d = dx.Data;
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = x[i] > 0f ? dy[i] : 0f;
        }

        return dx;
    }

    /// <inheritdoc/>
    internal override Layer Clone() => new Relu();
}
