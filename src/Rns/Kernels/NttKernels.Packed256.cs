using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.NttVector256;

namespace CkksRns.Rns.Kernels;

/// <content>
/// The Vector256 transforms on 8 × 32-bit lanes for primes below <c>2^30</c>
/// (<see cref="NttMultiplication.Shoup32Packed"/>). The residues are narrowed in place into the first half of the
/// caller's <c>ulong</c> buffer (element <c>i</c> as the <c>uint</c> at byte <c>4i</c>), transformed there, and widened
/// back; the narrowing and widening are fused into the first and last passes where the in-place order allows.
/// </content>
internal static partial class NttKernels
{
    /// <summary>Forward transform with 8 × 32-bit lanes; same contract as <see cref="Forward256{TBf}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardPacked256(Span<ulong> values, NttOperands operands, ulong q) =>
        ForwardPacked256<NttFalse, NttFalse, NttFalse>(
            ref Unsafe.NullRef<double>(), values, operands, q, ref Unsafe.NullRef<ulong>(), ref Unsafe.NullRef<ulong>(), ref Unsafe.NullRef<ulong>(), default);

    /// <summary>
    /// The packed forward transform; with <typeparamref name="TFromSource"/> the first pass reads integers of magnitude
    /// below <c>2q</c> as doubles from <paramref name="source"/> (N of them) instead of narrowing <paramref name="values"/>,
    /// and with <typeparamref name="TSubtractMultiply"/> the last pass writes
    /// <c>destination[i] = (minuend[i] - NTT(x)[i])·factor mod q</c> instead of widening into <paramref name="values"/>
    /// and with <typeparamref name="TAccumulate"/> adds <c>addend[i]</c> to it
    /// (see <see cref="Forward256{TBf, TFromSource, TSubtractMultiply, TAccumulate}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardPacked256<TFromSource, TSubtractMultiply, TAccumulate>(
        ref double source, Span<ulong> values, NttOperands operands, ulong q, ref ulong minuend, ref ulong addend, ref ulong destination, ShoupOperand factor)
        where TFromSource : struct, INttFlag
        where TSubtractMultiply : struct, INttFlag
        where TAccumulate : struct, INttFlag
    {
        int n = values.Length;
        Debug.Assert(n >= 32 && (n & (n - 1)) == 0 && q < 1UL << 30, "N a power of two >= 32, q < 2^30");
        ref ulong a = ref MemoryMarshal.GetReference(values);
        ref uint u = ref Unsafe.As<ulong, uint>(ref a);
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(operands.ForwardW);
        ref ulong aux = ref MemoryMarshal.GetArrayDataReference(operands.ForwardAux);

        if (TFromSource.Value)
        {
            NarrowSmallIntegers256(ref source, ref u, n, q);
        }
        else
        {
            NarrowInPlace256(ref a, n);
        }

        int logN = BitOperations.Log2((uint)n);
        int m = 1, t = n >> 1;
        if (((logN - 3) & 1) != 0)
        {
            PackedForwardRadix2Pass256(ref u, ref w, ref aux, q, m, t);
            m <<= 1;
            t >>= 1;
        }

        for (; t >= 16; m <<= 2, t >>= 2)
        {
            PackedForwardRadix4Pass256(ref u, ref w, ref aux, q, m, t);
        }

        Debug.Assert(t == 4 && m == n >> 3, "the tail covers the stages of distance 4, 2 and 1");
        PackedForwardTail256<TSubtractMultiply, TAccumulate>(ref u, ref a, ref w, ref aux, operands, q, n, ref minuend, ref addend, ref destination, factor);
    }

    /// <summary>Inverse transform with 8 × 32-bit lanes; same contract as <see cref="Inverse256{TBf}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void InversePacked256(Span<ulong> values, NttOperands operands, ulong q)
    {
        int n = values.Length;
        Debug.Assert(n >= 32 && (n & (n - 1)) == 0 && q < 1UL << 30, "N a power of two >= 32, q < 2^30");
        ref ulong a = ref MemoryMarshal.GetReference(values);
        ref uint u = ref Unsafe.As<ulong, uint>(ref a);
        ref ulong w = ref MemoryMarshal.GetArrayDataReference(operands.InverseW);
        ref ulong aux = ref MemoryMarshal.GetArrayDataReference(operands.InverseAux);

        PackedInverseHead256(ref a, ref u, ref w, ref aux, operands, q, n);
        int logN = BitOperations.Log2((uint)n);
        int m = n >> 4, t = 8;
        if (((logN - 4) & 1) != 0)
        {
            PackedInverseRadix2Pass256(ref u, ref w, ref aux, q, m, t);
            m >>= 1;
            t <<= 1;
        }

        for (; m > 1; m >>= 2, t <<= 2)
        {
            PackedInverseRadix4Pass256(ref u, ref w, ref aux, q, m, t);
        }

        Debug.Assert(m == 1 && t == n >> 1, "the last pass is the stage of distance N/2");
        PackedInverseLastPass256(ref u, ref a, q, n, operands.InverseN, operands.InverseLast);
        WidenFirstHalfInPlace256(ref u, ref a, n);
    }

    /// <summary><c>u[i] = (uint)a[i]</c> in ascending order: each write lands on elements already read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NarrowInPlace256(ref ulong a, int n)
    {
        ref uint u = ref Unsafe.As<ulong, uint>(ref a);
        for (nuint i = 0; i < (nuint)n; i += 8)
        {
            Vector256.Narrow(Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref a, i + 4)).StoreUnsafe(ref u, i);
        }
    }

    /// <summary>
    /// <c>u[i] = v[i] mod q</c> in <c>[0, 2q)</c> for integers <c>|v[i]| &lt; 2q</c> given as doubles (truncation is exact
    /// on integers; negative values get <c>2q</c> added).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NarrowSmallIntegers256(ref double v, ref uint u, int n, ulong q)
    {
        Vector256<int> twoQ = Vector256.Create((int)(2 * q));
        for (nuint i = 0; i < (nuint)n; i += 8)
        {
            Vector256<int> x = Vector256.Create(TruncateToInt32(Vector256.LoadUnsafe(ref v, i)), TruncateToInt32(Vector256.LoadUnsafe(ref v, i + 4)));
            (x + (Vector256.ShiftRightArithmetic(x, 31) & twoQ)).AsUInt32().StoreUnsafe(ref u, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> TruncateToInt32(Vector256<double> v) =>
        Avx.IsSupported ? Avx.ConvertToVector128Int32WithTruncation(v) : Vector128.Narrow(Vector256.ConvertToInt64(v).GetLower(), Vector256.ConvertToInt64(v).GetUpper());

    /// <summary><c>a[i] = u[i]</c> for <c>i &lt; N/2</c> in descending order: each write lands on elements already read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WidenFirstHalfInPlace256(ref uint u, ref ulong a, int n)
    {
        for (nint i = (n >> 1) - 8; i >= 0; i -= 8)
        {
            Vector256<uint> v = Vector256.LoadUnsafe(ref u, (nuint)i);
            Vector256.WidenUpper(v).StoreUnsafe(ref a, (nuint)i + 4);
            Vector256.WidenLower(v).StoreUnsafe(ref a, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedForwardRadix2Pass256(ref uint a, ref ulong w, ref ulong aux, ulong q, int m, int t)
    {
        var bf = new NttPackedShoup32Butterfly256(q);
        for (int i = 0; i < m; i++)
        {
            NttTwiddle256 tw = NttPackedShoup32Butterfly256.Broadcast(ref w, ref aux, m + i);
            ref uint x = ref Unsafe.Add(ref a, 2 * i * t);
            ref uint y = ref Unsafe.Add(ref x, t);
            for (nuint j = 0; j < (nuint)t; j += 8)
            {
                Vector256<uint> vx = Vector256.LoadUnsafe(ref x, j), vy = Vector256.LoadUnsafe(ref y, j);
                bf.Forward(ref vx, ref vy, tw);
                vx.StoreUnsafe(ref x, j);
                vy.StoreUnsafe(ref y, j);
            }
        }
    }

    /// <summary>Stages <c>m</c> (distance <c>t</c>) and <c>2m</c> (distance <c>t/2</c>) in one pass; needs <c>t ≥ 16</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedForwardRadix4Pass256(ref uint a, ref ulong w, ref ulong aux, ulong q, int m, int t)
    {
        var bf = new NttPackedShoup32Butterfly256(q);
        int h = t >> 1;
        for (int i = 0; i < m; i++)
        {
            NttTwiddle256 w1 = NttPackedShoup32Butterfly256.Broadcast(ref w, ref aux, m + i);
            NttTwiddle256 w2 = NttPackedShoup32Butterfly256.Broadcast(ref w, ref aux, 2 * (m + i));
            NttTwiddle256 w3 = NttPackedShoup32Butterfly256.Broadcast(ref w, ref aux, 2 * (m + i) + 1);
            ref uint p0 = ref Unsafe.Add(ref a, 2 * i * t);
            ref uint p1 = ref Unsafe.Add(ref p0, h);
            ref uint p2 = ref Unsafe.Add(ref p0, t);
            ref uint p3 = ref Unsafe.Add(ref p2, h);
            for (nuint j = 0; j < (nuint)h; j += 8)
            {
                Vector256<uint> v0 = Vector256.LoadUnsafe(ref p0, j), v1 = Vector256.LoadUnsafe(ref p1, j);
                Vector256<uint> v2 = Vector256.LoadUnsafe(ref p2, j), v3 = Vector256.LoadUnsafe(ref p3, j);
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
    /// Stages of distance 4, 2 and 1 on blocks of 16 values, the reduction to <c>[0, q)</c>, and the widening back to
    /// <c>ulong</c>; blocks run in descending order so each widened block lands on blocks already read.
    /// </summary>
    /// <remarks>
    /// With <typeparamref name="TSubtractMultiply"/> the outputs go to <c>destination = (minuend - output)·factor</c>
    /// (plus <c>addend</c> with <typeparamref name="TAccumulate"/>) instead of <paramref name="a"/>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedForwardTail256<TSubtractMultiply, TAccumulate>(
        ref uint u, ref ulong a, ref ulong w, ref ulong aux, NttOperands operands, ulong q, int n, ref ulong minuend, ref ulong addend, ref ulong destination,
        ShoupOperand factor)
        where TSubtractMultiply : struct, INttFlag
        where TAccumulate : struct, INttFlag
    {
        Vector256<uint> vq = Vector256.Create((uint)q);
        var bf = new NttPackedShoup32Butterfly256(q);
        NttTwiddle256 f = TSubtractMultiply.Value ? NttPackedShoup32Butterfly256.Factor(factor.Value, factor.Quotient) : default;
        ref ulong w4 = ref Unsafe.Add(ref w, n >> 3), aux4 = ref Unsafe.Add(ref aux, n >> 3);
        ref ulong w2 = ref Unsafe.Add(ref w, n >> 2), aux2 = ref Unsafe.Add(ref aux, n >> 2);
        ref uint w1 = ref MemoryMarshal.GetArrayDataReference(operands.ForwardDistanceOne256!);
        for (nint k = (n >> 4) - 1; k >= 0; k--)
        {
            nuint block = (nuint)k;
            Vector256<uint> v0 = Vector256.LoadUnsafe(ref u, 16 * block), v1 = Vector256.LoadUnsafe(ref u, 16 * block + 8);

            // Distance 4: x = [a0..a3 | a8..a11], y = [a4..a7 | a12..a15]; groups 2k (×4) and 2k+1 (×4).
            Vector256<uint> x = LowHalves(v0.AsUInt64(), v1.AsUInt64()).AsUInt32();
            Vector256<uint> y = HighHalves(v0.AsUInt64(), v1.AsUInt64()).AsUInt32();
            bf.Forward(ref x, ref y, DistanceFourTwiddles(ref w4, ref aux4, block));

            // Distance 2: x = [b0 b1 b4 b5 | b8 b9 b12 b13], y = [b2 b3 b6 b7 | ...]; groups 4k .. 4k+3, each twice.
            Vector256<uint> x2 = UnpackLow(x.AsUInt64(), y.AsUInt64()).AsUInt32();
            Vector256<uint> y2 = UnpackHigh(x.AsUInt64(), y.AsUInt64()).AsUInt32();
            bf.Forward(ref x2, ref y2, DistanceTwoTwiddles(ref w2, ref aux2, block));

            // Distance 1: x = [c0 c4 c2 c6 | c8 c12 c10 c14], y = [c1 c5 c3 c7 | ...]; groups in the order 0 2 1 3 4 6 5 7.
            Vector256<uint> x1 = EvenElements32(x2, y2), y1 = OddElements32(x2, y2);
            bf.Forward(ref x1, ref y1, DistanceOneTwiddles(ref w1, block));
            if (!TSubtractMultiply.Value)
            {
                x1 = bf.Finish(x1);
                y1 = bf.Finish(y1);
            }

            // Natural order: [d0 d1 d4 d5 | d8 d9 d12 d13], [d2 d3 d6 d7 | ...] -> [d0..d3 | d8..d11], [d4..d7 | d12..d15].
            Vector256<uint> l = UnpackLow32(x1, y1), h = UnpackHigh32(x1, y1);
            Vector256<uint> p = UnpackLow(l.AsUInt64(), h.AsUInt64()).AsUInt32();
            Vector256<uint> r = UnpackHigh(l.AsUInt64(), h.AsUInt64()).AsUInt32();
            if (TSubtractMultiply.Value)
            {
                // The minuend narrowed into the same lane order: [m0..m3 | m8..m11] and [m4..m7 | m12..m15].
                nuint at = 16 * block;
                Vector256<uint> mp = Vector256.Narrow(Vector256.LoadUnsafe(ref minuend, at), Vector256.LoadUnsafe(ref minuend, at + 8));
                Vector256<uint> mr = Vector256.Narrow(Vector256.LoadUnsafe(ref minuend, at + 4), Vector256.LoadUnsafe(ref minuend, at + 12));
                p = bf.FinishSubtractMultiply(p, mp, f);
                r = bf.FinishSubtractMultiply(r, mr, f);
                if (TAccumulate.Value)
                {
                    p += Vector256.Narrow(Vector256.LoadUnsafe(ref addend, at), Vector256.LoadUnsafe(ref addend, at + 8));
                    r += Vector256.Narrow(Vector256.LoadUnsafe(ref addend, at + 4), Vector256.LoadUnsafe(ref addend, at + 12));
                    p = Vector256.Min(p, p - vq);
                    r = Vector256.Min(r, r - vq);
                }

                Vector256.WidenLower(p).StoreUnsafe(ref destination, at);
                Vector256.WidenLower(r).StoreUnsafe(ref destination, at + 4);
                Vector256.WidenUpper(p).StoreUnsafe(ref destination, at + 8);
                Vector256.WidenUpper(r).StoreUnsafe(ref destination, at + 12);
            }
            else
            {
                Vector256.WidenLower(p).StoreUnsafe(ref a, 16 * block);
                Vector256.WidenLower(r).StoreUnsafe(ref a, 16 * block + 4);
                Vector256.WidenUpper(p).StoreUnsafe(ref a, 16 * block + 8);
                Vector256.WidenUpper(r).StoreUnsafe(ref a, 16 * block + 12);
            }
        }
    }

    /// <summary>
    /// Inverse stages of distance 1, 2 and 4 on blocks of 16 values read as <c>ulong</c> and written back narrowed;
    /// ascending order, so each narrowed block lands on blocks already read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedInverseHead256(ref ulong a, ref uint u, ref ulong w, ref ulong aux, NttOperands operands, ulong q, int n)
    {
        var bf = new NttPackedShoup32Butterfly256(q);
        ref uint w1 = ref MemoryMarshal.GetArrayDataReference(operands.InverseDistanceOne256!);
        ref ulong w2 = ref Unsafe.Add(ref w, n >> 2), aux2 = ref Unsafe.Add(ref aux, n >> 2);
        ref ulong w4 = ref Unsafe.Add(ref w, n >> 3), aux4 = ref Unsafe.Add(ref aux, n >> 3);
        for (nuint k = 0; k < (nuint)(n >> 4); k++)
        {
            // [a0..a3 | a8..a11] and [a4..a7 | a12..a15].
            Vector256<uint> p = Vector256.Narrow(Vector256.LoadUnsafe(ref a, 16 * k), Vector256.LoadUnsafe(ref a, 16 * k + 8));
            Vector256<uint> r = Vector256.Narrow(Vector256.LoadUnsafe(ref a, 16 * k + 4), Vector256.LoadUnsafe(ref a, 16 * k + 12));

            // Distance 1: x = [a0 a4 a2 a6 | a8 a12 a10 a14], y = [a1 a5 a3 a7 | ...]; groups in the order 0 2 1 3 4 6 5 7.
            Vector256<uint> l = UnpackLow(p.AsUInt64(), r.AsUInt64()).AsUInt32();
            Vector256<uint> h = UnpackHigh(p.AsUInt64(), r.AsUInt64()).AsUInt32();
            Vector256<uint> x = EvenElements32(l, h), y = OddElements32(l, h);
            bf.Inverse(ref x, ref y, DistanceOneTwiddles(ref w1, k));

            // Distance 2: x = [b0 b1 b4 b5 | b8 b9 b12 b13], y = [b2 b3 b6 b7 | ...]; groups 4k .. 4k+3, each twice.
            Vector256<uint> x2 = UnpackLow32(x, y), y2 = UnpackHigh32(x, y);
            bf.Inverse(ref x2, ref y2, DistanceTwoTwiddles(ref w2, ref aux2, k));

            // Distance 4: x = [c0..c3 | c8..c11], y = [c4..c7 | c12..c15]; groups 2k (×4) and 2k+1 (×4).
            Vector256<uint> x4 = UnpackLow(x2.AsUInt64(), y2.AsUInt64()).AsUInt32();
            Vector256<uint> y4 = UnpackHigh(x2.AsUInt64(), y2.AsUInt64()).AsUInt32();
            bf.Inverse(ref x4, ref y4, DistanceFourTwiddles(ref w4, ref aux4, k));

            LowHalves(x4.AsUInt64(), y4.AsUInt64()).AsUInt32().StoreUnsafe(ref u, 16 * k);
            HighHalves(x4.AsUInt64(), y4.AsUInt64()).AsUInt32().StoreUnsafe(ref u, 16 * k + 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedInverseRadix2Pass256(ref uint a, ref ulong w, ref ulong aux, ulong q, int m, int t)
    {
        var bf = new NttPackedShoup32Butterfly256(q);
        for (int i = 0; i < m; i++)
        {
            NttTwiddle256 tw = NttPackedShoup32Butterfly256.Broadcast(ref w, ref aux, m + i);
            ref uint x = ref Unsafe.Add(ref a, 2 * i * t);
            ref uint y = ref Unsafe.Add(ref x, t);
            for (nuint j = 0; j < (nuint)t; j += 8)
            {
                Vector256<uint> vx = Vector256.LoadUnsafe(ref x, j), vy = Vector256.LoadUnsafe(ref y, j);
                bf.Inverse(ref vx, ref vy, tw);
                vx.StoreUnsafe(ref x, j);
                vy.StoreUnsafe(ref y, j);
            }
        }
    }

    /// <summary>Inverse stages <c>m</c> (distance <c>t</c>) and <c>m/2</c> (distance <c>2t</c>) in one pass; needs <c>t ≥ 8</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackedInverseRadix4Pass256(ref uint a, ref ulong w, ref ulong aux, ulong q, int m, int t)
    {
        var bf = new NttPackedShoup32Butterfly256(q);
        int groups = m >> 1;
        for (int i = 0; i < groups; i++)
        {
            NttTwiddle256 w1 = NttPackedShoup32Butterfly256.Broadcast(ref w, ref aux, m + 2 * i);
            NttTwiddle256 w2 = NttPackedShoup32Butterfly256.Broadcast(ref w, ref aux, m + 2 * i + 1);
            NttTwiddle256 w3 = NttPackedShoup32Butterfly256.Broadcast(ref w, ref aux, groups + i);
            ref uint p0 = ref Unsafe.Add(ref a, 4 * i * t);
            ref uint p1 = ref Unsafe.Add(ref p0, t);
            ref uint p2 = ref Unsafe.Add(ref p1, t);
            ref uint p3 = ref Unsafe.Add(ref p2, t);
            for (nuint j = 0; j < (nuint)t; j += 8)
            {
                Vector256<uint> v0 = Vector256.LoadUnsafe(ref p0, j), v1 = Vector256.LoadUnsafe(ref p1, j);
                Vector256<uint> v2 = Vector256.LoadUnsafe(ref p2, j), v3 = Vector256.LoadUnsafe(ref p3, j);
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
    private static void PackedInverseLastPass256(
        ref uint u, ref ulong a, ulong q, int n, (ulong W, ulong Aux) inverseN, (ulong W, ulong Aux) last)
    {
        var bf = new NttPackedShoup32Butterfly256(q);
        NttTwiddle256 sumFactor = NttPackedShoup32Butterfly256.Prepare(
            Vector256.Create((uint)inverseN.W), Vector256.Create((uint)(inverseN.Aux >> 32)));
        NttTwiddle256 differenceFactor = NttPackedShoup32Butterfly256.Prepare(
            Vector256.Create((uint)last.W), Vector256.Create((uint)(last.Aux >> 32)));
        int half = n >> 1;
        ref uint y = ref Unsafe.Add(ref u, half);
        ref ulong yOut = ref Unsafe.Add(ref a, half);
        for (nuint j = 0; j < (nuint)half; j += 8)
        {
            Vector256<uint> vx = Vector256.LoadUnsafe(ref u, j), vy = Vector256.LoadUnsafe(ref y, j);
            bf.InverseLast(ref vx, ref vy, sumFactor, differenceFactor);
            vx.StoreUnsafe(ref u, j);
            Vector256.WidenLower(vy).StoreUnsafe(ref yOut, j);
            Vector256.WidenUpper(vy).StoreUnsafe(ref yOut, j + 4);
        }
    }

    /// <summary>Twiddles of groups 2k (lanes 0–3) and 2k+1 (lanes 4–7) of the distance-4 stage.</summary>
    /// <remarks>Every 64-bit lane holds one twiddle twice, so the quotient vector serves the odd-lane product as it is.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NttTwiddle256 DistanceFourTwiddles(ref ulong w, ref ulong aux, nuint k)
    {
        Vector256<uint> values = Vector128.LoadUnsafe(ref w, 2 * k).ToVector256Unsafe().AsUInt32();
        Vector256<uint> quotients = Vector128.LoadUnsafe(ref aux, 2 * k).ToVector256Unsafe().AsUInt32();
        Vector256<ulong> b = Vector256.Shuffle(quotients, Vector256.Create(1u, 1, 1, 1, 3, 3, 3, 3)).AsUInt64();
        return new(Vector256.Shuffle(values, Vector256.Create(0u, 0, 0, 0, 2, 2, 2, 2)).AsUInt64(), b, b, default);
    }

    /// <summary>Twiddles of groups 4k .. 4k+3 of the distance-2 stage, each on two adjacent lanes (one 64-bit lane, so C = B).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NttTwiddle256 DistanceTwoTwiddles(ref ulong w, ref ulong aux, nuint k)
    {
        Vector256<uint> values = Vector256.LoadUnsafe(ref w, 4 * k).AsUInt32();
        Vector256<uint> quotients = Vector256.LoadUnsafe(ref aux, 4 * k).AsUInt32();
        Vector256<ulong> b = Vector256.Shuffle(quotients, Vector256.Create(1u, 1, 3, 3, 5, 5, 7, 7)).AsUInt64();
        return new(Vector256.Shuffle(values, Vector256.Create(0u, 0, 2, 2, 4, 4, 6, 6)).AsUInt64(), b, b, default);
    }

    /// <summary>
    /// Twiddles of groups 8k .. 8k+7 of the distance-1 stage, in the lane order 0 2 1 3 4 6 5 7, from the lane-ordered
    /// table (<see cref="NttOperands.ForwardDistanceOne256"/>: values, then quotients, 16 words per block).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static NttTwiddle256 DistanceOneTwiddles(ref uint table, nuint k) =>
        NttPackedShoup32Butterfly256.Prepare(Vector256.LoadUnsafe(ref table, 16 * k), Vector256.LoadUnsafe(ref table, (16 * k) + 8));
}
