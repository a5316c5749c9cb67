using System.Numerics;

namespace CkksRns.Ckks;

/// <summary>
/// The HomomorphicEncryption.org security table: the largest total modulus <c>log2(Q·P)</c> (in bits) that reaches a
/// given classical security level for a ring degree <c>N</c>, with a uniform ternary secret.
/// </summary>
/// <remarks>
/// <para>
/// Rows for <c>N = 2^10 .. 2^15</c> are those of the standard (<see href="https://homomorphicencryption.org/standard/">Albrecht
/// et al. 2018</see>, as tabulated in Microsoft SEAL's <c>hestdparms.h</c>); rows for <c>N = 2^16</c> and <c>2^17</c> are
/// OpenFHE's extension (<c>stdlatticeparms.cpp</c>).
/// </para>
/// <para>
/// "log2(Q·P)" is the bit length of the product of every prime, data and special, the same quantity SEAL checks.
/// </para>
/// </remarks>
public static class HomomorphicEncryptionStandard
{
    /// <summary>The smallest ring degree the table covers, <c>2^10</c>.</summary>
    public const int MinLogN = 10;

    /// <summary>The largest ring degree the table covers, <c>2^17</c>.</summary>
    public const int MaxLogN = 17;

    // Rows: logN = 10..17. Columns: 128, 192, 256 bits.
    private static readonly int[,] Table =
    {
        { 27, 19, 14 },
        { 54, 37, 29 },
        { 109, 75, 58 },
        { 218, 152, 118 },
        { 438, 305, 237 },
        { 881, 611, 476 },
        { 1747, 1199, 929 },
        { 3523, 2411, 1866 },
    };

    /// <summary>The largest <c>log2(Q·P)</c> in bits allowed for ring degree <c>2^logN</c> at <paramref name="level"/>.</summary>
    /// <param name="logN"><c>log2 N</c>, in <c>[10, 17]</c>.</param>
    /// <param name="level">The security level; <see cref="SecurityLevel.None"/> has no bound.</param>
    /// <returns>The bound in bits, or <see cref="int.MaxValue"/> for <see cref="SecurityLevel.None"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="logN"/> is outside <c>[10, 17]</c> or <paramref name="level"/> is undefined.</exception>
    public static int MaxLogQP(int logN, SecurityLevel level)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(logN, MinLogN);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(logN, MaxLogN);
        int column = level switch
        {
            SecurityLevel.None => -1,
            SecurityLevel.Bits128 => 0,
            SecurityLevel.Bits192 => 1,
            SecurityLevel.Bits256 => 2,
            _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Expected None, Bits128, Bits192 or Bits256."),
        };
        return column < 0 ? int.MaxValue : Table[logN - MinLogN, column];
    }

    /// <summary>The largest <c>log2(Q·P)</c> in bits allowed for ring degree <paramref name="n"/> at <paramref name="level"/>.</summary>
    /// <param name="n">The ring degree: a power of two in <c>[2^10, 2^17]</c>.</param>
    /// <param name="level">The security level.</param>
    /// <returns>The bound in bits, or <see cref="int.MaxValue"/> for <see cref="SecurityLevel.None"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is not a power of two in range, or <paramref name="level"/> is undefined.</exception>
    public static int MaxLogQPForDegree(int n, SecurityLevel level)
    {
        if (n <= 0 || !BitOperations.IsPow2(n))
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "N must be a power of two in [2^10, 2^17].");
        }

        return MaxLogQP(BitOperations.Log2((uint)n), level);
    }
}
