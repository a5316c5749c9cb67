using System.Numerics;
using CkksRns.Nn.Encrypted;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Nn.Tests.Encrypted;

public sealed class ConstantMultiplyAccumulateTests
{
    private const int Width = 16;

    /// <summary>The oracle: Σ w·x + bias mod q with BigInteger.</summary>
    private static ulong[] Oracle(int[] columns, ulong[] weights, ulong[]?[] inputs, int offset, ulong[] bias, int width, ulong q)
    {
        const int R = ConstantMultiplyAccumulate.Rows;
        ulong[] result = new ulong[R * width];
        for (int r = 0; r < R; r++)
        {
            for (int k = 0; k < width; k++)
            {
                BigInteger sum = bias[r];
                for (int e = 0; e < columns.Length; e++)
                {
                    ulong[]? x = inputs[columns[e]];
                    if (x is not null)
                    {
                        sum += (BigInteger)weights[(e * R) + r] * x[offset + k];
                    }
                }

                result[(r * width) + k] = (ulong)(sum % q);
            }
        }

        return result;
    }

    private static (int[] Columns, ulong[] Weights, ulong[]?[] Inputs, ulong[] Bias) Case(int seed, int terms, ulong q, int inputs)
    {
        var random = new Random(seed);
        var x = new ulong[]?[inputs];
        for (int i = 0; i < inputs; i++)
        {
            if (random.Next(8) == 0)
            {
                continue; // a null input (a size-2 ciphertext's third polynomial)
            }

            x[i] = new ulong[64];
            for (int k = 0; k < 64; k++)
            {
                // Include the worst case q - 1 often.
                x[i]![k] = random.Next(4) == 0 ? q - 1 : (ulong)random.NextInt64((long)q);
            }
        }

        int[] columns = [.. Enumerable.Range(0, terms).Select(_ => random.Next(inputs))];
        ulong[] weights = [.. Enumerable.Range(0, terms * ConstantMultiplyAccumulate.Rows).Select(_ => random.Next(3) == 0 ? q - 1 : (ulong)random.NextInt64((long)q))];
        ulong[] bias = [.. Enumerable.Range(0, ConstantMultiplyAccumulate.Rows).Select(_ => (ulong)random.NextInt64((long)q))];
        return (columns, weights, x, bias);
    }

