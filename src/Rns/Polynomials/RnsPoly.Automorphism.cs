using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CkksRns.Rns.Arithmetic;

namespace CkksRns.Rns.Polynomials;

public sealed partial class RnsPoly
{
    /// <summary>
    /// <c>destination = σ_k(a)</c>, the Galois automorphism <c>a(X) → a(X^k)</c> of <c>Z_Q[X]/(X^N + 1)</c> for odd
    /// <c>k</c>, in whichever form <paramref name="a"/> is.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Coefficient form: coefficient <c>i</c> moves to <c>i·k mod 2N</c>, negated when that is at least <c>N</c>
    /// (because <c>X^N = -1</c>). NTT form: slot <c>j</c> holds <c>a(ψ^(2·brv(j)+1))</c>, and
    /// <c>σ_k(a)(ψ^e) = a(ψ^(e·k))</c>, so the image is a permutation of the slots without any arithmetic. Both maps
    /// are computed once per <c>k</c> and cached in the context. <c>σ_k</c> commutes with the NTT:
    /// <c>NTT(σ_k(a)) = σ_k(NTT(a))</c>, and <c>σ_a ∘ σ_b = σ_(a·b mod 2N)</c>. CKKS rotations by <c>r</c> slots use
    /// <c>k = 5^r mod 2N</c>, conjugation uses <c>k = 2N - 1</c> (or <c>-1</c>).
    /// </para>
    /// </remarks>
    /// <param name="a">The operand.</param>
    /// <param name="galoisElement">The odd exponent <c>k</c>; any odd integer, taken modulo <c>2N</c> (so <c>-1</c> is conjugation).</param>
    /// <param name="destination">Receives <c>σ_k(a)</c> (may be <paramref name="a"/>; a pooled temporary is then used).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="galoisElement"/> is even, or <paramref name="destination"/> is of another context.</exception>
    public static void Automorphism(RnsPoly a, long galoisElement, RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckDestination(a, destination);
        int k = a.Context.NormalizeGaloisElement(galoisElement, nameof(galoisElement));
        destination.SetShape(a.LimbCount, a.IsNttForm);
        if (a.IsNttForm)
        {
            NttGaloisPermutation permutation = a.Context.GetNttGaloisPermutation(k);
            LimbParallel.For(a.Context, a.LimbCount, 2L * a.N, new NttAutomorphismAction(a, destination, permutation));
        }
        else
        {
            uint[] map = a.Context.GetCoefficientGaloisMap(k);
            LimbParallel.For(a.Context, a.LimbCount, 3L * a.N, new CoefficientAutomorphismAction(a, destination, map));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void PermuteCoefficients(ReadOnlySpan<ulong> source, Span<ulong> destination, uint[] map, Modulus q)
    {
        ref ulong src = ref MemoryMarshal.GetReference(source);
        ref uint m = ref MemoryMarshal.GetArrayDataReference(map);
        for (int j = 0; j < destination.Length; j++)
        {
            uint entry = Unsafe.Add(ref m, j);
            ulong value = Unsafe.Add(ref src, (int)(entry & 0x7FFF_FFFFu));
            ulong negate = 0UL - (entry >> 31);
            ulong negated = q.Negate(value);
            destination[j] = (negated & negate) | (value & ~negate);
        }
    }

    private readonly struct NttAutomorphismAction(RnsPoly a, RnsPoly destination, NttGaloisPermutation permutation) : ILimbAction
    {
        public void Invoke(int limb)
        {
            if (ReferenceEquals(a, destination))
            {
                ulong[] temp = ArrayPool<ulong>.Shared.Rent(a.N);
                Span<ulong> copy = temp.AsSpan(0, a.N);
                a.LimbUnchecked(limb).CopyTo(copy);
                permutation.Apply(copy, destination.LimbUnchecked(limb));
                ArrayPool<ulong>.Shared.Return(temp);
            }
            else
            {
                permutation.Apply(a.LimbUnchecked(limb), destination.LimbUnchecked(limb));
            }
        }
    }

    private readonly struct CoefficientAutomorphismAction(RnsPoly a, RnsPoly destination, uint[] map) : ILimbAction
    {
        public void Invoke(int limb)
        {
            Modulus q = a.Context.ModuliArray[limb];
            if (ReferenceEquals(a, destination))
            {
                ulong[] temp = ArrayPool<ulong>.Shared.Rent(a.N);
                Span<ulong> copy = temp.AsSpan(0, a.N);
                a.LimbUnchecked(limb).CopyTo(copy);
                PermuteCoefficients(copy, destination.LimbUnchecked(limb), map, q);
                ArrayPool<ulong>.Shared.Return(temp);
            }
            else
            {
                PermuteCoefficients(a.LimbUnchecked(limb), destination.LimbUnchecked(limb), map, q);
            }
        }
    }
}
