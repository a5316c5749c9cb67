namespace CkksRns.Nn.Data;

/// <summary>
/// The MNIST handwritten digits (LeCun, Cortes, Burges; CC BY-SA 3.0): 60,000 training and 10,000 test images of
/// 28×28 pixels, read from the four original IDX files (gzip or plain) in a directory.
/// </summary>
/// <remarks>
/// Pixel normalisation: <c>x = (p/255 − 0.1307) / 0.3081</c> for a pixel byte <c>p</c> (the mean and standard deviation
/// of the training pixels), so inputs are roughly zero-mean with unit variance. The encrypting client applies the same
/// map before encryption.
/// </remarks>
public static class Mnist
{
    /// <summary>Mean of the training pixels scaled to [0, 1].</summary>
    public const float PixelMean = 0.1307f;

    /// <summary>Standard deviation of the training pixels scaled to [0, 1].</summary>
    public const float PixelStd = 0.3081f;

    /// <summary>Image side in pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>Number of classes (digits 0–9).</summary>
    public const int ClassCount = 10;

    /// <summary>Base names of the four files: training images, training labels, test images, test labels.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>The per-sample shape, (1, 28, 28).</summary>
    public static TensorShape SampleShape { get; } = new(1, ImageSize, ImageSize);

    private static readonly float[] PixelTable = BuildPixelTable();

    /// <summary>Normalises one pixel byte: <c>(p/255 − 0.1307) / 0.3081</c>.</summary>
    public static float Normalize(byte pixel) => PixelTable[pixel];

    /// <summary>Loads the 60,000 training images.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, truncated, not 28×28, or images and labels disagree.</exception>
    public static Dataset LoadTraining(string directory) => Load(directory, FileNames[0], FileNames[1]);

    /// <summary>Loads the 10,000 test images.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, truncated, not 28×28, or images and labels disagree.</exception>
    public static Dataset LoadTest(string directory) => Load(directory, FileNames[2], FileNames[3]);

    /// <summary>True when <paramref name="directory"/> holds all four files (each gzip or plain).</summary>
    public static bool HasFiles(string directory) =>
        Directory.Exists(directory) && FileNames.All(name => FindFile(directory, name) is not null);

    /// <summary>
    /// The data directory the CLI uses when none is given: <c>./data/mnist</c>, then <c>../shared/data/mnist</c>
    /// (both relative to <paramref name="currentDirectory"/>), or null when neither has the four files.
    /// </summary>
    public static string? FindDataDirectory(string currentDirectory)
    {
        ArgumentNullException.ThrowIfNull(currentDirectory);
        foreach (string candidate in CandidateDirectories(currentDirectory))
        {
            if (HasFiles(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The directories <see cref="FindDataDirectory"/> searches, in order; the first is where downloads go.</summary>
    public static IReadOnlyList<string> CandidateDirectories(string currentDirectory) =>
    [
        Path.GetFullPath(Path.Combine(currentDirectory, "data", "mnist")),
        Path.GetFullPath(Path.Combine(currentDirectory, "..", "shared", "data", "mnist")),
    ];

    /// <summary>Converts IDX images and labels into a normalised dataset.</summary>
    /// <exception cref="InvalidDataException">The images are not 28×28 or the counts disagree.</exception>
    public static Dataset FromIdx(IdxImages images, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Rows != ImageSize || images.Columns != ImageSize)
        {
            throw new InvalidDataException($"MNIST images are {ImageSize}×{ImageSize}; the file has {images.Rows}×{images.Columns}.");
        }

        if (images.Count != labels.Length)
        {
            throw new InvalidDataException($"The image file has {images.Count} images but the label file has {labels.Length} labels.");
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= ClassCount)
            {
                throw new InvalidDataException($"Label {labels[i]} at index {i} is not a digit 0..9.");
            }
        }

        float[] samples = new float[images.Pixels.Length];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = PixelTable[images.Pixels[i]];
        }

        return new Dataset(SampleShape, samples, labels, ClassCount);
    }

    /// <summary>The path of <paramref name="baseName"/> or <paramref name="baseName"/>.gz in the directory, or null.</summary>
    internal static string? FindFile(string directory, string baseName)
    {
        string gz = Path.Combine(directory, baseName + ".gz");
        if (File.Exists(gz))
        {
            return gz;
        }

        string plain = Path.Combine(directory, baseName);
        return File.Exists(plain) ? plain : null;
    }

    private static Dataset Load(string directory, string imagesName, string labelsName)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string imagesPath = FindFile(directory, imagesName)
            ?? throw new FileNotFoundException($"MNIST file {imagesName}(.gz) not found in '{directory}'.");
        string labelsPath = FindFile(directory, labelsName)
            ?? throw new FileNotFoundException($"MNIST file {labelsName}(.gz) not found in '{directory}'.");
        IdxImages images = IdxReader.ReadImages(imagesPath);
        byte[] labels = IdxReader.ReadLabels(labelsPath);
        try
        {
            return FromIdx(images, labels);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"'{imagesPath}' / '{labelsPath}': {ex.Message}", ex);
        }
    }

    private static float[] BuildPixelTable()
    {
        float[] table = new float[256];
        for (int p = 0; p < 256; p++)
        {
            table[p] = ((p / 255f) - PixelMean) / PixelStd;
        }

        return table;
    }
}
