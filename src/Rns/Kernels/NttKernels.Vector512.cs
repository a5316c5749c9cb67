using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static CkksRns.Rns.Kernels.NttVector512;

namespace CkksRns.Rns.Kernels;

/// <content>The Vector512 (8 × 64-bit lanes) transforms.</content>
internal static partial class NttKernels
{
    /// <summary>
    /// Forward negacyclic NTT in place with Vector512 lanes: radix-4 passes (two stages per pass over memory) while the
    /// butterfly distance is at least 8, then the last three stages and the final reduction to <c>[0, q)</c> in registers.
    /// </summary>
    /// <remarks>Inputs in <c>[0, q)</c> (any value below <c>4q</c> works); outputs in <c>[0, q)</c>, equal to the scalar reference.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward512<TBf>(Span<ulong> values, NttOperands operands, ulong q)
        where TBf : struct, INttButterfly512<TBf>
    {
        int n = values.Length;
        Debug.Assert(n >= 32 && (n & (n - 1)) == 0, "N must be a power of two >= 32");
        ref ulong a = ref MemoryMarshal.GetReference(values);
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(operands.ForwardW);
        ref ulong aux = ref MemoryMarshal.GetArrayDataReference(operands.ForwardAux);

        int logN = BitOperations.Log2((uint)n);
        int m = 1, t = n >> 1;
        // The first pass converts the stored residues to the butterflies' representation.
        if (((logN - 3) & 1) != 0)
        {
            ForwardRadix2Pass512<TBf, NttTrue>(ref a, ref w, ref aux, q, m, t);
            m <<= 1;
            t >>= 1;
        }
        else
        {
            ForwardRadix4Pass512<TBf, NttTrue>(ref a, ref w, ref aux, q, m, t);
            m <<= 2;
            t >>= 2;
        }

        for (; t >= 16; m <<= 2, t >>= 2)
        {
            ForwardRadix4Pass512<TBf, NttFalse>(ref a, ref w, ref aux, q, m, t);
        }

        Debug.Assert(t == 4 && m == n >> 3, "the tail covers the stages of distance 4, 2 and 1");
        ForwardTail512<TBf>(ref a, ref w, ref aux, q, n);
    }

