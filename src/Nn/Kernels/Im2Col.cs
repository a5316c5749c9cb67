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

    /// <summary>
    /// Fills <c>colsT[j, k]</c> (row-major, <c>Batch·Positions × PatchLength</c>): the transpose of <see cref="PatchRows"/>.
    /// </summary>
    public static void PatchColumns(float[] input, float[] colsT, in ConvGeometry g, ComputeContext context)
    {
        ConvGeometry geometry = g;
        int parts = context.Parts(g.Batch, (long)g.PatchLength * g.Batch * g.Positions);
        context.For(parts, part =>
        {
            (int b0, int b1) = ComputeContext.Range(geometry.Batch, parts, part);
            for (int b = b0; b < b1; b++)
            {
                PatchColumnsOfSample(input, colsT, geometry, b);
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
    private static void PatchColumnsOfSample(float[] input, float[] colsT, in ConvGeometry g, int b)
    {
        int patch = g.PatchLength;
        ReadOnlySpan<float> sample = input.AsSpan(b * g.InputLength, g.InputLength);
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int j = (b * g.Positions) + (oy * g.OutWidth) + ox;
                Span<float> dst = colsT.AsSpan(j * patch, patch);
                int k = 0;
                for (int c = 0; c < g.Channels; c++)
                {
                    int planeStart = c * g.Height * g.Width;
                    for (int ky = 0; ky < g.Kernel; ky++)
                    {
                        int iy = (oy * g.Stride) + ky - g.Padding;
                        bool rowInside = (uint)iy < (uint)g.Height;
                        for (int kx = 0; kx < g.Kernel; kx++, k++)
                        {
                            int ix = (ox * g.Stride) + kx - g.Padding;
                            dst[k] = rowInside && (uint)ix < (uint)g.Width ? sample[planeStart + (iy * g.Width) + ix] : 0f;
                        }
                    }
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
