using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>Decrypts ciphertexts with the secret key: <c>m = c_0 + c_1·s (+ c_2·s² + c_3·s³)</c>.</summary>
/// <remarks>The plaintext takes the ciphertext's level and scale. A decryptor is thread-safe.</remarks>
public sealed class Decryptor
{
    private readonly SecretKey _secretKey;
    private readonly PolyPool _pool;

    /// <summary>Creates a decryptor.</summary>
    /// <param name="context">The CKKS context.</param>
    /// <param name="secretKey">The secret key.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="secretKey"/> belongs to another context.</exception>
    public Decryptor(CkksContext context, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secretKey);
        context.CheckSame(secretKey.Context, nameof(secretKey));
        Context = context;
        _secretKey = secretKey;
        _pool = new PolyPool(context.RingQ);
    }

    /// <summary>The context.</summary>
    public CkksContext Context { get; }

    /// <summary>Decrypts <paramref name="ciphertext"/>.</summary>
    /// <param name="ciphertext">A ciphertext of size 2 to <see cref="Ciphertext.MaxSize"/>.</param>
    /// <returns>The plaintext, at the ciphertext's level and scale.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="ciphertext"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="ciphertext"/> belongs to another context.</exception>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public Plaintext Decrypt(Ciphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        var plaintext = new Plaintext(Context, ciphertext.Level, ciphertext.Scale);
        Decrypt(ciphertext, plaintext);
        return plaintext;
    }

    /// <summary>Decrypts <paramref name="ciphertext"/> into <paramref name="destination"/>.</summary>
    /// <param name="ciphertext">A ciphertext of size 2 to <see cref="Ciphertext.MaxSize"/>.</param>
    /// <param name="destination">The plaintext to overwrite.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context.</exception>
    /// <exception cref="ObjectDisposedException">The secret key has been disposed.</exception>
    public void Decrypt(Ciphertext ciphertext, Plaintext destination)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(destination);
        Context.CheckSame(ciphertext.Context, nameof(ciphertext));
        Context.CheckSame(destination.Context, nameof(destination));
        RnsPoly s = _secretKey.Q;
        int level = ciphertext.Level, limbs = level + 1;
        double scale = ciphertext.Scale;
        RnsPoly m = destination.Poly;
        if (ciphertext.Size > 2)
        {
            // Horner: m = c0 + (c1 + (c2 + c3·s)·s)·s, the inner sums in scratch.
            RnsPoly t = _pool.Rent(limbs, true);
            try
            {
                int top = ciphertext.Size - 1;
                LimbParallel.For(Context.RingQ, limbs, 4L * Context.N, new MultiplyAddAction(ciphertext[top], s, ciphertext[top - 1], t));
                for (int j = top - 2; j >= 1; j--)
                {
                    LimbParallel.For(Context.RingQ, limbs, 4L * Context.N, new MultiplyAddAction(t, s, ciphertext[j], t));
                }

                destination.Reshape(level, scale);
                LimbParallel.For(Context.RingQ, limbs, 4L * Context.N, new MultiplyAddAction(t, s, ciphertext[0], m));
            }
            finally
            {
                _pool.Return(t);
            }
        }
        else
        {
            // m = c1·s + c0 in one pass per limb.
            RnsPoly c0 = ciphertext[0], c1 = ciphertext[1];
            destination.Reshape(level, scale);
            LimbParallel.For(Context.RingQ, limbs, 4L * Context.N, new MultiplyAddAction(c1, s, c0, m));
        }
    }

    /// <summary><c>d_i = x_i ⊙ y_i + z_i</c> (one fused pass per limb).</summary>
    private readonly struct MultiplyAddAction(RnsPoly x, RnsPoly y, RnsPoly z, RnsPoly d) : ILimbAction
    {
        public void Invoke(int i) => ElementwiseKernels.MultiplyAdd(
            x.LimbUnchecked(i), y.LimbUnchecked(i), z.LimbUnchecked(i), d.LimbUnchecked(i), x.Context.ModuliArray[i], SimdCapabilities.Current);
    }
}
