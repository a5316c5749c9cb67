using CkksRns.Nn.Data;

namespace CkksRns.Nn.Tests;

/// <summary>Finds the MNIST files the way the CLI does, starting from the repository root above the test binaries.</summary>
internal static class RepositoryData
{
    public static string? MnistDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CkksRns.sln")))
            {
                return Mnist.FindDataDirectory(dir.FullName);
            }
        }

        return null;
    }
}
