using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

// Also the fused passes of hybrid key switching (the inner product's pair of key parts, ModDown's last step).
// The sums of fast base conversion, y[c] = Σ_r rows[offsets[r] + c]·w_r mod p (see Bases/BaseConverter), accumulated
// lazily: products are added without reduction and the sum is reduced once per output, plus a "fold" (a full reduction
// of the running sum) at the row indices the caller's schedule lists, which the caller derives from the bounds of the
// rows and weights so that no sum can overflow. Two widths:
//  - narrow (p < 2^31): each row is read as its low 32 bits and each weight is below 2^31, so a product is one
//    32×32→64 multiply (vpmuludq) and the running sum one 64-bit lane that the schedule keeps below 2^63;
//  - wide (any p < 2^61): 128-bit sums (low, high) of full products of rows below 2^61, kept below 2^127.
// The sums are exact integers and every output is fully reduced, so all paths agree bit for bit with the scalar one.
internal static partial class ElementwiseKernels
{
    /// <summary>
    /// <c>destination[c] = Σ_r (rows[offsets[r] + c] mod 2^32)·weights[r] mod p</c> for <c>p &lt; 2^31</c>, with the
    /// running 64-bit sum reduced modulo <c>p</c> before each row index listed in <paramref name="segmentEnds"/> (all but
    /// its last entry, which is the number of rows).
    /// </summary>
    /// <remarks>
    /// The caller guarantees that, starting from zero and from any residue after a fold, the sum of the products of
    /// one segment stays below <c>2^63</c>, or below <c>2^(b+31)</c> (<c>b</c> the bit count of <c>p</c>) when
    /// <paramref name="shortSums"/> is set, which allows a cheaper reduction: a Barrett quotient from one 32×32-bit
    /// product of <c>x &gt;&gt; (b-1)</c> (below <c>2^32</c>) and <c>floor(2^(b+31)/p)</c> (below <c>2^32</c>), at most
    /// two below the true quotient, so two conditional subtractions finish.
    /// </remarks>
    public static void BaseConvertNarrow(
        ReadOnlySpan<ulong> rows, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<int> segmentEnds, Span<ulong> destination, Modulus p,
        bool shortSums) =>
        BaseConvertNarrow(rows, offsets, weights, segmentEnds, destination, p, shortSums, SimdCapabilities.Current);

