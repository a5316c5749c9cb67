using System.Buffers.Binary;
using System.IO.Compression;
using CkksRns.Nn.Data;
using Xunit;

namespace CkksRns.Nn.Tests.Data;

public sealed class IdxReaderTests
{
    internal static byte[] ImageFile(int count, int rows, int columns, int seed = 1, int extra = 0, int? declaredCount = null)
    {
        byte[] bytes = new byte[16 + (count * rows * columns) + extra];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), declaredCount ?? count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        new Random(seed).NextBytes(bytes.AsSpan(16));
        return bytes;
    }

    internal static byte[] LabelFile(int count, int seed = 2)
    {
        byte[] bytes = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            bytes[8 + i] = (byte)random.Next(10);
        }

        return bytes;
    }

    internal static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_PlainAndGzip_ReturnsHeaderAndPixels(bool compressed)
    {
        byte[] raw = ImageFile(7, 28, 28);
        IdxImages images = IdxReader.ReadImages(new MemoryStream(compressed ? Gzip(raw) : raw));
        Assert.Equal((7, 28, 28), (images.Count, images.Rows, images.Columns));
        Assert.Equal(raw[16..], images.Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadLabels_PlainAndGzip_ReturnsLabels(bool compressed)
    {
        byte[] raw = LabelFile(33);
        Assert.Equal(raw[8..], IdxReader.ReadLabels(new MemoryStream(compressed ? Gzip(raw) : raw)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_Truncated_ThrowsInvalidData(bool compressed)
    {
        byte[] raw = ImageFile(5, 4, 4);
        foreach (int length in new[] { 0, 1, 3, 10, 16, 17, raw.Length - 1 })
        {
            byte[] cut = raw[..length];
            var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(compressed ? Gzip(cut) : cut)));
            Assert.Contains("runcated", ex.Message);
        }
    }

    [Fact]
    public void ReadImages_TruncatedGzipStream_ThrowsInvalidData()
    {
        byte[] gz = Gzip(ImageFile(50, 28, 28));
        Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(gz[..(gz.Length / 2)])));
    }

    [Fact]
    public void ReadImages_TrailingBytes_ThrowsInvalidData()
    {
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(ImageFile(3, 4, 4, extra: 5))));
        Assert.Contains("do not match", ex.Message);
    }

    [Fact]
    public void ReadImages_LabelFileGiven_ThrowsInvalidDataNamingMagic()
    {
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(LabelFile(40))));
        Assert.Contains("0x00000801", ex.Message);
    }

    [Fact]
    public void ReadImages_HugeDeclaredCount_FailsWithoutAllocatingTheDeclaredSize()
    {
        // The header claims 300,000 images (235 MB); only 100 follow.
        byte[] raw = ImageFile(100, 28, 28, declaredCount: 300_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(raw)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 8 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void ReadImages_DeclaredSizeAboveLimit_ThrowsInvalidData()
    {
        byte[] raw = ImageFile(1, 28, 28, declaredCount: int.MaxValue);
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(raw)));
        Assert.Contains("at most", ex.Message);
    }

    [Fact]
    public void ReadImages_CorruptGzip_ThrowsInvalidData()
    {
        byte[] gz = Gzip(ImageFile(20, 28, 28));
        for (int i = 12; i < gz.Length - 8; i += 7)
        {
            gz[i] ^= 0x5A;
        }

        Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(gz)));
    }
}
