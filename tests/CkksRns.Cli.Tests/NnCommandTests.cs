using System.Buffers.Binary;
using System.IO.Compression;
using Xunit;

namespace CkksRns.Cli.Tests;

/// <summary>The train, evaluate and summary commands on a tiny synthetic MNIST-format data set.</summary>
public sealed class NnCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckksrns-cli-").FullName;

    public NnCommandTests()
    {
        WriteIdx("train", 192, seed: 1);
        WriteIdx("t10k", 64, seed: 2);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Commands_AreRegistered()
    {
        Assert.NotNull(Commands.Find("train"));
        Assert.NotNull(Commands.Find("evaluate"));
        Assert.NotNull(Commands.Find("summary"));
    }

    [Fact]
    public void TrainEvaluateSummary_TinyData_SaveAndInspectModel()
    {
        string model = Path.Combine(_directory, "cnn1.model");
        var output = new StringWriter();
        int rc = Run("train", output, "--model", "cnn1", "--mode", "slaf", "--epochs", "2", "--seed", "3", "--data", _directory, "--out", model, "--batch", "32");
        Assert.Equal(0, rc);
        string text = output.ToString();
        Assert.Contains("[slaf] epoch   1/2", text);
        Assert.Contains("ETA", text);
        Assert.Contains("test accuracy", text);
        Assert.True(File.Exists(model));

        output = new StringWriter();
        Assert.Equal(0, Run("evaluate", output, "--model", model, "--data", _directory));
        Assert.Contains("plaintext accuracy on 64 MNIST test images", output.ToString());

        output = new StringWriter();
        Assert.Equal(0, Run("summary", output, "--model", model));
        text = output.ToString();
        Assert.Contains("Dense(845 → 100)", text);
        Assert.Contains("multiplicative depth under encryption: 7 levels", text);
        Assert.Contains("seed: 3", text);
    }

    [Fact]
    public void Train_SlafR_ReportsReluAccuracy()
    {
        string model = Path.Combine(_directory, "r.model");
        var output = new StringWriter();
        Assert.Equal(0, Run("train", output, "--model", "cnn2", "--mode", "slaf-r", "--epochs", "1", "--refit-epochs", "1", "--data", _directory, "--out", model, "--batch", "32"));
        Assert.Contains("ReLU network before SLAF-R conversion", output.ToString());
        output = new StringWriter();
        Assert.Equal(0, Run("evaluate", output, "--model", model, "--data", _directory));
        Assert.Contains("with BatchNorm folded", output.ToString());
    }

    [Fact]
    public void Train_UnknownModel_IsACommandLineError()
    {
        var ex = Assert.Throws<CommandLineException>(() => Run("train", TextWriter.Null, "--model", "cnn3", "--out", "x.model"));
        Assert.Contains("unknown model 'cnn3'", ex.Message);
    }

    [Fact]
    public void Train_DataDirectoryWithoutFiles_IsACommandLineError()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_directory, "empty")).FullName;
        var ex = Assert.Throws<CommandLineException>(() => Run("train", TextWriter.Null, "--model", "cnn1", "--data", empty, "--out", Path.Combine(_directory, "m.model")));
        Assert.Contains("does not hold the four MNIST files", ex.Message);
    }

    [Fact]
    public void Train_CorruptIdx_ThrowsInvalidData()
    {
        string bad = Directory.CreateDirectory(Path.Combine(_directory, "bad")).FullName;
        foreach (string file in Directory.GetFiles(_directory, "*.gz"))
        {
            File.Copy(file, Path.Combine(bad, Path.GetFileName(file)));
        }

        byte[] labels = File.ReadAllBytes(Path.Combine(bad, "train-labels-idx1-ubyte.gz"));
        File.WriteAllBytes(Path.Combine(bad, "train-labels-idx1-ubyte.gz"), labels[..(labels.Length / 2)]);
        Assert.Throws<InvalidDataException>(() => Run("train", TextWriter.Null, "--model", "cnn1", "--data", bad, "--out", Path.Combine(_directory, "m.model")));
    }

    [Fact]
    public void Evaluate_CorruptModel_ThrowsInvalidData()
    {
        string path = Path.Combine(_directory, "corrupt.model");
        File.WriteAllBytes(path, [.. "CKNN"u8, 1, 0, 0, 0, 9]);
        Assert.Throws<InvalidDataException>(() => Run("evaluate", TextWriter.Null, "--model", path, "--data", _directory));
        Assert.Throws<InvalidDataException>(() => Run("summary", TextWriter.Null, "--model", path));
    }

    [Fact]
    public void Summary_MissingFile_ThrowsIOException() =>
        Assert.ThrowsAny<IOException>(() => Run("summary", TextWriter.Null, "--model", Path.Combine(_directory, "missing.model")));

    [Fact]
    public void Train_UnknownOption_IsACommandLineError()
    {
        var ex = Assert.Throws<CommandLineException>(() => Run("train", TextWriter.Null, "--model", "cnn1", "--out", "x", "--epoch", "3"));
        Assert.Contains("--epoch", ex.Message);
    }

    private static int Run(string command, TextWriter output, params string[] args) =>
        Commands.Find(command)!.Run(CommandLine.Parse(args), output);

    private void WriteIdx(string prefix, int count, int seed)
    {
        var random = new Random(seed);
        byte[] labels = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(labels, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
        byte[] images = new byte[16 + (count * 784)];
        BinaryPrimitives.WriteInt32BigEndian(images, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 28);
        for (int n = 0; n < count; n++)
        {
            int digit = random.Next(10);
            labels[8 + n] = (byte)digit;
            // A bright bar whose position encodes the digit, plus noise.
            for (int p = 0; p < 784; p++)
            {
                int row = p / 28;
                images[16 + (n * 784) + p] = (byte)((row / 3 == digit ? 200 : 0) + random.Next(40));
            }
        }

        File.WriteAllBytes(Path.Combine(_directory, $"{prefix}-labels-idx1-ubyte.gz"), Gzip(labels));
        File.WriteAllBytes(Path.Combine(_directory, $"{prefix}-images-idx3-ubyte.gz"), Gzip(images));
    }

    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
