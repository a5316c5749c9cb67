using System.Runtime.CompilerServices;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Rns.Sampling;

/// <summary>Writes small signed integers into every limb of a polynomial, branch-free on the sign.</summary>
internal static class SmallIntegers
{
    /// <summary>Sets <paramref name="destination"/> (coefficient form) to the coefficients <paramref name="values"/>, each of magnitude below every prime.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(ReadOnlySpan<sbyte> values, RnsPoly destination)
    {
        for (int i = 0; i < destination.LimbCount; i++)
        {
            ulong q = destination.Context.ModuliArray[i].Value;
            Span<ulong> limb = destination.LimbUnchecked(i);
            for (int j = 0; j < limb.Length; j++)
            {
                long v = values[j];
                limb[j] = (ulong)v + (q & (ulong)(v >> 63));
            }
        }

        destination.IsNttForm = false;
    }

    /// <summary>Sets <paramref name="destination"/> (coefficient form) to the coefficients <paramref name="values"/>, each of magnitude below every prime.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(ReadOnlySpan<int> values, RnsPoly destination)
    {
        for (int i = 0; i < destination.LimbCount; i++)
        {
            ulong q = destination.Context.ModuliArray[i].Value;
            Span<ulong> limb = destination.LimbUnchecked(i);
            for (int j = 0; j < limb.Length; j++)
            {
                long v = values[j];
                limb[j] = (ulong)v + (q & (ulong)(v >> 63));
            }
        }

        destination.IsNttForm = false;
    }
}
