using System.Buffers.Binary;
using System.Globalization;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks.Serialization;

/// <summary>
/// Saves and loads parameter sets, keys, ciphertexts and plaintexts in the CkksRns binary format
/// (<c>docs/format.md</c>): a 32-byte header (magic <c>CKRS</c>, version, object kind, flags, parameter fingerprint,
/// body length) followed by the body.
/// </summary>
/// <remarks>
/// <para>
/// <b>Compressed forms.</b> Public keys, relinearization and Galois keys, and fresh secret-key (symmetric)
/// ciphertexts contain a uniformly random polynomial expanded from a 32-byte seed; their compressed form stores the seed
/// instead, which halves the size. It is written by default whenever it is available.
/// </para>
/// <para>
/// <b>Validation.</b> Every <c>Load</c> method checks the magic, version, kind, flags and reserved fields, that the
/// parameter fingerprint is the one of the given context, that the body length is exactly what the object's shape
/// needs and within what the parameters allow, that every coefficient is below its prime, and that the stream holds
/// the whole object. Anything else throws an <see cref="InvalidDataException"/> whose message names the field and the
/// numbers. Nothing is allocated from a length read from the stream before that length has been checked against the
/// parameters. A load reads exactly the bytes of one object, so several objects can follow each other in a stream.
/// </para>
/// <para>
/// <b>Secret keys</b> are written only by the separately named <see cref="SaveSecretKey(SecretKey, Stream)"/>.
/// </para>
/// <para>All methods are thread-safe as long as each stream is used by one thread.</para>
/// </remarks>
public static partial class CkksSerializer
{
    /// <summary>The format version written by this library (header bytes 4-5).</summary>
    public const int FormatVersion = FormatConstants.Version;

    private const int ReadBufferSize = 1 << 16;

