using System.Net;
using System.Security.Cryptography;
using CkksRns.Nn.Data;
using Xunit;

namespace CkksRns.Nn.Tests.Data;

public sealed class MnistDownloaderTests : IDisposable
{
    private static readonly Uri First = new("https://first.example/mnist/");
    private static readonly Uri Second = new("https://second.example/mnist/");
    private readonly string _directory = Directory.CreateTempSubdirectory("mnist-dl-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task DownloadAsync_VerifiedFiles_AreWrittenAndLoadable()
    {
        Dictionary<string, byte[]> files = StubFiles();
        var handler = new StubHandler(request => Serve(files, request));
        var downloader = new MnistDownloader(new HttpClient(handler), [First], Hashes(files));
        var log = new StringWriter();
        await downloader.DownloadAsync(_directory, log);
        Assert.True(Mnist.HasFiles(_directory));
        Assert.Equal(4, handler.Requests.Count);
        Assert.Contains("SHA-256 verified", log.ToString());
        Assert.Equal(5, Mnist.LoadTest(_directory).Count);
        Assert.Empty(Directory.GetFiles(_directory, "*.part"));

        // A second call finds the files and downloads nothing.
        await downloader.DownloadAsync(_directory);
        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task DownloadAsync_HashMismatch_ThrowsInvalidDataAndLeavesNoFile()
    {
        Dictionary<string, byte[]> files = StubFiles();
        Dictionary<string, string> hashes = Hashes(files);
        hashes["t10k-images-idx3-ubyte.gz"] = new string('0', 64);
        var downloader = new MnistDownloader(new HttpClient(new StubHandler(r => Serve(files, r))), [First], hashes);
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => downloader.DownloadAsync(_directory));
        Assert.Contains("t10k-images-idx3-ubyte.gz", ex.Message);
        Assert.Contains("expected 0000", ex.Message);
        Assert.False(File.Exists(Path.Combine(_directory, "t10k-images-idx3-ubyte.gz")));
        Assert.Empty(Directory.GetFiles(_directory, "*.part"));
    }

    [Fact]
    public async Task DownloadAsync_FirstMirrorFails_UsesSecond()
    {
        Dictionary<string, byte[]> files = StubFiles();
        var handler = new StubHandler(request => request.RequestUri!.Host == First.Host
            ? new HttpResponseMessage(HttpStatusCode.NotFound)
            : Serve(files, request));
        var downloader = new MnistDownloader(new HttpClient(handler), [First, Second], Hashes(files));
        await downloader.DownloadAsync(_directory);
        Assert.True(Mnist.HasFiles(_directory));
        Assert.Equal(8, handler.Requests.Count);
    }

    [Fact]
    public async Task DownloadAsync_AllMirrorsUnreachable_ThrowsIOException()
    {
        var handler = new StubHandler(_ => throw new HttpRequestException("connection refused"));
        var downloader = new MnistDownloader(new HttpClient(handler), [First, Second], Hashes(StubFiles()));
        var ex = await Assert.ThrowsAsync<IOException>(() => downloader.DownloadAsync(_directory));
        Assert.Contains("connection refused", ex.Message);
    }

    [Fact]
    public async Task DownloadAsync_OversizedBody_IsRejected()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new EndlessStream()) });
        var downloader = new MnistDownloader(new HttpClient(handler), [First], Hashes(StubFiles()));
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => downloader.DownloadAsync(_directory));
        Assert.Contains("exceeds", ex.Message);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void KnownSha256_CoversEveryFile() =>
        Assert.All(Mnist.FileNames, name => Assert.Matches("^[0-9a-f]{64}$", MnistDownloader.KnownSha256[name + ".gz"]));

    private static Dictionary<string, byte[]> StubFiles() => new()
    {
        ["train-images-idx3-ubyte.gz"] = IdxReaderTests.Gzip(IdxReaderTests.ImageFile(8, 28, 28)),
        ["train-labels-idx1-ubyte.gz"] = IdxReaderTests.Gzip(IdxReaderTests.LabelFile(8)),
        ["t10k-images-idx3-ubyte.gz"] = IdxReaderTests.Gzip(IdxReaderTests.ImageFile(5, 28, 28)),
        ["t10k-labels-idx1-ubyte.gz"] = IdxReaderTests.Gzip(IdxReaderTests.LabelFile(5)),
    };

    private static Dictionary<string, string> Hashes(Dictionary<string, byte[]> files) =>
        files.ToDictionary(p => p.Key, p => Convert.ToHexStringLower(SHA256.HashData(p.Value)));

    private static HttpResponseMessage Serve(Dictionary<string, byte[]> files, HttpRequestMessage request)
    {
        string name = request.RequestUri!.Segments[^1];
        return files.TryGetValue(name, out byte[]? body)
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) }
            : new HttpResponseMessage(HttpStatusCode.NotFound);
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public List<Uri> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.RequestUri!);
            return Task.FromResult(respond(request));
        }
    }

    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Fill(buffer, (byte)7, offset, count);
            return count;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
