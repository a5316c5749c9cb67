using System.Buffers.Binary;
using System.Security.Cryptography;
using CkksRns.Ckks.Serialization;
using Xunit;

namespace CkksRns.Ckks.Tests.Serialization;

public sealed class CkksSerializerMalformedInputTests
{
    private static readonly SerializationFixture F = SerializationFixture.Tiny;

    private const int Header = 32;

    /// <summary>Every loader, by kind name, reading from bytes.</summary>
    private static readonly Dictionary<string, Action<byte[]>> Loaders = new()
    {
        ["Parameters"] = b => Load(b, s => CkksSerializer.LoadParameters(s)),
        ["PublicKey"] = b => Load(b, s => CkksSerializer.LoadPublicKey(F.Context, s)),
        ["RelinearizationKey"] = b => Load(b, s => CkksSerializer.LoadRelinearizationKey(F.Context, s)),
        ["GaloisKeys"] = b => Load(b, s => CkksSerializer.LoadGaloisKeys(F.Context, s)),
        ["SecretKey"] = b => Load(b, s => CkksSerializer.LoadSecretKey(F.Context, s)),
        ["Ciphertext"] = b => Load(b, s => CkksSerializer.LoadCiphertext(F.Context, s)),
        ["Plaintext"] = b => Load(b, s => CkksSerializer.LoadPlaintext(F.Context, s)),
    };

    public static TheoryData<string> Kinds() => [.. Loaders.Keys];

    private static byte[] Valid(string kind) => kind switch
    {
        "Parameters" => SerializationFixture.ToBytes(s => CkksSerializer.Save(F.Context.Parameters, s)),
        "PublicKey" => SerializationFixture.ToBytes(s => CkksSerializer.Save(F.PublicKey, s)),
        "RelinearizationKey" => SerializationFixture.ToBytes(s => CkksSerializer.Save(F.RelinearizationKey, s)),
        "GaloisKeys" => SerializationFixture.ToBytes(s => CkksSerializer.Save(F.GaloisKeys, s)),
        "SecretKey" => SerializationFixture.ToBytes(s => CkksSerializer.SaveSecretKey(F.SecretKey, s)),
        "Ciphertext" => F.Save(F.SymmetricEncryptor.Encrypt(F.Encoder.Encode(F.RandomVector(1), 0, F.Context.Parameters.DefaultScale))),
        _ => SerializationFixture.ToBytes(s => CkksSerializer.Save(F.Encoder.Encode(F.RandomVector(2), 0, 1 << 20), s)),
    };

