using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static CkksRns.Rns.Kernels.NttVector512;

namespace CkksRns.Rns.Kernels;

/// <content>
/// The Vector512 transforms on 16 × 32-bit lanes for primes below <c>2^30</c>
/// (<see cref="NttMultiplication.Shoup32Packed"/>). The residues are narrowed in place into the first half of the
/// caller's <c>ulong</c> buffer (element <c>i</c> as the <c>uint</c> at byte <c>4i</c>), transformed there, and widened
/// back; the narrowing and widening are fused into the first and last passes where the in-place order allows.
/// </content>
internal static partial class NttKernels
{
    /// <summary>Forward transform with 16 × 32-bit lanes; same contract as <see cref="Forward512{TBf}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardPacked512(Span<ulong> values, NttOperands operands, ulong q)
    {
        int n = values.Length;
        Debug.Assert(n >= 64 && (n & (n - 1)) == 0 && q < 1UL << 30, "N a power of two >= 64, q < 2^30");
        ref ulong a = ref MemoryMarshal.GetReference(values);
        ref uint u = ref Unsafe.As<ulong, uint>(ref a);
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(operands.ForwardW);
        ref ulong aux = ref MemoryMarshal.GetArrayDataReference(operands.ForwardAux);

        NarrowInPlace512(ref a, n);
        int logN = BitOperations.Log2((uint)n);
        int m = 1, t = n >> 1;
        if (((logN - 4) & 1) != 0)
        {
            PackedForwardRadix2Pass512(ref u, ref w, ref aux, q, m, t);
            m <<= 1;
            t >>= 1;
        }

        for (; t >= 32; m <<= 2, t >>= 2)
        {
            PackedForwardRadix4Pass512(ref u, ref w, ref aux, q, m, t);
        }

        Debug.Assert(t == 8 && m == n >> 4, "the tail covers the stages of distance 8, 4, 2 and 1");
        PackedForwardTail512(ref u, ref a, ref w, ref aux, q, n);
    }

    /// <summary>Inverse transform with 16 × 32-bit lanes; same contract as <see cref="Inverse512{TBf}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void InversePacked512(Span<ulong> values, NttOperands operands, ulong q)
    {
        int n = values.Length;
        Debug.Assert(n >= 64 && (n & (n - 1)) == 0 && q < 1UL << 30, "N a power of two >= 64, q < 2^30");
        ref ulong a = ref MemoryMarshal.GetReference(values);
        ref uint u = ref Unsafe.As<ulong, uint>(ref a);
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(operands.InverseW);
        ref ulong aux = ref MemoryMarshal.GetArrayDataReference(operands.InverseAux);

        PackedInverseHead512(ref a, ref u, ref w, ref aux, q, n);
        int logN = BitOperations.Log2((uint)n);
        int m = n >> 5, t = 16;
        if (((logN - 5) & 1) != 0)
        {
            PackedInverseRadix2Pass512(ref u, ref w, ref aux, q, m, t);
            m >>= 1;
            t <<= 1;
        }

        for (; m > 1; m >>= 2, t <<= 2)
        {
            PackedInverseRadix4Pass512(ref u, ref w, ref aux, q, m, t);
        }

        Debug.Assert(m == 1 && t == n >> 1, "the last pass is the stage of distance N/2");
        PackedInverseLastPass512(ref u, ref a, q, n, operands.InverseN, operands.InverseLast);
        WidenFirstHalfInPlace512(ref u, ref a, n);
    }

    /// <summary><c>u[i] = (uint)a[i]</c> in ascending order: each write lands on elements already read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NarrowInPlace512(ref ulong a, int n)
    {
        ref uint u = ref Unsafe.As<ulong, uint>(ref a);
        for (nuint i = 0; i < (nuint)n; i += 16)
        {
            Vector512.Narrow(Vector512.LoadUnsafe(ref a, i), Vector512.LoadUnsafe(ref a, i + 8)).StoreUnsafe(ref u, i);
        }
    }

