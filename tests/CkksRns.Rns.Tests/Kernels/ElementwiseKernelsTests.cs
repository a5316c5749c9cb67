using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Kernels;

/// <summary>
/// Every path of every element-wise kernel against a BigInteger oracle, for prime sizes across 20..61 bits, lengths
/// that exercise every vector tail, and the extreme residues 0 and q-1. The Vector512 and Vector256 paths run even
/// where the hardware lacks them (through .NET's software fallback), so their logic is checked on every machine.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class ElementwiseKernelsTests
{
    public static readonly TheoryData<SimdLevel> Levels = new() { SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512 };

    // Odd moduli (the kernels do not need primality) across 20..61 bits, including the largest allowed value.
    private static readonly ulong[] Moduli =
    [
        (1UL << 20) - 3, 1_073_479_681, (1UL << 31) - 1, (1UL << 32) + 15, (1UL << 40) - 87, (1UL << 50) - 27,
        1_152_921_504_606_584_833, (1UL << 61) - 1, (1UL << 60) + 33, (1UL << 45) + 1,
    ];

    private static ulong[] Residues(Random random, int length, ulong q)
    {
        var values = new ulong[length];
        for (int i = 0; i < length; i++)
        {
            // A quarter of the values are extreme (0, 1, q-1, q-2) to hit the reduction edges.
            int pick = random.Next(8);
            values[i] = pick switch
            {
                0 => 0,
                1 => q - 1,
                _ => (ulong)random.NextInt64(0, (long)q),
            };
        }

        return values;
    }

    private static Gen<(ulong Q, int Length, int Seed)> Cases() =>
        from index in Gen.Choose(0, Moduli.Length - 1)
        from length in Gen.Choose(0, 70)
        from seed in Gen.Choose(0, int.MaxValue)
        select (Moduli[index], length, seed);

    private static void ForAllCases(Func<Modulus, ulong[], ulong[], ulong[], bool> property) =>
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var random = new Random(c.Seed);
            var q = new Modulus(c.Q);
            return property(q, Residues(random, c.Length, c.Q), Residues(random, c.Length, c.Q), Residues(random, c.Length, c.Q));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));

    [Theory]
    [MemberData(nameof(Levels))]
    public void Add_RandomResidues_MatchesBigInteger(SimdLevel level) =>
        ForAllCases((q, x, y, _) =>
        {
            var d = new ulong[x.Length];
            ElementwiseKernels.Add(x, y, d, q, level);
            return d.Select((v, i) => v == (ulong)((new BigInteger(x[i]) + y[i]) % q.Value)).All(b => b);
        });

    [Theory]
    [MemberData(nameof(Levels))]
    public void AddConstant_RandomResidues_MatchesBigInteger(SimdLevel level) =>
        ForAllCases((q, x, y, _) =>
        {
            ulong c = y.Length > 0 ? y[0] : q.Value - 1;
            var d = new ulong[x.Length];
            ElementwiseKernels.AddConstant(x, c, d, q, level);
            return d.Select((v, i) => v == (ulong)((new BigInteger(x[i]) + c) % q.Value)).All(b => b);
        });

    [Theory]
    [MemberData(nameof(Levels))]
    public void Subtract_RandomResidues_MatchesBigInteger(SimdLevel level) =>
        ForAllCases((q, x, y, _) =>
        {
            var d = new ulong[x.Length];
            ElementwiseKernels.Subtract(x, y, d, q, level);
            return d.Select((v, i) => v == (ulong)(((new BigInteger(x[i]) - y[i]) % q.Value + q.Value) % q.Value)).All(b => b);
        });

    [Theory]
    [MemberData(nameof(Levels))]
    public void Negate_RandomResidues_MatchesBigInteger(SimdLevel level) =>
        ForAllCases((q, x, _, _) =>
        {
            var d = new ulong[x.Length];
            ElementwiseKernels.Negate(x, d, q, level);
            return d.Select((v, i) => v == (ulong)((q.Value - new BigInteger(x[i])) % q.Value)).All(b => b);
        });

    [Theory]
    [MemberData(nameof(Levels))]
    public void Multiply_RandomResidues_MatchesBigInteger(SimdLevel level) =>
        ForAllCases((q, x, y, _) =>
        {
            var d = new ulong[x.Length];
            ElementwiseKernels.Multiply(x, y, d, q, level);
            return d.Select((v, i) => v == (ulong)(new BigInteger(x[i]) * y[i] % q.Value)).All(b => b);
        });

    [Theory]
    [MemberData(nameof(Levels))]
    public void MultiplyAccumulate_RandomResidues_MatchesBigInteger(SimdLevel level) =>
        ForAllCases((q, x, y, acc) =>
        {
            ulong[] d = (ulong[])acc.Clone();
            ElementwiseKernels.MultiplyAccumulate(x, y, d, q, level);
            return d.Select((v, i) => v == (ulong)((new BigInteger(x[i]) * y[i] + acc[i]) % q.Value)).All(b => b);
        });

    [Theory]
    [MemberData(nameof(Levels))]
    public void MultiplyShoup_RandomResidues_MatchesBigInteger(SimdLevel level) =>
        ForAllCases((q, x, y, acc) =>
        {
            ulong w = y.Length > 0 ? y[0] : q.Value - 1;
            ShoupOperand operand = q.CreateShoupOperand(w);
            var d = new ulong[x.Length];
            ElementwiseKernels.MultiplyShoup(x, operand, d, q, level);
            ulong[] d2 = (ulong[])acc.Clone();
            ElementwiseKernels.MultiplyShoupAccumulate(x, operand, d2, q, level);
            return d.Select((v, i) => v == (ulong)(new BigInteger(x[i]) * w % q.Value)).All(b => b)
                && d2.Select((v, i) => v == (ulong)((new BigInteger(x[i]) * w + acc[i]) % q.Value)).All(b => b);
        });

    [Theory]
    [MemberData(nameof(Levels))]
    public void Multiply_ExtremeOperandsForEveryBitSize_MatchesBigInteger(SimdLevel level)
    {
        // Every bit size 2..61 with the largest odd modulus of that size and its worst-case operands.
        for (int bits = 2; bits <= 61; bits++)
        {
            ulong qValue = bits == 2 ? 3 : (1UL << bits) - 1;
            var q = new Modulus(qValue);
            ulong[] x = [qValue - 1, qValue - 1, 0, 1, qValue / 2, qValue - 2, qValue - 1, 1, 2, qValue / 3];
            ulong[] y = [qValue - 1, 1, qValue - 1, qValue - 1, qValue / 2 + 1, qValue - 2, qValue / 2, 0, qValue - 1, qValue - 1];
            var d = new ulong[x.Length];
            ElementwiseKernels.Multiply(x, y, d, q, level);
            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal((ulong)(new BigInteger(x[i]) * y[i] % qValue), d[i]);
            }
        }
    }

    /// <summary>Operands for which a k-bit Barrett estimate (HAC 14.42) is two below the true quotient: hard cases for any Barrett variant.</summary>
    public static readonly TheoryData<ulong, ulong, ulong> BarrettWorstCases = new()
    {
        { 113, 108, 90 },
        { 913877, 911782, 830117 },
        { 548397533, 481321793, 495335688 },
        { 564759709075, 475439271775, 430422573238 },
        { 842629845556019, 731732969672768, 803732112911864 },
        { 1096055890748185289, 1015027659713754003, 861041787160527758 },
        { 2299319086754162271, 2286761397287791413, 1859545654677304377 },
        { 2254317698513286039, 1765484521602058246, 2165563131187318919 },
    };

    [Theory]
    [MemberData(nameof(BarrettWorstCases))]
    public void Multiply_HardBarrettOperands_StillFullyReduced(ulong qValue, ulong a, ulong b)
    {
        var q = new Modulus(qValue);
        ulong expected = (ulong)(new BigInteger(a) * b % qValue);
        foreach (SimdLevel level in new[] { SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512 })
        {
            // 19 lanes: two full Vector512 blocks plus a scalar tail, all with the worst-case operands.
            ulong[] x = Enumerable.Repeat(a, 19).ToArray(), y = Enumerable.Repeat(b, 19).ToArray();
            var d = new ulong[19];
            ElementwiseKernels.Multiply(x, y, d, q, level);
            Assert.All(d, v => Assert.Equal(expected, v));
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void AllKernels_AliasedDestination_MatchOutOfPlace(SimdLevel level)
    {
        var random = new Random(11);
        var q = new Modulus((1UL << 61) - 1);
        ulong[] x = Residues(random, 37, q.Value), y = Residues(random, 37, q.Value);
        var expected = new ulong[37];
        ElementwiseKernels.Multiply(x, y, expected, q, SimdLevel.Scalar);
        ulong[] aliased = (ulong[])x.Clone();
        ElementwiseKernels.Multiply(aliased, y, aliased, q, level);
        Assert.Equal(expected, aliased);

        ElementwiseKernels.Subtract(x, y, expected, q, SimdLevel.Scalar);
        aliased = (ulong[])y.Clone();
        ElementwiseKernels.Subtract(x, aliased, aliased, q, level);
        Assert.Equal(expected, aliased);
    }

    [Fact]
    public void VectorPaths_LargeRandomInputs_AreBitIdenticalToScalar()
    {
        var random = new Random(5);
        foreach (ulong qValue in Moduli)
        {
            var q = new Modulus(qValue);
            ulong[] x = Residues(random, 1024 + 5, qValue), y = Residues(random, 1024 + 5, qValue);
            ShoupOperand w = q.CreateShoupOperand((ulong)random.NextInt64(0, (long)qValue));
            foreach (SimdLevel level in new[] { SimdLevel.Vector256, SimdLevel.Vector512 })
            {
                foreach (var kernel in new Action<ulong[], ulong[], ulong[], SimdLevel>[]
                {
                    (a, b, d, l) => ElementwiseKernels.Add(a, b, d, q, l),
                    (a, b, d, l) => ElementwiseKernels.Subtract(a, b, d, q, l),
                    (a, _, d, l) => ElementwiseKernels.Negate(a, d, q, l),
                    (a, b, d, l) => ElementwiseKernels.AddConstant(a, b[3], d, q, l),
                    (a, b, d, l) => ElementwiseKernels.Multiply(a, b, d, q, l),
                    (a, b, d, l) => ElementwiseKernels.MultiplyAccumulate(a, b, d, q, l),
                    (a, _, d, l) => ElementwiseKernels.MultiplyShoup(a, w, d, q, l),
                    (a, _, d, l) => ElementwiseKernels.MultiplyShoupAccumulate(a, w, d, q, l),
                })
                {
                    ulong[] expected = (ulong[])y.Clone(), actual = (ulong[])y.Clone();
                    kernel(x, y, expected, SimdLevel.Scalar);
                    kernel(x, y, actual, level);
                    Assert.Equal(expected, actual);
                }
            }
        }
    }

    [Fact]
    public void DefaultLevel_IsSupportedByHardware()
    {
        Assert.True(SimdCapabilities.IsSupported(SimdCapabilities.Current));
        Assert.True(SimdCapabilities.IsSupported(ElementwiseKernels.MultiplyLevel));
        Assert.True(SimdCapabilities.IsSupported(ElementwiseKernels.MultiplyShoupLevel));
    }
}
