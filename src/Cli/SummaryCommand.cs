using CkksRns.Nn.Models;

namespace CkksRns.Cli;

/// <summary><c>ckksrns summary</c>: layers, shapes, parameter counts and encrypted depth of a saved model.</summary>
internal sealed class SummaryCommand : ICommand
{
    public string Name => "summary";

    public string Summary => "Layers, shapes, parameter counts and multiplicative depth of a model: --model FILE.";

    public int Run(CommandLine options, TextWriter output)
    {
        string path = options.GetRequiredString("model");
        options.ThrowOnUnknown();
        Sequential model = Sequential.Load(path);
        output.WriteLine($"{path}: {EvaluateCommand.Describe(model)}");
        foreach (KeyValuePair<string, string> pair in model.Metadata)
        {
            output.WriteLine($"  {pair.Key}: {pair.Value}");
        }

        output.WriteLine();
        output.Write(model.Summary());
        return 0;
    }
}
