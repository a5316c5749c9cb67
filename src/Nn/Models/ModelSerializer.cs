using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CkksRns.Nn.Layers;

namespace CkksRns.Nn.Models;

/// <summary>
/// The model file format, version 1 (little-endian; docs/models.md has the full table):
/// magic <c>"CKNN"</c>, u16 version, u16 reserved (0), input shape, metadata pairs, layer records, then the SHA-256 of
/// everything before it. Every length is bounded before anything is allocated from it.
/// </summary>
internal static class ModelSerializer
{
    /// <summary>The format version written.</summary>
    public const ushort Version = 1;

    /// <summary>The largest number of metadata pairs.</summary>
    public const int MaxMetadata = 64;

    /// <summary>The largest metadata key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 256;

    /// <summary>The largest metadata value, in UTF-8 bytes.</summary>
    public const int MaxValueBytes = 16384;

    /// <summary>The largest number of floats in one parameter tensor (64 Mi).</summary>
    public const long MaxTensorLength = 1L << 26;

    private static ReadOnlySpan<byte> Magic => "CKNN"u8;

    private enum LayerKind : byte
    {
        Conv2d = 1,
        Dense = 2,
        AvgPool2d = 3,
        BatchNorm = 4,
        Flatten = 5,
        Relu = 6,
        Slaf = 7,
    }

