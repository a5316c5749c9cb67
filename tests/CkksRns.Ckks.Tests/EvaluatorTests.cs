using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using CkksRns.Ckks.Tests.Serialization;
using Xunit;

namespace CkksRns.Ckks.Tests;

public sealed class EvaluatorTests
{
    private static Config Few(int count = 6) => Config.QuickThrowOnFailure.WithMaxTest(count);

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void Encrypt_Decrypt_PublicAndSecretKey_WithinBound(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        var gen = from v in t.Vector() from level in Gen.Choose(0, t.Context.MaxLevel) select (v, level);
        Check.One(Few(), Prop.ForAll(gen.ToArbitrary(), x =>
        {
            Plaintext pt = t.Encoder.Encode(x.v, x.level, t.Scale);
            Ciphertext pk = t.Encryptor.Encrypt(pt);
            Ciphertext sk = t.SymmetricEncryptor.Encrypt(pt);
            Assert.Equal(x.level, pk.Level);
            Assert.Equal(t.Scale, pk.Scale);
            Assert.Equal(2, pk.Size);
            Oracle.AssertClose(x.v, t.Decrypt(pk), Oracle.Bound(t, 1), "public-key");
            Oracle.AssertClose(x.v, t.Decrypt(sk), Oracle.Bound(t, 1), "secret-key");
            Assert.NotNull(sk.Seed);
            Assert.Null(pk.Seed);
        }));
    }

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void AddSubtractNegate_AllOperandKinds_MatchPlaintext(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        var gen = from a in t.Vector() from b in t.Vector() from c in Gen.Choose(-1000, 1000) select (a, b, c / 500.0);
        Check.One(Few(), Prop.ForAll(gen.ToArbitrary(), x =>
        {
            Evaluator ev = t.Evaluator;
            Ciphertext ca = t.Encrypt(x.a), cb = t.Encrypt(x.b);
            Plaintext pb = t.Encoder.Encode(x.b);
            double bound = Oracle.Bound(t, 2);
            Oracle.AssertClose(Oracle.Map(x.a, x.b, (p, q) => p + q), t.Decrypt(ev.Add(ca, cb)), bound, "ct+ct");
            Oracle.AssertClose(Oracle.Map(x.a, x.b, (p, q) => p - q), t.Decrypt(ev.Subtract(ca, cb)), bound, "ct-ct");
            Oracle.AssertClose(Oracle.Map(x.a, x.b, (p, q) => p + q), t.Decrypt(ev.Add(ca, pb)), bound, "ct+pt");
            Oracle.AssertClose(Oracle.Map(x.a, x.b, (p, q) => p - q), t.Decrypt(ev.Subtract(ca, pb)), bound, "ct-pt");
            Oracle.AssertClose(x.a.Select(p => p + x.Item3).ToArray(), t.Decrypt(ev.Add(ca, x.Item3)), bound, "ct+const");
            Oracle.AssertClose(x.a.Select(p => p - x.Item3).ToArray(), t.Decrypt(ev.Subtract(ca, x.Item3)), bound, "ct-const");
            Oracle.AssertClose(x.a.Select(p => -p).ToArray(), t.Decrypt(ev.Negate(ca)), bound, "-ct");

            // In place: destination = first operand.
            Ciphertext copy = ca.Clone();
            ev.Add(copy, cb, copy);
            Oracle.AssertClose(Oracle.Map(x.a, x.b, (p, q) => p + q), t.Decrypt(copy), bound, "in-place ct+ct");
            ev.Subtract(cb, copy, copy);
            Oracle.AssertClose(x.a.Select(p => -p).ToArray(), t.Decrypt(copy), Oracle.Bound(t, 3), "in-place b-(a+b)");
        }));
    }

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void Multiply_RelinearizeRescale_MatchesPlaintextProduct(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        var gen = from a in t.Vector() from b in t.Vector() from level in Gen.Choose(1, t.Context.MaxLevel) select (a, b, level);
        Check.One(Few(), Prop.ForAll(gen.ToArbitrary(), x =>
        {
            Evaluator ev = t.Evaluator;
            Ciphertext ca = t.Encrypt(x.a, x.level), cb = t.Encrypt(x.b, x.level);
            double[] expected = Oracle.Map(x.a, x.b, (p, q) => p * q);
            Ciphertext product = ev.Multiply(ca, cb);
            Assert.Equal(3, product.Size);
            Assert.Equal(t.Scale * t.Scale, product.Scale);
            Oracle.AssertClose(expected, t.Decrypt(product), Oracle.Bound(t, 2), "size-3 product");
            Ciphertext relinearized = ev.Relinearize(product);
            Assert.Equal(2, relinearized.Size);
            Oracle.AssertClose(expected, t.Decrypt(relinearized), Oracle.Bound(t, 3), "relinearized");
            Ciphertext rescaled = ev.Rescale(relinearized);
            Assert.Equal(x.level - 1, rescaled.Level);
            Assert.Equal(t.Scale * t.Scale / t.Context.Parameters.Q[x.level], rescaled.Scale);
            Oracle.AssertClose(expected, t.Decrypt(rescaled), Oracle.Bound(t, 4), "rescaled");

            Ciphertext fused = ev.MultiplyRelinearize(ca, cb);
            ev.Rescale(fused, fused);
            Oracle.AssertClose(expected, t.Decrypt(fused), Oracle.Bound(t, 4), "MultiplyRelinearize");
            Ciphertext square = ev.Rescale(ev.Relinearize(ev.Square(ca)));
            Oracle.AssertClose(x.a.Select(p => p * p).ToArray(), t.Decrypt(square), Oracle.Bound(t, 4), "square");

            // Aliasing: product written over its first operand.
            Ciphertext alias = ca.Clone();
            ev.Multiply(alias, cb, alias);
            ev.Relinearize(alias, alias);
            Oracle.AssertClose(expected, t.Decrypt(alias), Oracle.Bound(t, 3), "aliased multiply");
        }));
    }

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void Multiply_Size3BySize2_DecryptsAndRelinearizesWithTheCubeKey(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        RelinearizationKey cubeKey = t.Generator.CreateRelinearizationKey(4);
        Assert.Equal(4, cubeKey.MaxCiphertextSize);
        var ev = new Evaluator(t.Context, cubeKey);
        // The product's scale Δ³ must fit the modulus at its level (with room for the values): the lowest such level and up.
        int lowest = 0;
        for (double bits = Math.Log2(t.Context.Parameters.Q[0]); bits < (3 * Math.Log2(t.Scale)) + 8; bits += Math.Log2(t.Context.Parameters.Q[lowest]))
        {
            lowest++;
        }

        var gen = from a in t.Vector() from b in t.Vector() from c in t.Vector() from level in Gen.Choose(lowest, t.Context.MaxLevel) select (a, b, c, level);
        Check.One(Few(4), Prop.ForAll(gen.ToArbitrary(), x =>
        {
            Ciphertext ca = t.Encrypt(x.a, x.level), cb = t.Encrypt(x.b, x.level), cc = t.Encrypt(x.c, x.level);
            double[] expected = x.a.Select((p, i) => p * x.b[i] * x.c[i]).ToArray();
            double cube = t.Scale * t.Scale * t.Scale;
            Ciphertext ab = ev.Multiply(ca, cb);
            Ciphertext abc = ev.Multiply(ab, cc);
            Assert.Equal(4, abc.Size);
            Assert.Equal(cube, abc.Scale);
            Oracle.AssertClose(expected, t.Decrypt(abc), Oracle.Bound(t, 3), "size-4 product");

            // The operand order and an aliased destination give the same ciphertext.
            Ciphertext cab = ev.Multiply(cc, ab);
            Ciphertext inPlace = ab.Clone();
            ev.Multiply(inPlace, cc, inPlace);
            CkksSerializerRoundTripTests.AssertSameCiphertext(abc, cab);
            CkksSerializerRoundTripTests.AssertSameCiphertext(abc, inPlace);

            Ciphertext relinearized = ev.Relinearize(abc);
            Assert.Equal(2, relinearized.Size);
            Oracle.AssertClose(expected, t.Decrypt(relinearized), Oracle.Bound(t, 4), "relinearized from size 4");
            Ciphertext rescaled = ev.Rescale(relinearized);
            Oracle.AssertClose(expected, t.Decrypt(rescaled), Oracle.Bound(t, 5), "rescaled");

            // A size-3 ciphertext still relinearizes with the same key.
            Oracle.AssertClose(Oracle.Map(x.a, x.b, (p, q) => p * q), t.Decrypt(ev.Relinearize(ab)), Oracle.Bound(t, 3), "size 3 with the cube key");
        }));

        double[] v = [0.5, -0.25];
        Ciphertext three = t.Evaluator.Multiply(t.Encrypt(v), t.Encrypt(v));
        Ciphertext four = t.Evaluator.Multiply(three, t.Encrypt(v));
        var missing = Assert.Throws<InvalidOperationException>(() => t.Evaluator.Relinearize(four));
        Assert.Contains("CreateRelinearizationKey(4)", missing.Message);
        Assert.Contains("size 3 at most", missing.Message);
        var tooLarge = Assert.Throws<ArgumentException>(() => ev.Multiply(three, three));
        Assert.Contains("sizes 3 and 3", tooLarge.Message);
        Assert.Throws<ArgumentException>(() => ev.Multiply(four, t.Encrypt(v)));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Generator.CreateRelinearizationKey(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Generator.CreateRelinearizationKey(2));
    }

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void MultiplyPlainAndConstants_MatchPlaintext(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        var gen = from a in t.Vector() from b in t.Vector() from c in Gen.Choose(-1000, 1000) from level in Gen.Choose(1, t.Context.MaxLevel)
                  select (a, b, c / 300.0, level);
        Check.One(Few(), Prop.ForAll(gen.ToArbitrary(), x =>
        {
            Evaluator ev = t.Evaluator;
            Ciphertext ca = t.Encrypt(x.a, x.level);
            Plaintext pb = t.Encoder.Encode(x.b, t.Context.MaxLevel, t.Scale); // plaintext above the ciphertext's level is fine
            Ciphertext plain = ev.Rescale(ev.Multiply(ca, pb));
            Oracle.AssertClose(Oracle.Map(x.a, x.b, (p, q) => p * q), t.Decrypt(plain), Oracle.Bound(t, 2), "ct*pt");

            Ciphertext constant = ev.Multiply(ca, x.Item3);
            Assert.Equal(t.Scale * t.Context.Parameters.Q[x.level], constant.Scale);
            ev.Rescale(constant, constant);
            Assert.Equal(t.Scale, constant.Scale, 6);
            double cBound = Oracle.Bound(t, 2) * Math.Max(1, Math.Abs(x.Item3));
            Oracle.AssertClose(x.a.Select(p => p * x.Item3).ToArray(), t.Decrypt(constant), cBound, "ct*const");

            Ciphertext integer = ev.MultiplyByInteger(ca, -3);
            Assert.Equal(t.Scale, integer.Scale);
            Assert.Equal(x.level, integer.Level);
            Oracle.AssertClose(x.a.Select(p => -3 * p).ToArray(), t.Decrypt(integer), 3 * Oracle.Bound(t, 1), "ct*int");

            // Complex constant: i·a then conjugate-free check through the complex decoder.
            var value = new Complex(0.5, -1.25);
            Ciphertext complexProduct = ev.Rescale(ev.Multiply(ca, value));
            Complex[] decoded = t.Encoder.Decode(t.Decryptor.Decrypt(complexProduct));
            Oracle.AssertClose(x.a.Select(p => p * value).ToArray(), decoded, 2 * Oracle.Bound(t, 2), "ct*complex");
            Ciphertext complexSum = ev.Add(ca, value);
            Oracle.AssertClose(x.a.Select(p => p + value).ToArray(), t.Encoder.Decode(t.Decryptor.Decrypt(complexSum)), Oracle.Bound(t, 1), "ct+complex");
        }));
    }

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void Rotate_RandomSteps_DirectAndComposed_MatchPlaintext(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        var gen = from a in t.Vector() from step in Gen.Choose(-t.Slots, t.Slots) select (a, step);
        Check.One(Few(8), Prop.ForAll(gen.ToArbitrary(), x =>
        {
            Ciphertext ca = t.Encrypt(x.a);
            Ciphertext rotated = t.Evaluator.Rotate(ca, x.step);
            // Composed steps use up to log2(N/2) key switches.
            int switches = Math.Max(1, BitOperations.PopCount((uint)(((x.step % t.Slots) + t.Slots) % t.Slots)));
            Oracle.AssertClose(Oracle.Rotate(x.a, x.step), t.Decrypt(rotated), Oracle.Bound(t, 1 + switches), $"rotate {x.step}");

            // In place (the destination is the input) gives the same ciphertext.
            Ciphertext inPlace = ca.Clone();
            t.Evaluator.Rotate(inPlace, x.step, inPlace);
            for (int p = 0; p < 2; p++)
            {
                Assert.Equal(rotated[p].Coefficients.ToArray(), inPlace[p].Coefficients.ToArray());
            }
        }));
    }

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void RotateHoisted_MatchesSeparateRotations(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        var random = new Random(7);
        double[] a = Enumerable.Range(0, t.Slots).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        Ciphertext ca = t.Encrypt(a, t.Context.MaxLevel - 1);
        int[] steps = [1, -1, 2, 4, -8, 0, 3, 16];
        Ciphertext[] hoisted = t.Evaluator.RotateHoisted(ca, steps);
        for (int i = 0; i < steps.Length; i++)
        {
            int switches = Math.Max(1, BitOperations.PopCount((uint)(((steps[i] % t.Slots) + t.Slots) % t.Slots)));
            Oracle.AssertClose(Oracle.Rotate(a, steps[i]), t.Decrypt(hoisted[i]), Oracle.Bound(t, 1 + switches), $"hoisted {steps[i]}");
            Assert.Equal(ca.Level, hoisted[i].Level);
        }

        // One destination may be the input itself.
        Ciphertext input = ca.Clone();
        var destinations = new[] { input, new Ciphertext(t.Context) };
        t.Evaluator.RotateHoisted(input, [1, 2], destinations);
        Oracle.AssertClose(Oracle.Rotate(a, 1), t.Decrypt(destinations[0]), Oracle.Bound(t, 2), "aliased hoisted 1");
        Oracle.AssertClose(Oracle.Rotate(a, 2), t.Decrypt(destinations[1]), Oracle.Bound(t, 2), "aliased hoisted 2");
    }

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void Conjugate_ComplexSlots_MatchesConjugate(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        var random = new Random(8);
        Complex[] a = Enumerable.Range(0, t.Slots).Select(_ => new Complex(random.NextDouble() - 0.5, random.NextDouble() - 0.5)).ToArray();
        Ciphertext ca = t.Encryptor.Encrypt(t.Encoder.Encode(a));
        Complex[] decoded = t.Encoder.Decode(t.Decryptor.Decrypt(t.Evaluator.Conjugate(ca)));
        Oracle.AssertClose(a.Select(Complex.Conjugate).ToArray(), decoded, Oracle.Bound(t, 2), "conjugate");
    }

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void InnerSum_RandomBatchAndCount_MatchesPlaintextSums(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        var gen = from a in t.Vector(0.1)
                  from logBatch in Gen.Choose(0, 4)
                  from count in Gen.Choose(1, 40)
                  select (a, batch: 1 << logBatch, count);
        Check.One(Few(4), Prop.ForAll(gen.ToArbitrary(), x =>
        {
            Ciphertext sum = t.Evaluator.InnerSum(t.Encrypt(x.a), x.batch, x.count);
            double[] expected = Enumerable.Range(0, t.Slots)
                .Select(j => Enumerable.Range(0, x.count).Sum(k => x.a[(j + k * x.batch) % t.Slots])).ToArray();
            // Up to 2·log2(count) rotations, each composed from up to log2(N/2) keys; values up to 0.1·count.
            Oracle.AssertClose(expected, t.Decrypt(sum), Oracle.Bound(t, 40), $"inner sum batch {x.batch} count {x.count}");
        }));
    }

