using System.Buffers.Binary;
using System.IO.Compression;

namespace CkksRns.Nn.Data;

/// <summary>
/// Reads IDX files (the MNIST format), plain or gzip-compressed (detected by the gzip magic bytes 1F 8B).
/// Header integers are big-endian; images are unsigned bytes (magic 0x00000803, three dimensions), labels are
/// unsigned bytes (magic 0x00000801, one dimension). The data must have exactly the size the header declares.
/// </summary>
public static class IdxReader
{
    /// <summary>The largest number of data bytes accepted in one file (256 MiB).</summary>
    public const int MaxDataBytes = 256 << 20;

    /// <summary>Magic number of an unsigned-byte, three-dimensional IDX file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte, one-dimensional IDX file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an image file.</summary>
    /// <exception cref="InvalidDataException">Wrong magic, dimensions out of range, truncated data, trailing bytes or corrupt gzip data.</exception>
    public static IdxImages ReadImages(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using Stream input = Open(stream);
        Span<byte> header = stackalloc byte[16];
        ReadHeader(input, header, "image");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != ImagesMagic)
        {
            throw new InvalidDataException($"Not an IDX image file: magic 0x{magic:X8}, expected 0x{ImagesMagic:X8}.");
        }

        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (count < 0 || rows is < 1 or > 4096 || columns is < 1 or > 4096)
        {
            throw new InvalidDataException($"IDX image header declares {count} images of {rows}×{columns}; expected a non-negative count and sizes 1..4096.");
        }

        long total = (long)count * rows * columns;
        if (total > MaxDataBytes)
        {
            throw new InvalidDataException($"IDX image header declares {total} pixel bytes; at most {MaxDataBytes} are accepted.");
        }

        byte[] pixels = ReadData(input, (int)total, $"{count} images of {rows}×{columns}");
        return new IdxImages(count, rows, columns, pixels);
    }

    /// <summary>Reads a label file.</summary>
    /// <exception cref="InvalidDataException">Wrong magic, count out of range, truncated data, trailing bytes or corrupt gzip data.</exception>
    public static byte[] ReadLabels(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using Stream input = Open(stream);
        Span<byte> header = stackalloc byte[8];
        ReadHeader(input, header, "label");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != LabelsMagic)
        {
            throw new InvalidDataException($"Not an IDX label file: magic 0x{magic:X8}, expected 0x{LabelsMagic:X8}.");
        }

        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < 0 || count > MaxDataBytes)
        {
            throw new InvalidDataException($"IDX label header declares {count} labels; expected 0..{MaxDataBytes}.");
        }

        return ReadData(input, count, $"{count} labels");
    }

    /// <summary>Reads an image file from disk.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid IDX image file; the message names the file.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static IdxImages ReadImages(string path)
    {
        using FileStream file = File.OpenRead(path);
        return WithPath(path, () => ReadImages(file));
    }

    /// <summary>Reads a label file from disk.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid IDX label file; the message names the file.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static byte[] ReadLabels(string path)
    {
        using FileStream file = File.OpenRead(path);
        return WithPath(path, () => ReadLabels(file));
    }

    private static T WithPath<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"'{path}': {ex.Message}", ex);
        }
    }

    /// <summary>Wraps the stream in a gzip decoder when it starts with the gzip magic; never disposes the caller's stream.</summary>
    private static Stream Open(Stream stream)
    {
        byte[] prefix = new byte[2];
        int n = stream.ReadAtLeast(prefix, 2, throwOnEndOfStream: false);
        var prefixed = new PrefixedStream(prefix.AsMemory(0, n), stream);
        return n == 2 && prefix[0] == 0x1F && prefix[1] == 0x8B ? new GZipStream(prefixed, CompressionMode.Decompress) : prefixed;
    }

    private static void ReadHeader(Stream input, Span<byte> header, string kind)
    {
        int n = Fill(input, header);
        if (n < header.Length)
        {
            throw new InvalidDataException($"Truncated IDX {kind} file: the header needs {header.Length} bytes, the data has {n}.");
        }
    }

    private static byte[] ReadData(Stream input, int total, string what)
    {
        // Grow the buffer as data arrives, so a header that lies about the size cannot make us allocate much.
        byte[] buffer = new byte[Math.Min(total, 1 << 20)];
        int filled = 0;
        while (filled < total)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(total, buffer.Length * 2L));
            }

            int n = Read(input, buffer.AsSpan(filled));
            if (n == 0)
            {
                throw new InvalidDataException($"Truncated IDX file: the header declares {what} ({total} bytes) but only {filled} bytes follow.");
            }

            filled += n;
        }

        Span<byte> probe = stackalloc byte[1];
        if (Read(input, probe) != 0)
        {
            throw new InvalidDataException($"The IDX file has bytes after the {what} its header declares (header and data sizes do not match).");
        }

        return buffer;
    }

    private static int Fill(Stream input, Span<byte> destination)
    {
        int filled = 0;
        while (filled < destination.Length)
        {
            int n = Read(input, destination[filled..]);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }

    private static int Read(Stream input, Span<byte> destination)
    {
        try
        {
            return input.Read(destination);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"Corrupt gzip data: {ex.Message}", ex);
        }
    }
}
