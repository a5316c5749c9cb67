using System.Globalization;
using System.Text.Json;

namespace CkksRns.Cli;

/// <summary>
/// <c>ckksrns chart</c>: renders the chain-length chart of docs/benchmarks.md (SVG, our own renderer) from the
/// BenchmarkDotNet JSON results of <c>InferenceChainBenchmarks</c>, next to the reference paper's Tables IV and VI.
/// </summary>
internal sealed class ChartCommand : ICommand
{
    /// <summary>The reference paper's single-image latency (s) for 3..10 moduli: Table IV (CNN1) and Table VI (CNN2).</summary>
    internal static readonly double[] PaperCnn1 = [2.27, 2.02, 1.98, 1.89, 1.85, 1.74, 1.67, 1.74];

    /// <inheritdoc cref="PaperCnn1"/>
    internal static readonly double[] PaperCnn2 = [23.67, 23.39, 23.12, 22.76, 22.54, 22.49, 22.46, 22.51];

    public string Name => "chart";

    public string Summary => "SVG chart of encrypted-inference latency per chain length from BenchmarkDotNet JSON results: --results DIR|FILE [--out FILE.svg].";

    public int Run(CommandLine options, TextWriter output)
    {
        string results = options.GetRequiredString("results");
        string outPath = options.GetString("out", "inference-latency.svg")!;
        options.ThrowOnUnknown();
        string file = Directory.Exists(results)
            ? Directory.EnumerateFiles(results, "*InferenceChainBenchmarks-report-full*.json", SearchOption.AllDirectories).OrderBy(f => f).LastOrDefault()
              ?? throw new CommandLineException($"--results '{results}' has no *InferenceChainBenchmarks-report-full*.json (run the benchmark with its JSON exporter).")
            : File.Exists(results) ? results : throw new CommandLineException($"--results '{results}' does not exist.");

        Dictionary<(string Method, string Model, int Primes, int Threads), double> means = Read(file);
        var chart = new SvgLineChart
        {
            Title = "Single-image encrypted inference latency vs. moduli chain length",
            XLabel = "data primes k in the chain (reference paper: moduli)",
            YLabel = "seconds per image (log scale)",
        };
        chart.Add("paper CNN1 (Table IV)", PaperCnn1.Select((s, i) => ((double)(i + 3), s)), dashed: true);
        chart.Add("paper CNN2 (Table VI)", PaperCnn2.Select((s, i) => ((double)(i + 3), s)), dashed: true);
        foreach (string model in new[] { "cnn1", "cnn2" })
        {
            foreach (int threads in means.Keys.Select(k => k.Threads).Distinct().Order())
            {
                var points = means.Keys
                    .Where(k => k.Model == model && k.Threads == threads && k.Method == "ServerEvaluate")
                    .Select(k => ((double)k.Primes, Total(means, k)))
                    .ToList();
                if (points.Count > 0)
                {
                    chart.Add($"ours {model.ToUpperInvariant()}, {threads} thread{(threads == 1 ? "" : "s")}", points);
                }
            }
        }

        File.WriteAllText(outPath, chart.Render());
        output.WriteLine($"wrote {outPath} from {file}");
        foreach (var k in means.Keys.Where(k => k.Method == "ServerEvaluate").OrderBy(k => k.Model).ThenBy(k => k.Primes).ThenBy(k => k.Threads))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {k.Model} k={k.Primes} threads={k.Threads}: client+server {Total(means, k):0.000} s (server {means[k]:0.000} s)"));
        }

        return 0;
    }

    /// <summary>Client encrypt + server evaluation + client decrypt, the per-image latency.</summary>
    private static double Total(Dictionary<(string Method, string Model, int Primes, int Threads), double> means, (string Method, string Model, int Primes, int Threads) key) =>
        means[key] + means.GetValueOrDefault(key with { Method = "ClientEncrypt" }) + means.GetValueOrDefault(key with { Method = "ClientDecrypt" });

    /// <summary>Mean seconds per (method, model, primes, threads) from a BenchmarkDotNet full JSON report.</summary>
    internal static Dictionary<(string Method, string Model, int Primes, int Threads), double> Read(string file)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file));
        var result = new Dictionary<(string, string, int, int), double>();
        foreach (JsonElement b in doc.RootElement.GetProperty("Benchmarks").EnumerateArray())
        {
            if (!b.TryGetProperty("Statistics", out JsonElement stats) || stats.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            string method = b.GetProperty("Method").GetString() ?? string.Empty;
            string parameters = b.GetProperty("Parameters").GetString() ?? string.Empty;
            var map = parameters.Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            if (!map.TryGetValue("Chain", out string? chain) || !map.TryGetValue("Threads", out string? threads))
            {
                continue;
            }

            string[] parts = chain.Split('-');
            double nanoseconds = stats.GetProperty("Mean").GetDouble();
            result[(method, parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(threads, CultureInfo.InvariantCulture))] = nanoseconds / 1e9;
        }

        if (result.Count == 0)
        {
            throw new InvalidDataException($"'{file}' has no InferenceChainBenchmarks results with Chain and Threads parameters.");
        }

        return result;
    }
}
