using System.Buffers;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Ntt;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

public sealed partial class Evaluator
{
    /// <summary>
    /// Returns <c>round(a / q_ℓ)</c>: divides by the last prime of the level with rounding, which drops one level and
    /// divides the scale by <c>q_ℓ</c> (the values are unchanged; the noise shrinks by the same factor).
    /// </summary>
    /// <param name="a">The ciphertext (any size), at level 1 or more.</param>
    /// <returns>The rescaled ciphertext: level <c>ℓ - 1</c>, scale <c>a.Scale / q_ℓ</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> belongs to another context.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="a"/> is at level 0.</exception>
    public Ciphertext Rescale(Ciphertext a)
    {
        var destination = NewLike(a);
        Rescale(a, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = round(a / q_ℓ)</c> (one level down, scale divided by <c>q_ℓ</c>).</summary>
    /// <param name="a">The ciphertext (any size), at level 1 or more.</param>
    /// <param name="destination">Receives the result; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="a"/> is at level 0.</exception>
    public void Rescale(Ciphertext a, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckDestination(destination);
        int level = a.Level, size = a.Size;
        if (level == 0)
        {
            throw new InvalidOperationException(
                "Cannot rescale a ciphertext at level 0: no prime is left to divide by. Use parameters with more levels, " +
                "or rescale earlier in the computation.");
        }

        double scale = a.Scale / Context.Parameters.Q[level];
        destination.Reshape(size, level - 1, scale);
        RnsPoly temp = _pool.Rent(level + 1, false);
        try
        {
            for (int i = 0; i < size; i++)
            {
                RescalePoly(a[i], destination[i], level, temp);
            }
        }
        finally
        {
            _pool.Return(temp);
        }
    }

    /// <summary>Returns <paramref name="a"/> with its last <paramref name="count"/> primes dropped: the same values and scale, at a lower level.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="count">How many levels to drop, in <c>[0, a.Level]</c>.</param>
    /// <returns>The ciphertext at level <c>a.Level - count</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> belongs to another context.</exception>
    public Ciphertext DropLevel(Ciphertext a, int count = 1)
    {
        var destination = NewLike(a);
        DropLevel(a, count, destination);
        return destination;
    }

    /// <summary>Computes <paramref name="a"/> with its last <paramref name="count"/> primes dropped, into <paramref name="destination"/>.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="count">How many levels to drop, in <c>[0, a.Level]</c>.</param>
    /// <param name="destination">Receives the result; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is out of range.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context.</exception>
    public void DropLevel(Ciphertext a, int count, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        if (count < 0 || count > a.Level)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Can drop 0 to {a.Level} levels from a ciphertext at level {a.Level}.");
        }

        DropToLevel(a, a.Level - count, destination);
    }

    /// <summary>Returns <paramref name="a"/> brought down to <paramref name="level"/> (mod-switching: same values and scale).</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="level">The target level, in <c>[0, a.Level]</c>.</param>
    /// <returns>The ciphertext at <paramref name="level"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> belongs to another context.</exception>
    public Ciphertext DropToLevel(Ciphertext a, int level)
    {
        var destination = NewLike(a);
        DropToLevel(a, level, destination);
        return destination;
    }

    /// <summary>Brings <paramref name="a"/> down to <paramref name="level"/> into <paramref name="destination"/>.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="level">The target level, in <c>[0, a.Level]</c>.</param>
    /// <param name="destination">Receives the result; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is out of range.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context.</exception>
    public void DropToLevel(Ciphertext a, int level, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckDestination(destination);
        if (level < 0 || level > a.Level)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, $"The target level must be in [0, {a.Level}] (the ciphertext's level).");
        }

