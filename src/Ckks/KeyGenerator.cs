using System.Buffers;
using System.Numerics;
using System.Security.Cryptography;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Sampling;

namespace CkksRns.Ckks;

/// <summary>
/// Creates a secret key (or takes an existing one) and derives the public key and the evaluation keys
/// (relinearization and Galois keys) from it.
/// </summary>
/// <remarks>
/// <para>
/// Secrets and errors come from the operating system's CSPRNG. Uniform polynomials of public objects are expanded with
/// AES-256 in counter mode from a fresh 32-byte seed kept with the object, so that keys can be stored in a compressed form.
/// </para>
/// <para>
/// Key switching is hybrid: each key holds one component per digit of <see cref="CkksParameters.DigitSize"/>
/// consecutive data primes, modulo <c>Q·P</c> (<see href="https://eprint.iacr.org/2018/1073">Han–Ki 2020</see>).
/// </para>
/// </remarks>
public sealed class KeyGenerator
{
    private readonly CkksContext _context;

    /// <summary>Creates a generator with a fresh secret key.</summary>
    /// <param name="context">The CKKS context.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public KeyGenerator(CkksContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        SecretKey = CreateSecretKey(context);
    }

    /// <summary>Creates a generator for an existing secret key.</summary>
    /// <param name="context">The CKKS context.</param>
    /// <param name="secretKey">The secret key, of the same context.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="secretKey"/> belongs to another context.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="secretKey"/> has been disposed.</exception>
    public KeyGenerator(CkksContext context, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secretKey);
        context.CheckSame(secretKey.Context, nameof(secretKey));
        ObjectDisposedException.ThrowIf(secretKey.IsDisposed, secretKey);
        _context = context;
        SecretKey = secretKey;
    }

    /// <summary>The secret key. The caller owns it and should dispose it when done.</summary>
    public SecretKey SecretKey { get; }

    /// <summary>Creates a public key <c>(-a·s + e, a)</c>.</summary>
    /// <returns>The public key.</returns>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public PublicKey CreatePublicKey()
    {
        int limbs = _context.Parameters.QCount, special = _context.Parameters.PCount, n = _context.N;
        byte[] seed = RandomSource.CreateSeed();
        var a = new RnsPoly(_context.RingQ, limbs, isNttForm: true);
        var ap = new RnsPoly(_context.RingP, special, isNttForm: true);
        using (RandomSource source = RandomSource.FromSeed(seed))
        {
            var uniform = new UniformSampler(source);
            uniform.Sample(a);
            uniform.Sample(ap);
        }

        var b = new RnsPoly(_context.RingQ, limbs);
        var bp = new RnsPoly(_context.RingP, special);
        int[] errors = ArrayPool<int>.Shared.Rent(n);
        try
        {
            using RandomSource errorSource = RandomSource.CreateSystem();
            Span<int> e = errors.AsSpan(0, n);
            new GaussianSampler(errorSource).Sample(e);
            SmallIntegers.Write(e, b);
            SmallIntegers.Write(e, bp);
        }
        finally
        {
            errors.AsSpan(0, n).Clear();
            ArrayPool<int>.Shared.Return(errors);
        }

        b.ToNtt();
        bp.ToNtt();
        var product = new RnsPoly(_context.RingQ, limbs, isNttForm: true);
        RnsPoly.MultiplyPointwise(a, SecretKey.Q, product);
        RnsPoly.Subtract(b, product, b);
        var productP = new RnsPoly(_context.RingP, special, isNttForm: true);
        RnsPoly.MultiplyPointwise(ap, SecretKey.P, productP);
        RnsPoly.Subtract(bp, productP, bp);
        Wipe(product);
        Wipe(productP);
        return new PublicKey(_context, b, a, bp, ap, seed);
    }

    /// <summary>Creates the relinearization key: a key-switching key from <c>s²</c> to <c>s</c>.</summary>
    /// <returns>The key (it relinearizes ciphertexts of size 3).</returns>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public RelinearizationKey CreateRelinearizationKey() => CreateRelinearizationKey(3);

    /// <summary>
    /// Creates a relinearization key for ciphertexts of up to <paramref name="maxCiphertextSize"/> polynomials:
    /// key-switching keys from <c>s²</c>, …, <c>s^(maxCiphertextSize−1)</c> to <c>s</c>. Size 4 arises when a size-3
    /// product is multiplied by a size-2 ciphertext before relinearizing (one key switch of each kind then replaces a
    /// relinearization per factor); each extra power costs one more key-switching key of memory and transfer.
    /// </summary>
    /// <param name="maxCiphertextSize">3 (the key from <c>s²</c> only) to <see cref="Ciphertext.MaxSize"/>.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCiphertextSize"/> is not between 3 and <see cref="Ciphertext.MaxSize"/>.</exception>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public RelinearizationKey CreateRelinearizationKey(int maxCiphertextSize)
    {
        if (maxCiphertextSize is < 3 or > Ciphertext.MaxSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxCiphertextSize), maxCiphertextSize, $"A relinearization key covers ciphertexts of size 3 to {Ciphertext.MaxSize}.");
        }

        var power = new RnsPoly(_context.RingQ, _context.Parameters.QCount, isNttForm: true);
        var keys = new List<KeySwitchingKey>(maxCiphertextSize - 2);
        try
        {
            RnsPoly.MultiplyPointwise(SecretKey.Q, SecretKey.Q, power);
            keys.Add(CreateSwitchingKey(power));
            for (int size = 4; size <= maxCiphertextSize; size++)
            {
                RnsPoly.MultiplyPointwise(power, SecretKey.Q, power);
                keys.Add(CreateSwitchingKey(power));
            }

            return new RelinearizationKey(_context, keys);
        }
        finally
        {
            Wipe(power);
        }
    }

    /// <summary>
    /// Creates Galois keys for the default set: rotations by <c>±2^i</c> slots for <c>i = 0 .. log2(N/2) - 1</c>, and
    /// complex conjugation. Any rotation can be composed from them (at most <c>log2(N/2)</c> key switches).
    /// </summary>
    /// <returns>The keys.</returns>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public GaloisKeys CreateGaloisKeys() => CreateGaloisKeys(DefaultRotationSteps(_context), includeConjugation: true);

    /// <summary>Creates Galois keys for rotations by the given steps (left when positive), and optionally conjugation.</summary>
    /// <param name="steps">The rotation steps; taken modulo <c>N/2</c>; a step of 0 needs no key and is skipped.</param>
    /// <param name="includeConjugation">Whether to add the conjugation key.</param>
    /// <returns>The keys.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="steps"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public GaloisKeys CreateGaloisKeys(IEnumerable<int> steps, bool includeConjugation = false)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var elements = new List<long>();
        foreach (int step in steps)
        {
            elements.Add(_context.GaloisElementForRotation(step));
        }

        if (includeConjugation)
        {
            elements.Add(_context.ConjugationGaloisElement);
        }

        return CreateGaloisKeysForElements(elements);
    }

    /// <summary>Creates Galois keys for the given Galois elements (odd, taken modulo <c>2N</c>; 1 needs no key and is skipped).</summary>
    /// <param name="galoisElements">The elements.</param>
    /// <returns>The keys.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="galoisElements"/> is null.</exception>
    /// <exception cref="ArgumentException">An element is even.</exception>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public GaloisKeys CreateGaloisKeysForElements(IEnumerable<long> galoisElements)
    {
        ArgumentNullException.ThrowIfNull(galoisElements);
        long twoN = 2L * _context.N;
        var keys = new Dictionary<long, KeySwitchingKey>();
        var rotatedQ = new RnsPoly(_context.RingQ, _context.Parameters.QCount, isNttForm: true);
        var rotatedP = new RnsPoly(_context.RingP, _context.Parameters.PCount, isNttForm: true);
        try
        {
            foreach (long element in galoisElements)
            {
                long g = ((element % twoN) + twoN) % twoN;
                if ((g & 1) == 0)
                {
                    throw new ArgumentException($"The Galois element {element} is even; Galois elements must be odd.", nameof(galoisElements));
                }

                if (g == 1 || keys.ContainsKey(g))
                {
                    continue;
                }

                // The key for σ_g is stored pre-permuted by σ_g⁻¹: it switches s to σ_g⁻¹(s). Applied to the unpermuted
                // decomposition of c_1, it gives (u_0, u_1) with u_0 + u_1·σ_g⁻¹(s) ≈ c_1·s, so σ_g(u_0) + σ_g(u_1)·s ≈
                // σ_g(c_1)·σ_g(s): a rotation permutes its two output polynomials instead of every extended digit.
                long inverse = InverseGaloisElement(g, twoN);
                RnsPoly.Automorphism(SecretKey.Q, inverse, rotatedQ);
                RnsPoly.Automorphism(SecretKey.P, inverse, rotatedP);
                keys.Add(g, CreateSwitchingKey(SecretKey.Q, rotatedQ, rotatedP));
            }
        }
        finally
        {
            Wipe(rotatedQ);
            Wipe(rotatedP);
        }

        return new GaloisKeys(_context, keys);
    }

    /// <summary>The inverse of the odd <paramref name="g"/> modulo the power of two <paramref name="twoN"/> (Newton's iteration).</summary>
    internal static long InverseGaloisElement(long g, long twoN)
    {
        ulong x = (ulong)g;
        for (int i = 0; i < 6; i++)
        {
            x *= 2 - ((ulong)g * x); // each step doubles the number of correct low bits (g·g ≡ 1 mod 8 to start)
        }

        return (long)(x & (ulong)(twoN - 1));
    }

    /// <summary>The default rotation steps: <c>±2^i</c> for <c>i = 0 .. log2(N/2) - 1</c>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The steps.</returns>
    internal static int[] DefaultRotationSteps(CkksContext context)
    {
        int logSlots = BitOperations.Log2((uint)context.Parameters.Slots);
        var steps = new List<int>();
        for (int i = 0; i < logSlots; i++)
        {
            steps.Add(1 << i);
            steps.Add(-(1 << i));
        }

        return [.. steps];
    }

    /// <summary>Creates the key-switching key from <paramref name="target"/> (<c>s'</c> on the data primes, NTT form) to <c>s</c>.</summary>
    internal KeySwitchingKey CreateSwitchingKey(RnsPoly target) => CreateSwitchingKey(target, SecretKey.Q, SecretKey.P);

    /// <summary>
    /// Creates the key-switching key from <paramref name="target"/> (<c>s'</c> on the data primes, NTT form) to the
    /// secret <c>z</c> given by <paramref name="keyQ"/> and <paramref name="keyP"/> (NTT form, all data and special primes).
    /// </summary>
    internal KeySwitchingKey CreateSwitchingKey(RnsPoly target, RnsPoly keyQ, RnsPoly keyP)
    {
        CkksParameters parameters = _context.Parameters;
        int qLimbs = parameters.QCount, pLimbs = parameters.PCount, digits = parameters.Dnum, n = parameters.N;
        byte[] seed = RandomSource.CreateSeed();
        var bq = new RnsPoly[digits];
        var bp = new RnsPoly[digits];
        var aq = new RnsPoly[digits];
        var ap = new RnsPoly[digits];
        int[] errors = ArrayPool<int>.Shared.Rent(n);
        var productQ = new RnsPoly(_context.RingQ, qLimbs, isNttForm: true);
        var productP = new RnsPoly(_context.RingP, pLimbs, isNttForm: true);
        ReadOnlySpan<ulong> pModQ = _context.PModQ;
        try
        {
            using RandomSource errorSource = RandomSource.CreateSystem();
            var gaussian = new GaussianSampler(errorSource);
            for (int j = 0; j < digits; j++)
            {
                aq[j] = new RnsPoly(_context.RingQ, qLimbs, isNttForm: true);
                ap[j] = new RnsPoly(_context.RingP, pLimbs, isNttForm: true);
                using (RandomSource uniformSource = RandomSource.FromSeed(seed, (ulong)j))
                {
                    var uniform = new UniformSampler(uniformSource);
                    uniform.Sample(aq[j]);
                    uniform.Sample(ap[j]);
                }

                // b_j = e_j - a_j·z (+ P·s' on the digit's primes).
                Span<int> e = errors.AsSpan(0, n);
                gaussian.Sample(e);
                bq[j] = new RnsPoly(_context.RingQ, qLimbs);
                bp[j] = new RnsPoly(_context.RingP, pLimbs);
                SmallIntegers.Write(e, bq[j]);
                SmallIntegers.Write(e, bp[j]);
                bq[j].ToNtt();
                bp[j].ToNtt();
                RnsPoly.MultiplyPointwise(aq[j], keyQ, productQ);
                RnsPoly.Subtract(bq[j], productQ, bq[j]);
                RnsPoly.MultiplyPointwise(ap[j], keyP, productP);
                RnsPoly.Subtract(bp[j], productP, bp[j]);

                int start = j * parameters.DigitSize, end = Math.Min(qLimbs, start + parameters.DigitSize);
                for (int i = start; i < end; i++)
                {
                    Modulus q = _context.RingQ.ModuliArray[i];
                    ElementwiseKernels.MultiplyShoupAccumulate(
                        target.LimbUnchecked(i), q.CreateShoupOperand(pModQ[i]), bq[j].LimbUnchecked(i), q);
                }
            }
        }
        finally
        {
            errors.AsSpan(0, n).Clear();
            ArrayPool<int>.Shared.Return(errors);
            Wipe(productQ);
            Wipe(productP);
        }

        return new KeySwitchingKey(bq, bp, aq, ap, seed);
    }

    private static SecretKey CreateSecretKey(CkksContext context)
    {
        int n = context.N;
        sbyte[] coefficients = ArrayPool<sbyte>.Shared.Rent(n);
        try
        {
            Span<sbyte> s = coefficients.AsSpan(0, n);
            using (RandomSource source = RandomSource.CreateSystem())
            {
                new TernarySampler(source).Sample(s);
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
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(coefficients.AsSpan(0, n)));
            ArrayPool<sbyte>.Shared.Return(coefficients);
        }
    }

    private static void Wipe(RnsPoly poly) =>
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(poly.Buffer.AsSpan()));
}
