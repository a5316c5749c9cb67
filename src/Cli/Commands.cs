namespace CkksRns.Cli;

/// <summary>The registry of sub-commands. Add a command by adding its instance here.</summary>
internal static class Commands
{
    public static IReadOnlyList<ICommand> All { get; } =
    [
        new DemoCommand(),
        new TrainCommand(),
        new EvaluateCommand(),
        new SummaryCommand(),
        new InferCommand(),
        new ChartCommand(),
    ];

    public static ICommand? Find(string name)
    {
        foreach (ICommand command in All)
        {
            if (string.Equals(command.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return command;
            }
        }

        return null;
    }
}
