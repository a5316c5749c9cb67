using CkksRns.Nn.Kernels;

namespace CkksRns.Nn.Layers;

/// <summary>
/// One layer of a <see cref="Models.Sequential"/> network: a forward pass over a batch, a backward pass that
/// accumulates parameter gradients and returns the input gradient, and what the layer costs under encryption.
/// </summary>
/// <remarks>
/// <para>
/// Tensors are batch-first: a batch of <c>B</c> samples of per-sample shape <c>S</c> has shape <c>(B, ...S)</c>.
/// Layers reuse their output buffers: the tensor returned by <see cref="Forward"/> or <see cref="Backward"/> belongs
/// to the layer and is overwritten by its next call (copy it with <see cref="Tensor.Clone"/> to keep it).
/// A layer is not thread-safe; its kernels use several threads internally.
/// </para>
/// <para>
/// Every kernel computes each output element on one thread in a fixed order, so results are bit-identical for any
/// degree of parallelism.
/// </para>
/// </remarks>
public abstract class Layer
{
    private protected Layer()
    {
    }

    /// <summary>The parameters the optimiser updates (empty for layers without parameters).</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>
    /// The multiplicative depth (rescaling levels) this layer consumes when evaluated on CKKS ciphertexts,
    /// or -1 when it cannot be evaluated homomorphically (ReLU).
    /// </summary>
    public abstract int MultiplicativeDepth { get; }

    /// <summary>The number of scalars in <see cref="Parameters"/> plus any saved non-trainable state.</summary>
    public int ParameterCount
    {
        get
        {
            int count = 0;
            foreach (Parameter p in Parameters)
            {
                count += p.Value.Length;
            }

            return count;
        }
    }

    /// <summary>The threads the kernels may use (set by the owning model).</summary>
    internal ComputeContext Compute { get; set; } = ComputeContext.Default;

    /// <summary>The per-sample output shape for a per-sample input shape.</summary>
    /// <exception cref="ArgumentException">The layer cannot take inputs of that shape.</exception>
    public abstract TensorShape GetOutputShape(TensorShape inputShape);

    /// <summary>Runs the layer on a batch.</summary>
    /// <param name="input">A batch of shape <c>(B, ...S)</c> where <c>S</c> is a per-sample shape the layer accepts.</param>
    /// <param name="training">True while training: batch statistics, caches for <see cref="Backward"/>.</param>
    /// <returns>The output batch (owned by the layer, valid until its next call).</returns>
    /// <exception cref="ArgumentException">The input shape does not suit the layer.</exception>
    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Shape.Rank < 2)
        {
            throw new ArgumentException($"{GetType().Name} expects a batch (B, ...); got shape {input.Shape}.", nameof(input));
        }

        _ = GetOutputShape(input.Shape.WithoutBatch());
        return ForwardCore(input, training);
    }

    /// <summary>
    /// Back-propagates through the layer: adds the parameter gradients to <see cref="Parameter.Gradient"/> and
    /// returns the gradient with respect to the last input passed to <see cref="Forward"/> with <c>training: true</c>.
    /// </summary>
    /// <param name="outputGradient">The gradient of the loss with respect to the last output.</param>
    /// <returns>The input gradient (owned by the layer, valid until its next call).</returns>
    /// <exception cref="InvalidOperationException">No training forward pass precedes this call.</exception>
    /// <exception cref="ArgumentException">The gradient's shape differs from the last output's.</exception>
    public Tensor Backward(Tensor outputGradient) => BackwardCore(outputGradient, needInputGradient: true)!;

    /// <summary>A short description with the layer's configuration, e.g. <c>Dense(845 → 100)</c>.</summary>
    public abstract override string ToString();

    /// <summary>The forward pass after the shape was validated.</summary>
    internal abstract Tensor ForwardCore(Tensor input, bool training);

    /// <summary>The backward pass; returns null when <paramref name="needInputGradient"/> is false and the layer skipped it.</summary>
    internal abstract Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient);

    /// <summary>A deep copy with the same parameters and state and fresh buffers.</summary>
    internal abstract Layer Clone();

    /// <summary>Throws unless <paramref name="gradient"/> has <paramref name="expected"/>'s shape.</summary>
    private protected void CheckGradient(Tensor gradient, Tensor? expected)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        if (expected is null)
        {
            throw new InvalidOperationException($"{GetType().Name}.Backward needs a preceding Forward(input, training: true).");
        }

        if (gradient.Shape != expected.Shape)
        {
            throw new ArgumentException(
                $"{GetType().Name}.Backward: the gradient has shape {gradient.Shape} but the last output had {expected.Shape}.",
                nameof(gradient));
        }
    }
}
