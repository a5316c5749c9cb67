using System.Numerics.Tensors;
using CkksRns.Nn.Kernels;

namespace CkksRns.Nn.Layers;

/// <summary>
/// 2-D convolution (cross-correlation) with a square kernel, equal strides and zero padding on every side:
/// <c>y[b, o, oy, ox] = bias[o] + Σ_{c,ky,kx} w[o, c, ky, kx] · x[b, c, oy·s + ky − p, ox·s + kx − p]</c>.
/// </summary>
/// <remarks>
/// Computed as a matrix product over the whole batch (im2col): <c>Y = W · cols</c> with
/// <c>cols</c> of size <c>(C·K·K) × (B·OH·OW)</c>. Under encryption it is a plaintext linear map: one level.
/// </remarks>
public sealed class Conv2d : Layer
{
    /// <summary>The largest channel count and kernel size accepted (also bounds what a model file may declare).</summary>
    public const int MaxChannels = 4096;

    private readonly Parameter _weight;
    private readonly Parameter? _bias;
    private readonly Parameter[] _parameters;
    private float[] _cols = [];
    private float[] _colsT = [];
    private float[] _product = [];
    private float[] _productGradient = [];
    private float[] _colsGradient = [];
    private Tensor? _output;
    private Tensor? _inputGradient;
    private Tensor? _input;
    private ConvGeometry _geometry;

