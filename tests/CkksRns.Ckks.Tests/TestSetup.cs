using FsCheck;
using FsCheck.Fluent;

namespace CkksRns.Ckks.Tests;

/// <summary>A parameter set with its context, keys and helpers, built once and shared by the tests.</summary>
public sealed class TestSetup
{
    private TestSetup(string name, CkksParametersLiteral literal)
    {
        Name = name;
        Context = new CkksContext(CkksParameters.Create(literal));
        Encoder = new CkksEncoder(Context);
        var generator = new KeyGenerator(Context);
        SecretKey = generator.SecretKey;
        PublicKey = generator.CreatePublicKey();
        RelinearizationKey = generator.CreateRelinearizationKey();
        GaloisKeys = generator.CreateGaloisKeys();
        Generator = generator;
        Encryptor = new Encryptor(Context, PublicKey);
        SymmetricEncryptor = new Encryptor(Context, SecretKey);
        Decryptor = new Decryptor(Context, SecretKey);
        Evaluator = new Evaluator(Context, RelinearizationKey, GaloisKeys);
    }

    public string Name { get; }

    public CkksContext Context { get; }

    public CkksEncoder Encoder { get; }

    public KeyGenerator Generator { get; }

    public SecretKey SecretKey { get; }

    public PublicKey PublicKey { get; }

    public RelinearizationKey RelinearizationKey { get; }

    public GaloisKeys GaloisKeys { get; }

    public Encryptor Encryptor { get; }

    public Encryptor SymmetricEncryptor { get; }

    public Decryptor Decryptor { get; }

    public Evaluator Evaluator { get; }

    public int Slots => Context.Parameters.Slots;

    public double Scale => Context.Parameters.DefaultScale;

    /// <summary>N = 2^11, four data primes, hybrid with dnum = 2 (two primes per digit).</summary>
    public static TestSetup Hybrid { get; } = new("hybrid N=2^11 dnum=2", new CkksParametersLiteral
    {
        LogN = 11, LogQ = [50, 40, 40, 40], Dnum = 2, LogDefaultScale = 40, SecurityLevel = SecurityLevel.None,
    });

    /// <summary>N = 2^11 in SEAL's layout: one special prime, one digit per prime.</summary>
    public static TestSetup SealLayout { get; } = new("SEAL layout N=2^11", new CkksParametersLiteral
    {
        LogN = 11, LogQ = [50, 40, 40, 40], LogP = [51], LogDefaultScale = 40, SecurityLevel = SecurityLevel.None,
    });

    /// <summary>N = 2^12, small primes near the scale 2^26 like the reference paper, dnum = 3.</summary>
    public static TestSetup SmallPrimes { get; } = new("26-bit N=2^12 dnum=3", new CkksParametersLiteral
    {
        LogN = 12, LogQ = [40, 26, 26, 26, 26], Dnum = 3, LogDefaultScale = 26, SecurityLevel = SecurityLevel.None,
    });

    /// <summary>
    /// N = 2^11 shaped like SEAL's default sets: primes within two bits of each other, the special prime among the largest, so that the special
    /// prime's centred remainders are below twice every data prime (ModDown and encryption share one signed copy of them).
    /// </summary>
    public static TestSetup SealDefaultLayout { get; } = new("SEAL default layout N=2^11", new CkksParametersLiteral
    {
        LogN = 11, LogQ = [46, 45, 45, 45], LogP = [46], LogDefaultScale = 44, SecurityLevel = SecurityLevel.None,
    });

    public static IEnumerable<TestSetup> All => [Hybrid, SealLayout, SmallPrimes, SealDefaultLayout];

    public static Xunit.TheoryData<string> Names()
    {
        var data = new Xunit.TheoryData<string>();
        foreach (TestSetup setup in All)
        {
            data.Add(setup.Name);
        }

        return data;
    }

    public static TestSetup ByName(string name) => All.Single(s => s.Name == name);

    public Ciphertext Encrypt(double[] values, int? level = null, double? scale = null) =>
        Encryptor.Encrypt(Encoder.Encode(values, level ?? Context.MaxLevel, scale ?? Scale));

    public double[] Decrypt(Ciphertext ciphertext) => Encoder.DecodeReal(Decryptor.Decrypt(ciphertext));

    public Gen<double[]> Vector(double magnitude = 1.0) =>
        Gen.ArrayOf(Gen.Choose(-1_000_000, 1_000_000).Select(v => v / 1_000_000.0 * magnitude), Slots);
}
