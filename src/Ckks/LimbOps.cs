using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// Limb-range operations on polynomials whose limb counts may differ (a key at the top level used with a ciphertext
/// at a lower level): each works on the first <c>limbs</c> limbs only and calls the element-wise kernels of
/// <c>CkksRns.Rns</c>, in parallel over limbs as the ring allows. The destination's shape is set by the caller.
/// </summary>
internal static class LimbOps
{
    /// <summary><c>d_i = a_i ⊙ b_i</c> for <c>i &lt; limbs</c>.</summary>
    public static void Multiply(RnsPoly a, RnsPoly b, RnsPoly d, int limbs) =>
        LimbParallel.For(a.Context, limbs, 4L * a.N, new MultiplyAction(a, b, d));

    /// <summary><c>d_i += a_i ⊙ b_i</c> for <c>i &lt; limbs</c>.</summary>
    public static void MultiplyAccumulate(RnsPoly a, RnsPoly b, RnsPoly d, int limbs) =>
        LimbParallel.For(a.Context, limbs, 4L * a.N, new MultiplyAccumulateAction(a, b, d));

    /// <summary><c>d_i = a_i + b_i</c> for <c>i &lt; limbs</c>.</summary>
    public static void Add(RnsPoly a, RnsPoly b, RnsPoly d, int limbs) =>
        LimbParallel.For(a.Context, limbs, a.N, new AddAction(a, b, d));

    /// <summary><c>d_i = a_i - b_i</c> for <c>i &lt; limbs</c>.</summary>
    public static void Subtract(RnsPoly a, RnsPoly b, RnsPoly d, int limbs) =>
        LimbParallel.For(a.Context, limbs, a.N, new SubtractAction(a, b, d));

    /// <summary><c>d_i = -a_i</c> for <c>i &lt; limbs</c>.</summary>
    public static void Negate(RnsPoly a, RnsPoly d, int limbs) =>
        LimbParallel.For(a.Context, limbs, a.N, new NegateAction(a, d));

    /// <summary>Copies the first <paramref name="limbs"/> limbs of <paramref name="a"/> into <paramref name="d"/>.</summary>
    public static void Copy(RnsPoly a, RnsPoly d, int limbs)
    {
        if (!ReferenceEquals(a, d))
        {
            a.Buffer.AsSpan(0, limbs * a.N).CopyTo(d.Buffer);
        }
    }

    /// <summary>Forward NTT of the first <paramref name="limbs"/> limbs (in place).</summary>
    public static void ToNtt(RnsPoly a, int limbs) => LimbParallel.For(a.Context, limbs, 20L * a.N, new NttAction(a, true));

    /// <summary>Inverse NTT of the first <paramref name="limbs"/> limbs (in place).</summary>
    public static void FromNtt(RnsPoly a, int limbs) => LimbParallel.For(a.Context, limbs, 20L * a.N, new NttAction(a, false));

    /// <summary><c>d_i = a_i · w_i</c> for precomputed per-limb scalars.</summary>
    public static void MultiplyScalar(RnsPoly a, ShoupOperand[] w, RnsPoly d, int limbs) =>
        LimbParallel.For(a.Context, limbs, 2L * a.N, new MultiplyScalarAction(a, w, d));

    private readonly struct MultiplyAction(RnsPoly a, RnsPoly b, RnsPoly d) : ILimbAction
    {
        public void Invoke(int i) =>
            ElementwiseKernels.Multiply(a.LimbUnchecked(i), b.LimbUnchecked(i), d.LimbUnchecked(i), a.Context.ModuliArray[i]);
    }

    private readonly struct MultiplyAccumulateAction(RnsPoly a, RnsPoly b, RnsPoly d) : ILimbAction
    {
        public void Invoke(int i) =>
            ElementwiseKernels.MultiplyAccumulate(a.LimbUnchecked(i), b.LimbUnchecked(i), d.LimbUnchecked(i), a.Context.ModuliArray[i]);
    }

    private readonly struct AddAction(RnsPoly a, RnsPoly b, RnsPoly d) : ILimbAction
    {
        public void Invoke(int i) =>
            ElementwiseKernels.Add(a.LimbUnchecked(i), b.LimbUnchecked(i), d.LimbUnchecked(i), a.Context.ModuliArray[i]);
    }

    private readonly struct SubtractAction(RnsPoly a, RnsPoly b, RnsPoly d) : ILimbAction
    {
        public void Invoke(int i) =>
            ElementwiseKernels.Subtract(a.LimbUnchecked(i), b.LimbUnchecked(i), d.LimbUnchecked(i), a.Context.ModuliArray[i]);
    }

    private readonly struct NegateAction(RnsPoly a, RnsPoly d) : ILimbAction
    {
        public void Invoke(int i) => ElementwiseKernels.Negate(a.LimbUnchecked(i), d.LimbUnchecked(i), a.Context.ModuliArray[i]);
    }

    private readonly struct MultiplyScalarAction(RnsPoly a, ShoupOperand[] w, RnsPoly d) : ILimbAction
    {
        public void Invoke(int i) =>
            ElementwiseKernels.MultiplyShoup(a.LimbUnchecked(i), w[i], d.LimbUnchecked(i), a.Context.ModuliArray[i]);
    }

    private readonly struct NttAction(RnsPoly a, bool forward) : ILimbAction
    {
        public void Invoke(int i)
        {
            if (forward)
            {
                a.Context.NttTablesArray[i].Forward(a.LimbUnchecked(i));
            }
            else
            {
                a.Context.NttTablesArray[i].Inverse(a.LimbUnchecked(i));
            }
        }
    }
}
