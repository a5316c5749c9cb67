using System.Buffers;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Sampling;

namespace CkksRns.Ckks;

/// <summary>
/// Encrypts plaintexts with a public key (<c>c = (u·b + e_0 + m, u·a + e_1)</c>) or with the secret key
/// (<c>c = (-a·s + e + m, a)</c>, <c>a</c> expanded from a fresh 32-byte seed so the ciphertext can be stored
/// compressed).
/// </summary>
/// <remarks>
/// The ciphertext takes the plaintext's level and scale. <c>u</c> is uniform ternary, errors are Gaussian with
/// <c>σ = 3.2</c>, all from the operating system's CSPRNG. An encryptor is thread-safe.
/// </remarks>
public sealed class Encryptor
{
    private readonly PublicKey? _publicKey;
    private readonly SecretKey? _secretKey;
    private readonly PolyPool _pool;
    private readonly PolyPool _poolP;

    /// <summary>Creates a public-key encryptor.</summary>
    /// <param name="context">The CKKS context.</param>
    /// <param name="publicKey">The public key.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="publicKey"/> belongs to another context.</exception>
    public Encryptor(CkksContext context, PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(publicKey);
        context.CheckSame(publicKey.Context, nameof(publicKey));
        Context = context;
        _publicKey = publicKey;
        _pool = new PolyPool(context.RingQ);
        _poolP = new PolyPool(context.RingP);
    }

