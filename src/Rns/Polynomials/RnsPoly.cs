using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace CkksRns.Rns.Polynomials;

/// <summary>
/// A polynomial of <c>Z_Q[X]/(X^N + 1)</c> in residue (RNS) form: one contiguous limb-major buffer where limb <c>i</c>
/// holds the <c>N</c> residues modulo the <c>i</c>-th prime of its <see cref="RnsContext"/>, in coefficient form or in
/// NTT (evaluation) form.
/// </summary>
/// <remarks>
/// <para>
/// The buffer has room for every prime of the context; <see cref="LimbCount"/> (the level plus one) says how many
/// limbs are in use, always a prefix <c>q_0, …, q_(LimbCount-1)</c>. Limb <c>i</c> occupies words
/// <c>[i·N, (i+1)·N)</c>. In NTT form, limb <c>i</c> holds <c>NttTables[i].Forward</c> of the coefficients (see
/// <see cref="Ntt.NttTables"/> for the slot order).
/// </para>
/// <para>
/// Operations are static methods that write into a caller-supplied <c>destination</c>, which may be the same object
/// as an input. Operands must belong to the same context and agree in limb count and form; otherwise an
/// <see cref="ArgumentException"/> names the mismatch. The destination takes the operands' limb count and form.
/// Work over limbs runs in parallel according to <see cref="RnsContext.MaxDegreeOfParallelism"/>; the sequential path
/// allocates nothing.
/// </para>
/// <para>An instance is not safe for concurrent writes; concurrent reads are fine.</para>
/// </remarks>
public sealed partial class RnsPoly
{
    private readonly ulong[] _data;

    /// <summary>Creates a zero polynomial using every prime of <paramref name="context"/>, in coefficient form.</summary>
    /// <param name="context">The ring the polynomial lives in.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public RnsPoly(RnsContext context)
        : this(context, context?.ModulusCount ?? 0, isNttForm: false)
    {
    }

    /// <summary>Creates a zero polynomial with <paramref name="limbCount"/> limbs in use.</summary>
    /// <param name="context">The ring the polynomial lives in.</param>
    /// <param name="limbCount">The number of limbs in use, in <c>[1, context.ModulusCount]</c>.</param>
    /// <param name="isNttForm">Whether the (zero) content is to be read as NTT form.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limbCount"/> is out of range.</exception>
    public RnsPoly(RnsContext context, int limbCount, bool isNttForm = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        CheckLimbCount(context, limbCount, nameof(limbCount));
        Context = context;
        _data = new ulong[context.ModulusCount * context.N];
        LimbCount = limbCount;
        IsNttForm = isNttForm;
    }

    /// <summary>The ring this polynomial belongs to.</summary>
    public RnsContext Context { get; }

    /// <summary>The ring degree <c>N</c>.</summary>
    public int N => Context.N;

    /// <summary>The number of limbs in use: residues modulo <c>q_0, …, q_(LimbCount-1)</c>.</summary>
    public int LimbCount { get; private set; }

    /// <summary>The level, <c>LimbCount - 1</c>.</summary>
    public int Level => LimbCount - 1;

    /// <summary>
    /// Whether the limbs hold NTT evaluations (<see langword="true"/>) or coefficients. Transforms update it; set it
    /// directly only after writing raw limb data in the corresponding form.
    /// </summary>
    public bool IsNttForm { get; set; }

    /// <summary>The residues of all limbs in use, limb-major (<c>LimbCount·N</c> words).</summary>
    public Span<ulong> Coefficients => _data.AsSpan(0, LimbCount * Context.N);

    /// <summary>The whole buffer, including limbs not in use.</summary>
    internal ulong[] Buffer => _data;

    /// <summary>The residues modulo <c>q_index</c> (<c>N</c> words).</summary>
    /// <param name="index">The limb, in <c>[0, LimbCount)</c>.</param>
    /// <returns>A view of the limb.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a limb in use.</exception>
    public Span<ulong> Limb(int index)
    {
        if ((uint)index >= (uint)LimbCount)
        {
            ThrowLimbIndex(index);
        }

        return _data.AsSpan(index * Context.N, Context.N);
    }

    /// <summary>A limb view without the range check (the caller has validated <paramref name="index"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<ulong> LimbUnchecked(int index) => _data.AsSpan(index * Context.N, Context.N);

    /// <summary>Removes the last <paramref name="count"/> limbs (lowers the level); their words are left as they are.</summary>
    /// <param name="count">How many limbs to drop, in <c>[0, LimbCount - 1]</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">Dropping <paramref name="count"/> limbs would leave fewer than one.</exception>
    public void DropLastLimbs(int count = 1)
    {
        if (count < 0 || count >= LimbCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(count), count, $"Can drop 0 to {LimbCount - 1} limbs of a polynomial with {LimbCount} limbs.");
        }

