using System.Numerics;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Primes;
using Xunit;

namespace CkksRns.Rns.Tests.Polynomials;

public sealed class RnsContextTests
{
    [Fact]
    public void Constructor_ValidPrimes_ExposesShape()
    {
        ulong[] primes = NttPrimes.Generate(2048, [30, 45, 61]);
        var context = new RnsContext(2048, primes, maxDegreeOfParallelism: 3);
        Assert.Equal(2048, context.N);
        Assert.Equal(11, context.LogN);
        Assert.Equal(3, context.ModulusCount);
        Assert.Equal(primes, context.Moduli.Select(m => m.Value));
        Assert.Equal(primes, context.NttTables.Select(t => t.Modulus.Value));
        Assert.All(context.NttTables, t => Assert.Equal(2048, t.N));
        Assert.Equal(3, context.MaxDegreeOfParallelism);
        Assert.Equal(Environment.ProcessorCount, new RnsContext(2048, primes).MaxDegreeOfParallelism);
    }

    [Fact]
    public void GetBase_Prefix_HasProductOfFirstPrimesAndIsCached()
    {
        RnsContext context = TestRings.Small;
        var basis = context.GetBase(2);
        Assert.Equal(new BigInteger(context.Moduli[0].Value) * context.Moduli[1].Value, basis.Product);
        Assert.Same(basis, context.GetBase(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => context.GetBase(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => context.GetBase(5));
    }

    [Fact]
    public void Constructor_BadDegree_ThrowsOutOfRange()
    {
        ulong[] primes = NttPrimes.Generate(1024, [30]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnsContext(1000, primes));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnsContext(512, primes));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnsContext(1 << 18, primes));
    }

    [Fact]
    public void Constructor_BadModuli_ThrowWithValues()
    {
        ulong[] primes = NttPrimes.Generate(2048, [30, 40]);
        Assert.Throws<ArgumentNullException>(() => new RnsContext(2048, null!));
        Assert.Contains("1 to 256", Assert.Throws<ArgumentException>(() => new RnsContext(2048, [])).Message);

        var repeated = Assert.Throws<ArgumentException>(() => new RnsContext(2048, [primes[0], primes[1], primes[0]]));
        Assert.Contains($"moduli[2] = {primes[0]}", repeated.Message);

        // 1 mod 2N for N = 1024 but not for N = 2048.
        ulong wrongN = NttPrimes.Generate(1024, [30]).First(p => p % 4096 != 1);
        Assert.Contains("not 1 mod 2N = 4096", Assert.Throws<ArgumentException>(() => new RnsContext(2048, [wrongN])).Message);

        // 1 mod 4096 but composite: (4096·k + 1) with a small factor.
        ulong composite = Enumerable.Range(1, 1000).Select(k => 4096UL * (ulong)k + 1).First(c => !NttPrimes.IsPrime(c));
        Assert.Contains("not prime", Assert.Throws<ArgumentException>(() => new RnsContext(2048, [composite])).Message);

        Assert.Contains("more than 61 bits", Assert.Throws<ArgumentException>(() => new RnsContext(2048, [(1UL << 62) + 1])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnsContext(2048, primes, maxDegreeOfParallelism: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnsContext(2048, primes) { MaxDegreeOfParallelism = -1 });
    }
}