    public static void Write(Sequential model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        if (model.Metadata.Count > MaxMetadata)
        {
            throw new ArgumentException($"A model file holds at most {MaxMetadata} metadata pairs; the model has {model.Metadata.Count}.", nameof(model));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var writer = new BinaryWriter(new HashingStream(stream, hash), Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write((ushort)0);
            WriteShape(writer, model.InputShape);
            writer.Write(model.Metadata.Count);
            foreach (KeyValuePair<string, string> pair in model.Metadata)
            {
                WriteString(writer, pair.Key, MaxKeyBytes, "metadata key");
                WriteString(writer, pair.Value, MaxValueBytes, "metadata value");
            }

            writer.Write(model.Layers.Count);
            foreach (Layer layer in model.Layers)
            {
                WriteLayer(writer, layer);
            }
        }

        stream.Write(hash.GetHashAndReset());
    }

    public static Sequential Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            Sequential model;
            using (var reader = new BinaryReader(new HashingStream(stream, hash), Encoding.UTF8, leaveOpen: true))
            {
                Span<byte> magic = stackalloc byte[4];
                reader.BaseStream.ReadExactly(magic);
                if (!magic.SequenceEqual(Magic))
                {
                    throw new InvalidDataException($"Not a CkksRns model: the file starts with 0x{Convert.ToHexString(magic)}, expected \"CKNN\".");
                }

                ushort version = reader.ReadUInt16();
                if (version != Version)
                {
                    throw new InvalidDataException($"Unsupported model format version {version}; this library reads version {Version}.");
                }

                if (reader.ReadUInt16() != 0)
                {
                    throw new InvalidDataException("The reserved field of the model header is not 0.");
                }

                TensorShape inputShape = ReadShape(reader, "input shape");
                int metadataCount = ReadCount(reader, 0, MaxMetadata, "metadata count");
                var metadata = new List<KeyValuePair<string, string>>(metadataCount);
                for (int i = 0; i < metadataCount; i++)
                {
                    string key = ReadString(reader, MaxKeyBytes, "metadata key");
                    string value = ReadString(reader, MaxValueBytes, "metadata value");
                    metadata.Add(new(key, value));
                }

                int layerCount = ReadCount(reader, 1, Sequential.MaxLayers, "layer count");
                var layers = new Layer[layerCount];
                for (int i = 0; i < layerCount; i++)
                {
                    layers[i] = ReadLayer(reader, i);
                }

                try
                {
                    model = new Sequential(inputShape, layers);
                }
                catch (ArgumentException ex)
                {
                    throw new InvalidDataException($"The layers do not fit together: {ex.Message}", ex);
                }

                foreach (KeyValuePair<string, string> pair in metadata)
                {
                    if (!model.Metadata.TryAdd(pair.Key, pair.Value))
                    {
                        throw new InvalidDataException($"Metadata key '{pair.Key}' appears twice.");
                    }
                }
            }

            byte[] expected = hash.GetHashAndReset();
            Span<byte> stored = stackalloc byte[32];
            stream.ReadExactly(stored);
            if (!stored.SequenceEqual(expected))
            {
                throw new InvalidDataException("The model's SHA-256 checksum does not match its contents: the file is corrupt.");
            }

            return model;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("The model data is truncated.", ex);
        }
    }

    private static void WriteLayer(BinaryWriter w, Layer layer)
    {
        switch (layer)
        {
            case Conv2d conv:
                w.Write((byte)LayerKind.Conv2d);
                w.Write(conv.InputChannels);
                w.Write(conv.OutputChannels);
                w.Write(conv.KernelSize);
                w.Write(conv.Stride);
                w.Write(conv.Padding);
                w.Write(conv.HasBias);
                WriteFloats(w, conv.Weight.Value.Data);
                if (conv.Bias is not null)
                {
                    WriteFloats(w, conv.Bias.Value.Data);
                }

                break;
            case Dense dense:
                w.Write((byte)LayerKind.Dense);
                w.Write(dense.InputFeatures);
                w.Write(dense.OutputFeatures);
                w.Write(dense.HasBias);
                WriteFloats(w, dense.Weight.Value.Data);
                if (dense.Bias is not null)
                {
                    WriteFloats(w, dense.Bias.Value.Data);
                }

                break;
            case AvgPool2d pool:
                w.Write((byte)LayerKind.AvgPool2d);
                w.Write(pool.KernelSize);
                w.Write(pool.Stride);
                break;
            case BatchNorm bn:
                w.Write((byte)LayerKind.BatchNorm);
                w.Write(bn.Channels);
                w.Write(bn.Epsilon);
                w.Write(bn.Momentum);
                WriteFloats(w, bn.Gamma.Value.Data);
                WriteFloats(w, bn.Beta.Value.Data);
                WriteFloats(w, bn.RunningMean.Data);
                WriteFloats(w, bn.RunningVariance.Data);
                break;
            case Flatten:
                w.Write((byte)LayerKind.Flatten);
                break;
            case Relu:
                w.Write((byte)LayerKind.Relu);
                break;
            case Slaf slaf:
                w.Write((byte)LayerKind.Slaf);
                WriteShape(w, slaf.InputShape);
                w.Write(slaf.Degree);
                w.Write((byte)slaf.Granularity);
                w.Write(slaf.InputScale);
                w.Write(slaf.RangeBound);
                w.Write(slaf.RangePenalty);
                w.Write(float.IsFinite(slaf.ObservedMaxAbsInput) ? slaf.ObservedMaxAbsInput : float.MaxValue);
                WriteFloats(w, slaf.Coefficients.Value.Data);
                break;
            default:
                throw new NotSupportedException($"Layer type {layer.GetType().Name} has no file representation.");
        }
    }

    private static Layer ReadLayer(BinaryReader r, int index)
    {
        byte kind = r.ReadByte();
        try
        {
            switch ((LayerKind)kind)
            {
                case LayerKind.Conv2d:
                {
                    int inC = ReadCount(r, 1, Conv2d.MaxChannels, "Conv2d input channels");
                    int outC = ReadCount(r, 1, Conv2d.MaxChannels, "Conv2d output channels");
                    int kernel = ReadCount(r, 1, 64, "Conv2d kernel size");
                    int stride = ReadCount(r, 1, 64, "Conv2d stride");
                    int padding = ReadCount(r, 0, kernel - 1, "Conv2d padding");
                    bool hasBias = ReadBool(r);
                    CheckTensorLength((long)inC * outC * kernel * kernel, "Conv2d weight");
                    var conv = new Conv2d(inC, outC, kernel, stride, padding, hasBias);
                    ReadFloats(r, conv.Weight.Value.Data, "Conv2d weight");
                    if (conv.Bias is not null)
                    {
                        ReadFloats(r, conv.Bias.Value.Data, "Conv2d bias");
                    }

                    return conv;
                }

                case LayerKind.Dense:
                {
                    int inF = ReadCount(r, 1, Dense.MaxFeatures, "Dense input features");
                    int outF = ReadCount(r, 1, Dense.MaxFeatures, "Dense output features");
                    bool hasBias = ReadBool(r);
                    CheckTensorLength((long)inF * outF, "Dense weight");
                    var dense = new Dense(inF, outF, hasBias);
                    ReadFloats(r, dense.Weight.Value.Data, "Dense weight");
                    if (dense.Bias is not null)
                    {
                        ReadFloats(r, dense.Bias.Value.Data, "Dense bias");
                    }

                    return dense;
                }

                case LayerKind.AvgPool2d:
                    return new AvgPool2d(ReadCount(r, 1, 64, "AvgPool2d kernel size"), ReadCount(r, 1, 64, "AvgPool2d stride"));
                case LayerKind.BatchNorm:
                {
                    int channels = ReadCount(r, 1, Dense.MaxFeatures, "BatchNorm channels");
                    float epsilon = r.ReadSingle(), momentum = r.ReadSingle();
                    if (!(epsilon > 0f && epsilon <= 1f) || !(momentum > 0f && momentum <= 1f))
                    {
                        throw new InvalidDataException($"BatchNorm epsilon {epsilon} or momentum {momentum} is outside (0, 1].");
                    }

                    var bn = new BatchNorm(channels, epsilon, momentum);
                    ReadFloats(r, bn.Gamma.Value.Data, "BatchNorm gamma");
                    ReadFloats(r, bn.Beta.Value.Data, "BatchNorm beta");
                    ReadFloats(r, bn.RunningMean.Data, "BatchNorm running mean");
                    ReadFloats(r, bn.RunningVariance.Data, "BatchNorm running variance");
                    foreach (float v in bn.RunningVariance.Data)
                    {
                        if (v < 0f)
                        {
                            throw new InvalidDataException($"BatchNorm running variance {v} is negative.");
                        }
                    }

                    return bn;
                }

                case LayerKind.Flatten:
                    return new Flatten();
                case LayerKind.Relu:
                    return new Relu();
                case LayerKind.Slaf:
                {
                    TensorShape shape = ReadShape(r, "Slaf input shape");
                    int degree = ReadCount(r, 1, Slaf.MaxDegree, "Slaf degree");
                    byte granularity = r.ReadByte();
                    if (granularity > (byte)SlafGranularity.PerChannel)
                    {
                        throw new InvalidDataException($"Slaf granularity {granularity} is unknown (0 = per neuron, 1 = per channel).");
                    }

                    float scale = r.ReadSingle(), bound = r.ReadSingle(), penalty = r.ReadSingle(), observed = r.ReadSingle();
                    if (!(scale > 0f && float.IsFinite(scale)) || !(observed >= 0f))
                    {
                        throw new InvalidDataException($"Slaf input scale {scale} must be positive and finite and the recorded range {observed} non-negative.");
                    }

                    CheckTensorLength((long)(degree + 1) * shape.Length, "Slaf coefficients");
                    var slaf = new Slaf(shape, degree, (SlafGranularity)granularity, scale)
                    {
                        RangeBound = bound,
                        RangePenalty = penalty,
                        ObservedMaxAbsInput = observed,
                    };
                    ReadFloats(r, slaf.Coefficients.Value.Data, "Slaf coefficients");
                    return slaf;
                }

                default:
                    throw new InvalidDataException($"Layer {index} has unknown kind {kind} (expected 1..7).");
            }
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"Layer {index} is invalid: {ex.Message}", ex);
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith("Layer ", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Layer {index}: {ex.Message}", ex);
        }
    }

    private static void WriteShape(BinaryWriter w, TensorShape shape)
    {
        w.Write((byte)shape.Rank);
        foreach (int d in shape.Dimensions)
        {
            w.Write(d);
        }
    }

    private static TensorShape ReadShape(BinaryReader r, string what)
    {
        int rank = r.ReadByte();
        if (rank is < 1 or > 4)
        {
            throw new InvalidDataException($"The {what} has rank {rank}; expected 1 to 4.");
        }

        Span<int> dims = stackalloc int[rank];
        long length = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = ReadCount(r, 1, Dense.MaxFeatures, what);
            length *= dims[i];
        }

        if (length > Dense.MaxFeatures)
        {
            throw new InvalidDataException($"The {what} has {length} elements; at most {Dense.MaxFeatures} are allowed.");
        }

        return new TensorShape(dims);
    }

    private static int ReadCount(BinaryReader r, int min, int max, string what)
    {
        int value = r.ReadInt32();
        if (value < min || value > max)
        {
            throw new InvalidDataException($"The {what} is {value}; expected {min} to {max}.");
        }

        return value;
    }

    private static bool ReadBool(BinaryReader r)
    {
        byte b = r.ReadByte();
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new InvalidDataException($"A boolean field holds {b}; expected 0 or 1."),
        };
    }

    private static void CheckTensorLength(long length, string what)
    {
        if (length > MaxTensorLength)
        {
            throw new InvalidDataException($"The {what} would have {length} elements; at most {MaxTensorLength} are allowed.");
        }
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        byte[] buffer = new byte[Math.Min(values.Length, 4096) * sizeof(float)];
        for (int start = 0; start < values.Length; start += 4096)
        {
            int count = Math.Min(4096, values.Length - start);
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * sizeof(float)), values[start + i]);
            }

            w.Write(buffer, 0, count * sizeof(float));
        }
    }

    private static void ReadFloats(BinaryReader r, float[] destination, string what)
    {
        byte[] buffer = new byte[Math.Min(destination.Length, 4096) * sizeof(float)];
        for (int start = 0; start < destination.Length; start += 4096)
        {
            int count = Math.Min(4096, destination.Length - start);
            r.BaseStream.ReadExactly(buffer, 0, count * sizeof(float));
            for (int i = 0; i < count; i++)
            {
                float v = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(i * sizeof(float)));
                if (!float.IsFinite(v))
                {
                    throw new InvalidDataException($"The {what} holds a value that is not finite ({v}) at index {start + i}.");
                }

                destination[start + i] = v;
            }
        }
    }

    private static void WriteString(BinaryWriter w, string value, int maxBytes, string what)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > maxBytes)
        {
            throw new ArgumentException($"The {what} '{value[..Math.Min(value.Length, 40)]}...' has {bytes.Length} UTF-8 bytes; at most {maxBytes} fit in a model file.");
        }

        w.Write((ushort)bytes.Length);
        w.Write(bytes);
    }

    private static string ReadString(BinaryReader r, int maxBytes, string what)
    {
        int length = r.ReadUInt16();
        if (length > maxBytes)
        {
            throw new InvalidDataException($"A {what} has {length} bytes; at most {maxBytes} are allowed.");
        }

        byte[] bytes = new byte[length];
        r.BaseStream.ReadExactly(bytes);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidDataException($"A {what} is not valid UTF-8.", ex);
        }
    }
}
