using System.Collections.Concurrent;
using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Bases;
using CkksRns.Rns.Ntt;
using CkksRns.Rns.Primes;

namespace CkksRns.Rns.Polynomials;

/// <summary>
/// The ring <c>Z_Q[X]/(X^N + 1)</c> in residue form: the degree <c>N</c>, the NTT-friendly primes
/// <c>q_0, …, q_(L-1)</c> whose product is <c>Q</c>, their NTT tables, and the degree of parallelism used for work over
/// limbs. Every <see cref="RnsPoly"/> belongs to one context and uses a prefix <c>q_0, …, q_(ℓ-1)</c> of its primes.
/// </summary>
/// <remarks>
/// <para>
/// A scheme typically creates one context for its ciphertext modulus chain and one for its special primes (like
/// Lattigo's <c>RingQ</c> and <c>RingP</c>); both may share <c>N</c> but must not share primes if they are combined.
/// </para>
/// <para>
/// Contexts are immutable except for <see cref="MaxDegreeOfParallelism"/>, and safe to share between threads. Galois
/// permutations used by <see cref="RnsPoly.Automorphism(RnsPoly, long, RnsPoly)"/> are computed on first use and cached.
/// </para>
/// </remarks>
public sealed class RnsContext
{
    /// <summary>The largest number of primes a context may hold.</summary>
    public const int MaxModulusCount = 256;

    private readonly Modulus[] _moduli;
    private readonly NttTables[] _nttTables;
    private readonly RnsBase?[] _bases;
    private readonly ConcurrentDictionary<int, uint[]> _coefficientGalois = new();
    private readonly ConcurrentDictionary<int, NttGaloisPermutation> _nttGalois = new();
    private int _maxDegreeOfParallelism;
    private ParallelOptions _parallelOptions;

    /// <summary>Creates a context for degree <paramref name="n"/> and the given primes.</summary>
    /// <param name="n">The ring degree <c>N</c>: a power of two in <c>[2^10, 2^17]</c>.</param>
    /// <param name="moduli">1 to <see cref="MaxModulusCount"/> distinct primes <c>q ≡ 1 (mod 2N)</c> of at most 61 bits.</param>
    /// <param name="maxDegreeOfParallelism">
    /// The most threads a single polynomial operation may use (work is split over limbs); <see langword="null"/> means
    /// <see cref="Environment.ProcessorCount"/>, 1 means always sequential.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="moduli"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> or <paramref name="maxDegreeOfParallelism"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A modulus is too large, not prime, not <c>1 mod 2N</c>, or repeated; or there are none or too many.</exception>
    public RnsContext(int n, IReadOnlyList<ulong> moduli, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(moduli);
        if (n < Ntt.NttTables.MinN || n > Ntt.NttTables.MaxN || !BitOperations.IsPow2(n))
        {
            throw new ArgumentOutOfRangeException(
                nameof(n), n, $"N must be a power of two in [2^10, 2^17] = [{Ntt.NttTables.MinN}, {Ntt.NttTables.MaxN}].");
        }

        if (moduli.Count is 0 or > MaxModulusCount)
        {
            throw new ArgumentException($"A context needs 1 to {MaxModulusCount} moduli; got {moduli.Count}.", nameof(moduli));
        }

        ulong twoN = 2UL * (ulong)n;
        var seen = new HashSet<ulong>();
        _moduli = new Modulus[moduli.Count];
        for (int i = 0; i < moduli.Count; i++)
        {
            ulong q = moduli[i];
            if (q >= 1UL << Modulus.MaxBitCount)
            {
                throw new ArgumentException($"moduli[{i}] = {q} has more than {Modulus.MaxBitCount} bits.", nameof(moduli));
            }

            if (q % twoN != 1)
            {
                throw new ArgumentException(
                    $"moduli[{i}] = {q} is not 1 mod 2N = {twoN} (N = {n}); it cannot support a negacyclic NTT of length {n}.",
                    nameof(moduli));
            }

            if (!NttPrimes.IsPrime(q))
            {
                throw new ArgumentException($"moduli[{i}] = {q} is not prime.", nameof(moduli));
            }

            if (!seen.Add(q))
            {
                throw new ArgumentException($"moduli[{i}] = {q} appears more than once; the primes must be distinct.", nameof(moduli));
            }

            _moduli[i] = new Modulus(q);
        }

        N = n;
        LogN = BitOperations.Log2((uint)n);
        _nttTables = new NttTables[_moduli.Length];
        for (int i = 0; i < _moduli.Length; i++)
        {
            _nttTables[i] = new NttTables(n, _moduli[i]);
        }

        _bases = new RnsBase?[_moduli.Length + 1];
        Moduli = Array.AsReadOnly(_moduli);
        NttTables = Array.AsReadOnly(_nttTables);
        _parallelOptions = new ParallelOptions();
        MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount;
    }

    /// <summary>The ring degree <c>N</c>.</summary>
    public int N { get; }

    /// <summary><c>log2 N</c>.</summary>
    public int LogN { get; }

    /// <summary>The number of primes <c>L</c>: the largest limb count a polynomial of this context can have.</summary>
    public int ModulusCount => _moduli.Length;

    /// <summary>The primes <c>q_0, …, q_(L-1)</c>.</summary>
    public IReadOnlyList<Modulus> Moduli { get; }

