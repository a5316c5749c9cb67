using CkksRns.Nn.Data;

namespace CkksRns.Cli;

/// <summary>Finds (or downloads) the MNIST files for the train and evaluate commands.</summary>
internal static class MnistData
{
    /// <summary>
    /// The directory to read: <paramref name="explicitDirectory"/> when given (it must hold the files), otherwise
    /// ./data/mnist, then ../shared/data/mnist, otherwise the files are downloaded into ./data/mnist.
    /// </summary>
    /// <exception cref="CommandLineException">An explicit directory lacks the files.</exception>
    /// <exception cref="IOException">The download failed.</exception>
    /// <exception cref="InvalidDataException">A downloaded file failed its SHA-256 check.</exception>
    public static string Resolve(string? explicitDirectory, TextWriter output)
    {
        if (explicitDirectory is not null)
        {
            if (!Mnist.HasFiles(explicitDirectory))
            {
                throw new CommandLineException(
                    $"--data '{explicitDirectory}' does not hold the four MNIST files ({string.Join(", ", Mnist.FileNames)}, each plain or .gz).");
            }

            return explicitDirectory;
        }

        string current = Directory.GetCurrentDirectory();
        string? found = Mnist.FindDataDirectory(current);
        if (found is not null)
        {
            return found;
        }

        string target = Mnist.CandidateDirectories(current)[0];
        output.WriteLine($"MNIST not found in {string.Join(" or ", Mnist.CandidateDirectories(current))}; downloading into {target}");
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        new MnistDownloader(client).DownloadAsync(target, output).GetAwaiter().GetResult();
        return target;
    }
}
