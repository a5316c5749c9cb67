using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// An encoded (not encrypted) vector: a polynomial of the data chain at some level, in NTT form, with the scale
/// <c>Δ</c> its values were multiplied by. Made by <see cref="CkksEncoder"/>, read by <see cref="CkksEncoder.Decode(Plaintext)"/>.
/// </summary>
public sealed class Plaintext
{
    /// <summary>Creates a zero plaintext at the top level with the default scale.</summary>
    /// <param name="context">The context it belongs to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public Plaintext(CkksContext context)
        : this(context ?? throw new ArgumentNullException(nameof(context)), context.MaxLevel, context.Parameters.DefaultScale)
    {
    }

    /// <summary>Creates a zero plaintext at <paramref name="level"/> with scale <paramref name="scale"/>.</summary>
    internal Plaintext(CkksContext context, int level, double scale)
    {
        Context = context;
        Poly = new RnsPoly(context.RingQ, level + 1, isNttForm: true);
        Scale = scale;
    }

    /// <summary>The context this plaintext belongs to.</summary>
    public CkksContext Context { get; }

    /// <summary>The level <c>ℓ</c>: the plaintext lives modulo <c>q_0·...·q_ℓ</c>.</summary>
    public int Level => Poly.Level;

    /// <summary>The scale <c>Δ</c> the encoded values were multiplied by.</summary>
    public double Scale { get; internal set; }

    /// <summary>The polynomial (data chain, NTT form, <c>Level + 1</c> limbs).</summary>
    internal RnsPoly Poly { get; }

    /// <summary>Returns a deep copy.</summary>
    /// <returns>A plaintext with the same level, scale and content.</returns>
    public Plaintext Clone()
    {
        var copy = new Plaintext(Context, Level, Scale);
        Poly.CopyTo(copy.Poly);
        return copy;
    }

    /// <summary>Sets level and scale (the content becomes undefined until overwritten).</summary>
    internal void Reshape(int level, double scale)
    {
        Poly.SetLimbCount(level + 1);
        Poly.IsNttForm = true;
        Scale = scale;
    }

    /// <inheritdoc />
    public override string ToString() => $"Plaintext(level {Level}, scale {CkksContext.Log2(Scale)})";
}
