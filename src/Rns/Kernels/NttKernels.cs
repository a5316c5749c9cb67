using System.Runtime.CompilerServices;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// Vector kernels of the negacyclic NTT (Harvey lazy butterflies), one set per vector width and per
/// <see cref="NttMultiplication"/> strategy. They compute exactly what <c>NttTables.ForwardScalar</c> and
/// <c>InverseScalar</c> compute; the tables and the strategy come from <see cref="NttOperands"/>.
/// </summary>
/// <remarks>
/// Forward: inputs <c>[0, q)</c>, values in <c>[0, 4q)</c> between stages, outputs <c>[0, q)</c>. Inverse: inputs
/// <c>[0, q)</c>, values in <c>[0, 2q)</c> between stages, outputs <c>[0, q)</c>. Nothing here allocates.
/// </remarks>
internal static partial class NttKernels
{
    /// <summary>Runs the forward transform at <paramref name="level"/> (a vector level) with the strategy of <paramref name="operands"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(Span<ulong> values, NttOperands operands, ulong q, SimdLevel level)
    {
        if (level == SimdLevel.Vector512)
        {
            ForwardVector512(values, operands, q);
        }
        else
        {
            ForwardVector256(values, operands, q);
        }
    }

    /// <summary>
    /// The Vector256 forward transform with the <see cref="NttMultiplication.Fma"/> strategy of a polynomial whose
    /// coefficients are integers of magnitude below <c>q</c> given as doubles: the first pass reads them as they are
    /// (they are already the butterflies' representation), so no reduction pass precedes the transform. The result equals
    /// the transform of the residues.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardFromSmallIntegers256(ReadOnlySpan<double> source, Span<ulong> values, NttOperands operands, ulong q)
    {
        System.Diagnostics.Debug.Assert(operands.Multiplication == NttMultiplication.Fma && source.Length == values.Length, "Fma operands, equal lengths");
        ref ulong first = ref System.Runtime.CompilerServices.Unsafe.As<double, ulong>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source));
        Forward256<NttFmaButterfly256, NttTrue>(ref first, values, operands, q);
    }

    /// <summary>Runs the inverse transform at <paramref name="level"/> (a vector level) with the strategy of <paramref name="operands"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Inverse(Span<ulong> values, NttOperands operands, ulong q, SimdLevel level)
    {
        if (level == SimdLevel.Vector512)
        {
            InverseVector512(values, operands, q);
        }
        else
        {
            InverseVector256(values, operands, q);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardVector256(Span<ulong> values, NttOperands operands, ulong q)
    {
        switch (operands.Multiplication)
        {
            case NttMultiplication.Shoup32Packed:
                ForwardPacked256(values, operands, q);
                break;
            case NttMultiplication.Shoup32:
                Forward256<NttShoup32Multiplier256>(values, operands, q);
                break;
            case NttMultiplication.Fma:
                Forward256<NttFmaButterfly256>(values, operands, q);
                break;
            case NttMultiplication.FmaPerProduct:
                Forward256<NttFmaMultiplier256>(values, operands, q);
                break;
            default:
                Forward256<NttShoup64Multiplier256>(values, operands, q);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseVector256(Span<ulong> values, NttOperands operands, ulong q)
    {
        switch (operands.Multiplication)
        {
            case NttMultiplication.Shoup32Packed:
                InversePacked256(values, operands, q);
                break;
            case NttMultiplication.Shoup32:
                Inverse256<NttShoup32Multiplier256>(values, operands, q);
                break;
            case NttMultiplication.Fma:
                Inverse256<NttFmaButterfly256>(values, operands, q);
                break;
            case NttMultiplication.FmaPerProduct:
                Inverse256<NttFmaMultiplier256>(values, operands, q);
                break;
            default:
                Inverse256<NttShoup64Multiplier256>(values, operands, q);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardVector512(Span<ulong> values, NttOperands operands, ulong q)
    {
        switch (operands.Multiplication)
        {
            case NttMultiplication.Shoup32Packed:
                ForwardPacked512(values, operands, q);
                break;
            case NttMultiplication.Shoup32:
                Forward512<NttShoup32Multiplier512>(values, operands, q);
                break;
            case NttMultiplication.Fma:
                Forward512<NttFmaButterfly512>(values, operands, q);
                break;
            case NttMultiplication.FmaPerProduct:
                Forward512<NttFmaMultiplier512>(values, operands, q);
                break;
            default:
                Forward512<NttShoup64Multiplier512>(values, operands, q);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseVector512(Span<ulong> values, NttOperands operands, ulong q)
    {
        switch (operands.Multiplication)
        {
            case NttMultiplication.Shoup32Packed:
                InversePacked512(values, operands, q);
                break;
            case NttMultiplication.Shoup32:
                Inverse512<NttShoup32Multiplier512>(values, operands, q);
                break;
            case NttMultiplication.Fma:
                Inverse512<NttFmaButterfly512>(values, operands, q);
                break;
            case NttMultiplication.FmaPerProduct:
                Inverse512<NttFmaMultiplier512>(values, operands, q);
                break;
            default:
                Inverse512<NttShoup64Multiplier512>(values, operands, q);
                break;
        }
    }
}
