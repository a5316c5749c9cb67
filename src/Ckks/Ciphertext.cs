using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// An encrypted vector: two polynomials <c>(c_0, c_1)</c> of the data chain at some level, in NTT form, with the scale
/// <c>Δ</c> of the encrypted values; three, <c>(c_0, c_1, c_2)</c>, after a multiplication that was not relinearized,
/// and four (at most <see cref="MaxSize"/>) after multiplying such a product by a size-2 ciphertext. Decryption
/// computes <c>c_0 + c_1·s (+ c_2·s² + c_3·s³)</c>.
/// </summary>
/// <remarks>
/// A ciphertext is a mutable container: evaluator operations that take a <c>destination</c> overwrite its size, level,
/// scale and content. It is not safe to write one ciphertext from several threads; reading it from several threads is.
/// </remarks>
public sealed class Ciphertext
{
    /// <summary>The largest number of polynomials a ciphertext can have (a size-3 product times a size-2 ciphertext).</summary>
    public const int MaxSize = 4;

    private readonly RnsPoly[] _polys = new RnsPoly[MaxSize];

    /// <summary>Creates an encryption-of-nothing container (size 2, top level, default scale, zero content).</summary>
    /// <param name="context">The context it belongs to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public Ciphertext(CkksContext context)
        : this(context ?? throw new ArgumentNullException(nameof(context)), 2, context.MaxLevel, context.Parameters.DefaultScale)
    {
    }

    /// <summary>Creates a zero ciphertext of the given shape.</summary>
    internal Ciphertext(CkksContext context, int size, int level, double scale)
    {
        Context = context;
        for (int i = 0; i < size; i++)
        {
            _polys[i] = new RnsPoly(context.RingQ, level + 1, isNttForm: true);
        }

        Size = size;
        Scale = scale;
    }

    /// <summary>The context this ciphertext belongs to.</summary>
    public CkksContext Context { get; }

    /// <summary>The number of polynomials: 2, or 3 to <see cref="MaxSize"/> after multiplications without relinearization.</summary>
    public int Size { get; private set; }

    /// <summary>The level <c>ℓ</c>: the ciphertext lives modulo <c>q_0·...·q_ℓ</c> and can be rescaled <c>ℓ</c> more times.</summary>
    public int Level => _polys[0].Level;

    /// <summary>The scale <c>Δ</c> of the encrypted values.</summary>
    public double Scale { get; internal set; }

    /// <summary>
    /// For a fresh secret-key encryption: the 32-byte seed from which <c>c_1</c> was expanded, so the ciphertext can be
    /// stored compressed. Cleared whenever the ciphertext is overwritten.
    /// </summary>
    internal byte[]? Seed { get; set; }

    /// <summary>The polynomial <c>c_index</c>.</summary>
    internal RnsPoly this[int index] => _polys[index];

    /// <summary>Returns a deep copy.</summary>
    /// <returns>A ciphertext with the same size, level, scale and content.</returns>
    public Ciphertext Clone()
    {
        var copy = new Ciphertext(Context, Size, Level, Scale);
        for (int i = 0; i < Size; i++)
        {
            _polys[i].CopyTo(copy._polys[i]);
        }

        copy.Seed = Seed is null ? null : (byte[])Seed.Clone();
        return copy;
    }

    /// <summary>Copies size, level, scale and content into <paramref name="destination"/>.</summary>
    internal void CopyTo(Ciphertext destination)
    {
        if (ReferenceEquals(this, destination))
        {
            return;
        }

        destination.Reshape(Size, Level, Scale);
        for (int i = 0; i < Size; i++)
        {
            _polys[i].CopyTo(destination._polys[i]);
        }
    }

    /// <summary>
    /// Sets size, level and scale, allocating polynomials beyond the second if needed; clears the seed. Content of limbs already in
    /// use is kept; new limbs are zero.
    /// </summary>
    internal void Reshape(int size, int level, double scale)
    {
        for (int i = 0; i < size; i++)
        {
            if (_polys[i] is null)
            {
                _polys[i] = new RnsPoly(Context.RingQ, level + 1, isNttForm: true);
            }
            else
            {
                _polys[i].SetLimbCount(level + 1);
                _polys[i].IsNttForm = true;
            }
        }

        Size = size;
        Scale = scale;
        Seed = null;
    }

    /// <inheritdoc />
    public override string ToString() => $"Ciphertext(size {Size}, level {Level}, scale {CkksContext.Log2(Scale)})";
}
