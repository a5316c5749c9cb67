using CkksRns.Ckks.Serialization;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Ckks.Tests.Serialization;

public sealed class CkksSerializerRoundTripTests
{
    public static TheoryData<string> Fixtures() => ["Tiny", "Hybrid"];

    private static SerializationFixture Get(string name) => name == "Tiny" ? SerializationFixture.Tiny : SerializationFixture.Hybrid;

    public static TheoryData<string> Presets() =>
        ["ReferencePaper", "ReferencePaperHybrid", "SealDefault4096", "SealDefault8192", "SealDefault16384", "SealDefault32768"];

    private static CkksParametersLiteral Preset(string name) => name switch
    {
        "ReferencePaper" => CkksPresets.ReferencePaper,
        "ReferencePaperHybrid" => CkksPresets.ReferencePaperHybrid,
        "SealDefault4096" => CkksPresets.SealDefault4096,
        "SealDefault8192" => CkksPresets.SealDefault8192,
        "SealDefault16384" => CkksPresets.SealDefault16384,
        _ => CkksPresets.SealDefault32768,
    };

    [Theory]
    [MemberData(nameof(Presets))]
    public void Parameters_Presets_RoundTripToEqualSet(string preset)
    {
        CkksParameters parameters = CkksParameters.Create(Preset(preset));
        byte[] bytes = SerializationFixture.ToBytes(s => CkksSerializer.Save(parameters, s));
        CkksParameters loaded = SerializationFixture.FromBytes(bytes, CkksSerializer.LoadParameters);
        Assert.Equal(parameters, loaded);
        Assert.Equal(parameters.Q, loaded.Q);
        Assert.Equal(parameters.P, loaded.P);
        Assert.Equal(parameters.Dnum, loaded.Dnum);
        Assert.Equal(parameters.DefaultScale, loaded.DefaultScale);
        Assert.Equal(parameters.SecurityLevel, loaded.SecurityLevel);
        Assert.Equal(32 + 20 + 8 * (parameters.QCount + parameters.PCount), bytes.Length);
    }

