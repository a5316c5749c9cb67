namespace CkksRns.Nn.Kernels;

/// <summary>The sizes of one 2-D convolution or pooling over a batch (square kernel, equal strides and padding).</summary>
internal readonly record struct ConvGeometry(
    int Batch, int Channels, int Height, int Width, int Kernel, int Stride, int Padding, int OutHeight, int OutWidth)
{
    /// <summary>Output positions per channel and sample.</summary>
    public int Positions => OutHeight * OutWidth;

    /// <summary>Rows of the im2col matrix: channels × kernel × kernel.</summary>
    public int PatchLength => Channels * Kernel * Kernel;

    /// <summary>Input elements per sample.</summary>
    public int InputLength => Channels * Height * Width;

    /// <summary>Output size along one axis, or 0 when the kernel does not fit.</summary>
    public static int OutputSize(int input, int kernel, int stride, int padding) =>
        input + (2 * padding) < kernel ? 0 : ((input + (2 * padding) - kernel) / stride) + 1;
}
