using System.Runtime.InteropServices;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Sampling;
using Xunit;

namespace CkksRns.Ckks.Tests;

public sealed class KeySwitchingTests
{
    private static readonly ulong[] Chain = CkksParameters.Create(new CkksParametersLiteral
    {
        LogN = 11, LogQ = [50, 35, 35, 35, 35], SecurityLevel = SecurityLevel.None, Dnum = 1,
    }).Q.ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void EveryDnum_MultiplyRelinearizeRotate_WithinTheSameBound(int dnum)
    {
        var context = new CkksContext(CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 11, Q = Chain, Dnum = dnum, LogDefaultScale = 35, SecurityLevel = SecurityLevel.None,
        }));
        int digitSize = (5 + dnum - 1) / dnum;
        Assert.Equal((5 + digitSize - 1) / digitSize, context.Parameters.Dnum); // dnum = 4 gives digits of 2 primes: 3 digits
        var encoder = new CkksEncoder(context);
        var generator = new KeyGenerator(context);
        var encryptor = new Encryptor(context, generator.CreatePublicKey());
        var decryptor = new Decryptor(context, generator.SecretKey);
        var evaluator = new Evaluator(context, generator.CreateRelinearizationKey(), generator.CreateGaloisKeys([1, 5], includeConjugation: true));
        var random = new Random(dnum);
        double[] a = Enumerable.Range(0, 1024).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] b = Enumerable.Range(0, 1024).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double scale = context.Parameters.DefaultScale;
        double bound = 8 * Math.ScaleB(1.0, 11 + 4) / scale;
        foreach (int level in new[] { context.MaxLevel, 2, 1 })
        {
            Ciphertext ca = encryptor.Encrypt(encoder.Encode(a, level, scale));
            Ciphertext cb = encryptor.Encrypt(encoder.Encode(b, level, scale));
            Ciphertext product = evaluator.Rescale(evaluator.MultiplyRelinearize(ca, cb));
            Oracle.AssertClose(Oracle.Map(a, b, (p, q) => p * q), encoder.DecodeReal(decryptor.Decrypt(product)), bound, $"dnum {dnum} level {level} product");
            Ciphertext rotated = evaluator.Rotate(ca, 5);
            Oracle.AssertClose(Oracle.Rotate(a, 5), encoder.DecodeReal(decryptor.Decrypt(rotated)), bound, $"dnum {dnum} level {level} rotation");
            Ciphertext hoisted = evaluator.RotateHoisted(ca, [1, 5])[0];
            Oracle.AssertClose(Oracle.Rotate(a, 1), encoder.DecodeReal(decryptor.Decrypt(hoisted)), bound, $"dnum {dnum} level {level} hoisted");
        }
    }

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void DecomposeInnerProduct_IsBitIdenticalToTheTwoSteps(string name)
    {
        TestSetup setup = TestSetup.ByName(name);
        AssertFusedSwitchMatches(setup.Context, setup.RelinearizationKey.Key, seed: name.Length);
    }

    [Fact]
    public void DecomposeInnerProduct_WidePrimesAndParallel_IsBitIdenticalToTheTwoSteps()
    {
        // Primes above 2^50 take the 128-bit sums; 40-bit primes the floating-point ones; two-prime digits the rows.
        var context = new CkksContext(CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 11, LogQ = [58, 55, 55, 40, 40], LogP = [60, 60], Dnum = 3, LogDefaultScale = 40, SecurityLevel = SecurityLevel.None,
        }), maxDegreeOfParallelism: 1);
        RelinearizationKey key = new KeyGenerator(context).CreateRelinearizationKey();
        AssertFusedSwitchMatches(context, key.Key, seed: 3);
        context.MaxDegreeOfParallelism = 3;
        AssertFusedSwitchMatches(context, key.Key, seed: 4);
    }

    private static void AssertFusedSwitchMatches(CkksContext context, KeySwitchingKey key, int seed)
    {
        var switcher = new KeySwitcher(context);
        var random = new Random(seed);
        foreach (int level in new[] { context.MaxLevel, context.MaxLevel / 2, 0 }.Distinct())
        {
            var c = new RnsPoly(context.RingQ, level + 1, isNttForm: true);
            for (int i = 0; i <= level; i++)
            {
                ulong q = context.RingQ.Moduli[i].Value;
                Span<ulong> limb = c.Limb(i);
                for (int x = 0; x < limb.Length; x++)
                {
                    limb[x] = (ulong)random.NextInt64((long)q);
                }
            }

            KeySwitcher.Scratch twoSteps = switcher.Rent(), fused = switcher.Rent();
            switcher.Decompose(c, level, twoSteps);
            switcher.InnerProduct(twoSteps, key);
            switcher.DecomposeInnerProduct(c, level, fused, key);
            int k = context.Parameters.PCount;
            for (int i = 0; i <= level; i++)
            {
                Assert.True(twoSteps.Acc0Q.Limb(i).SequenceEqual(fused.Acc0Q.Limb(i)), $"level {level}: b-sum limb {i} differs");
                Assert.True(twoSteps.Acc1Q.Limb(i).SequenceEqual(fused.Acc1Q.Limb(i)), $"level {level}: a-sum limb {i} differs");
            }

            for (int i = 0; i < k; i++)
            {
                Assert.True(twoSteps.Acc0P.Limb(i).SequenceEqual(fused.Acc0P.Limb(i)), $"level {level}: b-sum special limb {i} differs");
                Assert.True(twoSteps.Acc1P.Limb(i).SequenceEqual(fused.Acc1P.Limb(i)), $"level {level}: a-sum special limb {i} differs");
            }

            switcher.Return(twoSteps);
            switcher.Return(fused);
        }
    }

    [Fact]
    public void ParallelAndSequential_GiveIdenticalCiphertexts()
    {
        var context = new CkksContext(CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 12, LogQ = [50, 40, 40, 40, 40, 40], Dnum = 3, LogDefaultScale = 40, SecurityLevel = SecurityLevel.None,
        }), maxDegreeOfParallelism: 1);
        var encoder = new CkksEncoder(context);
        var generator = new KeyGenerator(context);
        var encryptor = new Encryptor(context, generator.SecretKey);
        var evaluator = new Evaluator(context, generator.CreateRelinearizationKey(), generator.CreateGaloisKeys([3, 1, 5], includeConjugation: true));
        var random = new Random(21);
        double[] a = Enumerable.Range(0, 2048).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        Ciphertext c = encryptor.Encrypt(encoder.Encode(a));

        Ciphertext[] Run()
        {
            Ciphertext product = evaluator.Rescale(evaluator.MultiplyRelinearize(c, c));
            return [product, evaluator.Rotate(c, 3), evaluator.Conjugate(c), evaluator.Multiply(c, 0.75), .. evaluator.RotateHoisted(c, [3, 0, 1, 5])];
        }

        Ciphertext[] sequential = Run();
        context.MaxDegreeOfParallelism = 4;
        Ciphertext[] parallel = Run();
        Assert.Equal(4, context.MaxDegreeOfParallelism);
        for (int i = 0; i < sequential.Length; i++)
        {
            Assert.Equal(sequential[i].Level, parallel[i].Level);
            Assert.Equal(sequential[i].Scale, parallel[i].Scale);
            for (int p = 0; p < sequential[i].Size; p++)
            {
                Assert.True(sequential[i][p].ContentEquals(parallel[i][p]), $"result {i}, polynomial {p} differs");
            }
        }
    }

    [Fact]
    public void Evaluator_UsedFromManyThreads_GivesCorrectResults()
    {
        TestSetup t = TestSetup.Hybrid;
        var random = new Random(31);
        double[][] inputs = Enumerable.Range(0, 8)
            .Select(_ => Enumerable.Range(0, t.Slots).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
        Ciphertext[] encrypted = inputs.Select(v => t.Encrypt(v)).ToArray();
        var results = new Ciphertext[inputs.Length];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            Ciphertext x = t.Evaluator.MultiplyRelinearize(encrypted[i], encrypted[i]);
            t.Evaluator.Rescale(x, x);
            results[i] = t.Evaluator.Rotate(x, i + 1);
        });
        for (int i = 0; i < inputs.Length; i++)
        {
            double[] expected = Oracle.Rotate(inputs[i].Select(v => v * v).ToArray(), i + 1);
            Oracle.AssertClose(expected, t.Decrypt(results[i]), Oracle.Bound(t, 8), $"thread {i}");
        }
    }

    [Fact]
    public void SymmetricCiphertext_SecondPolynomialIsTheSeedExpansion()
    {
        TestSetup t = TestSetup.SmallPrimes;
        Ciphertext c = t.SymmetricEncryptor.Encrypt(t.Encoder.Encode([1.0, 2.0], 2, t.Scale));
        Assert.NotNull(c.Seed);
        var expanded = new RnsPoly(t.Context.RingQ, 3, isNttForm: true);
        using (RandomSource source = RandomSource.FromSeed(c.Seed))
        {
            new UniformSampler(source).Sample(expanded);
        }

        Assert.True(expanded.ContentEquals(c[1]));
    }

    [Fact]
    public void Keys_AreSeeded_AndPublicKeyMatchesItsSeed()
    {
        TestSetup t = TestSetup.Hybrid;
        var a = new RnsPoly(t.Context.RingQ, t.Context.Parameters.QCount, isNttForm: true);
        using (RandomSource source = RandomSource.FromSeed(t.PublicKey.Seed))
        {
            new UniformSampler(source).Sample(a);
        }

        Assert.True(a.ContentEquals(t.PublicKey.A));
        KeySwitchingKey relin = t.RelinearizationKey.Key;
        Assert.Equal(t.Context.Parameters.Dnum, relin.DigitCount);
        var a1 = new RnsPoly(t.Context.RingQ, t.Context.Parameters.QCount, isNttForm: true);
        using (RandomSource source = RandomSource.FromSeed(relin.Seed, 1))
        {
            new UniformSampler(source).Sample(a1);
        }

        Assert.True(a1.ContentEquals(relin.AQ(1)));
    }

    [Fact]
    public void GaloisKeys_DefaultSet_HasPowersOfTwoBothWaysAndConjugation()
    {
        TestSetup t = TestSetup.Hybrid;
        int logSlots = 10;
        Assert.Equal(2 * logSlots - 1 + 1, t.GaloisKeys.GaloisElements.Count); // ±2^(logSlots-1) coincide
        for (int i = 0; i < logSlots; i++)
        {
            Assert.True(t.GaloisKeys.ContainsRotation(1 << i));
            Assert.True(t.GaloisKeys.ContainsRotation(-(1 << i)));
        }

        Assert.True(t.GaloisKeys.Contains(t.Context.ConjugationGaloisElement));
        Assert.False(t.GaloisKeys.ContainsRotation(3));
        Assert.Throws<ArgumentException>(() => t.Generator.CreateGaloisKeysForElements([4]));
    }

    [Fact]
    public void SecretKey_Dispose_ZeroesMemoryAndBlocksUse()
    {
        var context = TestSetup.Hybrid.Context;
        var generator = new KeyGenerator(context);
        SecretKey key = generator.SecretKey;
        RnsPoly q = key.Q, p = key.P;
        Assert.Contains(q.Coefficients.ToArray(), x => x != 0);
        key.Dispose();
        Assert.True(key.IsDisposed);
        Assert.All(q.Coefficients.ToArray(), x => Assert.Equal(0UL, x));
        Assert.All(p.Coefficients.ToArray(), x => Assert.Equal(0UL, x));
        Assert.Throws<ObjectDisposedException>(() => generator.CreatePublicKey());
        Assert.Throws<ObjectDisposedException>(() => new KeyGenerator(context, key));
        key.Dispose(); // idempotent
    }

    [Fact]
    public void SecretKey_IsTernary()
    {
        var context = TestSetup.SmallPrimes.Context;
        using SecretKey key = new KeyGenerator(context).SecretKey;
        RnsPoly s = key.Q.Clone();
        s.FromNtt();
        var coefficients = new System.Numerics.BigInteger[context.N];
        s.GetCoefficients(coefficients);
        Assert.All(coefficients, c => Assert.InRange((long)c, -1, 1));
        // Roughly a third of each value (N = 4096: a deviation of 300 is over 9 standard deviations).
        foreach (int v in new[] { -1, 0, 1 })
        {
            Assert.InRange(coefficients.Count(c => c == v), context.N / 3 - 300, context.N / 3 + 300);
        }
    }
}
