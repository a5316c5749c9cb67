using CkksRns.Nn.Data;
using Xunit;

namespace CkksRns.Nn.Tests.Data;

public sealed class MnistTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mnist-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadTest_MixedGzipAndPlain_NormalisesPixels()
    {
        byte[] images = IdxReaderTests.ImageFile(12, 28, 28);
        byte[] labels = IdxReaderTests.LabelFile(12);
        File.WriteAllBytes(Path.Combine(_directory, "t10k-images-idx3-ubyte.gz"), IdxReaderTests.Gzip(images));
        File.WriteAllBytes(Path.Combine(_directory, "t10k-labels-idx1-ubyte"), labels);
        Dataset data = Mnist.LoadTest(_directory);
        Assert.Equal(12, data.Count);
        Assert.Equal(Mnist.SampleShape, data.SampleShape);
        Assert.Equal(labels[8..], data.Labels);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(((images[16 + i] / 255f) - 0.1307f) / 0.3081f, data.Samples[i], 1e-6f);
        }
    }

    [Fact]
    public void LoadTest_CountMismatch_ThrowsInvalidDataNamingBothCounts()
    {
        File.WriteAllBytes(Path.Combine(_directory, "t10k-images-idx3-ubyte"), IdxReaderTests.ImageFile(12, 28, 28));
        File.WriteAllBytes(Path.Combine(_directory, "t10k-labels-idx1-ubyte"), IdxReaderTests.LabelFile(11));
        var ex = Assert.Throws<InvalidDataException>(() => Mnist.LoadTest(_directory));
        Assert.Contains("12 images", ex.Message);
        Assert.Contains("11 labels", ex.Message);
    }

    [Fact]
    public void LoadTest_WrongImageSize_ThrowsInvalidData()
    {
        File.WriteAllBytes(Path.Combine(_directory, "t10k-images-idx3-ubyte"), IdxReaderTests.ImageFile(2, 32, 32));
        File.WriteAllBytes(Path.Combine(_directory, "t10k-labels-idx1-ubyte"), IdxReaderTests.LabelFile(2));
        var ex = Assert.Throws<InvalidDataException>(() => Mnist.LoadTest(_directory));
        Assert.Contains("32×32", ex.Message);
    }

    [Fact]
    public void LoadTest_LabelAboveNine_ThrowsInvalidData()
    {
        byte[] labels = IdxReaderTests.LabelFile(3);
        labels[9] = 12;
        File.WriteAllBytes(Path.Combine(_directory, "t10k-images-idx3-ubyte"), IdxReaderTests.ImageFile(3, 28, 28));
        File.WriteAllBytes(Path.Combine(_directory, "t10k-labels-idx1-ubyte"), labels);
        var ex = Assert.Throws<InvalidDataException>(() => Mnist.LoadTest(_directory));
        Assert.Contains("Label 12 at index 1", ex.Message);
    }

    [Fact]
    public void LoadTraining_MissingFile_ThrowsFileNotFound()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => Mnist.LoadTraining(_directory));
        Assert.Contains("train-images-idx3-ubyte", ex.Message);
    }

    [Fact]
    public void FindDataDirectory_PrefersLocalThenShared()
    {
        string root = Path.Combine(_directory, "repo");
        string shared = Path.Combine(_directory, "shared", "data", "mnist");
        Directory.CreateDirectory(root);
        Assert.Null(Mnist.FindDataDirectory(root));
        WriteAll(shared);
        Assert.Equal(Path.GetFullPath(shared), Mnist.FindDataDirectory(root));
        string local = Path.Combine(root, "data", "mnist");
        WriteAll(local);
        Assert.Equal(Path.GetFullPath(local), Mnist.FindDataDirectory(root));
    }

    [Fact]
    public void RealTestSet_WhenPresent_HasKnownLabelCounts()
    {
        string? directory = RepositoryData.MnistDirectory();
        if (directory is null)
        {
            return; // The data is not beside this checkout; nothing to check.
        }

        Dataset test = Mnist.LoadTest(directory);
        Assert.Equal(10_000, test.Count);
        int[] counts = new int[10];
        foreach (byte label in test.Labels)
        {
            counts[label]++;
        }

        Assert.Equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], counts);
    }

    private static void WriteAll(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (string name in Mnist.FileNames)
        {
            File.WriteAllBytes(Path.Combine(directory, name), name.Contains("images") ? IdxReaderTests.ImageFile(1, 28, 28) : IdxReaderTests.LabelFile(1));
        }
    }
}
