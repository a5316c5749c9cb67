using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Kernels;

namespace CkksRns.Rns.Polynomials;

/// <summary>
/// A Galois automorphism <c>a(X) → a(X^k)</c> in NTT form: a permutation of the <c>N</c> slots, and the same permutation as
/// moves of aligned blocks of four slots, which vector code applies with one load, one lane permutation and one store a
/// block.
/// </summary>
/// <remarks>
/// Slot <c>j</c> holds <c>a(ψ^e)</c> with <c>e = 2·brv(j) + 1</c>, and the image takes slot <c>j</c> from the slot of
/// <c>e·k mod 2N</c>. The low bits of <c>e·k</c> depend only on the low bits of <c>e</c>, which are the high bits of
/// <c>j</c> reversed; so the high bits of the source slot depend only on the high bits of <c>j</c>, and every aligned block
/// of four destination slots comes from one aligned block of four source slots, in some order. <see cref="Blocks"/>
/// records, per destination block, the source block's first slot in the low 24 bits and the order in the high 8 bits
/// (two bits per lane: lane <c>r</c> takes source lane <c>(pattern &gt;&gt; 2r) &amp; 3</c>).
/// </remarks>
internal sealed class NttGaloisPermutation
{
    private const int OffsetBits = 24;
    private const int OffsetMask = (1 << OffsetBits) - 1;

    // Lane orders as vpermd controls (two 32-bit indices per 64-bit lane) and as 64-bit lane indices for the portable shuffle.
    private static readonly Vector256<int>[] s_controls = BuildControls();
    private static readonly Vector256<ulong>[] s_lanes = BuildLanes();

    /// <summary>Builds the block form of <paramref name="slots"/>, where destination slot <c>j</c> takes source slot <c>slots[j]</c>.</summary>
    public NttGaloisPermutation(int[] slots)
    {
        Slots = slots;
        Blocks = BuildBlocks(slots);
    }

    /// <summary>Entry <c>j</c> is the slot of the input that becomes slot <c>j</c> of the image.</summary>
    public int[] Slots { get; }

    /// <summary>Per destination block of four slots, the source block's first slot and the lane order (see remarks); null when <see cref="Slots"/> has no such form.</summary>
    public int[]? Blocks { get; }

    /// <summary><c>destination[j] = source[Slots[j]]</c>; <paramref name="destination"/> must not overlap <paramref name="source"/>.</summary>
    public void Apply(ReadOnlySpan<ulong> source, Span<ulong> destination) => Apply(source, destination, SimdCapabilities.Current);

    /// <summary><c>destination[j] = source[Slots[j]]</c> at the given level (every level gives the same result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public void Apply(ReadOnlySpan<ulong> source, Span<ulong> destination, SimdLevel level)
    {
        int n = Slots.Length;
        if (source.Length < n || destination.Length < n)
        {
            throw new ArgumentException($"The permutation has {n} slots but the source has {source.Length} and the destination {destination.Length}.");
        }

        ref ulong rs = ref MemoryMarshal.GetReference(source);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        int[]? blocks = Blocks;
        if (blocks is null)
        {
            ref int rp = ref MemoryMarshal.GetArrayDataReference(Slots);
            for (int j = 0; j < n; j++)
            {
                Unsafe.Add(ref rd, j) = Unsafe.Add(ref rs, Unsafe.Add(ref rp, j));
            }

            return;
        }

        ref int rb = ref MemoryMarshal.GetArrayDataReference(blocks);
        if (level != SimdLevel.Scalar && Avx2.IsSupported)
        {
            ref Vector256<int> controls = ref MemoryMarshal.GetArrayDataReference(s_controls);
            for (int b = 0; b < blocks.Length; b++)
            {
                int entry = Unsafe.Add(ref rb, b);
                Vector256<int> v = Vector256.LoadUnsafe(ref rs, (nuint)(entry & OffsetMask)).AsInt32();
                Avx2.PermuteVar8x32(v, Unsafe.Add(ref controls, entry >>> OffsetBits)).AsUInt64().StoreUnsafe(ref rd, (nuint)(4 * b));
            }
        }
        else if (level != SimdLevel.Scalar)
        {
            ref Vector256<ulong> lanes = ref MemoryMarshal.GetArrayDataReference(s_lanes);
            for (int b = 0; b < blocks.Length; b++)
            {
                int entry = Unsafe.Add(ref rb, b);
                Vector256<ulong> v = Vector256.LoadUnsafe(ref rs, (nuint)(entry & OffsetMask));
                Vector256.Shuffle(v, Unsafe.Add(ref lanes, entry >>> OffsetBits)).StoreUnsafe(ref rd, (nuint)(4 * b));
            }
        }
        else
        {
            for (int b = 0; b < blocks.Length; b++)
            {
                int entry = Unsafe.Add(ref rb, b), offset = entry & OffsetMask, pattern = entry >>> OffsetBits;
                ref ulong d = ref Unsafe.Add(ref rd, 4 * b);
                d = Unsafe.Add(ref rs, offset + (pattern & 3));
                Unsafe.Add(ref d, 1) = Unsafe.Add(ref rs, offset + ((pattern >> 2) & 3));
                Unsafe.Add(ref d, 2) = Unsafe.Add(ref rs, offset + ((pattern >> 4) & 3));
                Unsafe.Add(ref d, 3) = Unsafe.Add(ref rs, offset + (pattern >> 6));
            }
        }
    }

    /// <summary>The block form of <paramref name="slots"/>, or null when a block of four destination slots does not come from one aligned source block.</summary>
    internal static int[]? BuildBlocks(int[] slots)
    {
        int n = slots.Length;
        if (n == 0 || n % 4 != 0 || n > OffsetMask)
        {
            return null;
        }

        var blocks = new int[n / 4];
        for (int b = 0; b < blocks.Length; b++)
        {
            int start = slots[4 * b] & ~3, pattern = 0;
            for (int r = 0; r < 4; r++)
            {
                int slot = slots[4 * b + r];
                if ((uint)slot >= (uint)n || (slot & ~3) != start)
                {
                    return null;
                }

                pattern |= (slot & 3) << (2 * r);
            }

            blocks[b] = start | (pattern << OffsetBits);
        }

        return blocks;
    }

    private static Vector256<int>[] BuildControls()
    {
        var controls = new Vector256<int>[256];
        Span<int> c = stackalloc int[8];
        for (int pattern = 0; pattern < 256; pattern++)
        {
            for (int r = 0; r < 4; r++)
            {
                int lane = (pattern >> (2 * r)) & 3;
                c[2 * r] = 2 * lane;
                c[(2 * r) + 1] = (2 * lane) + 1;
            }

            controls[pattern] = Vector256.Create<int>(c);
        }

        return controls;
    }

    private static Vector256<ulong>[] BuildLanes()
    {
        var lanes = new Vector256<ulong>[256];
        for (int pattern = 0; pattern < 256; pattern++)
        {
            lanes[pattern] = Vector256.Create((ulong)(pattern & 3), (ulong)((pattern >> 2) & 3), (ulong)((pattern >> 4) & 3), (ulong)(pattern >> 6));
        }

        return lanes;
    }
}
