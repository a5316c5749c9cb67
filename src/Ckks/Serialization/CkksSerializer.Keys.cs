using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Sampling;

namespace CkksRns.Ckks.Serialization;

public static partial class CkksSerializer
{
    private const int SwitchingKeyFixedSize = 4;
    private const int GaloisFixedSize = 8;
    private const int GaloisElementSize = 8;

    /// <summary>Writes <paramref name="publicKey"/> to <paramref name="stream"/>.</summary>
    /// <param name="publicKey">The public key.</param>
    /// <param name="stream">A writable stream.</param>
    /// <param name="compress">Whether to write the seeded form (<c>a</c> replaced by its 32-byte seed) when available.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static void Save(PublicKey publicKey, Stream stream, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        CheckWritable(stream);
        CkksContext context = publicKey.Context;
        bool seeded = compress && publicKey.Seed.Length == FormatConstants.SeedSize;
        using var writer = new FormatWriter(stream);
        WriteHeader(writer, SerializedKind.PublicKey, seeded ? FormatConstants.SeededFlag : (byte)0,
            ParameterEncoding.Fingerprint(context.Parameters), PublicKeyBytes(context, seeded));
        writer.WritePoly(publicKey.B, context.Parameters.QCount);
        writer.WritePoly(publicKey.BP, context.Parameters.PCount);
        if (seeded)
        {
            writer.WriteBytes(publicKey.Seed);
        }
        else
        {
            writer.WritePoly(publicKey.A, context.Parameters.QCount);
            writer.WritePoly(publicKey.AP, context.Parameters.PCount);
        }

