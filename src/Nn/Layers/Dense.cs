using System.Numerics.Tensors;
using CkksRns.Nn.Kernels;

namespace CkksRns.Nn.Layers;

/// <summary>
/// Fully connected layer: <c>y[b, o] = bias[o] + Σ_i w[o, i] · x[b, i]</c>. Inputs of any per-sample shape with
/// <see cref="InputFeatures"/> elements are read in row-major order.
/// </summary>
/// <remarks>Under encryption it is a plaintext matrix–vector product: one level.</remarks>
public sealed class Dense : Layer
{
    /// <summary>The largest feature count accepted on either side (also bounds what a model file may declare).</summary>
    public const int MaxFeatures = 1 << 20;

    private readonly Parameter _weight;
    private readonly Parameter? _bias;
    private readonly Parameter[] _parameters;
    private float[] _transposed = [];
    private Tensor? _output;
    private Tensor? _inputGradient;
    private Tensor? _input;

    /// <summary>Creates a dense layer with Kaiming-normal weights (<c>N(0, 2/inputFeatures)</c>) and zero bias.</summary>
    /// <param name="inputFeatures">Elements per input sample, 1 to <see cref="MaxFeatures"/>.</param>
    /// <param name="outputFeatures">Elements per output sample, 1 to <see cref="MaxFeatures"/>.</param>
    /// <param name="hasBias">Whether a bias is added.</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is outside its range, or the weight matrix would exceed 2^28 elements.</exception>
    public Dense(int inputFeatures, int outputFeatures, bool hasBias = true, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inputFeatures, MaxFeatures);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(outputFeatures, MaxFeatures);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)inputFeatures * outputFeatures, 1L << 28, "inputFeatures × outputFeatures");
        InputFeatures = inputFeatures;
        OutputFeatures = outputFeatures;
        _weight = new Parameter("weight", new Tensor(new TensorShape(outputFeatures, inputFeatures)), decay: true);
        new Rng(seed).FillGaussian(_weight.Value.Data, Math.Sqrt(2.0 / inputFeatures));
        _bias = hasBias ? new Parameter("bias", new Tensor(new TensorShape(outputFeatures)), decay: false) : null;
        _parameters = _bias is null ? [_weight] : [_weight, _bias];
    }

    /// <summary>Elements per input sample.</summary>
    public int InputFeatures { get; }

    /// <summary>Elements per output sample.</summary>
    public int OutputFeatures { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool HasBias => _bias is not null;

    /// <summary>The weights, shape <c>(outputFeatures, inputFeatures)</c>.</summary>
    public Parameter Weight => _weight;

    /// <summary>The bias, shape <c>(outputFeatures)</c>, or null.</summary>
    public Parameter? Bias => _bias;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int MultiplicativeDepth => 1;

    /// <inheritdoc/>
    public override TensorShape GetOutputShape(TensorShape inputShape)
    {
        if (inputShape.Length != InputFeatures)
        {
            throw new ArgumentException($"{this} expects samples of {InputFeatures} elements; got shape {inputShape} ({inputShape.Length} elements).", nameof(inputShape));
        }

        return new TensorShape(OutputFeatures);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Dense({InputFeatures} → {OutputFeatures}{(HasBias ? string.Empty : ", no bias")})";

    /// <inheritdoc/>
    internal override Tensor ForwardCore(Tensor input, bool training)
    {
        int batch = input.Shape[0];
        int inF = InputFeatures, outF = OutputFeatures;
        if (_transposed.Length != inF * outF)
        {
            _transposed = new float[inF * outF];
        }

        Transpose(_weight.Value.Data, _transposed, outF, inF);
        Tensor output = Tensor.Ensure(ref _output, new TensorShape(batch, outF));
        Gemm.Multiply(new GemmOperands(input.Data, 0, inF, 1, _transposed, 0, outF, output.Data, 0, outF, batch, outF, inF, accumulate: false), Compute);
        if (_bias is not null)
        {
            ReadOnlySpan<float> bias = _bias.Value.Data;
            for (int b = 0; b < batch; b++)
            {
                Span<float> row = output.Data.AsSpan(b * outF, outF);
                TensorPrimitives.Add(row, bias, row);
            }
        }

        _input = training ? input : null;
        return output;
    }

    /// <inheritdoc/>
    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        CheckGradient(outputGradient, _input is null ? null : _output);
        Tensor input = _input!;
        int batch = input.Shape[0];
        int inF = InputFeatures, outF = OutputFeatures;
        float[] dy = outputGradient.Data;
        if (_bias is not null)
        {
            Span<float> db = _bias.Gradient.Data;
            for (int b = 0; b < batch; b++)
            {
                TensorPrimitives.Add(db, dy.AsSpan(b * outF, outF), db);
            }
        }

        // dW += dYᵀ · X  (A[o, b] = dy[b, o]).
        Gemm.Multiply(new GemmOperands(dy, 0, 1, outF, input.Data, 0, inF, _weight.Gradient.Data, 0, inF, outF, inF, batch, accumulate: true), Compute);
        if (!needInputGradient)
        {
            return null;
        }

        // dX = dY · W.
        Tensor dx = Tensor.Ensure(ref _inputGradient, input.Shape);
        Gemm.Multiply(new GemmOperands(dy, 0, outF, 1, _weight.Value.Data, 0, inF, dx.Data, 0, inF, batch, inF, outF, accumulate: false), Compute);
        return dx;
    }

    /// <inheritdoc/>
    internal override Layer Clone()
    {
        var copy = new Dense(InputFeatures, OutputFeatures, HasBias);
        _weight.Value.Data.CopyTo(copy._weight.Value.Data, 0);
        _bias?.Value.Data.CopyTo(copy._bias!.Value.Data, 0);
        return copy;
    }

    private static void Transpose(float[] source, float[] destination, int rows, int columns)
    {
        const int Block = 32;
        for (int r0 = 0; r0 < rows; r0 += Block)
        {
            int r1 = Math.Min(rows, r0 + Block);
            for (int c0 = 0; c0 < columns; c0 += Block)
            {
                int c1 = Math.Min(columns, c0 + Block);
                for (int r = r0; r < r1; r++)
                {
                    for (int c = c0; c < c1; c++)
                    {
                        destination[(c * rows) + r] = source[(r * columns) + c];
                    }
                }
            }
        }
    }
}