        LimbCount -= count;
    }

    /// <summary>
    /// Sets the number of limbs in use. Limbs that come into use are zeroed; the content of the others is kept.
    /// </summary>
    /// <param name="limbCount">The new limb count, in <c>[1, Context.ModulusCount]</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limbCount"/> is out of range.</exception>
    public void SetLimbCount(int limbCount)
    {
        CheckLimbCount(Context, limbCount, nameof(limbCount));
        if (limbCount > LimbCount)
        {
            _data.AsSpan(LimbCount * N, (limbCount - LimbCount) * N).Clear();
        }

        LimbCount = limbCount;
    }

    /// <summary>Sets every coefficient of the limbs in use to zero (the form is kept: zero is zero in both forms).</summary>
    public void SetZero() => Coefficients.Clear();

    /// <summary>Copies the limbs in use, the limb count and the form into <paramref name="destination"/>.</summary>
    /// <param name="destination">A polynomial of the same context.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> belongs to another context.</exception>
    public void CopyTo(RnsPoly destination)
    {
        CheckDestination(this, destination, nameof(destination));
        if (!ReferenceEquals(this, destination))
        {
            Coefficients.CopyTo(destination._data);
            destination.LimbCount = LimbCount;
            destination.IsNttForm = IsNttForm;
        }
    }

    /// <summary>Returns a deep copy (same context, limb count, form and content).</summary>
    /// <returns>The copy.</returns>
    public RnsPoly Clone()
    {
        var copy = new RnsPoly(Context, LimbCount, IsNttForm);
        Coefficients.CopyTo(copy._data);
        return copy;
    }

    /// <summary>True when <paramref name="other"/> has the same context, limb count, form and limb content.</summary>
    /// <param name="other">The polynomial to compare with.</param>
    /// <returns>Whether both represent the same element in the same form.</returns>
    public bool ContentEquals(RnsPoly? other) =>
        other is not null && ReferenceEquals(Context, other.Context) && LimbCount == other.LimbCount
        && IsNttForm == other.IsNttForm && Coefficients.SequenceEqual(other.Coefficients);

    /// <inheritdoc />
    public override string ToString() =>
        $"RnsPoly(N = {N}, {LimbCount}/{Context.ModulusCount} limbs, {(IsNttForm ? "NTT" : "coefficient")} form)";

    private static void CheckLimbCount(RnsContext context, int limbCount, string paramName)
    {
        if (limbCount < 1 || limbCount > context.ModulusCount)
        {
            throw new ArgumentOutOfRangeException(
                paramName, limbCount, $"The limb count must be in [1, {context.ModulusCount}] (the context's modulus count).");
        }
    }

    [DoesNotReturn]
    private void ThrowLimbIndex(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"Limb index must be in [0, {LimbCount}) (limbs in use).");

    /// <summary>Checks that two operands are compatible: same context, limb count and form.</summary>
    private static void CheckOperands(RnsPoly a, RnsPoly b, [CallerArgumentExpression(nameof(a))] string aName = "a", [CallerArgumentExpression(nameof(b))] string bName = "b")
    {
        ArgumentNullException.ThrowIfNull(a, aName);
        ArgumentNullException.ThrowIfNull(b, bName);
        if (!ReferenceEquals(a.Context, b.Context))
        {
            throw new ArgumentException($"{aName} and {bName} belong to different contexts: {a.Context} vs {b.Context}.", bName);
        }

        if (a.LimbCount != b.LimbCount)
        {
            throw new ArgumentException($"{aName}.LimbCount ({a.LimbCount}) != {bName}.LimbCount ({b.LimbCount}).", bName);
        }

        if (a.IsNttForm != b.IsNttForm)
        {
            throw new ArgumentException(
                $"Form mismatch: {aName} is in {FormName(a)} form but {bName} is in {FormName(b)} form.", bName);
        }
    }

    /// <summary>Checks that a destination belongs to the same context as the operand.</summary>
    private static void CheckDestination(RnsPoly a, RnsPoly destination, string destinationName = "destination")
    {
        ArgumentNullException.ThrowIfNull(destination, destinationName);
        if (!ReferenceEquals(a.Context, destination.Context))
        {
            throw new ArgumentException(
                $"{destinationName} belongs to a different context: {destination.Context} vs {a.Context}.", destinationName);
        }
    }

    private static void CheckNttForm(RnsPoly a, bool expected, string operation, string name)
    {
        if (a.IsNttForm != expected)
        {
            throw new ArgumentException(
                $"{operation} needs {name} in {(expected ? "NTT" : "coefficient")} form; it is in {FormName(a)} form.", name);
        }
    }

    private static string FormName(RnsPoly a) => a.IsNttForm ? "NTT" : "coefficient";

    private void SetShape(int limbCount, bool isNttForm)
    {
        LimbCount = limbCount;
        IsNttForm = isNttForm;
    }
}
