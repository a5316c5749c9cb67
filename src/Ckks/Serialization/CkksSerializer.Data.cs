using System.Buffers;
using System.Globalization;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Sampling;

namespace CkksRns.Ckks.Serialization;

public static partial class CkksSerializer
{
    private const int CiphertextFixedSize = 12;
    private const int PlaintextFixedSize = 12;

    /// <summary>Writes <paramref name="ciphertext"/> to <paramref name="stream"/>.</summary>
    /// <remarks>
    /// With <paramref name="compress"/> (the default), a fresh secret-key encryption that has not been modified is
    /// written in its seeded form: <c>c_0</c> and the 32-byte seed of <c>c_1</c>, about half the size. Any other
    /// ciphertext is written in full. Whether the seed still describes <c>c_1</c> is checked, not assumed.
    /// </remarks>
    /// <param name="ciphertext">The ciphertext (size 2 to <see cref="Ciphertext.MaxSize"/>).</param>
    /// <param name="stream">A writable stream.</param>
    /// <param name="compress">Whether to write the seeded form when it is available.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static void Save(Ciphertext ciphertext, Stream stream, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        CheckWritable(stream);
        CkksContext context = ciphertext.Context;
        int limbs = ciphertext.Level + 1, size = ciphertext.Size;
        bool seeded = compress && size == 2 && SeedDescribes(ciphertext);
        long polyBytes = PolyBytes(context.RingQ, limbs);
        long body = CiphertextFixedSize + (seeded ? polyBytes + FormatConstants.SeedSize : size * polyBytes);
        using var writer = new FormatWriter(stream);
        WriteHeader(writer, SerializedKind.Ciphertext, seeded ? FormatConstants.SeededFlag : (byte)0,
            ParameterEncoding.Fingerprint(context.Parameters), body);
        writer.WriteByte((byte)size);
        writer.WriteByte(0);
        writer.WriteUInt16((ushort)ciphertext.Level);
        writer.WriteDouble(ciphertext.Scale);
        writer.WritePoly(ciphertext[0], limbs);
        if (seeded)
        {
            writer.WriteBytes(ciphertext.Seed);
        }
        else
        {
            for (int i = 1; i < size; i++)
            {
                writer.WritePoly(ciphertext[i], limbs);
            }
        }