    [Fact]
    [Trait("Category", "Kernel")]
    public void Block_EveryPath_MatchesBigIntegerOracle()
    {
        var cases = from bits in Gen.Elements(20, 26, 28, 30, 31)
                    from terms in Gen.Choose(0, 300)
                    from offset in Gen.Choose(0, 64 - Width)
                    from seed in Gen.Choose(0, 1_000_000)
                    select (bits, terms, offset, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            ulong q = NttPrimes.Generate(1 << 10, [c.bits])[0];
            var modulus = new Modulus(q);
            (int[] columns, ulong[] weights, ulong[]?[] inputs, ulong[] bias) = Case(c.seed, c.terms, q, 40);
            int terms = ConstantMultiplyAccumulate.TermsBeforeReduction(q);
            foreach (SimdLevel level in SimdCapabilities.Supported)
            {
                int width = ConstantMultiplyAccumulate.ChunkFor(level);
                ulong[] expected = Oracle(columns, weights, inputs, c.offset, bias, width, q);
                ulong[] actual = new ulong[ConstantMultiplyAccumulate.Rows * ConstantMultiplyAccumulate.Chunk512];
                ulong[] gathered = new ulong[inputs.Length * width];
                ConstantMultiplyAccumulate.Gather(inputs, c.offset, width, width, gathered);
                if (q < ConstantMultiplyAccumulate.MaxModulus)
                {
                    uint[] w32 = Array.ConvertAll(weights, w => (uint)w);
                    ConstantMultiplyAccumulate.Block(columns, w32, gathered, width, bias, actual, width, modulus, terms, level);
                }
                else
                {
                    ShoupOperand[] shoup = Array.ConvertAll(weights, modulus.CreateShoupOperand);
                    ConstantMultiplyAccumulate.BlockWide(columns, shoup, gathered, width, bias, actual, width, modulus, level);
                }

                Assert.True(expected.AsSpan().SequenceEqual(actual.AsSpan(0, expected.Length)), $"{level}, {c.bits}-bit q, {c.terms} terms");
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    [Trait("Category", "Kernel")]
    public void BlockSplit_EveryPath_MatchesBigIntegerOracleAndTheShoupPath()
    {
        var cases = from bits in Gen.Elements(31, 34, 36, 40, 41, 42)
                    from terms in Gen.Choose(0, 300)
                    from offset in Gen.Choose(0, 64 - Width)
                    from seed in Gen.Choose(0, 1_000_000)
                    select (bits, terms, offset, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            ulong q = NttPrimes.Generate(1 << 10, [c.bits])[0];
            var modulus = new Modulus(q);
            (int[] columns, ulong[] weights, ulong[]?[] inputs, ulong[] bias) = Case(c.seed, c.terms, q, 40);
            uint[] halves = new uint[2 * weights.Length];
            for (int i = 0; i < weights.Length; i++)
            {
                (halves[2 * i], halves[(2 * i) + 1]) = ConstantMultiplyAccumulate.Split(weights[i]);
            }

            foreach (SimdLevel level in SimdCapabilities.Supported)
            {
                int width = ConstantMultiplyAccumulate.ChunkFor(level);
                ulong[] expected = Oracle(columns, weights, inputs, c.offset, bias, width, q);
                ulong[] low = new ulong[inputs.Length * width], high = new ulong[inputs.Length * width];
                ConstantMultiplyAccumulate.GatherSplit(inputs, c.offset, width, width, low, high);
                ulong[] actual = new ulong[ConstantMultiplyAccumulate.Rows * ConstantMultiplyAccumulate.Chunk512];
                ConstantMultiplyAccumulate.BlockSplit(columns, halves, low, high, width, bias, actual, width, modulus, level);
                Assert.True(expected.AsSpan().SequenceEqual(actual.AsSpan(0, expected.Length)), $"split, {level}, {c.bits}-bit q, {c.terms} terms");

                ulong[] gathered = new ulong[inputs.Length * width];
                ConstantMultiplyAccumulate.Gather(inputs, c.offset, width, width, gathered);
                ulong[] shoup = new ulong[actual.Length];
                ConstantMultiplyAccumulate.BlockWide(columns, Array.ConvertAll(weights, modulus.CreateShoupOperand), gathered, width, bias, shoup, width, modulus, level);
                Assert.True(expected.AsSpan().SequenceEqual(shoup.AsSpan(0, expected.Length)), $"Shoup, {level}, {c.bits}-bit q, {c.terms} terms");
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void BlockSplit_ModulusOf43Bits_IsRefused()
    {
        ulong q = NttPrimes.Generate(1 << 10, [43])[0];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ConstantMultiplyAccumulate.BlockSplit(
            [], [], new ulong[8], new ulong[8], 8, new ulong[4], new ulong[64], 8, new Modulus(q), SimdLevel.Scalar));
        Assert.Contains("below 2^42", e.Message);
    }

    [Fact]
    [Trait("Category", "Kernel")]
    public void Block_LongRowWith31BitPrime_ReducesInTimeAndMatchesOracle()
    {
        // 31-bit residues: only 2 products fit before a reduction; 1000 terms force ~500 intermediate reductions.
        ulong q = NttPrimes.Generate(1 << 10, [31])[0];
        (int[] columns, ulong[] weights, ulong[]?[] inputs, ulong[] bias) = Case(5, 1000, q, 50);
        Assert.Equal(2, ConstantMultiplyAccumulate.TermsBeforeReduction(q));
        foreach (SimdLevel level in SimdCapabilities.Supported)
        {
            int width = ConstantMultiplyAccumulate.ChunkFor(level);
            ulong[] actual = new ulong[ConstantMultiplyAccumulate.Rows * ConstantMultiplyAccumulate.Chunk512];
            ulong[] gathered = new ulong[inputs.Length * width];
            ConstantMultiplyAccumulate.Gather(inputs, 3, width, width, gathered);
            ConstantMultiplyAccumulate.Block(columns, Array.ConvertAll(weights, w => (uint)w), gathered, width, bias, actual, width, new Modulus(q), 2, level);
            Assert.Equal(Oracle(columns, weights, inputs, 3, bias, width, q), actual.AsSpan(0, ConstantMultiplyAccumulate.Rows * width).ToArray());
        }
    }

    [Theory]
    [InlineData(26, 2048)]
    [InlineData(28, 128)]
    [InlineData(30, 8)]
    public void TermsBeforeReduction_KeepsTheSumBelow2To63(int bits, int atLeast)
    {
        ulong q = NttPrimes.Generate(1 << 10, [bits])[0];
        int t = ConstantMultiplyAccumulate.TermsBeforeReduction(q);
        Assert.True(t >= atLeast, $"{t} terms for a {bits}-bit prime");
        Assert.True((BigInteger)(q - 1) + ((BigInteger)t * (q - 1) * (q - 1)) < BigInteger.One << 63);
        Assert.True((BigInteger)(q - 1) + ((BigInteger)(t + 1) * (q - 1) * (q - 1)) >= (BigInteger.One << 63) - q);
    }
}
