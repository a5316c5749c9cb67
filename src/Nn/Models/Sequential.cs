using System.Globalization;
using System.Text;
using CkksRns.Nn.Kernels;
using CkksRns.Nn.Layers;

namespace CkksRns.Nn.Models;

/// <summary>
/// A feed-forward network: layers applied one after the other to batches of samples of <see cref="InputShape"/>.
/// Holds the parameters; saved and loaded with the versioned format of docs/models.md.
/// </summary>
/// <remarks>Not thread-safe: layers keep per-call buffers. Use one instance per thread (see <see cref="Clone"/>).</remarks>
public sealed class Sequential
{
    /// <summary>The largest number of layers.</summary>
    public const int MaxLayers = 256;

    private readonly Layer[] _layers;
    private readonly TensorShape[] _shapes;
    private ComputeContext _compute = ComputeContext.Default;

    /// <summary>Creates a network and checks that every layer accepts its predecessor's output shape.</summary>
    /// <param name="inputShape">The per-sample input shape, for example (1, 28, 28).</param>
    /// <param name="layers">1 to <see cref="MaxLayers"/> layers, applied in order; each layer object may appear once.</param>
    /// <exception cref="ArgumentException">No layers, too many, a repeated layer, or a layer that rejects its input shape.</exception>
    public Sequential(TensorShape inputShape, params IEnumerable<Layer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (inputShape.Rank == 0)
        {
            throw new ArgumentException("The input shape must have at least one dimension.", nameof(inputShape));
        }

        _layers = [.. layers];
        if (_layers.Length is 0 or > MaxLayers)
        {
            throw new ArgumentException($"A network has 1 to {MaxLayers} layers; got {_layers.Length}.", nameof(layers));
        }

        var seen = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
        _shapes = new TensorShape[_layers.Length];
        TensorShape shape = inputShape;
        for (int i = 0; i < _layers.Length; i++)
        {
            Layer layer = _layers[i] ?? throw new ArgumentException($"Layer {i} is null.", nameof(layers));
            if (!seen.Add(layer))
            {
                throw new ArgumentException($"Layer {i} ({layer}) appears twice.", nameof(layers));
            }

            try
            {
                shape = layer.GetOutputShape(shape);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"Layer {i} ({layer}): {ex.Message}", nameof(layers), ex);
            }

            _shapes[i] = shape;
            layer.Compute = _compute;
        }

