using CkksRns.Nn.Kernels;
using CkksRns.Nn.Layers;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// An affine map <c>y = W·x + b</c> with a sparse <c>W</c> in compressed-row form: the form in which the plan compiler
/// holds every run of linear layers (Conv2d, Dense, AvgPool2d, BatchNorm, Flatten) once they are composed into one.
/// </summary>
/// <remarks>
/// The order of the entries inside a row is meaningful: for a convolution it is the kernel order (input channel,
/// kernel row, kernel column), which the latency packing uses as the im2col term index. Entries that a composition
/// produces are kept even when their value is zero, so that rows of the same shape keep the same pattern.
/// </remarks>
internal sealed class LinearMap
{
    /// <summary>The largest number of stored entries a composed map may have.</summary>
    public const long MaxEntries = 1L << 26;

    public LinearMap(int inputLength, int outputLength, int[] rowStart, int[] columns, double[] values, double[] bias)
    {
        InputLength = inputLength;
        OutputLength = outputLength;
        RowStart = rowStart;
        Columns = columns;
        Values = values;
        Bias = bias;
    }

    /// <summary>The length n of x.</summary>
    public int InputLength { get; }

    /// <summary>The length m of y.</summary>
    public int OutputLength { get; }

    /// <summary>Row r's entries are <c>[RowStart[r], RowStart[r + 1])</c>.</summary>
    public int[] RowStart { get; }

    /// <summary>The column of each entry.</summary>
    public int[] Columns { get; }

    /// <summary>The value of each entry.</summary>
    public double[] Values { get; }

    /// <summary>The bias, one per row.</summary>
    public double[] Bias { get; }

    /// <summary>The number of stored entries.</summary>
    public int EntryCount => Columns.Length;

    /// <summary>The length of the longest row.</summary>
    public int MaxRowLength
    {
        get
        {
            int max = 0;
            for (int r = 0; r < OutputLength; r++)
            {
                max = Math.Max(max, RowStart[r + 1] - RowStart[r]);
            }

            return max;
        }
    }

    /// <summary>The identity on n elements.</summary>
    public static LinearMap Identity(int n)
    {
        int[] start = new int[n + 1];
        int[] columns = new int[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++)
        {
            start[i + 1] = i + 1;
            columns[i] = i;
            values[i] = 1;
        }

        return new LinearMap(n, n, start, columns, values, new double[n]);
    }

    /// <summary>A per-channel affine map <c>y = scale[c]·x + shift[c]</c> over <paramref name="shape"/> (channel first).</summary>
    public static LinearMap Channelwise(TensorShape shape, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift)
    {
        int n = shape.Length, channels = shape[0], spatial = n / channels;
        LinearMap map = Identity(n);
        for (int i = 0; i < n; i++)
        {
            map.Values[i] = scale[i / spatial];
            map.Bias[i] = shift[i / spatial];
        }

        return map;
    }

