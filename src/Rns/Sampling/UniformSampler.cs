using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Rns.Sampling;

/// <summary>Samples residues uniformly at random modulo each prime, by rejection sampling (no modulo bias).</summary>
/// <remarks>
/// <para>
/// For a prime <c>q</c> of <c>k</c> bits, each candidate is the next <c>ceil(k/8)</c> bytes of the source read as a
/// little-endian integer and masked to <c>k</c> bits; it is accepted when it is below <c>q</c>, otherwise discarded.
/// Since <c>q ≥ 2^(k-1)</c>, at most half of the candidates are rejected (for the NTT primes just below <c>2^k</c>,
/// almost none). The accepted values are exactly uniform on <c>[0, q)</c>. Rejections depend only on discarded
/// values, so timing reveals nothing about the output.
/// </para>
/// <para>
/// A uniform polynomial is uniform in both forms, so <see cref="Sample(RnsPoly)"/> keeps the destination's form:
/// sampling directly "in NTT form" saves a transform. Limbs are filled in order <c>0, 1, …</c> from one stream, so with
/// a seeded source the first limbs do not depend on how many limbs are sampled.
/// </para>
/// </remarks>
/// <param name="source">The byte stream: <see cref="RandomSource.FromSeed(ReadOnlySpan{byte}, ulong)"/> for public,
/// seed-compressible polynomials, <see cref="RandomSource.CreateSystem"/> otherwise.</param>
public sealed class UniformSampler(RandomSource source)
{
    private readonly RandomSource _source = source ?? throw new ArgumentNullException(nameof(source));

    /// <summary>Fills every limb in use of <paramref name="destination"/> with uniform residues; the form flag is kept.</summary>
    /// <param name="destination">The polynomial to overwrite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    public void Sample(RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        for (int i = 0; i < destination.LimbCount; i++)
        {
            Sample(destination.LimbUnchecked(i), destination.Context.ModuliArray[i]);
        }
    }

    /// <summary>Fills <paramref name="destination"/> with residues uniform on <c>[0, q)</c>.</summary>
    /// <param name="destination">The values to overwrite.</param>
    /// <param name="q">The modulus.</param>
    /// <exception cref="ArgumentException"><paramref name="q"/> is an uninitialized <see cref="Modulus"/> (value 0).</exception>
    public void Sample(Span<ulong> destination, Modulus q) => Sample(destination, q, SimdCapabilities.Current);

    /// <summary><see cref="Sample(Span{ulong}, Modulus)"/> with an explicit SIMD level (every level gives the same values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal void Sample(Span<ulong> destination, Modulus q, SimdLevel simd)
    {
        if (q.Value == 0)
        {
            throw new ArgumentException("The modulus is uninitialized (value 0).", nameof(q));
        }

        ulong modulus = q.Value;
        int bits = q.BitCount, bytes = (bits + 7) >> 3;
        ulong mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        RandomSource source = _source;

        // Each round reads exactly as many candidates as values are still missing: every one of them would also be read
        // by a one-candidate-at-a-time loop (at most that many are accepted), so the stream is consumed identically.
        // The buffer has 8 spare bytes so that each candidate is one unaligned 8-byte load, then masked.
        Span<byte> buffer = stackalloc byte[(ChunkCandidates * 8) + 8];
        buffer.Clear();
        ref byte rb = ref MemoryMarshal.GetReference(buffer);
        ref ulong rd = ref MemoryMarshal.GetReference(destination);
        bool packed = bytes == 4 && simd >= SimdLevel.Vector256 && BitConverter.IsLittleEndian;
        Vector256<uint> mask32 = Vector256.Create((uint)mask), q32 = Vector256.Create((uint)Math.Min(modulus, uint.MaxValue));
        int filled = 0;
        try
        {
            while (filled < destination.Length)
            {
                int candidates = Math.Min(ChunkCandidates, destination.Length - filled);
                source.Fill(buffer[..(candidates * bytes)]);
                int c = 0;
                if (packed)
                {
                    // Eight 4-byte candidates at a time; a group with a rejection takes the one-at-a-time loop below,
                    // so the accepted values and their order are those of that loop. Each group writes eight values at
                    // `filled`, within the destination because every remaining candidate fills at most one.
                    for (; c + 8 <= candidates; c += 8)
                    {
                        Vector256<uint> v = Vector256.LoadUnsafe(ref rb, (nuint)(4 * c)).AsUInt32() & mask32;
                        if (Vector256.LessThanAll(v, q32))
                        {
                            Vector256.WidenLower(v).StoreUnsafe(ref rd, (nuint)filled);
                            Vector256.WidenUpper(v).StoreUnsafe(ref rd, (nuint)filled + 4);
                            filled += 8;
                            continue;
                        }

                        for (int k = c; k < c + 8; k++)
                        {
                            ulong candidate = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref rb, 4 * k)) & mask;
                            Unsafe.Add(ref rd, filled) = candidate;
                            filled += candidate < modulus ? 1 : 0;
                        }
                    }
                }

                for (; c < candidates; c++)
                {
                    // Always write, advance only on acceptance (a rejected value is overwritten or left past the end).
                    // filled + (candidates - c) <= destination.Length, so the write stays in range.
                    ulong candidate = ReadLittleEndian(ref Unsafe.Add(ref rb, c * bytes)) & mask;
                    Unsafe.Add(ref rd, filled) = candidate;
                    filled += candidate < modulus ? 1 : 0;
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadLittleEndian(ref byte source)
    {
        ulong value = Unsafe.ReadUnaligned<ulong>(ref source);
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    /// <summary>Candidates per call of <see cref="RandomSource.Fill(Span{byte})"/>.</summary>
    private const int ChunkCandidates = 512;
}
