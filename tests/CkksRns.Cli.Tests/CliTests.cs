using System.Diagnostics;
using Xunit;

namespace CkksRns.Cli.Tests;

/// <summary>Runs the real <c>ckksrns</c> executable, as a user would, and checks exit codes and messages.</summary>
public sealed class CliTests
{
    internal static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "ckksrns.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ckksrns {string.Join(' ', args)} did not finish in 2 minutes.");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void NoArguments_PrintsUsageAndFails()
    {
        var (code, output, _) = Run();
        Assert.Equal(2, code);
        Assert.Contains("Usage: ckksrns <command>", output);
    }

    [Fact]
    public void UnknownCommand_OneClearLineAndExitCode2()
    {
        var (code, _, error) = Run("frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'frobnicate'", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void UnknownOption_OneClearLineNoStackTrace()
    {
        var (code, _, error) = Run("demo", "--bogus", "1");
        Assert.Equal(2, code);
        Assert.Contains("unknown option --bogus", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Demo_Succeeds()
    {
        var (code, output, error) = Run("demo");
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.NotEmpty(output);
    }
}
