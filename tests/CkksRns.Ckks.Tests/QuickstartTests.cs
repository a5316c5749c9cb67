using Xunit;

namespace CkksRns.Ckks.Tests;

/// <summary>Compiles and runs the README's quickstart, and checks that the README shows exactly this code.</summary>
public sealed class QuickstartTests
{
    private const string Begin = "// <quickstart>";
    private const string End = "// </quickstart>";

    [Fact]
    public void Quickstart_Runs_AndPrintsTheRotatedProduct()
    {
        var console = new StringWriter();
        TextWriter original = Console.Out;
        // Other tests run in parallel and may write to the process-wide console (FsCheck reports "Ok, passed N
        // tests."), so the writer is synchronized and the check looks for the quickstart's own line.
        Console.SetOut(TextWriter.Synchronized(console));
        try
        {
            // <quickstart>
            // N = 2^13 (4096 slots), data primes of 60, 40 and 40 bits, scale 2^40, 128-bit security by default.
            var parameters = CkksParameters.Create(new CkksParametersLiteral { LogN = 13, LogQ = [60, 40, 40], LogDefaultScale = 40 });
            var context = new CkksContext(parameters);
            var keys = new KeyGenerator(context);
            using SecretKey secretKey = keys.SecretKey;
            var encoder = new CkksEncoder(context);
            var encryptor = new Encryptor(context, keys.CreatePublicKey());
            var decryptor = new Decryptor(context, secretKey);
            var evaluator = new Evaluator(context, keys.CreateRelinearizationKey(), keys.CreateGaloisKeys([1]));

            Ciphertext x = encryptor.Encrypt(encoder.Encode([1.0, 2.0, 3.0, 4.0]));
            Ciphertext y = encryptor.Encrypt(encoder.Encode([0.5, -1.0, 2.0, 0.25]));

            Ciphertext product = evaluator.Rescale(evaluator.MultiplyRelinearize(x, y)); // x·y slot by slot, one level used
            Ciphertext rotated = evaluator.Rotate(product, 1);                           // slot j now holds slot j + 1

            double[] result = encoder.DecodeReal(decryptor.Decrypt(rotated));
            Console.WriteLine(string.Join(", ", result[..3].Select(v => v.ToString("F3")))); // -2.000, 6.000, 1.000
            // </quickstart>

            Assert.Equal(-2.0, result[0], 1e-4);
            Assert.Equal(6.0, result[1], 1e-4);
            Assert.Equal(1.0, result[2], 1e-4);
            Assert.Equal(0.0, result[3], 1e-4);
            Assert.Equal(context.MaxLevel - 1, rotated.Level);
        }
        finally
        {
            Console.SetOut(original);
        }

        string[] lines = console.ToString().Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("-2.000, 6.000, 1.000", lines);
    }

    [Fact]
    public void Readme_QuickstartSection_IsTheCodeThisTestRuns()
    {
        string root = RepositoryRoot();
        string[] test = File.ReadAllLines(Path.Combine(root, "tests", "CkksRns.Ckks.Tests", "QuickstartTests.cs"));
        int begin = Array.FindIndex(test, l => l.Trim() == Begin), end = Array.FindIndex(test, l => l.Trim() == End);
        Assert.True(begin >= 0 && end > begin, "The quickstart markers are missing from QuickstartTests.cs.");
        string[] expected = Dedent(test[(begin + 1)..end]);

        string[] readme = File.ReadAllLines(Path.Combine(root, "README.md"));
        int section = Array.FindIndex(readme, l => l.Trim() == "## Quickstart");
        Assert.True(section >= 0, "README.md has no '## Quickstart' section.");
        int open = Array.FindIndex(readme, section, l => l.Trim() == "```csharp");
        int close = Array.FindIndex(readme, open + 1, l => l.Trim() == "```");
        Assert.True(open > section && close > open, "The Quickstart section has no ```csharp block.");
        string[] block = readme[(open + 1)..close];

        // The README block starts with its using directives, which the test file has at its top.
        int firstCode = Array.FindIndex(block, l => l.Length > 0 && !l.StartsWith("using ", StringComparison.Ordinal));
        Assert.Contains("using CkksRns.Ckks;", block[..firstCode]);
        Assert.Equal(expected, Dedent(block[firstCode..]));
    }

    private static string[] Dedent(string[] lines)
    {
        int indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return [.. lines.Select(l => l.Trim().Length == 0 ? "" : l[indent..].TrimEnd())];
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CkksRns.sln")) && File.Exists(Path.Combine(dir.FullName, "README.md")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (CkksRns.sln and README.md) above {AppContext.BaseDirectory}.");
    }
}
