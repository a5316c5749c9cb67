using System.Diagnostics;
using System.Globalization;
using CkksRns.Nn.Data;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;
using CkksRns.Nn.Training;

namespace CkksRns.Cli;

/// <summary><c>ckksrns train</c>: trains CNN1 or CNN2 on MNIST and saves the model.</summary>
internal sealed class TrainCommand : ICommand
{
    public string Name => "train";

    public string Summary => "Train CNN1/CNN2 on MNIST: --model cnn1|cnn2 --mode slaf|slaf-r|relu --epochs E --seed S [--data DIR] --out FILE.";

    public int Run(CommandLine options, TextWriter output)
    {
        Architecture architecture = ParseArchitecture(options.GetRequiredString("model"));
        TrainingMode mode = ParseMode(options.GetString("mode", "slaf")!);
        string outPath = options.GetRequiredString("out");
        int defaultEpochs = architecture == Architecture.Cnn1 ? 20 : 15;
        var training = new TrainingOptions
        {
            Epochs = options.GetInt("epochs", defaultEpochs, 1, 10_000),
            Seed = (ulong)options.GetInt("seed", 1, 0, int.MaxValue),
            BatchSize = options.GetInt("batch", 64, 1, 65_536),
            DegreeOfParallelism = options.GetInt("threads", Environment.ProcessorCount, 1, 1024),
            MaxLearningRate = GetDouble(options, "lr", mode == TrainingMode.Slaf ? 0.03 : 0.05, 1e-6, 10),
            WeightDecay = (float)GetDouble(options, "weight-decay", 5e-4, 0, 1),
            GradientClipNorm = (float)GetDouble(options, "clip", 5, 0, 1e6),
            AugmentShift = options.GetInt("augment", 0, 0, 8),
        };
        var slaf = new SlafOptions
        {
            Degree = options.GetInt("slaf-degree", 3, 1, Slaf.MaxDegree),
            Granularity = ParseGranularity(options.GetString("slaf-granularity", "neuron")!),
            RangePenalty = (float)GetDouble(options, "slaf-penalty", 1e-3, 0, 1e6),
            RangeBound = (float)GetDouble(options, "slaf-bound", 4, 1e-3, 1e6),
            RefitEpochs = options.GetInt("refit-epochs", 3, 0, 1000),
            RefitLearningRate = GetDouble(options, "refit-lr", 0.01, 1e-6, 10),
        };
        int trainLimit = options.GetInt("train-limit", 60_000, 1, int.MaxValue);
        int testLimit = options.GetInt("test-limit", 10_000, 1, int.MaxValue);
        string? dataOption = options.GetString("data");
        options.ThrowOnUnknown();

        string outDirectory = Path.GetDirectoryName(Path.GetFullPath(outPath))!;
        if (!Directory.Exists(outDirectory))
        {
            throw new CommandLineException($"--out: the directory '{outDirectory}' does not exist.");
        }

        string dataDirectory = MnistData.Resolve(dataOption, output);
        Dataset train = Mnist.LoadTraining(dataDirectory);
        Dataset test = Mnist.LoadTest(dataDirectory);
        train = train.Take(Math.Min(trainLimit, train.Count));
        test = test.Take(Math.Min(testLimit, test.Count));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"training {ArchitectureName(architecture)} ({ModeName(mode)}) on {train.Count} images from {dataDirectory}; {training.Epochs} epochs, batch {training.BatchSize}, " +
            $"max lr {training.MaxLearningRate}, seed {training.Seed}, {training.DegreeOfParallelism} threads"));

        using var process = Process.GetCurrentProcess();
        TimeSpan cpuStart = process.TotalProcessorTime, cpuLast = cpuStart;
        TrainingResult result = TrainingPipeline.Run(architecture, mode, training, slaf, train, test, p =>
        {
            process.Refresh();
            TimeSpan cpu = process.TotalProcessorTime;
            PrintProgress(p, cpu - cpuLast, output);
            cpuLast = cpu;
        });
        process.Refresh();
        TimeSpan cpuTotal = process.TotalProcessorTime - cpuStart;
        Sequential model = result.Model;
        string accuracy = Percent(result.Test.Accuracy);
        if (result.ReluTest is not null)
        {
            output.WriteLine($"ReLU network before SLAF-R conversion: test accuracy {Percent(result.ReluTest.Accuracy)}");
        }

        model.Metadata["architecture"] = ArchitectureName(architecture);
        model.Metadata["mode"] = ModeName(mode);
        model.Metadata["command"] = "ckksrns " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
        model.Metadata["seed"] = training.Seed.ToString(CultureInfo.InvariantCulture);
        model.Metadata["epochs"] = training.Epochs.ToString(CultureInfo.InvariantCulture);
        model.Metadata["training-images"] = train.Count.ToString(CultureInfo.InvariantCulture);
        model.Metadata["test-accuracy"] = $"{accuracy} ({result.Test.Correct}/{result.Test.Count})";
        if (result.ReluTest is not null)
        {
            model.Metadata["relu-test-accuracy"] = Percent(result.ReluTest.Accuracy);
        }

        model.Metadata["training-seconds"] = result.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        model.Metadata["training-cpu-seconds"] = cpuTotal.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        model.Metadata["threads"] = training.DegreeOfParallelism.ToString(CultureInfo.InvariantCulture);
        model.Metadata["pixel-normalisation"] = "(p/255 - 0.1307) / 0.3081";
        model.Metadata["trained-utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        model.Save(outPath);
        output.WriteLine($"test accuracy {accuracy} ({result.Test.Correct}/{result.Test.Count}), loss {result.Test.Loss:F4}; " +
                         $"trained in {Duration(result.Elapsed)} (process CPU time {Duration(cpuTotal)}); saved {outPath} ({new FileInfo(outPath).Length} bytes)");
        return 0;
    }

    internal static string Percent(double accuracy) => (100 * accuracy).ToString("F2", CultureInfo.InvariantCulture) + "%";

    internal static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s" : $"{t.TotalSeconds:F1}s";

    private static void PrintProgress(TrainingProgress p, TimeSpan cpu, TextWriter output)
    {
        EpochReport r = p.Report;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{r.Phase}] epoch {r.Epoch,3}/{r.Epochs}  loss {r.Loss:F4}  train {Percent(r.TrainAccuracy)}  test {Percent(r.TestAccuracy)}  " +
            $"lr {r.LearningRate:G3}  {r.Elapsed.TotalSeconds,5:F1}s (cpu {cpu.TotalSeconds:F1}s)  elapsed {Duration(p.Elapsed)}  ETA {Duration(p.Remaining)}"));
    }

    private static Architecture ParseArchitecture(string text) => text.ToLowerInvariant() switch
    {
        "cnn1" => Architecture.Cnn1,
        "cnn2" => Architecture.Cnn2,
        _ => throw new CommandLineException($"unknown model '{text}'; expected cnn1 or cnn2."),
    };

    private static TrainingMode ParseMode(string text) => text.ToLowerInvariant() switch
    {
        "slaf" => TrainingMode.Slaf,
        "slaf-r" or "slafr" => TrainingMode.SlafR,
        "relu" => TrainingMode.Relu,
        _ => throw new CommandLineException($"unknown mode '{text}'; expected slaf, slaf-r or relu."),
    };

    private static SlafGranularity ParseGranularity(string text) => text.ToLowerInvariant() switch
    {
        "neuron" => SlafGranularity.PerNeuron,
        "channel" => SlafGranularity.PerChannel,
        _ => throw new CommandLineException($"unknown --slaf-granularity '{text}'; expected neuron or channel."),
    };

    private static string ArchitectureName(Architecture a) => a == Architecture.Cnn1 ? "cnn1" : "cnn2";

    private static string ModeName(TrainingMode m) => m switch
    {
        TrainingMode.Slaf => "slaf",
        TrainingMode.SlafR => "slaf-r",
        _ => "relu",
    };

    private static double GetDouble(CommandLine options, string name, double defaultValue, double min, double max)
    {
        string? text = options.GetString(name);
        if (text is null)
        {
            return defaultValue;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= min && value <= max))
        {
            throw new CommandLineException($"option --{name} must be a number in [{min}, {max}]; got '{text}'.");
        }

        return value;
    }
}
