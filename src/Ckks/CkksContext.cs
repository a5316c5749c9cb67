using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Bases;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// Everything precomputed for one <see cref="CkksParameters"/> set: the rings of the data chain and of the special
/// primes (NTT tables), the encoder's FFT tables, rescaling constants, the key-switching digit partition with its
/// base converters, and Galois elements. Every other CKKS object is created from a context.
/// </summary>
/// <remarks>
/// <para>
/// A context is immutable apart from <see cref="MaxDegreeOfParallelism"/> and is safe to share between threads. Base
/// converters for key switching are built on first use at each level and then cached.
/// </para>
/// </remarks>
public sealed class CkksContext
{
    private readonly ShoupOperand[][] _rescaleInverse;
    private readonly ulong[][] _rescaleHalf;
    private readonly ShoupOperand[] _pInverseModQ;
    private readonly ulong[] _pModQ;
    private readonly ShoupOperand[] _pModQShoup;
    private readonly BaseConverter?[] _modDownConverters;
    private readonly ModUpPlan?[][] _modUpPlans;
    private RnsPoly? _imaginaryUnit;
    private Dictionary<long, int>? _discreteLog;

    /// <summary>Precomputes everything for <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The validated parameter set.</param>
    /// <param name="maxDegreeOfParallelism">
    /// The most threads one operation may use (work is split over RNS limbs); <see langword="null"/> means
    /// <see cref="Environment.ProcessorCount"/>, 1 means always sequential. Results do not depend on it.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegreeOfParallelism"/> is below 1.</exception>
    public CkksContext(CkksParameters parameters, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (maxDegreeOfParallelism is int dop)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(dop, 1, nameof(maxDegreeOfParallelism));
        }

        Parameters = parameters;
        int threads = maxDegreeOfParallelism ?? Environment.ProcessorCount;
        RingQ = new RnsContext(parameters.N, parameters.Q, threads);
        RingP = new RnsContext(parameters.N, parameters.P, threads);
        Fft = new SpecialFft(parameters.N);

        int levels = parameters.QCount;
        Modulus[] q = RingQ.ModuliArray;
        Modulus[] p = RingP.ModuliArray;

        // Rescaling by q_l at level l: q_l^-1 mod q_i and floor(q_l / 2) mod q_i for i < l.
        _rescaleInverse = new ShoupOperand[levels][];
        _rescaleHalf = new ulong[levels][];
        for (int level = 1; level < levels; level++)
        {
            _rescaleInverse[level] = new ShoupOperand[level];
            _rescaleHalf[level] = new ulong[level];
            ulong last = q[level].Value;
            for (int i = 0; i < level; i++)
            {
                _rescaleInverse[level][i] = q[i].CreateShoupOperand(q[i].Inverse(q[i].Reduce(last)));
                _rescaleHalf[level][i] = q[i].Reduce(last >> 1);
            }
        }

        _rescaleInverse[0] = [];
        _rescaleHalf[0] = [];

        // Key switching: P mod q_i (gadget factor) and P^-1 mod q_i (ModDown).
        _pModQ = new ulong[levels];
        _pInverseModQ = new ShoupOperand[levels];
        _pModQShoup = new ShoupOperand[levels];
        for (int i = 0; i < levels; i++)
        {
            ulong product = 1;
            foreach (Modulus pj in p)
            {
                product = q[i].Multiply(product, q[i].Reduce(pj.Value));
            }

            _pModQ[i] = product;
            _pModQShoup[i] = q[i].CreateShoupOperand(product);
            _pInverseModQ[i] = q[i].CreateShoupOperand(q[i].Inverse(product));
        }

        _modDownConverters = new BaseConverter?[levels];
        _modUpPlans = new ModUpPlan?[levels][];
        for (int level = 0; level < levels; level++)
        {
            _modUpPlans[level] = new ModUpPlan?[parameters.DigitCountAt(level)];
        }

