using BenchmarkDotNet.Attributes;
using CkksRns.Ckks;

namespace CkksRns.Benchmarks.Ckks;

/// <summary>
/// Polynomial evaluation on a fresh ciphertext at <c>N = 2^14</c>, single thread: degree 3 (two levels) with scalar
/// coefficients in both bases and with per-slot coefficients, and degree 7 (three levels), against one multiplication
/// with relinearization and rescale as the baseline:
/// <c>dotnet run -c Release --project benchmarks/CkksRns.Benchmarks -- --filter '*PolynomialBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class PolynomialBenchmarks
{
    private CkksContext _context = null!;
    private Evaluator _evaluator = null!;
    private PolynomialEvaluator _polynomials = null!;
    private Ciphertext _x = null!;
    private Ciphertext _destination = null!;
    private Polynomial _monomial3 = null!;
    private Polynomial _chebyshev3 = null!;
    private Polynomial _perSlot3 = null!;
    private Polynomial _chebyshev7 = null!;

    /// <summary>The parameter preset: the reference paper's chain with hybrid key switching, or SEAL's default N = 2^14 set.</summary>
    [Params("ReferencePaperHybrid", "SealDefault16384")]
    public string Parameters { get; set; } = "ReferencePaperHybrid";

    [GlobalSetup]
    public void Setup()
    {
        CkksParametersLiteral literal = Parameters == "SealDefault16384" ? CkksPresets.SealDefault16384 : CkksPresets.ReferencePaperHybrid;
        _context = new CkksContext(CkksParameters.Create(literal), maxDegreeOfParallelism: 1);
        var generator = new KeyGenerator(_context);
        var encoder = new CkksEncoder(_context);
        _evaluator = new Evaluator(_context, generator.CreateRelinearizationKey());
        _polynomials = new PolynomialEvaluator(_evaluator);
        var random = new Random(42);
        int slots = _context.Parameters.Slots;
        double[] values = Enumerable.Range(0, slots).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        _x = new Encryptor(_context, generator.CreatePublicKey()).Encrypt(encoder.Encode(values));
        _destination = new Ciphertext(_context);
        _monomial3 = Polynomial.FromMonomial([0.1, 0.5, -0.25, 0.125]);
        _chebyshev3 = Polynomial.FromChebyshev([0.1, 0.5, -0.25, 0.125], -4, 4);
        _perSlot3 = Polynomial.FromMonomial(Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, slots).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray());
        _chebyshev7 = Polynomial.FromChebyshev([0.1, 0.5, -0.25, 0.125, 0.3, -0.2, 0.1, 0.05]);
    }

    /// <summary>The unit of cost: one multiplication with relinearization and rescale at the top level.</summary>
    [Benchmark(Baseline = true)]
    public Ciphertext MultiplyRelinearizeRescale()
    {
        _evaluator.MultiplyRelinearize(_x, _x, _destination);
        _evaluator.Rescale(_destination, _destination);
        return _destination;
    }

    [Benchmark]
    public Ciphertext Degree3Monomial()
    {
        _polynomials.Evaluate(_x, _monomial3, _destination);
        return _destination;
    }

    [Benchmark]
    public Ciphertext Degree3ChebyshevOnInterval()
    {
        _polynomials.Evaluate(_x, _chebyshev3, _destination);
        return _destination;
    }

    [Benchmark]
    public Ciphertext Degree3PerSlot()
    {
        _polynomials.Evaluate(_x, _perSlot3, _destination);
        return _destination;
    }

    [Benchmark]
    public Ciphertext Degree7Chebyshev()
    {
        _polynomials.Evaluate(_x, _chebyshev7, _destination);
        return _destination;
    }
}
