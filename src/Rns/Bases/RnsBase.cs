using System.Numerics;
using CkksRns.Rns.Arithmetic;

namespace CkksRns.Rns.Bases;

/// <summary>
/// A residue number system base: pairwise co-prime moduli <c>q_0, …, q_(k-1)</c> with product <c>Q</c>, and the
/// Chinese-remainder constants to move between an integer modulo <c>Q</c> and its residues.
/// </summary>
/// <remarks>
/// <para>
/// Composition uses <c>x = Σ_i [x_i · (Q/q_i)^-1]_(q_i) · (Q/q_i) mod Q</c>; the punctured products <c>Q/q_i</c> and
/// their inverses modulo <c>q_i</c> are precomputed. <see cref="BaseConverter"/> builds on the same constants to convert
/// residues to another base without going through big integers.
/// </para>
/// <para>Instances are immutable and safe to share between threads.</para>
/// </remarks>
public sealed class RnsBase
{
    /// <summary>The largest number of moduli a base may have.</summary>
    public const int MaxCount = 512;

    private readonly Modulus[] _moduli;
    private readonly BigInteger[] _puncturedProducts;
    private readonly ShoupOperand[] _inversePuncturedProducts;

    /// <summary>Creates a base from moduli given as integers.</summary>
    /// <param name="moduli">One to <see cref="MaxCount"/> pairwise co-prime moduli, each odd and in <c>[3, 2^61)</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="moduli"/> is null.</exception>
    /// <exception cref="ArgumentException">The list is empty, too long, or two moduli share a factor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A modulus is even or outside <c>[3, 2^61)</c>.</exception>
    public RnsBase(IReadOnlyList<ulong> moduli)
        : this(ToModuli(moduli))
    {
    }

    /// <summary>Creates a base from moduli.</summary>
    /// <param name="moduli">One to <see cref="MaxCount"/> pairwise co-prime moduli.</param>
    /// <exception cref="ArgumentNullException"><paramref name="moduli"/> is null.</exception>
    /// <exception cref="ArgumentException">The list is empty, too long, or two moduli share a factor.</exception>
    public RnsBase(IReadOnlyList<Modulus> moduli)
    {
        ArgumentNullException.ThrowIfNull(moduli);
        if (moduli.Count is 0 or > MaxCount)
        {
            throw new ArgumentException($"An RNS base needs 1 to {MaxCount} moduli; got {moduli.Count}.", nameof(moduli));
        }

        _moduli = [.. moduli];
        for (int i = 0; i < _moduli.Length; i++)
        {
            if (_moduli[i].Value == 0)
            {
                throw new ArgumentException($"moduli[{i}] is an uninitialized Modulus (value 0).", nameof(moduli));
            }

            for (int j = 0; j < i; j++)
            {
                ulong g = Gcd(_moduli[i].Value, _moduli[j].Value);
                if (g != 1)
                {
                    throw new ArgumentException(
                        $"moduli[{j}] = {_moduli[j].Value} and moduli[{i}] = {_moduli[i].Value} are not co-prime (gcd = {g}).",
                        nameof(moduli));
                }
            }
        }

        BigInteger product = BigInteger.One;
        foreach (Modulus q in _moduli)
        {
            product *= q.Value;
        }

        Product = product;
        _puncturedProducts = new BigInteger[_moduli.Length];
        _inversePuncturedProducts = new ShoupOperand[_moduli.Length];
        for (int i = 0; i < _moduli.Length; i++)
        {
            Modulus q = _moduli[i];
            _puncturedProducts[i] = product / q.Value;
            ulong punctured = (ulong)(_puncturedProducts[i] % q.Value);
            _inversePuncturedProducts[i] = q.CreateShoupOperand(q.Inverse(punctured));
        }

        Moduli = Array.AsReadOnly(_moduli);
        PuncturedProducts = Array.AsReadOnly(_puncturedProducts);
        InversePuncturedProducts = Array.AsReadOnly(_inversePuncturedProducts);
    }

    /// <summary>The number of moduli <c>k</c>.</summary>
    public int Count => _moduli.Length;

    /// <summary>The moduli <c>q_0, …, q_(k-1)</c>.</summary>
    public IReadOnlyList<Modulus> Moduli { get; }

    /// <summary>The product <c>Q = Π q_i</c>.</summary>
    public BigInteger Product { get; }

    /// <summary>The punctured products <c>Q / q_i</c>.</summary>
    public IReadOnlyList<BigInteger> PuncturedProducts { get; }

    /// <summary>The inverses <c>(Q / q_i)^-1 mod q_i</c>, with Shoup quotients for <c>q_i</c>.</summary>
    public IReadOnlyList<ShoupOperand> InversePuncturedProducts { get; }