        writer.Flush();
    }

    /// <summary>Reads a public key written by <see cref="Save(PublicKey, Stream, bool)"/> for <paramref name="context"/>'s parameters.</summary>
    /// <param name="context">The context of the parameters the key was made with.</param>
    /// <param name="stream">A readable stream positioned at the object.</param>
    /// <returns>The public key.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="InvalidDataException">The data is malformed, truncated, or made with other parameters.</exception>
    public static PublicKey LoadPublicKey(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        CheckReadable(stream);
        const SerializedKind Kind = SerializedKind.PublicKey;
        Header header = ReadHeader(stream, Kind, ParameterEncoding.Fingerprint(context.Parameters), checkFingerprint: true);
        CheckFlags(header, Kind, allowSeeded: true);
        CheckMaximum(header, Kind, PublicKeyBytes(context, seeded: false), "an unseeded public key");
        using var reader = new FormatReader(stream, header.BodyLength, FormatConstants.Describe(Kind), ReadBufferSize);
        CheckExactLength(reader, header, PublicKeyBytes(context, header.IsSeeded), header.IsSeeded ? "a seeded public key" : "a public key");
        int qCount = context.Parameters.QCount, pCount = context.Parameters.PCount;
        var b = new RnsPoly(context.RingQ, qCount, isNttForm: true);
        var bp = new RnsPoly(context.RingP, pCount, isNttForm: true);
        var a = new RnsPoly(context.RingQ, qCount, isNttForm: true);
        var ap = new RnsPoly(context.RingP, pCount, isNttForm: true);
        reader.ReadPoly(b, qCount, "b");
        reader.ReadPoly(bp, pCount, "b (special primes)");
        byte[] seed;
        if (header.IsSeeded)
        {
            seed = new byte[FormatConstants.SeedSize];
            reader.ReadBytes(seed);
            ExpandUniform(seed, 0, a, ap);
        }
        else
        {
            seed = [];
            reader.ReadPoly(a, qCount, "a");
            reader.ReadPoly(ap, pCount, "a (special primes)");
        }

        reader.ExpectEnd();
        return new PublicKey(context, b, a, bp, ap, seed);
    }

    /// <summary>Writes <paramref name="relinearizationKey"/> to <paramref name="stream"/> (one key-switching key per power of <c>s</c>).</summary>
    /// <param name="relinearizationKey">The key.</param>
    /// <param name="stream">A writable stream.</param>
    /// <param name="compress">Whether to write the seeded form (the <c>a_j</c> replaced by one 32-byte seed per power) when available.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static void Save(RelinearizationKey relinearizationKey, Stream stream, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(relinearizationKey);
        CheckWritable(stream);
        CkksContext context = relinearizationKey.Context;
        bool seeded = compress;
        foreach (KeySwitchingKey key in relinearizationKey.Keys)
        {
            seeded &= HasSeed(key);
        }

        using var writer = new FormatWriter(stream);
        WriteHeader(writer, SerializedKind.RelinearizationKey, seeded ? FormatConstants.SeededFlag : (byte)0,
            ParameterEncoding.Fingerprint(context.Parameters), relinearizationKey.Keys.Count * SwitchingKeyBytes(context, seeded));
        foreach (KeySwitchingKey key in relinearizationKey.Keys)
        {
            WriteSwitchingKey(writer, context, key, seeded);
        }

        writer.Flush();
    }

    /// <summary>Reads a relinearization key written by <see cref="Save(RelinearizationKey, Stream, bool)"/> for <paramref name="context"/>'s parameters.</summary>
    /// <param name="context">The context of the parameters the key was made with.</param>
    /// <param name="stream">A readable stream positioned at the object.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="InvalidDataException">The data is malformed, truncated, or made with other parameters.</exception>
    public static RelinearizationKey LoadRelinearizationKey(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        CheckReadable(stream);
        const SerializedKind Kind = SerializedKind.RelinearizationKey;
        const int MaxKeys = Ciphertext.MaxSize - 2;
        Header header = ReadHeader(stream, Kind, ParameterEncoding.Fingerprint(context.Parameters), checkFingerprint: true);
        CheckFlags(header, Kind, allowSeeded: true);
        CheckMaximum(header, Kind, MaxKeys * SwitchingKeyBytes(context, seeded: false), $"{MaxKeys} unseeded keys of {context.Parameters.Dnum} digits");
        using var reader = new FormatReader(stream, header.BodyLength, FormatConstants.Describe(Kind), ReadBufferSize);
        long perKey = SwitchingKeyBytes(context, header.IsSeeded);
        long count = Math.Clamp(header.BodyLength / perKey, 1, MaxKeys);
        CheckExactLength(reader, header, count * perKey,
            $"{count} {(header.IsSeeded ? "seeded" : "unseeded")} key{(count == 1 ? "" : "s")} of {context.Parameters.Dnum} digits (a body holds 1 to {MaxKeys} keys of {perKey} bytes)");
        var keys = new List<KeySwitchingKey>((int)count);
        for (int i = 0; i < count; i++)
        {
            keys.Add(ReadSwitchingKey(reader, context, header.IsSeeded));
        }

        reader.ExpectEnd();
        return new RelinearizationKey(context, keys);
    }

    /// <summary>Writes <paramref name="galoisKeys"/> to <paramref name="stream"/> (keys in increasing Galois element order).</summary>
    /// <param name="galoisKeys">The keys.</param>
    /// <param name="stream">A writable stream.</param>
    /// <param name="compress">Whether to write the seeded form (each key's <c>a_j</c> replaced by a 32-byte seed) when every key has one.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    public static void Save(GaloisKeys galoisKeys, Stream stream, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(galoisKeys);
        CheckWritable(stream);
        CkksContext context = galoisKeys.Context;
        bool seeded = compress;
        foreach (KeySwitchingKey key in galoisKeys.Keys.Values)
        {
            seeded &= HasSeed(key);
        }

        int count = galoisKeys.GaloisElements.Count;
        long body = GaloisFixedSize + count * (GaloisElementSize + SwitchingKeyBytes(context, seeded));
        using var writer = new FormatWriter(stream);
        WriteHeader(writer, SerializedKind.GaloisKeys, seeded ? FormatConstants.SeededFlag : (byte)0,
            ParameterEncoding.Fingerprint(context.Parameters), body);
        writer.WriteUInt32((uint)count);
        writer.WriteUInt32(0);
        foreach (long element in galoisKeys.GaloisElements)
        {
            writer.WriteUInt64((ulong)element);
            WriteSwitchingKey(writer, context, galoisKeys.Keys[element], seeded);
        }

        writer.Flush();
    }

    /// <summary>Reads Galois keys written by <see cref="Save(GaloisKeys, Stream, bool)"/> for <paramref name="context"/>'s parameters.</summary>
    /// <param name="context">The context of the parameters the keys were made with.</param>
    /// <param name="stream">A readable stream positioned at the object.</param>
    /// <returns>The keys.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="InvalidDataException">
    /// The data is malformed, truncated, or made with other parameters; a Galois element is even, out of <c>[3, 2N)</c>,
    /// or not in strictly increasing order.
    /// </exception>
    public static GaloisKeys LoadGaloisKeys(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        CheckReadable(stream);
        const SerializedKind Kind = SerializedKind.GaloisKeys;
        Header header = ReadHeader(stream, Kind, ParameterEncoding.Fingerprint(context.Parameters), checkFingerprint: true);
        CheckFlags(header, Kind, allowSeeded: true);
        int n = context.N;
        long maxCount = n - 1; // odd elements in [3, 2N)
        long perKey = GaloisElementSize + SwitchingKeyBytes(context, header.IsSeeded);
        CheckMaximum(header, Kind, GaloisFixedSize + maxCount * (GaloisElementSize + SwitchingKeyBytes(context, seeded: false)),
            $"{maxCount} unseeded keys, one per Galois element");
        using var reader = new FormatReader(stream, header.BodyLength, FormatConstants.Describe(Kind), ReadBufferSize);
        uint count = reader.ReadUInt32();
        reader.ExpectZero((int)reader.ReadUInt32(), "at bytes 4-7");
        if (count > maxCount)
        {
            throw reader.Invalid($"the key count {count} exceeds the {maxCount} distinct Galois elements of N = {n}");
        }

        CheckExactLength(reader, header, GaloisFixedSize + count * perKey,
            $"{count} {(header.IsSeeded ? "seeded" : "unseeded")} keys");
        var keys = new Dictionary<long, KeySwitchingKey>((int)count);
        long previous = 1, twoN = 2L * n;
        for (int i = 0; i < count; i++)
        {
            ulong element = reader.ReadUInt64();
            if (element >= (ulong)twoN || (element & 1) == 0 || (long)element <= previous)
            {
                throw reader.Invalid(string.Create(CultureInfo.InvariantCulture,
                    $"Galois element {i} is {element}; elements must be odd, in [3, 2N = {twoN}), and strictly increasing (the previous is {previous})"));
            }

            previous = (long)element;
            keys.Add(previous, ReadSwitchingKey(reader, context, header.IsSeeded));
        }

        reader.ExpectEnd();
        return new GaloisKeys(context, keys);
    }

    /// <summary>
    /// Writes the secret key to <paramref name="stream"/>: its <c>N</c> ternary coefficients, 2 bits each. Whoever reads
    /// the result can decrypt everything encrypted under the key; store it as you would a private key.
    /// </summary>
    /// <param name="secretKey">The secret key.</param>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="secretKey"/> has been disposed.</exception>
    /// <exception cref="InvalidOperationException">The key is not ternary (it was not made by <see cref="KeyGenerator"/>).</exception>
    public static void SaveSecretKey(SecretKey secretKey, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
        CheckWritable(stream);
        CkksContext context = secretKey.Context;
        int n = context.N;
        var limb = new RnsPoly(context.RingQ, 1, isNttForm: true);
        byte[] packed = ArrayPool<byte>.Shared.Rent(n / 4);
        try
        {
            secretKey.Q.LimbUnchecked(0).CopyTo(limb.LimbUnchecked(0));
            limb.FromNtt();
            ulong q = context.RingQ.ModuliArray[0].Value;
            Span<ulong> s = limb.LimbUnchecked(0);
            Span<byte> codes = packed.AsSpan(0, n / 4);
            codes.Clear();
            for (int j = 0; j < n; j++)
            {
                ulong v = s[j];
                int code = v == 0 ? 0 : v == 1 ? 1 : v == q - 1 ? 2 : -1;
                if (code < 0)
                {
                    throw new InvalidOperationException($"The secret key is not ternary (coefficient {j} is not -1, 0 or 1); it cannot be saved in this format.");
                }

                codes[j >> 2] |= (byte)(code << (2 * (j & 3)));
            }

            using var writer = new FormatWriter(stream);
            WriteHeader(writer, SerializedKind.SecretKey, 0, ParameterEncoding.Fingerprint(context.Parameters), n / 4);
            writer.WriteBytes(codes);
            writer.Flush();
        }
        finally
        {
            Wipe(limb);
            CryptographicOperations.ZeroMemory(packed);
            ArrayPool<byte>.Shared.Return(packed);
        }
    }

    /// <summary>Reads a secret key written by <see cref="SaveSecretKey(SecretKey, Stream)"/> for <paramref name="context"/>'s parameters.</summary>
    /// <param name="context">The context of the parameters the key was made with.</param>
    /// <param name="stream">A readable stream positioned at the object.</param>
    /// <returns>The secret key; dispose it when done.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="InvalidDataException">The data is malformed (a 2-bit code of 3), truncated, or made with other parameters.</exception>
    public static SecretKey LoadSecretKey(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        CheckReadable(stream);
        const SerializedKind Kind = SerializedKind.SecretKey;
        Header header = ReadHeader(stream, Kind, ParameterEncoding.Fingerprint(context.Parameters), checkFingerprint: true);
        CheckFlags(header, Kind, allowSeeded: false);
        int n = context.N;
        CheckMaximum(header, Kind, n / 4, $"N = {n} coefficients of 2 bits");
        using var reader = new FormatReader(stream, header.BodyLength, FormatConstants.Describe(Kind), ReadBufferSize);
        CheckExactLength(reader, header, n / 4, $"N = {n} coefficients of 2 bits");
        byte[] packed = ArrayPool<byte>.Shared.Rent(n / 4);
        sbyte[] coefficients = ArrayPool<sbyte>.Shared.Rent(n);
        try
        {
            Span<byte> codes = packed.AsSpan(0, n / 4);
            reader.ReadBytes(codes);
            reader.ExpectEnd();
            Span<sbyte> s = coefficients.AsSpan(0, n);
            for (int j = 0; j < n; j++)
            {
                int code = (codes[j >> 2] >> (2 * (j & 3))) & 3;
                if (code == 3)
                {
                    throw reader.Invalid($"coefficient {j} has the code 3; only 0 (0), 1 (+1) and 2 (-1) are defined");
                }

                s[j] = (sbyte)(code == 2 ? -1 : code);
            }

            var q = new RnsPoly(context.RingQ, context.Parameters.QCount);
            var p = new RnsPoly(context.RingP, context.Parameters.PCount);
            SmallIntegers.Write(s, q);
            SmallIntegers.Write(s, p);
            q.ToNtt();
            p.ToNtt();
            return new SecretKey(context, q, p);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(packed);
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(coefficients.AsSpan()));
            ArrayPool<byte>.Shared.Return(packed);
            ArrayPool<sbyte>.Shared.Return(coefficients);
        }
    }

    private static long PublicKeyBytes(CkksContext context, bool seeded)
    {
        long polys = PolyBytes(context.RingQ, context.Parameters.QCount) + PolyBytes(context.RingP, context.Parameters.PCount);
        return seeded ? polys + FormatConstants.SeedSize : 2 * polys;
    }

    private static long SwitchingKeyBytes(CkksContext context, bool seeded)
    {
        long polys = context.Parameters.Dnum *
            (PolyBytes(context.RingQ, context.Parameters.QCount) + PolyBytes(context.RingP, context.Parameters.PCount));
        return SwitchingKeyFixedSize + (seeded ? polys + FormatConstants.SeedSize : 2 * polys);
    }

    private static bool HasSeed(KeySwitchingKey key) => key.Seed.Length == FormatConstants.SeedSize;

    private static void WriteSwitchingKey(FormatWriter writer, CkksContext context, KeySwitchingKey key, bool seeded)
    {
        int qCount = context.Parameters.QCount, pCount = context.Parameters.PCount;
        writer.WriteUInt16((ushort)key.DigitCount);
        writer.WriteUInt16(0);
        for (int j = 0; j < key.DigitCount; j++)
        {
            writer.WritePoly(key.BQ(j), qCount);
            writer.WritePoly(key.BP(j), pCount);
        }

        if (seeded)
        {
            writer.WriteBytes(key.Seed);
            return;
        }

        for (int j = 0; j < key.DigitCount; j++)
        {
            writer.WritePoly(key.AQ(j), qCount);
            writer.WritePoly(key.AP(j), pCount);
        }
    }

    private static KeySwitchingKey ReadSwitchingKey(FormatReader reader, CkksContext context, bool seeded)
    {
        int qCount = context.Parameters.QCount, pCount = context.Parameters.PCount, dnum = context.Parameters.Dnum;
        int digits = reader.ReadUInt16();
        reader.ExpectZero(reader.ReadUInt16(), "after the digit count");
        if (digits != dnum)
        {
            throw reader.Invalid($"the key has {digits} digits; the parameters have dnum = {dnum}");
        }

        var bq = new RnsPoly[dnum];
        var bp = new RnsPoly[dnum];
        var aq = new RnsPoly[dnum];
        var ap = new RnsPoly[dnum];
        for (int j = 0; j < dnum; j++)
        {
            bq[j] = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            bp[j] = new RnsPoly(context.RingP, pCount, isNttForm: true);
            aq[j] = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            ap[j] = new RnsPoly(context.RingP, pCount, isNttForm: true);
            reader.ReadPoly(bq[j], qCount, $"b_{j}");
            reader.ReadPoly(bp[j], pCount, $"b_{j} (special primes)");
        }

        byte[] seed;
        if (seeded)
        {
            seed = new byte[FormatConstants.SeedSize];
            reader.ReadBytes(seed);
            for (int j = 0; j < dnum; j++)
            {
                ExpandUniform(seed, (ulong)j, aq[j], ap[j]);
            }
        }
        else
        {
            seed = [];
            for (int j = 0; j < dnum; j++)
            {
                reader.ReadPoly(aq[j], qCount, $"a_{j}");
                reader.ReadPoly(ap[j], pCount, $"a_{j} (special primes)");
            }
        }

        return new KeySwitchingKey(bq, bp, aq, ap, seed);
    }

    private static void Wipe(RnsPoly poly) => CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(poly.Buffer.AsSpan()));
}