    /// <summary>The NTT tables, one per prime, in the same order as <see cref="Moduli"/>.</summary>
    public IReadOnlyList<NttTables> NttTables { get; }

    /// <summary>
    /// The most threads one polynomial operation may use; work is split over limbs with <see cref="Parallel"/> when this
    /// is above 1 and the operation is large enough. Results do not depend on it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxDegreeOfParallelism = value;
            _parallelOptions = new ParallelOptions { MaxDegreeOfParallelism = value };
        }
    }

    internal ParallelOptions ParallelOptions => _parallelOptions;

    internal Modulus[] ModuliArray => _moduli;

    internal NttTables[] NttTablesArray => _nttTables;

    /// <summary>The RNS base of the first <paramref name="limbCount"/> primes (cached).</summary>
    /// <param name="limbCount">The number of primes, in <c>[1, ModulusCount]</c>.</param>
    /// <returns>The base <c>{q_0, …, q_(limbCount-1)}</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limbCount"/> is out of range.</exception>
    public RnsBase GetBase(int limbCount)
    {
        if (limbCount < 1 || limbCount > _moduli.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(limbCount), limbCount, $"Expected 1 to {_moduli.Length} limbs.");
        }

        RnsBase? existing = Volatile.Read(ref _bases[limbCount]);
        if (existing is not null)
        {
            return existing;
        }

        var created = new RnsBase(new ArraySegment<Modulus>(_moduli, 0, limbCount));
        return Interlocked.CompareExchange(ref _bases[limbCount], created, null) ?? created;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"RnsContext(N = {N}, {_moduli.Length} moduli of {string.Join("+", _moduli.Select(m => m.BitCount))} bits)";

    /// <summary>Normalises a Galois element to <c>[1, 2N)</c> and checks it is odd.</summary>
    internal int NormalizeGaloisElement(long galoisElement, string paramName)
    {
        long twoN = 2L * N;
        long k = ((galoisElement % twoN) + twoN) % twoN;
        if ((k & 1) == 0)
        {
            throw new ArgumentException(
                $"The Galois element {galoisElement} (≡ {k} mod 2N = {twoN}) must be odd for X -> X^k to be an automorphism.",
                paramName);
        }

        return (int)k;
    }

    // Both maps are looked up before GetOrAdd: converting the instance method to a delegate allocates on every call
    // (64 bytes per rotation).

    /// <summary>
    /// For coefficient form: entry <c>j</c> is <c>i | sign·2^31</c> such that coefficient <c>j</c> of <c>a(X^k)</c> is
    /// <c>±a_i</c> (minus when the sign bit is set).
    /// </summary>
    internal uint[] GetCoefficientGaloisMap(int k) =>
        _coefficientGalois.TryGetValue(k, out uint[]? map) ? map : _coefficientGalois.GetOrAdd(k, BuildCoefficientGaloisMap);

    /// <summary>For NTT form: slot <c>j</c> of <c>a(X^k)</c> is slot <c>Slots[j]</c> of the input (with its block form for vector code).</summary>
    internal NttGaloisPermutation GetNttGaloisPermutation(int k) =>
        _nttGalois.TryGetValue(k, out NttGaloisPermutation? permutation) ? permutation : _nttGalois.GetOrAdd(k, BuildNttGaloisPermutation);

    private uint[] BuildCoefficientGaloisMap(int k)
    {
        int n = N, mask = 2 * n - 1;
        int kInverse = InverseModPowerOfTwo(k, mask);
        var map = new uint[n];
        for (int j = 0; j < n; j++)
        {
            // X^i -> X^(i·k); coefficient j of the image comes from i = j·k^-1 mod 2N, negated when that i is >= N
            // (X^(i·k) with i·k ≡ j + N means -X^j).
            int i = (int)((long)j * kInverse & mask);
            map[j] = i < n ? (uint)i : (uint)(i - n) | 0x8000_0000u;
        }

        return map;
    }

    private NttGaloisPermutation BuildNttGaloisPermutation(int k)
    {
        // Slot j holds a(ψ^e) with e = 2·brv(j) + 1. The image a(X^k) at ψ^e equals a(ψ^(e·k)), the input's slot
        // brv((e·k mod 2N - 1) / 2).
        int n = N, logN = LogN, mask = 2 * n - 1;
        var permutation = new int[n];
        for (int j = 0; j < n; j++)
        {
            long e = 2L * ReverseBits(j, logN) + 1;
            int ek = (int)(e * k & mask);
            permutation[j] = ReverseBits((ek - 1) >> 1, logN);
        }

        return new NttGaloisPermutation(permutation);
    }

    private static int InverseModPowerOfTwo(int k, int mask)
    {
        // Newton iteration: x ← x·(2 - k·x) doubles the number of correct low bits; k·k ≡ 1 mod 8 for odd k.
        long x = k;
        for (int i = 0; i < 5; i++)
        {
            x = x * (2 - k * x) & mask;
        }

        return (int)(x & mask);
    }

    private static int ReverseBits(int value, int bits) => (int)(ReverseBits32((uint)value) >> (32 - bits));

    private static uint ReverseBits32(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
        return (v >> 16) | (v << 16);
    }
}
