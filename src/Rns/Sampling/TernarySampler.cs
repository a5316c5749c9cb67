using System.Runtime.CompilerServices;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Sample(Span<sbyte> destination)
    {
        RandomSource source = _source;
        for (int j = 0; j < destination.Length; j++)
        {
            uint b;
            do
            {
                b = source.NextByte();
            }
            while (b == 255);

            destination[j] = (sbyte)((int)(b % 3) - 1);
        }
    }

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
