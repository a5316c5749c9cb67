using System.Buffers;
using System.Runtime.CompilerServices;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Rns.Sampling;

/// <summary>
/// Samples polynomials whose coefficients follow the discrete Gaussian of standard deviation <c>σ</c> (default 3.2)
/// restricted to <c>[-B, B]</c> with <c>B = floor(6σ)</c> (19 for the default), the usual RLWE error distribution.
/// </summary>
/// <remarks>
/// <para>
/// <b>Method: inversion with a cumulative distribution table (CDT).</b> The table holds the 2B thresholds
/// <c>T[t] = round(2^64 · Pr[X ≤ t - B])</c> of the truncated distribution <c>Pr[X = x] ∝ exp(-x²/(2σ²))</c>;
/// a sample reads a uniform 64-bit <c>r</c> and returns <c>-B + #{t : r ≥ T[t]}</c>, comparing against every entry
/// with branch-free arithmetic so that the time does not depend on the result. The left half of the table is computed
/// in double precision and mirrored (the distribution is symmetric), so every probability, including the smallest tail
/// ones (about <c>2^-28</c> at <c>|x| = 19</c>), has relative error near <c>2^-50</c>; the 64-bit fixed point adds at
/// most <c>2^-64</c> per value.
/// </para>
/// <para>
/// We prefer this to a centred binomial: a binomial of the same variance (<c>σ² = 10.24</c>) needs <c>η = 20.48</c>
/// coin pairs, which is not an integer, and its support would reach 21 rather than the bound this library's noise
/// analysis assumes. The CDT costs 2B compares and 8 random bytes per coefficient.
/// </para>
/// </remarks>
public sealed class GaussianSampler
{
    /// <summary>The default standard deviation, 3.2 (HomomorphicEncryption.org standard).</summary>
    public const double DefaultSigma = 3.2;

    /// <summary>The default bound in standard deviations, 6.</summary>
    public const double DefaultBoundInSigmas = 6.0;

    private readonly RandomSource _source;
    private readonly ulong[] _thresholds;

    /// <summary>Creates a sampler with σ = 3.2 and bound 6σ that reads the operating system's CSPRNG.</summary>
    public GaussianSampler()
        : this(RandomSource.CreateSystem())
    {
    }

    /// <summary>Creates a sampler.</summary>
    /// <param name="source">The byte stream; use <see cref="RandomSource.CreateSystem"/> for errors of real ciphertexts.</param>
    /// <param name="sigma">The standard deviation, in <c>[0.5, 64]</c>.</param>
    /// <param name="boundInSigmas">The tail cut in standard deviations, in <c>[1, 20]</c>; the bound is <c>floor(boundInSigmas·σ)</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sigma"/> or <paramref name="boundInSigmas"/> is out of range.</exception>
    public GaussianSampler(RandomSource source, double sigma = DefaultSigma, double boundInSigmas = DefaultBoundInSigmas)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!(sigma >= 0.5 && sigma <= 64))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be in [0.5, 64].");
        }

        if (!(boundInSigmas >= 1 && boundInSigmas <= 20))
        {
            throw new ArgumentOutOfRangeException(nameof(boundInSigmas), boundInSigmas, "The bound must be 1 to 20 standard deviations.");
        }

        _source = source;
        Sigma = sigma;
        Bound = (int)Math.Floor(boundInSigmas * sigma);
        _thresholds = BuildThresholds(sigma, Bound);
    }

    /// <summary>The standard deviation σ.</summary>
    public double Sigma { get; }

    /// <summary>The largest magnitude a sample can have, <c>floor(boundInSigmas · σ)</c>.</summary>
    public int Bound { get; }

    /// <summary>Fills <paramref name="destination"/> with independent samples in <c>[-Bound, Bound]</c>.</summary>
    /// <param name="destination">The values to overwrite.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Sample(Span<int> destination)
    {
        ReadOnlySpan<ulong> thresholds = _thresholds;
        RandomSource source = _source;
        int bound = Bound;
        for (int j = 0; j < destination.Length; j++)
        {
            ulong r = source.NextUInt64(8);
            int count = 0;
            foreach (ulong t in thresholds)
            {
                // 1 when r >= t, from the borrow of r - t (branch-free).
                ulong borrow = ((~r & t) | (~(r ^ t) & (r - t))) >> 63;
                count += (int)(borrow ^ 1);
            }

            destination[j] = count - bound;
        }
    }

    /// <summary>
    /// Sets <paramref name="destination"/> to a fresh error polynomial in coefficient form: the same coefficients in
    /// every limb in use.
    /// </summary>
    /// <param name="destination">The polynomial to overwrite; its limb count is kept.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    public void Sample(RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int n = destination.N;
        int[] values = ArrayPool<int>.Shared.Rent(n);
        try
        {
            Span<int> small = values.AsSpan(0, n);
            Sample(small);
            SmallIntegers.Write(small, destination);
        }
        finally
        {
            values.AsSpan(0, n).Clear();
            ArrayPool<int>.Shared.Return(values);
        }
    }

    /// <summary>The probability the sampler assigns to <paramref name="x"/> (from its table), for tests.</summary>
    internal double Probability(int x)
    {
        if (x < -Bound || x > Bound)
        {
            return 0;
        }

        // Differences of consecutive thresholds, in wrapping 64-bit arithmetic (the last threshold is 2^64 ≡ 0).
        int t = x + Bound;
        ulong upper = t < _thresholds.Length ? _thresholds[t] : 0;
        ulong lower = t == 0 ? 0 : _thresholds[t - 1];
        return (upper - lower) / 18446744073709551616.0;
    }

    private static ulong[] BuildThresholds(double sigma, int bound)
    {
        // Weights w(x) = exp(-x²/(2σ²)) for x = -B..B; total over the support.
        double twoSigmaSquared = 2 * sigma * sigma;
        double total = 0;
        for (int x = -bound; x <= bound; x++)
        {
            total += Math.Exp(-x * (double)x / twoSigmaSquared);
        }

        // T[t] = 2^64 · Pr[X ≤ t - B] for t = 0 .. 2B-1. The left half (t - B < 0) is a sum of small terms, accurate
        // in relative terms; the right half is its mirror: Pr[X ≤ y] = 1 - Pr[X ≤ -y - 1].
        var thresholds = new ulong[2 * bound];
        double cumulative = 0;
        for (int t = 0; t < bound; t++)
        {
            cumulative += Math.Exp(-(t - bound) * (double)(t - bound) / twoSigmaSquared) / total;
            thresholds[t] = ToFixedPoint(cumulative);
        }

        for (int t = bound; t < 2 * bound; t++)
        {
            // y = t - B ≥ 0 mirrors index t' with t' - B = -y - 1, i.e. t' = 2B - 1 - t.
            thresholds[t] = 0UL - thresholds[2 * bound - 1 - t];
        }

        return thresholds;
    }

    private static ulong ToFixedPoint(double probability)
    {
        // probability ≤ 1/2 here, so the product is below 2^63 and converts exactly to the nearest integer.
        return (ulong)Math.Round(probability * 18446744073709551616.0);
    }
}
