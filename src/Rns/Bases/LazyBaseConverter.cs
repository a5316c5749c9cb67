using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;

namespace CkksRns.Rns.Bases;

/// <summary>
/// Fast base conversion with the same result as <see cref="BaseConverter.Convert(ReadOnlySpan{ulong}, Span{ulong})"/>
/// (residues of <c>x + u·Q</c>, <c>0 ≤ u &lt; k</c>), organised for the vector kernels: per block of coefficients,
/// <c>t_i = [x_i·(Q/q_i)^-1]_(q_i)</c> with a vector Shoup product, then for each target prime
/// <c>Σ_i t_i·[Q/q_i]_(p_j)</c> accumulated lazily (one 32-bit multiply per term when every operand is below 2^32,
/// otherwise a 128-bit accumulator) and reduced once. A single-prime source needs no products at all: the result is
/// <c>x mod p_j</c>.
/// </summary>
/// <remarks>
/// Written for hybrid key switching (ModUp of each digit and ModDown from the special primes), where conversions are a
/// large share of the work. Inputs are limb-major and fully reduced; each output limb may be placed anywhere (the
/// caller passes one span per target). Instances are immutable and thread-safe; conversion allocates nothing.
/// </remarks>
internal sealed class LazyBaseConverter
{
    private const int ScratchWords = 4096;

    private readonly Modulus[] _source;
    private readonly Modulus[] _target;
    private readonly ShoupOperand[] _inversePunctured;

    // _punctured[j * k + i] = (Q / q_i) mod p_j.
    private readonly ulong[] _punctured;
    private readonly bool[] _narrow;
    private readonly double[] _inverseSource;

    // _negatedQ[j] = (-Q) mod p_j, the correction of the exact conversion.
    private readonly ulong[] _negatedQ;
    private readonly int _block;

    /// <summary>Precomputes the constants to convert from <paramref name="source"/> to <paramref name="target"/> (disjoint or not).</summary>
    public LazyBaseConverter(IReadOnlyList<Modulus> source, IReadOnlyList<Modulus> target)
    {
        _source = [.. source];
        _target = [.. target];
        int k = _source.Length, m = _target.Length;
        var basis = new RnsBase(source);
        _inversePunctured = [.. basis.InversePuncturedProducts];
        _punctured = new ulong[m * k];
        _narrow = new bool[m];
        _negatedQ = new ulong[m];
        _inverseSource = _source.Select(q => 1.0 / q.Value).ToArray();

        // The exact conversion adds v·(-Q) with v ≤ k: count it as one more term.
        BigInteger maxSum = k;
        for (int i = 0; i < k; i++)
        {
            maxSum += _source[i].Value - 1;
        }

        bool sourceNarrow = _source.All(q => q.BitCount <= 32);
        for (int j = 0; j < m; j++)
        {
            for (int i = 0; i < k; i++)
            {
                _punctured[j * k + i] = (ulong)(basis.PuncturedProducts[i] % _target[j].Value);
            }

            _negatedQ[j] = _target[j].Negate((ulong)(basis.Product % _target[j].Value));

            // Narrow when every product fits 32×32 bits and the whole sum stays below 2^63.
            _narrow[j] = sourceNarrow && _target[j].BitCount <= 32 && maxSum * (_target[j].Value - 1) < BigInteger.One << 63;
        }

        _block = Math.Clamp(ScratchWords / k, 64, 1024) & ~7;
    }

    /// <summary>The number of source primes.</summary>
    public int SourceCount => _source.Length;

    /// <summary>The number of target primes.</summary>
    public int TargetCount => _target.Length;

