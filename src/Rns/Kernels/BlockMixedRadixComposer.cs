using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// Reconstructs centred coefficients from their residues as doubles, like <see cref="Bases.MixedRadixComposer"/>
/// (balanced mixed-radix digits, then Horner's rule in double precision), but a block of coefficients at a time with
/// vector kernels: the same numbers, bit for bit, on every path.
/// </summary>
/// <remarks>
/// <para>
/// For limb <c>i</c> the digit is <c>v_i = (…((x_i - a_0)·q_0^-1 - a_1)·q_1^-1 … - a_(i-1))·q_(i-1)^-1 mod q_i</c>, with
/// <c>a_t</c> the centred digit of limb <c>t</c> (<c>v_t - q_t</c> when <c>v_t &gt; q_t/2</c>). Then
/// <c>x = a_0 + a_1·q_0 + a_2·q_0·q_1 + …</c>, evaluated from the top digit down with one double multiply and one add
/// per limb (no fused multiply-add, so the scalar and vector paths round identically).
/// </para>
/// <para>Blocks of <see cref="BlockSize"/> coefficients keep the digits of all limbs in the L1 cache; the scratch is pooled.</para>
/// </remarks>
internal sealed class BlockMixedRadixComposer
{
    /// <summary>Coefficients per block.</summary>
    internal const int BlockSize = 256;

    private readonly Modulus[] _moduli;
    private readonly double[] _moduliAsDouble;

    // _inverse[i * k + t] = q_t^-1 mod q_i, _qModQ[i * k + t] = q_t mod q_i (t < i).
    private readonly ShoupOperand[] _inverse;
    private readonly ulong[] _qModQ;