    [Fact]
    public void RotateAndSum_EverySlotHoldsTheTotal()
    {
        TestSetup t = TestSetup.Hybrid;
        var random = new Random(11);
        double[] a = Enumerable.Range(0, t.Slots).Select(_ => random.NextDouble() / t.Slots).ToArray();
        double total = a.Sum();
        Oracle.AssertClose(Enumerable.Repeat(total, t.Slots).ToArray(), t.Decrypt(t.Evaluator.RotateAndSum(t.Encrypt(a))), Oracle.Bound(t, 30), "rotate and sum");
    }

    [Theory]
    [MemberData(nameof(TestSetup.Names), MemberType = typeof(TestSetup))]
    public void DropLevel_KeepsValuesAndScale(string name)
    {
        TestSetup t = TestSetup.ByName(name);
        var random = new Random(12);
        double[] a = Enumerable.Range(0, t.Slots).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        Ciphertext ca = t.Encrypt(a);
        Ciphertext dropped = t.Evaluator.DropLevel(ca, 2);
        Assert.Equal(ca.Level - 2, dropped.Level);
        Assert.Equal(ca.Scale, dropped.Scale);
        Oracle.AssertClose(a, t.Decrypt(dropped), Oracle.Bound(t, 1), "drop 2");
        t.Evaluator.DropToLevel(ca, 0, ca);
        Assert.Equal(0, ca.Level);
        Oracle.AssertClose(a, t.Decrypt(ca), Oracle.Bound(t, 1), "drop to 0");
    }

