using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks.Serialization;

/// <summary>Writes the little-endian fields of the format to a stream through a pooled buffer, counting the bytes.</summary>
internal sealed class FormatWriter : IDisposable
{
    private const int BufferSize = 1 << 16;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _position;

    public FormatWriter(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>The number of bytes written so far (buffered or flushed).</summary>
    public long Written { get; private set; }

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void WriteDouble(double value) => WriteUInt64(BitConverter.DoubleToUInt64Bits(value));

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int take = Math.Min(bytes.Length, BufferSize - _position);
            if (take == 0)
            {
                Flush();
                continue;
            }

            bytes[..take].CopyTo(_buffer.AsSpan(_position));
            _position += take;
            Written += take;
            bytes = bytes[take..];
        }
    }

    /// <summary>Writes the first <paramref name="limbs"/> limbs of <paramref name="poly"/>, each coefficient in <c>ceil(bits(q_i)/8)</c> bytes.</summary>
    public void WritePoly(RnsPoly poly, int limbs)
    {
        Modulus[] moduli = poly.Context.ModuliArray;
        for (int i = 0; i < limbs; i++)
        {
            int width = FormatConstants.ByteWidth(moduli[i].Value);
            ReadOnlySpan<ulong> limb = poly.LimbUnchecked(i);
            while (!limb.IsEmpty)
            {
                // Each value is stored as 8 bytes of which the next value overwrites all but `width`: keep 8 bytes of room.
                int count = Math.Min(limb.Length, (BufferSize - 8 - _position) / width);
                if (count <= 0)
                {
                    Flush();
                    continue;
                }

                PackWidth(limb[..count], width, _buffer.AsSpan(_position), SimdCapabilities.Current);
                _position += count * width;
                Written += count * width;
                limb = limb[count..];
            }
        }
    }

    /// <summary>
    /// Stores the low <paramref name="width"/> bytes of each value, little-endian, back to back; writes up to 8 bytes past
    /// the last value's (which the caller must have room for). Values are below <c>2^(8·width)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void PackWidth(ReadOnlySpan<ulong> values, int width, Span<byte> destination, SimdLevel simd)
    {
        Debug.Assert(destination.Length >= (values.Length * width) + 8 - width, "room for the last 8-byte store");
        ref ulong v = ref MemoryMarshal.GetReference(values);
        ref byte d = ref MemoryMarshal.GetReference(destination);
        int n = values.Length, j = 0;
        if (width == 4 && simd >= SimdLevel.Vector256)
        {
            for (; j + 8 <= n; j += 8)
            {
                Vector256<uint> packed = Vector256.Narrow(Vector256.LoadUnsafe(ref v, (nuint)j), Vector256.LoadUnsafe(ref v, (nuint)j + 4));
                packed.AsByte().StoreUnsafe(ref d, (nuint)(4 * j));
            }
        }

        for (; j < n; j++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref d, j * width), 8), Unsafe.Add(ref v, j));
        }
    }

    /// <summary>Writes the buffered bytes to the stream.</summary>
    public void Flush()
    {
        if (_position > 0)
        {
            _stream.Write(_buffer, 0, _position);
            _position = 0;
        }
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _position = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    private Span<byte> Reserve(int count)
    {
        if (_position > BufferSize - count)
        {
            Flush();
        }

        Span<byte> span = _buffer.AsSpan(_position, count);
        _position += count;
        Written += count;
        return span;
    }
}
