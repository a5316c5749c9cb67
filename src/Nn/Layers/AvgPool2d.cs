using CkksRns.Nn.Kernels;

namespace CkksRns.Nn.Layers;

/// <summary>
/// Average pooling over square windows without padding:
/// <c>y[b, c, oy, ox] = (1/K²) Σ_{ky,kx} x[b, c, oy·s + ky, ox·s + kx]</c>.
/// </summary>
/// <remarks>Under encryption: additions and one multiplication by the constant 1/K² (one level, or none when folded).</remarks>
public sealed class AvgPool2d : Layer
{
    private Tensor? _output;
    private Tensor? _inputGradient;
    private Tensor? _input;

    /// <summary>Creates a pooling layer.</summary>
    /// <param name="kernelSize">Window side, 1 to 64.</param>
    /// <param name="stride">Step between windows, 1 to 64; defaults to <paramref name="kernelSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is outside its range.</exception>
    public AvgPool2d(int kernelSize, int? stride = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(kernelSize, 64);
        int s = stride ?? kernelSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(s, 1, nameof(stride));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(s, 64, nameof(stride));
        KernelSize = kernelSize;
        Stride = s;
    }

    /// <summary>Window side.</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <inheritdoc/>
    public override int MultiplicativeDepth => 1;

    /// <inheritdoc/>
    public override TensorShape GetOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 3)
        {
            throw new ArgumentException($"{this} expects samples of shape (C, H, W); got {inputShape}.", nameof(inputShape));
        }

        int oh = ConvGeometry.OutputSize(inputShape[1], KernelSize, Stride, 0);
        int ow = ConvGeometry.OutputSize(inputShape[2], KernelSize, Stride, 0);
        if (oh < 1 || ow < 1)
        {
            throw new ArgumentException($"{this}: the window does not fit a {inputShape[1]}×{inputShape[2]} input.", nameof(inputShape));
        }

        return new TensorShape(inputShape[0], oh, ow);
    }

    /// <inheritdoc/>
    public override string ToString() => $"AvgPool2d({KernelSize}×{KernelSize}, stride {Stride})";

    /// <inheritdoc/>
    internal override Tensor ForwardCore(Tensor input, bool training)
    {
        ConvGeometry g = Geometry(input.Shape);
        Tensor output = Tensor.Ensure(ref _output, new TensorShape(g.Batch, g.Channels, g.OutHeight, g.OutWidth));
        float scale = 1f / (KernelSize * KernelSize);
        float[] x = input.Data, y = output.Data;
        int planes = g.Batch * g.Channels;
        int parts = Compute.Parts(planes, (long)planes * g.Positions * KernelSize * KernelSize);
        Compute.For(parts, part =>
        {
            (int p0, int p1) = ComputeContext.Range(planes, parts, part);
            for (int plane = p0; plane < p1; plane++)
            {
                int inBase = plane * g.Height * g.Width, outBase = plane * g.Positions;
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        float sum = 0f;
                        for (int ky = 0; ky < g.Kernel; ky++)
                        {
                            int row = inBase + (((oy * g.Stride) + ky) * g.Width) + (ox * g.Stride);
                            for (int kx = 0; kx < g.Kernel; kx++)
                            {
                                sum += x[row + kx];
                            }
                        }

                        y[outBase + (oy * g.OutWidth) + ox] = sum * scale;
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
        if (!needInputGradient)
        {
            return null;
        }

        ConvGeometry g = Geometry(_input!.Shape);
        Tensor dx = Tensor.Ensure(ref _inputGradient, _input.Shape);
        float scale = 1f / (KernelSize * KernelSize);
        float[] d = dx.Data, dy = outputGradient.Data;
        int planes = g.Batch * g.Channels;
        int parts = Compute.Parts(planes, (long)planes * g.Positions * KernelSize * KernelSize);
        Compute.For(parts, part =>
        {
            (int p0, int p1) = ComputeContext.Range(planes, parts, part);
            for (int plane = p0; plane < p1; plane++)
            {
                int inBase = plane * g.Height * g.Width, outBase = plane * g.Positions;
                d.AsSpan(inBase, g.Height * g.Width).Clear();
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        float v = dy[outBase + (oy * g.OutWidth) + ox] * scale;
                        for (int ky = 0; ky < g.Kernel; ky++)
                        {
                            int row = inBase + (((oy * g.Stride) + ky) * g.Width) + (ox * g.Stride);
                            for (int kx = 0; kx < g.Kernel; kx++)
                            {
                                d[row + kx] += v;
                            }
                        }
                    }
                }
            }
        });

        return dx;
    }

    /// <inheritdoc/>
    internal override Layer Clone() => new AvgPool2d(KernelSize, Stride);

    private ConvGeometry Geometry(TensorShape batchShape)
    {
        TensorShape output = GetOutputShape(batchShape.WithoutBatch());
        return new ConvGeometry(batchShape[0], batchShape[1], batchShape[2], batchShape[3], KernelSize, Stride, 0, output[1], output[2]);
    }
}
