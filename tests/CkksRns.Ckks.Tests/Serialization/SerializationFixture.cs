using CkksRns.Ckks.Serialization;

namespace CkksRns.Ckks.Tests.Serialization;

/// <summary>Small parameter sets and keys for the serialization tests, built once.</summary>
public sealed class SerializationFixture
{
    private SerializationFixture(CkksParametersLiteral literal, int[] rotationSteps)
    {
        Context = new CkksContext(CkksParameters.Create(literal));
        Encoder = new CkksEncoder(Context);
        Generator = new KeyGenerator(Context);
        PublicKey = Generator.CreatePublicKey();
        RelinearizationKey = Generator.CreateRelinearizationKey();
        GaloisKeys = Generator.CreateGaloisKeys(rotationSteps, includeConjugation: true);
        Encryptor = new Encryptor(Context, PublicKey);
        SymmetricEncryptor = new Encryptor(Context, Generator.SecretKey);
        Decryptor = new Decryptor(Context, Generator.SecretKey);
        Evaluator = new Evaluator(Context, RelinearizationKey, GaloisKeys);
    }

    /// <summary>N = 2^10, data primes [30, 24], one 31-bit special prime (dnum = 2), scale 2^24: the smallest objects.</summary>
    public static SerializationFixture Tiny { get; } = new(new CkksParametersLiteral
    {
        LogN = 10, LogQ = [30, 24], LogP = [31], LogDefaultScale = 24, SecurityLevel = SecurityLevel.None,
    }, [1, 3]);

    /// <summary>N = 2^11, data primes [50, 40, 40, 40], two digits of two primes, 61-bit primes absent: multi-byte widths.</summary>
    public static SerializationFixture Hybrid { get; } = new(new CkksParametersLiteral
    {
        LogN = 11, LogQ = [50, 40, 40, 40], Dnum = 2, LogDefaultScale = 40, SecurityLevel = SecurityLevel.None,
    }, [1, -2, 5]);

    public CkksContext Context { get; }

    public CkksEncoder Encoder { get; }

    public KeyGenerator Generator { get; }

    public SecretKey SecretKey => Generator.SecretKey;

    public PublicKey PublicKey { get; }

    public RelinearizationKey RelinearizationKey { get; }

    public GaloisKeys GaloisKeys { get; }

    public Encryptor Encryptor { get; }

    public Encryptor SymmetricEncryptor { get; }

    public Decryptor Decryptor { get; }

    public Evaluator Evaluator { get; }

    public int Slots => Context.Parameters.Slots;

    public double[] RandomVector(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Slots).Select(_ => random.NextDouble() * 2 - 1).ToArray();
    }

    public static byte[] ToBytes(Action<Stream> save)
    {
        using var stream = new MemoryStream();
        save(stream);
        return stream.ToArray();
    }

    public static T FromBytes<T>(byte[] bytes, Func<Stream, T> load)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        T value = load(stream);
        if (stream.Position != bytes.Length)
        {
            throw new InvalidOperationException($"The load read {stream.Position} of {bytes.Length} bytes.");
        }

        return value;
    }

    public byte[] Save(Ciphertext ciphertext, bool compress = true) => ToBytes(s => CkksSerializer.Save(ciphertext, s, compress));

    public Ciphertext LoadCiphertext(byte[] bytes) => FromBytes(bytes, s => CkksSerializer.LoadCiphertext(Context, s));
}