        writer.Flush();
    }

    /// <summary>Reads a ciphertext written by <see cref="Save(Ciphertext, Stream, bool)"/> for <paramref name="context"/>'s parameters.</summary>
    /// <param name="context">The context of the parameters the ciphertext was made with.</param>
    /// <param name="stream">A readable stream positioned at the object.</param>
    /// <returns>The ciphertext; a seeded one is expanded (and keeps its seed, so saving it again compresses it again).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="InvalidDataException">The data is malformed, truncated, or made with other parameters.</exception>
    public static Ciphertext LoadCiphertext(CkksContext context, Stream stream) => LoadCiphertext(context, stream, expandSeed: true);

    /// <summary>
    /// As <see cref="LoadCiphertext(CkksContext, Stream)"/>; with <paramref name="expandSeed"/> false a seeded ciphertext
    /// comes back with its seed but without its second polynomial, which <see cref="ExpandSeed"/> must then fill before
    /// any use (so that a batch can expand its seeds in parallel after reading the stream in order).
    /// </summary>
    internal static Ciphertext LoadCiphertext(CkksContext context, Stream stream, bool expandSeed)
    {
        ArgumentNullException.ThrowIfNull(context);
        CheckReadable(stream);
        const SerializedKind Kind = SerializedKind.Ciphertext;
        Header header = ReadHeader(stream, Kind, ParameterEncoding.Fingerprint(context.Parameters), checkFingerprint: true);
        CheckFlags(header, Kind, allowSeeded: true);
        int maxLevel = context.MaxLevel;
        long fullPoly = PolyBytes(context.RingQ, maxLevel + 1);
        CheckMaximum(header, Kind, CiphertextFixedSize + (Ciphertext.MaxSize * fullPoly), $"size {Ciphertext.MaxSize} at level {maxLevel}");

        using var reader = new FormatReader(stream, header.BodyLength, FormatConstants.Describe(Kind), ReadBufferSize);
        int size = reader.ReadByte();
        reader.ExpectZero(reader.ReadByte(), "at byte 1");
        int level = reader.ReadUInt16();
        double scale = reader.ReadDouble();
        if (size is < 2 or > Ciphertext.MaxSize)
        {
            throw reader.Invalid($"the size is {size}; a ciphertext has 2 to {Ciphertext.MaxSize} polynomials");
        }

        if (level > maxLevel)
        {
            throw reader.Invalid($"the level is {level}, above the parameters' top level {maxLevel}");
        }

        CheckScale(reader, scale);
        if (header.IsSeeded && size != 2)
        {
            throw reader.Invalid($"a seeded ciphertext must have size 2, not {size}");
        }

        int limbs = level + 1;
        long polyBytes = PolyBytes(context.RingQ, limbs);
        long expected = CiphertextFixedSize + (header.IsSeeded ? polyBytes + FormatConstants.SeedSize : size * polyBytes);
        CheckExactLength(reader, header, expected,
            $"{(header.IsSeeded ? "a seeded" : "a")} size-{size} ciphertext at level {level}");

        var ciphertext = new Ciphertext(context, size, level, scale);
        reader.ReadPoly(ciphertext[0], limbs, "c0");
        if (header.IsSeeded)
        {
            byte[] seed = new byte[FormatConstants.SeedSize];
            reader.ReadBytes(seed);
            ciphertext.Seed = seed;
            if (expandSeed)
            {
                ExpandSeed(ciphertext);
            }
        }
        else
        {
            for (int i = 1; i < size; i++)
            {
                reader.ReadPoly(ciphertext[i], limbs, $"c{i}");
            }
        }

        reader.ExpectEnd();
        return ciphertext;
    }

    /// <summary>Writes <paramref name="plaintext"/> to <paramref name="stream"/>.</summary>
    /// <param name="plaintext">The plaintext.</param>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static void Save(Plaintext plaintext, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        CheckWritable(stream);
        CkksContext context = plaintext.Context;
        int limbs = plaintext.Level + 1;
        long body = PlaintextFixedSize + PolyBytes(context.RingQ, limbs);
        using var writer = new FormatWriter(stream);
        WriteHeader(writer, SerializedKind.Plaintext, 0, ParameterEncoding.Fingerprint(context.Parameters), body);
        writer.WriteUInt16((ushort)plaintext.Level);
        writer.WriteUInt16(0);
        writer.WriteDouble(plaintext.Scale);
        writer.WritePoly(plaintext.Poly, limbs);
        writer.Flush();
    }

    /// <summary>Reads a plaintext written by <see cref="Save(Plaintext, Stream)"/> for <paramref name="context"/>'s parameters.</summary>
    /// <param name="context">The context of the parameters the plaintext was made with.</param>
    /// <param name="stream">A readable stream positioned at the object.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="InvalidDataException">The data is malformed, truncated, or made with other parameters.</exception>
    public static Plaintext LoadPlaintext(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        CheckReadable(stream);
        const SerializedKind Kind = SerializedKind.Plaintext;
        Header header = ReadHeader(stream, Kind, ParameterEncoding.Fingerprint(context.Parameters), checkFingerprint: true);
        CheckFlags(header, Kind, allowSeeded: false);
        int maxLevel = context.MaxLevel;
        CheckMaximum(header, Kind, PlaintextFixedSize + PolyBytes(context.RingQ, maxLevel + 1), $"level {maxLevel}");

        using var reader = new FormatReader(stream, header.BodyLength, FormatConstants.Describe(Kind), ReadBufferSize);
        int level = reader.ReadUInt16();
        reader.ExpectZero(reader.ReadUInt16(), "at bytes 2-3");
        double scale = reader.ReadDouble();
        if (level > maxLevel)
        {
            throw reader.Invalid($"the level is {level}, above the parameters' top level {maxLevel}");
        }

        CheckScale(reader, scale);
        int limbs = level + 1;
        CheckExactLength(reader, header, PlaintextFixedSize + PolyBytes(context.RingQ, limbs), $"a plaintext at level {level}");
        var plaintext = new Plaintext(context, level, scale);
        reader.ReadPoly(plaintext.Poly, limbs, "m");
        reader.ExpectEnd();
        return plaintext;
    }

    private static void CheckScale(FormatReader reader, double scale)
    {
        if (!double.IsFinite(scale) || scale <= 0)
        {
            throw reader.Invalid($"the scale {scale.ToString(CultureInfo.InvariantCulture)} is not a finite positive number");
        }
    }

    /// <summary>Whether the ciphertext carries a seed and <c>c_1</c> is still exactly its expansion.</summary>
    private static bool SeedDescribes(Ciphertext ciphertext)
    {
        if (ciphertext.Seed is not { Length: FormatConstants.SeedSize } seed)
        {
            return false;
        }

        // Limb by limb into one pooled limb (the stream fills limbs in order), stopping at the first difference.
        int limbs = ciphertext.Level + 1, n = ciphertext.Context.N;
        RnsPoly c1 = ciphertext[1];
        Modulus[] moduli = ciphertext.Context.RingQ.ModuliArray;
        ulong[] scratch = ArrayPool<ulong>.Shared.Rent(n);
        try
        {
            using RandomSource source = RandomSource.FromSeed(seed, 0);
            var sampler = new UniformSampler(source);
            Span<ulong> expected = scratch.AsSpan(0, n);
            for (int i = 0; i < limbs; i++)
            {
                sampler.Sample(expected, moduli[i]);
                if (!expected.SequenceEqual(c1.LimbUnchecked(i)))
                {
                    return false;
                }
            }

            return c1.IsNttForm;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(scratch);
        }
    }

    /// <summary>Fills the second polynomial of a seeded ciphertext loaded with <c>expandSeed: false</c> from its seed.</summary>
    internal static void ExpandSeed(Ciphertext ciphertext) => ExpandUniform(ciphertext.Seed!, 0, ciphertext[1], null);

    /// <summary>Fills <paramref name="first"/> (then <paramref name="second"/>) with the uniform stream <paramref name="stream"/> of <paramref name="seed"/>.</summary>
    private static void ExpandUniform(byte[] seed, ulong stream, RnsPoly first, RnsPoly? second)
    {
        using RandomSource source = RandomSource.FromSeed(seed, stream);
        var sampler = new UniformSampler(source);
        sampler.Sample(first);
        if (second is not null)
        {
            sampler.Sample(second);
        }
    }
}
