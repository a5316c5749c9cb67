using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CkksRns.Rns.Arithmetic;

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
    /// The Vector256 forward transform of a polynomial whose coefficients are integers of magnitude below <c>2q</c> (and
    /// <c>2^51</c>) given as doubles, into <paramref name="values"/>. With the <see cref="NttMultiplication.Fma"/> strategy
    /// the first pass reads them as they are (they are already the butterflies' representation); with
    /// <see cref="NttMultiplication.Shoup32Packed"/> the narrowing pass converts them; otherwise they are reduced first.
    /// The result equals the transform of the residues.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardFromSmallIntegers256(ReadOnlySpan<double> source, Span<ulong> values, NttOperands operands, ulong q)
    {
        Debug.Assert(source.Length == values.Length, "equal lengths");
        ref double first = ref MemoryMarshal.GetReference(source);
        switch (operands.Multiplication)
        {
            case NttMultiplication.Fma:
                Forward256<NttFmaButterfly256, NttTrue>(ref Unsafe.As<double, ulong>(ref first), values, operands, q);
                break;
            case NttMultiplication.Shoup32Packed:
                ForwardPacked256<NttTrue, NttFalse, NttFalse>(
                    ref first, values, operands, q, ref Unsafe.NullRef<ulong>(), ref Unsafe.NullRef<ulong>(), ref Unsafe.NullRef<ulong>(), default);
                break;
            default:
                ElementwiseKernels.ResiduesOfSmallIntegers(source, values, q, SimdLevel.Vector256);
                ForwardVector256(values, operands, q);
                break;
        }
    }

    /// <summary>
    /// <c>destination[i] = (minuend[i] - NTT(values)[i])·factor mod q</c>, plus <c>addend[i]</c> when
    /// <paramref name="addend"/> is not empty, with Vector256 lanes, the subtraction, product and sum fused into the
    /// transform's last pass; <paramref name="values"/> (residues, or scratch when <paramref name="source"/> is given) is
    /// left as scratch. With a non-empty <paramref name="source"/> the transformed polynomial is read from it instead:
    /// integers of magnitude below <c>2q</c> (and <c>2^51</c>) as doubles. <paramref name="destination"/> may be
    /// <paramref name="minuend"/> or <paramref name="addend"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardSubtractMultiply256(
        ReadOnlySpan<double> source, Span<ulong> values, ReadOnlySpan<ulong> minuend, ReadOnlySpan<ulong> addend, Span<ulong> destination,
        NttOperands operands, Modulus modulus, ShoupOperand factor)
    {
        if (addend.IsEmpty)
        {
            ForwardSubtractMultiply256<NttFalse>(source, values, minuend, addend, destination, operands, modulus, factor);
        }
        else
        {
            ForwardSubtractMultiply256<NttTrue>(source, values, minuend, addend, destination, operands, modulus, factor);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSubtractMultiply256<TAccumulate>(
        ReadOnlySpan<double> source, Span<ulong> values, ReadOnlySpan<ulong> minuend, ReadOnlySpan<ulong> addend, Span<ulong> destination,
        NttOperands operands, Modulus modulus, ShoupOperand factor)
        where TAccumulate : struct, INttFlag
    {
        Debug.Assert(minuend.Length == values.Length && destination.Length == values.Length, "equal lengths");
        Debug.Assert(source.IsEmpty || source.Length == values.Length, "equal lengths");
        Debug.Assert(!TAccumulate.Value || addend.Length == values.Length, "equal lengths");
        ulong q = modulus.Value;
        ref ulong m = ref MemoryMarshal.GetReference(minuend);
        ref ulong add = ref MemoryMarshal.GetReference(addend);
        ref ulong d = ref MemoryMarshal.GetReference(destination);
        ref ulong v = ref MemoryMarshal.GetReference(values);
        bool fromSource = !source.IsEmpty;
        ref double s = ref MemoryMarshal.GetReference(source);
        switch (operands.Multiplication)
        {
            case NttMultiplication.Shoup32Packed when fromSource:
                ForwardPacked256<NttTrue, NttTrue, TAccumulate>(ref s, values, operands, q, ref m, ref add, ref d, factor);
                return;
            case NttMultiplication.Shoup32Packed:
                ForwardPacked256<NttFalse, NttTrue, TAccumulate>(ref s, values, operands, q, ref m, ref add, ref d, factor);
                return;
            case NttMultiplication.Fma when fromSource:
                Forward256<NttFmaButterfly256, NttTrue, NttTrue, TAccumulate>(
                    ref Unsafe.As<double, ulong>(ref s), values, operands, q, ref m, ref add, ref d, modulus, factor);
                return;
        }

        if (fromSource)
        {
            ElementwiseKernels.ResiduesOfSmallIntegers(source, values, q, SimdLevel.Vector256);
        }

        switch (operands.Multiplication)
        {
            case NttMultiplication.Shoup32:
                Forward256<NttShoup32Multiplier256, NttFalse, NttTrue, TAccumulate>(ref v, values, operands, q, ref m, ref add, ref d, modulus, factor);
                break;
            case NttMultiplication.Fma:
                Forward256<NttFmaButterfly256, NttFalse, NttTrue, TAccumulate>(ref v, values, operands, q, ref m, ref add, ref d, modulus, factor);
                break;
            case NttMultiplication.FmaPerProduct:
                Forward256<NttFmaMultiplier256, NttFalse, NttTrue, TAccumulate>(ref v, values, operands, q, ref m, ref add, ref d, modulus, factor);
                break;
            default:
                Forward256<NttShoup64Multiplier256, NttFalse, NttTrue, TAccumulate>(ref v, values, operands, q, ref m, ref add, ref d, modulus, factor);
                break;
        }
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
