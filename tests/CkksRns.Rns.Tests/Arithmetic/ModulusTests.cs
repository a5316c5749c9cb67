using System.Numerics;
using CkksRns.Rns.Arithmetic;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Arithmetic;

public sealed class ModulusTests
{
    private static readonly ulong[] Moduli =
    [
        3, 17, 65537, 1073479681, (1UL << 40) - 87, 1152921504606584833, (1UL << 61) - 1,
    ];

    private static Gen<(Modulus Q, ulong A, ulong B)> ResiduePairs() =>
        from index in Gen.Choose(0, Moduli.Length - 1)
        from bits in Gen.Choose(2, 61)
        from seed in ArbMap.Default.GeneratorFor<ulong>()
        from seed2 in ArbMap.Default.GeneratorFor<ulong>()
        let q = new Modulus(index < Moduli.Length ? Moduli[index] : 3)
        select (q, seed % q.Value, seed2 % q.Value);

    [Fact]
    public void Multiply_RandomResidues_MatchesBigInteger()
    {
        Prop.ForAll(ResiduePairs().ToArbitrary(), t =>
            t.Q.Multiply(t.A, t.B) == (ulong)(new BigInteger(t.A) * t.B % t.Q.Value)).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void AddSubtractNegate_RandomResidues_MatchBigInteger()
    {
        Prop.ForAll(ResiduePairs().ToArbitrary(), t =>
        {
            BigInteger q = t.Q.Value;
            return t.Q.Add(t.A, t.B) == (ulong)((t.A + (BigInteger)t.B) % q)
                && t.Q.Subtract(t.A, t.B) == (ulong)((((BigInteger)t.A - t.B) % q + q) % q)
                && t.Q.Negate(t.A) == (ulong)((q - t.A) % q);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Reduce_Any128BitValue_MatchesBigInteger()
    {
        var gen = from index in Gen.Choose(0, Moduli.Length - 1)
                  from high in ArbMap.Default.GeneratorFor<ulong>()
                  from low in ArbMap.Default.GeneratorFor<ulong>()
                  select (Q: new Modulus(Moduli[index]), High: high, Low: low);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            BigInteger x = ((BigInteger)t.High << 64) + t.Low;
            return t.Q.Reduce(t.High, t.Low) == (ulong)(x % t.Q.Value)
                && t.Q.Reduce(t.Low) == t.Low % t.Q.Value
                && t.Q.ReduceLazy(t.Low) < 2 * t.Q.Value;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void MultiplyShoup_AgreesWithBarrett()
    {
        Prop.ForAll(ResiduePairs().ToArbitrary(), ArbMap.Default.ArbFor<ulong>(), (t, x) =>
        {
            ulong wShoup = t.Q.ShoupPrecompute(t.B);
            ulong lazy = t.Q.MultiplyShoupLazy(x, t.B, wShoup);
            return lazy < 2 * t.Q.Value
                && t.Q.MultiplyShoup(x, t.B, wShoup) == t.Q.Multiply(t.Q.Reduce(x), t.B)
                && t.Q.MultiplyShoup(x, t.Q.CreateShoupOperand(t.B)) == (ulong)(new BigInteger(x) * t.B % t.Q.Value);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void PowAndInverse_MatchBigInteger()
    {
        Prop.ForAll(ResiduePairs().ToArbitrary(), t =>
        {
            ulong e = t.B;
            bool pow = t.Q.Pow(t.A, e) == (ulong)BigInteger.ModPow(t.A, e, t.Q.Value);
            bool inverse = t.A == 0
                ? !t.Q.TryInverse(t.A, out _)
                : !t.Q.TryInverse(t.A, out ulong inv) || t.Q.Multiply(inv, t.A) == 1;
            return pow && inverse;
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(4UL)]
    [InlineData(1UL << 61)]
    [InlineData(ulong.MaxValue)]
    public void Constructor_InvalidValue_ThrowsNamingTheValue(ulong value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Modulus(value));
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
    }

    [Fact]
    public void Inverse_OfZero_ThrowsArgumentException()
    {
        var q = new Modulus(17);
        Assert.Throws<ArgumentException>(() => q.Inverse(0));
    }
}
