namespace CkksRns.Cli;

/// <summary>One sub-command of <c>ckksrns</c>.</summary>
internal interface ICommand
{
    /// <summary>The word that selects the command.</summary>
    string Name { get; }

    /// <summary>One line shown in the usage text.</summary>
    string Summary { get; }

    /// <summary>Runs the command and returns the process exit code.</summary>
    int Run(CommandLine options, TextWriter output);
}
