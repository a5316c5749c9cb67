namespace CkksRns.Cli;

/// <summary>Entry point of the <c>ckksrns</c> command.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(Console.Out);
            return args.Length == 0 ? 2 : 0;
        }

        ICommand? command = Commands.Find(args[0]);
        if (command is null)
        {
            Console.Error.WriteLine($"ckksrns: unknown command '{args[0]}'. Run 'ckksrns --help' for the list of commands.");
            return 2;
        }

        try
        {
            var options = CommandLine.Parse(args.AsSpan(1));
            return command.Run(options, Console.Out);
        }
        catch (CommandLineException ex)
        {
            Console.Error.WriteLine($"ckksrns {command.Name}: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException
                                       or InvalidDataException or UnauthorizedAccessException or NotSupportedException
                                       or FormatException)
        {
            Console.Error.WriteLine($"ckksrns {command.Name}: {ex.Message}");
            return 1;
        }
    }

    private static void PrintUsage(TextWriter output)
    {
        output.WriteLine("ckksrns - RNS-CKKS homomorphic encryption and encrypted CNN inference");
        output.WriteLine();
        output.WriteLine("Usage: ckksrns <command> [options]");
        output.WriteLine();
        output.WriteLine("Commands:");
        foreach (ICommand command in Commands.All)
        {
            output.WriteLine($"  {command.Name,-10} {command.Summary}");
        }
    }
}
