using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace CkksRns.Rns.Arithmetic;

/// <summary>
/// An odd modulus <c>q</c> of 2 to 61 bits with the precomputed constants needed for fast modular arithmetic:
/// the 64-bit Barrett ratio <c>floor(2^64 / q)</c> and the 128-bit Barrett ratio <c>floor(2^128 / q)</c>.
/// </summary>
/// <remarks>
/// <para>
/// The 61-bit limit keeps lazily reduced values (up to <c>4q</c>) inside 64 bits, as Harvey's NTT butterflies need
/// (<see href="https://arxiv.org/abs/1205.2926">Harvey 2014</see>).
/// </para>
/// <para>
/// Methods whose name ends in <c>Lazy</c> return a value that is congruent to the exact result but may lie in a wider
/// range; each one states its input and output ranges, which are <see cref="Debug.Assert(bool)"/>-ed in Debug builds.
/// All arithmetic is branch-free so that secret values do not steer control flow.
/// </para>
/// </remarks>
public readonly struct Modulus : IEquatable<Modulus>
{
    /// <summary>The largest supported bit size of a modulus.</summary>
    public const int MaxBitCount = 61;

    /// <summary>The smallest supported bit size of a modulus.</summary>
    public const int MinBitCount = 2;

    /// <summary>Creates a modulus and precomputes its Barrett constants.</summary>
    /// <param name="value">The modulus <c>q</c>; odd, with 2 to 61 bits.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is even, below 3 or above <c>2^61 - 1</c>.</exception>
    public Modulus(ulong value)
    {
        if (value < 3 || value >= 1UL << MaxBitCount || (value & 1) == 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(value), value, $"A modulus must be odd and in [3, 2^{MaxBitCount}); got {value}.");
        }

        Value = value;
        BitCount = 64 - BitOperations.LeadingZeroCount(value);
        // floor(2^64 / q) = floor((2^64 - 1) / q) because q is odd and does not divide 2^64.
        BarrettRatio64 = ulong.MaxValue / value;
        UInt128 ratio = UInt128.MaxValue / value;
        BarrettRatio128Low = (ulong)ratio;
        BarrettRatio128High = (ulong)(ratio >> 64);
    }

    /// <summary>The modulus <c>q</c>.</summary>
    public ulong Value { get; }

    /// <summary>The number of significant bits of <c>q</c>.</summary>
    public int BitCount { get; }

    /// <summary><c>floor(2^64 / q)</c>, used to reduce one 64-bit word.</summary>
    public ulong BarrettRatio64 { get; }

    /// <summary>Low word of <c>floor(2^128 / q)</c>, used to reduce a 128-bit product.</summary>
    public ulong BarrettRatio128Low { get; }

    /// <summary>High word of <c>floor(2^128 / q)</c>, used to reduce a 128-bit product.</summary>
    public ulong BarrettRatio128High { get; }

    /// <summary>Returns <c>x mod q</c> for any 64-bit <paramref name="x"/> (Barrett reduction).</summary>
    /// <param name="x">Any 64-bit value.</param>
    /// <returns>A value in <c>[0, q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce(ulong x) => ReduceOnce(ReduceLazy(x));

    /// <summary>Returns a value congruent to <paramref name="x"/> modulo <c>q</c> in <c>[0, 2q)</c> (lazy Barrett reduction).</summary>
    /// <param name="x">Any 64-bit value.</param>
    /// <returns>A value in <c>[0, 2q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReduceLazy(ulong x)
    {
        ulong quotient = Math.BigMul(x, BarrettRatio64, out _);
        return x - quotient * Value;
    }

    /// <summary>Returns <c>(high·2^64 + low) mod q</c> (128-bit Barrett reduction).</summary>
    /// <param name="high">High word of any 128-bit value.</param>
    /// <param name="low">Low word.</param>
    /// <returns>A value in <c>[0, q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce(ulong high, ulong low) => ReduceOnce(ReduceLazy(high, low));

    /// <summary>Lazy 128-bit Barrett reduction: a value congruent to <c>high·2^64 + low</c> in <c>[0, 2q)</c>.</summary>
    /// <param name="high">High word of the value to reduce.</param>
    /// <param name="low">Low word of the value to reduce.</param>
    /// <returns>A value in <c>[0, 2q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReduceLazy(ulong high, ulong low)
    {
        // Estimate floor(x * ratio / 2^128) where ratio = floor(2^128/q) = r1·2^64 + r0, dropping the low word of
        // low·r0. The estimate is at most one below the true quotient, so x - estimate·q lies in [0, 2q); that value is
        // below 2^64, so computing it with wrapping 64-bit arithmetic is exact even when the quotient itself overflows.
        ulong r0 = BarrettRatio128Low, r1 = BarrettRatio128High;
        ulong carry = Math.BigMul(low, r0, out _);
        ulong midHigh = Math.BigMul(low, r1, out ulong midLow);
        ulong sum = midLow + carry;
        ulong c1 = sum < carry ? 1UL : 0UL;
        ulong crossHigh = Math.BigMul(high, r0, out ulong crossLow);
        ulong sum2 = crossLow + sum;
        ulong c2 = sum2 < sum ? 1UL : 0UL;
        ulong quotient = high * r1 + midHigh + c1 + crossHigh + c2;
        return low - quotient * Value;
    }

    /// <summary>Maps a value in <c>[0, 2q)</c> to <c>[0, q)</c> by one conditional subtraction, without branching.</summary>
    /// <param name="x">A value in <c>[0, 2q)</c>.</param>
    /// <returns>A value in <c>[0, q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReduceOnce(ulong x)
    {
        Debug.Assert(x < 2 * Value, "input must be < 2q");
        ulong t = x - Value;
        return t + (Value & (ulong)((long)t >> 63));
    }

    /// <summary>Returns <c>(a + b) mod q</c>.</summary>
    /// <param name="a">A residue in <c>[0, q)</c>.</param>
    /// <param name="b">A residue in <c>[0, q)</c>.</param>
    /// <returns>A residue in <c>[0, q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Add(ulong a, ulong b)
    {
        Debug.Assert(a < Value && b < Value, "inputs must be < q");
        return ReduceOnce(a + b);
    }

    /// <summary>Returns <c>(a - b) mod q</c>.</summary>
    /// <param name="a">A residue in <c>[0, q)</c>.</param>
    /// <param name="b">A residue in <c>[0, q)</c>.</param>
    /// <returns>A residue in <c>[0, q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Subtract(ulong a, ulong b)
    {
        Debug.Assert(a < Value && b < Value, "inputs must be < q");
        ulong t = a - b;
        return t + (Value & (ulong)((long)t >> 63));
    }

    /// <summary>Returns <c>(-a) mod q</c>.</summary>
    /// <param name="a">A residue in <c>[0, q)</c>.</param>
    /// <returns>A residue in <c>[0, q)</c>; zero maps to zero.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Negate(ulong a)
    {
        Debug.Assert(a < Value, "input must be < q");
        ulong nonZero = (ulong)(-(long)a) >> 63; // 1 if a != 0 else 0 (a < 2^61).
        return (Value - a) & (0UL - nonZero);
    }

    /// <summary>Returns <c>(a · b) mod q</c> through a 128-bit product and Barrett reduction.</summary>
    /// <param name="a">Any 64-bit value.</param>
    /// <param name="b">Any 64-bit value.</param>
    /// <returns>A residue in <c>[0, q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Multiply(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        return Reduce(high, low);
    }

    /// <summary>Returns <c>(a · b + c) mod q</c>.</summary>
    /// <param name="a">A residue in <c>[0, q)</c>.</param>
    /// <param name="b">A residue in <c>[0, q)</c>.</param>
    /// <param name="c">A residue in <c>[0, q)</c>.</param>
    /// <returns>A residue in <c>[0, q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyAdd(ulong a, ulong b, ulong c)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        ulong sum = low + c;
        high += sum < c ? 1UL : 0UL;
        return Reduce(high, sum);
    }

    /// <summary>Precomputes the Shoup quotient <c>floor(w · 2^64 / q)</c> of a fixed multiplicand <paramref name="w"/>.</summary>
    /// <param name="w">A residue in <c>[0, q)</c>.</param>
    /// <returns>The Shoup quotient of <paramref name="w"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="w"/> is not below <c>q</c>.</exception>
    public ulong ShoupPrecompute(ulong w)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(w, Value);
        return (ulong)(((UInt128)w << 64) / Value);
    }

    /// <summary>Creates a <see cref="ShoupOperand"/> for the fixed multiplicand <paramref name="w"/>.</summary>
    /// <param name="w">A residue in <c>[0, q)</c>.</param>
    /// <returns>The operand with its precomputed quotient.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="w"/> is not below <c>q</c>.</exception>
    public ShoupOperand CreateShoupOperand(ulong w) => new(w, ShoupPrecompute(w));

    /// <summary>Returns <c>x · w mod q</c> in <c>[0, 2q)</c> using the precomputed Shoup quotient of <c>w</c>.</summary>
    /// <param name="x">Any 64-bit value.</param>
    /// <param name="w">The fixed multiplicand, in <c>[0, q)</c>.</param>
    /// <param name="wShoup">Its quotient from <see cref="ShoupPrecompute(ulong)"/>.</param>
    /// <returns>A value in <c>[0, 2q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyShoupLazy(ulong x, ulong w, ulong wShoup)
    {
        Debug.Assert(w < Value, "w must be < q");
        ulong quotient = Math.BigMul(x, wShoup, out _);
        return x * w - quotient * Value;
    }

    /// <summary>Returns <c>x · w mod q</c> in <c>[0, q)</c> using the precomputed Shoup quotient of <c>w</c>.</summary>
    /// <param name="x">Any 64-bit value.</param>
    /// <param name="w">The fixed multiplicand, in <c>[0, q)</c>.</param>
    /// <param name="wShoup">Its quotient from <see cref="ShoupPrecompute(ulong)"/>.</param>
    /// <returns>A residue in <c>[0, q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyShoup(ulong x, ulong w, ulong wShoup) => ReduceOnce(MultiplyShoupLazy(x, w, wShoup));

    /// <summary>Returns <c>x · w mod q</c> in <c>[0, q)</c> for a precomputed operand.</summary>
    /// <param name="x">Any 64-bit value.</param>
    /// <param name="w">The precomputed multiplicand.</param>
    /// <returns>A residue in <c>[0, q)</c>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyShoup(ulong x, ShoupOperand w) => MultiplyShoup(x, w.Value, w.Quotient);

    /// <summary>Returns <c>b^e mod q</c> by square-and-multiply.</summary>
    /// <param name="b">Any 64-bit value (reduced first).</param>
    /// <param name="e">The exponent.</param>
    /// <returns>A residue in <c>[0, q)</c>; <c>b^0 = 1</c>.</returns>
    public ulong Pow(ulong b, ulong e)
    {
        ulong result = 1, power = Reduce(b);
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = Multiply(result, power);
            }

            power = Multiply(power, power);
            e >>= 1;
        }

        return result;
    }

    /// <summary>Returns the multiplicative inverse of <paramref name="a"/> modulo <c>q</c> (extended Euclid).</summary>
    /// <param name="a">Any 64-bit value (reduced first); must be invertible modulo <c>q</c>.</param>
    /// <returns>The residue <c>x</c> in <c>[1, q)</c> with <c>a·x ≡ 1 (mod q)</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="a"/> shares a factor with <c>q</c> (zero included).</exception>
    public ulong Inverse(ulong a)
    {
        if (!TryInverse(a, out ulong inverse))
        {
            throw new ArgumentException($"{a} has no inverse modulo {Value}: gcd({a}, {Value}) != 1.", nameof(a));
        }

        return inverse;
    }

    /// <summary>Tries to compute the multiplicative inverse of <paramref name="a"/> modulo <c>q</c>.</summary>
    /// <param name="a">Any 64-bit value (reduced first).</param>
    /// <param name="inverse">The inverse in <c>[1, q)</c> when it exists, otherwise 0.</param>
    /// <returns><see langword="true"/> when <paramref name="a"/> is invertible.</returns>
    public bool TryInverse(ulong a, out ulong inverse)
    {
        long t = 0, newT = 1;
        long r = (long)Value, newR = (long)Reduce(a);
        while (newR != 0)
        {
            long quotient = r / newR;
            (t, newT) = (newT, t - quotient * newT);
            (r, newR) = (newR, r - quotient * newR);
        }

        if (r != 1)
        {
            inverse = 0;
            return false;
        }

        inverse = (ulong)(t < 0 ? t + (long)Value : t);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(Modulus other) => Value == other.Value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Modulus other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => $"{Value} ({BitCount} bits)";

    /// <summary>Compares two moduli by value.</summary>
    /// <param name="left">The first modulus.</param>
    /// <param name="right">The second modulus.</param>
    /// <returns><see langword="true"/> when both have the same value.</returns>
    public static bool operator ==(Modulus left, Modulus right) => left.Equals(right);

    /// <summary>Compares two moduli by value.</summary>
    /// <param name="left">The first modulus.</param>
    /// <param name="right">The second modulus.</param>
    /// <returns><see langword="true"/> when the values differ.</returns>
    public static bool operator !=(Modulus left, Modulus right) => !left.Equals(right);
}
