using System.Buffers.Binary;
using CkksRns.Nn.Models;
using Xunit;

namespace CkksRns.Cli.Tests;

/// <summary>
/// <c>ckksrns infer</c> on a small untrained CNN1 and a tiny MNIST-format data set, with small insecure parameters
/// (<c>--security none --logn 12</c>) so that it runs in seconds; the real command uses 128-bit parameters.
/// </summary>
public sealed class InferCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckksrns-infer-").FullName;
    private readonly string _model;

    public InferCommandTests()
    {
        WriteIdx("t10k", 8);
        WriteIdx("train", 8);
        _model = Path.Combine(_directory, "cnn1.model");
        Networks.Create(Architecture.Cnn1, ActivationKind.Slaf, 3).Save(_model);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (int Code, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        int code = Commands.Find("infer")!.Run(CommandLine.Parse(args), output);
        return (code, output.ToString());
    }

    [Fact]
    public void Infer_Latency_PrintsParametersSizesLatencyAccuracyAgreement()
    {
        (int code, string text) = Run("--model", _model, "--images", "2", "--data", _directory, "--security", "none", "--logn", "12", "--threads", "2");
        Assert.Equal(0, code);
        Assert.Contains("N = 2^12", text);
        Assert.Contains("log2(QP)", text);
        Assert.Contains("dnum", text);
        Assert.Contains("evaluation keys:", text);
        Assert.Contains("messages: request", text);
        Assert.Contains("client encode+encrypt", text);
        Assert.Contains("server evaluation", text);
        Assert.Contains("client decrypt+decode", text);
        Assert.Contains("argmax agreement encrypted vs plaintext: 100.00% (2/2)", text);
        Assert.Contains("accuracy: encrypted", text);
        Assert.Contains("peak memory", text);
    }

    [Fact]
    public void Infer_Throughput_OneRequestForAllImages()
    {
        (int code, string text) = Run("--model", _model, "--images", "4", "--mode", "throughput", "--data", _directory, "--security", "none", "--logn", "10");
        Assert.Equal(0, code);
        Assert.Contains("packing: throughput (512 images per request)", text);
        Assert.Contains("(4/4)", text);
    }

    [Fact]
    public void Infer_TransferLearning_ReportsFeatureError()
    {
        (int code, string text) = Run("--model", _model, "--images", "1", "--stop-after", "3", "--data", _directory, "--security", "none", "--logn", "12");
        Assert.Equal(0, code);
        Assert.Contains("transfer-learning features (100 per image)", text);
    }

    [Fact]
    public void Infer_PlanOnly_PrintsThePlanWithoutData()
    {
        (int code, string text) = Run("--model", _model, "--plan", "--primes", "6");
        Assert.Equal(0, code);
        Assert.Contains("chain q = [40,30,60x4]", text);
        Assert.Contains("fused (no rescale)", text);
    }

    [Fact]
    public void Infer_PlanOnly_LowScaleInput_PrintsTheInputScaleAndAShorterChain()
    {
        (int code, string text) = Run("--model", _model, "--plan", "--mode", "throughput", "--input-scale", "18");
        Assert.Equal(0, code);
        Assert.Contains("chain q = [29x2,28x5]", text);
        Assert.Contains("scale 2^28 (inputs at 2^18)", text);
        Assert.Contains("low-scale input (no rescale)", text);
    }

    [Fact]
    public void Infer_ChainTooShort_ExplainsWhatIsMissing()
    {
        var ex = Assert.Throws<ArgumentException>(() => Run("--model", _model, "--images", "1", "--data", _directory, "--chain", "40,26x4,40"));
        Assert.Contains("needs 7 levels", ex.Message);
    }

    [Fact]
    public void Infer_BadOptions_ClearErrors()
    {
        Assert.Contains("does not exist", Assert.Throws<CommandLineException>(() => Run("--model", Path.Combine(_directory, "none.model"))).Message);
        Assert.Contains("--mode must be", Assert.Throws<CommandLineException>(() => Run("--model", _model, "--mode", "fast")).Message);
        Assert.Contains("either --chain or --primes", Assert.Throws<CommandLineException>(() => Run("--model", _model, "--chain", "40,30x7,40", "--primes", "8", "--data", _directory)).Message);
        Assert.Contains("does not hold the four MNIST files", Assert.Throws<CommandLineException>(() => Run("--model", _model, "--data", Path.Combine(_directory, "empty"))).Message);
        Assert.Contains("exceeds the 8 test images", Assert.Throws<CommandLineException>(() => Run("--model", _model, "--data", _directory, "--images", "9")).Message);
        Assert.Contains("--security must be", Assert.Throws<CommandLineException>(() => Run("--model", _model, "--security", "64")).Message);
    }

    [Fact]
    public void Infer_ThroughTheExecutable_ErrorsAreOneLineWithExitCode()
    {
        var (code, _, error) = CliTests.Run("infer", "--model", _model, "--images", "1", "--data", _directory, "--primes", "5");
        Assert.Equal(1, code);
        Assert.Contains("ckksrns infer: A chain of 5 data primes cannot carry the plan", error);
        Assert.Contains("at least 6 primes", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    private void WriteIdx(string prefix, int count)
    {
        var random = new Random(prefix.Length);
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
            labels[8 + n] = (byte)random.Next(10);
            for (int p = 0; p < 784; p++)
            {
                images[16 + (n * 784) + p] = (byte)random.Next(256);
            }
        }

        File.WriteAllBytes(Path.Combine(_directory, $"{prefix}-labels-idx1-ubyte"), labels);
        File.WriteAllBytes(Path.Combine(_directory, $"{prefix}-images-idx3-ubyte"), images);
    }
}
