using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// A hybrid key-switching key from a secret <c>s'</c> to the secret <c>s</c>: for each digit <c>j</c>, the pair
/// <c>(b_j, a_j)</c> modulo <c>Q·P</c> with <c>b_j = -a_j·s + e_j + P·[s']_(D_j)</c>, where the last term is
/// <c>P·s'</c> on the data primes of digit <c>j</c> and zero elsewhere.
/// </summary>
/// <remarks>
/// <para>
/// The <c>a_j</c> are expanded from <see cref="Seed"/>: digit <c>j</c> reads stream <c>j</c> of
/// <c>RandomSource.FromSeed(Seed, j)</c>, first the data limbs, then the special limbs, all directly in NTT form.
/// </para>
/// <para>
/// Storage: a limb on a prime of at most 31 bits (<see cref="ElementwiseKernels.IsNarrow"/>) is kept as 32-bit words,
/// a wider one as 64-bit words. The key-switching inner product streams the whole key from memory once per switch, so
/// this cuts its traffic (the reference paper's hybrid set: 11 of 14 limbs narrow, 14.7 → 8.9 MB per switch) and the
/// key's memory by the same amount. <see cref="BQ"/> and the other accessors rebuild whole polynomials for
/// serialization and tests.
/// </para>
/// </remarks>
internal sealed class KeySwitchingKey
{
    private readonly RnsContext _ringQ;
    private readonly RnsContext _ringP;
    private readonly int _qLimbs;
    private readonly int _pLimbs;

    // Per digit, per limb (data limbs then special limbs): exactly one of the narrow and wide arrays is set.
    private readonly uint[]?[][] _narrowB;
    private readonly uint[]?[][] _narrowA;
    private readonly ulong[]?[][] _wideB;
    private readonly ulong[]?[][] _wideA;

    public KeySwitchingKey(RnsPoly[] bq, RnsPoly[] bp, RnsPoly[] aq, RnsPoly[] ap, byte[] seed)
    {
        int digits = bq.Length;
        if (bp.Length != digits || aq.Length != digits || ap.Length != digits || digits == 0)
        {
            throw new ArgumentException($"A key needs the same positive number of b and a polynomials per ring; got {bq.Length}, {bp.Length}, {aq.Length}, {ap.Length}.");
        }

        _ringQ = bq[0].Context;
        _ringP = bp[0].Context;
        _qLimbs = bq[0].LimbCount;
        _pLimbs = bp[0].LimbCount;
        _narrowB = new uint[]?[digits][];
        _narrowA = new uint[]?[digits][];
        _wideB = new ulong[]?[digits][];
        _wideA = new ulong[]?[digits][];
        for (int j = 0; j < digits; j++)
        {
            (_narrowB[j], _wideB[j]) = Store(bq[j], bp[j]);
            (_narrowA[j], _wideA[j]) = Store(aq[j], ap[j]);
        }

        Seed = seed;
    }

    /// <summary>The number of digits.</summary>
    public int DigitCount => _narrowB.Length;

    /// <summary>The seed of the <c>a_j</c>.</summary>
    public byte[] Seed { get; }

    /// <summary>Whether limb <paramref name="prime"/> of the data (or, if <paramref name="special"/>, special) primes is stored as 32-bit words.</summary>
    public bool IsNarrowLimb(bool special, int prime) => _narrowB[0][LimbIndex(special, prime)] is not null;

    /// <summary>Limb <paramref name="prime"/> of <c>b_j</c> as 32-bit words (only where <see cref="IsNarrowLimb"/>).</summary>
    public ReadOnlySpan<uint> NarrowB(int j, bool special, int prime) => _narrowB[j][LimbIndex(special, prime)];

    /// <summary>Limb <paramref name="prime"/> of <c>a_j</c> as 32-bit words (only where <see cref="IsNarrowLimb"/>).</summary>
    public ReadOnlySpan<uint> NarrowA(int j, bool special, int prime) => _narrowA[j][LimbIndex(special, prime)];

    /// <summary>Limb <paramref name="prime"/> of <c>b_j</c> as 64-bit words (only where not <see cref="IsNarrowLimb"/>).</summary>
    public ReadOnlySpan<ulong> WideB(int j, bool special, int prime) => _wideB[j][LimbIndex(special, prime)];

    /// <summary>Limb <paramref name="prime"/> of <c>a_j</c> as 64-bit words (only where not <see cref="IsNarrowLimb"/>).</summary>
    public ReadOnlySpan<ulong> WideA(int j, bool special, int prime) => _wideA[j][LimbIndex(special, prime)];

    /// <summary><c>b_j</c> modulo the data primes (NTT form), rebuilt as a new polynomial.</summary>
    public RnsPoly BQ(int j) => Rebuild(_narrowB[j], _wideB[j], special: false);

    /// <summary><c>b_j</c> modulo the special primes (NTT form), rebuilt as a new polynomial.</summary>
    public RnsPoly BP(int j) => Rebuild(_narrowB[j], _wideB[j], special: true);

    /// <summary><c>a_j</c> modulo the data primes (NTT form), rebuilt as a new polynomial.</summary>
    public RnsPoly AQ(int j) => Rebuild(_narrowA[j], _wideA[j], special: false);

    /// <summary><c>a_j</c> modulo the special primes (NTT form), rebuilt as a new polynomial.</summary>
    public RnsPoly AP(int j) => Rebuild(_narrowA[j], _wideA[j], special: true);

    private int LimbIndex(bool special, int prime) => special ? _qLimbs + prime : prime;

    private (uint[]?[] Narrow, ulong[]?[] Wide) Store(RnsPoly q, RnsPoly p)
    {
        var narrow = new uint[]?[_qLimbs + _pLimbs];
        var wide = new ulong[]?[_qLimbs + _pLimbs];
        for (int i = 0; i < narrow.Length; i++)
        {
            RnsPoly poly = i < _qLimbs ? q : p;
            int limb = i < _qLimbs ? i : i - _qLimbs;
            ReadOnlySpan<ulong> source = poly.LimbUnchecked(limb);
            if (ElementwiseKernels.IsNarrow(poly.Context.ModuliArray[limb]))
            {
                var words = new uint[source.Length];
                for (int k = 0; k < words.Length; k++)
                {
                    words[k] = (uint)source[k];
                }

                narrow[i] = words;
            }
            else
            {
                wide[i] = source.ToArray();
            }
        }

        return (narrow, wide);
    }

    private RnsPoly Rebuild(uint[]?[] narrow, ulong[]?[] wide, bool special)
    {
        int count = special ? _pLimbs : _qLimbs, first = special ? _qLimbs : 0;
        var poly = new RnsPoly(special ? _ringP : _ringQ, count, isNttForm: true);
        for (int i = 0; i < count; i++)
        {
            Span<ulong> target = poly.LimbUnchecked(i);
            if (narrow[first + i] is uint[] words)
            {
                for (int k = 0; k < words.Length; k++)
                {
                    target[k] = words[k];
                }
            }
            else
            {
                wide[first + i].AsSpan().CopyTo(target);
            }
        }

        return poly;
    }
}
