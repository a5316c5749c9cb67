using System.Globalization;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// Parses modulus chains written the SEAL/TenSEAL way, <c>40,26x11,40</c>: comma-separated bit sizes, <c>BxK</c> for K
/// primes of B bits, the last entry being the special (key-switching) prime.
/// </summary>
public static class ChainSpecification
{
    /// <summary>The largest number of primes a written chain may expand to.</summary>
    public const int MaxPrimes = 128;

    /// <summary>Parses <paramref name="text"/> into data primes and special primes (the last entry).</summary>
    /// <param name="text">For example <c>40,26x11,40</c>.</param>
    /// <returns>The data primes' bit sizes (for <see cref="InferenceOptions.ChainBitSizes"/>) and the special primes' (for <see cref="InferenceOptions.SpecialBitSizes"/>).</returns>
    /// <exception cref="ArgumentException">The text is malformed, a size is outside 2..61 bits, or fewer than two primes are given.</exception>
    public static (int[] Data, int[] Special) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sizes = new List<int>();
        foreach (string rawPart in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (rawPart.Length == 0)
            {
                throw new ArgumentException($"The chain '{text}' has an empty entry; write it like 40,26x11,40.", nameof(text));
            }

            string part = rawPart.Replace('×', 'x').Replace('*', 'x');
            int x = part.IndexOf('x', StringComparison.OrdinalIgnoreCase);
            string bitsText = x < 0 ? part : part[..x];
            string countText = x < 0 ? "1" : part[(x + 1)..];
            if (!int.TryParse(bitsText, NumberStyles.None, CultureInfo.InvariantCulture, out int bits) ||
                !int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            {
                throw new ArgumentException($"The chain entry '{rawPart}' is not a bit size or BITSxCOUNT (for example 26x11).", nameof(text));
            }

            if (bits < 2 || bits > 61)
            {
                throw new ArgumentException($"The chain entry '{rawPart}' asks for {bits}-bit primes; expected 2 to 61 bits.", nameof(text));
            }

            if (count < 1 || sizes.Count + count > MaxPrimes)
            {
                throw new ArgumentException($"The chain '{text}' expands to more than {MaxPrimes} primes (or has a zero count).", nameof(text));
            }

            sizes.AddRange(Enumerable.Repeat(bits, count));
        }

        if (sizes.Count < 2)
        {
            throw new ArgumentException(
                $"The chain '{text}' has {sizes.Count} prime; give at least one data prime and the special prime (the last entry), like 40,26x11,40.",
                nameof(text));
        }

        return ([.. sizes.Take(sizes.Count - 1)], [sizes[^1]]);
    }

    /// <summary>Writes bit sizes compactly, runs as <c>BxK</c>: <c>[40, 26, 26, 26]</c> gives <c>40,26x3</c>.</summary>
    /// <param name="bits">The bit sizes.</param>
    /// <returns>The text.</returns>
    public static string Format(IReadOnlyList<int> bits)
    {
        ArgumentNullException.ThrowIfNull(bits);
        var parts = new List<string>();
        for (int i = 0; i < bits.Count;)
        {
            int j = i;
            while (j < bits.Count && bits[j] == bits[i])
            {
                j++;
            }

            parts.Add(j - i == 1 ? bits[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{bits[i]}x{j - i}"));
            i = j;
        }

        return string.Join(',', parts);
    }
}
