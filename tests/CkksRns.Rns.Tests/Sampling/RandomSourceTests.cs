using System.Buffers.Binary;
using System.Security.Cryptography;
using CkksRns.Rns.Sampling;
using Xunit;

namespace CkksRns.Rns.Tests.Sampling;

public sealed class RandomSourceTests
{
    internal static byte[] Seed(byte fill) => Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + fill)).ToArray();

    [Fact]
    public void FromSeed_Stream_IsTheDocumentedAesCounterConstruction()
    {
        byte[] seed = Seed(3);
        using RandomSource source = RandomSource.FromSeed(seed, stream: 42);
        var actual = new byte[8192 + 100];
        source.Fill(actual);

        // Oracle: key = SHA-256("CkksRns.Seed.v2" ‖ seed); block j = AES-256(key, LE64(stream) ‖ LE64(j)), one block at a time.
        using Aes aes = Aes.Create();
        aes.Key = SHA256.HashData([.. "CkksRns.Seed.v2"u8, .. seed]);
        var expected = new byte[actual.Length];
        var counter = new byte[16];
        var block = new byte[16];
        for (int j = 0; j * 16 < expected.Length; j++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(counter, 42);
            BinaryPrimitives.WriteUInt64LittleEndian(counter.AsSpan(8), (ulong)j);
            aes.EncryptEcb(counter, block, PaddingMode.None);
            block.AsSpan(0, Math.Min(16, expected.Length - (16 * j))).CopyTo(expected.AsSpan(16 * j));
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void FromSeed_SameSeed_SameBytesWhateverTheReadSizes()
    {
        using RandomSource whole = RandomSource.FromSeed(Seed(1));
        using RandomSource pieces = RandomSource.FromSeed(Seed(1));
        var expected = new byte[20000];
        whole.Fill(expected);
        var actual = new byte[20000];
        int position = 0;
        foreach (int size in new[] { 1, 7, 8, 100, 8000, 3, 9000 })
        {
            pieces.Fill(actual.AsSpan(position, size));
            position += size;
        }

        for (; position < actual.Length; position++)
        {
            actual[position] = pieces.NextByte();
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void FromSeed_DifferentSeedOrStream_GivesDifferentBytes()
    {
        static byte[] Read(byte[] seed, ulong stream)
        {
            using RandomSource source = RandomSource.FromSeed(seed, stream);
            var bytes = new byte[64];
            source.Fill(bytes);
            return bytes;
        }

        byte[] baseline = Read(Seed(1), 0);
        Assert.NotEqual(baseline, Read(Seed(2), 0));
        Assert.NotEqual(baseline, Read(Seed(1), 1));
        Assert.Equal(baseline, Read(Seed(1), 0));
    }

    [Fact]
    public void NextUInt64_PartialWidths_ReadLittleEndianPrefixes()
    {
        using RandomSource a = RandomSource.FromSeed(Seed(9));
        using RandomSource b = RandomSource.FromSeed(Seed(9));
        var bytes = new byte[1 + 2 + 3 + 4 + 5 + 6 + 7 + 8];
        a.Fill(bytes);
        int position = 0;
        for (int width = 1; width <= 8; width++)
        {
            var padded = new byte[8];
            bytes.AsSpan(position, width).CopyTo(padded);
            Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(padded), b.NextUInt64(width));
            position += width;
        }
    }

    [Fact]
    public void CreateSystem_ProducesFreshBytes_AndDisposeStopsIt()
    {
        RandomSource source = RandomSource.CreateSystem();
        var first = new byte[32];
        var second = new byte[32];
        source.Fill(first);
        source.Fill(second);
        Assert.NotEqual(first, second);
        Assert.Equal(32, RandomSource.CreateSeed().Length);
        Assert.NotEqual(RandomSource.CreateSeed(), RandomSource.CreateSeed());
        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => source.Fill(new byte[5000]));
    }

    [Fact]
    public void FromSeed_WrongSeedLength_Throws()
    {
        Assert.Contains("exactly 32 bytes; got 31", Assert.Throws<ArgumentException>(() => RandomSource.FromSeed(new byte[31])).Message);
        Assert.Throws<ArgumentException>(() => RandomSource.FromSeed(new byte[33]));
    }
}