    /// <summary>Precomputes the constants for <paramref name="moduli"/>.</summary>
    public BlockMixedRadixComposer(ReadOnlySpan<Modulus> moduli)
    {
        _moduli = moduli.ToArray();
        int k = _moduli.Length;
        _moduliAsDouble = _moduli.Select(q => (double)q.Value).ToArray();
        _inverse = new ShoupOperand[k * k];
        _qModQ = new ulong[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int t = 0; t < i; t++)
            {
                ulong reduced = _moduli[i].Reduce(_moduli[t].Value);
                _qModQ[i * k + t] = reduced;
                _inverse[i * k + t] = _moduli[i].CreateShoupOperand(_moduli[i].Inverse(reduced));
            }
        }
    }

    /// <summary>
    /// <c>destination[j] = multiplier · x_j</c> where <c>x_j</c> is the centred integer with residues
    /// <c>limbs[i·n + j]</c> modulo <c>q_0 … q_(limbCount-1)</c>, <c>n = destination.Length</c>.
    /// </summary>
    public void ComposeCentered(ReadOnlySpan<ulong> limbs, int limbCount, double multiplier, Span<double> destination, SimdLevel level)
    {
        int n = destination.Length, k = _moduli.Length;
        Debug.Assert(limbCount >= 1 && limbCount <= k && limbs.Length >= limbCount * n, "shape mismatch");
        ulong[] rented = ArrayPool<ulong>.Shared.Rent(limbCount * BlockSize);
        try
        {
            for (int start = 0; start < n; start += BlockSize)
            {
                int count = Math.Min(BlockSize, n - start);
                for (int i = 0; i < limbCount; i++)
                {
                    Span<ulong> v = rented.AsSpan(i * BlockSize, count);
                    limbs.Slice(i * n + start, count).CopyTo(v);
                    for (int t = 0; t < i; t++)
                    {
                        Step(rented.AsSpan(t * BlockSize, count), _moduli[t].Value, _qModQ[i * k + t], _inverse[i * k + t], v, _moduli[i], level);
                    }
                }

                Horner(rented, limbCount, count, multiplier, destination.Slice(start, count), level);
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    /// <summary><c>v = (v - c(d)) · w mod q</c> with <c>c(d)</c> the centred digit <c>d</c> of prime <paramref name="qt"/> reduced modulo <c>q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Step(ReadOnlySpan<ulong> d, ulong qt, ulong qtModQ, ShoupOperand w, Span<ulong> v, Modulus q, SimdLevel level)
    {
        int i = level == SimdLevel.Vector512 ? StepVector512(d, qt, qtModQ, w, v, q)
            : level == SimdLevel.Vector256 ? StepVector256(d, qt, qtModQ, w, v, q) : 0;
        ulong half = qt >> 1;
        for (; i < v.Length; i++)
        {
            ulong digit = d[i];
            ulong reduced = q.Reduce(digit);
            reduced = digit > half ? q.Subtract(reduced, qtModQ) : reduced;
            v[i] = q.MultiplyShoup(q.Subtract(v[i], reduced), w.Value, w.Quotient);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int StepVector256(ReadOnlySpan<ulong> d, ulong qt, ulong qtModQ, ShoupOperand w, Span<ulong> v, Modulus q)
    {
        int n = v.Length, i = 0;
        ref ulong rd = ref MemoryMarshal.GetReference(d);
        ref ulong rv = ref MemoryMarshal.GetReference(v);
        Vector256<ulong> vq = Vector256.Create(q.Value), ratio = Vector256.Create(q.BarrettRatio64);
        Vector256<ulong> half = Vector256.Create(qt >> 1), vqt = Vector256.Create(qtModQ);
        Vector256<ulong> vw = Vector256.Create(w.Value), vws = Vector256.Create(w.Quotient);
        for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
        {
            Vector256<ulong> digit = Vector256.LoadUnsafe(ref rd, (nuint)i);
            Vector256<ulong> reduced = ReduceOnce(digit - MulLow(MulHigh(digit, ratio), vq), vq);
            reduced = SubtractMod(reduced, vqt & Vector256.GreaterThan(digit.AsInt64(), half.AsInt64()).AsUInt64(), vq);
            Vector256<ulong> x = SubtractMod(Vector256.LoadUnsafe(ref rv, (nuint)i), reduced, vq);
            ElementwiseVectorMath.MultiplyShoup(x, vw, vws, vq).StoreUnsafe(ref rv, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int StepVector512(ReadOnlySpan<ulong> d, ulong qt, ulong qtModQ, ShoupOperand w, Span<ulong> v, Modulus q)
    {
        int n = v.Length, i = 0;
        ref ulong rd = ref MemoryMarshal.GetReference(d);
        ref ulong rv = ref MemoryMarshal.GetReference(v);
        Vector512<ulong> vq = Vector512.Create(q.Value), ratio = Vector512.Create(q.BarrettRatio64);
        Vector512<ulong> half = Vector512.Create(qt >> 1), vqt = Vector512.Create(qtModQ);
        Vector512<ulong> vw = Vector512.Create(w.Value), vws = Vector512.Create(w.Quotient);
        for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
        {
            Vector512<ulong> digit = Vector512.LoadUnsafe(ref rd, (nuint)i);
            Vector512<ulong> reduced = ReduceOnce(digit - MulLow(MulHigh(digit, ratio), vq), vq);
            reduced = SubtractMod(reduced, vqt & Vector512.GreaterThan(digit, half), vq);
            Vector512<ulong> x = SubtractMod(Vector512.LoadUnsafe(ref rv, (nuint)i), reduced, vq);
            ElementwiseVectorMath.MultiplyShoup(x, vw, vws, vq).StoreUnsafe(ref rv, (nuint)i);
        }

        return i;
    }

    /// <summary>Centred digits to doubles: <c>value = a_top; value = value·q_i + a_i</c> down to <c>i = 0</c>, times the multiplier.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Horner(ulong[] digits, int limbCount, int count, double multiplier, Span<double> destination, SimdLevel level)
    {
        int j = 0;
        if (level == SimdLevel.Vector256 || level == SimdLevel.Vector512)
        {
            // Vector256 for both: the conversion to double dominates and is not wider on AVX-512 without DQ.
            j = HornerVector256(digits, limbCount, count, multiplier, destination);
        }

        for (; j < count; j++)
        {
            double value = Centred(digits[((limbCount - 1) * BlockSize) + j], _moduli[limbCount - 1].Value);
            for (int i = limbCount - 2; i >= 0; i--)
            {
                value = (value * _moduliAsDouble[i]) + Centred(digits[(i * BlockSize) + j], _moduli[i].Value);
            }

            destination[j] = value * multiplier;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int HornerVector256(ulong[] digits, int limbCount, int count, double multiplier, Span<double> destination)
    {
        ref ulong rd = ref MemoryMarshal.GetArrayDataReference(digits);
        ref double rdst = ref MemoryMarshal.GetReference(destination);
        Vector256<double> vm = Vector256.Create(multiplier);
        int j = 0;
        for (; j <= count - Vector256<ulong>.Count; j += Vector256<ulong>.Count)
        {
            int top = limbCount - 1;
            Vector256<double> value = Vector256.ConvertToDouble(
                CentredVector(Vector256.LoadUnsafe(ref rd, (nuint)((top * BlockSize) + j)), _moduli[top].Value));
            for (int i = limbCount - 2; i >= 0; i--)
            {
                Vector256<long> a = CentredVector(Vector256.LoadUnsafe(ref rd, (nuint)((i * BlockSize) + j)), _moduli[i].Value);
                value = (value * Vector256.Create(_moduliAsDouble[i])) + Vector256.ConvertToDouble(a);
            }

            (value * vm).StoreUnsafe(ref rdst, (nuint)j);
        }

        return j;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Centred(ulong v, ulong q) => v > q >> 1 ? (long)v - (long)q : (long)v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> CentredVector(Vector256<ulong> v, ulong q)
    {
        Vector256<long> vl = v.AsInt64();
        Vector256<long> negative = Vector256.GreaterThan(vl, Vector256.Create((long)(q >> 1)));
        return vl - (Vector256.Create((long)q) & negative);
    }
}