    /// <summary>Creates a secret-key (symmetric) encryptor; its fresh ciphertexts are seeded (compressible).</summary>
    /// <param name="context">The CKKS context.</param>
    /// <param name="secretKey">The secret key.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="secretKey"/> belongs to another context.</exception>
    public Encryptor(CkksContext context, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secretKey);
        context.CheckSame(secretKey.Context, nameof(secretKey));
        Context = context;
        _secretKey = secretKey;
        _pool = new PolyPool(context.RingQ);
        _poolP = new PolyPool(context.RingP);
    }

    /// <summary>The context.</summary>
    public CkksContext Context { get; }

    /// <summary>Whether this encryptor uses the secret key.</summary>
    public bool IsSymmetric => _secretKey is not null;

    /// <summary>Encrypts <paramref name="plaintext"/>.</summary>
    /// <param name="plaintext">The plaintext.</param>
    /// <returns>A fresh ciphertext at the plaintext's level and scale.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="plaintext"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="plaintext"/> belongs to another context.</exception>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public Ciphertext Encrypt(Plaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var ciphertext = new Ciphertext(Context, 2, plaintext.Level, plaintext.Scale);
        Encrypt(plaintext, ciphertext);
        return ciphertext;
    }

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="destination"/>.</summary>
    /// <param name="plaintext">The plaintext.</param>
    /// <param name="destination">The ciphertext to overwrite.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context.</exception>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public void Encrypt(Plaintext plaintext, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        Context.CheckSame(plaintext.Context, nameof(plaintext));
        Context.CheckSame(destination.Context, nameof(destination));
        EncryptZero(plaintext.Level, plaintext.Scale, destination);
        LimbOps.Add(destination[0], plaintext.Poly, destination[0], plaintext.Level + 1);
    }

    /// <summary>Encrypts zero at <paramref name="level"/> with scale <paramref name="scale"/> into <paramref name="destination"/>.</summary>
    /// <param name="level">The level, in <c>[0, L]</c>.</param>
    /// <param name="scale">The scale to record, finite and positive.</param>
    /// <param name="destination">The ciphertext to overwrite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The level or scale is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> belongs to another context.</exception>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public void EncryptZero(int level, double scale, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Context.CheckSame(destination.Context, nameof(destination));
        Context.CheckLevel(level, nameof(level));
        CkksContext.CheckScale(scale, nameof(scale));
        int limbs = level + 1, n = Context.N;
        destination.Reshape(2, level, scale);
        RnsPoly c0 = destination[0], c1 = destination[1];
        int[] small = ArrayPool<int>.Shared.Rent(n);
        try
        {
            using RandomSource system = RandomSource.CreateSystem();
            var gaussian = new GaussianSampler(system);
            Span<int> e = small.AsSpan(0, n);
            if (_secretKey is { } secretKey)
            {
                // c1 = a (uniform, from a fresh seed, directly in NTT form); c0 = e - a·s.
                RnsPoly s = secretKey.Q;
                byte[] seed = RandomSource.CreateSeed();
                using (RandomSource uniform = RandomSource.FromSeed(seed))
                {
                    new UniformSampler(uniform).Sample(c1);
                }

                gaussian.Sample(e);
                SmallIntegers.Write(e, c0);
                c0.ToNtt();
                LimbParallel.For(Context.RingQ, limbs, 4L * n, new MultiplySubtractFromAction(c1, s, c0));

                destination.Seed = seed;
            }
            else
            {
                // Modulo Q·P: (u·b + e0, u·a + e1); then divide by P (ModDown), which leaves only rounding noise.
                PublicKey key = _publicKey!;
                int special = Context.Parameters.PCount;
                RnsPoly uq = _pool.Rent(limbs, false), up = _poolP.Rent(special, false);
                sbyte[] ternary = ArrayPool<sbyte>.Shared.Rent(n);
                try
                {
                    Span<sbyte> u = ternary.AsSpan(0, n);
                    new TernarySampler(system).Sample(u);
                    SmallIntegers.Write(u, uq);
                    SmallIntegers.Write(u, up);
                    u.Clear();
                    uq.ToNtt();
                    up.ToNtt();
                    gaussian.Sample(e);
                    EncryptComponent(uq, up, key.B, key.BP, e, c0, level);
                    gaussian.Sample(e);
                    EncryptComponent(uq, up, key.A, key.AP, e, c1, level);
                    uq.SetZero();
                    up.SetZero();
                }
                finally
                {
                    ArrayPool<sbyte>.Shared.Return(ternary);
                    _pool.Return(uq);
                    _poolP.Return(up);
                }
            }
        }
        finally
        {
            small.AsSpan(0, n).Clear();
            ArrayPool<int>.Shared.Return(small);
        }
    }

    /// <summary>
    /// <c>destination = round((u·key + e) / P)</c> modulo <c>Q_ℓ</c>, NTT form: ModDown of <c>u·key + e</c> from
    /// <c>Q_ℓ·P</c>, with the error added in coefficient form so that it costs no transform.
    /// </summary>
    private void EncryptComponent(RnsPoly uq, RnsPoly up, RnsPoly keyQ, RnsPoly keyP, ReadOnlySpan<int> e, RnsPoly destination, int level)
    {
        int limbs = level + 1, special = Context.Parameters.PCount, n = Context.N;
        SimdLevel simd = SimdCapabilities.Current;
        RnsPoly xp = _poolP.Rent(special, true), t = _pool.Rent(limbs, false);
        try
        {
            // x_P = u·key_P + e in coefficient form (the error added straight from its small integers).
            LimbOps.Multiply(up, keyP, xp, special);
            xp.FromNtt();
            for (int j = 0; j < special; j++)
            {
                ElementwiseKernels.AddSmall(xp.LimbUnchecked(j), e, subtract: false, xp.LimbUnchecked(j), Context.RingP.ModuliArray[j], simd);
            }

            // t = NTT(Conv_P→Q(x_P) - e); destination = (u·key_Q - t)·P^-1, one fused pass per limb.
            if (special == 1)
            {
                // One special prime: the exact (centred) conversion is a centred reduction, fused with removing e.
                ulong p = Context.RingP.ModuliArray[0].Value;
                for (int i = 0; i < limbs; i++)
                {
                    ElementwiseKernels.ReduceCenteredSubtractSmall(xp.LimbUnchecked(0), p, e, t.LimbUnchecked(i), Context.RingQ.ModuliArray[i], simd);
                }
            }
            else
            {
                Context.ModDownConverter(level).Convert(
                    xp.Buffer.AsSpan(0, special * n), t.Buffer.AsSpan(0, limbs * n), exact: true, Context.MaxDegreeOfParallelism);
                for (int i = 0; i < limbs; i++)
                {
                    ElementwiseKernels.AddSmall(t.LimbUnchecked(i), e, subtract: true, t.LimbUnchecked(i), Context.RingQ.ModuliArray[i], simd);
                }
            }

            LimbOps.ToNtt(t, limbs);
            LimbParallel.For(Context.RingQ, limbs, 6L * n, new ModDownAction(Context, uq, keyQ, t, destination));
            xp.SetZero();
            t.SetZero();
        }
        finally
        {
            _poolP.Return(xp);
            _pool.Return(t);
        }
    }

    /// <summary><c>d_i = (u_i ⊙ key_i - t_i)·P^-1</c>.</summary>
    private readonly struct ModDownAction(CkksContext context, RnsPoly u, RnsPoly key, RnsPoly t, RnsPoly d) : ILimbAction
    {
        public void Invoke(int i) => ElementwiseKernels.MultiplySubtractMultiplyShoup(
            u.LimbUnchecked(i), key.LimbUnchecked(i), t.LimbUnchecked(i), context.PInverseModQ[i], d.LimbUnchecked(i),
            context.RingQ.ModuliArray[i], SimdCapabilities.Current);
    }

    /// <summary><c>z_i = z_i - x_i ⊙ y_i</c>.</summary>
    private readonly struct MultiplySubtractFromAction(RnsPoly x, RnsPoly y, RnsPoly z) : ILimbAction
    {
        public void Invoke(int i) => ElementwiseKernels.MultiplySubtractFrom(
            x.LimbUnchecked(i), y.LimbUnchecked(i), z.LimbUnchecked(i), z.LimbUnchecked(i), x.Context.ModuliArray[i], SimdCapabilities.Current);
    }
}
