using System.Buffers;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Ntt;
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
                RnsPoly uq = _pool.Rent(limbs, true), up = _poolP.Rent(special, true);
                sbyte[] ternary = ArrayPool<sbyte>.Shared.Rent(n);
                double[] ud = ArrayPool<double>.Shared.Rent(n);
                try
                {
                    // u in NTT form modulo every prime, each limb's transform reading the ternary values directly.
                    Span<sbyte> u = ternary.AsSpan(0, n);
                    new TernarySampler(system).Sample(u);
                    for (int j = 0; j < n; j++)
                    {
                        ud[j] = u[j];
                    }

                    u.Clear();
                    LimbParallel.For(Context.RingQ, limbs, 20L * n, new SmallNttAction(Context.RingQ.NttTablesArray, ud, uq));
                    LimbParallel.For(Context.RingP, special, 20L * n, new SmallNttAction(Context.RingP.NttTablesArray, ud, up));
                    ud.AsSpan(0, n).Clear();
                    gaussian.Sample(e);
                    EncryptComponent(uq, up, key.B, key.BP, e, c0, level, gaussian.Bound);
                    gaussian.Sample(e);
                    EncryptComponent(uq, up, key.A, key.AP, e, c1, level, gaussian.Bound);
                    uq.SetZero();
                    up.SetZero();
                }
                finally
                {
                    ArrayPool<sbyte>.Shared.Return(ternary);
                    ArrayPool<double>.Shared.Return(ud);
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
    /// <c>Q_ℓ·P</c>, with the error added in coefficient form so that it costs no transform: per limb
    /// <c>(u·key_Q - NTT(Conv_P→Q(x_P) - e))·P^-1</c>, the subtraction and product fused into the transform's last pass.
    /// </summary>
    private void EncryptComponent(RnsPoly uq, RnsPoly up, RnsPoly keyQ, RnsPoly keyP, ReadOnlySpan<int> e, RnsPoly destination, int level, int errorBound)
    {
        int limbs = level + 1, special = Context.Parameters.PCount, n = Context.N;
        SimdLevel simd = SimdCapabilities.Current;
        RnsPoly xp = _poolP.Rent(special, true), t = _pool.Rent(limbs, false);
        double[]? centred = null;
        try
        {
            // x_P = u·key_P + e in coefficient form (the error added straight from its small integers).
            LimbOps.Multiply(up, keyP, xp, special);
            xp.FromNtt();
            for (int j = 0; j < special; j++)
            {
                ElementwiseKernels.AddSmall(xp.LimbUnchecked(j), e, subtract: false, xp.LimbUnchecked(j), Context.RingP.ModuliArray[j], simd);
            }

            // t = Conv_P→Q(x_P) - e in coefficient form (or, with one special prime, its centred remainders minus e as one
            // signed copy when they are below twice every prime).
            if (special == 1)
            {
                Modulus p = Context.RingP.ModuliArray[0];
                if (SmallCorrectionFits(p, limbs, errorBound))
                {
                    centred = ArrayPool<double>.Shared.Rent(n);
                    ElementwiseKernels.CentredRemaindersMinusSmall(xp.LimbUnchecked(0), p.Value, e, centred.AsSpan(0, n), simd);
                }
                else
                {
                    // One special prime: the exact (centred) conversion is a centred reduction, fused with removing e.
                    for (int i = 0; i < limbs; i++)
                    {
                        ElementwiseKernels.ReduceCenteredSubtractSmall(xp.LimbUnchecked(0), p.Value, e, t.LimbUnchecked(i), Context.RingQ.ModuliArray[i], simd);
                    }
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

            LimbParallel.For(Context.RingQ, limbs, 26L * n, new ModDownAction(Context, uq, keyQ, t, centred, destination));
            xp.SetZero();
            t.SetZero();
            centred?.AsSpan(0, n).Clear();
        }
        finally
        {
            _poolP.Return(xp);
            _pool.Return(t);
            if (centred is not null)
            {
                ArrayPool<double>.Shared.Return(centred);
            }
        }
    }

    /// <summary>Whether centred remainders modulo <paramref name="p"/> minus an error of magnitude at most <paramref name="errorBound"/> stay below twice each of the first <paramref name="limbs"/> primes and below 2^51.</summary>
    private bool SmallCorrectionFits(Modulus p, int limbs, int errorBound)
    {
        ulong largest = (p.Value >> 1) + (ulong)errorBound;
        if (largest >= 1UL << 51)
        {
            return false;
        }

        for (int i = 0; i < limbs; i++)
        {
            if (largest >= 2 * Context.RingQ.ModuliArray[i].Value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>d_i = (u_i ⊙ key_i - NTT(t_i))·P^-1</c>, with <c>t_i</c> read from the shared signed copy when there is one.</summary>
    private readonly struct ModDownAction(CkksContext context, RnsPoly u, RnsPoly key, RnsPoly t, double[]? centred, RnsPoly d) : ILimbAction
    {
        public void Invoke(int i)
        {
            NttTables tables = context.RingQ.NttTablesArray[i];
            SimdLevel simd = SimdCapabilities.Current;
            Span<ulong> destination = d.LimbUnchecked(i), scratch = t.LimbUnchecked(i);
            ElementwiseKernels.Multiply(u.LimbUnchecked(i), key.LimbUnchecked(i), destination, context.RingQ.ModuliArray[i], simd);
            if (centred is not null)
            {
                tables.ForwardFromSmallIntegersSubtractMultiply(
                    centred.AsSpan(0, scratch.Length), scratch, destination, context.PInverseModQ[i], destination, simd, tables.Multiplication);
            }
            else
            {
                tables.ForwardSubtractMultiply(scratch, destination, context.PInverseModQ[i], destination, simd, tables.Multiplication);
            }
        }
    }

    /// <summary>Limb i of <paramref name="destination"/> = the NTT of the small integers <paramref name="values"/> modulo prime i.</summary>
    private readonly struct SmallNttAction(NttTables[] tables, double[] values, RnsPoly destination) : ILimbAction
    {
        public void Invoke(int i) => tables[i].ForwardFromSmallIntegers(values.AsSpan(0, destination.N), destination.LimbUnchecked(i));
    }

    /// <summary><c>z_i = z_i - x_i ⊙ y_i</c>.</summary>
    private readonly struct MultiplySubtractFromAction(RnsPoly x, RnsPoly y, RnsPoly z) : ILimbAction
    {
        public void Invoke(int i) => ElementwiseKernels.MultiplySubtractFrom(
            x.LimbUnchecked(i), y.LimbUnchecked(i), z.LimbUnchecked(i), z.LimbUnchecked(i), x.Context.ModuliArray[i], SimdCapabilities.Current);
    }
}