    [Fact]
    public void Parameters_EveryDnum_RoundTrips()
    {
        for (int dnum = 1; dnum <= 5; dnum++)
        {
            CkksParameters parameters = CkksParameters.Create(new CkksParametersLiteral
            {
                LogN = 11, LogQ = [40, 30, 30, 30, 30], Dnum = dnum, LogDefaultScale = 30, SecurityLevel = SecurityLevel.None,
            });
            byte[] bytes = SerializationFixture.ToBytes(s => CkksSerializer.Save(parameters, s));
            CkksParameters loaded = SerializationFixture.FromBytes(bytes, CkksSerializer.LoadParameters);
            Assert.Equal(parameters, loaded);
            Assert.Equal(parameters.DigitSize, loaded.DigitSize);
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Ciphertext_PublicKeyEncryption_RoundTripsExactly(string name)
    {
        SerializationFixture f = Get(name);
        double[] values = f.RandomVector(1);
        Ciphertext original = f.Encryptor.Encrypt(f.Encoder.Encode(values));
        byte[] bytes = f.Save(original);
        Assert.Equal(0, bytes[7]); // not seeded: a public-key encryption has no seed
        Ciphertext loaded = f.LoadCiphertext(bytes);
        AssertSameCiphertext(original, loaded);
        Assert.Equal(f.Encoder.DecodeReal(f.Decryptor.Decrypt(original)), f.Encoder.DecodeReal(f.Decryptor.Decrypt(loaded)));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Ciphertext_SymmetricEncryption_CompressedFormIsAboutHalfAndDecryptsTheSame(string name)
    {
        SerializationFixture f = Get(name);
        double[] values = f.RandomVector(2);
        Ciphertext original = f.SymmetricEncryptor.Encrypt(f.Encoder.Encode(values));
        byte[] compressed = f.Save(original);
        byte[] full = f.Save(original, compress: false);
        Assert.Equal(1, compressed[7]);
        Assert.Equal(0, full[7]);
        Assert.Equal(full.Length - compressed.Length, (full.Length - 32 - 12) / 2 - 32);

        foreach (byte[] bytes in new[] { compressed, full })
        {
            Ciphertext loaded = f.LoadCiphertext(bytes);
            AssertSameCiphertext(original, loaded);
            Assert.Equal(f.Encoder.DecodeReal(f.Decryptor.Decrypt(original)), f.Encoder.DecodeReal(f.Decryptor.Decrypt(loaded)));
        }

        // A loaded seeded ciphertext keeps its seed: saving it again gives the same bytes.
        Assert.Equal(compressed, f.Save(f.LoadCiphertext(compressed)));
    }

    [Fact]
    public void Ciphertext_SeededThenModified_IsSavedInFull()
    {
        SerializationFixture f = SerializationFixture.Tiny;
        Ciphertext fresh = f.SymmetricEncryptor.Encrypt(f.Encoder.Encode(f.RandomVector(3)));
        Ciphertext negated = f.Evaluator.Negate(fresh);
        Assert.Equal(0, f.Save(negated)[7]);

        // Even if the seed were left behind by mistake, a c1 that no longer matches it is written in full.
        Ciphertext tampered = fresh.Clone();
        tampered[1].Limb(0)[0] ^= 1;
        byte[] bytes = f.Save(tampered);
        Assert.Equal(0, bytes[7]);
        AssertSameCiphertext(tampered, f.LoadCiphertext(bytes));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Ciphertext_Size3AndLowerLevels_RoundTripExactly(string name)
    {
        SerializationFixture f = Get(name);
        Ciphertext a = f.Encryptor.Encrypt(f.Encoder.Encode(f.RandomVector(4)));
        Ciphertext b = f.Encryptor.Encrypt(f.Encoder.Encode(f.RandomVector(5)));
        Ciphertext product = f.Evaluator.Multiply(a, b);
        Assert.Equal(3, product.Size);
        AssertSameCiphertext(product, f.LoadCiphertext(f.Save(product)));
        for (int level = 0; level <= f.Context.MaxLevel; level++)
        {
            Ciphertext dropped = f.Evaluator.DropToLevel(a, level);
            Ciphertext loaded = f.LoadCiphertext(f.Save(dropped));
            AssertSameCiphertext(dropped, loaded);
        }
    }

    [Fact]
    public void Ciphertext_RandomVectors_DecryptAfterLoadEqualsBefore()
    {
        SerializationFixture f = SerializationFixture.Hybrid;
        var gen =
            from values in Gen.ArrayOf(Gen.Choose(-1_000_000, 1_000_000).Select(v => v / 1000.0), f.Slots)
            from level in Gen.Choose(0, f.Context.MaxLevel)
            from symmetric in Gen.Elements(true, false)
            select (values, level, symmetric);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(12), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            Plaintext pt = f.Encoder.Encode(t.values, t.level, f.Context.Parameters.DefaultScale);
            Ciphertext ct = (t.symmetric ? f.SymmetricEncryptor : f.Encryptor).Encrypt(pt);
            Ciphertext loaded = f.LoadCiphertext(f.Save(ct));
            Assert.Equal(f.Encoder.DecodeReal(f.Decryptor.Decrypt(ct)), f.Encoder.DecodeReal(f.Decryptor.Decrypt(loaded)));
        }));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Plaintext_EveryLevel_RoundTripsExactly(string name)
    {
        SerializationFixture f = Get(name);
        for (int level = 0; level <= f.Context.MaxLevel; level++)
        {
            Plaintext original = f.Encoder.Encode(f.RandomVector(level), level, Math.ScaleB(1.0, 20 + level));
            byte[] bytes = SerializationFixture.ToBytes(s => CkksSerializer.Save(original, s));
            Plaintext loaded = SerializationFixture.FromBytes(bytes, s => CkksSerializer.LoadPlaintext(f.Context, s));
            Assert.Equal(original.Level, loaded.Level);
            Assert.Equal(original.Scale, loaded.Scale);
            Assert.True(original.Poly.ContentEquals(loaded.Poly));
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void PublicKey_BothForms_RoundTripExactlyAndEncrypt(string name)
    {
        SerializationFixture f = Get(name);
        foreach (bool compress in new[] { true, false })
        {
            byte[] bytes = SerializationFixture.ToBytes(s => CkksSerializer.Save(f.PublicKey, s, compress));
            Assert.Equal(compress ? 1 : 0, bytes[7]);
            PublicKey loaded = SerializationFixture.FromBytes(bytes, s => CkksSerializer.LoadPublicKey(f.Context, s));
            Assert.True(f.PublicKey.B.ContentEquals(loaded.B));
            Assert.True(f.PublicKey.A.ContentEquals(loaded.A));
            Assert.True(f.PublicKey.BP.ContentEquals(loaded.BP));
            Assert.True(f.PublicKey.AP.ContentEquals(loaded.AP));

            double[] values = f.RandomVector(6);
            Ciphertext ct = new Encryptor(f.Context, loaded).Encrypt(f.Encoder.Encode(values));
            var stats = PrecisionStatistics.Compute(values, f.Encoder.DecodeReal(f.Decryptor.Decrypt(ct)));
            Assert.True(stats.MinPrecisionBits > 10, stats.ToString());
        }

        byte[] full = SerializationFixture.ToBytes(s => CkksSerializer.Save(f.PublicKey, s, compress: false));
        byte[] seeded = SerializationFixture.ToBytes(s => CkksSerializer.Save(f.PublicKey, s));
        Assert.Equal(32 + 32 + (full.Length - 32) / 2, seeded.Length);

        // A key loaded from its full form has no seed: saving it compressed falls back to the full form.
        PublicKey fromFull = SerializationFixture.FromBytes(full, s => CkksSerializer.LoadPublicKey(f.Context, s));
        Assert.Equal(full, SerializationFixture.ToBytes(s => CkksSerializer.Save(fromFull, s)));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void RelinearizationKey_BothForms_RelinearizeBitIdentically(string name)
    {
        SerializationFixture f = Get(name);
        Ciphertext a = f.Encryptor.Encrypt(f.Encoder.Encode(f.RandomVector(7)));
        Ciphertext b = f.Encryptor.Encrypt(f.Encoder.Encode(f.RandomVector(8)));
        Ciphertext expected = f.Evaluator.MultiplyRelinearize(a, b);
        foreach (bool compress in new[] { true, false })
        {
            byte[] bytes = SerializationFixture.ToBytes(s => CkksSerializer.Save(f.RelinearizationKey, s, compress));
            Assert.Equal(compress ? 1 : 0, bytes[7]);
            RelinearizationKey loaded = SerializationFixture.FromBytes(bytes, s => CkksSerializer.LoadRelinearizationKey(f.Context, s));
            AssertSameKey(f.RelinearizationKey.Key, loaded.Key);
            Ciphertext actual = new Evaluator(f.Context, loaded).MultiplyRelinearize(a, b);
            AssertSameCiphertext(expected, actual);
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void RelinearizationKey_WithCubeKey_BothForms_RoundTripAndRelinearizeSize4BitIdentically(string name)
    {
        SerializationFixture f = Get(name);
        RelinearizationKey key = f.Generator.CreateRelinearizationKey(4);
        var evaluator = new Evaluator(f.Context, key);
        Ciphertext a = f.Encryptor.Encrypt(f.Encoder.Encode(f.RandomVector(9)));
        Ciphertext four = evaluator.Multiply(evaluator.Multiply(a, a), a);
        AssertSameCiphertext(four, f.LoadCiphertext(f.Save(four)));
        Ciphertext expected = evaluator.Relinearize(four);
        long single = SerializationFixture.ToBytes(s => CkksSerializer.Save(f.RelinearizationKey, s, compress: false)).Length;
        foreach (bool compress in new[] { true, false })
        {
            byte[] bytes = SerializationFixture.ToBytes(s => CkksSerializer.Save(key, s, compress));
            if (!compress)
            {
                Assert.Equal((2 * (single - 32)) + 32, bytes.Length); // two key bodies after one 32-byte header
            }

            RelinearizationKey loaded = SerializationFixture.FromBytes(bytes, s => CkksSerializer.LoadRelinearizationKey(f.Context, s));
            Assert.Equal(4, loaded.MaxCiphertextSize);
            AssertSameKey(key.Keys[0], loaded.Keys[0]);
            AssertSameKey(key.Keys[1], loaded.Keys[1]);
            AssertSameCiphertext(expected, new Evaluator(f.Context, loaded).Relinearize(four));
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void GaloisKeys_BothForms_RotateBitIdentically(string name)
    {
        SerializationFixture f = Get(name);
        Ciphertext a = f.Encryptor.Encrypt(f.Encoder.Encode(f.RandomVector(9)));
        foreach (bool compress in new[] { true, false })
        {
            byte[] bytes = SerializationFixture.ToBytes(s => CkksSerializer.Save(f.GaloisKeys, s, compress));
            Assert.Equal(compress ? 1 : 0, bytes[7]);
            GaloisKeys loaded = SerializationFixture.FromBytes(bytes, s => CkksSerializer.LoadGaloisKeys(f.Context, s));
            Assert.Equal(f.GaloisKeys.GaloisElements, loaded.GaloisElements);
            foreach (long element in f.GaloisKeys.GaloisElements)
            {
                AssertSameKey(f.GaloisKeys.Keys[element], loaded.Keys[element]);
            }

            var evaluator = new Evaluator(f.Context, galoisKeys: loaded);
            AssertSameCiphertext(f.Evaluator.Rotate(a, 1), evaluator.Rotate(a, 1));
            AssertSameCiphertext(f.Evaluator.Conjugate(a), evaluator.Conjugate(a));
        }
    }

    [Fact]
    public void GaloisKeys_Empty_RoundTrips()
    {
        SerializationFixture f = SerializationFixture.Tiny;
        GaloisKeys empty = f.Generator.CreateGaloisKeys([]);
        byte[] bytes = SerializationFixture.ToBytes(s => CkksSerializer.Save(empty, s));
        Assert.Equal(32 + 8, bytes.Length);
        Assert.Empty(SerializationFixture.FromBytes(bytes, s => CkksSerializer.LoadGaloisKeys(f.Context, s)).GaloisElements);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void SecretKey_RoundTripsExactlyAndDecrypts(string name)
    {
        SerializationFixture f = Get(name);
        byte[] bytes = SerializationFixture.ToBytes(s => CkksSerializer.SaveSecretKey(f.SecretKey, s));
        Assert.Equal(32 + f.Context.N / 4, bytes.Length);
        using SecretKey loaded = SerializationFixture.FromBytes(bytes, s => CkksSerializer.LoadSecretKey(f.Context, s));
        Assert.True(f.SecretKey.Q.ContentEquals(loaded.Q));
        Assert.True(f.SecretKey.P.ContentEquals(loaded.P));
        Ciphertext ct = f.Encryptor.Encrypt(f.Encoder.Encode(f.RandomVector(10)));
        Assert.True(f.Decryptor.Decrypt(ct).Poly.ContentEquals(new Decryptor(f.Context, loaded).Decrypt(ct).Poly));
    }

    [Fact]
    public void SecretKey_Disposed_Throws()
    {
        SerializationFixture f = SerializationFixture.Tiny;
        var generator = new KeyGenerator(f.Context);
        generator.SecretKey.Dispose();
        Assert.Throws<ObjectDisposedException>(() => CkksSerializer.SaveSecretKey(generator.SecretKey, new MemoryStream()));
    }

    [Fact]
    public void Load_SeveralObjectsInOneStream_ReadsEachExactly()
    {
        SerializationFixture f = SerializationFixture.Tiny;
        Ciphertext ct = f.SymmetricEncryptor.Encrypt(f.Encoder.Encode(f.RandomVector(11)));
        Plaintext pt = f.Encoder.Encode(f.RandomVector(12));
        using var stream = new MemoryStream();
        CkksSerializer.Save(f.Context.Parameters, stream);
        CkksSerializer.Save(ct, stream);
        CkksSerializer.Save(pt, stream);
        CkksSerializer.Save(f.PublicKey, stream);
        stream.Position = 0;
        Assert.Equal(f.Context.Parameters, CkksSerializer.LoadParameters(stream));
        AssertSameCiphertext(ct, CkksSerializer.LoadCiphertext(f.Context, stream));
        Assert.True(pt.Poly.ContentEquals(CkksSerializer.LoadPlaintext(f.Context, stream).Poly));
        Assert.True(f.PublicKey.B.ContentEquals(CkksSerializer.LoadPublicKey(f.Context, stream).B));
        Assert.Equal(stream.Length, stream.Position);
    }

    [Fact]
    public void Load_FromAStreamReturningOneByteAtATime_Works()
    {
        SerializationFixture f = SerializationFixture.Tiny;
        Ciphertext ct = f.SymmetricEncryptor.Encrypt(f.Encoder.Encode(f.RandomVector(13)));
        byte[] bytes = f.Save(ct);
        using var stream = new TrickleStream(bytes);
        AssertSameCiphertext(ct, CkksSerializer.LoadCiphertext(f.Context, stream));
    }

    internal static void AssertSameCiphertext(Ciphertext expected, Ciphertext actual)
    {
        Assert.Equal(expected.Size, actual.Size);
        Assert.Equal(expected.Level, actual.Level);
        Assert.Equal(expected.Scale, actual.Scale);
        for (int i = 0; i < expected.Size; i++)
        {
            Assert.True(expected[i].ContentEquals(actual[i]), $"c{i} differs");
        }
    }

    private static void AssertSameKey(KeySwitchingKey expected, KeySwitchingKey actual)
    {
        Assert.Equal(expected.DigitCount, actual.DigitCount);
        for (int j = 0; j < expected.DigitCount; j++)
        {
            Assert.True(expected.BQ(j).ContentEquals(actual.BQ(j)));
            Assert.True(expected.BP(j).ContentEquals(actual.BP(j)));
            Assert.True(expected.AQ(j).ContentEquals(actual.AQ(j)));
            Assert.True(expected.AP(j).ContentEquals(actual.AP(j)));
        }
    }

    /// <summary>A read-only stream that returns at most one byte per Read call.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(1, buffer.Length)]);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(1, count));
    }
}
