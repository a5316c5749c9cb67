namespace CkksRns.Rns.Polynomials;

public sealed partial class RnsPoly
{
    /// <summary>Transforms this polynomial in place from coefficient to NTT form (every limb in use).</summary>
    /// <exception cref="InvalidOperationException">The polynomial is already in NTT form.</exception>
    public void ToNtt()
    {
        if (IsNttForm)
        {
            throw new InvalidOperationException("ToNtt: the polynomial is already in NTT form.");
        }

        LimbParallel.For(Context, LimbCount, 8L * N * Context.LogN, new ForwardAction(this));
        IsNttForm = true;
    }

    /// <summary>Transforms this polynomial in place from NTT to coefficient form (every limb in use).</summary>
    /// <exception cref="InvalidOperationException">The polynomial is already in coefficient form.</exception>
    public void FromNtt()
    {
        if (!IsNttForm)
        {
            throw new InvalidOperationException("FromNtt: the polynomial is already in coefficient form.");
        }

        LimbParallel.For(Context, LimbCount, 8L * N * Context.LogN, new InverseAction(this));
        IsNttForm = false;
    }

    /// <summary><c>destination = NTT(a)</c>: copies <paramref name="a"/> (coefficient form) and transforms every limb.</summary>
    /// <param name="a">A polynomial in coefficient form.</param>
    /// <param name="destination">Receives the NTT form (may be <paramref name="a"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> is in NTT form, or <paramref name="destination"/> is of another context.</exception>
    public static void ToNtt(RnsPoly a, RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckNttForm(a, false, nameof(ToNtt), nameof(a));
        a.CopyTo(destination);
        destination.ToNtt();
    }

    /// <summary><c>destination = NTT^-1(a)</c>: copies <paramref name="a"/> (NTT form) and transforms every limb back.</summary>
    /// <param name="a">A polynomial in NTT form.</param>
    /// <param name="destination">Receives the coefficient form (may be <paramref name="a"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> is in coefficient form, or <paramref name="destination"/> is of another context.</exception>
    public static void FromNtt(RnsPoly a, RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckNttForm(a, true, nameof(FromNtt), nameof(a));
        a.CopyTo(destination);
        destination.FromNtt();
    }

    private readonly struct ForwardAction(RnsPoly a) : ILimbAction
    {
        public void Invoke(int limb) => a.Context.NttTablesArray[limb].Forward(a.LimbUnchecked(limb));
    }

    private readonly struct InverseAction(RnsPoly a) : ILimbAction
    {
        public void Invoke(int limb) => a.Context.NttTablesArray[limb].Inverse(a.LimbUnchecked(limb));
    }
}
