using System.Numerics;
using CkksRns.Rns.Bases;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Bases;

public sealed class RnsBaseTests
{
    internal static BigInteger RandomBelow(Random random, BigInteger bound)
    {
        var bytes = new byte[bound.GetByteCount(isUnsigned: true) + 8];
        random.NextBytes(bytes);
        return new BigInteger(bytes, isUnsigned: true) % bound;
    }

    internal static Gen<RnsBase> Bases() =>
        from count in Gen.Choose(1, 12)
        from bits in Gen.ArrayOf(Gen.Choose(20, 61), count)
        select new RnsBase(NttPrimes.Generate(1024, bits));

    [Fact]
    public void ComposeOfDecompose_RandomValuesBelowQ_IsIdentity()
    {
        var gen = from basis in Bases() from seed in Gen.Choose(0, int.MaxValue) select (Basis: basis, Seed: seed);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var random = new Random(t.Seed);
            BigInteger q = t.Basis.Product;
            BigInteger[] values = [RandomBelow(random, q), BigInteger.Zero, q - 1, q / 2, q / 2 + 1];
            Span<ulong> residues = stackalloc ulong[t.Basis.Count];
            Span<ulong> again = stackalloc ulong[t.Basis.Count];
            foreach (BigInteger x in values)
            {
                t.Basis.Decompose(x, residues);
                for (int i = 0; i < residues.Length; i++)
                {
                    if (residues[i] != (ulong)(x % t.Basis.Moduli[i].Value))
                    {
                        return false;
                    }
                }

                BigInteger centered = x > q / 2 ? x - q : x;
                if (t.Basis.Compose(residues) != x || t.Basis.ComposeCentered(residues) != centered)
                {
                    return false;
                }

                // Decomposing the centred (possibly negative) value gives the same residues.
                t.Basis.Decompose(centered, again);
                if (!again.SequenceEqual(residues))
                {
                    return false;
                }
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    [Fact]
    public void Precomputation_PuncturedProducts_MatchDefinition()
    {
        var basis = new RnsBase(NttPrimes.Generate(4096, [30, 40, 50, 61]));
        BigInteger product = basis.Moduli.Aggregate(BigInteger.One, (p, m) => p * m.Value);
        Assert.Equal(product, basis.Product);
        for (int i = 0; i < basis.Count; i++)
        {
            ulong q = basis.Moduli[i].Value;
            Assert.Equal(product / q, basis.PuncturedProducts[i]);
            Assert.Equal(BigInteger.One, basis.PuncturedProducts[i] * basis.InversePuncturedProducts[i].Value % q);
            Assert.Equal(basis.Moduli[i].ShoupPrecompute(basis.InversePuncturedProducts[i].Value), basis.InversePuncturedProducts[i].Quotient);
        }
    }

    [Fact]
    public void PrefixAndConcat_BuildExpectedBases()
    {
        ulong[] q = NttPrimes.Generate(1024, [30, 40, 50]);
        ulong[] p = NttPrimes.Generate(1024, [60, 61], exclude: q);
        var qBase = new RnsBase(q);
        Assert.Same(qBase, qBase.Prefix(3));
        Assert.Equal(q[..2], qBase.Prefix(2).Moduli.Select(m => m.Value));
        RnsBase joined = qBase.Concat(new RnsBase(p));
        Assert.Equal([.. q, .. p], joined.Moduli.Select(m => m.Value));
        Assert.Equal(qBase.Product * new RnsBase(p).Product, joined.Product);
        Assert.Throws<ArgumentOutOfRangeException>(() => qBase.Prefix(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => qBase.Prefix(4));
        Assert.Throws<ArgumentException>(() => qBase.Concat(qBase));
    }

    [Fact]
    public void Constructor_AndMethods_BadInput_ThrowWithValues()
    {
        Assert.Throws<ArgumentNullException>(() => new RnsBase((IReadOnlyList<ulong>)null!));
        Assert.Contains("1 to 512", Assert.Throws<ArgumentException>(() => new RnsBase(Array.Empty<ulong>())).Message);
        Assert.Contains("gcd = 3", Assert.Throws<ArgumentException>(() => new RnsBase([9UL, 7UL, 15UL])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnsBase([8UL]));
        Assert.Throws<ArgumentException>(() => new RnsBase([default(CkksRns.Rns.Arithmetic.Modulus)]));

        var basis = new RnsBase([7UL, 11UL, 13UL]);
        Assert.Contains("Expected 3 residues", Assert.Throws<ArgumentException>(() => basis.Decompose(5, new ulong[2])).Message);
        Assert.Contains("Expected 3 residues", Assert.Throws<ArgumentException>(() => basis.Compose(new ulong[4])).Message);
        Assert.Contains("residues[1] = 11", Assert.Throws<ArgumentException>(() => basis.Compose([1UL, 11UL, 0UL])).Message);
    }

    [Fact]
    public void Compose_NonPrimeCoprimeModuli_Works()
    {
        var basis = new RnsBase([9UL, 7UL, 25UL, 11UL]);
        Span<ulong> residues = stackalloc ulong[4];
        for (int x = 0; x < 9 * 7 * 25 * 11; x += 37)
        {
            basis.Decompose(x, residues);
            Assert.Equal(x, (int)basis.Compose(residues));
        }
    }
}
