using System.Buffers;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Ntt;

namespace CkksRns.Rns.Polynomials;

public sealed partial class RnsPoly
{
    /// <summary>
    /// <c>destination = round(a / q_last)</c>: divides by the last prime in use with rounding and drops that limb
    /// (the RNS rescaling step), in whichever form <paramref name="a"/> is.
    /// </summary>
    /// <remarks>
    /// <para>
    /// For each coefficient <c>x</c> (any representative modulo <c>Q = q_0···q_ℓ</c>), the result is
    /// <c>floor((x + (q_ℓ - 1)/2) / q_ℓ)</c> modulo <c>Q / q_ℓ</c>, i.e. <c>x / q_ℓ</c> rounded to the nearest integer
    /// (no ties: <c>q_ℓ</c> is odd). In residues: with <c>r = [x]_(q_ℓ)</c> taken in <c>[-(q_ℓ-1)/2, (q_ℓ-1)/2]</c>,
    /// limb <c>i</c> becomes <c>(x_i - r) · q_ℓ^-1 mod q_i</c>. In NTT form the last limb is transformed back once,
    /// and <c>r mod q_i</c> is transformed forward for each remaining limb.
    /// </para>
    /// <para>The work on the remaining limbs runs in parallel; pooled scratch buffers are used (no steady-state allocation).</para>
    /// </remarks>
    /// <param name="a">The operand, with at least two limbs.</param>
    /// <param name="destination">Receives the quotient with <c>a.LimbCount - 1</c> limbs, in the form of <paramref name="a"/> (may be <paramref name="a"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has a single limb, or <paramref name="destination"/> is of another context.</exception>
    public static void DivideRoundByLastModulus(RnsPoly a, RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckDestination(a, destination);
        if (a.LimbCount < 2)
        {
            throw new ArgumentException("DivideRoundByLastModulus needs at least 2 limbs; a has 1.", nameof(a));
        }

        int last = a.LimbCount - 1, n = a.N;
        RnsContext context = a.Context;
        ulong[] lastLimb = ArrayPool<ulong>.Shared.Rent(n);
        try
        {
            // r = x mod q_ℓ in coefficient form; the half that makes the division round is added inside the per-limb pass.
            Span<ulong> r = lastLimb.AsSpan(0, n);
            a.LimbUnchecked(last).CopyTo(r);
            bool ntt = a.IsNttForm;
            if (ntt)
            {
                context.NttTablesArray[last].Inverse(r);
            }

            destination.SetShape(last, ntt);
            long work = ntt ? 8L * n * context.LogN : 6L * n;
            Modulus qLast = context.ModuliArray[last];
            if (ntt && SharedCorrectionFits(context, last))
            {
                // The centred remainder is below twice every remaining prime: one signed copy serves every limb, whose NTT reads
                // it directly (NttTables.ForwardFromSmallIntegers) instead of each limb reducing it first.
                double[] centred = ArrayPool<double>.Shared.Rent(n);
                try
                {
                    ElementwiseKernels.CentredRemainders(r, qLast.Value, centred.AsSpan(0, n), SimdCapabilities.Current);
                    LimbParallel.For(context, last, work, new DivideRoundAction(a, destination, lastLimb, centred, qLast, ntt));
                }
                finally
                {
                    ArrayPool<double>.Shared.Return(centred);
                }

                return;
            }

            LimbParallel.For(context, last, work, new DivideRoundAction(a, destination, lastLimb, null, qLast, ntt));
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(lastLimb);
        }
    }

    /// <summary>Whether the centred remainders modulo prime <paramref name="last"/> (magnitude at most (q_ℓ - 1)/2) are below twice every other prime and below 2^51.</summary>
    internal static bool SharedCorrectionFits(RnsContext context, int last) => SharedCorrectionFits(context, context.ModuliArray[last], last);

    /// <summary>
    /// Whether centred remainders modulo <paramref name="p"/> (magnitude at most (p - 1)/2) are below twice each of the
    /// first <paramref name="count"/> primes of <paramref name="context"/> and below 2^51, so that
    /// <c>NttTables.ForwardFromSmallIntegers</c> can read them for each of those primes.
    /// </summary>
    internal static bool SharedCorrectionFits(RnsContext context, Modulus p, int count)
    {
        ulong half = p.Value >> 1;
        if (half >= 1UL << 51)
        {
            return false;
        }

        for (int i = 0; i < count; i++)
        {
            if (half >= 2 * context.ModuliArray[i].Value)
            {
                return false;
            }
        }

        return true;
    }

    private readonly struct DivideRoundAction(RnsPoly a, RnsPoly destination, ulong[] lastLimb, double[]? centred, Modulus qLast, bool ntt) : ILimbAction
    {
        public void Invoke(int limb)
        {
            RnsContext context = a.Context;
            Modulus q = context.ModuliArray[limb];
            int n = a.N;
            SimdLevel simd = SimdCapabilities.Current;
            ulong[] scratch = ArrayPool<ulong>.Shared.Rent(n);
            try
            {
                // t = centred (x mod q_ℓ) as a residue modulo q_i; destination = (x_i - t)·q_ℓ^-1 mod q_i, in NTT form fused
                // into the transform of t.
                Span<ulong> t = scratch.AsSpan(0, n);
                ShoupOperand inverse = q.CreateShoupOperand(q.Inverse(q.Reduce(qLast.Value)));
                NttTables tables = context.NttTablesArray[limb];
                if (centred is not null)
                {
                    tables.ForwardFromSmallIntegersSubtractMultiply(
                        centred.AsSpan(0, n), t, a.LimbUnchecked(limb), inverse, destination.LimbUnchecked(limb), simd, tables.Multiplication);
                    return;
                }

                ElementwiseKernels.RescaleCorrection(lastLimb.AsSpan(0, n), qLast, t, q, simd);
                if (ntt)
                {
                    tables.ForwardSubtractMultiply(t, a.LimbUnchecked(limb), inverse, destination.LimbUnchecked(limb), simd, tables.Multiplication);
                    return;
                }

                ElementwiseKernels.SubtractMultiplyShoup(a.LimbUnchecked(limb), t, inverse, destination.LimbUnchecked(limb), q, simd);
            }
            finally
            {
                ArrayPool<ulong>.Shared.Return(scratch);
            }
        }
    }
}