        int size = a.Size;
        destination.Reshape(size, level, a.Scale);
        for (int i = 0; i < size; i++)
        {
            LimbOps.Copy(a[i], destination[i], level + 1);
        }
    }

    /// <summary>
    /// Brings two ciphertexts to a common level and scale in place, so they can be added: the higher one is dropped
    /// to the lower level; when the scales differ, the one with the smaller scale is multiplied by the integer ratio if
    /// it is one, and otherwise by a constant and rescaled (consuming one level of both).
    /// </summary>
    /// <param name="a">The first ciphertext (modified).</param>
    /// <param name="b">The second ciphertext (modified).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">The scales differ by a non-integer ratio and the common level is 0, so no level is left to adjust.</exception>
    public void MatchLevelsAndScales(Ciphertext a, Ciphertext b)
    {
        CheckCiphertext(a, nameof(a));
        CheckCiphertext(b, nameof(b));
        int level = Math.Min(a.Level, b.Level);
        DropToLevel(a, level, a);
        DropToLevel(b, level, b);
        if (ScalesMatch(a.Scale, b.Scale))
        {
            return;
        }

        (Ciphertext small, Ciphertext large) = a.Scale < b.Scale ? (a, b) : (b, a);
        double ratio = large.Scale / small.Scale;
        double rounded = Math.Round(ratio);
        if (Math.Abs(ratio - rounded) <= ScaleTolerance * ratio && rounded < 1L << 40)
        {
            MultiplyByInteger(small, (long)rounded, small);
            small.Scale = large.Scale;
            return;
        }

        if (level == 0)
        {
            throw new InvalidOperationException(
                $"Cannot match scales {CkksContext.Log2(a.Scale)} and {CkksContext.Log2(b.Scale)} at level 0: their ratio is not an " +
                "integer, and adjusting it needs one level (multiply by a constant, then rescale).");
        }

        // small · c / q_ℓ = large with c = round(large·q_ℓ / small); the rounding changes the values by at most 1/(2c) relative.
        double q = Context.Parameters.Q[level];
        var c = new System.Numerics.BigInteger(Math.Round(ratio * q));
        MultiplyByComplexInteger(small, c, System.Numerics.BigInteger.Zero, small.Scale, small);
        Rescale(small, small);
        small.Scale = large.Scale;
        DropToLevel(large, level - 1, large);
    }

    private void RescalePoly(RnsPoly source, RnsPoly destination, int level, RnsPoly temp)
    {
        // r = INTT(last limb); then per limb i, t = the centred remainder of r (so that the division rounds) modulo q_i, its
        // NTT, and destination = (source - t)·q_ℓ^-1, fused into the transform's last pass. When the centred remainders
        // are below twice every other prime, one signed copy of them is read by every limb's transform directly.
        int n = Context.N;
        Span<ulong> r = temp.LimbUnchecked(level);
        source.LimbUnchecked(level).CopyTo(r);
        Context.RingQ.NttTablesArray[level].Inverse(r);
        if (!RnsPoly.SharedCorrectionFits(Context.RingQ, level))
        {
            LimbParallel.For(Context.RingQ, level, 24L * n, new RescaleAction(Context, source, destination, temp, level, null));
            return;
        }

        double[] centred = ArrayPool<double>.Shared.Rent(n);
        try
        {
            ElementwiseKernels.CentredRemainders(r, Context.RingQ.ModuliArray[level].Value, centred.AsSpan(0, n), SimdCapabilities.Current);
            LimbParallel.For(Context.RingQ, level, 24L * n, new RescaleAction(Context, source, destination, temp, level, centred));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(centred);
        }
    }

    private readonly struct RescaleAction(CkksContext context, RnsPoly source, RnsPoly destination, RnsPoly temp, int level, double[]? centred) : ILimbAction
    {
        public void Invoke(int i)
        {
            Modulus q = context.RingQ.ModuliArray[i];
            NttTables tables = context.RingQ.NttTablesArray[i];
            Span<ulong> t = temp.LimbUnchecked(i);
            SimdLevel simd = SimdCapabilities.Current;
            ShoupOperand inverse = context.RescaleInverse(level)[i];
            if (centred is not null)
            {
                tables.ForwardFromSmallIntegersSubtractMultiply(
                    centred.AsSpan(0, t.Length), t, source.LimbUnchecked(i), inverse, destination.LimbUnchecked(i), simd, tables.Multiplication);
                return;
            }

            ElementwiseKernels.RescaleCorrection(temp.LimbUnchecked(level), context.RingQ.ModuliArray[level], t, q, simd);
            tables.ForwardSubtractMultiply(t, source.LimbUnchecked(i), inverse, destination.LimbUnchecked(i), simd, tables.Multiplication);
        }
    }
}
