using System.Numerics;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Primes;

public sealed class NttPrimesTests
{
    private static bool IsPrimeOracle(ulong n)
    {
        if (n < 2)
        {
            return false;
        }

        // Fermat checks with several bases against BigInteger, plus trial division for small n: a strong oracle for
        // the random samples used here (Carmichael numbers are covered by the explicit cases below).
        if (n < 1_000_000)
        {
            for (ulong d = 2; d * d <= n; d++)
            {
                if (n % d == 0)
                {
                    return false;
                }
            }

            return true;
        }

        foreach (int a in new[] { 2, 3, 5, 7, 11, 13 })
        {
            if (BigInteger.ModPow(a, n - 1, n) != 1)
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void IsPrime_SmallNumbers_MatchesTrialDivision()
    {
        for (ulong n = 0; n < 20_000; n++)
        {
            Assert.Equal(IsPrimeOracle(n), NttPrimes.IsPrime(n));
        }
    }

    [Theory]
    [InlineData(561UL, false)] // Carmichael
    [InlineData(3215031751UL, false)] // strong pseudoprime to bases 2, 3, 5, 7
    [InlineData(3825123056546413051UL, false)] // strong pseudoprime to bases up to 23
    [InlineData(18446744073709551557UL, true)] // largest 64-bit prime
    [InlineData(2305843009213693951UL, true)] // 2^61 - 1
    [InlineData(1152921504606846883UL, true)] // 2^60 - 93
    public void IsPrime_KnownHardCases(ulong n, bool expected) => Assert.Equal(expected, NttPrimes.IsPrime(n));

    [Fact]
    public void Generate_RandomRequests_ArePrimeNttFriendlyOfRequestedSizeAndDistinct()
    {
        var gen = from logN in Gen.Choose(10, 17)
                  from count in Gen.Choose(1, 6)
                  from sizes in Gen.ArrayOf(Gen.Choose(Math.Max(20, logN + 12), 61), count)
                  select (N: 1 << logN, Sizes: sizes);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            ulong[] primes = NttPrimes.Generate(t.N, t.Sizes);
            return primes.Length == t.Sizes.Length
                && primes.Distinct().Count() == primes.Length
                && primes.Select((p, i) => NttPrimes.IsPrime(p) && p % (2UL * (ulong)t.N) == 1
                                           && 64 - BitOperations.LeadingZeroCount(p) == t.Sizes[i]).All(ok => ok)
                && NttPrimes.Generate(t.N, t.Sizes).SequenceEqual(primes);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(50));
    }

    [Fact]
    public void Generate_Exclusions_AreRespected()
    {
        ulong[] first = NttPrimes.Generate(1 << 14, [40, 40]);
        ulong[] second = NttPrimes.Generate(1 << 14, [40, 40], first);
        Assert.Empty(first.Intersect(second));
    }

    [Fact]
    public void Generate_TooManyPrimesOfOneSize_ThrowsClearError()
    {
        // For N = 2^17 (2N = 2^18) there is exactly one 20-bit candidate, 786433, and it is prime.
        Assert.Equal(786433UL, NttPrimes.Generate(1 << 17, [20])[0]);
        var ex = Assert.Throws<ArgumentException>(() => NttPrimes.Generate(1 << 17, [20, 20]));
        Assert.Contains("Not enough 20-bit primes", ex.Message);
    }

    [Fact]
    public void Generate_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NttPrimes.Generate(1000, [30]));
        Assert.Throws<ArgumentOutOfRangeException>(() => NttPrimes.Generate(1024, [19]));
        Assert.Throws<ArgumentOutOfRangeException>(() => NttPrimes.Generate(1024, [62]));
    }
}
