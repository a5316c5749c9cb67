using BenchmarkDotNet.Attributes;
using CkksRns.Ckks;

namespace CkksRns.Benchmarks.Ckks;

/// <summary>
/// Dense <c>n × n</c> matrix times an encrypted vector (replicated blocks of <c>n</c> slots) at <c>N = 2^14</c> with the
/// reference paper's chain and hybrid key switching, diagonals encoded at level 3 (four primes), single thread, against
/// one rotation at the same level as the baseline:
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*LinearTransformBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class LinearTransformBenchmarks
{
    private const int Level = 3;
    private Evaluator _evaluator = null!;
    private LinearTransform _transform = null!;
    private Ciphertext _x = null!;
    private Ciphertext _destination = null!;

    /// <summary>The matrix dimension.</summary>
    [Params(16, 64, 256)]
    public int Size { get; set; } = 64;

    [GlobalSetup]
    public void Setup()
    {
        var context = new CkksContext(CkksParameters.Create(CkksPresets.ReferencePaperHybrid), maxDegreeOfParallelism: 1);
        var random = new Random(42);
        var matrix = new double[Size, Size];
        for (int r = 0; r < Size; r++)
        {
            for (int c = 0; c < Size; c++)
            {
                matrix[r, c] = random.NextDouble() * 2 - 1;
            }
        }

        _transform = new LinearTransform(context, matrix, level: Level);
        var generator = new KeyGenerator(context);
        _evaluator = new Evaluator(context, galoisKeys: generator.CreateGaloisKeys([1, .. _transform.RequiredRotations]));
        double[] vector = Enumerable.Range(0, Size).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var encoder = new CkksEncoder(context);
        _x = new Encryptor(context, generator.CreatePublicKey())
            .Encrypt(encoder.Encode(_transform.PackInput(vector), Level, context.Parameters.DefaultScale));
        _destination = new Ciphertext(context);
    }

    /// <summary>The unit of cost: one rotation (key switch) at the same level.</summary>
    [Benchmark(Baseline = true)]
    public Ciphertext RotateOnce()
    {
        _evaluator.Rotate(_x, 1, _destination);
        return _destination;
    }

    [Benchmark]
    public Ciphertext MatrixVector()
    {
        _transform.Evaluate(_evaluator, _x, _destination);
        return _destination;
    }
}
