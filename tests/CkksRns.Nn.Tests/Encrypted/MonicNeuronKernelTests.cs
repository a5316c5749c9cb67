using System.Numerics;
using CkksRns.Nn.Encrypted;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Nn.Tests.Encrypted;

public sealed class MonicNeuronKernelTests
{
    private static readonly SimdLevel[] Levels = [SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512];

    /// <summary>The oracle, with <see cref="BigInteger"/>: the boosted square, its rescale, + κ, and the product with x.</summary>
    private static ulong[][] Oracle(ulong[] x0, ulong[] x1, ulong[][] t, ulong shift, ulong boost, ulong inverse, ulong kappa, ulong q)
    {
        int n = x0.Length;
        ulong[][] o = [new ulong[n], new ulong[n], new ulong[n], new ulong[n]];
        BigInteger M(BigInteger v) => ((v % q) + q) % q;
        for (int i = 0; i < n; i++)
        {
            BigInteger a = x0[i], b = x1[i], z = M(a + shift), kz = M(z * boost), kb = M(b * boost);
            BigInteger d0 = M((M(z * kz) - t[0][i]) * inverse), d1 = M((M((z * kb) + (b * kz)) - t[1][i]) * inverse);
            BigInteger d2 = M((M(b * kb) - t[2][i]) * inverse);
            d0 = M(d0 + kappa);
            o[0][i] = (ulong)M(d0 * a);
            o[1][i] = (ulong)M((d0 * b) + (d1 * a));
            o[2][i] = (ulong)M((d1 * b) + (d2 * a));
            o[3][i] = (ulong)M(d2 * b);
        }

        return o;
    }

    [Fact]
    public void FusedLimb_MatchesTheBigIntegerOracle_OnEveryLevel()
    {
        // Random primes up to the 30-bit limit, residues anywhere in [0, q) (the extremes included), odd lengths for the tails.
        var cases = from bits in Gen.Choose(20, 30)
                     from seed in Gen.Choose(0, 100_000)
                     from n in Gen.Elements(1, 7, 8, 33, 64)
                     select (bits, seed, n);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var q = new Modulus(NttPrimes.Generate(1 << 10, [c.bits])[0]);
            var random = new Random(c.seed);
            ulong R() => random.Next(4) switch { 0 => 0, 1 => q.Value - 1, _ => (ulong)random.NextInt64((long)q.Value) };
            ulong[] V() => Enumerable.Range(0, c.n).Select(_ => R()).ToArray();
            ulong[] x0 = V(), x1 = V();
            ulong[][] t = [V(), V(), V()];
            ulong shift = R(), boost = random.Next(2) == 0 ? 4 % q.Value : R(), kappa = R();
            ulong inverseValue = Math.Max(1, R());
            ShoupOperand inverse = q.CreateShoupOperand(inverseValue);
            ulong[][] expected = Oracle(x0, x1, t, shift, boost, inverseValue, kappa, q.Value);
            foreach (SimdLevel level in Levels)
            {
                ulong[][] o = [new ulong[c.n], new ulong[c.n], new ulong[c.n], new ulong[c.n]];
                MonicNeuronKernel.Limb(x0, x1, t[0], t[1], t[2], shift, boost, inverse, kappa, o[0], o[1], o[2], o[3], q, level);
                for (int j = 0; j < 4; j++)
                {
                    Assert.True(expected[j].AsSpan().SequenceEqual(o[j]), $"output {j} differs at {level} ({c.bits}-bit q = {q.Value}, n = {c.n}, seed {c.seed})");
                }
            }
        }));
    }

    [Fact]
    public void FusedLimb_RefusesWidePrimesAndMismatchedSpans()
    {
        var wide = new Modulus(NttPrimes.Generate(1 << 10, [31])[0]);
        var narrow = new Modulus(NttPrimes.Generate(1 << 10, [28])[0]);
        Assert.False(MonicNeuronKernel.Supports(wide));
        Assert.True(MonicNeuronKernel.Supports(narrow));
        ulong[] a = new ulong[8], b = new ulong[8], shortSpan = new ulong[7];
        ShoupOperand one = narrow.CreateShoupOperand(1);
        var e1 = Assert.Throws<ArgumentException>(() => MonicNeuronKernel.Limb(a, a, a, a, a, 0, 1, wide.CreateShoupOperand(1), 0, b, b, b, b, wide, SimdLevel.Scalar));
        Assert.Contains("30 bits", e1.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<ArgumentException>(() => MonicNeuronKernel.Limb(a, a, a, shortSpan, a, 0, 1, one, 0, b, b, b, b, narrow, SimdLevel.Scalar));
        Assert.Contains("8 coefficients", e2.Message, StringComparison.Ordinal);
    }
}
