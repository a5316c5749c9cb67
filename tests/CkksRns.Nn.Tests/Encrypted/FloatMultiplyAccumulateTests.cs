using System.Numerics;
using CkksRns.Nn.Encrypted;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Nn.Tests.Encrypted;

public sealed class FloatMultiplyAccumulateTests
{
    private const int R = FloatMultiplyAccumulate.Rows;

    /// <summary>The oracle: Σ w·x + bias mod q with BigInteger, the weights signed integers.</summary>
    private static ulong[] Oracle(int[] columns, int[] weights, ulong[]?[] inputs, int offset, ulong[] bias, int width, ulong q, int rows)
    {
        ulong[] result = new ulong[rows * width];
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < width; k++)
            {
                BigInteger sum = bias[r];
                for (int e = 0; e < columns.Length; e++)
                {
                    if (inputs[columns[e]] is ulong[] x)
                    {
                        sum += (BigInteger)weights[(e * R) + r] * x[offset + k];
                    }
                }

                sum %= q;
                result[(r * width) + k] = (ulong)(sum < 0 ? sum + q : sum);
            }
        }

        return result;
    }

    /// <summary>
    /// A random block. <paramref name="extreme"/> puts every residue at (q − 1)/2 or (q + 1)/2 (the centred extremes)
    /// and every weight at ±<paramref name="weightBound"/>, so that the sums run at the windows' limits.
    /// </summary>
    private static (int[] Columns, int[] Weights, ulong[]?[] Inputs, ulong[] Bias) Case(int seed, int terms, ulong q, int inputs, int weightBound, bool extreme)
    {
        var random = new Random(seed);
        var x = new ulong[]?[inputs];
        for (int i = 0; i < inputs; i++)
        {
            if (!extreme && random.Next(8) == 0)
            {
                continue; // a null input (a size-2 ciphertext's third polynomial)
            }

            x[i] = new ulong[64];
            for (int k = 0; k < 64; k++)
            {
                x[i]![k] = extreme ? (q / 2) + (ulong)(i % 2) : random.Next(4) == 0 ? q - 1 : (ulong)random.NextInt64((long)q);
            }
        }

        int[] columns = [.. Enumerable.Range(0, terms).Select(_ => random.Next(inputs))];
        int[] weights = [.. Enumerable.Range(0, terms * R).Select(_ => extreme ? weightBound * ((random.Next(2) * 2) - 1) : random.Next(-weightBound, weightBound + 1))];
        if (extreme)
        {
            // The same sign for every term of a row and input: the sums grow without cancelling.
            for (int e = 0; e < terms; e++)
            {
                for (int r = 0; r < R; r++)
                {
                    int largest = Math.Min(weightBound, (1 << (FloatMultiplyAccumulate.DigitBits - 1)) - 1); // the largest weight kept in one digit
                    weights[(e * R) + r] = columns[e] % 2 == 0 ? largest : -largest;
                }
            }
        }

        ulong[] bias = [.. Enumerable.Range(0, R).Select(_ => (ulong)random.NextInt64((long)q))];
        return (columns, weights, x, bias);
    }

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

    [Fact]
    [Trait("Category", "Kernel")]
    public void Block_EveryPathAndChunk_MatchesBigIntegerOracle()
    {
        // Weights up to 2^30 (split into two digits above 2^19), primes of 20 to 30 bits, residues at the centred
        // extremes in a quarter of the cases, widths that are not whole chunks, blocks with fewer rows than the kernel.
        var cases = from bits in Gen.Elements(20, 26, 28, 29, 30)
                    from terms in Gen.Choose(0, 900)
                    from weightBits in Gen.Elements(4, 10, 18, 19, 20, 24, 30)
                    from extreme in Gen.Elements(false, false, false, true)
                    from offset in Gen.Choose(0, 32)
                    from width in Gen.Elements(1, 5, 8, 13, 16, 24, 32)
                    from chunk in Gen.Elements(3, 4, 8, 16, 32)
                    from rows in Gen.Choose(1, R)
                    from seed in Gen.Choose(0, 1_000_000)
                    select (bits, terms, weightBits, extreme, offset, width, chunk, rows, seed);
        Prop.ForAll(cases.ToArbitrary(), c => CheckBlock(c.bits, c.terms, c.weightBits, c.extreme, c.offset, c.width, c.chunk, c.rows, c.seed)).QuickCheckThrowOnFailure();
    }

    [Theory]
    [Trait("Category", "Kernel")]
    [InlineData(30, 900, 19)]
    [InlineData(29, 845, 30)]
    [InlineData(28, 2000, 19)]
    public void Block_SumsAtTheWindowLimits_MatchBigIntegerOracle(int bits, int terms, int weightBits)
    {
        // Every product at its largest with one sign per row: without the windows the sums pass 2^53 and lose bits.
        foreach (int chunk in new[] { 8, 16 })
        {
            CheckBlock(bits, terms, weightBits, extreme: true, offset: 3, width: 32, chunk, rowCount: R, seed: bits);
        }
    }

    private static void CheckBlock(int bits, int terms, int weightBits, bool extreme, int offset, int width, int chunk, int rowCount, int seed)
    {
        ulong q = NttPrimes.Generate(1 << 10, [bits])[0];
        var modulus = new Modulus(q);
        int weightBound = (int)Math.Min(int.MaxValue, (1L << weightBits) - 1);
        (int[] columns, int[] weights, ulong[]?[] inputs, ulong[] bias) = Case(seed, terms, q, 40, weightBound, extreme);
        ulong[] expected = Oracle(columns, weights, inputs, offset, bias, width, q, rowCount);

        FloatLayout layout = FloatLayout.Build(inputs.Length, [columns], weights, [0], q + 1);
        int chunks = (width + chunk - 1) / chunk, count = layout.Sources.Length;
        double[] gathered = new double[count * chunk * chunks];
        FloatMultiplyAccumulate.Gather(inputs, layout.Sources, layout.Shifts, offset, width, chunk, gathered, modulus);
        foreach (SimdLevel level in SimdCapabilities.Supported)
        {
            (ulong[][] outputs, int[] rows) = Targets(rowCount, offset, width);
            FloatMultiplyAccumulate.Block(
                layout.Columns[0], layout.Weights[0], layout.Windows[0], gathered, count, chunk, width, bias, outputs, rows, offset, modulus, level);
            Assert.True(
                expected.AsSpan().SequenceEqual(Flatten(outputs, rows, offset, width)),
                $"{level}, {bits}-bit q, {terms} terms, weights below 2^{weightBits}, extreme {extreme}, {rowCount} rows, width {width}, chunk {chunk}");
        }
    }

    [Fact]
    public void Layout_SplitsLargeWeightsAndKeepsEveryPartialSumExact()
    {
        // Every term's digits stay below 2^19 in magnitude (2^11 for the high digit of a 30-bit weight), the digits
        // recompose each weight, and a window's worst-case sum (a reduced value below q plus every term at its largest)
        // stays within 2^53.
        var random = new Random(7);
        const int Terms = 845;
        int[] columns = [.. Enumerable.Range(0, Terms)];
        int[] weights = [.. Enumerable.Range(0, Terms * R).Select(i => i % 97 == 0 ? random.Next(-(1 << 30), 1 << 30) : random.Next(-(1 << 18), 1 << 18))];
        ulong q = (1UL << 31) - 1;
        FloatLayout layout = FloatLayout.Build(Terms, [columns], weights, [0], q);
        double h = FloatMultiplyAccumulate.InputBound(q);
        int[] cols = layout.Columns[0];
        double[] w = layout.Weights[0];
        var recomposed = new long[Terms * R];
        for (int e = 0; e < cols.Length; e++)
        {
            int v = cols[e], source = layout.Sources[v];
            for (int r = 0; r < R; r++)
            {
                Assert.True(Math.Abs(w[(e * R) + r]) <= 1 << (FloatMultiplyAccumulate.DigitBits - 1), $"digit {w[(e * R) + r]} of term {e}");
                recomposed[(source * R) + r] += (long)w[(e * R) + r] << layout.Shifts[v];
            }
        }

        Assert.Equal(weights.Select(x => (long)x), recomposed);
        Assert.True(layout.Terms > Terms && layout.Terms < Terms * 1.1, $"{layout.Terms} terms");
        int start = 0;
        foreach (int end in layout.Windows[0])
        {
            double worst = q;
            for (int e = start; e < end; e++)
            {
                worst += Enumerable.Range(0, R).Max(r => Math.Abs(w[(e * R) + r])) * h;
            }

            Assert.True(worst <= FloatMultiplyAccumulate.ExactLimit, $"window [{start}, {end}) reaches {worst:E3}");
            start = end;
        }
    }

    [Fact]
    public void Block_BadArguments_AreRefused()
    {
        var q = new Modulus(NttPrimes.Generate(1 << 10, [28])[0]);
        double[] weights = new double[2 * R];
        ulong[][] outputs = [new ulong[16]];
        var gathered = new double[4 * 8];
        Assert.Throws<ArgumentOutOfRangeException>(() => FloatMultiplyAccumulate.Block(
            [0, 4], weights, [2], gathered, 4, 8, 8, new ulong[1], outputs, [0], 0, q, SimdLevel.Scalar));
        Assert.Throws<ArgumentException>(() => FloatMultiplyAccumulate.Block(
            [0, 1], weights, [1], gathered, 4, 8, 8, new ulong[1], outputs, [0], 0, q, SimdLevel.Scalar));
        Assert.Throws<ArgumentException>(() => FloatMultiplyAccumulate.Block(
            [0, 1], weights, [2], gathered, 4, 8, 16, new ulong[1], outputs, [0], 0, q, SimdLevel.Scalar));
        Assert.Throws<ArgumentException>(() => FloatMultiplyAccumulate.Block(
            [0, 1], weights, [2], gathered, 4, 8, 8, new ulong[1], outputs, [0], 10, q, SimdLevel.Scalar));
        Assert.Throws<ArgumentException>(() => FloatMultiplyAccumulate.Gather([new ulong[16], null], [0, 1], [0, 0], 0, 16, 8, new double[16], q));
        Assert.Throws<ArgumentException>(() => FloatMultiplyAccumulate.Gather([new ulong[16]], [1], [0], 0, 8, 8, new double[8], q));
        Assert.Throws<ArgumentException>(() => FloatMultiplyAccumulate.Block(
            [0, 1], weights, [3, 2], gathered, 4, 8, 8, new ulong[1], outputs, [0], 0, q, SimdLevel.Scalar));
        Assert.Throws<ArgumentException>(() => FloatLayout.Build(1, [[0]], new int[R], [0], (1UL << 31) + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => FloatLayout.Build(1, [[1]], new int[R], [0], 1UL << 30));
        FloatLayout layout = FloatLayout.Build(4, [[0, 1]], new int[2 * R], [0], 1UL << 20);
        Assert.Throws<ArgumentException>(() => FloatMultiplyAccumulate.Block(layout, 0, gathered, 8, 8, new ulong[1], outputs, [0], 0, q, SimdLevel.Scalar));
    }
}
