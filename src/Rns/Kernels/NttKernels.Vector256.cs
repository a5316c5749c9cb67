using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.NttVector256;

namespace CkksRns.Rns.Kernels;

/// <content>The Vector256 (4 × 64-bit lanes) transforms.</content>
internal static partial class NttKernels
{
    /// <summary>
    /// Forward negacyclic NTT in place with Vector256 lanes: radix-4 passes (two stages per pass over memory) while the
    /// butterfly distance is at least 4, then the last two stages and the final reduction to <c>[0, q)</c> in registers.
    /// </summary>
    /// <remarks>Inputs in <c>[0, q)</c> (any value below <c>4q</c> works); outputs in <c>[0, q)</c>, equal to the scalar reference.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward256<TBf>(Span<ulong> values, NttOperands operands, ulong q)
        where TBf : struct, INttButterfly256<TBf> =>
        Forward256<TBf, NttFalse>(ref MemoryMarshal.GetReference(values), values, operands, q);

    /// <summary>
    /// The forward transform into <paramref name="values"/>; with <typeparamref name="TFromSource"/> the first pass reads
    /// its inputs from <paramref name="source"/> (N words) already in the butterflies' internal representation (for
    /// <see cref="NttFmaButterfly256"/>: integers of magnitude below <c>2q</c> as doubles) instead of converting
    /// <paramref name="values"/> in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward256<TBf, TFromSource>(ref ulong source, Span<ulong> values, NttOperands operands, ulong q)
        where TBf : struct, INttButterfly256<TBf>
        where TFromSource : struct, INttFlag =>
        Forward256<TBf, TFromSource, NttFalse, NttFalse>(
            ref source, values, operands, q, ref Unsafe.NullRef<ulong>(), ref Unsafe.NullRef<ulong>(), ref Unsafe.NullRef<ulong>(), default, default);

