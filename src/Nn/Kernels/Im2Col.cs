using System.Runtime.CompilerServices;

namespace CkksRns.Nn.Kernels;

/// <summary>
/// The im2col rearrangement that turns a convolution into a matrix product, and its adjoint col2im.
/// Patch index <c>k = (c·K + ky)·K + kx</c>; column index <c>j = b·P + oy·OW + ox</c>.
/// </summary>
internal static class Im2Col
{
    /// <summary>
    /// Fills <c>cols[k, j]</c> (row-major, <c>PatchLength × Batch·Positions</c>) with
    /// <c>x[b, c, oy·s + ky − pad, ox·s + kx − pad]</c>, or 0 outside the image.
    /// </summary>
    public static void PatchRows(float[] input, float[] cols, in ConvGeometry g, ComputeContext context)
    {
        ConvGeometry geometry = g;
        int rows = g.PatchLength;
        int parts = context.Parts(rows, (long)rows * g.Batch * g.Positions);
        context.For(parts, part =>
        {
            (int k0, int k1) = ComputeContext.Range(rows, parts, part);
            for (int k = k0; k < k1; k++)
            {
                PatchRow(input, cols, geometry, k);
            }
        });
    }

    /// <summary>Writes the transpose of the row-major <paramref name="rows"/>×<paramref name="columns"/> matrix <paramref name="source"/>.</summary>
    public static void Transpose(float[] source, float[] destination, int rows, int columns, ComputeContext context)
    {
        const int Block = 32;
        int blocks = (columns + Block - 1) / Block;
        int parts = context.Parts(blocks, (long)rows * columns);
        context.For(parts, part =>
        {
            (int b0, int b1) = ComputeContext.Range(blocks, parts, part);
            for (int c0 = b0 * Block; c0 < Math.Min(columns, b1 * Block); c0 += Block)
            {
                int c1 = Math.Min(columns, c0 + Block);
                for (int r0 = 0; r0 < rows; r0 += Block)
                {
                    int r1 = Math.Min(rows, r0 + Block);
                    for (int c = c0; c < c1; c++)
                    {
                        for (int r = r0; r < r1; r++)
                        {
                            destination[(c * rows) + r] = source[(r * columns) + c];
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// The adjoint of <see cref="PatchRows"/>: <c>dx[b, c, iy, ix] = Σ dcols[k, j]</c> over the (k, j) that read that
    /// pixel. <paramref name="dx"/> is overwritten. Each sample is summed by one thread in a fixed order.
    /// </summary>
    public static void AccumulateRows(float[] dcols, float[] dx, in ConvGeometry g, ComputeContext context)
    {
        ConvGeometry geometry = g;
        int parts = context.Parts(g.Batch, (long)g.PatchLength * g.Batch * g.Positions);
        context.For(parts, part =>
        {
            (int b0, int b1) = ComputeContext.Range(geometry.Batch, parts, part);
            for (int b = b0; b < b1; b++)
            {
                AccumulateSample(dcols, dx, geometry, b);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PatchRow(float[] input, float[] cols, in ConvGeometry g, int k)
    {
        int kk = g.Kernel * g.Kernel;
        int c = k / kk;
        int ky = k / g.Kernel % g.Kernel;
        int kx = k % g.Kernel;
        int positions = g.Positions;
        Span<float> row = cols.AsSpan(k * g.Batch * positions, g.Batch * positions);
        for (int b = 0; b < g.Batch; b++)
        {
            ReadOnlySpan<float> plane = input.AsSpan((b * g.InputLength) + (c * g.Height * g.Width), g.Height * g.Width);
            Span<float> dst = row.Slice(b * positions, positions);
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                int iy = (oy * g.Stride) + ky - g.Padding;
                Span<float> line = dst.Slice(oy * g.OutWidth, g.OutWidth);
                if ((uint)iy >= (uint)g.Height)
                {
                    line.Clear();
                    continue;
                }

                ReadOnlySpan<float> src = plane.Slice(iy * g.Width, g.Width);
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int ix = (ox * g.Stride) + kx - g.Padding;
                    line[ox] = (uint)ix < (uint)g.Width ? src[ix] : 0f;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateSample(float[] dcols, float[] dx, in ConvGeometry g, int b)
    {
        int positions = g.Positions;
        int columns = g.Batch * positions;
        Span<float> sample = dx.AsSpan(b * g.InputLength, g.InputLength);
        sample.Clear();
        int k = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            Span<float> plane = sample.Slice(c * g.Height * g.Width, g.Height * g.Width);
            for (int ky = 0; ky < g.Kernel; ky++)
            {
                for (int kx = 0; kx < g.Kernel; kx++, k++)
                {
                    ReadOnlySpan<float> src = dcols.AsSpan((k * columns) + (b * positions), positions);
                    for (int oy = 0; oy < g.OutHeight; oy++)
                    {
                        int iy = (oy * g.Stride) + ky - g.Padding;
                        if ((uint)iy >= (uint)g.Height)
                        {
                            continue;
                        }

                        Span<float> line = plane.Slice(iy * g.Width, g.Width);
                        ReadOnlySpan<float> srcLine = src.Slice(oy * g.OutWidth, g.OutWidth);
                        for (int ox = 0; ox < g.OutWidth; ox++)
                        {
                            int ix = (ox * g.Stride) + kx - g.Padding;
                            if ((uint)ix < (uint)g.Width)
                            {
                                line[ix] += srcLine[ox];
                            }
                        }
                    }
                }
            }
        }
    }
}