    /// <summary>The moduli as an array, for kernels.</summary>
    internal ReadOnlySpan<Modulus> ModuliSpan => _moduli;

    /// <summary>The inverse punctured products as an array, for kernels.</summary>
    internal ReadOnlySpan<ShoupOperand> InversePuncturedProductsSpan => _inversePuncturedProducts;

    /// <summary>Writes the residues <c>value mod q_i</c> (for negative values, the non-negative representative).</summary>
    /// <param name="value">Any integer; it is reduced modulo <c>Q</c> first, so <c>-1</c> becomes <c>Q - 1</c>.</param>
    /// <param name="residues">Receives <see cref="Count"/> residues, <c>residues[i]</c> in <c>[0, q_i)</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="residues"/> does not have length <see cref="Count"/>.</exception>
    public void Decompose(BigInteger value, Span<ulong> residues)
    {
        CheckLength(residues.Length, nameof(residues));
        for (int i = 0; i < _moduli.Length; i++)
        {
            ulong q = _moduli[i].Value;
            BigInteger r = BigInteger.Remainder(value, q);
            residues[i] = (ulong)(r.Sign < 0 ? r + q : r);
        }
    }

    /// <summary>Returns the unique <c>x</c> in <c>[0, Q)</c> with <c>x ≡ residues[i] (mod q_i)</c> for every <c>i</c>.</summary>
    /// <param name="residues"><see cref="Count"/> residues, <c>residues[i]</c> in <c>[0, q_i)</c>.</param>
    /// <returns>The composed integer in <c>[0, Q)</c>.</returns>
    /// <exception cref="ArgumentException">The length is not <see cref="Count"/>, or a residue is not below its modulus.</exception>
    public BigInteger Compose(ReadOnlySpan<ulong> residues)
    {
        CheckLength(residues.Length, nameof(residues));
        BigInteger sum = BigInteger.Zero;
        for (int i = 0; i < _moduli.Length; i++)
        {
            Modulus q = _moduli[i];
            if (residues[i] >= q.Value)
            {
                throw new ArgumentException(
                    $"residues[{i}] = {residues[i]} is not below its modulus q_{i} = {q.Value}.", nameof(residues));
            }

            ulong t = q.MultiplyShoup(residues[i], _inversePuncturedProducts[i]);
            sum += _puncturedProducts[i] * t;
        }

        return sum % Product;
    }

    /// <summary>Returns the unique <c>x</c> in <c>(-Q/2, Q/2]</c> with <c>x ≡ residues[i] (mod q_i)</c> for every <c>i</c>.</summary>
    /// <param name="residues"><see cref="Count"/> residues, <c>residues[i]</c> in <c>[0, q_i)</c>.</param>
    /// <returns>The centred representative.</returns>
    /// <exception cref="ArgumentException">The length is not <see cref="Count"/>, or a residue is not below its modulus.</exception>
    public BigInteger ComposeCentered(ReadOnlySpan<ulong> residues)
    {
        BigInteger x = Compose(residues);
        return x > Product >> 1 ? x - Product : x;
    }

    /// <summary>Returns the base made of the first <paramref name="count"/> moduli of this one.</summary>
    /// <param name="count">How many moduli to keep, in <c>[1, Count]</c>.</param>
    /// <returns>This instance when <paramref name="count"/> equals <see cref="Count"/>, otherwise a new base.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is out of range.</exception>
    public RnsBase Prefix(int count)
    {
        if (count < 1 || count > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A prefix must keep 1 to {Count} moduli.");
        }

        return count == Count ? this : new RnsBase(new ArraySegment<Modulus>(_moduli, 0, count));
    }

    /// <summary>Returns the base with the moduli of <paramref name="other"/> appended to this one's (for example <c>Q ∪ P</c>).</summary>
    /// <param name="other">The base to append; its moduli must be co-prime to this one's.</param>
    /// <returns>The combined base.</returns>
    /// <exception cref="ArgumentException">The combined base is too long or not pairwise co-prime.</exception>
    public RnsBase Concat(RnsBase other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new RnsBase([.. _moduli, .. other._moduli]);
    }

    /// <inheritdoc />
    public override string ToString() => $"RnsBase({Count} moduli, log2 Q = {Product.GetBitLength()} bits)";

    private void CheckLength(int length, string name)
    {
        if (length != _moduli.Length)
        {
            throw new ArgumentException($"Expected {_moduli.Length} residues (one per modulus of the base); got {length}.", name);
        }
    }

    private static Modulus[] ToModuli(IReadOnlyList<ulong> moduli)
    {
        ArgumentNullException.ThrowIfNull(moduli);
        var result = new Modulus[moduli.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = new Modulus(moduli[i]);
        }

        return result;
    }

    private static ulong Gcd(ulong a, ulong b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