    private static void Load<T>(byte[] bytes, Func<Stream, T> load)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        load(stream);
    }

    private static InvalidDataException Rejects(string kind, byte[] bytes, params string[] fragments)
    {
        var e = Assert.Throws<InvalidDataException>(() => Loaders[kind](bytes));
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, e.Message, StringComparison.OrdinalIgnoreCase);
        }

        return e;
    }

    private static byte[] Modified(byte[] bytes, Action<byte[]> change)
    {
        byte[] copy = (byte[])bytes.Clone();
        change(copy);
        return copy;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Load_ValidBytes_Succeeds(string kind) => Loaders[kind](Valid(kind));

    [Theory]
    [InlineData("Parameters")]
    [InlineData("SecretKey")]
    [InlineData("Ciphertext")]
    [InlineData("Plaintext")]
    public void Load_TruncatedAtEveryPrefixLength_Throws(string kind)
    {
        byte[] bytes = Valid(kind);
        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<InvalidDataException>(() => Loaders[kind](bytes[..length]));
            Assert.Contains("truncated", e.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("PublicKey")]
    [InlineData("RelinearizationKey")]
    [InlineData("GaloisKeys")]
    public void Load_TruncatedKeys_Throws(string kind)
    {
        byte[] bytes = Valid(kind);
        var random = new Random(5);
        IEnumerable<int> lengths = Enumerable.Range(0, Header + 16)
            .Concat(Enumerable.Range(0, 200).Select(_ => random.Next(bytes.Length)))
            .Concat([bytes.Length - 33, bytes.Length - 32, bytes.Length - 1]);
        foreach (int length in lengths)
        {
            var e = Assert.Throws<InvalidDataException>(() => Loaders[kind](bytes[..length]));
            Assert.Contains("truncated", e.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Load_WrongMagic_Throws(string kind)
    {
        byte[] bytes = Valid(kind);
        for (int i = 0; i < 4; i++)
        {
            Rejects(kind, Modified(bytes, b => b[i] ^= 0x20), "magic");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Load_OtherVersion_Throws(string kind)
    {
        byte[] bytes = Valid(kind);
        foreach (ushort version in new ushort[] { 0, 1, 2, 4, 0x100, ushort.MaxValue })
        {
            Rejects(kind, Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), version)), "version", version.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Load_OtherKind_Throws(string kind)
    {
        byte[] bytes = Valid(kind);
        for (int other = 0; other < 256; other++)
        {
            if (other != bytes[6])
            {
                Rejects(kind, Modified(bytes, b => b[6] = (byte)other), "kind");
            }
        }

        // The bytes of every other kind, given to this loader.
        foreach (string otherKind in Loaders.Keys.Where(k => k != kind))
        {
            Rejects(kind, Valid(otherKind), "kind");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Load_UnknownFlags_Throws(string kind)
    {
        byte[] bytes = Valid(kind);
        for (int bit = 1; bit < 8; bit++)
        {
            Rejects(kind, Modified(bytes, b => b[7] |= (byte)(1 << bit)), "flags");
        }
    }

    [Theory]
    [InlineData("Parameters")]
    [InlineData("SecretKey")]
    [InlineData("Plaintext")]
    public void Load_SeededFlagOnKindWithoutSeededForm_Throws(string kind) =>
        Rejects(kind, Modified(Valid(kind), b => b[7] = 1), "flags");

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Load_HugeBodyLength_ThrowsWithoutAllocating(string kind)
    {
        byte[] bytes = Valid(kind);
        foreach (ulong length in new[] { ulong.MaxValue, 1UL << 62, (ulong)int.MaxValue + 1 })
        {
            Rejects(kind, Modified(bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), length)), "exceeds");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Load_BodyLengthOffByOne_Throws(string kind)
    {
        byte[] bytes = Valid(kind);
        long length = bytes.Length - Header;
        foreach (long wrong in new[] { length - 1, length + 1 })
        {
            byte[] modified = Modified(bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), (ulong)wrong));
            if (wrong > length)
            {
                modified = [.. modified, 0];
            }

            Rejects(kind, modified, "length");
        }
    }

    [Theory]
    [InlineData("PublicKey")]
    [InlineData("RelinearizationKey")]
    [InlineData("GaloisKeys")]
    [InlineData("SecretKey")]
    [InlineData("Ciphertext")]
    [InlineData("Plaintext")]
    public void Load_WithOtherParameters_Throws(string kind)
    {
        byte[] bytes = Valid(kind);
        var other = new CkksContext(CkksParameters.Create(F.Context.Parameters.ToLiteral() with { DefaultScale = 1 << 20 }));
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            using var stream = new MemoryStream(bytes);
            _ = kind switch
            {
                "PublicKey" => (object)CkksSerializer.LoadPublicKey(other, stream),
                "RelinearizationKey" => CkksSerializer.LoadRelinearizationKey(other, stream),
                "GaloisKeys" => CkksSerializer.LoadGaloisKeys(other, stream),
                "SecretKey" => CkksSerializer.LoadSecretKey(other, stream),
                "Ciphertext" => CkksSerializer.LoadCiphertext(other, stream),
                _ => CkksSerializer.LoadPlaintext(other, stream),
            };
        });
        Assert.Contains("other parameters", e.Message, StringComparison.Ordinal);

        // And a ciphertext of the larger Hybrid set.
        Rejects("Ciphertext", SerializationFixture.Hybrid.Save(
            SerializationFixture.Hybrid.Encryptor.Encrypt(SerializationFixture.Hybrid.Encoder.Encode([1.0]))), "other parameters");
    }

    [Theory]
    [InlineData("PublicKey")]
    [InlineData("RelinearizationKey")]
    [InlineData("GaloisKeys")]
    [InlineData("Ciphertext")]
    [InlineData("Plaintext")]
    public void Load_CoefficientNotBelowItsPrime_Throws(string kind)
    {
        byte[] bytes = Valid(kind);
        // The first polynomial's first limb starts at a kind-specific offset; limb 0 is modulo q_0 (30 bits: 4 bytes).
        int offset = Header + kind switch
        {
            "RelinearizationKey" => 4,
            "GaloisKeys" => 8 + 8 + 4,
            "Ciphertext" => 12,
            "Plaintext" => 12,
            _ => 0,
        };
        ulong q0 = F.Context.Parameters.Q[0];
        foreach (ulong value in new[] { q0, q0 + 1, uint.MaxValue })
        {
            foreach (int index in new[] { 0, 1, F.Context.N - 1 })
            {
                byte[] modified = Modified(bytes, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(offset + 4 * index), (uint)value));
                Rejects(kind, modified, "not below", value.ToString(), q0.ToString());
            }
        }

        // The last coefficient of c0 (level 0: one 4-byte limb), just before the seed.
        if (kind is "Ciphertext")
        {
            int end = bytes.Length - 32 - 4;
            Rejects(kind, Modified(bytes, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(end), uint.MaxValue)),
                "not below", $"coefficient {F.Context.N - 1}", q0.ToString());
        }
    }

    [Fact]
    public void LoadCiphertext_BadShapeFields_Throw()
    {
        byte[] bytes = Valid("Ciphertext");
        Rejects("Ciphertext", Modified(bytes, b => b[Header] = 4), "size");
        Rejects("Ciphertext", Modified(bytes, b => b[Header] = 1), "size");
        Rejects("Ciphertext", Modified(bytes, b => b[Header] = 3), "seeded");
        Rejects("Ciphertext", Modified(bytes, b => b[Header + 1] = 1), "reserved");
        Rejects("Ciphertext", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(Header + 2), 2)), "level", "2");
        Rejects("Ciphertext", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(Header + 2), ushort.MaxValue)), "level");
        // Level 1 is allowed by the parameters but the length then does not match.
        Rejects("Ciphertext", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(Header + 2), 1)), "length");
        foreach (double scale in new[] { double.NaN, double.PositiveInfinity, 0, -1 })
        {
            Rejects("Ciphertext", Modified(bytes, b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(Header + 4), scale)), "scale");
        }
    }

    [Fact]
    public void LoadPlaintext_BadShapeFields_Throw()
    {
        byte[] bytes = Valid("Plaintext");
        Rejects("Plaintext", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(Header), 7)), "level");
        Rejects("Plaintext", Modified(bytes, b => b[Header + 2] = 1), "reserved");
        Rejects("Plaintext", Modified(bytes, b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(Header + 4), double.NaN)), "scale");
    }

    [Fact]
    public void LoadParameters_BadFields_Throw()
    {
        byte[] bytes = Valid("Parameters");
        int b0 = Header;
        Rejects("Parameters", Modified(bytes, b => b[b0] = 9), "log2 N");
        Rejects("Parameters", Modified(bytes, b => b[b0] = 18), "log2 N");
        Rejects("Parameters", Modified(bytes, b => b[b0 + 1] = 1), "reserved");
        Rejects("Parameters", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(b0 + 2), 100)), "security");
        Rejects("Parameters", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(b0 + 4), 0)), "primes");
        Rejects("Parameters", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(b0 + 4), ushort.MaxValue)), "primes");
        Rejects("Parameters", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(b0 + 6), 0)), "primes");
        Rejects("Parameters", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(b0 + 8), 0)), "digit size");
        Rejects("Parameters", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(b0 + 8), 3)), "digit size");
        Rejects("Parameters", Modified(bytes, b => b[b0 + 10] = 1), "reserved");
        Rejects("Parameters", Modified(bytes, b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(b0 + 12), double.NaN)), "scale");
        Rejects("Parameters", Modified(bytes, b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(b0 + 12), 0.5)), "scale");
        // A changed prime without a matching fingerprint is detected as corruption.
        Rejects("Parameters", Modified(bytes, b => b[b0 + 20] ^= 2), "fingerprint");
    }

    [Fact]
    public void LoadParameters_RefusedSetWithConsistentFingerprint_ThrowsWithReason()
    {
        byte[] bytes = Valid("Parameters");
        // q_0 + 2N is still 1 mod 2N but (for this q_0) not prime; fix the fingerprint so only validation can catch it.
        byte[] notPrime = WithFingerprint(Modified(bytes, b =>
        {
            ulong q0 = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(Header + 20));
            ulong candidate = q0;
            do
            {
                candidate += 2UL * (ulong)F.Context.N;
            }
            while (Rns.Primes.NttPrimes.IsPrime(candidate));
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(Header + 20), candidate);
        }));
        var e = Rejects("Parameters", notPrime, "refused", "not prime");
        Assert.IsType<ArgumentException>(e.InnerException);

        // Data and special prime equal.
        byte[] duplicate = WithFingerprint(Modified(bytes, b => b.AsSpan(Header + 20, 8).CopyTo(b.AsSpan(Header + 36))));
        Rejects("Parameters", duplicate, "refused", "distinct");

        Loaders["Parameters"](WithFingerprint(bytes)); // the unmodified set still loads
    }

    [Fact]
    public void LoadParameters_OverTheSecurityBound_Throws()
    {
        // N = 2^10 at 128-bit security allows 27 bits; a [25, 20] chain with a 21-bit special prime has 66.
        var parameters = CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 10, LogQ = [25, 20], LogP = [21], LogDefaultScale = 20, SecurityLevel = SecurityLevel.None,
        });
        byte[] bytes = SerializationFixture.ToBytes(s => CkksSerializer.Save(parameters, s));
        byte[] claimed = WithFingerprint(Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(Header + 2), 128)));
        Rejects("Parameters", claimed, "refused", "bound");
    }

    [Fact]
    public void LoadGaloisKeys_BadCountOrElements_Throw()
    {
        byte[] bytes = Valid("GaloisKeys");
        int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Header));
        Assert.True(count >= 2);
        Rejects("GaloisKeys", Modified(bytes, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(Header), uint.MaxValue)), "count");
        Rejects("GaloisKeys", Modified(bytes, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(Header), (uint)F.Context.N)), "count");
        Rejects("GaloisKeys", Modified(bytes, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(Header), (uint)count + 1)), "length");
        Rejects("GaloisKeys", Modified(bytes, b => b[Header + 4] = 1), "reserved");

        int first = Header + 8;
        Rejects("GaloisKeys", Modified(bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(first), 4)), "odd");
        Rejects("GaloisKeys", Modified(bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(first), 1)), "galois element");
        Rejects("GaloisKeys", Modified(bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(first), 2UL * (ulong)F.Context.N + 1)), "galois element");

        // Swap the first two elements: no longer increasing.
        long perKey = (bytes.Length - Header - 8) / count;
        int second = first + (int)perKey;
        Rejects("GaloisKeys", Modified(bytes, b =>
        {
            byte[] e1 = b.AsSpan(first, 8).ToArray();
            b.AsSpan(second, 8).CopyTo(b.AsSpan(first));
            e1.CopyTo(b.AsSpan(second));
        }), "increasing");

        // A key with a digit count other than dnum.
        Rejects("GaloisKeys", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(first + 8), 3)), "digits");
    }

    [Fact]
    public void LoadRelinearizationKey_WrongDigitCount_Throws()
    {
        byte[] bytes = Valid("RelinearizationKey");
        Rejects("RelinearizationKey", Modified(bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(Header), 1)), "digits", "dnum = 2");
        Rejects("RelinearizationKey", Modified(bytes, b => b[Header + 2] = 1), "reserved");
    }

    [Fact]
    public void LoadRelinearizationKey_BodyNotAWholeNumberOfKeys_Throws()
    {
        byte[] one = Valid("RelinearizationKey");
        long perKey = one.Length - Header;

        // Three keys (s², s³, s⁴) are more than a ciphertext of at most size 4 needs: refused before reading a key.
        byte[] three = new byte[Header + (3 * perKey)];
        one.CopyTo(three, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(three.AsSpan(24), (ulong)(3 * perKey));
        Rejects("RelinearizationKey", three, "body");

        // One and a half keys.
        byte[] partial = new byte[Header + perKey + (perKey / 2)];
        one.CopyTo(partial, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(partial.AsSpan(24), (ulong)(perKey + (perKey / 2)));
        Rejects("RelinearizationKey", partial, "1 to 2 keys");
    }

    [Fact]
    public void LoadSecretKey_UndefinedCode_Throws()
    {
        byte[] bytes = Valid("SecretKey");
        Rejects("SecretKey", Modified(bytes, b => b[Header + 5] |= 0b1100), "code 3", "coefficient 21");
    }

    [Fact]
    public void Load_NullOrUnreadableStream_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => CkksSerializer.LoadCiphertext(F.Context, null!));
        Assert.Throws<ArgumentNullException>(() => CkksSerializer.LoadCiphertext(null!, new MemoryStream()));
        using var closed = new MemoryStream();
        closed.Dispose();
        Assert.Throws<ArgumentException>(() => CkksSerializer.LoadParameters(closed));
        Assert.Throws<ArgumentException>(() => CkksSerializer.Save(F.Context.Parameters, new MemoryStream([], writable: false)));
        Assert.Throws<ArgumentNullException>(() => CkksSerializer.Save((Ciphertext)null!, new MemoryStream()));
    }

    [Fact]
    public void Load_EmptyStream_ThrowsTruncated()
    {
        foreach (string kind in Loaders.Keys)
        {
            Rejects(kind, [], "truncated", "0 of the 32 header bytes");
        }
    }

    /// <summary>Recomputes the header fingerprint of a serialized parameter set from its body.</summary>
    private static byte[] WithFingerprint(byte[] bytes)
    {
        byte[] hash = SHA256.HashData(bytes.AsSpan(Header));
        hash.AsSpan(0, 16).CopyTo(bytes.AsSpan(8));
        return bytes;
    }
}