    /// <summary>
    /// Converts coefficients <c>[start, end)</c>: <paramref name="input"/> holds <c>k</c> limbs of <paramref name="n"/>
    /// words; target limb <c>j</c> is written at <c>output[outputOffsets[j] + c]</c>. With <paramref name="exact"/>, the
    /// result is that of <see cref="BaseConverter.ConvertExact(ReadOnlySpan{ulong}, Span{ulong})"/>: the centred
    /// representative, through the same floating-point correction computed in the same order, so bit-identical.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Convert(ReadOnlySpan<ulong> input, int n, Span<ulong> output, ReadOnlySpan<int> outputOffsets, int start, int end, bool exact = false)
    {
        int k = _source.Length, m = _target.Length;
        if (k == 1 && !exact)
        {
            // Q = q_0: x itself, reduced modulo each target.
            for (int j = 0; j < m; j++)
            {
                ElementwiseKernels.Reduce(input[start..end], output.Slice(outputOffsets[j] + start, end - start), _target[j]);
            }

            return;
        }

        int block = _block;
        Span<ulong> t = stackalloc ulong[k * block];
        Span<ulong> low = stackalloc ulong[block];
        Span<ulong> high = stackalloc ulong[block];
        Span<ulong> v = stackalloc ulong[exact ? block : 0];
        for (int c0 = start; c0 < end; c0 += block)
        {
            int length = Math.Min(block, end - c0);
            for (int i = 0; i < k; i++)
            {
                ElementwiseKernels.MultiplyShoup(input.Slice(i * n + c0, length), _inversePunctured[i], t.Slice(i * block, length), _source[i]);
            }

            if (exact)
            {
                ExactCorrection(t, block, length, v);
            }

            for (int j = 0; j < m; j++)
            {
                Modulus p = _target[j];
                Span<ulong> destination = output.Slice(outputOffsets[j] + c0, length);
                Span<ulong> lo = low[..length];
                lo.Clear();
                if (_narrow[j])
                {
                    for (int i = 0; i < k; i++)
                    {
                        ElementwiseKernels.MultiplyScalarAccumulateNarrow(t.Slice(i * block, length), _punctured[j * k + i], lo);
                    }

                    if (exact)
                    {
                        ElementwiseKernels.MultiplyScalarAccumulateNarrow(v[..length], _negatedQ[j], lo);
                    }

                    ElementwiseKernels.Reduce(lo, destination, p);
                }
                else
                {
                    Span<ulong> hi = high[..length];
                    hi.Clear();
                    for (int i = 0; i < k; i++)
                    {
                        ElementwiseKernels.MultiplyScalarAccumulateWide(t.Slice(i * block, length), _punctured[j * k + i], lo, hi);
                        if ((i & 31) == 31 && i + 1 < k)
                        {
                            // Keep the high word below 2^63: fold the sum back to a residue.
                            ElementwiseKernels.ReduceWide(lo, hi, lo, p);
                            hi.Clear();
                        }
                    }

                    if (exact)
                    {
                        if ((k & 31) == 0)
                        {
                            ElementwiseKernels.ReduceWide(lo, hi, lo, p);
                            hi.Clear();
                        }

                        ElementwiseKernels.MultiplyScalarAccumulateWide(v[..length], _negatedQ[j], lo, hi);
                    }

                    ElementwiseKernels.ReduceWide(lo, hi, destination, p);
                }
            }
        }
    }

    /// <summary>
    /// <c>v[c] = round(Σ_i t_i[c] / q_i)</c> (ties to even), summed in source order in double precision exactly as
    /// <see cref="BaseConverter"/> does; the vector path converts each <c>t</c> through its 32-bit halves (one rounding,
    /// as a direct conversion) and performs the same multiplications and additions, so the results are bit-identical.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ExactCorrection(ReadOnlySpan<ulong> t, int stride, int length, Span<ulong> v)
    {
        int k = _source.Length, c = 0;
        if (SimdCapabilities.Current != SimdLevel.Scalar && Vector256.IsHardwareAccelerated)
        {
            Vector256<ulong> mask = Vector256.Create(0xFFFF_FFFFUL), magicBits = Vector256.Create(0x4330_0000_0000_0000UL);
            Vector256<double> magic = Vector256.Create(4503599627370496.0), twoTo32 = Vector256.Create(4294967296.0);
            for (; c <= length - Vector256<ulong>.Count; c += Vector256<ulong>.Count)
            {
                Vector256<double> sum = Vector256<double>.Zero;
                for (int i = 0; i < k; i++)
                {
                    Vector256<ulong> x = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(t), (nuint)(i * stride + c));
                    Vector256<double> high = (Vector256.ShiftRightLogical(x, 32) | magicBits).AsDouble() - magic;
                    Vector256<double> low = ((x & mask) | magicBits).AsDouble() - magic;
                    sum += (high * twoTo32 + low) * Vector256.Create(_inverseSource[i]);
                }

                Vector256<double> rounded = Vector256.Round(sum) + magic;
                (rounded.AsUInt64() - magicBits).StoreUnsafe(ref MemoryMarshal.GetReference(v), (nuint)c);
            }
        }

        for (; c < length; c++)
        {
            double sum = 0;
            for (int i = 0; i < k; i++)
            {
                sum += t[i * stride + c] * _inverseSource[i];
            }

            v[c] = (ulong)Math.Round(sum, MidpointRounding.ToEven);
        }
    }
}
