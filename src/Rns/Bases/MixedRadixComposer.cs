using System.Diagnostics;
using CkksRns.Rns.Arithmetic;

namespace CkksRns.Rns.Bases;

/// <summary>
/// Converts residues modulo <c>q_0, …, q_(k-1)</c> to the centred integer they represent, as a <see cref="double"/>,
/// through the balanced mixed-radix (Garner) representation
/// <c>x = a_0 + a_1·q_0 + a_2·q_0·q_1 + …</c> with digits <c>a_i</c> in <c>(-q_i/2, q_i/2]</c>.
/// </summary>
/// <remarks>
/// <para>
/// For an integer that is small compared with <c>Q</c> the high digits are zero, so evaluating the digits by Horner's
/// rule in double precision gives the value with relative error about <c>2^-52</c>, whatever the size of <c>Q</c>,
/// without big integers. Costs <c>k(k-1)/2</c> modular multiplications per coefficient.
/// </para>
/// <para>Instances are immutable and thread-safe; composition allocates nothing.</para>
/// </remarks>
internal sealed class MixedRadixComposer
{
    private readonly Modulus[] _moduli;

    // _inverse[i * k + t] = q_t^-1 mod q_i (t < i).
    private readonly ShoupOperand[] _inverse;

    /// <summary>Precomputes the Garner constants for <paramref name="moduli"/> (pairwise co-prime).</summary>
    public MixedRadixComposer(ReadOnlySpan<Modulus> moduli)
    {
        _moduli = moduli.ToArray();
        int k = _moduli.Length;
        _inverse = new ShoupOperand[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int t = 0; t < i; t++)
            {
                ulong reduced = _moduli[i].Reduce(_moduli[t].Value);
                _inverse[i * k + t] = _moduli[i].CreateShoupOperand(_moduli[i].Inverse(reduced));
            }
        }
    }

    /// <summary>The number of moduli.</summary>
    public int Count => _moduli.Length;

    /// <summary>
    /// Writes <c>multiplier · x_j</c> for every coefficient <c>j</c>, where <c>x_j</c> in <c>(-Q/2, Q/2]</c> is the centred
    /// integer with residues <c>limbs[i·n + j]</c> modulo <c>q_i</c> for the first <paramref name="limbCount"/> moduli.
    /// </summary>
    /// <param name="limbs">Limb-major residues, coefficient form, fully reduced; <c>limbCount·n</c> words.</param>
    /// <param name="limbCount">How many moduli (a prefix) the residues use.</param>
    /// <param name="multiplier">A factor applied to each value (for example <c>1/Δ</c>).</param>
    /// <param name="destination">Receives <c>n</c> values.</param>
    public void ComposeCentered(ReadOnlySpan<ulong> limbs, int limbCount, double multiplier, Span<double> destination)
    {
        int n = destination.Length, k = _moduli.Length;
        Debug.Assert(limbCount >= 1 && limbCount <= k && limbs.Length >= limbCount * n, "shape mismatch");
        Span<long> digits = stackalloc long[limbCount];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < limbCount; i++)
            {
                Modulus qi = _moduli[i];
                ulong v = limbs[i * n + j];
                for (int t = 0; t < i; t++)
                {
                    // v = (v - a_t) · q_t^-1 mod q_i, with the balanced digit a_t reduced modulo q_i.
                    long a = digits[t];
                    ulong reduced = qi.Reduce(a < 0 ? (ulong)(-a) : (ulong)a);
                    reduced = a < 0 ? qi.Negate(reduced) : reduced;
                    v = qi.MultiplyShoup(qi.Subtract(v, reduced), _inverse[i * k + t]);
                }

                ulong q = qi.Value;
                digits[i] = v > q >> 1 ? (long)v - (long)q : (long)v;
            }

            double value = digits[limbCount - 1];
            for (int i = limbCount - 2; i >= 0; i--)
            {
                value = value * _moduli[i].Value + digits[i];
            }

            destination[j] = value * multiplier;
        }
    }
}