    /// <summary>Creates a convolution with Kaiming-normal weights (<c>N(0, 2/fan_in)</c>, fan_in = C·K·K) and zero bias.</summary>
    /// <param name="inputChannels">Channels of the input, 1 to <see cref="MaxChannels"/>.</param>
    /// <param name="outputChannels">Channels of the output (number of filters), 1 to <see cref="MaxChannels"/>.</param>
    /// <param name="kernelSize">Side of the square kernel, 1 to 64.</param>
    /// <param name="stride">Step between kernel positions, 1 to 64.</param>
    /// <param name="padding">Zeros added on each side, 0 to <paramref name="kernelSize"/> − 1.</param>
    /// <param name="hasBias">Whether a bias per output channel is added.</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is outside its range.</exception>
    public Conv2d(int inputChannels, int outputChannels, int kernelSize, int stride = 1, int padding = 0, bool hasBias = true, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputChannels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inputChannels, MaxChannels);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputChannels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(outputChannels, MaxChannels);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(kernelSize, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stride, 64);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(padding, kernelSize);
        InputChannels = inputChannels;
        OutputChannels = outputChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        _weight = new Parameter("weight", new Tensor(new TensorShape(outputChannels, inputChannels, kernelSize, kernelSize)), decay: true);
        new Rng(seed).FillGaussian(_weight.Value.Data, Math.Sqrt(2.0 / (inputChannels * kernelSize * kernelSize)));
        _bias = hasBias ? new Parameter("bias", new Tensor(new TensorShape(outputChannels)), decay: false) : null;
        _parameters = _bias is null ? [_weight] : [_weight, _bias];
    }

    /// <summary>Input channels.</summary>
    public int InputChannels { get; }

    /// <summary>Output channels (filters).</summary>
    public int OutputChannels { get; }

    /// <summary>Side of the square kernel.</summary>
    public int KernelSize { get; }

    /// <summary>Step between kernel positions along both axes.</summary>
    public int Stride { get; }

    /// <summary>Zeros added on each side of the input.</summary>
    public int Padding { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool HasBias => _bias is not null;

    /// <summary>The filters, shape <c>(outputChannels, inputChannels, kernelSize, kernelSize)</c>.</summary>
    public Parameter Weight => _weight;

    /// <summary>The bias per output channel, shape <c>(outputChannels)</c>, or null.</summary>
    public Parameter? Bias => _bias;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int MultiplicativeDepth => 1;

    /// <inheritdoc/>
    public override TensorShape GetOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 3 || inputShape[0] != InputChannels)
        {
            throw new ArgumentException($"{this} expects samples of shape ({InputChannels}, H, W); got {inputShape}.", nameof(inputShape));
        }

        int oh = ConvGeometry.OutputSize(inputShape[1], KernelSize, Stride, Padding);
        int ow = ConvGeometry.OutputSize(inputShape[2], KernelSize, Stride, Padding);
        if (oh < 1 || ow < 1)
        {
            throw new ArgumentException($"{this}: the {KernelSize}×{KernelSize} kernel does not fit a padded {inputShape[1]}×{inputShape[2]} input.", nameof(inputShape));
        }

        return new TensorShape(OutputChannels, oh, ow);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Conv2d({InputChannels} → {OutputChannels}, {KernelSize}×{KernelSize}, stride {Stride}, padding {Padding}{(HasBias ? string.Empty : ", no bias")})";

    /// <inheritdoc/>
    internal override Tensor ForwardCore(Tensor input, bool training)
    {
        ConvGeometry g = Geometry(input.Shape);
        _geometry = g;
        int columns = g.Batch * g.Positions;
        Grow(ref _cols, g.PatchLength * columns);
        Grow(ref _product, OutputChannels * columns);
        Im2Col.PatchRows(input.Data, _cols, g, Compute);
        Gemm.Multiply(
            new GemmOperands(_weight.Value.Data, 0, g.PatchLength, 1, _cols, 0, columns, _product, 0, columns, OutputChannels, columns, g.PatchLength, accumulate: false),
            Compute);

        Tensor output = Tensor.Ensure(ref _output, new TensorShape(g.Batch, OutputChannels, g.OutHeight, g.OutWidth));
        float[] product = _product;
        float[]? bias = _bias?.Value.Data;
        int channels = OutputChannels;
        int parts = Compute.Parts(g.Batch, (long)g.Batch * channels * g.Positions);
        Compute.For(parts, part =>
        {
            (int b0, int b1) = ComputeContext.Range(g.Batch, parts, part);
            for (int b = b0; b < b1; b++)
            {
                for (int o = 0; o < channels; o++)
                {
                    ReadOnlySpan<float> src = product.AsSpan((o * columns) + (b * g.Positions), g.Positions);
                    Span<float> dst = output.Data.AsSpan(((b * channels) + o) * g.Positions, g.Positions);
                    if (bias is null)
                    {
                        src.CopyTo(dst);
                    }
                    else
                    {
                        TensorPrimitives.Add(src, bias[o], dst);
                    }
                }
            }
        });

        _input = training ? input : null;
        return output;
    }

    /// <inheritdoc/>
    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        CheckGradient(outputGradient, _input is null ? null : _output);
        Tensor input = _input!;
        ConvGeometry g = _geometry;
        int columns = g.Batch * g.Positions;
        int channels = OutputChannels;

        // Gather dY into the product layout (o, b·P + p).
        Grow(ref _productGradient, channels * columns);
        float[] dProduct = _productGradient;
        for (int o = 0; o < channels; o++)
        {
            for (int b = 0; b < g.Batch; b++)
            {
                outputGradient.Data.AsSpan(((b * channels) + o) * g.Positions, g.Positions)
                    .CopyTo(dProduct.AsSpan((o * columns) + (b * g.Positions), g.Positions));
            }
        }

        if (_bias is not null)
        {
            float[] db = _bias.Gradient.Data;
            for (int o = 0; o < channels; o++)
            {
                db[o] += Reduce.Sum(dProduct.AsSpan(o * columns, columns));
            }
        }

        // dW += dY · colsᵀ.
        Grow(ref _colsT, columns * g.PatchLength);
        Im2Col.Transpose(_cols, _colsT, g.PatchLength, columns, Compute);
        Gemm.Multiply(
            new GemmOperands(dProduct, 0, columns, 1, _colsT, 0, g.PatchLength, _weight.Gradient.Data, 0, g.PatchLength, channels, g.PatchLength, columns, accumulate: true),
            Compute);

        if (!needInputGradient)
        {
            return null;
        }

        // dcols = Wᵀ · dY, then col2im.
        Grow(ref _colsGradient, g.PatchLength * columns);
        Gemm.Multiply(
            new GemmOperands(_weight.Value.Data, 0, 1, g.PatchLength, dProduct, 0, columns, _colsGradient, 0, columns, g.PatchLength, columns, channels, accumulate: false),
            Compute);
        Tensor dx = Tensor.Ensure(ref _inputGradient, input.Shape);
        Im2Col.AccumulateRows(_colsGradient, dx.Data, g, Compute);
        return dx;
    }

    /// <inheritdoc/>
    internal override Layer Clone()
    {
        var copy = new Conv2d(InputChannels, OutputChannels, KernelSize, Stride, Padding, HasBias);
        _weight.Value.Data.CopyTo(copy._weight.Value.Data, 0);
        _bias?.Value.Data.CopyTo(copy._bias!.Value.Data, 0);
        return copy;
    }

    private ConvGeometry Geometry(TensorShape batchShape)
    {
        TensorShape output = GetOutputShape(batchShape.WithoutBatch());
        return new ConvGeometry(batchShape[0], InputChannels, batchShape[2], batchShape[3], KernelSize, Stride, Padding, output[1], output[2]);
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length != length)
        {
            buffer = new float[length];
        }
    }
}
