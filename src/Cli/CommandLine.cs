using System.Globalization;

namespace CkksRns.Cli;

/// <summary>Thrown for a malformed command line; printed as one line, never as a stack trace.</summary>
internal sealed class CommandLineException(string message) : Exception(message);

/// <summary>Parsed <c>--name value</c> options and <c>--flag</c> switches of one command.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _used = new(StringComparer.OrdinalIgnoreCase);

    private CommandLine()
    {
    }

    /// <summary>Parses options of the form <c>--name value</c>, <c>--name=value</c> or a bare <c>--flag</c>.</summary>
    public static CommandLine Parse(ReadOnlySpan<string> args)
    {
        var result = new CommandLine();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new CommandLineException($"unexpected argument '{arg}'; options are written --name value.");
            }

            string name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }

            if (!result._options.TryAdd(name, value))
            {
                throw new CommandLineException($"option --{name} is given twice.");
            }
        }

        return result;
    }

    /// <summary>True when the switch or option was given.</summary>
    public bool Has(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    /// <summary>The option's value, or <paramref name="defaultValue"/> when absent.</summary>
    public string? GetString(string name, string? defaultValue = null)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out string? value))
        {
            return defaultValue;
        }

        return value ?? throw new CommandLineException($"option --{name} needs a value.");
    }

    /// <summary>The option's value; throws when absent.</summary>
    public string GetRequiredString(string name) =>
        GetString(name) ?? throw new CommandLineException($"option --{name} is required.");

    /// <summary>The option's integer value within <c>[min, max]</c>, or <paramref name="defaultValue"/>.</summary>
    public int GetInt(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        string? text = GetString(name);
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new CommandLineException($"option --{name} must be an integer in [{min}, {max}]; got '{text}'.");
        }

        return value;
    }

    /// <summary>Throws when an option was given that the command never asked for (a typo, usually).</summary>
    public void ThrowOnUnknown()
    {
        foreach (string name in _options.Keys)
        {
            if (!_used.Contains(name))
            {
                throw new CommandLineException($"unknown option --{name}.");
            }
        }
    }
}