        InputShape = inputShape;
    }

    /// <summary>The per-sample input shape.</summary>
    public TensorShape InputShape { get; }

    /// <summary>The per-sample output shape (for classifiers: the number of classes).</summary>
    public TensorShape OutputShape => _shapes[^1];

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>The per-sample output shape of each layer.</summary>
    public IReadOnlyList<TensorShape> LayerOutputShapes => _shapes;

    /// <summary>Free-form key/value pairs saved with the model (training command, seed, accuracy, ...).</summary>
    public IDictionary<string, string> Metadata { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The number of threads the kernels may use; results do not depend on it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1..1024.</exception>
    public int DegreeOfParallelism
    {
        get => _compute.DegreeOfParallelism;
        set
        {
            _compute = new ComputeContext(value);
            foreach (Layer layer in _layers)
            {
                layer.Compute = _compute;
            }
        }
    }

    /// <summary>All parameters of all layers, in layer order.</summary>
    public IEnumerable<Parameter> Parameters => _layers.SelectMany(l => l.Parameters);

    /// <summary>The number of trainable scalars.</summary>
    public int ParameterCount => _layers.Sum(l => l.ParameterCount);

    /// <summary>
    /// The multiplicative depth of the whole network under encryption after <see cref="FoldBatchNorm"/>, or -1 when a
    /// layer (ReLU) cannot be evaluated homomorphically.
    /// </summary>
    public int MultiplicativeDepth
    {
        get
        {
            int depth = 0;
            for (int i = 0; i < _layers.Length; i++)
            {
                int d = EncryptedDepth(i);
                if (d < 0)
                {
                    return -1;
                }

                depth += d;
            }

            return depth;
        }
    }

    /// <summary>Runs every layer on a batch of shape <c>(B, ...InputShape)</c>.</summary>
    /// <returns>The output batch (owned by the last layer, valid until the next call).</returns>
    /// <exception cref="ArgumentException">The input is not a batch of <see cref="InputShape"/> samples.</exception>
    public Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        Tensor x = input;
        foreach (Layer layer in _layers)
        {
            x = layer.ForwardCore(x, training);
        }

        return x;
    }

    /// <summary>
    /// Back-propagates the loss gradient with respect to the last output through every layer, adding parameter gradients
    /// (the gradient with respect to the network input is not computed).
    /// </summary>
    /// <exception cref="InvalidOperationException">No training forward pass precedes the call.</exception>
    /// <exception cref="ArgumentException">The gradient's shape differs from the last output's.</exception>
    public void Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        Tensor? g = outputGradient;
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            g = _layers[i].BackwardCore(g!, needInputGradient: i > 0);
        }
    }

    /// <summary>Sets every parameter gradient to zero.</summary>
    public void ZeroGradients()
    {
        foreach (Parameter p in Parameters)
        {
            p.Gradient.AsSpan().Clear();
        }
    }

    /// <summary>Inference on a batch; returns a copy of the output (logits for classifiers).</summary>
    /// <exception cref="ArgumentException">The input is not a batch of <see cref="InputShape"/> samples.</exception>
    public Tensor Predict(Tensor input) => Forward(input, training: false).Clone();

    /// <summary>
    /// A copy of this network in which each BatchNorm that directly follows a Conv2d or Dense is merged into that layer:
    /// <c>w' = w·scale[o]</c>, <c>b' = (b − μ)·scale[o] + β</c> with <c>scale = γ/√(σ² + ε)</c> (running statistics).
    /// The copy computes the same inference outputs (up to rounding) with fewer layers and fewer levels under encryption.
    /// </summary>
    /// <exception cref="InvalidOperationException">A BatchNorm does not follow a Conv2d or Dense with matching channels.</exception>
    public Sequential FoldBatchNorm()
    {
        var result = new List<Layer>();
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is BatchNorm bn)
            {
                Layer? previous = result.Count > 0 ? result[^1] : null;
                float[] scale = new float[bn.Channels], shift = new float[bn.Channels];
                bn.GetInferenceTransform(scale, shift);
                result[^1] = previous switch
                {
                    Conv2d conv when conv.OutputChannels == bn.Channels => FoldInto(conv, scale, shift),
                    Dense dense when dense.OutputFeatures == bn.Channels => FoldInto(dense, scale, shift),
                    _ => throw new InvalidOperationException(
                        $"Layer {i} ({bn}) cannot be folded: it must directly follow a Conv2d or Dense with {bn.Channels} outputs; it follows {previous?.ToString() ?? "the input"}."),
                };
                continue;
            }

            result.Add(_layers[i].Clone());
        }

        var folded = new Sequential(InputShape, result) { DegreeOfParallelism = DegreeOfParallelism };
        foreach (KeyValuePair<string, string> pair in Metadata)
        {
            folded.Metadata[pair.Key] = pair.Value;
        }

        return folded;
    }

    /// <summary>A deep copy (parameters, statistics, metadata), with its own buffers.</summary>
    public Sequential Clone()
    {
        var copy = new Sequential(InputShape, _layers.Select(l => l.Clone())) { DegreeOfParallelism = DegreeOfParallelism };
        foreach (KeyValuePair<string, string> pair in Metadata)
        {
            copy.Metadata[pair.Key] = pair.Value;
        }

        return copy;
    }

    /// <summary>The levels layer <paramref name="index"/> consumes under encryption once BatchNorm is folded (-1: not encryptable).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is out of range.</exception>
    public int EncryptedDepth(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _layers.Length);
        if (_layers[index] is BatchNorm && index > 0 && _layers[index - 1] is Conv2d or Dense)
        {
            return 0;
        }

        return _layers[index].MultiplicativeDepth;
    }

    /// <summary>
    /// A table of the layers: output shape, parameter count, and levels consumed under encryption (BatchNorm folded),
    /// plus each SLAF's recorded input range.
    /// </summary>
    public string Summary()
    {
        var text = new StringBuilder();
        CultureInfo inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"{"#",-3} {"layer",-52} {"output shape",-14} {"params",9} {"depth",6}");
        text.AppendLine(inv, $"{string.Empty,-3} {"input",-52} {InputShape,-14} {string.Empty,9} {string.Empty,6}");
        for (int i = 0; i < _layers.Length; i++)
        {
            int depth = EncryptedDepth(i);
            string depthText = depth < 0 ? "n/a" : depth.ToString(inv);
            if (_layers[i] is BatchNorm && depth == 0)
            {
                depthText = "0*";
            }

            text.AppendLine(inv, $"{i,-3} {_layers[i],-52} {_shapes[i],-14} {_layers[i].ParameterCount,9} {depthText,6}");
        }

        int total = MultiplicativeDepth;
        text.AppendLine(inv, $"parameters: {ParameterCount}");
        text.AppendLine(total < 0
            ? "multiplicative depth: n/a (ReLU cannot be evaluated under encryption; retrain with --mode slaf or slaf-r)"
            : string.Create(inv, $"multiplicative depth under encryption: {total} levels (* BatchNorm folded into the preceding layer)"));
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is Slaf slaf)
            {
                text.AppendLine(inv, $"layer {i} SLAF: input scale s = {slaf.InputScale:G5}, recorded max |x| = {slaf.ObservedMaxAbsInput:G5}");
            }
        }

        return text.ToString();
    }

    /// <summary>Writes the model in the versioned binary format (docs/models.md).</summary>
    /// <exception cref="IOException">The stream cannot be written.</exception>
    public void Save(Stream stream) => ModelSerializer.Write(this, stream);

    /// <summary>Writes the model to a file (created or replaced).</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = File.Create(path);
        Save(file);
    }

    /// <summary>Reads a model written by <see cref="Save(Stream)"/>; every field is validated.</summary>
    /// <exception cref="InvalidDataException">The data is not a valid model: wrong magic or version, out-of-range sizes,
    /// non-finite parameters, a layer chain that does not fit, truncated data, or a checksum mismatch.</exception>
    public static Sequential Load(Stream stream) => ModelSerializer.Read(stream);

    /// <summary>Reads a model file; the file must end right after the model.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid model (see <see cref="Load(Stream)"/>) or has trailing bytes.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Sequential Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = File.OpenRead(path);
        Sequential model;
        try
        {
            model = ModelSerializer.Read(file);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"'{path}': {ex.Message}", ex);
        }

        if (file.ReadByte() != -1)
        {
            throw new InvalidDataException($"'{path}' has bytes after the end of the model.");
        }

        return model;
    }

    private static Conv2d FoldInto(Conv2d conv, float[] scale, float[] shift)
    {
        var folded = new Conv2d(conv.InputChannels, conv.OutputChannels, conv.KernelSize, conv.Stride, conv.Padding, hasBias: true);
        int per = conv.InputChannels * conv.KernelSize * conv.KernelSize;
        for (int o = 0; o < conv.OutputChannels; o++)
        {
            for (int k = 0; k < per; k++)
            {
                folded.Weight.Value.Data[(o * per) + k] = conv.Weight.Value.Data[(o * per) + k] * scale[o];
            }

            float bias = conv.Bias?.Value.Data[o] ?? 0f;
            folded.Bias!.Value.Data[o] = (bias * scale[o]) + shift[o];
        }

        return folded;
    }

    private static Dense FoldInto(Dense dense, float[] scale, float[] shift)
    {
        var folded = new Dense(dense.InputFeatures, dense.OutputFeatures, hasBias: true);
        int per = dense.InputFeatures;
        for (int o = 0; o < dense.OutputFeatures; o++)
        {
            for (int k = 0; k < per; k++)
            {
                folded.Weight.Value.Data[(o * per) + k] = dense.Weight.Value.Data[(o * per) + k] * scale[o];
            }

            float bias = dense.Bias?.Value.Data[o] ?? 0f;
            folded.Bias!.Value.Data[o] = (bias * scale[o]) + shift[o];
        }

        return folded;
    }

    private void CheckInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Shape.Rank != InputShape.Rank + 1 || input.Shape.WithoutBatch() != InputShape)
        {
            throw new ArgumentException($"Expected a batch of shape (B, {InputShape.ToString()[1..]}; got {input.Shape}.", nameof(input));
        }
    }
}