        ConjugationGaloisElement = 2L * parameters.N - 1;
    }

    /// <summary>The parameter set.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>
    /// The most threads one operation may use (work is split over RNS limbs and over digits). Results do not depend on it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => RingQ.MaxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            RingQ.MaxDegreeOfParallelism = value;
            RingP.MaxDegreeOfParallelism = value;
        }
    }

    /// <summary>The Galois element of complex conjugation, <c>2N - 1</c>.</summary>
    public long ConjugationGaloisElement { get; }

    /// <summary>The ring of the data chain <c>q_0, ..., q_L</c>.</summary>
    internal RnsContext RingQ { get; }

    /// <summary>The ring of the special primes <c>p_0, ..., p_(k-1)</c>.</summary>
    internal RnsContext RingP { get; }

    /// <summary>The canonical-embedding FFT.</summary>
    internal SpecialFft Fft { get; }

    /// <summary>The ring degree <c>N</c>.</summary>
    internal int N => Parameters.N;

    /// <summary>The top level <c>L</c>.</summary>
    internal int MaxLevel => Parameters.MaxLevel;

    /// <summary>The Galois element <c>5^step mod 2N</c> that rotates the slots left by <paramref name="step"/> (right when negative).</summary>
    /// <param name="step">Any rotation step; taken modulo <c>N/2</c>.</param>
    /// <returns>The Galois element in <c>[1, 2N)</c>.</returns>
    public long GaloisElementForRotation(int step)
    {
        int slots = Parameters.Slots;
        long k = ((step % slots) + slots) % slots;
        long twoN = 2L * Parameters.N, result = 1, power = 5;
        while (k != 0)
        {
            if ((k & 1) != 0)
            {
                result = result * power % twoN;
            }

            power = power * power % twoN;
            k >>= 1;
        }

        return result;
    }

    /// <summary><c>q_level^-1 mod q_i</c> for <c>i &lt; level</c>.</summary>
    internal ReadOnlySpan<ShoupOperand> RescaleInverse(int level) => _rescaleInverse[level];

    /// <summary><c>floor(q_level / 2) mod q_i</c> for <c>i &lt; level</c>.</summary>
    internal ReadOnlySpan<ulong> RescaleHalf(int level) => _rescaleHalf[level];

    /// <summary><c>P mod q_i</c> for every data prime.</summary>
    internal ReadOnlySpan<ulong> PModQ => _pModQ;

    /// <summary><c>P mod q_i</c> for every data prime, as Shoup operands.</summary>
    internal ShoupOperand[] PModQShoup => _pModQShoup;

    /// <summary><c>P^-1 mod q_i</c> for every data prime.</summary>
    internal ReadOnlySpan<ShoupOperand> PInverseModQ => _pInverseModQ;

    /// <summary>The converter from the special primes to <c>q_0, ..., q_level</c> (cached).</summary>
    internal BaseConverter ModDownConverter(int level)
    {
        BaseConverter? existing = Volatile.Read(ref _modDownConverters[level]);
        if (existing is not null)
        {
            return existing;
        }

        var created = new BaseConverter(new RnsBase(RingP.ModuliArray), RingQ.GetBase(level + 1));
        return Interlocked.CompareExchange(ref _modDownConverters[level], created, null) ?? created;
    }



    /// <summary>The plan extending digit <paramref name="digit"/> at <paramref name="level"/> to the other data primes and the special primes (cached).</summary>
    internal ModUpPlan GetModUpPlan(int level, int digit)
    {
        ModUpPlan? existing = Volatile.Read(ref _modUpPlans[level][digit]);
        if (existing is not null)
        {
            return existing;
        }

        int size = Parameters.DigitSize;
        int start = digit * size, count = Math.Min(size, level + 1 - start);
        Modulus[] q = RingQ.ModuliArray;
        var source = new Modulus[count];
        Array.Copy(q, start, source, 0, count);
        var target = new List<Modulus>(level + 1 - count + RingP.ModulusCount);
        for (int i = 0; i <= level; i++)
        {
            if (i < start || i >= start + count)
            {
                target.Add(q[i]);
            }
        }

        target.AddRange(RingP.ModuliArray);
        var created = new ModUpPlan(start, count, new BaseConverter(new RnsBase(source), new RnsBase(target)));
        return Interlocked.CompareExchange(ref _modUpPlans[level][digit], created, null) ?? created;
    }

    /// <summary>
    /// The NTT form of the monomial <c>X^(N/2)</c> (all data limbs): multiplying by it multiplies every slot by <c>i</c>,
    /// because <c>ζ^(5^j·N/2) = i</c>.
    /// </summary>
    internal RnsPoly ImaginaryUnit
    {
        get
        {
            RnsPoly? existing = Volatile.Read(ref _imaginaryUnit);
            if (existing is not null)
            {
                return existing;
            }

            var created = new RnsPoly(RingQ, Parameters.QCount);
            var coefficients = new long[N];
            coefficients[N / 2] = 1;
            created.SetCoefficients(coefficients);
            created.ToNtt();
            return Interlocked.CompareExchange(ref _imaginaryUnit, created, null) ?? created;
        }
    }

    /// <summary>The rotation step <c>k</c> in <c>[0, N/2)</c> with <c>5^k ≡ g (mod 2N)</c>, or -1 when <c>g</c> is not a power of 5.</summary>
    internal int RotationStepOf(long galoisElement)
    {
        Dictionary<long, int>? table = Volatile.Read(ref _discreteLog);
        if (table is null)
        {
            table = new Dictionary<long, int>(Parameters.Slots);
            long twoN = 2L * N, power = 1;
            for (int k = 0; k < Parameters.Slots; k++)
            {
                table[power] = k;
                power = power * 5 % twoN;
            }

            table = Interlocked.CompareExchange(ref _discreteLog, table, null) ?? table;
        }

        long normalized = ((galoisElement % (2L * N)) + 2L * N) % (2L * N);
        return table.TryGetValue(normalized, out int step) ? step : -1;
    }

    /// <summary>Throws unless <paramref name="level"/> is in <c>[0, L]</c>.</summary>
    internal void CheckLevel(int level, string paramName)
    {
        if (level < 0 || level > MaxLevel)
        {
            throw new ArgumentOutOfRangeException(paramName, level, $"The level must be in [0, {MaxLevel}] (L = {MaxLevel}).");
        }
    }

    /// <summary>Throws unless <paramref name="scale"/> is finite and positive.</summary>
    internal static void CheckScale(double scale, string paramName)
    {
        if (!double.IsFinite(scale) || scale <= 0)
        {
            throw new ArgumentOutOfRangeException(paramName, scale, "The scale must be a finite positive number.");
        }
    }

    /// <summary>Throws unless <paramref name="other"/> belongs to this context (same instance).</summary>
    internal void CheckSame(CkksContext other, string paramName)
    {
        if (!ReferenceEquals(this, other))
        {
            throw new ArgumentException(
                other.Parameters.Equals(Parameters)
                    ? "The object belongs to another CkksContext with the same parameters; objects must share one context instance."
                    : "The object belongs to a CkksContext with different parameters.",
                paramName);
        }
    }

    /// <summary>Log2 of a value for messages.</summary>
    internal static string Log2(double value) => BitOperations.IsPow2((ulong)Math.Max(1, value)) && value < 1e18
        ? $"2^{Math.Log2(value):0}"
        : $"2^{Math.Log2(value):0.####}";
}
