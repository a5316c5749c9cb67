using CkksRns.Nn.Encrypted;
using Xunit;

namespace CkksRns.Nn.Tests.Encrypted;

public sealed class ChainSpecificationTests
{
    [Fact]
    public void Parse_ReferencePaperChain_SplitsDataAndSpecial()
    {
        (int[] data, int[] special) = ChainSpecification.Parse("40,26x11,40");
        Assert.Equal([40, .. Enumerable.Repeat(26, 11)], data);
        Assert.Equal([40], special);
    }

    [Theory]
    [InlineData("30, 28×3 ,60", new[] { 30, 28, 28, 28 }, 60)]
    [InlineData("50,61", new[] { 50 }, 61)]
    [InlineData("20*2,40", new[] { 20, 20 }, 40)]
    public void Parse_Variants(string text, int[] data, int special)
    {
        (int[] d, int[] s) = ChainSpecification.Parse(text);
        Assert.Equal(data, d);
        Assert.Equal([special], s);
    }

    [Theory]
    [InlineData("", "empty entry")]
    [InlineData("40", "at least one data prime")]
    [InlineData("40,,40", "empty entry")]
    [InlineData("40,ax2,40", "not a bit size")]
    [InlineData("40,62,40", "62-bit")]
    [InlineData("40,1,40", "1-bit")]
    [InlineData("40,26x0,40", "zero count")]
    [InlineData("40,26x500,40", "more than")]
    public void Parse_Malformed_ThrowsNamingTheProblem(string text, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => ChainSpecification.Parse(text));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Format_RunsAreCompressed_AndParseRoundTrips()
    {
        int[] bits = [40, 30, 30, 30, 26, 60];
        string text = ChainSpecification.Format(bits);
        Assert.Equal("40,30x3,26,60", text);
        (int[] data, int[] special) = ChainSpecification.Parse(text);
        Assert.Equal(bits, data.Concat(special).ToArray());
    }
}
