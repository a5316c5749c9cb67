using System.Security.Cryptography;

namespace CkksRns.Nn.Data;

/// <summary>
/// Downloads the four MNIST files from a public mirror and verifies each file's SHA-256 before it is put in place.
/// A file that is already present is not downloaded again.
/// </summary>
public sealed class MnistDownloader
{
    /// <summary>The largest file accepted from a mirror (the training images are 9.9 MB compressed).</summary>
    public const long MaxFileBytes = 32L << 20;

    /// <summary>The public mirrors tried in order; they serve the original gzip files.</summary>
    public static IReadOnlyList<Uri> DefaultMirrors { get; } =
    [
        new("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        new("https://storage.googleapis.com/cvdf-datasets/mnist/"),
    ];

    /// <summary>SHA-256 (lower-case hex) of the original gzip files.</summary>
    public static IReadOnlyDictionary<string, string> KnownSha256 { get; } = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte.gz"] = "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        ["train-labels-idx1-ubyte.gz"] = "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        ["t10k-images-idx3-ubyte.gz"] = "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        ["t10k-labels-idx1-ubyte.gz"] = "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    };

    private readonly HttpClient _client;
    private readonly IReadOnlyList<Uri> _mirrors;
    private readonly IReadOnlyDictionary<string, string> _sha256;

    /// <summary>Creates a downloader that uses <paramref name="client"/> and the <see cref="DefaultMirrors"/>.</summary>
    public MnistDownloader(HttpClient client)
        : this(client, DefaultMirrors, KnownSha256)
    {
    }

    /// <summary>Creates a downloader with explicit mirrors and expected hashes (tests use a stub handler).</summary>
    internal MnistDownloader(HttpClient client, IReadOnlyList<Uri> mirrors, IReadOnlyDictionary<string, string> sha256)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(mirrors);
        ArgumentNullException.ThrowIfNull(sha256);
        if (mirrors.Count == 0)
        {
            throw new ArgumentException("At least one mirror is needed.", nameof(mirrors));
        }

        _client = client;
        _mirrors = mirrors;
        _sha256 = sha256;
    }

    /// <summary>Downloads every missing file into <paramref name="directory"/> (created if needed).</summary>
    /// <param name="directory">The destination directory.</param>
    /// <param name="log">Receives one line per file downloaded (may be null).</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <exception cref="InvalidDataException">Every mirror served a file whose SHA-256 differs from the expected one, or one too large.</exception>
    /// <exception cref="IOException">No mirror could be reached or the file could not be written.</exception>
    public async Task DownloadAsync(string directory, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        foreach (string baseName in Mnist.FileNames)
        {
            if (Mnist.FindFile(directory, baseName) is not null)
            {
                continue;
            }

            string fileName = baseName + ".gz";
            string expected = _sha256.TryGetValue(fileName, out string? hash)
                ? hash
                : throw new InvalidOperationException($"No expected SHA-256 for {fileName}.");
            await DownloadFileAsync(directory, fileName, expected, log, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DownloadFileAsync(string directory, string fileName, string expectedSha256, TextWriter? log, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        bool onlyIntegrityFailures = true;
        string target = Path.Combine(directory, fileName);
        string temporary = target + ".part";
        foreach (Uri mirror in _mirrors)
        {
            var uri = new Uri(mirror, fileName);
            try
            {
                string actual = await FetchAsync(uri, temporary, cancellationToken).ConfigureAwait(false);
                if (string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
                {
                    File.Move(temporary, target, overwrite: true);
                    log?.WriteLine($"downloaded {fileName} from {uri.Host} (SHA-256 verified)");
                    return;
                }

                failures.Add($"{uri}: SHA-256 {actual}, expected {expectedSha256}");
            }
            catch (HttpRequestException ex)
            {
                onlyIntegrityFailures = false;
                failures.Add($"{uri}: {ex.Message}");
            }
            catch (InvalidDataException ex)
            {
                failures.Add($"{uri}: {ex.Message}");
            }
            finally
            {
                File.Delete(temporary);
            }
        }

        string message = $"Could not download {fileName}: {string.Join("; ", failures)}";
        throw onlyIntegrityFailures ? new InvalidDataException(message) : new IOException(message);
    }

    /// <summary>Streams <paramref name="uri"/> into <paramref name="path"/> (bounded) and returns its SHA-256 in hex.</summary>
    private async Task<string> FetchAsync(Uri uri, string path, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        if (response.Content.Headers.ContentLength > MaxFileBytes)
        {
            throw new InvalidDataException($"the server announces {response.Content.Headers.ContentLength} bytes; at most {MaxFileBytes} are accepted");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (FileStream file = File.Create(path))
        {
            byte[] buffer = new byte[81920];
            long total = 0;
            int n;
            while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += n;
                if (total > MaxFileBytes)
                {
                    throw new InvalidDataException($"the file exceeds {MaxFileBytes} bytes");
                }

                hash.AppendData(buffer, 0, n);
                await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
