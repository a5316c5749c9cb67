using System.Text;

namespace CkksRns.Nn;

/// <summary>
/// The dimensions of a <see cref="Tensor"/>, outermost first (for images: channels, height, width; a batch adds a
/// leading dimension). Immutable, with value equality.
/// </summary>
public readonly struct TensorShape : IEquatable<TensorShape>
{
    /// <summary>The largest number of dimensions a shape may have.</summary>
    public const int MaxRank = 8;

    private readonly int[]? _dimensions;

    /// <summary>Creates a shape from its dimensions, outermost first.</summary>
    /// <param name="dimensions">Between 1 and <see cref="MaxRank"/> positive sizes whose product fits in an <see cref="int"/>.</param>
    /// <exception cref="ArgumentException">No dimensions, too many, a size below 1, or a total above <see cref="int.MaxValue"/>.</exception>
    public TensorShape(params ReadOnlySpan<int> dimensions)
    {
        if (dimensions.Length is 0 or > MaxRank)
        {
            throw new ArgumentException($"A shape has 1 to {MaxRank} dimensions; got {dimensions.Length}.", nameof(dimensions));
        }

        long length = 1;
        foreach (int d in dimensions)
        {
            if (d < 1)
            {
                throw new ArgumentException($"Every dimension must be at least 1; got {Format(dimensions)}.", nameof(dimensions));
            }

            length *= d;
            if (length > int.MaxValue)
            {
                throw new ArgumentException($"The shape {Format(dimensions)} has more than {int.MaxValue} elements.", nameof(dimensions));
            }
        }

        _dimensions = dimensions.ToArray();
        Length = (int)length;
    }

    /// <summary>The number of dimensions (0 only for <c>default</c>).</summary>
    public int Rank => _dimensions?.Length ?? 0;

    /// <summary>The number of elements: the product of the dimensions.</summary>
    public int Length { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Dimensions => _dimensions;

    /// <summary>The size of dimension <paramref name="index"/>.</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is not below <see cref="Rank"/>.</exception>
    public int this[int index] => Dimensions[index];

    /// <summary>This shape with a leading batch dimension: <c>(batch, ...this)</c>.</summary>
    /// <exception cref="ArgumentException">The batch is below 1, or the result is too large.</exception>
    public TensorShape WithBatch(int batch)
    {
        Span<int> dims = stackalloc int[Rank + 1];
        dims[0] = batch;
        Dimensions.CopyTo(dims[1..]);
        return new TensorShape(dims);
    }

    /// <summary>This shape without its leading dimension (the per-sample shape of a batch).</summary>
    /// <exception cref="InvalidOperationException">The shape has fewer than two dimensions.</exception>
    public TensorShape WithoutBatch()
    {
        if (Rank < 2)
        {
            throw new InvalidOperationException($"The shape {this} has no dimension left after removing the batch dimension.");
        }

        return new TensorShape(Dimensions[1..]);
    }

    /// <inheritdoc/>
    public bool Equals(TensorShape other) => Dimensions.SequenceEqual(other.Dimensions);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TensorShape other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (int d in Dimensions)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <summary>Formats the shape as <c>(5, 13, 13)</c>.</summary>
    public override string ToString() => Format(Dimensions);

    /// <summary>True when both shapes have the same dimensions.</summary>
    public static bool operator ==(TensorShape left, TensorShape right) => left.Equals(right);

    /// <summary>True when the shapes differ.</summary>
    public static bool operator !=(TensorShape left, TensorShape right) => !left.Equals(right);

    private static string Format(ReadOnlySpan<int> dimensions)
    {
        var text = new StringBuilder("(");
        for (int i = 0; i < dimensions.Length; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(dimensions[i]);
        }

        return text.Append(')').ToString();
    }
}