    [Fact]
    public void DeepCircuit_PowerOf8_UsesThreeLevels()
    {
        TestSetup t = TestSetup.Hybrid;
        var random = new Random(13);
        double[] a = Enumerable.Range(0, t.Slots).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        Ciphertext c = t.Encrypt(a);
        for (int i = 0; i < 3; i++)
        {
            t.Evaluator.MultiplyRelinearize(c, c, c);
            t.Evaluator.Rescale(c, c);
        }

        Assert.Equal(0, c.Level);
        Oracle.AssertClose(a.Select(v => Math.Pow(v, 8)).ToArray(), t.Decrypt(c), Oracle.Bound(t, 16), "x^8");
    }

    [Fact]
    public void MatchLevelsAndScales_ThenAdd_MatchesPlaintext()
    {
        TestSetup t = TestSetup.Hybrid;
        var random = new Random(14);
        double[] a = Enumerable.Range(0, t.Slots).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] b = Enumerable.Range(0, t.Slots).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        Ciphertext ab = t.Evaluator.Rescale(t.Evaluator.MultiplyRelinearize(t.Encrypt(a), t.Encrypt(b))); // level L-1, scale Δ²/q_L
        Ciphertext c = t.Encrypt(a); // level L, scale Δ
        Assert.Throws<ArgumentException>(() => t.Evaluator.Add(ab, c));
        t.Evaluator.MatchLevelsAndScales(ab, c);
        Assert.Equal(ab.Level, c.Level);
        Assert.Equal(ab.Scale, c.Scale);
        Oracle.AssertClose(Oracle.Map(a, b, (p, q) => p * q + p), t.Decrypt(t.Evaluator.Add(ab, c)), Oracle.Bound(t, 8), "matched add");

