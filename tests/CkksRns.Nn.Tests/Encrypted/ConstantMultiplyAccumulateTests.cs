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
    private static ulong[] Oracle(int[] columns, ulong[] weights, ulong[]?[] inputs, int offset, ulong[] bias, int width, ulong q, int rows = ConstantMultiplyAccumulate.Rows)
    {
        const int R = ConstantMultiplyAccumulate.Rows;
        ulong[] result = new ulong[rows * width];
        for (int r = 0; r < rows; r++)
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

    /// <summary>Output rows for a block (placed at shuffled indices, with a margin before <paramref name="offset"/>), and their flattened results.</summary>
    private static (ulong[][] Outputs, int[] Rows) Targets(int rows, int offset, int width)
    {
        var outputs = new ulong[rows + 2][];
        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i] = new ulong[offset + width + 3];
            Array.Fill(outputs[i], ulong.MaxValue);
        }

        int[] indices = [.. Enumerable.Range(0, rows).Select(r => (r * 3) % (rows + 2)).Distinct()];
        return (outputs, indices.Length == rows ? indices : [.. Enumerable.Range(0, rows)]);
    }

    private static ulong[] Flatten(ulong[][] outputs, int[] rows, int offset, int width)
    {
        var result = new ulong[rows.Length * width];
        for (int r = 0; r < rows.Length; r++)
        {
            outputs[rows[r]].AsSpan(offset, width).CopyTo(result.AsSpan(r * width));
            Assert.Equal(ulong.MaxValue, outputs[rows[r]][offset + width]); // nothing written past the width
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
        // Widths that are and are not whole vector chunks, and blocks with fewer rows than the kernel holds.
        var cases = from bits in Gen.Elements(20, 26, 28, 30, 31)
                    from terms in Gen.Choose(0, 300)
                    from offset in Gen.Choose(0, 64 - Width)
                    from width in Gen.Elements(1, 5, 8, 13, 16)
                    from rows in Gen.Choose(1, ConstantMultiplyAccumulate.Rows)
                    from seed in Gen.Choose(0, 1_000_000)
                    select (bits, terms, offset, width, rows, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            ulong q = NttPrimes.Generate(1 << 10, [c.bits])[0];
            var modulus = new Modulus(q);
            (int[] columns, ulong[] weights, ulong[]?[] inputs, ulong[] bias) = Case(c.seed, c.terms, q, 40);
            int terms = ConstantMultiplyAccumulate.TermsBeforeReduction(q);
            ulong[] expected = Oracle(columns, weights, inputs, c.offset, bias, c.width, q, c.rows);
            ulong[] gathered = new ulong[inputs.Length * Width];
            ConstantMultiplyAccumulate.Gather(inputs, c.offset, c.width, Width, gathered);
            foreach (SimdLevel level in SimdCapabilities.Supported)
            {
                (ulong[][] outputs, int[] rows) = Targets(c.rows, c.offset, c.width);
                if (q < ConstantMultiplyAccumulate.MaxModulus)
                {
                    uint[] w32 = Array.ConvertAll(weights, w => (uint)w);
                    ConstantMultiplyAccumulate.Block(columns, w32, gathered, Width, c.width, bias, outputs, rows, c.offset, modulus, terms, level);
                }
                else
                {
                    ShoupOperand[] shoup = Array.ConvertAll(weights, modulus.CreateShoupOperand);
                    ConstantMultiplyAccumulate.BlockWide(columns, shoup, gathered, Width, c.width, bias, outputs, rows, c.offset, modulus, level);
                }

                Assert.True(expected.AsSpan().SequenceEqual(Flatten(outputs, rows, c.offset, c.width)), $"{level}, {c.bits}-bit q, {c.terms} terms, {c.rows} rows, width {c.width}");
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    [Trait("Category", "Kernel")]
    public void BlockChunked_EveryPathAndChunk_MatchesBigIntegerOracle()
    {
        // The chunked layout: every chunk size (the vector paths take the chunks of their width, the others the scalar
        // path), widths that are not whole chunks, null inputs, and primes up to 31 bits.
        var cases = from bits in Gen.Elements(20, 26, 28, 29, 30, 31)
                    from terms in Gen.Choose(0, 300)
                    from offset in Gen.Choose(0, 32)
                    from width in Gen.Elements(1, 5, 8, 13, 16, 24, 32)
                    from chunk in Gen.Elements(3, 4, 8, 16, 32)
                    from rows in Gen.Choose(1, ConstantMultiplyAccumulate.Rows)
                    from seed in Gen.Choose(0, 1_000_000)
                    select (bits, terms, offset, width, chunk, rows, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            ulong q = NttPrimes.Generate(1 << 10, [c.bits])[0];
            var modulus = new Modulus(q);
            (int[] columns, ulong[] weights, ulong[]?[] inputs, ulong[] bias) = Case(c.seed, c.terms, q, 40);
            ulong[] expected = Oracle(columns, weights, inputs, c.offset, bias, c.width, q, c.rows);
            int chunks = (c.width + c.chunk - 1) / c.chunk;
            ulong[] gathered = new ulong[inputs.Length * c.chunk * chunks];
            ConstantMultiplyAccumulate.GatherChunked(inputs, c.offset, c.width, c.chunk, gathered);
            for (int i = 0; i < inputs.Length; i++)
            {
                for (int k = 0; k < c.width; k++)
                {
                    ulong value = gathered[((k / c.chunk) * inputs.Length * c.chunk) + (i * c.chunk) + (k % c.chunk)];
                    Assert.Equal(inputs[i] is ulong[] x ? x[c.offset + k] : 0UL, value);
                }
            }

            uint[] w32 = Array.ConvertAll(weights, w => (uint)w);
            foreach (SimdLevel level in SimdCapabilities.Supported)
            {
                (ulong[][] outputs, int[] rows) = Targets(c.rows, c.offset, c.width);
                ConstantMultiplyAccumulate.BlockChunked(
                    columns, w32, gathered, inputs.Length, c.chunk, c.width, bias, outputs, rows, c.offset, modulus, ConstantMultiplyAccumulate.TermsBeforeReduction(q), level);
                Assert.True(
                    expected.AsSpan().SequenceEqual(Flatten(outputs, rows, c.offset, c.width)),
                    $"{level}, {c.bits}-bit q, {c.terms} terms, {c.rows} rows, width {c.width}, chunk {c.chunk}");
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void BlockChunked_ColumnBeyondTheInputsOrShortBuffer_IsRefused()
    {
        var q = new Modulus(NttPrimes.Generate(1 << 10, [28])[0]);
        uint[] weights = new uint[2 * ConstantMultiplyAccumulate.Rows];
        ulong[][] outputs = [new ulong[16]];
        var gathered = new ulong[4 * 8];
        Assert.Throws<ArgumentOutOfRangeException>(() => ConstantMultiplyAccumulate.BlockChunked(
            [0, 4], weights, gathered, 4, 8, 8, new ulong[1], outputs, [0], 0, q, 128, SimdLevel.Scalar));
        ArgumentException shortBuffer = Assert.Throws<ArgumentException>(() => ConstantMultiplyAccumulate.BlockChunked(
            [0, 1], weights, gathered, 4, 8, 16, new ulong[1], outputs, [0], 0, q, 128, SimdLevel.Scalar));
        Assert.Contains("needs 64 words", shortBuffer.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ConstantMultiplyAccumulate.GatherChunked([new ulong[16], null], 0, 16, 8, new ulong[16]));
    }

    [Fact]
    [Trait("Category", "Kernel")]
    public void BlockSplit_EveryPath_MatchesBigIntegerOracleAndTheShoupPath()
    {
        var cases = from bits in Gen.Elements(31, 34, 36, 40, 41, 42)
                    from terms in Gen.Choose(0, 300)
                    from offset in Gen.Choose(0, 64 - Width)
                    from width in Gen.Elements(1, 4, 7, 8, 16)
                    from rows in Gen.Choose(1, ConstantMultiplyAccumulate.Rows)
                    from seed in Gen.Choose(0, 1_000_000)
                    select (bits, terms, offset, width, rows, seed);
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

            ulong[] expected = Oracle(columns, weights, inputs, c.offset, bias, c.width, q, c.rows);
            ulong[] low = new ulong[inputs.Length * Width], high = new ulong[inputs.Length * Width];
            ConstantMultiplyAccumulate.GatherSplit(inputs, c.offset, c.width, Width, low, high);
            ulong[] gathered = new ulong[inputs.Length * Width];
            ConstantMultiplyAccumulate.Gather(inputs, c.offset, c.width, Width, gathered);
            foreach (SimdLevel level in SimdCapabilities.Supported)
            {
                (ulong[][] outputs, int[] rows) = Targets(c.rows, c.offset, c.width);
                ConstantMultiplyAccumulate.BlockSplit(columns, halves, low, high, Width, c.width, bias, outputs, rows, c.offset, modulus, level);
                Assert.True(expected.AsSpan().SequenceEqual(Flatten(outputs, rows, c.offset, c.width)), $"split, {level}, {c.bits}-bit q, {c.terms} terms, {c.rows} rows, width {c.width}");

                (outputs, rows) = Targets(c.rows, c.offset, c.width);
                ConstantMultiplyAccumulate.BlockWide(columns, Array.ConvertAll(weights, modulus.CreateShoupOperand), gathered, Width, c.width, bias, outputs, rows, c.offset, modulus, level);
                Assert.True(expected.AsSpan().SequenceEqual(Flatten(outputs, rows, c.offset, c.width)), $"Shoup, {level}, {c.bits}-bit q, {c.terms} terms");
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    [Trait("Category", "Kernel")]
    public void BlockSplitSigned_EveryPath_MatchesBigIntegerOracle()
    {
        // Signed weights up to ±(2^31 − 1) (extremes often), residues up to q − 1, and rows long enough to need the
        // intermediate reductions (1023 terms per segment).
        var cases = from bits in Gen.Elements(31, 34, 40, 41, 42)
                    from terms in Gen.OneOf(Gen.Choose(0, 60), Gen.Choose(1000, 2500))
                    from offset in Gen.Choose(0, 64 - Width)
                    from width in Gen.Elements(1, 4, 7, 8, 13, 16)
                    from rows in Gen.Choose(1, ConstantMultiplyAccumulate.Rows)
                    from seed in Gen.Choose(0, 1_000_000)
                    select (bits, terms, offset, width, rows, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            ulong q = NttPrimes.Generate(1 << 10, [c.bits])[0];
            var modulus = new Modulus(q);
            (int[] columns, _, ulong[]?[] inputs, ulong[] bias) = Case(c.seed, c.terms, q, 40);
            var random = new Random(c.seed + 1);
            int[] weights = [.. Enumerable.Range(0, c.terms * ConstantMultiplyAccumulate.Rows).Select(_ => random.Next(4) switch
            {
                0 => int.MaxValue,
                1 => -int.MaxValue,
                _ => random.Next(-int.MaxValue, int.MaxValue),
            })];
            const int R = ConstantMultiplyAccumulate.Rows;
            ulong[] expected = new ulong[c.rows * c.width];
            for (int r = 0; r < c.rows; r++)
            {
                for (int k = 0; k < c.width; k++)
                {
                    BigInteger sum = bias[r];
                    for (int e = 0; e < columns.Length; e++)
                    {
                        if (inputs[columns[e]] is ulong[] x)
                        {
                            sum += (BigInteger)weights[(e * R) + r] * x[c.offset + k];
                        }
                    }

                    expected[(r * c.width) + k] = (ulong)(((sum % q) + q) % q);
                }
            }

            ulong[] low = new ulong[inputs.Length * Width], high = new ulong[inputs.Length * Width];
            ConstantMultiplyAccumulate.GatherSplit(inputs, c.offset, c.width, Width, low, high);
            foreach (SimdLevel level in SimdCapabilities.Supported)
            {
                (ulong[][] outputs, int[] rows) = Targets(c.rows, c.offset, c.width);
                ConstantMultiplyAccumulate.BlockSplitSigned(columns, weights, low, high, Width, c.width, bias, outputs, rows, c.offset, modulus, level);
                Assert.True(expected.AsSpan().SequenceEqual(Flatten(outputs, rows, c.offset, c.width)), $"{level}, {c.bits}-bit q, {c.terms} terms, {c.rows} rows, width {c.width}");
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void BlockSplitSigned_WeightOfMinus2To31_IsRefused()
    {
        ulong q = NttPrimes.Generate(1 << 10, [40])[0];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ConstantMultiplyAccumulate.BlockSplitSigned(
            [0], [1, 2, int.MinValue, 4, 5], new ulong[8], new ulong[8], 8, 8, new ulong[5], [new ulong[8]], [0], 0, new Modulus(q), SimdLevel.Scalar));
        Assert.Contains("±(2^31 − 1)", e.Message);
    }

    [Fact]
    public void BlockSplit_ModulusOf43Bits_IsRefused()
    {
        ulong q = NttPrimes.Generate(1 << 10, [43])[0];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ConstantMultiplyAccumulate.BlockSplit(
            [], [], new ulong[8], new ulong[8], 8, 8, new ulong[5], [new ulong[8]], [0], 0, new Modulus(q), SimdLevel.Scalar));
        Assert.Contains("below 2^42", e.Message);
    }

    [Fact]
    public void Block_TooManyRowsOrTooFewWeights_IsRefused()
    {
        ulong q = NttPrimes.Generate(1 << 10, [28])[0];
        ulong[][] outputs = [.. Enumerable.Range(0, 6).Select(_ => new ulong[8])];
        var rows = Assert.Throws<ArgumentOutOfRangeException>(() => ConstantMultiplyAccumulate.Block(
            [0], new uint[5], new ulong[8], 8, 8, new ulong[6], outputs, [0, 1, 2, 3, 4, 5], 0, new Modulus(q), 128, SimdLevel.Scalar));
        Assert.Contains("1 to 5 rows", rows.Message);
        var weights = Assert.Throws<ArgumentException>(() => ConstantMultiplyAccumulate.Block(
            [0, 0], new uint[5], new ulong[8], 8, 8, new ulong[5], outputs, [0], 0, new Modulus(q), 128, SimdLevel.Scalar));
        Assert.Contains("needs 10 weight words", weights.Message);
    }

    [Fact]
    [Trait("Category", "Kernel")]
    public void Block_LongRowWith31BitPrime_ReducesInTimeAndMatchesOracle()
    {
        // 31-bit residues: only 2 products fit before a reduction; 1000 terms force ~500 intermediate reductions.
        ulong q = NttPrimes.Generate(1 << 10, [31])[0];
        (int[] columns, ulong[] weights, ulong[]?[] inputs, ulong[] bias) = Case(5, 1000, q, 50);
        Assert.Equal(2, ConstantMultiplyAccumulate.TermsBeforeReduction(q));
        ulong[] gathered = new ulong[inputs.Length * Width];
        ConstantMultiplyAccumulate.Gather(inputs, 3, Width, Width, gathered);
        ulong[] expected = Oracle(columns, weights, inputs, 3, bias, Width, q);
        foreach (SimdLevel level in SimdCapabilities.Supported)
        {
            (ulong[][] outputs, int[] rows) = Targets(ConstantMultiplyAccumulate.Rows, 3, Width);
            ConstantMultiplyAccumulate.Block(columns, Array.ConvertAll(weights, w => (uint)w), gathered, Width, Width, bias, outputs, rows, 3, new Modulus(q), 2, level);
            Assert.Equal(expected, Flatten(outputs, rows, 3, Width));
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
