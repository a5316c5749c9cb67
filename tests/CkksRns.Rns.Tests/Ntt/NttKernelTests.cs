using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Ntt;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Ntt;

/// <summary>Every vector path and multiplication strategy of the NTT against the scalar reference, bit for bit.</summary>
[Trait("Category", "Kernel")]
public sealed class NttKernelTests
{
    private static readonly int[] s_bitSizes = [20, 25, 29, 30, 31, 35, 40, 48, 49, 50, 51, 55, 60, 61];

    private static readonly NttMultiplication[] s_strategies =
        [NttMultiplication.Shoup64, NttMultiplication.Fma, NttMultiplication.Shoup32, NttMultiplication.FmaPerProduct, NttMultiplication.Shoup32Packed];

    public static TheoryData<int, int> AllSizes()
    {
        var data = new TheoryData<int, int>();
        for (int logN = 10; logN <= 17; logN++)
        {
            foreach (int bits in s_bitSizes)
            {
                data.Add(logN, bits);
            }
        }

        return data;
    }

    private static ulong[] RandomResidues(Random random, int n, ulong q)
    {
        var values = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (ulong)random.NextInt64(0, (long)q);
        }

        return values;
    }

    /// <summary>Inputs that push the lazy ranges: random, all q-1, alternating 0 and q-1, all 0, a single 1.</summary>
    private static IEnumerable<ulong[]> Inputs(int n, ulong q, int seed, bool edgeCases)
    {
        yield return RandomResidues(new Random(seed), n, q);
        if (!edgeCases)
        {
            yield break;
        }

        yield return Enumerable.Repeat(q - 1, n).ToArray();
        yield return Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 0 : q - 1).ToArray();
        yield return new ulong[n];
        var unit = new ulong[n];
        unit[n / 3] = 1;
        yield return unit;
    }

    private static void AssertPathMatchesScalar(
        NttTables tables, ulong[] input, SimdLevel level, NttMultiplication strategy)
    {
        ulong[] expected = (ulong[])input.Clone(), actual = (ulong[])input.Clone();
        tables.ForwardScalar(expected);
        tables.Forward(actual, level, strategy);
        AssertEqual(expected, actual, $"forward, {level}, {strategy}, N={tables.N}, q={tables.Modulus}");

        // The inverse from the same input (any residues are valid evaluations).
        expected = (ulong[])input.Clone();
        actual = (ulong[])input.Clone();
        tables.InverseScalar(expected);
        tables.Inverse(actual, level, strategy);
        AssertEqual(expected, actual, $"inverse, {level}, {strategy}, N={tables.N}, q={tables.Modulus}");
    }

    private static void AssertEqual(ulong[] expected, ulong[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                Assert.Fail($"{what}: first difference at index {i}: expected {expected[i]}, got {actual[i]}.");
            }
        }
    }

    private static IEnumerable<NttMultiplication> StrategiesFor(int bits) =>
        s_strategies.Where(s => NttOperands.Supports(s, bits));

    [Theory]
    [MemberData(nameof(AllSizes))]
    public void Forward_Inverse_EverySupportedLevelAndStrategy_MatchScalarBitForBit(int logN, int bits)
    {
        int n = 1 << logN;
        var q = new Modulus(NttPrimes.Generate(n, [bits])[0]);
        var tables = new NttTables(n, q);
        foreach (ulong[] input in Inputs(n, q.Value, logN * 100 + bits, edgeCases: logN <= 12))
        {
            foreach (SimdLevel level in SimdCapabilities.Supported.Where(l => l != SimdLevel.Scalar))
            {
                foreach (NttMultiplication strategy in StrategiesFor(bits))
                {
                    AssertPathMatchesScalar(tables, input, level, strategy);
                }
            }

            // The public API (default level and strategy) gives the scalar result too.
            ulong[] expected = (ulong[])input.Clone(), actual = (ulong[])input.Clone();
            tables.ForwardScalar(expected);
            tables.Forward(actual);
            AssertEqual(expected, actual, $"public forward, N={n}, q={q}");
        }
    }

    [Theory]
    [InlineData(20)]
    [InlineData(30)]
    [InlineData(31)]
    [InlineData(48)]
    [InlineData(49)]
    [InlineData(50)]
    [InlineData(51)]
    [InlineData(61)]
    public void VectorPaths_InSoftwareEmulationWhereNotAccelerated_MatchScalar(int bits)
    {
        // Vector512 (and, with DOTNET_EnableAVX2=0, Vector256) cannot run natively on every machine; the runtime emulates
        // the vector types in software, so the kernel's lane shuffles and index logic are still checked everywhere.
        foreach (int n in new[] { 1 << 10, 1 << 11 })
        {
            var q = new Modulus(NttPrimes.Generate(n, [bits])[0]);
            var tables = new NttTables(n, q);
            foreach (ulong[] input in Inputs(n, q.Value, bits, edgeCases: true))
            {
                foreach (SimdLevel level in new[] { SimdLevel.Vector256, SimdLevel.Vector512 })
                {
                    foreach (NttMultiplication strategy in StrategiesFor(bits))
                    {
                        AssertPathMatchesScalar(tables, input, level, strategy);
                    }
                }
            }
        }
    }

    [Fact]
    public void Forward_Inverse_RandomPrimesAndInputs_VectorPathsMatchScalar()
    {
        var gen = from logN in Gen.Choose(10, 12)
                  from bits in Gen.Choose(20, 61)
                  from rank in Gen.Choose(0, 3)
                  from seed in Gen.Choose(0, int.MaxValue)
                  select (N: 1 << logN, Bits: bits, Rank: rank, Seed: seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            // Not only the largest prime of each size: also the next few below it.
            var q = new Modulus(NttPrimes.Generate(c.N, Enumerable.Repeat(c.Bits, c.Rank + 1).ToArray())[c.Rank]);
            var tables = new NttTables(c.N, q);
            ulong[] input = RandomResidues(new Random(c.Seed), c.N, q.Value);
            foreach (SimdLevel level in SimdCapabilities.Supported.Where(l => l != SimdLevel.Scalar))
            {
                foreach (NttMultiplication strategy in StrategiesFor(c.Bits))
                {
                    AssertPathMatchesScalar(tables, input, level, strategy);
                }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void ForwardThenInverse_PublicApi_IsIdentityAtEveryLevel()
    {
        var gen = from logN in Gen.Choose(10, 12)
                  from bits in Gen.Choose(20, 61)
                  from seed in Gen.Choose(0, int.MaxValue)
                  select (N: 1 << logN, Bits: bits, Seed: seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var q = new Modulus(NttPrimes.Generate(c.N, [c.Bits])[0]);
            var tables = new NttTables(c.N, q);
            ulong[] original = RandomResidues(new Random(c.Seed), c.N, q.Value);
            foreach (SimdLevel level in SimdCapabilities.Supported)
            {
                ulong[] values = (ulong[])original.Clone();
                tables.Forward(values, level);
                Assert.All(values, v => Assert.True(v < q.Value));
                tables.Inverse(values, level);
                AssertEqual(original, values, $"round trip at {level}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(30));
    }

    [Theory]
    [InlineData(20, (int)NttMultiplication.Shoup32Packed)]
    [InlineData(30, (int)NttMultiplication.Shoup32Packed)]
    [InlineData(31, (int)NttMultiplication.Fma)]
    [InlineData(50, (int)NttMultiplication.Fma)]
    [InlineData(51, (int)NttMultiplication.Shoup64)]
    [InlineData(61, (int)NttMultiplication.Shoup64)]
    public void Multiplication_ChosenByPrimeSize(int bits, int expectedStrategy)
    {
        var expected = (NttMultiplication)expectedStrategy;
        var q = new Modulus(NttPrimes.Generate(1024, [bits])[0]);
        Assert.Equal(expected, new NttTables(1024, q).Multiplication);
    }

    [Theory]
    [InlineData(31, (int)NttMultiplication.Shoup32)]
    [InlineData(31, (int)NttMultiplication.Shoup32Packed)]
    [InlineData(51, (int)NttMultiplication.Fma)]
    [InlineData(51, (int)NttMultiplication.FmaPerProduct)]
    public void GetOperands_StrategyTooNarrowForPrime_Throws(int bits, int strategyValue)
    {
        var strategy = (NttMultiplication)strategyValue;
        var q = new Modulus(NttPrimes.Generate(1024, [bits])[0]);
        var ex = Assert.Throws<ArgumentException>(() => new NttTables(1024, q).GetOperands(strategy));
        Assert.Contains($"{bits}-bit", ex.Message);
    }
}