    /// <summary>
    /// The forward transform; with <typeparamref name="TFromSource"/> the first pass reads from <paramref name="source"/>
    /// (see above), and with <typeparamref name="TSubtractMultiply"/> the last pass writes
    /// <c>destination[i] = (minuend[i] - NTT(x)[i])·factor mod q</c> (N words each; <paramref name="destination"/> may be
    /// <paramref name="minuend"/>) instead of storing the transform into <paramref name="values"/>, which is then left as
    /// scratch; with <typeparamref name="TAccumulate"/> as well, <c>addend[i]</c> is added (<paramref name="addend"/> may
    /// be <paramref name="destination"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward256<TBf, TFromSource, TSubtractMultiply, TAccumulate>(
        ref ulong source, Span<ulong> values, NttOperands operands, ulong q, ref ulong minuend, ref ulong addend, ref ulong destination, Modulus modulus, ShoupOperand factor)
        where TBf : struct, INttButterfly256<TBf>
        where TFromSource : struct, INttFlag
        where TSubtractMultiply : struct, INttFlag
        where TAccumulate : struct, INttFlag
    {
        int n = values.Length;
        Debug.Assert(n >= 16 && (n & (n - 1)) == 0, "N must be a power of two >= 16");
        ref ulong a = ref MemoryMarshal.GetReference(values);
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(operands.ForwardW);
        ref ulong aux = ref MemoryMarshal.GetArrayDataReference(operands.ForwardAux);

        int logN = BitOperations.Log2((uint)n);
        int m = 1, t = n >> 1;
        // The first pass converts the stored residues to the butterflies' representation (or reads them from the source).
        if (((logN - 2) & 1) != 0)
        {
            if (TFromSource.Value)
            {
                ForwardRadix2Pass256<TBf, NttFalse, NttTrue>(ref source, ref a, ref w, ref aux, q, m, t);
            }
            else
            {
                ForwardRadix2Pass256<TBf, NttTrue, NttFalse>(ref a, ref a, ref w, ref aux, q, m, t);
            }

            m <<= 1;
            t >>= 1;
        }
        else
        {
            if (TFromSource.Value)
            {
                ForwardRadix4Pass256<TBf, NttFalse, NttTrue>(ref source, ref a, ref w, ref aux, q, m, t);
            }
            else
            {
                ForwardRadix4Pass256<TBf, NttTrue, NttFalse>(ref a, ref a, ref w, ref aux, q, m, t);
            }

            m <<= 2;
            t >>= 2;
        }

        for (; t >= 8; m <<= 2, t >>= 2)
        {
            ForwardRadix4Pass256<TBf, NttFalse, NttFalse>(ref a, ref a, ref w, ref aux, q, m, t);
        }

        Debug.Assert(t == 2 && m == n >> 2, "the tail covers the stages of distance 2 and 1");
        (ulong factorW, ulong factorAux) = TSubtractMultiply.Value ? NttOperands.Operand(operands.Multiplication, modulus, factor) : default;
        ForwardTail256<TBf, TSubtractMultiply, TAccumulate>(ref a, ref w, ref aux, q, n, ref minuend, ref addend, ref destination, factorW, factorAux);
    }

    /// <summary>
    /// Inverse negacyclic NTT in place with Vector256 lanes: the first two stages in registers, radix-4 passes, and a last
    /// radix-2 pass that folds in <c>N^-1</c> and reduces to <c>[0, q)</c>.
    /// </summary>
    /// <remarks>Inputs in <c>[0, q)</c> (any value below <c>2q</c> works); outputs in <c>[0, q)</c>, equal to the scalar reference.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Inverse256<TBf>(Span<ulong> values, NttOperands operands, ulong q)
        where TBf : struct, INttButterfly256<TBf>
    {
        int n = values.Length;
        Debug.Assert(n >= 16 && (n & (n - 1)) == 0, "N must be a power of two >= 16");
        ref ulong a = ref MemoryMarshal.GetReference(values);
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(operands.InverseW);
        ref ulong aux = ref MemoryMarshal.GetArrayDataReference(operands.InverseAux);

        InverseHead256<TBf>(ref a, ref w, ref aux, q, n);
        int logN = BitOperations.Log2((uint)n);
        int m = n >> 3, t = 4;
        if (((logN - 3) & 1) != 0)
        {
            InverseRadix2Pass256<TBf>(ref a, ref w, ref aux, q, m, t);
            m >>= 1;
            t <<= 1;
        }

        for (; m > 1; m >>= 2, t <<= 2)
        {
            InverseRadix4Pass256<TBf>(ref a, ref w, ref aux, q, m, t);
        }

        Debug.Assert(m == 1 && t == n >> 1, "the last pass is the stage of distance N/2");
        InverseLastPass256<TBf>(ref a, q, n, operands.InverseN, operands.InverseLast);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NttTwiddle256 Broadcast256<TBf>(in TBf bf, ref ulong w, ref ulong aux, int index)
        where TBf : struct, INttButterfly256<TBf> =>
        bf.Prepare(Vector256.Create(Unsafe.Add(ref w, index)), Vector256.Create(Unsafe.Add(ref aux, index)));

    // With TFromSource the loads come from source (same offsets), the stores go to a.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRadix2Pass256<TBf, TConvert, TFromSource>(ref ulong source, ref ulong a, ref ulong w, ref ulong aux, ulong q, int m, int t)
        where TBf : struct, INttButterfly256<TBf>
        where TConvert : struct, INttFlag
        where TFromSource : struct, INttFlag
    {
        TBf bf = TBf.Create(q);
        for (int i = 0; i < m; i++)
        {
            NttTwiddle256 tw = Broadcast256(bf, ref w, ref aux, m + i);
            ref ulong x = ref Unsafe.Add(ref a, 2 * i * t);
            ref ulong y = ref Unsafe.Add(ref x, t);
            ref ulong sx = ref TFromSource.Value ? ref Unsafe.Add(ref source, 2 * i * t) : ref x;
            ref ulong sy = ref Unsafe.Add(ref sx, t);
            for (nuint j = 0; j < (nuint)t; j += 4)
            {
                Vector256<ulong> vx = Vector256.LoadUnsafe(ref sx, j), vy = Vector256.LoadUnsafe(ref sy, j);
                if (TConvert.Value)
                {
                    vx = bf.ToInternal(vx);
                    vy = bf.ToInternal(vy);
                }

                bf.Forward(ref vx, ref vy, tw);
                vx.StoreUnsafe(ref x, j);
                vy.StoreUnsafe(ref y, j);
            }
        }
    }

    /// <summary>Stages <c>m</c> (distance <c>t</c>) and <c>2m</c> (distance <c>t/2</c>) in one pass; needs <c>t ≥ 8</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRadix4Pass256<TBf, TConvert, TFromSource>(ref ulong source, ref ulong a, ref ulong w, ref ulong aux, ulong q, int m, int t)
        where TBf : struct, INttButterfly256<TBf>
        where TConvert : struct, INttFlag
        where TFromSource : struct, INttFlag
    {
        TBf bf = TBf.Create(q);
        int h = t >> 1;
        for (int i = 0; i < m; i++)
        {
            NttTwiddle256 w1 = Broadcast256(bf, ref w, ref aux, m + i);
            NttTwiddle256 w2 = Broadcast256(bf, ref w, ref aux, 2 * (m + i));
            NttTwiddle256 w3 = Broadcast256(bf, ref w, ref aux, 2 * (m + i) + 1);
            ref ulong p0 = ref Unsafe.Add(ref a, 2 * i * t);
            ref ulong p1 = ref Unsafe.Add(ref p0, h);
            ref ulong p2 = ref Unsafe.Add(ref p0, t);
            ref ulong p3 = ref Unsafe.Add(ref p2, h);
            ref ulong s0 = ref TFromSource.Value ? ref Unsafe.Add(ref source, 2 * i * t) : ref p0;
            ref ulong s1 = ref Unsafe.Add(ref s0, h);
            ref ulong s2 = ref Unsafe.Add(ref s0, t);
            ref ulong s3 = ref Unsafe.Add(ref s2, h);
            for (nuint j = 0; j < (nuint)h; j += 4)
            {
                Vector256<ulong> v0 = Vector256.LoadUnsafe(ref s0, j), v1 = Vector256.LoadUnsafe(ref s1, j);
                Vector256<ulong> v2 = Vector256.LoadUnsafe(ref s2, j), v3 = Vector256.LoadUnsafe(ref s3, j);
                if (TConvert.Value)
                {
                    v0 = bf.ToInternal(v0);
                    v1 = bf.ToInternal(v1);
                    v2 = bf.ToInternal(v2);
                    v3 = bf.ToInternal(v3);
                }

                bf.Forward(ref v0, ref v2, w1);
                bf.Forward(ref v1, ref v3, w1);
                bf.Forward(ref v0, ref v1, w2);
                bf.Forward(ref v2, ref v3, w3);
                v0.StoreUnsafe(ref p0, j);
                v1.StoreUnsafe(ref p1, j);
                v2.StoreUnsafe(ref p2, j);
                v3.StoreUnsafe(ref p3, j);
            }
        }
    }

    /// <summary>
    /// Stages of distance 2 and 1 on blocks of 8 values, then the reduction from <c>[0, 4q)</c> to <c>[0, q)</c>; with
    /// <typeparamref name="TSubtractMultiply"/> the outputs go to <c>destination = (minuend - output)·factor</c> instead,
    /// the factor given as its table entries (<see cref="NttOperands.Operand"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardTail256<TBf, TSubtractMultiply, TAccumulate>(
        ref ulong a, ref ulong w, ref ulong aux, ulong q, int n, ref ulong minuend, ref ulong addend, ref ulong destination, ulong factorW, ulong factorAux)
        where TBf : struct, INttButterfly256<TBf>
        where TSubtractMultiply : struct, INttFlag
        where TAccumulate : struct, INttFlag
    {
        TBf bf = TBf.Create(q);
        Vector256<ulong> vq = Vector256.Create(q);
        NttTwiddle256 f = TSubtractMultiply.Value ? bf.Prepare(Vector256.Create(factorW), Vector256.Create(factorAux)) : default;

        ref ulong w2 = ref Unsafe.Add(ref w, n >> 2), aux2 = ref Unsafe.Add(ref aux, n >> 2);
        ref ulong w1 = ref Unsafe.Add(ref w, n >> 1), aux1 = ref Unsafe.Add(ref aux, n >> 1);
        for (nuint k = 0; k < (nuint)(n >> 3); k++)
        {
            Vector256<ulong> v0 = Vector256.LoadUnsafe(ref a, 8 * k), v1 = Vector256.LoadUnsafe(ref a, 8 * k + 4);

            // Distance 2: x = [a0 a1 a4 a5], y = [a2 a3 a6 a7]; twiddles of groups 2k, 2k, 2k+1, 2k+1.
            Vector256<ulong> x = LowHalves(v0, v1), y = HighHalves(v0, v1);
            NttTwiddle256 tw = bf.Prepare(
                LoadPairsDuplicated(ref Unsafe.Add(ref w2, 2 * k)), LoadPairsDuplicated(ref Unsafe.Add(ref aux2, 2 * k)));
            bf.Forward(ref x, ref y, tw);

            // Distance 1: x = [b0 b2 b4 b6], y = [b1 b3 b5 b7]; twiddles of groups 4k .. 4k+3.
            Vector256<ulong> x1 = UnpackLow(x, y), y1 = UnpackHigh(x, y);
            tw = bf.Prepare(Vector256.LoadUnsafe(ref w1, 4 * k), Vector256.LoadUnsafe(ref aux1, 4 * k));
            bf.Forward(ref x1, ref y1, tw);
            if (!TSubtractMultiply.Value)
            {
                x1 = bf.FinishForward(x1);
                y1 = bf.FinishForward(y1);
            }

            // Back to natural order: [c0 c1 c4 c5], [c2 c3 c6 c7] -> [c0 c1 c2 c3], [c4 c5 c6 c7].
            x = UnpackLow(x1, y1);
            y = UnpackHigh(x1, y1);
            if (TSubtractMultiply.Value)
            {
                Vector256<ulong> o0 = bf.FinishSubtractMultiply(LowHalves(x, y), Vector256.LoadUnsafe(ref minuend, 8 * k), f);
                Vector256<ulong> o1 = bf.FinishSubtractMultiply(HighHalves(x, y), Vector256.LoadUnsafe(ref minuend, 8 * k + 4), f);
                if (TAccumulate.Value)
                {
                    o0 = ElementwiseVectorMath.AddMod(o0, Vector256.LoadUnsafe(ref addend, 8 * k), vq);
                    o1 = ElementwiseVectorMath.AddMod(o1, Vector256.LoadUnsafe(ref addend, 8 * k + 4), vq);
                }

                o0.StoreUnsafe(ref destination, 8 * k);
                o1.StoreUnsafe(ref destination, 8 * k + 4);
            }
            else
            {
                LowHalves(x, y).StoreUnsafe(ref a, 8 * k);
                HighHalves(x, y).StoreUnsafe(ref a, 8 * k + 4);
            }
        }
    }

    /// <summary>Inverse stages of distance 1 and 2 on blocks of 8 values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseHead256<TBf>(ref ulong a, ref ulong w, ref ulong aux, ulong q, int n)
        where TBf : struct, INttButterfly256<TBf>
    {
        TBf bf = TBf.Create(q);
        ref ulong w1 = ref Unsafe.Add(ref w, n >> 1), aux1 = ref Unsafe.Add(ref aux, n >> 1);
        ref ulong w2 = ref Unsafe.Add(ref w, n >> 2), aux2 = ref Unsafe.Add(ref aux, n >> 2);
        for (nuint k = 0; k < (nuint)(n >> 3); k++)
        {
            Vector256<ulong> v0 = bf.ToInternalInverse(Vector256.LoadUnsafe(ref a, 8 * k));
            Vector256<ulong> v1 = bf.ToInternalInverse(Vector256.LoadUnsafe(ref a, 8 * k + 4));

            // Distance 1: x = [a0 a2 a4 a6], y = [a1 a3 a5 a7]; twiddles of groups 4k .. 4k+3.
            Vector256<ulong> l = LowHalves(v0, v1), h = HighHalves(v0, v1);
            Vector256<ulong> x = UnpackLow(l, h), y = UnpackHigh(l, h);
            NttTwiddle256 tw = bf.Prepare(Vector256.LoadUnsafe(ref w1, 4 * k), Vector256.LoadUnsafe(ref aux1, 4 * k));
            bf.Inverse(ref x, ref y, tw);

            // Distance 2: x = [b0 b1 b4 b5], y = [b2 b3 b6 b7]; twiddles of groups 2k, 2k, 2k+1, 2k+1.
            Vector256<ulong> x2 = UnpackLow(x, y), y2 = UnpackHigh(x, y);
            tw = bf.Prepare(
                LoadPairsDuplicated(ref Unsafe.Add(ref w2, 2 * k)), LoadPairsDuplicated(ref Unsafe.Add(ref aux2, 2 * k)));
            bf.Inverse(ref x2, ref y2, tw);

            LowHalves(x2, y2).StoreUnsafe(ref a, 8 * k);
            HighHalves(x2, y2).StoreUnsafe(ref a, 8 * k + 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseRadix2Pass256<TBf>(ref ulong a, ref ulong w, ref ulong aux, ulong q, int m, int t)
        where TBf : struct, INttButterfly256<TBf>
    {
        TBf bf = TBf.Create(q);
        for (int i = 0; i < m; i++)
        {
            NttTwiddle256 tw = Broadcast256(bf, ref w, ref aux, m + i);
            ref ulong x = ref Unsafe.Add(ref a, 2 * i * t);
            ref ulong y = ref Unsafe.Add(ref x, t);
            for (nuint j = 0; j < (nuint)t; j += 4)
            {
                Vector256<ulong> vx = Vector256.LoadUnsafe(ref x, j), vy = Vector256.LoadUnsafe(ref y, j);
                bf.Inverse(ref vx, ref vy, tw);
                vx.StoreUnsafe(ref x, j);
                vy.StoreUnsafe(ref y, j);
            }
        }
    }

    /// <summary>Inverse stages <c>m</c> (distance <c>t</c>) and <c>m/2</c> (distance <c>2t</c>) in one pass; needs <c>t ≥ 4</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseRadix4Pass256<TBf>(ref ulong a, ref ulong w, ref ulong aux, ulong q, int m, int t)
        where TBf : struct, INttButterfly256<TBf>
    {
        TBf bf = TBf.Create(q);
        int groups = m >> 1;
        for (int i = 0; i < groups; i++)
        {
            NttTwiddle256 w1 = Broadcast256(bf, ref w, ref aux, m + 2 * i);
            NttTwiddle256 w2 = Broadcast256(bf, ref w, ref aux, m + 2 * i + 1);
            NttTwiddle256 w3 = Broadcast256(bf, ref w, ref aux, groups + i);
            ref ulong p0 = ref Unsafe.Add(ref a, 4 * i * t);
            ref ulong p1 = ref Unsafe.Add(ref p0, t);
            ref ulong p2 = ref Unsafe.Add(ref p1, t);
            ref ulong p3 = ref Unsafe.Add(ref p2, t);
            for (nuint j = 0; j < (nuint)t; j += 4)
            {
                Vector256<ulong> v0 = Vector256.LoadUnsafe(ref p0, j), v1 = Vector256.LoadUnsafe(ref p1, j);
                Vector256<ulong> v2 = Vector256.LoadUnsafe(ref p2, j), v3 = Vector256.LoadUnsafe(ref p3, j);
                bf.Inverse(ref v0, ref v1, w1);
                bf.Inverse(ref v2, ref v3, w2);
                bf.Inverse(ref v0, ref v2, w3);
                bf.Inverse(ref v1, ref v3, w3);
                v0.StoreUnsafe(ref p0, j);
                v1.StoreUnsafe(ref p1, j);
                v2.StoreUnsafe(ref p2, j);
                v3.StoreUnsafe(ref p3, j);
            }
        }
    }

    /// <summary>The last inverse stage (distance N/2) with <c>N^-1</c> folded in, reducing to <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseLastPass256<TBf>(
        ref ulong a, ulong q, int n, (ulong W, ulong Aux) inverseN, (ulong W, ulong Aux) last)
        where TBf : struct, INttButterfly256<TBf>
    {
        TBf bf = TBf.Create(q);
        NttTwiddle256 sumFactor = bf.Prepare(Vector256.Create(inverseN.W), Vector256.Create(inverseN.Aux));
        NttTwiddle256 differenceFactor = bf.Prepare(Vector256.Create(last.W), Vector256.Create(last.Aux));
        ref ulong y = ref Unsafe.Add(ref a, n >> 1);
        for (nuint j = 0; j < (nuint)(n >> 1); j += 4)
        {
            Vector256<ulong> u = Vector256.LoadUnsafe(ref a, j), v = Vector256.LoadUnsafe(ref y, j);
            bf.InverseLast(ref u, ref v, sumFactor, differenceFactor);
            u.StoreUnsafe(ref a, j);
            v.StoreUnsafe(ref y, j);
        }
    }
}