    /// <summary>
    /// Inverse negacyclic NTT in place with Vector512 lanes: the first three stages in registers, radix-4 passes, and a last
    /// radix-2 pass that folds in <c>N^-1</c> and reduces to <c>[0, q)</c>.
    /// </summary>
    /// <remarks>Inputs in <c>[0, q)</c> (any value below <c>2q</c> works); outputs in <c>[0, q)</c>, equal to the scalar reference.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Inverse512<TBf>(Span<ulong> values, NttOperands operands, ulong q)
        where TBf : struct, INttButterfly512<TBf>
    {
        int n = values.Length;
        Debug.Assert(n >= 32 && (n & (n - 1)) == 0, "N must be a power of two >= 32");
        ref ulong a = ref MemoryMarshal.GetReference(values);
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(operands.InverseW);
        ref ulong aux = ref MemoryMarshal.GetArrayDataReference(operands.InverseAux);

        InverseHead512<TBf>(ref a, ref w, ref aux, q, n);
        int logN = BitOperations.Log2((uint)n);
        int m = n >> 4, t = 8;
        if (((logN - 4) & 1) != 0)
        {
            InverseRadix2Pass512<TBf>(ref a, ref w, ref aux, q, m, t);
            m >>= 1;
            t <<= 1;
        }

        for (; m > 1; m >>= 2, t <<= 2)
        {
            InverseRadix4Pass512<TBf>(ref a, ref w, ref aux, q, m, t);
        }

        Debug.Assert(m == 1 && t == n >> 1, "the last pass is the stage of distance N/2");
        InverseLastPass512<TBf>(ref a, q, n, operands.InverseN, operands.InverseLast);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NttTwiddle512 Broadcast512<TBf>(in TBf bf, ref ulong w, ref ulong aux, int index)
        where TBf : struct, INttButterfly512<TBf> =>
        bf.Prepare(Vector512.Create(Unsafe.Add(ref w, index)), Vector512.Create(Unsafe.Add(ref aux, index)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRadix2Pass512<TBf, TConvert>(ref ulong a, ref ulong w, ref ulong aux, ulong q, int m, int t)
        where TBf : struct, INttButterfly512<TBf>
        where TConvert : struct, INttFlag
    {
        TBf bf = TBf.Create(q);
        for (int i = 0; i < m; i++)
        {
            NttTwiddle512 tw = Broadcast512(bf, ref w, ref aux, m + i);
            ref ulong x = ref Unsafe.Add(ref a, 2 * i * t);
            ref ulong y = ref Unsafe.Add(ref x, t);
            for (nuint j = 0; j < (nuint)t; j += 8)
            {
                Vector512<ulong> vx = Vector512.LoadUnsafe(ref x, j), vy = Vector512.LoadUnsafe(ref y, j);
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

    /// <summary>Stages <c>m</c> (distance <c>t</c>) and <c>2m</c> (distance <c>t/2</c>) in one pass; needs <c>t ≥ 16</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRadix4Pass512<TBf, TConvert>(ref ulong a, ref ulong w, ref ulong aux, ulong q, int m, int t)
        where TBf : struct, INttButterfly512<TBf>
        where TConvert : struct, INttFlag
    {
        TBf bf = TBf.Create(q);
        int h = t >> 1;
        for (int i = 0; i < m; i++)
        {
            NttTwiddle512 w1 = Broadcast512(bf, ref w, ref aux, m + i);
            NttTwiddle512 w2 = Broadcast512(bf, ref w, ref aux, 2 * (m + i));
            NttTwiddle512 w3 = Broadcast512(bf, ref w, ref aux, 2 * (m + i) + 1);
            ref ulong p0 = ref Unsafe.Add(ref a, 2 * i * t);
            ref ulong p1 = ref Unsafe.Add(ref p0, h);
            ref ulong p2 = ref Unsafe.Add(ref p0, t);
            ref ulong p3 = ref Unsafe.Add(ref p2, h);
            for (nuint j = 0; j < (nuint)h; j += 8)
            {
                Vector512<ulong> v0 = Vector512.LoadUnsafe(ref p0, j), v1 = Vector512.LoadUnsafe(ref p1, j);
                Vector512<ulong> v2 = Vector512.LoadUnsafe(ref p2, j), v3 = Vector512.LoadUnsafe(ref p3, j);
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

    /// <summary>Stages of distance 4, 2 and 1 on blocks of 16 values, then the reduction from <c>[0, 4q)</c> to <c>[0, q)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardTail512<TBf>(ref ulong a, ref ulong w, ref ulong aux, ulong q, int n)
        where TBf : struct, INttButterfly512<TBf>
    {
        TBf bf = TBf.Create(q);
        Vector512<ulong> lowQuads = Vector512.Create(0UL, 1, 2, 3, 8, 9, 10, 11);
        Vector512<ulong> highQuads = Vector512.Create(4UL, 5, 6, 7, 12, 13, 14, 15);
        Vector512<ulong> lowPairs = Vector512.Create(0UL, 1, 8, 9, 4, 5, 12, 13);
        Vector512<ulong> highPairs = Vector512.Create(2UL, 3, 10, 11, 6, 7, 14, 15);
        Vector512<ulong> interleaveLow = Vector512.Create(0UL, 8, 1, 9, 2, 10, 3, 11);
        Vector512<ulong> interleaveHigh = Vector512.Create(4UL, 12, 5, 13, 6, 14, 7, 15);
        Vector512<ulong> quadruple = Vector512.Create(0UL, 0, 0, 0, 1, 1, 1, 1);
        Vector512<ulong> duplicate = Vector512.Create(0UL, 0, 1, 1, 2, 2, 3, 3);
        ref ulong w4 = ref Unsafe.Add(ref w, n >> 3), aux4 = ref Unsafe.Add(ref aux, n >> 3);
        ref ulong w2 = ref Unsafe.Add(ref w, n >> 2), aux2 = ref Unsafe.Add(ref aux, n >> 2);
        ref ulong w1 = ref Unsafe.Add(ref w, n >> 1), aux1 = ref Unsafe.Add(ref aux, n >> 1);
        for (nuint k = 0; k < (nuint)(n >> 4); k++)
        {
            Vector512<ulong> v0 = Vector512.LoadUnsafe(ref a, 16 * k), v1 = Vector512.LoadUnsafe(ref a, 16 * k + 8);

            // Distance 4: x = [a0..a3 a8..a11], y = [a4..a7 a12..a15]; twiddles of groups 2k (×4) and 2k+1 (×4).
            Vector512<ulong> x = Permute2(v0, v1, lowQuads), y = Permute2(v0, v1, highQuads);
            NttTwiddle512 tw = bf.Prepare(
                Permute(Vector128.LoadUnsafe(ref w4, 2 * k).ToVector256Unsafe().ToVector512Unsafe(), quadruple),
                Permute(Vector128.LoadUnsafe(ref aux4, 2 * k).ToVector256Unsafe().ToVector512Unsafe(), quadruple));
            bf.Forward(ref x, ref y, tw);

            // Distance 2: x = [b0 b1 b4 b5 b8 b9 b12 b13], y = [b2 b3 b6 b7 ...]; groups 4k .. 4k+3, each twice.
            Vector512<ulong> x2 = Permute2(x, y, lowPairs), y2 = Permute2(x, y, highPairs);
            tw = bf.Prepare(
                Permute(Vector256.LoadUnsafe(ref w2, 4 * k).ToVector512Unsafe(), duplicate),
                Permute(Vector256.LoadUnsafe(ref aux2, 4 * k).ToVector512Unsafe(), duplicate));
            bf.Forward(ref x2, ref y2, tw);

            // Distance 1: x = [c0 c2 .. c14], y = [c1 c3 .. c15]; groups 8k .. 8k+7.
            Vector512<ulong> x1 = UnpackLow(x2, y2), y1 = UnpackHigh(x2, y2);
            tw = bf.Prepare(Vector512.LoadUnsafe(ref w1, 8 * k), Vector512.LoadUnsafe(ref aux1, 8 * k));
            bf.Forward(ref x1, ref y1, tw);
            x1 = bf.FinishForward(x1);
            y1 = bf.FinishForward(y1);

            Permute2(x1, y1, interleaveLow).StoreUnsafe(ref a, 16 * k);
            Permute2(x1, y1, interleaveHigh).StoreUnsafe(ref a, 16 * k + 8);
        }
    }

    /// <summary>Inverse stages of distance 1, 2 and 4 on blocks of 16 values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseHead512<TBf>(ref ulong a, ref ulong w, ref ulong aux, ulong q, int n)
        where TBf : struct, INttButterfly512<TBf>
    {
        TBf bf = TBf.Create(q);
        Vector512<ulong> evens = Vector512.Create(0UL, 2, 4, 6, 8, 10, 12, 14);
        Vector512<ulong> odds = Vector512.Create(1UL, 3, 5, 7, 9, 11, 13, 15);
        Vector512<ulong> lowPairs = Vector512.Create(0UL, 1, 8, 9, 4, 5, 12, 13);
        Vector512<ulong> highPairs = Vector512.Create(2UL, 3, 10, 11, 6, 7, 14, 15);
        Vector512<ulong> lowQuads = Vector512.Create(0UL, 1, 2, 3, 8, 9, 10, 11);
        Vector512<ulong> highQuads = Vector512.Create(4UL, 5, 6, 7, 12, 13, 14, 15);
        Vector512<ulong> quadruple = Vector512.Create(0UL, 0, 0, 0, 1, 1, 1, 1);
        Vector512<ulong> duplicate = Vector512.Create(0UL, 0, 1, 1, 2, 2, 3, 3);
        ref ulong w1 = ref Unsafe.Add(ref w, n >> 1), aux1 = ref Unsafe.Add(ref aux, n >> 1);
        ref ulong w2 = ref Unsafe.Add(ref w, n >> 2), aux2 = ref Unsafe.Add(ref aux, n >> 2);
        ref ulong w4 = ref Unsafe.Add(ref w, n >> 3), aux4 = ref Unsafe.Add(ref aux, n >> 3);
        for (nuint k = 0; k < (nuint)(n >> 4); k++)
        {
            Vector512<ulong> v0 = bf.ToInternal(Vector512.LoadUnsafe(ref a, 16 * k));
            Vector512<ulong> v1 = bf.ToInternal(Vector512.LoadUnsafe(ref a, 16 * k + 8));

            // Distance 1: x = [a0 a2 .. a14], y = [a1 a3 .. a15]; groups 8k .. 8k+7.
            Vector512<ulong> x = Permute2(v0, v1, evens), y = Permute2(v0, v1, odds);
            NttTwiddle512 tw = bf.Prepare(Vector512.LoadUnsafe(ref w1, 8 * k), Vector512.LoadUnsafe(ref aux1, 8 * k));
            bf.Inverse(ref x, ref y, tw);

            // Distance 2: x = [b0 b1 b4 b5 b8 b9 b12 b13], y = [b2 b3 b6 b7 ...]; groups 4k .. 4k+3, each twice.
            Vector512<ulong> x2 = UnpackLow(x, y), y2 = UnpackHigh(x, y);
            tw = bf.Prepare(
                Permute(Vector256.LoadUnsafe(ref w2, 4 * k).ToVector512Unsafe(), duplicate),
                Permute(Vector256.LoadUnsafe(ref aux2, 4 * k).ToVector512Unsafe(), duplicate));
            bf.Inverse(ref x2, ref y2, tw);

            // Distance 4: x = [c0..c3 c8..c11], y = [c4..c7 c12..c15]; groups 2k (×4) and 2k+1 (×4).
            Vector512<ulong> x4 = Permute2(x2, y2, lowPairs), y4 = Permute2(x2, y2, highPairs);
            tw = bf.Prepare(
                Permute(Vector128.LoadUnsafe(ref w4, 2 * k).ToVector256Unsafe().ToVector512Unsafe(), quadruple),
                Permute(Vector128.LoadUnsafe(ref aux4, 2 * k).ToVector256Unsafe().ToVector512Unsafe(), quadruple));
            bf.Inverse(ref x4, ref y4, tw);

            Permute2(x4, y4, lowQuads).StoreUnsafe(ref a, 16 * k);
            Permute2(x4, y4, highQuads).StoreUnsafe(ref a, 16 * k + 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseRadix2Pass512<TBf>(ref ulong a, ref ulong w, ref ulong aux, ulong q, int m, int t)
        where TBf : struct, INttButterfly512<TBf>
    {
        TBf bf = TBf.Create(q);
        for (int i = 0; i < m; i++)
        {
            NttTwiddle512 tw = Broadcast512(bf, ref w, ref aux, m + i);
            ref ulong x = ref Unsafe.Add(ref a, 2 * i * t);
            ref ulong y = ref Unsafe.Add(ref x, t);
            for (nuint j = 0; j < (nuint)t; j += 8)
            {
                Vector512<ulong> vx = Vector512.LoadUnsafe(ref x, j), vy = Vector512.LoadUnsafe(ref y, j);
                bf.Inverse(ref vx, ref vy, tw);
                vx.StoreUnsafe(ref x, j);
                vy.StoreUnsafe(ref y, j);
            }
        }
    }

    /// <summary>Inverse stages <c>m</c> (distance <c>t</c>) and <c>m/2</c> (distance <c>2t</c>) in one pass; needs <c>t ≥ 8</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InverseRadix4Pass512<TBf>(ref ulong a, ref ulong w, ref ulong aux, ulong q, int m, int t)
        where TBf : struct, INttButterfly512<TBf>
    {
        TBf bf = TBf.Create(q);
        int groups = m >> 1;
        for (int i = 0; i < groups; i++)
        {
            NttTwiddle512 w1 = Broadcast512(bf, ref w, ref aux, m + 2 * i);
            NttTwiddle512 w2 = Broadcast512(bf, ref w, ref aux, m + 2 * i + 1);
            NttTwiddle512 w3 = Broadcast512(bf, ref w, ref aux, groups + i);
            ref ulong p0 = ref Unsafe.Add(ref a, 4 * i * t);
            ref ulong p1 = ref Unsafe.Add(ref p0, t);
            ref ulong p2 = ref Unsafe.Add(ref p1, t);
            ref ulong p3 = ref Unsafe.Add(ref p2, t);
            for (nuint j = 0; j < (nuint)t; j += 8)
            {
                Vector512<ulong> v0 = Vector512.LoadUnsafe(ref p0, j), v1 = Vector512.LoadUnsafe(ref p1, j);
                Vector512<ulong> v2 = Vector512.LoadUnsafe(ref p2, j), v3 = Vector512.LoadUnsafe(ref p3, j);
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
    private static void InverseLastPass512<TBf>(
        ref ulong a, ulong q, int n, (ulong W, ulong Aux) inverseN, (ulong W, ulong Aux) last)
        where TBf : struct, INttButterfly512<TBf>
    {
        TBf bf = TBf.Create(q);
        NttTwiddle512 sumFactor = bf.Prepare(Vector512.Create(inverseN.W), Vector512.Create(inverseN.Aux));
        NttTwiddle512 differenceFactor = bf.Prepare(Vector512.Create(last.W), Vector512.Create(last.Aux));
        ref ulong y = ref Unsafe.Add(ref a, n >> 1);
        for (nuint j = 0; j < (nuint)(n >> 1); j += 8)
        {
            Vector512<ulong> u = Vector512.LoadUnsafe(ref a, j), v = Vector512.LoadUnsafe(ref y, j);
            bf.InverseLast(ref u, ref v, sumFactor, differenceFactor);
            u.StoreUnsafe(ref a, j);
            v.StoreUnsafe(ref y, j);
        }
    }
}
