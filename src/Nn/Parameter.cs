namespace CkksRns.Nn;

/// <summary>A trainable tensor of a layer together with its gradient.</summary>
public sealed class Parameter
{
    /// <summary>Creates a parameter holding <paramref name="value"/> and a zero gradient of the same shape.</summary>
    /// <param name="name">A short name such as <c>weight</c>, <c>bias</c> or <c>coefficients</c>.</param>
    /// <param name="value">The values (shared, not copied).</param>
    /// <param name="decay">Whether weight decay applies (weights of linear layers; not biases, normalisation or activation coefficients).</param>
    public Parameter(string name, Tensor value, bool decay)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        Name = name;
        Value = value;
        Gradient = new Tensor(value.Shape);
        Decay = decay;
    }

    /// <summary>The short name within its layer.</summary>
    public string Name { get; }

    /// <summary>The current values.</summary>
    public Tensor Value { get; }

    /// <summary>The gradient of the loss with respect to <see cref="Value"/>, accumulated by backward passes.</summary>
    public Tensor Gradient { get; }

    /// <summary>Whether weight decay applies to this parameter.</summary>
    public bool Decay { get; }

    /// <summary>Whether the optimiser updates this parameter (false when frozen, as in SLAF-R re-training).</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>Formats name and shape, e.g. <c>weight(100, 845)</c>.</summary>
    public override string ToString() => $"{Name}{Value.Shape}";
}
