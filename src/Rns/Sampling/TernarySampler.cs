using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Rns.Sampling;

/// <summary>Samples polynomials with coefficients uniform on <c>{-1, 0, 1}</c> (the usual CKKS secret distribution).</summary>
/// <remarks>
/// Each coefficient takes the next byte <c>b</c> of the source; <c>b = 255</c> is discarded (255 = 3·85 makes the rest
/// uniform modulo 3) and otherwise the value is <c>(b mod 3) - 1</c>. The same small integer is written into every limb
/// (as <c>q_i - 1</c> for <c>-1</c>) without data-dependent branches.
/// </remarks>
/// <param name="source">The byte stream; use <see cref="RandomSource.CreateSystem"/> for secrets.</param>
public sealed class TernarySampler(RandomSource source)
{
    private readonly RandomSource _source = source ?? throw new ArgumentNullException(nameof(source));

    /// <summary>Creates a sampler that reads the operating system's CSPRNG.</summary>
    public TernarySampler()
        : this(RandomSource.CreateSystem())
    {
    }

    /// <summary>Fills <paramref name="destination"/> with values uniform on <c>{-1, 0, 1}</c>.</summary>
    /// <param name="destination">The values to overwrite.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public void Sample(Span<sbyte> destination)
    {
        RandomSource source = _source;

        // Each round reads exactly as many bytes as values are still missing, so the stream is consumed exactly as by a
        // byte-at-a-time loop; a byte 255 is written and then overwritten (the position only advances on acceptance).
        Span<byte> buffer = stackalloc byte[ChunkBytes];
        ref sbyte rd = ref MemoryMarshal.GetReference(destination);
        int filled = 0;
        try
        {
            while (filled < destination.Length)
            {
                int count = Math.Min(ChunkBytes, destination.Length - filled);
                Span<byte> chunk = buffer[..count];
                source.Fill(chunk);
                foreach (byte b in chunk)
                {
                    // b mod 3 without a division: (b·171) >> 9 = floor(b/3) for every b < 256.
                    uint value = b - (3 * ((b * 171u) >> 9));
                    Unsafe.Add(ref rd, filled) = (sbyte)((int)value - 1);
                    filled += b != 255 ? 1 : 0;
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>Bytes per call of <see cref="RandomSource.Fill(Span{byte})"/>.</summary>
    private const int ChunkBytes = 1024;

    /// <summary>
    /// Sets <paramref name="destination"/> to a fresh ternary polynomial in coefficient form: the same coefficients in
    /// every limb in use.
    /// </summary>
    /// <param name="destination">The polynomial to overwrite; its limb count is kept.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    public void Sample(RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int n = destination.N;
        sbyte[] values = System.Buffers.ArrayPool<sbyte>.Shared.Rent(n);
        try
        {
            Span<sbyte> small = values.AsSpan(0, n);
            Sample(small);
            SmallIntegers.Write(small, destination);
        }
        finally
        {
            values.AsSpan(0, n).Clear();
            System.Buffers.ArrayPool<sbyte>.Shared.Return(values);
        }
    }
}
