using CkksRns.Nn.Data;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;
using CkksRns.Nn.Training;

namespace CkksRns.Cli;

/// <summary><c>ckksrns evaluate</c>: plaintext accuracy of a saved model on the MNIST test images.</summary>
internal sealed class EvaluateCommand : ICommand
{
    public string Name => "evaluate";

    public string Summary => "Plaintext accuracy of a model on the MNIST test set: --model FILE [--data DIR] [--limit N].";

    public int Run(CommandLine options, TextWriter output)
    {
        string path = options.GetRequiredString("model");
        string? dataOption = options.GetString("data");
        int limit = options.GetInt("limit", 10_000, 1, int.MaxValue);
        int threads = options.GetInt("threads", Environment.ProcessorCount, 1, 1024);
        options.ThrowOnUnknown();

        Sequential model = Sequential.Load(path);
        model.DegreeOfParallelism = threads;
        if (model.InputShape != Mnist.SampleShape || model.OutputShape.Length != Mnist.ClassCount)
        {
            throw new InvalidDataException($"'{path}' takes inputs {model.InputShape} and gives {model.OutputShape}; an MNIST model takes (1, 28, 28) and gives (10).");
        }

        Dataset test = Mnist.LoadTest(MnistData.Resolve(dataOption, output));
        test = test.Take(Math.Min(limit, test.Count));
        Evaluation result = Trainer.Evaluate(model, test);
        output.WriteLine($"{path}: {Describe(model)}");
        output.WriteLine($"plaintext accuracy on {test.Count} MNIST test images: {TrainCommand.Percent(result.Accuracy)} ({result.Correct}/{result.Count}), loss {result.Loss:F4}");
        if (model.Layers.Any(l => l is BatchNorm))
        {
            Evaluation folded = Trainer.Evaluate(model.FoldBatchNorm(), test);
            output.WriteLine($"with BatchNorm folded (as evaluated under encryption): {TrainCommand.Percent(folded.Accuracy)} ({folded.Correct}/{folded.Count})");
        }

        if (model.Metadata.TryGetValue("test-accuracy", out string? recorded))
        {
            output.WriteLine($"recorded at training time: {recorded}");
        }

        return 0;
    }

    internal static string Describe(Sequential model)
    {
        string architecture = model.Metadata.TryGetValue("architecture", out string? a) ? a : "model";
        string mode = model.Metadata.TryGetValue("mode", out string? m) ? $" ({m})" : string.Empty;
        int depth = model.MultiplicativeDepth;
        return $"{architecture}{mode}, {model.Layers.Count} layers, {model.ParameterCount} parameters, " +
               (depth < 0 ? "not encryptable (ReLU)" : $"multiplicative depth {depth}");
    }
}
