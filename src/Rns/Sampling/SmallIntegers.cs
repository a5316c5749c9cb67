using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Rns.Sampling;

/// <summary>Writes small signed integers into every limb of a polynomial, branch-free on the sign.</summary>
/// <remarks>A value <c>v</c> becomes <c>v + (q if v &lt; 0)</c> in the limb of prime <c>q</c>; the vector paths give the same words.</remarks>
internal static class SmallIntegers
{
    /// <summary>Sets <paramref name="destination"/> (coefficient form) to the coefficients <paramref name="values"/>, each of magnitude below every prime.</summary>
    public static void Write(ReadOnlySpan<sbyte> values, RnsPoly destination) => Write(values, destination, SimdCapabilities.Current);

    /// <summary>Sets <paramref name="destination"/> (coefficient form) to the coefficients <paramref name="values"/>, each of magnitude below every prime.</summary>
    public static void Write(ReadOnlySpan<int> values, RnsPoly destination) => Write(values, destination, SimdCapabilities.Current);

    /// <summary>The sbyte version at an explicit vector width.</summary>
    internal static void Write(ReadOnlySpan<sbyte> values, RnsPoly destination, SimdLevel level)
    {
        CheckLength(values.Length, destination.N);
        for (int i = 0; i < destination.LimbCount; i++)
        {
            WriteLimb(values, destination.Context.ModuliArray[i].Value, destination.LimbUnchecked(i), level);
        }

        destination.IsNttForm = false;
    }

    /// <summary>The int version at an explicit vector width.</summary>
    internal static void Write(ReadOnlySpan<int> values, RnsPoly destination, SimdLevel level)
    {
        CheckLength(values.Length, destination.N);
        for (int i = 0; i < destination.LimbCount; i++)
        {
            WriteLimb(values, destination.Context.ModuliArray[i].Value, destination.LimbUnchecked(i), level);
        }

        destination.IsNttForm = false;
    }

    /// <summary><c>limb[j] = values[j] mod q</c> for <c>|values[j]| &lt; q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WriteLimb(ReadOnlySpan<int> values, ulong q, Span<ulong> limb, SimdLevel level)
    {
        int n = limb.Length, j = 0;
        ref int rv = ref MemoryMarshal.GetReference(values);
        ref ulong rl = ref MemoryMarshal.GetReference(limb);
        if (level == SimdLevel.Vector512)
        {
            Vector512<long> vq = Vector512.Create((long)q);
            for (; j <= n - Vector512<int>.Count; j += Vector512<int>.Count)
            {
                (Vector512<long> lo, Vector512<long> hi) = Vector512.Widen(Vector512.LoadUnsafe(ref rv, (nuint)j));
                Lift(lo, vq).AsUInt64().StoreUnsafe(ref rl, (nuint)j);
                Lift(hi, vq).AsUInt64().StoreUnsafe(ref rl, (nuint)(j + Vector512<long>.Count));
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<long> vq = Vector256.Create((long)q);
            for (; j <= n - Vector256<int>.Count; j += Vector256<int>.Count)
            {
                (Vector256<long> lo, Vector256<long> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref rv, (nuint)j));
                Lift(lo, vq).AsUInt64().StoreUnsafe(ref rl, (nuint)j);
                Lift(hi, vq).AsUInt64().StoreUnsafe(ref rl, (nuint)(j + Vector256<long>.Count));
            }
        }

        for (; j < n; j++)
        {
            long v = Unsafe.Add(ref rv, j);
            Unsafe.Add(ref rl, j) = (ulong)v + (q & (ulong)(v >> 63));
        }
    }

    /// <summary><c>limb[j] = values[j] mod q</c> for <c>|values[j]| &lt; q</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void WriteLimb(ReadOnlySpan<sbyte> values, ulong q, Span<ulong> limb, SimdLevel level)
    {
        int n = limb.Length, j = 0;
        ref sbyte rv = ref MemoryMarshal.GetReference(values);
        ref ulong rl = ref MemoryMarshal.GetReference(limb);
        if (level == SimdLevel.Vector512)
        {
            Vector512<long> vq = Vector512.Create((long)q);
            for (; j <= n - Vector512<long>.Count; j += Vector512<long>.Count)
            {
                Vector128<short> s = Vector128.WidenLower(Vector128.CreateScalar(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref rv, j)))).AsSByte());
                Vector256<int> w = Vector256.Create(Vector128.WidenLower(s), Vector128.WidenUpper(s));
                Lift(Vector512.Create(Vector256.WidenLower(w), Vector256.WidenUpper(w)), vq).AsUInt64().StoreUnsafe(ref rl, (nuint)j);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<long> vq = Vector256.Create((long)q);
            for (; j <= n - (2 * Vector256<long>.Count); j += 2 * Vector256<long>.Count)
            {
                Vector128<short> s = Vector128.WidenLower(Vector128.CreateScalar(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref rv, j)))).AsSByte());
                (Vector256<long> lo, Vector256<long> hi) = Vector256.Widen(Vector256.Create(Vector128.WidenLower(s), Vector128.WidenUpper(s)));
                Lift(lo, vq).AsUInt64().StoreUnsafe(ref rl, (nuint)j);
                Lift(hi, vq).AsUInt64().StoreUnsafe(ref rl, (nuint)(j + Vector256<long>.Count));
            }
        }

        for (; j < n; j++)
        {
            long v = Unsafe.Add(ref rv, j);
            Unsafe.Add(ref rl, j) = (ulong)v + (q & (ulong)(v >> 63));
        }
    }

    private static void CheckLength(int values, int n)
    {
        if (values < n)
        {
            throw new ArgumentException($"{values} values cannot fill a limb of {n} coefficients.", nameof(values));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Lift(Vector256<long> v, Vector256<long> q) => v + (q & Vector256.GreaterThan(Vector256<long>.Zero, v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<long> Lift(Vector512<long> v, Vector512<long> q) => v + (q & Vector512.GreaterThan(Vector512<long>.Zero, v));
}
