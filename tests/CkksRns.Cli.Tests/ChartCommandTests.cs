using System.Globalization;
using System.Xml.Linq;
using Xunit;

namespace CkksRns.Cli.Tests;

public sealed class ChartCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckksrns-chart-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Benchmark(string method, string chain, int threads, double seconds) =>
        "{\"Method\":\"" + method + "\",\"Parameters\":\"Chain=" + chain + "&Threads=" + threads.ToString(CultureInfo.InvariantCulture) +
        "\",\"Statistics\":{\"Mean\":" + (seconds * 1e9).ToString("R", CultureInfo.InvariantCulture) + "}}";

    [Fact]
    public void Chart_FromBenchmarkJson_WritesSvgWithPaperAndOurSeries()
    {
        string json = "{\"Title\":\"x\",\"Benchmarks\":[" + string.Join(',',
            Benchmark("ServerEvaluate", "cnn1-8", 1, 0.30), Benchmark("ClientEncrypt", "cnn1-8", 1, 0.05), Benchmark("ClientDecrypt", "cnn1-8", 1, 0.001),
            Benchmark("ServerEvaluate", "cnn1-9", 1, 0.35), Benchmark("ServerEvaluate", "cnn2-11", 2, 1.1)) + "]}";
        string results = Path.Combine(_directory, "results");
        Directory.CreateDirectory(results);
        File.WriteAllText(Path.Combine(results, "CkksRns.Benchmarks.Inference.InferenceChainBenchmarks-report-full.json"), json);
        string svg = Path.Combine(_directory, "chart.svg");
        var output = new StringWriter();
        Assert.Equal(0, Commands.Find("chart")!.Run(CommandLine.Parse(["--results", results, "--out", svg]), output));
        Assert.Contains("cnn1 k=8 threads=1: client+server 0.351 s (server 0.300 s)", output.ToString());
        XDocument doc = XDocument.Load(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(3, doc.Descendants(ns + "polyline").Count()); // paper CNN1, paper CNN2, ours CNN1 (2 points); CNN2 has a single point, no line
        string text = File.ReadAllText(svg);
        Assert.Contains("paper CNN1 (Table IV)", text);
        Assert.Contains("ours CNN2, 2 threads", text);
        Assert.Contains("2.27 s", text);
    }

    [Fact]
    public void Chart_NoResults_ClearError()
    {
        var ex = Assert.Throws<CommandLineException>(() => Commands.Find("chart")!.Run(CommandLine.Parse(["--results", _directory]), new StringWriter()));
        Assert.Contains("InferenceChainBenchmarks-report-full", ex.Message);
    }
}
