using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using CkksRns.Rns.Kernels;
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
/// analysis assumes. The CDT costs 2B compares and 8 random bytes per coefficient; the compares run 4 or 8 samples per vector
/// instruction, so a sample costs a few nanoseconds, mostly the CSPRNG.
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
    private readonly ulong[] _flippedThresholds; // T[t] with the sign bit flipped, for signed vector compares

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
        _flippedThresholds = new ulong[_thresholds.Length];
        for (int t = 0; t < _thresholds.Length; t++)
        {
            _flippedThresholds[t] = _thresholds[t] ^ (1UL << 63);
        }
    }

    /// <summary>The standard deviation σ.</summary>
    public double Sigma { get; }

    /// <summary>The largest magnitude a sample can have, <c>floor(boundInSigmas · σ)</c>.</summary>
    public int Bound { get; }

    /// <summary>Fills <paramref name="destination"/> with independent samples in <c>[-Bound, Bound]</c>.</summary>
    /// <param name="destination">The values to overwrite.</param>
    public void Sample(Span<int> destination) => Sample(destination, SimdCapabilities.Current);

    /// <summary>
    /// Fills <paramref name="destination"/> at an explicit vector width; every width maps the same random words to the
    /// same values (tests compare them).
    /// </summary>
    /// <remarks>
    /// The stream is read in chunks of <see cref="ChunkSize"/> little-endian 64-bit words (the same bytes, in the same
    /// order, as one 8-byte read per sample). Each word is compared against all <c>2B</c> thresholds without branches:
    /// the vector paths compare <see cref="Vector256{T}.Count"/> or <see cref="Vector512{T}.Count"/> words at a time
    /// (unsigned compares as signed compares of sign-flipped values) and accumulate the all-ones masks, so the value is
    /// <c>B - #{t : T[t] &gt; r}</c>. The chunk is wiped after use.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal void Sample(Span<int> destination, SimdLevel level)
    {
        RandomSource source = _source;
        Span<ulong> words = stackalloc ulong[ChunkSize];
        try
        {
            for (int start = 0; start < destination.Length; start += ChunkSize)
            {
                int count = Math.Min(ChunkSize, destination.Length - start);
                Span<ulong> chunk = words[..count];
                source.Fill(MemoryMarshal.AsBytes(chunk));
                if (!BitConverter.IsLittleEndian)
                {
                    BinaryPrimitives.ReverseEndianness(chunk, chunk);
                }

                Classify(chunk, destination.Slice(start, count), level);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(words));
        }
    }

    /// <summary>Samples per call of <see cref="RandomSource.Fill(Span{byte})"/> (2 KiB of random words on the stack).</summary>
    internal const int ChunkSize = 256;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Classify(ReadOnlySpan<ulong> words, Span<int> destination, SimdLevel level)
    {
        ReadOnlySpan<ulong> thresholds = _thresholds;
        ReadOnlySpan<ulong> flipped = _flippedThresholds;
        int bound = Bound, n = words.Length, j = 0;
        ref ulong rw = ref MemoryMarshal.GetReference(words);
        ref int rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            Vector512<long> sign = Vector512.Create(long.MinValue), b = Vector512.Create((long)bound);
            for (; j <= n - (2 * Vector512<ulong>.Count); j += 2 * Vector512<ulong>.Count)
            {
                Vector512<long> r0 = Vector512.LoadUnsafe(ref rw, (nuint)j).AsInt64() ^ sign;
                Vector512<long> r1 = Vector512.LoadUnsafe(ref rw, (nuint)(j + Vector512<ulong>.Count)).AsInt64() ^ sign;
                Vector512<long> acc0 = b, acc1 = b;
                foreach (ulong t in flipped)
                {
                    // All ones (-1) in the lanes where T[t] > r.
                    Vector512<long> vt = Vector512.Create((long)t);
                    acc0 += Vector512.GreaterThan(vt, r0);
                    acc1 += Vector512.GreaterThan(vt, r1);
                }

                Vector512.Narrow(acc0, acc1).StoreUnsafe(ref rd, (nuint)j);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<long> sign = Vector256.Create(long.MinValue), b = Vector256.Create((long)bound);
            for (; j <= n - (2 * Vector256<ulong>.Count); j += 2 * Vector256<ulong>.Count)
            {
                // Two independent vectors per iteration hide the compare-add latency.
                Vector256<long> r0 = Vector256.LoadUnsafe(ref rw, (nuint)j).AsInt64() ^ sign;
                Vector256<long> r1 = Vector256.LoadUnsafe(ref rw, (nuint)(j + Vector256<ulong>.Count)).AsInt64() ^ sign;
                Vector256<long> acc0 = b, acc1 = b;
                foreach (ulong t in flipped)
                {
                    Vector256<long> vt = Vector256.Create((long)t);
                    acc0 += Vector256.GreaterThan(vt, r0);
                    acc1 += Vector256.GreaterThan(vt, r1);
                }

                Vector256.Narrow(acc0, acc1).StoreUnsafe(ref rd, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            ulong r = Unsafe.Add(ref rw, j);
            int count = 0;
            foreach (ulong t in thresholds)
            {
                // 1 when r >= t, from the borrow of r - t (branch-free).
                ulong borrow = ((~r & t) | (~(r ^ t) & (r - t))) >> 63;
                count += (int)(borrow ^ 1);
            }

            Unsafe.Add(ref rd, j) = count - bound;
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
