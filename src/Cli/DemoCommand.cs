using CkksRns.Rns.Arithmetic;

namespace CkksRns.Cli;

/// <summary><c>ckksrns demo</c>: a short tour of what the library can do today.</summary>
internal sealed class DemoCommand : ICommand
{
    public string Name => "demo";

    public string Summary => "A short demonstration of the library (modular arithmetic today; grows with the library).";

    public int Run(CommandLine options, TextWriter output)
    {
        options.ThrowOnUnknown();
        var q = new Modulus((1UL << 61) - 1);
        ulong a = 123456789012345678UL % q.Value, b = 987654321098765432UL % q.Value;
        ulong product = q.Multiply(a, b);
        ulong inverse = q.Inverse(b);
        output.WriteLine($"q = {q}");
        output.WriteLine($"a * b mod q = {product}");
        output.WriteLine($"(a * b) * b^-1 mod q = {q.Multiply(product, inverse)} (a = {a})");
        return q.Multiply(product, inverse) == a ? 0 : 1;
    }
}