    /// <summary><c>a[i] = u[i]</c> for <c>i &lt; N/2</c> in descending order: each write lands on elements already read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WidenFirstHalfInPlace512(ref uint u, ref ulong a, int n)
    {
        for (nint i = (n >> 1) - 16; i >= 0; i -= 16)
        {
            Vector512<uint> v = Vector512.LoadUnsafe(ref u, (nuint)i);
            Vector512.WidenUpper(v).StoreUnsafe(ref a, (nuint)i + 8);
            Vector512.WidenLower(v).StoreUnsafe(ref a, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedForwardRadix2Pass512(ref uint a, ref ulong w, ref ulong aux, ulong q, int m, int t)
    {
        var bf = new NttPackedShoup32Butterfly512(q);
        for (int i = 0; i < m; i++)
        {
            NttTwiddle512 tw = NttPackedShoup32Butterfly512.Broadcast(ref w, ref aux, m + i);
            ref uint x = ref Unsafe.Add(ref a, 2 * i * t);
            ref uint y = ref Unsafe.Add(ref x, t);
            for (nuint j = 0; j < (nuint)t; j += 16)
            {
                Vector512<uint> vx = Vector512.LoadUnsafe(ref x, j), vy = Vector512.LoadUnsafe(ref y, j);
                bf.Forward(ref vx, ref vy, tw);
                vx.StoreUnsafe(ref x, j);
                vy.StoreUnsafe(ref y, j);
            }
        }
    }

    /// <summary>Stages <c>m</c> (distance <c>t</c>) and <c>2m</c> (distance <c>t/2</c>) in one pass; needs <c>t ≥ 32</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedForwardRadix4Pass512(ref uint a, ref ulong w, ref ulong aux, ulong q, int m, int t)
    {
        var bf = new NttPackedShoup32Butterfly512(q);
        int h = t >> 1;
        for (int i = 0; i < m; i++)
        {
            NttTwiddle512 w1 = NttPackedShoup32Butterfly512.Broadcast(ref w, ref aux, m + i);
            NttTwiddle512 w2 = NttPackedShoup32Butterfly512.Broadcast(ref w, ref aux, 2 * (m + i));
            NttTwiddle512 w3 = NttPackedShoup32Butterfly512.Broadcast(ref w, ref aux, 2 * (m + i) + 1);
            ref uint p0 = ref Unsafe.Add(ref a, 2 * i * t);
            ref uint p1 = ref Unsafe.Add(ref p0, h);
            ref uint p2 = ref Unsafe.Add(ref p0, t);
            ref uint p3 = ref Unsafe.Add(ref p2, h);
            for (nuint j = 0; j < (nuint)h; j += 16)
            {
                Vector512<uint> v0 = Vector512.LoadUnsafe(ref p0, j), v1 = Vector512.LoadUnsafe(ref p1, j);
                Vector512<uint> v2 = Vector512.LoadUnsafe(ref p2, j), v3 = Vector512.LoadUnsafe(ref p3, j);
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
    /// Stages of distance 8, 4, 2 and 1 on blocks of 32 values, the reduction to <c>[0, q)</c>, and the widening back
    /// to <c>ulong</c>; blocks run in descending order so each widened block lands on blocks already read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedForwardTail512(ref uint u, ref ulong a, ref ulong w, ref ulong aux, ulong q, int n)
    {
        var bf = new NttPackedShoup32Butterfly512(q);
        Vector512<uint> eightsX = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        Vector512<uint> eightsY = Vector512.Create(8u, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        Vector512<uint> foursX = Vector512.Create(0u, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        Vector512<uint> foursY = Vector512.Create(4u, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
        Vector512<uint> twosX = Vector512.Create(0u, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        Vector512<uint> twosY = Vector512.Create(2u, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
        Vector512<uint> onesX = Vector512.Create(0u, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        Vector512<uint> onesY = Vector512.Create(1u, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
        Vector512<uint> outLow = Vector512.Create(0u, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        Vector512<uint> outHigh = Vector512.Create(8u, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        ref ulong w8 = ref Unsafe.Add(ref w, n >> 4), aux8 = ref Unsafe.Add(ref aux, n >> 4);
        ref ulong w4 = ref Unsafe.Add(ref w, n >> 3), aux4 = ref Unsafe.Add(ref aux, n >> 3);
        ref ulong w2 = ref Unsafe.Add(ref w, n >> 2), aux2 = ref Unsafe.Add(ref aux, n >> 2);
        ref ulong w1 = ref Unsafe.Add(ref w, n >> 1), aux1 = ref Unsafe.Add(ref aux, n >> 1);
        for (nint k = (n >> 5) - 1; k >= 0; k--)
        {
            nuint block = (nuint)k;
            Vector512<uint> v0 = Vector512.LoadUnsafe(ref u, 32 * block), v1 = Vector512.LoadUnsafe(ref u, 32 * block + 16);

            // Distance 8: x = [a0..a7 | a16..a23], y = [a8..a15 | a24..a31]; groups 2k (×8) and 2k+1 (×8).
            Vector512<uint> x = Permute2(v0, v1, eightsX), y = Permute2(v0, v1, eightsY);
            bf.Forward(ref x, ref y, DistanceEightTwiddles512(ref w8, ref aux8, block));

            // Distance 4: x = [b0..b3 b8..b11 b16..b19 b24..b27], y = the +4 partners; groups 4k .. 4k+3 (×4).
            Vector512<uint> x4 = Permute2(x, y, foursX), y4 = Permute2(x, y, foursY);
            bf.Forward(ref x4, ref y4, DistanceFourTwiddles512(ref w4, ref aux4, block));

            // Distance 2: x = [c0 c1 c4 c5 .. c28 c29], y = the +2 partners; groups 8k .. 8k+7 (×2).
            Vector512<uint> x2 = Permute2(x4, y4, twosX), y2 = Permute2(x4, y4, twosY);
            bf.Forward(ref x2, ref y2, DistanceTwoTwiddles512(ref w2, ref aux2, block));

            // Distance 1: x = [d0 d2 .. d30], y = [d1 d3 .. d31]; groups 16k .. 16k+15.
            Vector512<uint> x1 = Permute2(x2, y2, onesX), y1 = Permute2(x2, y2, onesY);
            bf.Forward(ref x1, ref y1, DistanceOneTwiddles512(ref w1, ref aux1, block));
            x1 = bf.Finish(x1);
            y1 = bf.Finish(y1);

            Vector512<uint> low = Permute2(x1, y1, outLow), high = Permute2(x1, y1, outHigh);
            Vector512.WidenLower(low).StoreUnsafe(ref a, 32 * block);
            Vector512.WidenUpper(low).StoreUnsafe(ref a, 32 * block + 8);
            Vector512.WidenLower(high).StoreUnsafe(ref a, 32 * block + 16);
            Vector512.WidenUpper(high).StoreUnsafe(ref a, 32 * block + 24);
        }
    }

    /// <summary>
    /// Inverse stages of distance 1, 2, 4 and 8 on blocks of 32 values read as <c>ulong</c> and written back narrowed;
    /// ascending order, so each narrowed block lands on blocks already read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedInverseHead512(ref ulong a, ref uint u, ref ulong w, ref ulong aux, ulong q, int n)
    {
        var bf = new NttPackedShoup32Butterfly512(q);
        Vector512<uint> evens = Vector512.Create(0u, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<uint> odds = Vector512.Create(1u, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        Vector512<uint> twosX = Vector512.Create(0u, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        Vector512<uint> twosY = Vector512.Create(1u, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
        Vector512<uint> foursX = Vector512.Create(0u, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        Vector512<uint> foursY = Vector512.Create(2u, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
        Vector512<uint> eightsX = Vector512.Create(0u, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        Vector512<uint> eightsY = Vector512.Create(4u, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
        Vector512<uint> outLow = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        Vector512<uint> outHigh = Vector512.Create(8u, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        ref ulong w1 = ref Unsafe.Add(ref w, n >> 1), aux1 = ref Unsafe.Add(ref aux, n >> 1);
        ref ulong w2 = ref Unsafe.Add(ref w, n >> 2), aux2 = ref Unsafe.Add(ref aux, n >> 2);
        ref ulong w4 = ref Unsafe.Add(ref w, n >> 3), aux4 = ref Unsafe.Add(ref aux, n >> 3);
        ref ulong w8 = ref Unsafe.Add(ref w, n >> 4), aux8 = ref Unsafe.Add(ref aux, n >> 4);
        for (nuint k = 0; k < (nuint)(n >> 5); k++)
        {
            Vector512<uint> p = Vector512.Narrow(Vector512.LoadUnsafe(ref a, 32 * k), Vector512.LoadUnsafe(ref a, 32 * k + 8));
            Vector512<uint> r = Vector512.Narrow(Vector512.LoadUnsafe(ref a, 32 * k + 16), Vector512.LoadUnsafe(ref a, 32 * k + 24));

            // Distance 1: x = [a0 a2 .. a30], y = [a1 a3 .. a31]; groups 16k .. 16k+15.
            Vector512<uint> x = Permute2(p, r, evens), y = Permute2(p, r, odds);
            bf.Inverse(ref x, ref y, DistanceOneTwiddles512(ref w1, ref aux1, k));

            // Distance 2: x = [b0 b1 b4 b5 .. b28 b29], y = the +2 partners; groups 8k .. 8k+7 (×2).
            Vector512<uint> x2 = Permute2(x, y, twosX), y2 = Permute2(x, y, twosY);
            bf.Inverse(ref x2, ref y2, DistanceTwoTwiddles512(ref w2, ref aux2, k));

            // Distance 4: x = [c0..c3 c8..c11 c16..c19 c24..c27], y = the +4 partners; groups 4k .. 4k+3 (×4).
            Vector512<uint> x4 = Permute2(x2, y2, foursX), y4 = Permute2(x2, y2, foursY);
            bf.Inverse(ref x4, ref y4, DistanceFourTwiddles512(ref w4, ref aux4, k));

            // Distance 8: x = [d0..d7 | d16..d23], y = [d8..d15 | d24..d31]; groups 2k (×8) and 2k+1 (×8).
            Vector512<uint> x8 = Permute2(x4, y4, eightsX), y8 = Permute2(x4, y4, eightsY);
            bf.Inverse(ref x8, ref y8, DistanceEightTwiddles512(ref w8, ref aux8, k));

            Permute2(x8, y8, outLow).StoreUnsafe(ref u, 32 * k);
            Permute2(x8, y8, outHigh).StoreUnsafe(ref u, 32 * k + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedInverseRadix2Pass512(ref uint a, ref ulong w, ref ulong aux, ulong q, int m, int t)
    {
        var bf = new NttPackedShoup32Butterfly512(q);
        for (int i = 0; i < m; i++)
        {
            NttTwiddle512 tw = NttPackedShoup32Butterfly512.Broadcast(ref w, ref aux, m + i);
            ref uint x = ref Unsafe.Add(ref a, 2 * i * t);
            ref uint y = ref Unsafe.Add(ref x, t);
            for (nuint j = 0; j < (nuint)t; j += 16)
            {
                Vector512<uint> vx = Vector512.LoadUnsafe(ref x, j), vy = Vector512.LoadUnsafe(ref y, j);
                bf.Inverse(ref vx, ref vy, tw);
                vx.StoreUnsafe(ref x, j);
                vy.StoreUnsafe(ref y, j);
            }
        }
    }

    /// <summary>Inverse stages <c>m</c> (distance <c>t</c>) and <c>m/2</c> (distance <c>2t</c>) in one pass; needs <c>t ≥ 16</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedInverseRadix4Pass512(ref uint a, ref ulong w, ref ulong aux, ulong q, int m, int t)
    {
        var bf = new NttPackedShoup32Butterfly512(q);
        int groups = m >> 1;
        for (int i = 0; i < groups; i++)
        {
            NttTwiddle512 w1 = NttPackedShoup32Butterfly512.Broadcast(ref w, ref aux, m + 2 * i);
            NttTwiddle512 w2 = NttPackedShoup32Butterfly512.Broadcast(ref w, ref aux, m + 2 * i + 1);
            NttTwiddle512 w3 = NttPackedShoup32Butterfly512.Broadcast(ref w, ref aux, groups + i);
            ref uint p0 = ref Unsafe.Add(ref a, 4 * i * t);
            ref uint p1 = ref Unsafe.Add(ref p0, t);
            ref uint p2 = ref Unsafe.Add(ref p1, t);
            ref uint p3 = ref Unsafe.Add(ref p2, t);
            for (nuint j = 0; j < (nuint)t; j += 16)
            {
                Vector512<uint> v0 = Vector512.LoadUnsafe(ref p0, j), v1 = Vector512.LoadUnsafe(ref p1, j);
                Vector512<uint> v2 = Vector512.LoadUnsafe(ref p2, j), v3 = Vector512.LoadUnsafe(ref p3, j);
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

    /// <summary>
    /// The last inverse stage with <c>N^-1</c> folded in: sums stay narrowed in place (widened afterwards), differences
    /// are widened straight into <c>a[N/2 ..]</c>, whose bytes lie beyond the narrowed data.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedInverseLastPass512(
        ref uint u, ref ulong a, ulong q, int n, (ulong W, ulong Aux) inverseN, (ulong W, ulong Aux) last)
    {
        var bf = new NttPackedShoup32Butterfly512(q);
        NttTwiddle512 sumFactor = NttPackedShoup32Butterfly512.Prepare(
            Vector512.Create((uint)inverseN.W), Vector512.Create((uint)(inverseN.Aux >> 32)));
        NttTwiddle512 differenceFactor = NttPackedShoup32Butterfly512.Prepare(
            Vector512.Create((uint)last.W), Vector512.Create((uint)(last.Aux >> 32)));
        int half = n >> 1;
        ref uint y = ref Unsafe.Add(ref u, half);
        ref ulong yOut = ref Unsafe.Add(ref a, half);
        for (nuint j = 0; j < (nuint)half; j += 16)
        {
            Vector512<uint> vx = Vector512.LoadUnsafe(ref u, j), vy = Vector512.LoadUnsafe(ref y, j);
            bf.InverseLast(ref vx, ref vy, sumFactor, differenceFactor);
            vx.StoreUnsafe(ref u, j);
            Vector512.WidenLower(vy).StoreUnsafe(ref yOut, j);
            Vector512.WidenUpper(vy).StoreUnsafe(ref yOut, j + 8);
        }
    }

    /// <summary>Twiddles of groups 2k (lanes 0–7) and 2k+1 (lanes 8–15) of the distance-8 stage.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NttTwiddle512 DistanceEightTwiddles512(ref ulong w, ref ulong aux, nuint k)
    {
        Vector512<uint> values = Vector128.LoadUnsafe(ref w, 2 * k).ToVector256Unsafe().ToVector512Unsafe().AsUInt32();
        Vector512<uint> quotients = Vector128.LoadUnsafe(ref aux, 2 * k).ToVector256Unsafe().ToVector512Unsafe().AsUInt32();
        return NttPackedShoup32Butterfly512.Prepare(
            Permute(values, Vector512.Create(0u, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2)),
            Permute(quotients, Vector512.Create(1u, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3)));
    }

    /// <summary>Twiddles of groups 4k .. 4k+3 of the distance-4 stage, each on four adjacent lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NttTwiddle512 DistanceFourTwiddles512(ref ulong w, ref ulong aux, nuint k)
    {
        Vector512<uint> values = Vector256.LoadUnsafe(ref w, 4 * k).ToVector512Unsafe().AsUInt32();
        Vector512<uint> quotients = Vector256.LoadUnsafe(ref aux, 4 * k).ToVector512Unsafe().AsUInt32();
        return NttPackedShoup32Butterfly512.Prepare(
            Permute(values, Vector512.Create(0u, 0, 0, 0, 2, 2, 2, 2, 4, 4, 4, 4, 6, 6, 6, 6)),
            Permute(quotients, Vector512.Create(1u, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5, 7, 7, 7, 7)));
    }

    /// <summary>Twiddles of groups 8k .. 8k+7 of the distance-2 stage, each on two adjacent lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NttTwiddle512 DistanceTwoTwiddles512(ref ulong w, ref ulong aux, nuint k)
    {
        Vector512<uint> values = Vector512.LoadUnsafe(ref w, 8 * k).AsUInt32();
        Vector512<uint> quotients = Vector512.LoadUnsafe(ref aux, 8 * k).AsUInt32();
        return NttPackedShoup32Butterfly512.Prepare(
            Permute(values, Vector512.Create(0u, 0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14)),
            Permute(quotients, Vector512.Create(1u, 1, 3, 3, 5, 5, 7, 7, 9, 9, 11, 11, 13, 13, 15, 15)));
    }

    /// <summary>Twiddles of groups 16k .. 16k+15 of the distance-1 stage, in natural order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NttTwiddle512 DistanceOneTwiddles512(ref ulong w, ref ulong aux, nuint k)
    {
        Vector512<uint> lowWords = Vector512.Create(0u, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<uint> highWords = Vector512.Create(1u, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        Vector512<uint> values = Permute2(
            Vector512.LoadUnsafe(ref w, 16 * k).AsUInt32(), Vector512.LoadUnsafe(ref w, 16 * k + 8).AsUInt32(), lowWords);
        Vector512<uint> quotients = Permute2(
            Vector512.LoadUnsafe(ref aux, 16 * k).AsUInt32(), Vector512.LoadUnsafe(ref aux, 16 * k + 8).AsUInt32(), highWords);
        return NttPackedShoup32Butterfly512.Prepare(values, quotients);
    }
}