    /// <summary>The narrow conversion sum at the given level (see the overload without a level).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void BaseConvertNarrow(
        ReadOnlySpan<ulong> rows, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<int> segmentEnds,
        Span<ulong> destination, Modulus p, bool shortSums, SimdLevel level)
    {
        AssertLengths(offsets.Length, weights.Length, segmentEnds[^1]);
        int n = destination.Length, c = 0;
        ref ulong rt = ref MemoryMarshal.GetReference(rows);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            c = shortSums
                ? BaseConvertNarrow512(ref rt, offsets, weights, segmentEnds, ref rd, n, new ShortBarrett512(p))
                : BaseConvertNarrow512(ref rt, offsets, weights, segmentEnds, ref rd, n, new LongBarrett512(p));
        }
        else if (level == SimdLevel.Vector256)
        {
            c = shortSums
                ? BaseConvertNarrow256(ref rt, offsets, weights, segmentEnds, ref rd, n, new ShortBarrett256(p))
                : BaseConvertNarrow256(ref rt, offsets, weights, segmentEnds, ref rd, n, new LongBarrett256(p));
        }

        for (; c < n; c++)
        {
            ulong sum = 0;
            int r = 0;
            for (int s = 0; s < segmentEnds.Length; s++)
            {
                if (s > 0)
                {
                    sum = p.Reduce(sum);
                }

                for (int end = segmentEnds[s]; r < end; r++)
                {
                    sum += (ulong)(uint)Unsafe.Add(ref rt, offsets[r] + c) * weights[r];
                }
            }

            Unsafe.Add(ref rd, c) = p.Reduce(sum);
        }
    }

    /// <summary>
    /// <c>destination[c] = Σ_r rows[offsets[r] + c]·weights[r] mod p</c> for rows and weights below <c>2^61</c>, with
    /// the running 128-bit sum reduced modulo <c>p</c> before each row index listed in <paramref name="segmentEnds"/>
    /// (all but its last entry); the caller keeps the sum of one segment below <c>2^127</c>.
    /// </summary>
    public static void BaseConvertWide(
        ReadOnlySpan<ulong> rows, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<int> segmentEnds, Span<ulong> destination, Modulus p) =>
        BaseConvertWide(rows, offsets, weights, segmentEnds, destination, p, SimdCapabilities.Current);

    /// <summary>The wide conversion sum at the given level (see the overload without a level).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void BaseConvertWide(
        ReadOnlySpan<ulong> rows, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<int> segmentEnds,
        Span<ulong> destination, Modulus p, SimdLevel level)
    {
        AssertLengths(offsets.Length, weights.Length, segmentEnds[^1]);
        int n = destination.Length, c = 0;
        ref ulong rt = ref MemoryMarshal.GetReference(rows);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            c = BaseConvertWide512(ref rt, offsets, weights, segmentEnds, ref rd, n, p);
        }
        else if (level == SimdLevel.Vector256)
        {
            c = BaseConvertWide256(ref rt, offsets, weights, segmentEnds, ref rd, n, p);
        }

        for (; c < n; c++)
        {
            ulong low = 0, high = 0;
            int r = 0;
            for (int s = 0; s < segmentEnds.Length; s++)
            {
                if (s > 0)
                {
                    low = p.Reduce(high, low);
                    high = 0;
                }

                for (int end = segmentEnds[s]; r < end; r++)
                {
                    AccumulateWideScalar(ref low, ref high, Unsafe.Add(ref rt, offsets[r] + c), weights[r]);
                }
            }

            Unsafe.Add(ref rd, c) = p.Reduce(high, low);
        }
    }

    /// <summary>
    /// <c>destination[c] = Σ_r (rows[offsets[r] + c] mod 2^32)·weights[r] mod p</c> for any <c>p &lt; 2^61</c>, with the
    /// quotient estimated in floating point: <paramref name="ratios"/><c>[r]</c> is <c>weights[r]/p</c> rounded to double.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The sum <c>V</c> is only needed modulo <c>2^64</c> (wrapping 32×32-bit products of the row with the two 32-bit
    /// halves of the weight), because <c>q̂ = round(Σ_r row_r·ratio_r)</c> is within one of <c>floor(V/p)</c>:
    /// <c>V - q̂·p</c> then lies in <c>[-p, 2p)</c>, which fits a signed 64-bit lane, and two conditional corrections
    /// finish. The caller guarantees <c>(R+1)·Σ_r max(row_r) &lt; 2^51</c> (<c>R</c> the number of rows), which keeps the
    /// double-precision error of the estimate below 1/4 and the rounding trick (adding <c>2^52</c>) exact.
    /// </para>
    /// <para>The scalar path sums exactly in 128 bits and reduces, so every path returns the same fully reduced value.</para>
    /// </remarks>
    public static void BaseConvertFloat(
        ReadOnlySpan<ulong> rows, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<double> ratios, Span<ulong> destination, Modulus p) =>
        BaseConvertFloat(rows, offsets, weights, ratios, destination, p, SimdCapabilities.Current);

    /// <summary>The floating-point-quotient conversion sum at the given level (see the overload without a level).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void BaseConvertFloat(
        ReadOnlySpan<ulong> rows, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<double> ratios,
        Span<ulong> destination, Modulus p, SimdLevel level)
    {
        AssertLengths(offsets.Length, weights.Length, ratios.Length);
        int n = destination.Length, terms = offsets.Length, c = 0;
        ref ulong rt = ref MemoryMarshal.GetReference(rows);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            c = BaseConvertFloat512(ref rt, offsets, weights, ratios, ref rd, n, p);
        }
        else if (level == SimdLevel.Vector256)
        {
            c = BaseConvertFloat256(ref rt, offsets, weights, ratios, ref rd, n, p);
        }

        for (; c < n; c++)
        {
            ulong low = 0, high = 0;
            for (int r = 0; r < terms; r++)
            {
                AccumulateWideScalar(ref low, ref high, (uint)Unsafe.Add(ref rt, offsets[r] + c), weights[r]);
            }

            Unsafe.Add(ref rd, c) = p.Reduce(high, low);
        }
    }

    /// <summary>
    /// <c>destination[i] = (x[i]·w) mod q</c> for <c>q &lt; 2^32</c> and <c>x[i], w &lt; q</c>, by a 32-bit Shoup product with
    /// <paramref name="wShoup32"/> <c>= floor(w·2^32/q)</c>: the quotient <c>(x·w') &gt;&gt; 32</c> is at most one below
    /// <c>floor(x·w/q)</c>, so one conditional subtraction finishes (three 32×32-bit multiplies per lane).
    /// </summary>
    public static void MultiplyShoupNarrow(ReadOnlySpan<ulong> x, ulong w, ulong wShoup32, Span<ulong> destination, Modulus q) =>
        MultiplyShoupNarrow(x, w, wShoup32, destination, q, SimdCapabilities.Current);

    /// <summary>The 32-bit Shoup product at the given level (see the overload without a level).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyShoupNarrow(ReadOnlySpan<ulong> x, ulong w, ulong wShoup32, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vq = Vector512.Create(q.Value), vw = Vector512.Create(w), vws = Vector512.Create(wShoup32);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                ElementwiseVectorMath.MultiplyShoupNarrow(Vector512.LoadUnsafe(ref rx, (nuint)i), vw, vws, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vq = Vector256.Create(q.Value), vw = Vector256.Create(w), vws = Vector256.Create(wShoup32);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                ElementwiseVectorMath.MultiplyShoupNarrow(Vector256.LoadUnsafe(ref rx, (nuint)i), vw, vws, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong v = Unsafe.Add(ref rx, i);
            ulong quotient = (v * wShoup32) >> 32;
            Unsafe.Add(ref rd, i) = q.ReduceOnce(v * w - quotient * q.Value);
        }
    }

    /// <summary>
    /// The last step of ModDown: <c>destination[i] = ((x[i] - y[i])·w) mod q</c>, or, when <paramref name="accumulate"/>
    /// is set, <c>destination[i] + ((x[i] - y[i])·w) mod q</c>, in one pass; <paramref name="wShoup32"/>
    /// <c>= floor(w·2^32/q)</c> is used (a 32-bit Shoup product) when <c>q &lt; 2^32</c>.
    /// </summary>
    public static void SubtractMultiplyShoupInto(
        ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ShoupOperand w, ulong wShoup32, Span<ulong> destination, Modulus q, bool accumulate) =>
        SubtractMultiplyShoupInto(x, y, w, wShoup32, destination, q, accumulate, SimdCapabilities.Current);

    /// <summary>The fused ModDown step at the given level (see the overload without a level).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void SubtractMultiplyShoupInto(
        ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ShoupOperand w, ulong wShoup32, Span<ulong> destination, Modulus q, bool accumulate, SimdLevel level)
    {
        AssertLengths(x.Length, y.Length, destination.Length);
        int n = destination.Length, i = 0;
        bool narrow = q.BitCount <= 32;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vq = Vector512.Create(q.Value), vw = Vector512.Create(w.Value);
            Vector512<ulong> vws = Vector512.Create(narrow ? wShoup32 : w.Quotient);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> d = SubtractMod(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i), vq);
                Vector512<ulong> product = narrow
                    ? ElementwiseVectorMath.MultiplyShoupNarrow(d, vw, vws, vq)
                    : ElementwiseVectorMath.MultiplyShoup(d, vw, vws, vq);
                if (accumulate)
                {
                    product = AddMod(Vector512.LoadUnsafe(ref rd, (nuint)i), product, vq);
                }

                product.StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vq = Vector256.Create(q.Value), vw = Vector256.Create(w.Value);
            Vector256<ulong> vws = Vector256.Create(narrow ? wShoup32 : w.Quotient);
            var wide = new ShoupMultiplier256(q, w);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> d = SubtractMod(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i), vq);
                Vector256<ulong> product = narrow
                    ? ElementwiseVectorMath.MultiplyShoupNarrow(d, vw, vws, vq)
                    : wide.Multiply(d);
                if (accumulate)
                {
                    product = AddMod(Vector256.LoadUnsafe(ref rd, (nuint)i), product, vq);
                }

                product.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong product = q.MultiplyShoup(q.Subtract(Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i)), w);
            Unsafe.Add(ref rd, i) = accumulate ? q.Add(Unsafe.Add(ref rd, i), product) : product;
        }
    }

    /// <summary>
    /// One digit of the key-switching inner product, both key parts in one pass: <c>acc0[i] += x[i]·b[i]</c> and
    /// <c>acc1[i] += x[i]·a[i]</c> for <c>x[i] &lt; 2^32</c> (its low word is used) with the key parts stored as 32-bit
    /// words (64-bit sums, no reduction), or <c>=</c> when <paramref name="overwrite"/> is set.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyAccumulatePairNarrow(
        ReadOnlySpan<ulong> x, ReadOnlySpan<uint> b, ReadOnlySpan<uint> a, Span<ulong> acc0, Span<ulong> acc1, bool overwrite, SimdLevel level)
    {
        AssertLengths(x.Length, b.Length, acc0.Length);
        AssertLengths(a.Length, acc1.Length, acc0.Length);
        int n = acc0.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref uint rb = ref MemoryMarshal.GetReference(b);
        ref uint ra = ref MemoryMarshal.GetReference(a);
        ref ulong r0 = ref MemoryMarshal.GetReference(acc0);
        ref ulong r1 = ref MemoryMarshal.GetReference(acc1);
        if (level == SimdLevel.Vector512)
        {
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> v = Vector512.LoadUnsafe(ref rx, (nuint)i);
                Vector512<ulong> wb = Vector512.WidenLower(Vector256.LoadUnsafe(ref rb, (nuint)i).ToVector512Unsafe());
                Vector512<ulong> wa = Vector512.WidenLower(Vector256.LoadUnsafe(ref ra, (nuint)i).ToVector512Unsafe());
                Vector512<ulong> p0 = MulLo32(v, wb), p1 = MulLo32(v, wa);
                if (!overwrite)
                {
                    p0 += Vector512.LoadUnsafe(ref r0, (nuint)i);
                    p1 += Vector512.LoadUnsafe(ref r1, (nuint)i);
                }

                p0.StoreUnsafe(ref r0, (nuint)i);
                p1.StoreUnsafe(ref r1, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> v = Vector256.LoadUnsafe(ref rx, (nuint)i);
                Vector256<ulong> wb = Vector256.WidenLower(Vector128.LoadUnsafe(ref rb, (nuint)i).ToVector256Unsafe());
                Vector256<ulong> wa = Vector256.WidenLower(Vector128.LoadUnsafe(ref ra, (nuint)i).ToVector256Unsafe());
                Vector256<ulong> p0 = MulLo32(v, wb), p1 = MulLo32(v, wa);
                if (!overwrite)
                {
                    p0 += Vector256.LoadUnsafe(ref r0, (nuint)i);
                    p1 += Vector256.LoadUnsafe(ref r1, (nuint)i);
                }

                p0.StoreUnsafe(ref r0, (nuint)i);
                p1.StoreUnsafe(ref r1, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong v = Unsafe.Add(ref rx, i);
            ulong p0 = (ulong)(uint)v * Unsafe.Add(ref rb, i), p1 = (ulong)(uint)v * Unsafe.Add(ref ra, i);
            Unsafe.Add(ref r0, i) = overwrite ? p0 : Unsafe.Add(ref r0, i) + p0;
            Unsafe.Add(ref r1, i) = overwrite ? p1 : Unsafe.Add(ref r1, i) + p1;
        }
    }

    /// <summary>
    /// <see cref="MultiplyAccumulatePairNarrow(ReadOnlySpan{ulong}, ReadOnlySpan{uint}, ReadOnlySpan{uint}, Span{ulong}, Span{ulong}, bool, SimdLevel)"/>
    /// with <paramref name="x"/> stored as 32-bit words too (a hoisted decomposition's narrow limbs): the same sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyAccumulatePairNarrow(
        ReadOnlySpan<uint> x, ReadOnlySpan<uint> b, ReadOnlySpan<uint> a, Span<ulong> acc0, Span<ulong> acc1, bool overwrite, SimdLevel level)
    {
        AssertLengths(x.Length, b.Length, acc0.Length);
        AssertLengths(a.Length, acc1.Length, acc0.Length);
        int n = acc0.Length, i = 0;
        ref uint rx = ref MemoryMarshal.GetReference(x);
        ref uint rb = ref MemoryMarshal.GetReference(b);
        ref uint ra = ref MemoryMarshal.GetReference(a);
        ref ulong r0 = ref MemoryMarshal.GetReference(acc0);
        ref ulong r1 = ref MemoryMarshal.GetReference(acc1);
        if (level == SimdLevel.Vector512)
        {
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> v = Vector512.WidenLower(Vector256.LoadUnsafe(ref rx, (nuint)i).ToVector512Unsafe());
                Vector512<ulong> wb = Vector512.WidenLower(Vector256.LoadUnsafe(ref rb, (nuint)i).ToVector512Unsafe());
                Vector512<ulong> wa = Vector512.WidenLower(Vector256.LoadUnsafe(ref ra, (nuint)i).ToVector512Unsafe());
                Vector512<ulong> p0 = MulLo32(v, wb), p1 = MulLo32(v, wa);
                if (!overwrite)
                {
                    p0 += Vector512.LoadUnsafe(ref r0, (nuint)i);
                    p1 += Vector512.LoadUnsafe(ref r1, (nuint)i);
                }

                p0.StoreUnsafe(ref r0, (nuint)i);
                p1.StoreUnsafe(ref r1, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> v = Vector256.WidenLower(Vector128.LoadUnsafe(ref rx, (nuint)i).ToVector256Unsafe());
                Vector256<ulong> wb = Vector256.WidenLower(Vector128.LoadUnsafe(ref rb, (nuint)i).ToVector256Unsafe());
                Vector256<ulong> wa = Vector256.WidenLower(Vector128.LoadUnsafe(ref ra, (nuint)i).ToVector256Unsafe());
                Vector256<ulong> p0 = MulLo32(v, wb), p1 = MulLo32(v, wa);
                if (!overwrite)
                {
                    p0 += Vector256.LoadUnsafe(ref r0, (nuint)i);
                    p1 += Vector256.LoadUnsafe(ref r1, (nuint)i);
                }

                p0.StoreUnsafe(ref r0, (nuint)i);
                p1.StoreUnsafe(ref r1, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong v = Unsafe.Add(ref rx, i);
            ulong p0 = v * Unsafe.Add(ref rb, i), p1 = v * Unsafe.Add(ref ra, i);
            Unsafe.Add(ref r0, i) = overwrite ? p0 : Unsafe.Add(ref r0, i) + p0;
            Unsafe.Add(ref r1, i) = overwrite ? p1 : Unsafe.Add(ref r1, i) + p1;
        }
    }

    /// <summary>
    /// <c>destination[i] = (uint)source[i]</c> for residues below <c>2^32</c>; <paramref name="destination"/> may be the
    /// first half of <paramref name="source"/>'s memory (each write lands on words already read).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Narrow(ReadOnlySpan<ulong> source, Span<uint> destination, SimdLevel level)
    {
        AssertLengths(source.Length, source.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rs = ref MemoryMarshal.GetReference(source);
        ref uint rd = ref MemoryMarshal.GetReference(destination);
        if (level != SimdLevel.Scalar)
        {
            for (; i <= n - 8; i += 8)
            {
                Vector256<ulong> lo = Vector256.LoadUnsafe(ref rs, (nuint)i), hi = Vector256.LoadUnsafe(ref rs, (nuint)i + 4);
                Vector256.Narrow(lo, hi).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = (uint)Unsafe.Add(ref rs, i);
        }
    }

    /// <summary>
    /// The wide form of <see cref="MultiplyAccumulatePairNarrow(ReadOnlySpan{ulong}, ReadOnlySpan{uint}, ReadOnlySpan{uint}, Span{ulong}, Span{ulong}, bool, SimdLevel)"/> for operands of 64-bit words: 128-bit sums <c>(high:low)</c> of products of
    /// operands below <c>2^62</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyAccumulatePairWide(
        ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> b, ReadOnlySpan<ulong> a,
        Span<ulong> low0, Span<ulong> high0, Span<ulong> low1, Span<ulong> high1, bool overwrite, SimdLevel level)
    {
        AssertLengths(x.Length, b.Length, low0.Length);
        AssertLengths(a.Length, low1.Length, low0.Length);
        AssertLengths(high0.Length, high1.Length, low0.Length);
        int n = low0.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rb = ref MemoryMarshal.GetReference(b);
        ref ulong ra = ref MemoryMarshal.GetReference(a);
        ref ulong rl0 = ref MemoryMarshal.GetReference(low0);
        ref ulong rh0 = ref MemoryMarshal.GetReference(high0);
        ref ulong rl1 = ref MemoryMarshal.GetReference(low1);
        ref ulong rh1 = ref MemoryMarshal.GetReference(high1);
        if (level == SimdLevel.Vector512)
        {
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> v = Vector512.LoadUnsafe(ref rx, (nuint)i);
                Vector512<ulong> pl0 = MulWide(v, Vector512.LoadUnsafe(ref rb, (nuint)i), out Vector512<ulong> ph0);
                Vector512<ulong> pl1 = MulWide(v, Vector512.LoadUnsafe(ref ra, (nuint)i), out Vector512<ulong> ph1);
                if (overwrite)
                {
                    pl0.StoreUnsafe(ref rl0, (nuint)i);
                    ph0.StoreUnsafe(ref rh0, (nuint)i);
                    pl1.StoreUnsafe(ref rl1, (nuint)i);
                    ph1.StoreUnsafe(ref rh1, (nuint)i);
                }
                else
                {
                    AccumulateWide(ref rl0, ref rh0, i, pl0, ph0);
                    AccumulateWide(ref rl1, ref rh1, i, pl1, ph1);
                }
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> v = Vector256.LoadUnsafe(ref rx, (nuint)i);
                Vector256<ulong> pl0 = MulWide(v, Vector256.LoadUnsafe(ref rb, (nuint)i), out Vector256<ulong> ph0);
                Vector256<ulong> pl1 = MulWide(v, Vector256.LoadUnsafe(ref ra, (nuint)i), out Vector256<ulong> ph1);
                if (overwrite)
                {
                    pl0.StoreUnsafe(ref rl0, (nuint)i);
                    ph0.StoreUnsafe(ref rh0, (nuint)i);
                    pl1.StoreUnsafe(ref rl1, (nuint)i);
                    ph1.StoreUnsafe(ref rh1, (nuint)i);
                }
                else
                {
                    AccumulateWide(ref rl0, ref rh0, i, pl0, ph0);
                    AccumulateWide(ref rl1, ref rh1, i, pl1, ph1);
                }
            }
        }

        for (; i < n; i++)
        {
            if (overwrite)
            {
                Unsafe.Add(ref rl0, i) = 0;
                Unsafe.Add(ref rh0, i) = 0;
                Unsafe.Add(ref rl1, i) = 0;
                Unsafe.Add(ref rh1, i) = 0;
            }

            ulong v = Unsafe.Add(ref rx, i);
            AccumulateWideScalar(ref Unsafe.Add(ref rl0, i), ref Unsafe.Add(ref rh0, i), v, Unsafe.Add(ref rb, i));
            AccumulateWideScalar(ref Unsafe.Add(ref rl1, i), ref Unsafe.Add(ref rh1, i), v, Unsafe.Add(ref ra, i));
        }
    }

    /// <summary>
    /// The exact conversion from one prime <paramref name="q"/> to <paramref name="p"/> (the centred reduction, as
    /// <see cref="ReduceCentered(ReadOnlySpan{ulong}, ulong, Span{ulong}, Modulus)"/>): <c>destination[i]</c> is
    /// <c>x[i] mod p</c>, or <c>(x[i] - q) mod p</c> when <c>x[i] &gt; q/2</c>, for <c>x[i] &lt; q &lt; 2^61</c>.
    /// </summary>
    /// <remarks>
    /// The reduction of <c>x</c> modulo <c>p</c> takes the cheapest form the sizes allow: none when <c>q ≤ p</c>, one
    /// conditional subtraction when <c>q ≤ 2p</c>, a Barrett reduction with 32-bit multiplies when <c>p &lt; 2^31</c> and
    /// <c>q ≤ 2^(b+31)</c> (<c>b</c> the bit count of <c>p</c>; as in <see cref="BaseConvertNarrow(ReadOnlySpan{ulong}, ReadOnlySpan{int}, ReadOnlySpan{ulong}, ReadOnlySpan{int}, Span{ulong}, Modulus, bool)"/>),
    /// else the general kernel.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void ReduceCenteredSized(ReadOnlySpan<ulong> x, ulong q, Span<ulong> destination, Modulus p, SimdLevel level)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        int mode = q <= p.Value ? 0 : q <= 2 * p.Value ? 1 : p.BitCount <= 31 && q <= 1UL << (p.BitCount + 31) ? 2 : 3;
        if (mode == 3 || level == SimdLevel.Scalar)
        {
            ReduceCentered(x, q, destination, p, level);
            return;
        }

        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        ulong half = q >> 1, qModP = p.Reduce(q);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vp = Vector512.Create(p.Value), vhalf = Vector512.Create(half), vqp = Vector512.Create(qModP);
            var shortBarrett = new ShortBarrett512(p);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> v = Vector512.LoadUnsafe(ref rx, (nuint)i);
                Vector512<ulong> r = mode == 0 ? v : mode == 1 ? ReduceOnce(v, vp) : shortBarrett.Reduce(v);
                Vector512<ulong> negative = Vector512.GreaterThan(v, vhalf);
                SubtractMod(r, vqp & negative, vp).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else
        {
            Vector256<ulong> vp = Vector256.Create(p.Value), vhalf = Vector256.Create(half), vqp = Vector256.Create(qModP);
            var shortBarrett = new ShortBarrett256(p);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> v = Vector256.LoadUnsafe(ref rx, (nuint)i);
                Vector256<ulong> r = mode == 0 ? v : mode == 1 ? ReduceOnce(v, vp) : shortBarrett.Reduce(v);
                Vector256<ulong> negative = Vector256.GreaterThan(v.AsInt64(), vhalf.AsInt64()).AsUInt64();
                SubtractMod(r, vqp & negative, vp).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        if (i < n)
        {
            ReduceCentered(x[i..], q, destination[i..], p, SimdLevel.Scalar);
        }
    }

    /// <summary><c>low[i] = x[i] mod 2^shift</c> and <c>high[i] = x[i] &gt;&gt; shift</c> (the parts of words split for the narrow sums).</summary>
    public static void SplitBits(ReadOnlySpan<ulong> x, int shift, Span<ulong> low, Span<ulong> high) =>
        SplitBits(x, shift, low, high, SimdCapabilities.Current);

    /// <summary><c>low[i] = x[i] mod 2^shift</c> and <c>high[i] = x[i] &gt;&gt; shift</c> at the given level, <c>0 &lt; shift &lt; 64</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void SplitBits(ReadOnlySpan<ulong> x, int shift, Span<ulong> low, Span<ulong> high, SimdLevel level)
    {
        AssertLengths(x.Length, low.Length, high.Length);
        int n = x.Length, i = 0;
        ulong mask = (1UL << shift) - 1;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong rl = ref MemoryMarshal.GetReference(low);
        ref ulong rh = ref MemoryMarshal.GetReference(high);
        if (level == SimdLevel.Vector512)
        {
            Vector512<ulong> vm = Vector512.Create(mask);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> v = Vector512.LoadUnsafe(ref rx, (nuint)i);
                (v & vm).StoreUnsafe(ref rl, (nuint)i);
                Vector512.ShiftRightLogical(v, shift).StoreUnsafe(ref rh, (nuint)i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<ulong> vm = Vector256.Create(mask);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> v = Vector256.LoadUnsafe(ref rx, (nuint)i);
                (v & vm).StoreUnsafe(ref rl, (nuint)i);
                Vector256.ShiftRightLogical(v, shift).StoreUnsafe(ref rh, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ulong v = Unsafe.Add(ref rx, i);
            Unsafe.Add(ref rl, i) = v & mask;
            Unsafe.Add(ref rh, i) = v >> shift;
        }
    }

    /// <summary><c>floor(2^(b+31)/p)</c> for <paramref name="p"/> of <c>b ≤ 31</c> bits: below <c>2^32</c>.</summary>
    internal static ulong ShortBarrettMu(Modulus p) => (ulong)((UInt128)1 << (p.BitCount + 31)) / p.Value;

    // ---------------------------------------------------------------- Vector256

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int BaseConvertNarrow256<TReducer>(
        ref ulong rt, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<int> segmentEnds, ref ulong rd, int n, TReducer reducer)
        where TReducer : struct, INarrowReducer256
    {
        const int W = 4; // Vector256<ulong>.Count
        ref int ro = ref MemoryMarshal.GetReference(offsets);
        ref ulong rw = ref MemoryMarshal.GetReference(weights);
        int c = 0;
        for (; c <= n - 4 * W; c += 4 * W)
        {
            Vector256<ulong> a0 = Vector256<ulong>.Zero, a1 = Vector256<ulong>.Zero, a2 = Vector256<ulong>.Zero, a3 = Vector256<ulong>.Zero;
            int r = 0;
            for (int s = 0; s < segmentEnds.Length; s++)
            {
                if (s > 0)
                {
                    a0 = reducer.Reduce(a0);
                    a1 = reducer.Reduce(a1);
                    a2 = reducer.Reduce(a2);
                    a3 = reducer.Reduce(a3);
                }

                for (int end = segmentEnds[s]; r < end; r++)
                {
                    ref ulong row = ref Unsafe.Add(ref rt, Unsafe.Add(ref ro, r) + c);
                    Vector256<ulong> w = Vector256.Create(Unsafe.Add(ref rw, r));
                    a0 += MulLo32(Vector256.LoadUnsafe(ref row), w);
                    a1 += MulLo32(Vector256.LoadUnsafe(ref row, W), w);
                    a2 += MulLo32(Vector256.LoadUnsafe(ref row, 2 * W), w);
                    a3 += MulLo32(Vector256.LoadUnsafe(ref row, 3 * W), w);
                }
            }

            reducer.Reduce(a0).StoreUnsafe(ref rd, (nuint)c);
            reducer.Reduce(a1).StoreUnsafe(ref rd, (nuint)(c + W));
            reducer.Reduce(a2).StoreUnsafe(ref rd, (nuint)(c + 2 * W));
            reducer.Reduce(a3).StoreUnsafe(ref rd, (nuint)(c + 3 * W));
        }

        for (; c <= n - W; c += W)
        {
            Vector256<ulong> a0 = Vector256<ulong>.Zero;
            int r = 0;
            for (int s = 0; s < segmentEnds.Length; s++)
            {
                if (s > 0)
                {
                    a0 = reducer.Reduce(a0);
                }

                for (int end = segmentEnds[s]; r < end; r++)
                {
                    a0 += MulLo32(Vector256.LoadUnsafe(ref rt, (nuint)(Unsafe.Add(ref ro, r) + c)), Vector256.Create(Unsafe.Add(ref rw, r)));
                }
            }

            reducer.Reduce(a0).StoreUnsafe(ref rd, (nuint)c);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int BaseConvertWide256(
        ref ulong rt, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<int> segmentEnds, ref ulong rd, int n, Modulus p)
    {
        const int W = 4;
        (ulong r64, ulong r64Shoup) = TwoTo64(p);
        var reducer = new WideReducer256(p, r64, r64Shoup);
        ref int ro = ref MemoryMarshal.GetReference(offsets);
        ref ulong rw = ref MemoryMarshal.GetReference(weights);
        int c = 0;
        for (; c <= n - W; c += W)
        {
            Vector256<ulong> low = Vector256<ulong>.Zero, high = Vector256<ulong>.Zero;
            int r = 0;
            for (int s = 0; s < segmentEnds.Length; s++)
            {
                if (s > 0)
                {
                    low = reducer.Reduce(low, high);
                    high = Vector256<ulong>.Zero;
                }

                for (int end = segmentEnds[s]; r < end; r++)
                {
                    Vector256<ulong> x = Vector256.LoadUnsafe(ref rt, (nuint)(Unsafe.Add(ref ro, r) + c));
                    Vector256<ulong> pl = MulWide(x, Vector256.Create(Unsafe.Add(ref rw, r)), out Vector256<ulong> ph);
                    low += pl;
                    high += ph - Vector256.LessThan(low, pl); // a wrapped low word adds a carry (the mask is -1)
                }
            }

            reducer.Reduce(low, high).StoreUnsafe(ref rd, (nuint)c);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int BaseConvertFloat256(
        ref ulong rt, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<double> ratios, ref ulong rd, int n, Modulus p)
    {
        const int W = 4;
        const ulong Bias = 0x4330_0000_0000_0000UL; // the bit pattern of 2^52
        Vector256<ulong> vp = Vector256.Create(p.Value), mask = Vector256.Create(0xFFFF_FFFFUL), bias = Vector256.Create(Bias);
        Vector256<double> twoTo52 = Vector256.Create(4503599627370496.0);
        ref int ro = ref MemoryMarshal.GetReference(offsets);
        ref ulong rw = ref MemoryMarshal.GetReference(weights);
        ref double rr = ref MemoryMarshal.GetReference(ratios);
        int terms = offsets.Length, c = 0;
        for (; c <= n - 2 * W; c += 2 * W)
        {
            Vector256<ulong> low0 = Vector256<ulong>.Zero, high0 = Vector256<ulong>.Zero, low1 = Vector256<ulong>.Zero, high1 = Vector256<ulong>.Zero;
            Vector256<double> estimate0 = Vector256<double>.Zero, estimate1 = Vector256<double>.Zero;
            for (int r = 0; r < terms; r++)
            {
                ref ulong row = ref Unsafe.Add(ref rt, Unsafe.Add(ref ro, r) + c);
                Vector256<ulong> x0 = Vector256.LoadUnsafe(ref row) & mask, x1 = Vector256.LoadUnsafe(ref row, W) & mask;
                ulong w = Unsafe.Add(ref rw, r);
                Vector256<ulong> wLow = Vector256.Create(w), wHigh = Vector256.Create(w >> 32);
                Vector256<double> ratio = Vector256.Create(Unsafe.Add(ref rr, r));
                low0 += MulLo32(x0, wLow);
                high0 += MulLo32(x0, wHigh);
                low1 += MulLo32(x1, wLow);
                high1 += MulLo32(x1, wHigh);
                estimate0 = Vector256.FusedMultiplyAdd((x0 | bias).AsDouble() - twoTo52, ratio, estimate0);
                estimate1 = Vector256.FusedMultiplyAdd((x1 | bias).AsDouble() - twoTo52, ratio, estimate1);
            }

            FloatFinish(low0, high0, estimate0, vp, bias, twoTo52).StoreUnsafe(ref rd, (nuint)c);
            FloatFinish(low1, high1, estimate1, vp, bias, twoTo52).StoreUnsafe(ref rd, (nuint)(c + W));
        }

        for (; c <= n - W; c += W)
        {
            Vector256<ulong> low = Vector256<ulong>.Zero, high = Vector256<ulong>.Zero;
            Vector256<double> estimate = Vector256<double>.Zero;
            for (int r = 0; r < terms; r++)
            {
                Vector256<ulong> x = Vector256.LoadUnsafe(ref rt, (nuint)(Unsafe.Add(ref ro, r) + c)) & mask;
                ulong w = Unsafe.Add(ref rw, r);
                low += MulLo32(x, Vector256.Create(w));
                high += MulLo32(x, Vector256.Create(w >> 32));
                estimate = Vector256.FusedMultiplyAdd((x | bias).AsDouble() - twoTo52, Vector256.Create(Unsafe.Add(ref rr, r)), estimate);
            }

            FloatFinish(low, high, estimate, vp, bias, twoTo52).StoreUnsafe(ref rd, (nuint)c);
        }

        return c;
    }

    /// <summary>
    /// <c>V mod p</c> from <c>V mod 2^64 = low + high·2^32</c> and the estimate of <c>V/p</c>: the rounded estimate
    /// <c>q̂</c> leaves <c>V - q̂·p</c> in <c>[-p, 2p)</c> (as a signed lane), then two corrections.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> FloatFinish(
        Vector256<ulong> low, Vector256<ulong> high, Vector256<double> estimate, Vector256<ulong> vp, Vector256<ulong> bias, Vector256<double> twoTo52)
    {
        Vector256<ulong> quotient = (estimate + twoTo52).AsUInt64() - bias;
        Vector256<ulong> rest = low + Vector256.ShiftLeft(high, 32) - MulLow(quotient, vp);
        rest += vp & Vector256.GreaterThan(Vector256<long>.Zero, rest.AsInt64()).AsUInt64();
        return ReduceOnce(rest, vp);
    }

    /// <summary>Full reduction modulo <c>p</c> of 64-bit lanes in a range the implementation states.</summary>
    private interface INarrowReducer256
    {
        Vector256<ulong> Reduce(Vector256<ulong> x);
    }

    /// <summary><c>x mod p</c> for lanes <c>x &lt; 2^63</c> and <c>p &lt; 2^32</c>: Barrett with <c>floor(2^64/p)</c>.</summary>
    private readonly struct LongBarrett256(Modulus p) : INarrowReducer256
    {
        private readonly Vector256<ulong> _p = Vector256.Create(p.Value), _ratio = Vector256.Create(p.BarrettRatio64);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<ulong> Reduce(Vector256<ulong> x)
        {
            Vector256<ulong> quotient = MulHigh(x, _ratio);
            // quotient·p modulo 2^64 with p < 2^32: two 32-bit multiplies.
            Vector256<ulong> product = MulLo32(quotient, _p) + Vector256.ShiftLeft(MulLo32(Vector256.ShiftRightLogical(quotient, 32), _p), 32);
            return ReduceOnce(x - product, _p);
        }
    }

    /// <summary><c>x mod p</c> for lanes <c>x &lt; 2^(b+31)</c>, <c>p &lt; 2^31</c> of <c>b</c> bits (see <see cref="BaseConvertNarrow(ReadOnlySpan{ulong}, ReadOnlySpan{int}, ReadOnlySpan{ulong}, ReadOnlySpan{int}, Span{ulong}, Modulus, bool)"/>).</summary>
    internal readonly struct ShortBarrett256(Modulus p) : INarrowReducer256
    {
        private readonly Vector256<ulong> _p = Vector256.Create(p.Value), _twoP = Vector256.Create(2 * p.Value), _mu = Vector256.Create(ShortBarrettMu(p));
        private readonly int _shift = p.BitCount - 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<ulong> Reduce(Vector256<ulong> x)
        {
            Vector256<ulong> quotient = Vector256.ShiftRightLogical(MulLo32(Vector256.ShiftRightLogical(x, _shift), _mu), 32);
            return ReduceOnce(ReduceOnce(x - MulLo32(quotient, _p), _twoP), _p);
        }
    }

    private readonly struct WideReducer256(Modulus p, ulong r64, ulong r64Shoup)
    {
        private readonly Vector256<ulong> _p = Vector256.Create(p.Value), _twoP = Vector256.Create(2 * p.Value);
        private readonly Vector256<ulong> _r = Vector256.Create(r64), _rShoup = Vector256.Create(r64Shoup), _ratio = Vector256.Create(p.BarrettRatio64);

        /// <summary><c>(high·2^64 + low) mod p</c> for <c>high &lt; 2^63</c> (as <see cref="ReduceWide(ReadOnlySpan{ulong}, ReadOnlySpan{ulong}, Span{ulong}, Modulus)"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<ulong> Reduce(Vector256<ulong> low, Vector256<ulong> high)
        {
            Vector256<ulong> a = MulLow(high, _r) - MulLow(MulHigh(high, _rShoup), _p);
            Vector256<ulong> b = low - MulLow(MulHigh(_ratio, low), _p);
            return ReduceOnce(ReduceOnce(a + b, _twoP), _p);
        }
    }

    // ---------------------------------------------------------------- Vector512

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int BaseConvertNarrow512<TReducer>(
        ref ulong rt, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<int> segmentEnds, ref ulong rd, int n, TReducer reducer)
        where TReducer : struct, INarrowReducer512
    {
        const int W = 8; // Vector512<ulong>.Count
        ref int ro = ref MemoryMarshal.GetReference(offsets);
        ref ulong rw = ref MemoryMarshal.GetReference(weights);
        int c = 0;
        for (; c <= n - 2 * W; c += 2 * W)
        {
            Vector512<ulong> a0 = Vector512<ulong>.Zero, a1 = Vector512<ulong>.Zero;
            int r = 0;
            for (int s = 0; s < segmentEnds.Length; s++)
            {
                if (s > 0)
                {
                    a0 = reducer.Reduce(a0);
                    a1 = reducer.Reduce(a1);
                }

                for (int end = segmentEnds[s]; r < end; r++)
                {
                    ref ulong row = ref Unsafe.Add(ref rt, Unsafe.Add(ref ro, r) + c);
                    Vector512<ulong> w = Vector512.Create(Unsafe.Add(ref rw, r));
                    a0 += MulLo32(Vector512.LoadUnsafe(ref row), w);
                    a1 += MulLo32(Vector512.LoadUnsafe(ref row, W), w);
                }
            }

            reducer.Reduce(a0).StoreUnsafe(ref rd, (nuint)c);
            reducer.Reduce(a1).StoreUnsafe(ref rd, (nuint)(c + W));
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int BaseConvertWide512(
        ref ulong rt, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<int> segmentEnds, ref ulong rd, int n, Modulus p)
    {
        const int W = 8;
        (ulong r64, ulong r64Shoup) = TwoTo64(p);
        var reducer = new WideReducer512(p, r64, r64Shoup);
        ref int ro = ref MemoryMarshal.GetReference(offsets);
        ref ulong rw = ref MemoryMarshal.GetReference(weights);
        int c = 0;
        for (; c <= n - W; c += W)
        {
            Vector512<ulong> low = Vector512<ulong>.Zero, high = Vector512<ulong>.Zero;
            int r = 0;
            for (int s = 0; s < segmentEnds.Length; s++)
            {
                if (s > 0)
                {
                    low = reducer.Reduce(low, high);
                    high = Vector512<ulong>.Zero;
                }

                for (int end = segmentEnds[s]; r < end; r++)
                {
                    Vector512<ulong> x = Vector512.LoadUnsafe(ref rt, (nuint)(Unsafe.Add(ref ro, r) + c));
                    Vector512<ulong> pl = MulWide(x, Vector512.Create(Unsafe.Add(ref rw, r)), out Vector512<ulong> ph);
                    low += pl;
                    high += ph - Vector512.LessThan(low, pl);
                }
            }

            reducer.Reduce(low, high).StoreUnsafe(ref rd, (nuint)c);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int BaseConvertFloat512(
        ref ulong rt, ReadOnlySpan<int> offsets, ReadOnlySpan<ulong> weights, ReadOnlySpan<double> ratios, ref ulong rd, int n, Modulus p)
    {
        const int W = 8;
        const ulong Bias = 0x4330_0000_0000_0000UL; // the bit pattern of 2^52
        Vector512<ulong> vp = Vector512.Create(p.Value), mask = Vector512.Create(0xFFFF_FFFFUL), bias = Vector512.Create(Bias);
        Vector512<double> twoTo52 = Vector512.Create(4503599627370496.0);
        ref int ro = ref MemoryMarshal.GetReference(offsets);
        ref ulong rw = ref MemoryMarshal.GetReference(weights);
        ref double rr = ref MemoryMarshal.GetReference(ratios);
        int terms = offsets.Length, c = 0;
        for (; c <= n - W; c += W)
        {
            Vector512<ulong> low = Vector512<ulong>.Zero, high = Vector512<ulong>.Zero;
            Vector512<double> estimate = Vector512<double>.Zero;
            for (int r = 0; r < terms; r++)
            {
                Vector512<ulong> x = Vector512.LoadUnsafe(ref rt, (nuint)(Unsafe.Add(ref ro, r) + c)) & mask;
                ulong w = Unsafe.Add(ref rw, r);
                low += MulLo32(x, Vector512.Create(w));
                high += MulLo32(x, Vector512.Create(w >> 32));
                estimate = Vector512.FusedMultiplyAdd((x | bias).AsDouble() - twoTo52, Vector512.Create(Unsafe.Add(ref rr, r)), estimate);
            }

            Vector512<ulong> quotient = (estimate + twoTo52).AsUInt64() - bias;
            Vector512<ulong> rest = low + Vector512.ShiftLeft(high, 32) - MulLow(quotient, vp); // in [-p, 2p) as signed
            rest += vp & Vector512.GreaterThan(Vector512<long>.Zero, rest.AsInt64()).AsUInt64();
            ReduceOnce(rest, vp).StoreUnsafe(ref rd, (nuint)c);
        }

        return c;
    }

    /// <summary>Full reduction modulo <c>p</c> of 64-bit lanes in a range the implementation states.</summary>
    private interface INarrowReducer512
    {
        Vector512<ulong> Reduce(Vector512<ulong> x);
    }

    /// <summary><c>x mod p</c> for lanes <c>x &lt; 2^63</c> and <c>p &lt; 2^32</c>: Barrett with <c>floor(2^64/p)</c>.</summary>
    private readonly struct LongBarrett512(Modulus p) : INarrowReducer512
    {
        private readonly Vector512<ulong> _p = Vector512.Create(p.Value), _ratio = Vector512.Create(p.BarrettRatio64);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<ulong> Reduce(Vector512<ulong> x)
        {
            Vector512<ulong> quotient = MulHigh(x, _ratio);
            // quotient·p modulo 2^64 with p < 2^32: two 32-bit multiplies.
            Vector512<ulong> product = MulLo32(quotient, _p) + Vector512.ShiftLeft(MulLo32(Vector512.ShiftRightLogical(quotient, 32), _p), 32);
            return ReduceOnce(x - product, _p);
        }
    }

    /// <summary><c>x mod p</c> for lanes <c>x &lt; 2^(b+31)</c>, <c>p &lt; 2^31</c> of <c>b</c> bits (see <see cref="BaseConvertNarrow(ReadOnlySpan{ulong}, ReadOnlySpan{int}, ReadOnlySpan{ulong}, ReadOnlySpan{int}, Span{ulong}, Modulus, bool)"/>).</summary>
    internal readonly struct ShortBarrett512(Modulus p) : INarrowReducer512
    {
        private readonly Vector512<ulong> _p = Vector512.Create(p.Value), _twoP = Vector512.Create(2 * p.Value), _mu = Vector512.Create(ShortBarrettMu(p));
        private readonly int _shift = p.BitCount - 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<ulong> Reduce(Vector512<ulong> x)
        {
            Vector512<ulong> quotient = Vector512.ShiftRightLogical(MulLo32(Vector512.ShiftRightLogical(x, _shift), _mu), 32);
            return ReduceOnce(ReduceOnce(x - MulLo32(quotient, _p), _twoP), _p);
        }
    }

    private readonly struct WideReducer512(Modulus p, ulong r64, ulong r64Shoup)
    {
        private readonly Vector512<ulong> _p = Vector512.Create(p.Value), _twoP = Vector512.Create(2 * p.Value);
        private readonly Vector512<ulong> _r = Vector512.Create(r64), _rShoup = Vector512.Create(r64Shoup), _ratio = Vector512.Create(p.BarrettRatio64);

        /// <summary><c>(high·2^64 + low) mod p</c> for <c>high &lt; 2^63</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<ulong> Reduce(Vector512<ulong> low, Vector512<ulong> high)
        {
            Vector512<ulong> a = MulLow(high, _r) - MulLow(MulHigh(high, _rShoup), _p);
            Vector512<ulong> b = low - MulLow(MulHigh(_ratio, low), _p);
            return ReduceOnce(ReduceOnce(a + b, _twoP), _p);
        }
    }
}