    /// <summary>Writes <paramref name="parameters"/> to <paramref name="stream"/>.</summary>
    /// <param name="parameters">The parameter set.</param>
    /// <param name="stream">A writable stream; the object is written at its current position.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static void Save(CkksParameters parameters, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckWritable(stream);
        byte[] body = ParameterEncoding.Encode(parameters);
        using var writer = new FormatWriter(stream);
        WriteHeader(writer, SerializedKind.Parameters, 0, ParameterEncoding.Fingerprint(parameters), body.Length);
        writer.WriteBytes(body);
        writer.Flush();
    }

    /// <summary>Reads a parameter set written by <see cref="Save(CkksParameters, Stream)"/> and validates it.</summary>
    /// <param name="stream">A readable stream positioned at the object.</param>
    /// <returns>The parameter set, validated as by <see cref="CkksParameters.Create(CkksParametersLiteral)"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="InvalidDataException">
    /// The data is malformed or truncated, or describes a parameter set that <see cref="CkksParameters.Create(CkksParametersLiteral)"/>
    /// refuses (the inner exception says why).
    /// </exception>
    public static CkksParameters LoadParameters(Stream stream)
    {
        CheckReadable(stream);
        const SerializedKind Kind = SerializedKind.Parameters;
        Header header = ReadHeader(stream, Kind, expectedFingerprint: default, checkFingerprint: false);
        CheckFlags(header, Kind, allowSeeded: false);
        long max = ParameterEncoding.BodySize(CkksParameters.MaxPrimeCount, 0);
        CheckMaximum(header, Kind, max, $"{CkksParameters.MaxPrimeCount} primes");

        using var reader = new FormatReader(stream, header.BodyLength, FormatConstants.Describe(Kind), ReadBufferSize);
        Span<byte> fixedPart = stackalloc byte[ParameterEncoding.FixedSize];
        reader.ReadBytes(fixedPart);
        int logN = fixedPart[0];
        int security = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[2..]);
        int qCount = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[4..]);
        int pCount = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[6..]);
        int digitSize = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[8..]);
        double scale = BitConverter.UInt64BitsToDouble(BinaryPrimitives.ReadUInt64LittleEndian(fixedPart[12..]));
        reader.ExpectZero(fixedPart[1], "at byte 1");
        reader.ExpectZero(BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[10..]), "at bytes 10-11");
        if (logN < HomomorphicEncryptionStandard.MinLogN || logN > HomomorphicEncryptionStandard.MaxLogN)
        {
            throw reader.Invalid($"log2 N = {logN} is out of range [{HomomorphicEncryptionStandard.MinLogN}, {HomomorphicEncryptionStandard.MaxLogN}]");
        }

        if (!Enum.IsDefined((SecurityLevel)security))
        {
            throw reader.Invalid($"the security level {security} is not one of 0, 128, 192, 256");
        }

        if (qCount < 1 || pCount < 1 || qCount + pCount > CkksParameters.MaxPrimeCount)
        {
            throw reader.Invalid(
                $"there are {qCount} data and {pCount} special primes; expected at least one of each and at most {CkksParameters.MaxPrimeCount} in all");
        }

        if (digitSize < 1 || digitSize > qCount)
        {
            throw reader.Invalid($"the key-switching digit size {digitSize} is out of range [1, {qCount}]");
        }

        if (!double.IsFinite(scale) || scale < 1)
        {
            throw reader.Invalid($"the default scale {scale.ToString(CultureInfo.InvariantCulture)} is not a finite number of at least 1");
        }

        int size = ParameterEncoding.BodySize(qCount, pCount);
        CheckExactLength(reader, header, size, $"{qCount} data and {pCount} special primes");
        byte[] body = new byte[size];
        fixedPart.CopyTo(body);
        reader.ReadBytes(body.AsSpan(ParameterEncoding.FixedSize));
        reader.ExpectEnd();

        if (!ParameterEncoding.Fingerprint(body).AsSpan().SequenceEqual(header.Fingerprint))
        {
            throw reader.Invalid("the header fingerprint is not the SHA-256 of the body: the data is corrupted");
        }

        var q = new ulong[qCount];
        var p = new ulong[pCount];
        for (int i = 0; i < qCount; i++)
        {
            q[i] = BinaryPrimitives.ReadUInt64LittleEndian(body.AsSpan(ParameterEncoding.FixedSize + 8 * i));
        }

        for (int i = 0; i < pCount; i++)
        {
            p[i] = BinaryPrimitives.ReadUInt64LittleEndian(body.AsSpan(ParameterEncoding.FixedSize + 8 * (qCount + i)));
        }

        CkksParameters parameters;
        try
        {
            parameters = CkksParameters.Create(new CkksParametersLiteral
            {
                LogN = logN,
                Q = q,
                P = p,
                Dnum = (qCount + digitSize - 1) / digitSize,
                DefaultScale = scale,
                SecurityLevel = (SecurityLevel)security,
            });
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Invalid serialized parameter set: the parameters are refused: {e.Message}", e);
        }

        if (!ParameterEncoding.Encode(parameters).AsSpan().SequenceEqual(body))
        {
            throw new InvalidDataException(
                $"Invalid serialized parameter set: the digit size {digitSize} cannot arise for {qCount} data primes " +
                $"(it would be {parameters.DigitSize}).");
        }

        return parameters;
    }

    private static void CheckWritable(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }
    }

    private static void CheckReadable(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream is not readable.", nameof(stream));
        }
    }

    private static void WriteHeader(FormatWriter writer, SerializedKind kind, byte flags, ReadOnlySpan<byte> fingerprint, long bodyLength)
    {
        writer.WriteBytes(FormatConstants.Magic);
        writer.WriteUInt16(FormatConstants.Version);
        writer.WriteByte((byte)kind);
        writer.WriteByte(flags);
        writer.WriteBytes(fingerprint);
        writer.WriteUInt64((ulong)bodyLength);
    }

    /// <summary>Reads and checks the 32-byte header: magic, version, kind, (fingerprint).</summary>
    private static Header ReadHeader(Stream stream, SerializedKind expected, ReadOnlySpan<byte> expectedFingerprint, bool checkFingerprint)
    {
        string what = FormatConstants.Describe(expected);
        Span<byte> bytes = stackalloc byte[FormatConstants.HeaderSize];
        int got = 0;
        while (got < bytes.Length)
        {
            int read = stream.Read(bytes[got..]);
            if (read == 0)
            {
                throw new InvalidDataException(
                    $"Invalid serialized {what}: the stream is truncated: it ended after {got} of the {FormatConstants.HeaderSize} header bytes.");
            }

            got += read;
        }

        if (!bytes[..4].SequenceEqual(FormatConstants.Magic))
        {
            throw new InvalidDataException(
                $"Invalid serialized {what}: the magic bytes are {Convert.ToHexString(bytes[..4])}, not {Convert.ToHexString(FormatConstants.Magic)} (\"CKRS\"): this is not a CkksRns object.");
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != FormatConstants.Version)
        {
            throw new InvalidDataException(
                $"Invalid serialized {what}: format version {version} is not supported; this library reads version {FormatConstants.Version}" +
                (version < FormatConstants.Version ? " (older versions expanded seeds differently: save the object again with this version)." : "."));
        }

        var kind = (SerializedKind)bytes[6];
        if (kind != expected)
        {
            throw new InvalidDataException(
                $"Invalid serialized {what}: the object kind is {(byte)kind} ({FormatConstants.Describe(kind)}), expected {(byte)expected} ({what}).");
        }

        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
        var header = new Header(kind, bytes[7], bytes.Slice(8, FormatConstants.FingerprintSize).ToArray(),
            length > long.MaxValue ? long.MaxValue : (long)length);
        if (checkFingerprint && !header.Fingerprint.AsSpan().SequenceEqual(expectedFingerprint))
        {
            throw new InvalidDataException(
                $"Invalid serialized {what}: it was saved with other parameters (fingerprint {Convert.ToHexString(header.Fingerprint)}) " +
                $"than those of the given context (fingerprint {Convert.ToHexString(expectedFingerprint)}). Load it with a context of the parameters it was made with.");
        }

        return header;
    }

    private static void CheckFlags(Header header, SerializedKind kind, bool allowSeeded)
    {
        int allowed = allowSeeded ? FormatConstants.SeededFlag : 0;
        if ((header.Flags & ~allowed) != 0)
        {
            throw new InvalidDataException(
                $"Invalid serialized {FormatConstants.Describe(kind)}: the flags byte is 0x{header.Flags:X2}; " +
                (allowSeeded ? "only bit 0 (seeded) may be set." : "this kind has no flags, it must be 0."));
        }
    }

    /// <summary>Throws when the declared body length exceeds the largest the parameters allow for this kind.</summary>
    private static void CheckMaximum(Header header, SerializedKind kind, long max, string limit)
    {
        if (header.BodyLength > max)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"Invalid serialized {FormatConstants.Describe(kind)}: the declared body length {header.BodyLength} bytes exceeds the {max} bytes the parameters allow ({limit})."));
        }
    }

    private static void CheckExactLength(FormatReader reader, Header header, long expected, string shape)
    {
        if (header.BodyLength != expected)
        {
            throw reader.Invalid(string.Create(CultureInfo.InvariantCulture,
                $"the declared body length is {header.BodyLength} bytes, but {shape} take exactly {expected}"));
        }
    }

    /// <summary>The bytes of the first <paramref name="limbs"/> limbs of a polynomial of <paramref name="ring"/>.</summary>
    private static long PolyBytes(RnsContext ring, int limbs)
    {
        long perCoefficient = 0;
        for (int i = 0; i < limbs; i++)
        {
            perCoefficient += FormatConstants.ByteWidth(ring.ModuliArray[i].Value);
        }

        return perCoefficient * ring.N;
    }

    private readonly record struct Header(SerializedKind Kind, byte Flags, byte[] Fingerprint, long BodyLength)
    {
        public bool IsSeeded => (Flags & FormatConstants.SeededFlag) != 0;
    }
}
