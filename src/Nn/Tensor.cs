namespace CkksRns.Nn;

/// <summary>
/// A dense single-precision tensor stored row-major (last dimension contiguous) in one array.
/// Batches are stored batch-first: sample <c>b</c> occupies <c>[b·L, (b+1)·L)</c> where <c>L</c> is the per-sample length.
/// </summary>
public sealed class Tensor
{
    /// <summary>Creates a zero tensor of the given shape.</summary>
    public Tensor(TensorShape shape)
    {
        if (shape.Rank == 0)
        {
            throw new ArgumentException("The shape must have at least one dimension.", nameof(shape));
        }

        Shape = shape;
        Data = new float[shape.Length];
    }

    /// <summary>Wraps <paramref name="data"/> (no copy) as a tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The array length differs from the shape's element count.</exception>
    public Tensor(TensorShape shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (shape.Rank == 0)
        {
            throw new ArgumentException("The shape must have at least one dimension.", nameof(shape));
        }

        if (data.Length != shape.Length)
        {
            throw new ArgumentException($"The shape {shape} has {shape.Length} elements but the array has {data.Length}.", nameof(data));
        }

        Shape = shape;
        Data = data;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public TensorShape Shape { get; }

    /// <summary>The elements, row-major. The array is shared, not copied.</summary>
    public float[] Data { get; }

    /// <summary>The number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>A span over all elements.</summary>
    public Span<float> AsSpan() => Data;

    /// <summary>The elements of sample <paramref name="index"/> along the first (batch) dimension.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside <c>[0, Shape[0])</c>.</exception>
    public Span<float> Sample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Shape[0]);
        int length = Length / Shape[0];
        return Data.AsSpan(index * length, length);
    }

    /// <summary>A deep copy.</summary>
    public Tensor Clone() => new(Shape, (float[])Data.Clone());

    /// <summary>A tensor sharing this one's elements under another shape with the same element count.</summary>
    /// <exception cref="ArgumentException">The element counts differ.</exception>
    public Tensor Reshape(TensorShape shape) => new(shape, Data);

    /// <summary>Formats the shape, e.g. <c>Tensor(64, 5, 13, 13)</c>.</summary>
    public override string ToString() => $"Tensor{Shape}";

    /// <summary>Returns <paramref name="tensor"/> when it already has <paramref name="shape"/>, otherwise a new zero tensor.</summary>
    internal static Tensor Ensure(ref Tensor? tensor, TensorShape shape)
    {
        if (tensor is null || tensor.Shape != shape)
        {
            tensor = new Tensor(shape);
        }

        return tensor;
    }
}
