using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using static CkksRns.Rns.Kernels.ElementwiseVectorMath;

namespace CkksRns.Rns.Kernels;

// Fused kernels for the non-key-switching CKKS operations (rescale, encrypt, decrypt, tensor product): each does in one
// pass over memory what used to take two or three. Same contract as the others: inputs fully reduced unless stated,
// outputs in [0, q), every path bit-identical to the scalar one (all of them return fully reduced residues).
internal static partial class ElementwiseKernels
{
    /// <summary>
    /// The rescaling correction of one limb: <c>destination[i] = ([r[i] + h_ℓ]_(q_ℓ) - h) mod q</c> where
    /// <c>h_ℓ = floor(q_ℓ/2)</c> and <c>h = h_ℓ mod q</c>, i.e. the centred remainder of <c>x</c> modulo <c>q_ℓ</c> (with
    /// <c>r = x mod q_ℓ</c>) as a residue modulo <c>q</c>; the half is added here instead of in a separate pass.
    /// </summary>
    /// <param name="r">Residues modulo <paramref name="qLast"/>.</param>
    /// <param name="qLast">The prime divided by.</param>
    /// <param name="destination">Receives residues modulo <paramref name="q"/>.</param>
    /// <param name="q">The limb's prime.</param>
    /// <param name="level">The vector width.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void RescaleCorrection(ReadOnlySpan<ulong> r, Modulus qLast, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        int start = level == SimdLevel.Vector512 ? RescaleCorrectionVector512(r, qLast, destination, q) : level == SimdLevel.Vector256 ? RescaleCorrectionVector256(r, qLast, destination, q) : 0;
        RescaleCorrectionScalar(r, qLast, destination, q, start);
    }

    /// <summary>
    /// How the rescaling correction reduces a value below <paramref name="qLast"/> modulo <paramref name="q"/>: 0 or 1
    /// when <c>q_ℓ ≤ 2q</c> (at most one subtraction), 2 for a 32-bit Barrett step when <c>q &lt; 2^31</c> and
    /// <c>q_ℓ ≤ 2^(b+31)</c> (<c>b</c> the bit count of <c>q</c>), 3 for the general 64-bit one.
    /// </summary>
    private static int RescaleReduction(Modulus qLast, Modulus q) =>
        qLast.Value <= q.Value ? 0 : qLast.Value <= 2 * q.Value ? 1 : IsNarrow(q) && qLast.Value <= 1UL << (q.BitCount + 31) ? 2 : 3;

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int RescaleCorrectionVector512(ReadOnlySpan<ulong> r, Modulus qLast, Span<ulong> destination, Modulus q)
    {
        AssertLengths(r.Length, r.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rr = ref MemoryMarshal.GetReference(r);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        ulong halfLast = qLast.Value >> 1, half = q.Reduce(halfLast);
        Vector512<ulong> vl = Vector512.Create(qLast.Value), vhl = Vector512.Create(halfLast);
        Vector512<ulong> vq = Vector512.Create(q.Value), ratio = Vector512.Create(q.BarrettRatio64), vh = Vector512.Create(half);
        int mode = RescaleReduction(qLast, q);
        if (mode == 2)
        {
            var shortBarrett = new ShortBarrett512(q);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> v = AddMod(Vector512.LoadUnsafe(ref rr, (nuint)i), vhl, vl);
                SubtractMod(shortBarrett.Reduce(v), vh, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (mode < 2)
        {
            // v < q_ℓ ≤ 2q: at most one subtraction (none when q_ℓ ≤ q: ReduceOnce leaves v as it is).
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> v = AddMod(Vector512.LoadUnsafe(ref rr, (nuint)i), vhl, vl);
                SubtractMod(ReduceOnce(v, vq), vh, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
        {
            Vector512<ulong> v = AddMod(Vector512.LoadUnsafe(ref rr, (nuint)i), vhl, vl);
            Vector512<ulong> reduced = ReduceOnce(v - MulLow(MulHigh(v, ratio), vq), vq);
            SubtractMod(reduced, vh, vq).StoreUnsafe(ref rd, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int RescaleCorrectionVector256(ReadOnlySpan<ulong> r, Modulus qLast, Span<ulong> destination, Modulus q)
    {
        AssertLengths(r.Length, r.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rr = ref MemoryMarshal.GetReference(r);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        ulong halfLast = qLast.Value >> 1, half = q.Reduce(halfLast);
        Vector256<ulong> vl = Vector256.Create(qLast.Value), vhl = Vector256.Create(halfLast);
        Vector256<ulong> vq = Vector256.Create(q.Value), ratio = Vector256.Create(q.BarrettRatio64), vh = Vector256.Create(half);
        int mode = RescaleReduction(qLast, q);
        if (mode == 2)
        {
            var shortBarrett = new ShortBarrett256(q);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> v = AddMod(Vector256.LoadUnsafe(ref rr, (nuint)i), vhl, vl);
                SubtractMod(shortBarrett.Reduce(v), vh, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (mode < 2)
        {
            // v < q_ℓ ≤ 2q: at most one subtraction (none when q_ℓ ≤ q: ReduceOnce leaves v as it is).
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> v = AddMod(Vector256.LoadUnsafe(ref rr, (nuint)i), vhl, vl);
                SubtractMod(ReduceOnce(v, vq), vh, vq).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
        {
            Vector256<ulong> v = AddMod(Vector256.LoadUnsafe(ref rr, (nuint)i), vhl, vl);
            Vector256<ulong> reduced = ReduceOnce(v - MulLow(MulHigh(v, ratio), vq), vq);
            SubtractMod(reduced, vh, vq).StoreUnsafe(ref rd, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void RescaleCorrectionScalar(ReadOnlySpan<ulong> r, Modulus qLast, Span<ulong> destination, Modulus q, int start)
    {
        AssertLengths(r.Length, r.Length, destination.Length);
        int n = destination.Length, i = start;
        ref ulong rr = ref MemoryMarshal.GetReference(r);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        ulong halfLast = qLast.Value >> 1, half = q.Reduce(halfLast);
        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = q.Subtract(q.Reduce(qLast.Add(Unsafe.Add(ref rr, i), halfLast)), half);
        }
    }

    /// <summary><c>destination[i] = (x[i] · y[i] + z[i]) mod q</c> (decryption: <c>c_1·s + c_0</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyAdd(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ReadOnlySpan<ulong> z, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        int start = level == SimdLevel.Vector512 ? MultiplyAddVector512(x, y, z, destination, q) : level == SimdLevel.Vector256 ? MultiplyAddVector256(x, y, z, destination, q) : 0;
        MultiplyAddScalar(x, y, z, destination, q, start);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int MultiplyAddVector512(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ReadOnlySpan<ulong> z, Span<ulong> destination, Modulus q)
    {
        AssertLengths(x.Length, y.Length, destination.Length);
        AssertLengths(z.Length, z.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rz = ref MemoryMarshal.GetReference(z);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        int k = q.BitCount;
        Vector512<ulong> vq = Vector512.Create(q.Value), mu = Vector512.Create(BarrettMu(q.Value, k));
        var wide = new WideMultiplier512(q, vq, mu, k);
        if (IsNarrow(q))
        {
            // x·y + z < q² + q < 2^(2b) fits the 32-bit Barrett step: one 32×32-bit product and two for the reduction.
            var shortBarrett = new ShortBarrett512(q);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> p = MulLo32(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i));
                shortBarrett.Reduce(p + Vector512.LoadUnsafe(ref rz, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
            }

            return i;
        }

        for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
        {
            Vector512<ulong> p = wide.Multiply(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i));
            AddMod(p, Vector512.LoadUnsafe(ref rz, (nuint)i), vq).StoreUnsafe(ref rd, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int MultiplyAddVector256(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ReadOnlySpan<ulong> z, Span<ulong> destination, Modulus q)
    {
        AssertLengths(x.Length, y.Length, destination.Length);
        AssertLengths(z.Length, z.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rz = ref MemoryMarshal.GetReference(z);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        int k = q.BitCount;
        Vector256<ulong> vq = Vector256.Create(q.Value), mu = Vector256.Create(BarrettMu(q.Value, k));
        var wide = new WideMultiplier256(q, vq, mu, k);
        if (IsNarrow(q))
        {
            // x·y + z < q² + q < 2^(2b) fits the 32-bit Barrett step: one 32×32-bit product and two for the reduction.
            var shortBarrett = new ShortBarrett256(q);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> p = MulLo32(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i));
                shortBarrett.Reduce(p + Vector256.LoadUnsafe(ref rz, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
            }

            return i;
        }

        for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
        {
            Vector256<ulong> p = wide.Multiply(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i));
            AddMod(p, Vector256.LoadUnsafe(ref rz, (nuint)i), vq).StoreUnsafe(ref rd, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void MultiplyAddScalar(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ReadOnlySpan<ulong> z, Span<ulong> destination, Modulus q, int start)
    {
        AssertLengths(x.Length, y.Length, destination.Length);
        AssertLengths(z.Length, z.Length, destination.Length);
        int n = destination.Length, i = start;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rz = ref MemoryMarshal.GetReference(z);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        int k = q.BitCount;
        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = q.MultiplyAdd(Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i), Unsafe.Add(ref rz, i));
        }
    }

    /// <summary><c>destination[i] = (z[i] - x[i] · y[i]) mod q</c> (symmetric encryption: <c>e - a·s</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplySubtractFrom(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ReadOnlySpan<ulong> z, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        int start = level == SimdLevel.Vector512 ? MultiplySubtractFromVector512(x, y, z, destination, q) : level == SimdLevel.Vector256 ? MultiplySubtractFromVector256(x, y, z, destination, q) : 0;
        MultiplySubtractFromScalar(x, y, z, destination, q, start);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int MultiplySubtractFromVector512(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ReadOnlySpan<ulong> z, Span<ulong> destination, Modulus q)
    {
        AssertLengths(x.Length, y.Length, destination.Length);
        AssertLengths(z.Length, z.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rz = ref MemoryMarshal.GetReference(z);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        int k = q.BitCount;
        Vector512<ulong> vq = Vector512.Create(q.Value), mu = Vector512.Create(BarrettMu(q.Value, k));
        var wide = new WideMultiplier512(q, vq, mu, k);
        for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
        {
            Vector512<ulong> p = wide.Multiply(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i));
            SubtractMod(Vector512.LoadUnsafe(ref rz, (nuint)i), p, vq).StoreUnsafe(ref rd, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int MultiplySubtractFromVector256(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ReadOnlySpan<ulong> z, Span<ulong> destination, Modulus q)
    {
        AssertLengths(x.Length, y.Length, destination.Length);
        AssertLengths(z.Length, z.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rz = ref MemoryMarshal.GetReference(z);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        int k = q.BitCount;
        Vector256<ulong> vq = Vector256.Create(q.Value), mu = Vector256.Create(BarrettMu(q.Value, k));
        var wide = new WideMultiplier256(q, vq, mu, k);
        for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
        {
            Vector256<ulong> p = wide.Multiply(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i));
            SubtractMod(Vector256.LoadUnsafe(ref rz, (nuint)i), p, vq).StoreUnsafe(ref rd, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void MultiplySubtractFromScalar(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y, ReadOnlySpan<ulong> z, Span<ulong> destination, Modulus q, int start)
    {
        AssertLengths(x.Length, y.Length, destination.Length);
        AssertLengths(z.Length, z.Length, destination.Length);
        int n = destination.Length, i = start;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rz = ref MemoryMarshal.GetReference(z);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        int k = q.BitCount;
        for (; i < n; i++)
        {
            Unsafe.Add(ref rd, i) = q.Subtract(Unsafe.Add(ref rz, i), q.Multiply(Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i)));
        }
    }

    /// <summary>
    /// <c>destination[i] = (x[i] + sign · e[i]) mod q</c> for small signed integers <c>|e[i]| &lt; q</c> and
    /// <c>sign</c> = +1 or -1 (adds or removes an error polynomial given in coefficient form, without writing it into a limb first).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void AddSmall(ReadOnlySpan<ulong> x, ReadOnlySpan<int> e, bool subtract, Span<ulong> destination, Modulus q, SimdLevel level)
    {
        int start = level == SimdLevel.Vector512 ? AddSmallVector512(x, e, subtract, destination, q) : level == SimdLevel.Vector256 ? AddSmallVector256(x, e, subtract, destination, q) : 0;
        AddSmallScalar(x, e, subtract, destination, q, start);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int AddSmallVector512(ReadOnlySpan<ulong> x, ReadOnlySpan<int> e, bool subtract, Span<ulong> destination, Modulus q)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        AssertLengths(e.Length, e.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref int re = ref MemoryMarshal.GetReference(e);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        Vector512<ulong> vq = Vector512.Create(q.Value);
        for (; i <= n - Vector512<int>.Count; i += Vector512<int>.Count)
        {
            (Vector512<long> lo, Vector512<long> hi) = Vector512.Widen(Vector512.LoadUnsafe(ref re, (nuint)i));
            CombineSmall(Vector512.LoadUnsafe(ref rx, (nuint)i), lo, subtract, vq).StoreUnsafe(ref rd, (nuint)i);
            int j = i + Vector512<long>.Count;
            CombineSmall(Vector512.LoadUnsafe(ref rx, (nuint)j), hi, subtract, vq).StoreUnsafe(ref rd, (nuint)j);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int AddSmallVector256(ReadOnlySpan<ulong> x, ReadOnlySpan<int> e, bool subtract, Span<ulong> destination, Modulus q)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        AssertLengths(e.Length, e.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref int re = ref MemoryMarshal.GetReference(e);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        Vector256<ulong> vq = Vector256.Create(q.Value);
        for (; i <= n - Vector256<int>.Count; i += Vector256<int>.Count)
        {
            (Vector256<long> lo, Vector256<long> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref re, (nuint)i));
            CombineSmall(Vector256.LoadUnsafe(ref rx, (nuint)i), lo, subtract, vq).StoreUnsafe(ref rd, (nuint)i);
            int j = i + Vector256<long>.Count;
            CombineSmall(Vector256.LoadUnsafe(ref rx, (nuint)j), hi, subtract, vq).StoreUnsafe(ref rd, (nuint)j);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void AddSmallScalar(ReadOnlySpan<ulong> x, ReadOnlySpan<int> e, bool subtract, Span<ulong> destination, Modulus q, int start)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        AssertLengths(e.Length, e.Length, destination.Length);
        int n = destination.Length, i = start;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref int re = ref MemoryMarshal.GetReference(e);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        ulong qv = q.Value;
        for (; i < n; i++)
        {
            long v = Unsafe.Add(ref re, i);
            ulong lifted = (ulong)v + (qv & (ulong)(v >> 63));
            ulong xi = Unsafe.Add(ref rx, i);
            Unsafe.Add(ref rd, i) = subtract ? q.Subtract(xi, lifted) : q.Add(xi, lifted);
        }
    }

    /// <summary>
    /// <c>destination[i] = (c(x[i]) - e[i]) mod p</c> with <c>c</c> the centred representative modulo another prime
    /// <paramref name="q"/> (see <see cref="ReduceCentered(ReadOnlySpan{ulong}, ulong, Span{ulong}, Modulus)"/>) and small
    /// signed <c>e[i]</c>, <c>|e[i]| &lt; p</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void ReduceCenteredSubtractSmall(ReadOnlySpan<ulong> x, ulong q, ReadOnlySpan<int> e, Span<ulong> destination, Modulus p, SimdLevel level)
    {
        int start = level == SimdLevel.Vector512 ? ReduceCenteredSubtractSmallVector512(x, q, e, destination, p) : level == SimdLevel.Vector256 ? ReduceCenteredSubtractSmallVector256(x, q, e, destination, p) : 0;
        ReduceCenteredSubtractSmallScalar(x, q, e, destination, p, start);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int ReduceCenteredSubtractSmallVector512(ReadOnlySpan<ulong> x, ulong q, ReadOnlySpan<int> e, Span<ulong> destination, Modulus p)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        AssertLengths(e.Length, e.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref int re = ref MemoryMarshal.GetReference(e);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        ulong half = q >> 1, qModP = p.Reduce(q);
        Vector512<ulong> vp = Vector512.Create(p.Value), ratio = Vector512.Create(p.BarrettRatio64);
        Vector512<ulong> vhalf = Vector512.Create(half), vqp = Vector512.Create(qModP);
        for (; i <= n - Vector512<int>.Count; i += Vector512<int>.Count)
        {
            (Vector512<long> lo, Vector512<long> hi) = Vector512.Widen(Vector512.LoadUnsafe(ref re, (nuint)i));
            CenteredMinusSmall(Vector512.LoadUnsafe(ref rx, (nuint)i), lo, vp, ratio, vhalf, vqp).StoreUnsafe(ref rd, (nuint)i);
            int j = i + Vector512<long>.Count;
            CenteredMinusSmall(Vector512.LoadUnsafe(ref rx, (nuint)j), hi, vp, ratio, vhalf, vqp).StoreUnsafe(ref rd, (nuint)j);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int ReduceCenteredSubtractSmallVector256(ReadOnlySpan<ulong> x, ulong q, ReadOnlySpan<int> e, Span<ulong> destination, Modulus p)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        AssertLengths(e.Length, e.Length, destination.Length);
        int n = destination.Length, i = 0;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref int re = ref MemoryMarshal.GetReference(e);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        ulong half = q >> 1, qModP = p.Reduce(q);
        Vector256<ulong> vp = Vector256.Create(p.Value), ratio = Vector256.Create(p.BarrettRatio64);
        Vector256<ulong> vhalf = Vector256.Create(half), vqp = Vector256.Create(qModP);
        for (; i <= n - Vector256<int>.Count; i += Vector256<int>.Count)
        {
            (Vector256<long> lo, Vector256<long> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref re, (nuint)i));
            CenteredMinusSmall(Vector256.LoadUnsafe(ref rx, (nuint)i), lo, vp, ratio, vhalf, vqp).StoreUnsafe(ref rd, (nuint)i);
            int j = i + Vector256<long>.Count;
            CenteredMinusSmall(Vector256.LoadUnsafe(ref rx, (nuint)j), hi, vp, ratio, vhalf, vqp).StoreUnsafe(ref rd, (nuint)j);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void ReduceCenteredSubtractSmallScalar(ReadOnlySpan<ulong> x, ulong q, ReadOnlySpan<int> e, Span<ulong> destination, Modulus p, int start)
    {
        AssertLengths(x.Length, x.Length, destination.Length);
        AssertLengths(e.Length, e.Length, destination.Length);
        int n = destination.Length, i = start;
        ref ulong rx = ref MemoryMarshal.GetReference(x);
        ref int re = ref MemoryMarshal.GetReference(e);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        ulong half = q >> 1, qModP = p.Reduce(q);
        ulong pv = p.Value;
        for (; i < n; i++)
        {
            ulong v = Unsafe.Add(ref rx, i);
            ulong r = p.Reduce(v);
            r = v > half ? p.Subtract(r, qModP) : r;
            long s = Unsafe.Add(ref re, i);
            Unsafe.Add(ref rd, i) = p.Subtract(r, (ulong)s + (pv & (ulong)(s >> 63)));
        }
    }

    /// <summary>
    /// The size-3 tensor product of one limb, in one pass: <c>d0 = a0·b0</c>, <c>d2 = a1·b1</c> and
    /// <c>d1 = (a0 + a1)·(b0 + b1) - d0 - d2 = a0·b1 + a1·b0</c> (Karatsuba: three products instead of four).
    /// </summary>
    /// <remarks>Every input word is read before the outputs at that index are written, so each output may be one of the inputs.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Tensor(
        ReadOnlySpan<ulong> a0, ReadOnlySpan<ulong> a1, ReadOnlySpan<ulong> b0, ReadOnlySpan<ulong> b1,
        Span<ulong> d0, Span<ulong> d1, Span<ulong> d2, Modulus q, SimdLevel level)
    {
        int start = level == SimdLevel.Vector512 ? TensorVector512(a0, a1, b0, b1, d0, d1, d2, q) : level == SimdLevel.Vector256 ? TensorVector256(a0, a1, b0, b1, d0, d1, d2, q) : 0;
        TensorScalar(a0, a1, b0, b1, d0, d1, d2, q, start);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int TensorVector512(
        ReadOnlySpan<ulong> a0, ReadOnlySpan<ulong> a1, ReadOnlySpan<ulong> b0, ReadOnlySpan<ulong> b1,
        Span<ulong> d0, Span<ulong> d1, Span<ulong> d2, Modulus q)
    {
        AssertLengths(a0.Length, a1.Length, d0.Length);
        AssertLengths(b0.Length, b1.Length, d1.Length);
        AssertLengths(d2.Length, d2.Length, d0.Length);
        int n = d0.Length, i = 0;
        ref ulong ra0 = ref MemoryMarshal.GetReference(a0);
        ref ulong ra1 = ref MemoryMarshal.GetReference(a1);
        ref ulong rb0 = ref MemoryMarshal.GetReference(b0);
        ref ulong rb1 = ref MemoryMarshal.GetReference(b1);
        ref ulong rd0 = ref MemoryMarshal.GetReference(d0);
        ref ulong rd1 = ref MemoryMarshal.GetReference(d1);
        ref ulong rd2 = ref MemoryMarshal.GetReference(d2);
        int k = q.BitCount;
        Vector512<ulong> vq = Vector512.Create(q.Value), mu = Vector512.Create(BarrettMu(q.Value, k));
        var wide = new WideMultiplier512(q, vq, mu, k);
        if (k <= 30)
        {
            // Below 2^30 the cross term is x0·y1 + x1·y0 < 2q² < 2^(b+31): four 32×32-bit products and three 32-bit Barrett steps.
            var shortBarrett = new ShortBarrett512(q);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> x0 = Vector512.LoadUnsafe(ref ra0, (nuint)i), x1 = Vector512.LoadUnsafe(ref ra1, (nuint)i);
                Vector512<ulong> y0 = Vector512.LoadUnsafe(ref rb0, (nuint)i), y1 = Vector512.LoadUnsafe(ref rb1, (nuint)i);
                shortBarrett.Reduce(MulLo32(x0, y0)).StoreUnsafe(ref rd0, (nuint)i);
                shortBarrett.Reduce(MulLo32(x0, y1) + MulLo32(x1, y0)).StoreUnsafe(ref rd1, (nuint)i);
                shortBarrett.Reduce(MulLo32(x1, y1)).StoreUnsafe(ref rd2, (nuint)i);
            }

            return i;
        }

        for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
        {
            Vector512<ulong> x0 = Vector512.LoadUnsafe(ref ra0, (nuint)i), x1 = Vector512.LoadUnsafe(ref ra1, (nuint)i);
            Vector512<ulong> y0 = Vector512.LoadUnsafe(ref rb0, (nuint)i), y1 = Vector512.LoadUnsafe(ref rb1, (nuint)i);
            Vector512<ulong> p0 = wide.Multiply(x0, y0), p2 = wide.Multiply(x1, y1);
            Vector512<ulong> s = wide.Multiply(AddMod(x0, x1, vq), AddMod(y0, y1, vq));
            p0.StoreUnsafe(ref rd0, (nuint)i);
            SubtractMod(SubtractMod(s, p0, vq), p2, vq).StoreUnsafe(ref rd1, (nuint)i);
            p2.StoreUnsafe(ref rd2, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int TensorVector256(
        ReadOnlySpan<ulong> a0, ReadOnlySpan<ulong> a1, ReadOnlySpan<ulong> b0, ReadOnlySpan<ulong> b1,
        Span<ulong> d0, Span<ulong> d1, Span<ulong> d2, Modulus q)
    {
        AssertLengths(a0.Length, a1.Length, d0.Length);
        AssertLengths(b0.Length, b1.Length, d1.Length);
        AssertLengths(d2.Length, d2.Length, d0.Length);
        int n = d0.Length, i = 0;
        ref ulong ra0 = ref MemoryMarshal.GetReference(a0);
        ref ulong ra1 = ref MemoryMarshal.GetReference(a1);
        ref ulong rb0 = ref MemoryMarshal.GetReference(b0);
        ref ulong rb1 = ref MemoryMarshal.GetReference(b1);
        ref ulong rd0 = ref MemoryMarshal.GetReference(d0);
        ref ulong rd1 = ref MemoryMarshal.GetReference(d1);
        ref ulong rd2 = ref MemoryMarshal.GetReference(d2);
        int k = q.BitCount;
        Vector256<ulong> vq = Vector256.Create(q.Value), mu = Vector256.Create(BarrettMu(q.Value, k));
        var wide = new WideMultiplier256(q, vq, mu, k);
        if (k <= 30)
        {
            // Below 2^30 the cross term is x0·y1 + x1·y0 < 2q² < 2^(b+31): four 32×32-bit products and three 32-bit Barrett steps.
            var shortBarrett = new ShortBarrett256(q);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> x0 = Vector256.LoadUnsafe(ref ra0, (nuint)i), x1 = Vector256.LoadUnsafe(ref ra1, (nuint)i);
                Vector256<ulong> y0 = Vector256.LoadUnsafe(ref rb0, (nuint)i), y1 = Vector256.LoadUnsafe(ref rb1, (nuint)i);
                shortBarrett.Reduce(MulLo32(x0, y0)).StoreUnsafe(ref rd0, (nuint)i);
                shortBarrett.Reduce(MulLo32(x0, y1) + MulLo32(x1, y0)).StoreUnsafe(ref rd1, (nuint)i);
                shortBarrett.Reduce(MulLo32(x1, y1)).StoreUnsafe(ref rd2, (nuint)i);
            }

            return i;
        }

        for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
        {
            Vector256<ulong> x0 = Vector256.LoadUnsafe(ref ra0, (nuint)i), x1 = Vector256.LoadUnsafe(ref ra1, (nuint)i);
            Vector256<ulong> y0 = Vector256.LoadUnsafe(ref rb0, (nuint)i), y1 = Vector256.LoadUnsafe(ref rb1, (nuint)i);
            Vector256<ulong> p0 = wide.Multiply(x0, y0), p2 = wide.Multiply(x1, y1);
            Vector256<ulong> s = wide.Multiply(AddMod(x0, x1, vq), AddMod(y0, y1, vq));
            p0.StoreUnsafe(ref rd0, (nuint)i);
            SubtractMod(SubtractMod(s, p0, vq), p2, vq).StoreUnsafe(ref rd1, (nuint)i);
            p2.StoreUnsafe(ref rd2, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void TensorScalar(
        ReadOnlySpan<ulong> a0, ReadOnlySpan<ulong> a1, ReadOnlySpan<ulong> b0, ReadOnlySpan<ulong> b1,
        Span<ulong> d0, Span<ulong> d1, Span<ulong> d2, Modulus q, int start)
    {
        AssertLengths(a0.Length, a1.Length, d0.Length);
        AssertLengths(b0.Length, b1.Length, d1.Length);
        AssertLengths(d2.Length, d2.Length, d0.Length);
        int n = d0.Length, i = start;
        ref ulong ra0 = ref MemoryMarshal.GetReference(a0);
        ref ulong ra1 = ref MemoryMarshal.GetReference(a1);
        ref ulong rb0 = ref MemoryMarshal.GetReference(b0);
        ref ulong rb1 = ref MemoryMarshal.GetReference(b1);
        ref ulong rd0 = ref MemoryMarshal.GetReference(d0);
        ref ulong rd1 = ref MemoryMarshal.GetReference(d1);
        ref ulong rd2 = ref MemoryMarshal.GetReference(d2);
        int k = q.BitCount;
        for (; i < n; i++)
        {
            ulong x0 = Unsafe.Add(ref ra0, i), x1 = Unsafe.Add(ref ra1, i), y0 = Unsafe.Add(ref rb0, i), y1 = Unsafe.Add(ref rb1, i);
            ulong p0 = q.Multiply(x0, y0), p2 = q.Multiply(x1, y1);
            ulong s = q.Multiply(q.Add(x0, x1), q.Add(y0, y1));
            Unsafe.Add(ref rd0, i) = p0;
            Unsafe.Add(ref rd1, i) = q.Subtract(q.Subtract(s, p0), p2);
            Unsafe.Add(ref rd2, i) = p2;
        }
    }

    /// <summary><c>d0[i] = x0[i]·y[i]</c> and <c>d1[i] = x1[i]·y[i]</c> modulo <c>q</c>, reading <c>y</c> once (ciphertext × plaintext).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void MultiplyPair(
        ReadOnlySpan<ulong> x0, ReadOnlySpan<ulong> x1, ReadOnlySpan<ulong> y, Span<ulong> d0, Span<ulong> d1, Modulus q, SimdLevel level)
    {
        int start = level == SimdLevel.Vector512 ? MultiplyPairVector512(x0, x1, y, d0, d1, q) : level == SimdLevel.Vector256 ? MultiplyPairVector256(x0, x1, y, d0, d1, q) : 0;
        MultiplyPairScalar(x0, x1, y, d0, d1, q, start);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int MultiplyPairVector512(
        ReadOnlySpan<ulong> x0, ReadOnlySpan<ulong> x1, ReadOnlySpan<ulong> y, Span<ulong> d0, Span<ulong> d1, Modulus q)
    {
        AssertLengths(x0.Length, x1.Length, d0.Length);
        AssertLengths(y.Length, d1.Length, d0.Length);
        int n = d0.Length, i = 0;
        ref ulong rx0 = ref MemoryMarshal.GetReference(x0);
        ref ulong rx1 = ref MemoryMarshal.GetReference(x1);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rd0 = ref MemoryMarshal.GetReference(d0);
        ref ulong rd1 = ref MemoryMarshal.GetReference(d1);
        int k = q.BitCount;
        Vector512<ulong> vq = Vector512.Create(q.Value), mu = Vector512.Create(BarrettMu(q.Value, k));
        var wide = new WideMultiplier512(q, vq, mu, k);
        if (IsNarrow(q))
        {
            var shortBarrett = new ShortBarrett512(q);
            for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> vy = Vector512.LoadUnsafe(ref ry, (nuint)i);
                shortBarrett.Reduce(MulLo32(Vector512.LoadUnsafe(ref rx0, (nuint)i), vy)).StoreUnsafe(ref rd0, (nuint)i);
                shortBarrett.Reduce(MulLo32(Vector512.LoadUnsafe(ref rx1, (nuint)i), vy)).StoreUnsafe(ref rd1, (nuint)i);
            }

            return i;
        }

        for (; i <= n - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
        {
            Vector512<ulong> vy = Vector512.LoadUnsafe(ref ry, (nuint)i);
            wide.Multiply(Vector512.LoadUnsafe(ref rx0, (nuint)i), vy).StoreUnsafe(ref rd0, (nuint)i);
            wide.Multiply(Vector512.LoadUnsafe(ref rx1, (nuint)i), vy).StoreUnsafe(ref rd1, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static int MultiplyPairVector256(
        ReadOnlySpan<ulong> x0, ReadOnlySpan<ulong> x1, ReadOnlySpan<ulong> y, Span<ulong> d0, Span<ulong> d1, Modulus q)
    {
        AssertLengths(x0.Length, x1.Length, d0.Length);
        AssertLengths(y.Length, d1.Length, d0.Length);
        int n = d0.Length, i = 0;
        ref ulong rx0 = ref MemoryMarshal.GetReference(x0);
        ref ulong rx1 = ref MemoryMarshal.GetReference(x1);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rd0 = ref MemoryMarshal.GetReference(d0);
        ref ulong rd1 = ref MemoryMarshal.GetReference(d1);
        int k = q.BitCount;
        Vector256<ulong> vq = Vector256.Create(q.Value), mu = Vector256.Create(BarrettMu(q.Value, k));
        var wide = new WideMultiplier256(q, vq, mu, k);
        if (IsNarrow(q))
        {
            var shortBarrett = new ShortBarrett256(q);
            for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> vy = Vector256.LoadUnsafe(ref ry, (nuint)i);
                shortBarrett.Reduce(MulLo32(Vector256.LoadUnsafe(ref rx0, (nuint)i), vy)).StoreUnsafe(ref rd0, (nuint)i);
                shortBarrett.Reduce(MulLo32(Vector256.LoadUnsafe(ref rx1, (nuint)i), vy)).StoreUnsafe(ref rd1, (nuint)i);
            }

            return i;
        }

        for (; i <= n - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
        {
            Vector256<ulong> vy = Vector256.LoadUnsafe(ref ry, (nuint)i);
            wide.Multiply(Vector256.LoadUnsafe(ref rx0, (nuint)i), vy).StoreUnsafe(ref rd0, (nuint)i);
            wide.Multiply(Vector256.LoadUnsafe(ref rx1, (nuint)i), vy).StoreUnsafe(ref rd1, (nuint)i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void MultiplyPairScalar(
        ReadOnlySpan<ulong> x0, ReadOnlySpan<ulong> x1, ReadOnlySpan<ulong> y, Span<ulong> d0, Span<ulong> d1, Modulus q, int start)
    {
        AssertLengths(x0.Length, x1.Length, d0.Length);
        AssertLengths(y.Length, d1.Length, d0.Length);
        int n = d0.Length, i = start;
        ref ulong rx0 = ref MemoryMarshal.GetReference(x0);
        ref ulong rx1 = ref MemoryMarshal.GetReference(x1);
        ref ulong ry = ref MemoryMarshal.GetReference(y);
        ref ulong rd0 = ref MemoryMarshal.GetReference(d0);
        ref ulong rd1 = ref MemoryMarshal.GetReference(d1);
        int k = q.BitCount;
        for (; i < n; i++)
        {
            ulong vy = Unsafe.Add(ref ry, i);
            Unsafe.Add(ref rd0, i) = q.Multiply(Unsafe.Add(ref rx0, i), vy);
            Unsafe.Add(ref rd1, i) = q.Multiply(Unsafe.Add(ref rx1, i), vy);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> CombineSmall(Vector256<ulong> x, Vector256<long> e, bool subtract, Vector256<ulong> q)
    {
        Vector256<ulong> lifted = (e + (q.AsInt64() & Vector256.GreaterThan(Vector256<long>.Zero, e))).AsUInt64();
        return subtract ? SubtractMod(x, lifted, q) : AddMod(x, lifted, q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> CombineSmall(Vector512<ulong> x, Vector512<long> e, bool subtract, Vector512<ulong> q)
    {
        Vector512<ulong> lifted = (e + (q.AsInt64() & Vector512.GreaterThan(Vector512<long>.Zero, e))).AsUInt64();
        return subtract ? SubtractMod(x, lifted, q) : AddMod(x, lifted, q);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> CenteredMinusSmall(
        Vector256<ulong> v, Vector256<long> e, Vector256<ulong> p, Vector256<ulong> ratio, Vector256<ulong> half, Vector256<ulong> qModP)
    {
        Vector256<ulong> r = ReduceOnce(v - MulLow(MulHigh(v, ratio), p), p);
        Vector256<ulong> negative = Vector256.GreaterThan(v.AsInt64(), half.AsInt64()).AsUInt64();
        r = SubtractMod(r, qModP & negative, p);
        Vector256<ulong> lifted = (e + (p.AsInt64() & Vector256.GreaterThan(Vector256<long>.Zero, e))).AsUInt64();
        return SubtractMod(r, lifted, p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> CenteredMinusSmall(
        Vector512<ulong> v, Vector512<long> e, Vector512<ulong> p, Vector512<ulong> ratio, Vector512<ulong> half, Vector512<ulong> qModP)
    {
        Vector512<ulong> r = ReduceOnce(v - MulLow(MulHigh(v, ratio), p), p);
        Vector512<ulong> negative = Vector512.GreaterThan(v, half);
        r = SubtractMod(r, qModP & negative, p);
        Vector512<ulong> lifted = (e + (p.AsInt64() & Vector512.GreaterThan(Vector512<long>.Zero, e))).AsUInt64();
        return SubtractMod(r, lifted, p);
    }
}
