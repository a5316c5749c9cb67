using System.Numerics;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Ckks.Tests;

public sealed class CkksParametersTests
{
    private static int BitLength(IEnumerable<ulong> primes)
    {
        BigInteger product = BigInteger.One;
        foreach (ulong p in primes)
        {
            product *= p;
        }

        return (int)product.GetBitLength();
    }

    private static BigInteger Product(IEnumerable<ulong> primes) => primes.Aggregate(BigInteger.One, (a, p) => a * p);

    [Theory]
    [InlineData(10, 27, 19, 14)]
    [InlineData(11, 54, 37, 29)]
    [InlineData(12, 109, 75, 58)]
    [InlineData(13, 218, 152, 118)]
    [InlineData(14, 438, 305, 237)]
    [InlineData(15, 881, 611, 476)]
    [InlineData(16, 1747, 1199, 929)]
    [InlineData(17, 3523, 2411, 1866)]
    public void MaxLogQP_StandardTable_MatchesPublishedRows(int logN, int b128, int b192, int b256)
    {
        Assert.Equal(b128, HomomorphicEncryptionStandard.MaxLogQP(logN, SecurityLevel.Bits128));
        Assert.Equal(b192, HomomorphicEncryptionStandard.MaxLogQP(logN, SecurityLevel.Bits192));
        Assert.Equal(b256, HomomorphicEncryptionStandard.MaxLogQP(logN, SecurityLevel.Bits256));
        Assert.Equal(int.MaxValue, HomomorphicEncryptionStandard.MaxLogQP(logN, SecurityLevel.None));
        Assert.Equal(b128, HomomorphicEncryptionStandard.MaxLogQPForDegree(1 << logN, SecurityLevel.Bits128));
    }