        // Integer ratio: no level used.
        Ciphertext x = t.Encrypt(a), y = t.Encrypt(b, scale: 4 * t.Scale);
        t.Evaluator.MatchLevelsAndScales(x, y);
        Assert.Equal(t.Context.MaxLevel, x.Level);
        Oracle.AssertClose(Oracle.Map(a, b, (p, q) => p + q), t.Decrypt(t.Evaluator.Add(x, y)), Oracle.Bound(t, 8), "integer ratio");
    }

    [Fact]
    public void Mismatches_ThrowWithGuidance()
    {
        TestSetup t = TestSetup.Hybrid;
        Evaluator ev = t.Evaluator;
        double[] v = [0.5, 0.25];
        Ciphertext top = t.Encrypt(v), lower = t.Encrypt(v, t.Context.MaxLevel - 1);
        var level = Assert.Throws<ArgumentException>(() => ev.Add(top, lower));
        Assert.Contains("Level mismatch", level.Message);
        Assert.Contains("DropLevel", level.Message);
        Assert.Throws<ArgumentException>(() => ev.Multiply(top, lower));
        var scale = Assert.Throws<ArgumentException>(() => ev.Add(top, t.Encrypt(v, scale: t.Scale * 2)));
        Assert.Contains("Scale mismatch", scale.Message);
        Assert.Throws<ArgumentException>(() => ev.Add(top, t.Encoder.Encode(v, t.Context.MaxLevel, t.Scale * 2)));
        var plainLevel = Assert.Throws<ArgumentException>(() => ev.Multiply(top, t.Encoder.Encode(v, 0, t.Scale)));
        Assert.Contains("plaintext is at level 0", plainLevel.Message);
        Ciphertext three = ev.Multiply(top, top);
        Assert.Contains("Relinearize", Assert.Throws<ArgumentException>(() => ev.Rotate(three, 1)).Message);
        Assert.Throws<ArgumentException>(() => ev.Multiply(three, three));
        Assert.Contains("level 0", Assert.Throws<InvalidOperationException>(() => ev.Rescale(t.Encrypt(v, 0))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ev.DropLevel(lower, t.Context.MaxLevel));
        Assert.Throws<ArgumentNullException>(() => ev.Add(top, (Ciphertext)null!));

        var bare = new Evaluator(t.Context);
        Assert.Contains("relinearization key", Assert.Throws<InvalidOperationException>(() => bare.Relinearize(three)).Message);
        Assert.Contains("Galois keys", Assert.Throws<InvalidOperationException>(() => bare.Rotate(top, 1)).Message);
        var onlyOne = new Evaluator(t.Context, galoisKeys: t.Generator.CreateGaloisKeys([2]));
        Assert.Contains("cannot be composed", Assert.Throws<InvalidOperationException>(() => onlyOne.Rotate(top, 1)).Message);
        Assert.Contains("conjugation", Assert.Throws<InvalidOperationException>(() => onlyOne.Conjugate(top)).Message);

        TestSetup other = TestSetup.SealLayout;
        Assert.Throws<ArgumentException>(() => ev.Add(top, other.Encrypt(v)));
    }

    [Fact]
    public void Operations_DoNotModifyInputs_AndClearSeed()
    {
        TestSetup t = TestSetup.SmallPrimes;
        double[] v = [0.5, -0.25, 0.125];
        Ciphertext a = t.SymmetricEncryptor.Encrypt(t.Encoder.Encode(v));
        Assert.NotNull(a.Seed);
        Ciphertext before = a.Clone();
        _ = t.Evaluator.Rotate(a, 1);
        _ = t.Evaluator.MultiplyRelinearize(a, a);
        _ = t.Evaluator.Rescale(a);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(a[i].ContentEquals(before[i]));
        }

        t.Evaluator.Add(a, a, a);
        Assert.Null(a.Seed);
    }
}
