using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks.Serialization;

/// <summary>
/// Reads the body of one object: never more than the declared body length, never past the end of the stream, and
/// through a bounded pooled buffer (nothing is allocated from a length read from the stream).
/// </summary>
internal sealed class FormatReader : IDisposable
{
    private readonly Stream _stream;
    private readonly string _what;
    private readonly long _bodyLength;
    private byte[] _buffer;

    /// <summary>Creates a reader of a body of <paramref name="bodyLength"/> bytes, describing it as <paramref name="what"/> in messages.</summary>
    public FormatReader(Stream stream, long bodyLength, string what, int bufferSize)
    {
        _stream = stream;
        _bodyLength = bodyLength;
        _what = what;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(64, bufferSize));
    }

    /// <summary>The number of body bytes consumed so far.</summary>
    public long Consumed { get; private set; }

    /// <summary>The number of body bytes not consumed yet.</summary>
    public long Remaining => _bodyLength - Consumed;

    public byte ReadByte() => Read(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Read(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Read(4));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Read(8));

    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadUInt64());

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes.</summary>
    public void ReadBytes(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int take = Math.Min(destination.Length, _buffer.Length);
            Read(take).CopyTo(destination);
            destination = destination[take..];
        }
    }

    /// <summary>Throws unless the byte is zero (a reserved field).</summary>
    public void ExpectZero(int value, string field)
    {
        if (value != 0)
        {
            throw Invalid($"the reserved field {field} is {value}; it must be 0");
        }
    }

    /// <summary>
    /// Reads limbs <c>0 .. limbs-1</c> of <paramref name="destination"/> (NTT form), each coefficient in
    /// <c>ceil(bits(q_i)/8)</c> bytes, checking every coefficient is below its prime.
    /// </summary>
    public void ReadPoly(RnsPoly destination, int limbs, string name)
    {
        Modulus[] moduli = destination.Context.ModuliArray;
        int n = destination.N;
        SimdLevel simd = SimdCapabilities.Current;
        for (int i = 0; i < limbs; i++)
        {
            ulong q = moduli[i].Value;
            int width = FormatConstants.ByteWidth(q);
            Span<ulong> limb = destination.LimbUnchecked(i);
            int done = 0;

            // At most buffer/8 values per chunk, so an 8-byte load at the last value's offset stays inside the buffer.
            int perChunk = _buffer.Length / 8;
            while (done < n)
            {
                int count = Math.Min(perChunk, n - done);
                Read(count * width);
                Span<ulong> values = limb.Slice(done, count);
                if (UnpackWidth(_buffer, width, values, simd) >= q)
                {
                    int j = 0;
                    while (values[j] < q)
                    {
                        j++;
                    }

                    throw Invalid(string.Create(CultureInfo.InvariantCulture,
                        $"{name}: coefficient {done + j} of limb {i} is {values[j]}, not below its prime q = {q}"));
                }

                done += count;
            }
        }
    }

    /// <summary>
    /// Reads <paramref name="values"/>.Length little-endian values of <paramref name="width"/> bytes each from the start
    /// of <paramref name="source"/> (which has at least 8 bytes from the last value's offset) and returns the largest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static ulong UnpackWidth(ReadOnlySpan<byte> source, int width, Span<ulong> values, SimdLevel simd)
    {
        int n = values.Length, j = 0;
        Debug.Assert(n == 0 || source.Length >= ((n - 1) * width) + 8, "an 8-byte load at the last offset stays inside");
        ref byte s = ref MemoryMarshal.GetReference(source);
        ref ulong v = ref MemoryMarshal.GetReference(values);
        ulong max = 0;
        if (width == 4 && simd >= SimdLevel.Vector256)
        {
            Vector256<uint> vmax = Vector256<uint>.Zero;
            for (; j + 8 <= n; j += 8)
            {
                Vector256<uint> packed = Vector256.LoadUnsafe(ref s, (nuint)(4 * j)).AsUInt32();
                vmax = Vector256.Max(vmax, packed);
                Vector256.WidenLower(packed).StoreUnsafe(ref v, (nuint)j);
                Vector256.WidenUpper(packed).StoreUnsafe(ref v, (nuint)j + 4);
            }

            for (int k = 0; k < Vector256<uint>.Count; k++)
            {
                max = Math.Max(max, vmax.GetElement(k));
            }
        }

        ulong mask = width == 8 ? ulong.MaxValue : (1UL << (8 * width)) - 1;
        for (; j < n; j++)
        {
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref s, j * width), 8)) & mask;
            Unsafe.Add(ref v, j) = value;
            max = Math.Max(max, value);
        }

        return max;
    }

    /// <summary>Throws unless the whole body has been consumed.</summary>
    public void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw Invalid($"{Remaining} bytes of the declared {_bodyLength}-byte body are left unread");
        }
    }

    /// <summary>An <see cref="InvalidDataException"/> describing <paramref name="problem"/> at the current offset.</summary>
    public InvalidDataException Invalid(string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Invalid serialized {_what} (body offset {Consumed}): {problem}."));

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> (at most the buffer size) bytes into the buffer.</summary>
    private ReadOnlySpan<byte> Read(int count)
    {
        if (count > Remaining)
        {
            throw Invalid($"the declared body length {_bodyLength} ends before the {count} bytes the next field needs");
        }

        Span<byte> span = _buffer.AsSpan(0, count);
        int got = 0;
        while (got < count)
        {
            int read = _stream.Read(span[got..]);
            if (read == 0)
            {
                Consumed += got;
                throw Invalid($"the stream is truncated: it ended {count - got} bytes into a {count}-byte field, " +
                    $"{_bodyLength - Consumed} bytes short of the declared {_bodyLength}-byte body");
            }

            got += read;
        }

        Consumed += count;
        return span;
    }
}