    [Theory]
    [InlineData(9)]
    [InlineData(18)]
    public void MaxLogQP_OutOfTable_Throws(int logN) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => HomomorphicEncryptionStandard.MaxLogQP(logN, SecurityLevel.Bits128));

    [Fact]
    public void Create_ReferencePaper_SealLayoutWith366Bits()
    {
        CkksParameters p = CkksParameters.Create(CkksPresets.ReferencePaper);
        Assert.Equal(1 << 14, p.N);
        Assert.Equal(12, p.QCount);
        Assert.Equal(11, p.MaxLevel);
        Assert.Equal(1, p.PCount);
        Assert.Equal(12, p.Dnum);
        Assert.Equal(1, p.DigitSize);
        Assert.Equal(366, p.LogQP);
        Assert.Equal(BitLength(p.Q.Concat(p.P)), p.LogQP);
        Assert.Equal(Math.ScaleB(1.0, 26), p.DefaultScale);
        Assert.Equal(40, 64 - BitOperations.LeadingZeroCount(p.Q[0]));
        Assert.All(p.Q.Skip(1), q => Assert.Equal(26, 64 - BitOperations.LeadingZeroCount(q)));
    }

    [Fact]
    public void Create_ReferencePaperHybrid_ChoosesDnumWithinBound()
    {
        CkksParameters p = CkksParameters.Create(CkksPresets.ReferencePaperHybrid);
        Assert.Equal(12, p.QCount);
        Assert.True(p.LogQP <= 438, p.ToString());
        Assert.Equal(4, p.Dnum);
        Assert.Equal(3, p.DigitSize);
        // Digits [40, 26, 26] and [26, 26, 26] have at most 92 bits: two 46-bit primes cover them.
        Assert.Equal([46, 46], p.P.Select(x => 64 - BitOperations.LeadingZeroCount(x)).ToArray());
        Assert.Equal(418, p.LogQP);
        // Every digit is covered by P.
        BigInteger pProduct = Product(p.P);
        for (int start = 0; start < p.QCount; start += p.DigitSize)
        {
            Assert.True(Product(p.Q.Skip(start).Take(p.DigitSize)) < pProduct);
        }

        // A smaller dnum would not fit: the choice is the smallest that does.
        var smaller = CkksPresets.ReferencePaperHybrid with { Dnum = p.Dnum - 1 };
        var error = Assert.Throws<ArgumentException>(() => CkksParameters.Create(smaller));
        Assert.Contains("438", error.Message);
    }

    [Theory]
    [InlineData(12, 2, 109)]
    [InlineData(13, 4, 218)]
    [InlineData(14, 8, 438)]
    [InlineData(15, 15, 881)]
    public void Create_SealDefaults_FitTheBound(int logN, int dataPrimes, int bound)
    {
        CkksParametersLiteral literal = logN switch
        {
            12 => CkksPresets.SealDefault4096,
            13 => CkksPresets.SealDefault8192,
            14 => CkksPresets.SealDefault16384,
            _ => CkksPresets.SealDefault32768,
        };
        CkksParameters p = CkksParameters.Create(literal);
        Assert.Equal(dataPrimes, p.QCount);
        Assert.Equal(1, p.PCount);
        Assert.Equal(dataPrimes, p.Dnum);
        Assert.True(p.LogQP <= bound);
        Assert.Equal(bound, p.MaxLogQP);
    }

    [Fact]
    public void Create_RandomChains_GeneratesDistinctNttFriendlyPrimesOfRequestedSizes()
    {
        var gen =
            from logN in Gen.Choose(10, 13)
            from sizes in Gen.ListOf(Gen.Choose(30, 61)).Where(l => l.Count is >= 1 and <= 6)
            from special in Gen.ListOf(Gen.Choose(30, 61)).Where(l => l.Count is >= 1 and <= 3)
            select (logN, sizes: sizes.ToArray(), special: special.ToArray());
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var p = CkksParameters.Create(new CkksParametersLiteral
            {
                LogN = t.logN, LogQ = t.sizes, LogP = t.special, SecurityLevel = SecurityLevel.None,
                LogDefaultScale = 20,
            });
            ulong twoN = 2UL << t.logN;
            var all = p.Q.Concat(p.P).ToList();
            Assert.Equal(all.Count, all.Distinct().Count());
            Assert.All(all, q => Assert.True(NttPrimes.IsPrime(q) && q % twoN == 1));
            Assert.Equal(t.sizes, p.Q.Select(q => 64 - BitOperations.LeadingZeroCount(q)).ToArray());
            Assert.Equal(t.special, p.P.Select(q => 64 - BitOperations.LeadingZeroCount(q)).ToArray());
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Create_RandomSets_AcceptedExactlyWhenWithinSecurityBound()
    {
        var gen =
            from logN in Gen.Choose(11, 15)
            from level in Gen.Elements(SecurityLevel.Bits128, SecurityLevel.Bits192, SecurityLevel.Bits256)
            from sizes in Gen.ListOf(Gen.Choose(36, 60)).Where(l => l.Count is >= 1 and <= 16)
            from special in Gen.Choose(36, 60)
            select (logN, level, sizes: sizes.ToArray(), special);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var literal = new CkksParametersLiteral
            {
                LogN = t.logN, LogQ = t.sizes, LogP = [t.special], SecurityLevel = t.level, LogDefaultScale = 30,
            };
            // The oracle: generate the same primes independently and compare the product's bit length with the table.
            ulong[] q = NttPrimes.Generate(1 << t.logN, t.sizes);
            ulong[] pp = NttPrimes.Generate(1 << t.logN, [t.special], q);
            int bits = BitLength(q.Concat(pp));
            int bound = HomomorphicEncryptionStandard.MaxLogQP(t.logN, t.level);
            if (bits <= bound)
            {
                Assert.Equal(bits, CkksParameters.Create(literal).LogQP);
            }
            else
            {
                var error = Assert.Throws<ArgumentException>(() => CkksParameters.Create(literal));
                Assert.Contains($"{bits} bits", error.Message);
                Assert.Contains($"{bound}-bit bound", error.Message);
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Create_ExplicitDnum_DigitsAndSpecialPrimesCoverEveryDigit()
    {
        var gen =
            from count in Gen.Choose(1, 8)
            from dnum in Gen.Choose(1, count)
            from size in Gen.Choose(25, 45)
            select (count, dnum, size);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var p = CkksParameters.Create(new CkksParametersLiteral
            {
                LogN = 11, LogQ = Enumerable.Repeat(t.size, t.count).ToArray(), Dnum = t.dnum,
                SecurityLevel = SecurityLevel.None, LogDefaultScale = 20,
            });
            int digitSize = (t.count + t.dnum - 1) / t.dnum;
            Assert.Equal(digitSize, p.DigitSize);
            Assert.Equal((t.count + digitSize - 1) / digitSize, p.Dnum);
            Assert.True(p.Dnum <= t.dnum);
            BigInteger pProduct = Product(p.P);
            for (int start = 0; start < p.QCount; start += p.DigitSize)
            {
                Assert.True(Product(p.Q.Skip(start).Take(p.DigitSize)) < pProduct);
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Create_AutomaticDnum_IsTheCheapestThatFitsTheBound()
    {
        // Random chains at N = 2^14 (bound 438): the automatic choice fits, and no other dnum that fits has a lower
        // estimated key-switching cost.
        var gen = from count in Gen.Choose(3, 12) from size in Gen.Choose(24, 36) select (count, size);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            int[] logQ = [40, .. Enumerable.Repeat(t.size, t.count - 1)];
            var literal = new CkksParametersLiteral { LogN = 14, LogQ = logQ, LogDefaultScale = t.size };
            CkksParameters chosen;
            try
            {
                chosen = CkksParameters.Create(literal);
            }
            catch (ArgumentException)
            {
                return; // nothing fits: covered by the refusal tests
            }

            Assert.True(chosen.LogQP <= 438);
            double best = CkksParameters.EstimatedKeySwitchCost(chosen.QCount, chosen.DigitSize, chosen.PCount);
            for (int dnum = 1; dnum <= t.count; dnum++)
            {
                CkksParameters other;
                try
                {
                    other = CkksParameters.Create(literal with { Dnum = dnum });
                }
                catch (ArgumentException)
                {
                    continue; // over the bound
                }

                double cost = CkksParameters.EstimatedKeySwitchCost(other.QCount, other.DigitSize, other.PCount);
                Assert.True(cost >= best, $"{chosen} costs {best:0.0}, but {other} fits and costs {cost:0.0}");
            }
        }).QuickCheckThrowOnFailure();

        // The encrypted CNN1's chain: three digits and two special primes (measured faster than two digits and three).
        CkksParameters cnn1 = CkksParameters.Create(new CkksParametersLiteral { LogN = 14, LogQ = [40, 30, 30, 30, 30, 30, 30, 30], LogDefaultScale = 30 });
        Assert.Equal(3, cnn1.Dnum);
        Assert.Equal(2, cnn1.PCount);
    }

    [Fact]
    public void Create_NoSecurityAndNoDnum_UsesOneDigit()
    {
        var p = CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 10, LogQ = [40, 30, 30], SecurityLevel = SecurityLevel.None,
        });
        Assert.Equal(1, p.Dnum);
        Assert.True(Product(p.P) > Product(p.Q));
        Assert.Equal(Math.ScaleB(1.0, 30), p.DefaultScale);
    }

    [Fact]
    public void Create_SpecialPrimeCount_SplitsTheCoverAcrossThatManyPrimes()
    {
        var p = CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 12, LogQ = [50, 40, 40, 40], SpecialPrimeCount = 3, Dnum = 1, SecurityLevel = SecurityLevel.None,
        });
        Assert.Equal(3, p.PCount);
        Assert.True(Product(p.P) > Product(p.Q));
    }

    [Fact]
    public void Create_OverBound_MessageNamesBitsAndBound()
    {
        var error = Assert.Throws<ArgumentException>(() => CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 12, LogQ = [40, 40], LogP = [40],
        }));
        Assert.Contains("120 bits", error.Message);
        Assert.Contains("109-bit bound", error.Message);
        Assert.Contains("128-bit", error.Message);
    }

    [Fact]
    public void Create_AutomaticNothingFits_ExplainsTheBudget()
    {
        var error = Assert.Throws<ArgumentException>(() => CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 12, LogQ = [50, 50],
        }));
        Assert.Contains("log2(Q) = 100 bits", error.Message);
        Assert.Contains("109", error.Message);
    }

    public static TheoryData<string, CkksParametersLiteral, string> InvalidLiterals()
    {
        ulong[] good = NttPrimes.Generate(2048, [40, 30]);
        ulong notFriendly = good[0] + 2;
        while (!NttPrimes.IsPrime(notFriendly))
        {
            notFriendly += 2;
        }

        ulong composite = good[0] + 4096 * 3;
        while (NttPrimes.IsPrime(composite))
        {
            composite += 4096;
        }

        var none = new CkksParametersLiteral { LogN = 11, SecurityLevel = SecurityLevel.None };
        return new TheoryData<string, CkksParametersLiteral, string>
        {
            { "both Q and LogQ", none with { Q = good, LogQ = [40] }, "Both Q and LogQ" },
            { "both LogN and N", none with { N = 2048, LogQ = [40] }, "Both LogN" },
            { "no N", new CkksParametersLiteral { LogQ = [40] }, "ring degree is missing" },
            { "no chain", none, "data chain is missing" },
            { "N not a power of two", new CkksParametersLiteral { N = 3000, LogQ = [40] }, "N = 3000" },
            { "LogN too large", new CkksParametersLiteral { LogN = 18, LogQ = [40] }, "LogN = 18" },
            { "duplicate primes", none with { Q = [good[0], good[1], good[0]] }, "Q[0] and Q[2] are both" },
            { "special equals data", none with { Q = good, P = [good[1]] }, "P[0] and Q[1] are both" },
            { "not NTT-friendly", none with { Q = [good[0], notFriendly] }, "is not 1 mod 2N = 4096" },
            { "composite", none with { Q = [good[0], composite] }, "is not prime" },
            { "prime too large", none with { Q = [(1UL << 62) + 1] }, "at most 61" },
            { "bit size too small", none with { LogQ = [40, 10] }, "LogQ[1] = 10 bits" },
            { "P and LogP", none with { LogQ = [40], P = [good[1]], LogP = [40] }, "More than one of P, LogP" },
            { "dnum zero", none with { LogQ = [40, 30], Dnum = 0 }, "Dnum = 0" },
            { "dnum above L+1", none with { LogQ = [40, 30], Dnum = 3 }, "L+1 = 2" },
            { "scale too large", none with { LogQ = [40, 30], LogDefaultScale = 40 }, "too large for q_0" },
            { "both scales", none with { LogQ = [40], LogDefaultScale = 20, DefaultScale = 1e6 }, "Both DefaultScale" },
            { "NaN scale", none with { LogQ = [40], DefaultScale = double.NaN }, "DefaultScale = NaN" },
            { "special count zero", none with { LogQ = [40], SpecialPrimeCount = 0 }, "SpecialPrimeCount = 0" },
            { "special count too small", none with { LogQ = [60, 60], Dnum = 1, SpecialPrimeCount = 1 }, "Dnum = 1" },
            { "undefined security", none with { LogQ = [40], SecurityLevel = (SecurityLevel)7 }, "SecurityLevel = 7" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidLiterals))]
    public void Create_InvalidLiteral_ThrowsWithMessage(string because, CkksParametersLiteral literal, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => CkksParameters.Create(literal));
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{because}: '{error.Message}' lacks '{expected}'");
    }

    [Fact]
    public void Create_Null_Throws() => Assert.Throws<ArgumentNullException>(() => CkksParameters.Create(null!));

    [Fact]
    public void ToLiteral_RoundTrips_AndEqualityIsByValue()
    {
        var a = CkksParameters.Create(CkksPresets.ReferencePaperHybrid);
        var b = CkksParameters.Create(a.ToLiteral());
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a.Fingerprint.SequenceEqual(b.Fingerprint));

        var c = CkksParameters.Create(a.ToLiteral() with { DefaultScale = null, LogDefaultScale = 25 });
        Assert.NotEqual(a, c);
        Assert.True(a != c);
        Assert.False(a.Fingerprint.SequenceEqual(c.Fingerprint));
    }

    [Fact]
    public void ToString_NamesTheShape()
    {
        string text = CkksParameters.Create(CkksPresets.ReferencePaper).ToString();
        Assert.Contains("N = 2^14", text);
        Assert.Contains("dnum = 12", text);
        Assert.Contains("log2(QP) = 366", text);
    }
}
