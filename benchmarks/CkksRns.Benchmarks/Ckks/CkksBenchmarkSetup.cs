using CkksRns.Ckks;

namespace CkksRns.Benchmarks.Ckks;

/// <summary>A parameter set with keys and operands, built once per benchmark process.</summary>
internal sealed class CkksBenchmarkSetup
{
    public CkksBenchmarkSetup(CkksParametersLiteral literal, int maxDegreeOfParallelism, int[] rotationSteps)
    {
        Context = new CkksContext(CkksParameters.Create(literal), maxDegreeOfParallelism);
        Encoder = new CkksEncoder(Context);
        var generator = new KeyGenerator(Context);
        SecretKey = generator.SecretKey;
        Encryptor = new Encryptor(Context, generator.CreatePublicKey());
        SymmetricEncryptor = new Encryptor(Context, generator.SecretKey);
        Decryptor = new Decryptor(Context, generator.SecretKey);
        Evaluator = new Evaluator(Context, generator.CreateRelinearizationKey(), generator.CreateGaloisKeys(rotationSteps, includeConjugation: true));
        var random = new Random(42);
        Values = Enumerable.Range(0, Context.Parameters.Slots).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        Plain = Encoder.Encode(Values);
        A = Encryptor.Encrypt(Plain);
        B = Encryptor.Encrypt(Encoder.Encode(Values.Reverse().ToArray()));
        Product = Evaluator.Multiply(A, B);
        Destination = new Ciphertext(Context);
        PlainDestination = new Plaintext(Context);
    }

    public CkksContext Context { get; }

    public CkksEncoder Encoder { get; }

    public SecretKey SecretKey { get; }

    public Encryptor Encryptor { get; }

    public Encryptor SymmetricEncryptor { get; }

    public Decryptor Decryptor { get; }

    public Evaluator Evaluator { get; }

    public double[] Values { get; }

    public Plaintext Plain { get; }

    public Ciphertext A { get; }

    public Ciphertext B { get; }

    public Ciphertext Product { get; }

    public Ciphertext Destination { get; }

    public Plaintext PlainDestination { get; }

    public static CkksParametersLiteral Preset(string name) => name switch
    {
        "SealDefault8192" => CkksPresets.SealDefault8192,
        "SealDefault16384" => CkksPresets.SealDefault16384,
        "SealDefault32768" => CkksPresets.SealDefault32768,
        "ReferencePaper" => CkksPresets.ReferencePaper,
        "ReferencePaperHybrid" => CkksPresets.ReferencePaperHybrid,
        _ => throw new ArgumentException($"Unknown preset {name}.", nameof(name)),
    };
}