    /// <summary>The map of a convolution on inputs of shape <c>(C, H, W)</c>; entries in kernel order, padding skipped.</summary>
    public static LinearMap FromConv2d(Conv2d conv, TensorShape input)
    {
        int c = input[0], h = input[1], w = input[2], k = conv.KernelSize, s = conv.Stride, p = conv.Padding;
        int oh = ConvGeometry.OutputSize(h, k, s, p), ow = ConvGeometry.OutputSize(w, k, s, p), o = conv.OutputChannels;
        int m = o * oh * ow;
        var start = new int[m + 1];
        var columns = new List<int>(m * c * k * k);
        var values = new List<double>(m * c * k * k);
        var bias = new double[m];
        float[] weight = conv.Weight.Value.Data;
        float[]? b = conv.Bias?.Value.Data;
        int row = 0;
        for (int oc = 0; oc < o; oc++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++, row++)
                {
                    for (int ic = 0; ic < c; ic++)
                    {
                        for (int ky = 0; ky < k; ky++)
                        {
                            int y = (oy * s) + ky - p;
                            if (y < 0 || y >= h)
                            {
                                continue;
                            }

                            for (int kx = 0; kx < k; kx++)
                            {
                                int x = (ox * s) + kx - p;
                                if (x < 0 || x >= w)
                                {
                                    continue;
                                }

                                columns.Add((((ic * h) + y) * w) + x);
                                values.Add(weight[(((((oc * c) + ic) * k) + ky) * k) + kx]);
                            }
                        }
                    }

                    bias[row] = b is null ? 0 : b[oc];
                    start[row + 1] = columns.Count;
                }
            }
        }

        return new LinearMap(input.Length, m, start, [.. columns], [.. values], bias);
    }

    /// <summary>The map of a dense layer.</summary>
    public static LinearMap FromDense(Dense dense)
    {
        int n = dense.InputFeatures, m = dense.OutputFeatures;
        var start = new int[m + 1];
        int[] columns = new int[m * n];
        double[] values = new double[m * n];
        float[] weight = dense.Weight.Value.Data;
        for (int r = 0; r < m; r++)
        {
            start[r + 1] = (r + 1) * n;
            for (int i = 0; i < n; i++)
            {
                columns[(r * n) + i] = i;
                values[(r * n) + i] = weight[(r * n) + i];
            }
        }

        double[] bias = new double[m];
        if (dense.Bias is { } b)
        {
            for (int r = 0; r < m; r++)
            {
                bias[r] = b.Value.Data[r];
            }
        }

        return new LinearMap(n, m, start, columns, values, bias);
    }

    /// <summary>The map of an average pooling on inputs of shape <c>(C, H, W)</c>.</summary>
    public static LinearMap FromAvgPool(AvgPool2d pool, TensorShape input)
    {
        int c = input[0], h = input[1], w = input[2], k = pool.KernelSize, s = pool.Stride;
        int oh = ConvGeometry.OutputSize(h, k, s, 0), ow = ConvGeometry.OutputSize(w, k, s, 0);
        int m = c * oh * ow;
        var start = new int[m + 1];
        int[] columns = new int[m * k * k];
        double[] values = new double[m * k * k];
        double weight = 1.0 / (k * k);
        int row = 0, e = 0;
        for (int ch = 0; ch < c; ch++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++, row++)
                {
                    for (int ky = 0; ky < k; ky++)
                    {
                        for (int kx = 0; kx < k; kx++, e++)
                        {
                            columns[e] = (((ch * h) + (oy * s) + ky) * w) + (ox * s) + kx;
                            values[e] = weight;
                        }
                    }

                    start[row + 1] = e;
                }
            }
        }

        return new LinearMap(input.Length, m, start, columns, values, new double[m]);
    }

    /// <summary>The composition <c>next(this(x))</c>, entries of each row in the order they first appear.</summary>
    /// <exception cref="InvalidOperationException">The lengths do not chain, or the result would be too large.</exception>
    public LinearMap Then(LinearMap next)
    {
        if (next.InputLength != OutputLength)
        {
            throw new InvalidOperationException($"Cannot compose a map with {OutputLength} outputs with one taking {next.InputLength} inputs.");
        }

        int m = next.OutputLength;
        var start = new int[m + 1];
        var columns = new List<int>();
        var values = new List<double>();
        var bias = new double[m];
        var position = new Dictionary<int, int>();
        for (int r = 0; r < m; r++)
        {
            position.Clear();
            double b = next.Bias[r];
            for (int e = next.RowStart[r]; e < next.RowStart[r + 1]; e++)
            {
                int j = next.Columns[e];
                double v = next.Values[e];
                b += v * Bias[j];
                for (int f = RowStart[j]; f < RowStart[j + 1]; f++)
                {
                    int col = Columns[f];
                    if (position.TryGetValue(col, out int at))
                    {
                        values[at] += v * Values[f];
                    }
                    else
                    {
                        position.Add(col, columns.Count);
                        columns.Add(col);
                        values.Add(v * Values[f]);
                    }
                }
            }

            if (columns.Count > MaxEntries)
            {
                throw new InvalidOperationException($"Composing the linear layers gives more than {MaxEntries} weights; the model is too large to plan.");
            }

            bias[r] = b;
            start[r + 1] = columns.Count;
        }

        return new LinearMap(InputLength, m, start, [.. columns], [.. values], bias);
    }

    /// <summary><c>y = W·x + b</c> in double precision (the plan's plaintext reference).</summary>
    public void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int r = 0; r < OutputLength; r++)
        {
            double sum = Bias[r];
            for (int e = RowStart[r]; e < RowStart[r + 1]; e++)
            {
                sum += Values[e] * x[Columns[e]];
            }

            y[r] = sum;
        }
    }

    /// <summary>Whether row <paramref name="a"/> and row <paramref name="b"/> have the same columns in the same order.</summary>
    public bool SamePattern(int a, int b)
    {
        int la = RowStart[a + 1] - RowStart[a];
        if (la != RowStart[b + 1] - RowStart[b])
        {
            return false;
        }

        return Columns.AsSpan(RowStart[a], la).SequenceEqual(Columns.AsSpan(RowStart[b], la));
    }
}
