using System.Collections.Concurrent;
using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// Homomorphic operations on ciphertexts: addition, subtraction, negation, multiplication (by ciphertexts,
/// plaintexts, constants, integers), relinearization, rescaling, level dropping, slot rotations, conjugation, hoisted
/// rotations and inner sums.
/// </summary>
/// <remarks>
/// <para>
/// Every operation has an allocating form that returns a new ciphertext and a form that writes into a
/// <c>destination</c>, which may be one of the inputs. Inputs are never modified otherwise.
/// </para>
/// <para>
/// <b>Levels and scales are never adjusted silently.</b> Operands of a binary operation must be at the same level,
/// and operands of an addition at the same scale (relative difference below <c>2^-40</c>); otherwise an
/// <see cref="ArgumentException"/> says what to do (<see cref="DropLevel(Ciphertext, int)"/>, <see cref="Rescale(Ciphertext)"/>,
/// or <see cref="MatchLevelsAndScales(Ciphertext, Ciphertext)"/>). A plaintext operand may be at a higher level than
/// the ciphertext; only its first limbs are used.
/// </para>
/// <para>
/// <b>Thread safety.</b> An evaluator can be used from several threads at once: scratch memory comes from pools, one
/// set per concurrent call. A ciphertext must not be written by two calls at the same time.
/// </para>
/// <para>
/// <b>Parallelism.</b> Each operation splits its work over RNS limbs up to <see cref="CkksContext.MaxDegreeOfParallelism"/>;
/// results do not depend on it.
/// </para>
/// </remarks>
public sealed partial class Evaluator
{
    /// <summary>The largest relative difference between two scales that still counts as equal.</summary>
    public const double ScaleTolerance = 1.0 / (1L << 40);

    private readonly KeySwitcher _keySwitcher;

    /// <summary>The key switcher (scratch pool and key-switching steps), for double-hoisted linear transforms.</summary>
    internal KeySwitcher KeySwitcher => _keySwitcher;
    private readonly PolyPool _pool;
    private readonly ConcurrentDictionary<int, int[]> _rotationPlans = new();

    /// <summary>Creates an evaluator.</summary>
    /// <param name="context">The CKKS context.</param>
    /// <param name="relinearizationKey">The key for <see cref="Relinearize(Ciphertext)"/>; optional.</param>
    /// <param name="galoisKeys">The keys for rotations and conjugation; optional.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="ArgumentException">A key belongs to another context.</exception>
    public Evaluator(CkksContext context, RelinearizationKey? relinearizationKey = null, GaloisKeys? galoisKeys = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (relinearizationKey is not null)
        {
            context.CheckSame(relinearizationKey.Context, nameof(relinearizationKey));
        }

        if (galoisKeys is not null)
        {
            context.CheckSame(galoisKeys.Context, nameof(galoisKeys));
        }

        Context = context;
        RelinearizationKey = relinearizationKey;
        GaloisKeys = galoisKeys;
        _keySwitcher = new KeySwitcher(context);
        _pool = new PolyPool(context.RingQ);
    }

    /// <summary>The context.</summary>
    public CkksContext Context { get; }

    /// <summary>The relinearization key, if any.</summary>
    public RelinearizationKey? RelinearizationKey { get; }

    /// <summary>The Galois keys, if any.</summary>
    public GaloisKeys? GaloisKeys { get; }

    private static Ciphertext NewLike(Ciphertext a) => new(a.Context, 2, a.Level, a.Scale);

    private void CheckCiphertext(Ciphertext a, string name)
    {
        ArgumentNullException.ThrowIfNull(a, name);
        Context.CheckSame(a.Context, name);
    }

    private void CheckDestination(Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Context.CheckSame(destination.Context, nameof(destination));
    }

    private void CheckPlaintext(Plaintext b, int level, string name)
    {
        ArgumentNullException.ThrowIfNull(b, name);
        Context.CheckSame(b.Context, name);
        if (b.Level < level)
        {
            throw new ArgumentException(
                $"Level mismatch: the plaintext is at level {b.Level}, below the ciphertext's level {level}. " +
                $"Encode the plaintext at level {level} (or higher), or DropLevel the ciphertext to {b.Level}.", name);
        }
    }

    private static void CheckSameLevel(Ciphertext a, Ciphertext b)
    {
        if (a.Level != b.Level)
        {
            throw new ArgumentException(
                $"Level mismatch: a.Level = {a.Level}, b.Level = {b.Level}. Bring both to the same level first: " +
                $"DropLevel the higher one by {Math.Abs(a.Level - b.Level)}, or call MatchLevelsAndScales(a, b).", nameof(b));
        }
    }

    private static void CheckSameScale(double a, double b, string name)
    {
        if (!ScalesMatch(a, b))
        {
            throw new ArgumentException(
                $"Scale mismatch: {CkksContext.Log2(a)} vs {CkksContext.Log2(b)}. Operands of an addition or subtraction need the " +
                "same scale: rescale the one with the larger scale, encode the plaintext at the ciphertext's scale, or call " +
                "MatchLevelsAndScales(a, b).", name);
        }
    }

    private static bool ScalesMatch(double a, double b) => Math.Abs(a - b) <= ScaleTolerance * Math.Max(a, b);

    private static void CheckSize2(Ciphertext a, string name, string operation)
    {
        if (a.Size != 2)
        {
            throw new ArgumentException(
                $"{operation} needs a ciphertext of size 2; {name} has size {a.Size}. Relinearize it first.", name);
        }
    }

    /// <summary>The residues of the integer <paramref name="value"/> (any size) modulo the first <paramref name="limbs"/> data primes, as Shoup operands.</summary>
    private ShoupOperand[] IntegerOperands(BigInteger value, int limbs)
    {
        var operands = new ShoupOperand[limbs];
        Modulus[] moduli = Context.RingQ.ModuliArray;
        for (int i = 0; i < limbs; i++)
        {
            BigInteger r = BigInteger.Remainder(value, moduli[i].Value);
            ulong residue = (ulong)(r.Sign < 0 ? r + moduli[i].Value : r);
            operands[i] = moduli[i].CreateShoupOperand(residue);
        }

        return operands;
    }

    /// <summary><c>round(value · scale)</c> as an exact integer; throws when not finite.</summary>
    private static BigInteger RoundToInteger(double value, double scale, string name)
    {
        double scaled = Math.Round(value * scale);
        if (!double.IsFinite(scaled))
        {
            throw new ArgumentException($"The constant {value} times the scale {CkksContext.Log2(scale)} is not a finite number.", name);
        }

        return new BigInteger(scaled);
    }
}
