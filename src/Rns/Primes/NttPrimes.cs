using System.Numerics;

namespace CkksRns.Rns.Primes;

/// <summary>
/// Primality testing and deterministic generation of NTT-friendly primes <c>q ≡ 1 (mod 2N)</c>.
/// </summary>
public static class NttPrimes
{
    /// <summary>The smallest bit size <see cref="Generate(int, IReadOnlyList{int}, IEnumerable{ulong}?)"/> accepts.</summary>
    public const int MinBitSize = 20;

    /// <summary>The largest bit size <see cref="Generate(int, IReadOnlyList{int}, IEnumerable{ulong}?)"/> accepts.</summary>
    public const int MaxBitSize = 61;

    // Miller–Rabin with the first 12 primes as bases is deterministic for every n < 3.3·10^24, so for all 64-bit n.
    private static readonly ulong[] WitnessBases = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

    /// <summary>Deterministic primality test for any 64-bit integer (Miller–Rabin with fixed bases).</summary>
    /// <param name="n">The integer to test.</param>
    /// <returns><see langword="true"/> exactly when <paramref name="n"/> is prime.</returns>
    public static bool IsPrime(ulong n)
    {
        if (n < 2)
        {
            return false;
        }

        foreach (ulong p in WitnessBases)
        {
            if (n % p == 0)
            {
                return n == p;
            }
        }

        ulong d = n - 1;
        int s = BitOperations.TrailingZeroCount(d);
        d >>= s;
        foreach (ulong a in WitnessBases)
        {
            ulong x = PowMod(a, d, n);
            if (x == 1 || x == n - 1)
            {
                continue;
            }

            bool composite = true;
            for (int r = 1; r < s; r++)
            {
                x = MulMod(x, x, n);
                if (x == n - 1)
                {
                    composite = false;
                    break;
                }
            }

            if (composite)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Generates distinct primes <c>q ≡ 1 (mod 2n)</c>, one per requested bit size, in the order requested.
    /// </summary>
    /// <remarks>
    /// For each bit size <c>b</c> the search starts at the largest <c>q &lt; 2^b</c> with <c>q ≡ 1 (mod 2n)</c> and
    /// walks down in steps of <c>2n</c>, skipping primes already chosen or excluded; the result depends only on the
    /// request, so the same request always yields the same primes.
    /// </remarks>
    /// <param name="n">The ring degree <c>N</c>: a power of two, at least 2.</param>
    /// <param name="bitSizes">The bit size of each prime, each in <c>[20, 61]</c>.</param>
    /// <param name="exclude">Primes that must not be returned (for example those of another chain).</param>
    /// <returns>The primes; element <c>i</c> has exactly <c>bitSizes[i]</c> bits.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is not a power of two, or a bit size is out of range.</exception>
    /// <exception cref="ArgumentException">There are not enough distinct NTT-friendly primes of some size.</exception>
    public static ulong[] Generate(int n, IReadOnlyList<int> bitSizes, IEnumerable<ulong>? exclude = null)
    {
        ArgumentNullException.ThrowIfNull(bitSizes);
        if (n < 2 || !BitOperations.IsPow2(n))
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "N must be a power of two, at least 2.");
        }

        var used = new HashSet<ulong>(exclude ?? []);
        var result = new ulong[bitSizes.Count];
        ulong step = 2UL * (ulong)n;
        for (int i = 0; i < bitSizes.Count; i++)
        {
            int bits = bitSizes[i];
            if (bits < MinBitSize || bits > MaxBitSize)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(bitSizes), bits, $"bitSizes[{i}] = {bits}: prime sizes must be in [{MinBitSize}, {MaxBitSize}] bits.");
            }

            ulong lower = 1UL << (bits - 1), upper = 1UL << bits;
            if (upper <= step)
            {
                throw new ArgumentException(
                    $"bitSizes[{i}] = {bits}: no {bits}-bit prime can be 1 mod 2N = {step}.", nameof(bitSizes));
            }

            // Largest candidate below 2^bits that is 1 mod 2n: 2^bits - 2n + 1.
            ulong found = 0;
            for (ulong candidate = upper - step + 1; candidate >= lower; candidate -= step)
            {
                if (!used.Contains(candidate) && IsPrime(candidate))
                {
                    found = candidate;
                    break;
                }

                if (candidate < lower + step)
                {
                    break;
                }
            }

            if (found == 0)
            {
                int sameSize = 0;
                for (int j = 0; j < i; j++)
                {
                    sameSize += bitSizes[j] == bits ? 1 : 0;
                }

                throw new ArgumentException(
                    $"Not enough {bits}-bit primes q ≡ 1 (mod {step}) for N = {n}: needed one more after {sameSize} of that size " +
                    $"(and {used.Count - i} excluded). Use larger or more varied bit sizes, or a smaller N.", nameof(bitSizes));
            }

            used.Add(found);
            result[i] = found;
        }

        return result;
    }

    private static ulong MulMod(ulong a, ulong b, ulong m) => (ulong)((UInt128)a * b % m);

    private static ulong PowMod(ulong b, ulong e, ulong m)
    {
        ulong result = 1;
        b %= m;
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = MulMod(result, b, m);
            }

            b = MulMod(b, b, m);
            e >>= 1;
        }

        return result;
    }
}
