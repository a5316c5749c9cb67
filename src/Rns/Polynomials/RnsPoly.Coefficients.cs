using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Bases;

namespace CkksRns.Rns.Polynomials;

public sealed partial class RnsPoly
{
    /// <summary>
    /// Sets the polynomial, in coefficient form, to the signed integer coefficients <paramref name="values"/>: each limb
    /// <c>i</c> receives <c>values mod q_i</c>. The limb count is kept.
    /// </summary>
    /// <param name="values">Exactly <c>N</c> coefficients, constant term first.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not have length <c>N</c>.</exception>
    public void SetCoefficients(ReadOnlySpan<long> values)
    {
        CheckCoefficientCount(values.Length, nameof(values));
        for (int i = 0; i < LimbCount; i++)
        {
            Modulus q = Context.ModuliArray[i];
            Span<ulong> limb = LimbUnchecked(i);
            for (int j = 0; j < limb.Length; j++)
            {
                long v = values[j];
                // |v| may exceed q: reduce the magnitude, then negate for negative values (branch-free on the sign).
                ulong magnitude = q.Reduce(v < 0 ? (ulong)-(v + 1) + 1 : (ulong)v);
                ulong negated = q.Negate(magnitude);
                ulong mask = (ulong)(v >> 63);
                limb[j] = (negated & mask) | (magnitude & ~mask);
            }
        }

        IsNttForm = false;
    }

    /// <summary>
    /// Sets the polynomial, in coefficient form, to the integer coefficients <paramref name="values"/> (any sign, any
    /// size; reduced modulo each prime). The limb count is kept.
    /// </summary>
    /// <param name="values">Exactly <c>N</c> coefficients, constant term first.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not have length <c>N</c>.</exception>
    public void SetCoefficients(ReadOnlySpan<BigInteger> values)
    {
        CheckCoefficientCount(values.Length, nameof(values));
        for (int i = 0; i < LimbCount; i++)
        {
            ulong q = Context.ModuliArray[i].Value;
            Span<ulong> limb = LimbUnchecked(i);
            for (int j = 0; j < limb.Length; j++)
            {
                BigInteger r = BigInteger.Remainder(values[j], q);
                limb[j] = (ulong)(r.Sign < 0 ? r + q : r);
            }
        }

        IsNttForm = false;
    }

    /// <summary>
    /// Reconstructs the integer coefficients (Chinese remaindering over the limbs in use) of a polynomial in coefficient
    /// form, as representatives in <c>(-Q/2, Q/2]</c> (centred) or <c>[0, Q)</c>, where <c>Q</c> is the product of the
    /// primes in use. Meant for tests and decoding, not for hot paths.
    /// </summary>
    /// <param name="destination">Receives exactly <c>N</c> coefficients.</param>
    /// <param name="centered">Whether to return centred representatives.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not have length <c>N</c>.</exception>
    /// <exception cref="InvalidOperationException">The polynomial is in NTT form.</exception>
    public void GetCoefficients(Span<BigInteger> destination, bool centered = true)
    {
        CheckCoefficientCount(destination.Length, nameof(destination));
        if (IsNttForm)
        {
            throw new InvalidOperationException("GetCoefficients needs coefficient form; call FromNtt first.");
        }

        RnsBase basis = Context.GetBase(LimbCount);
        Span<ulong> residues = stackalloc ulong[LimbCount];
        for (int j = 0; j < N; j++)
        {
            for (int i = 0; i < LimbCount; i++)
            {
                residues[i] = _data[i * N + j];
            }

            destination[j] = centered ? basis.ComposeCentered(residues) : basis.Compose(residues);
        }
    }

    private void CheckCoefficientCount(int count, string name)
    {
        if (count != N)
        {
            throw new ArgumentException($"Expected exactly N = {N} coefficients; got {count}.", name);
        }
    }
}
