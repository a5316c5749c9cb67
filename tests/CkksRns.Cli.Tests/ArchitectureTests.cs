using System.Reflection;
using Xunit;

namespace CkksRns.Cli.Tests;

/// <summary>The layers may only depend downwards: Rns → BCL; Ckks → Rns; Nn → Ckks, Rns; Cli → all.</summary>
public sealed class ArchitectureTests
{
    private static readonly string[] OurAssemblies = ["CkksRns.Rns", "CkksRns.Ckks", "CkksRns.Nn", "ckksrns"];

    private static string[] ReferencedOurs(string assemblyName) =>
        Assembly.Load(assemblyName).GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(name => OurAssemblies.Contains(name))
            .Order(StringComparer.Ordinal)
            .ToArray();

    [Fact]
    public void Rns_DependsOnNothingOfOurs() => Assert.Empty(ReferencedOurs("CkksRns.Rns"));

    [Fact]
    public void Ckks_DependsOnlyOnRns() =>
        Assert.All(ReferencedOurs("CkksRns.Ckks"), name => Assert.Equal("CkksRns.Rns", name));

    [Fact]
    public void Nn_DoesNotDependOnCli() => Assert.DoesNotContain("ckksrns", ReferencedOurs("CkksRns.Nn"));

    [Theory]
    [InlineData("CkksRns.Rns")]
    [InlineData("CkksRns.Ckks")]
    [InlineData("CkksRns.Nn")]
    public void Library_ReferencesOnlyTheBaseLibraryAndAllowedPackages(string assemblyName)
    {
        string[] allowed = [.. OurAssemblies, "System.Numerics.Tensors"];
        foreach (AssemblyName reference in Assembly.Load(assemblyName).GetReferencedAssemblies())
        {
            string name = reference.Name!;
            bool isBcl = name == "netstandard" || name.StartsWith("System", StringComparison.Ordinal)
                                                || name.StartsWith("Microsoft.Win32", StringComparison.Ordinal);
            Assert.True(isBcl || allowed.Contains(name), $"{assemblyName} references {name}, which is not an allowed dependency.");
        }
    }
}
