using System.Numerics.Tensors;

namespace CkksRns.Nn.Training;

/// <summary>
/// Stochastic gradient descent with momentum and decoupled-from-nothing (classic L2) weight decay:
/// <c>v ← μ·v + g + λ·w</c> (λ only for parameters with <see cref="Parameter.Decay"/>), <c>w ← w − η·v</c>.
/// Frozen parameters (<see cref="Parameter.Trainable"/> false) are left alone.
/// </summary>
public sealed class SgdMomentum
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _velocity;

    /// <summary>Creates an optimiser for <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="momentum">μ in <c>[0, 1)</c>; 0.9 by default.</param>
    /// <param name="weightDecay">λ, non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public SgdMomentum(IEnumerable<Parameter> parameters, float momentum = 0.9f, float weightDecay = 0f)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(momentum >= 0f && momentum < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        }

        if (!(weightDecay >= 0f && float.IsFinite(weightDecay)))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be non-negative and finite.");
        }

        _parameters = [.. parameters];
        _velocity = [.. _parameters.Select(p => new float[p.Value.Length])];
        Momentum = momentum;
        WeightDecay = weightDecay;
    }

    /// <summary>μ.</summary>
    public float Momentum { get; }

    /// <summary>λ.</summary>
    public float WeightDecay { get; }

    /// <summary>Applies one update with learning rate <paramref name="learningRate"/>; gradients are consumed (modified).</summary>
    public void Step(float learningRate)
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            Parameter p = _parameters[i];
            if (!p.Trainable)
            {
                continue;
            }

            Span<float> w = p.Value.Data, g = p.Gradient.Data, v = _velocity[i];
            if (p.Decay && WeightDecay > 0f)
            {
                TensorPrimitives.MultiplyAdd(w, WeightDecay, g, g);
            }

            TensorPrimitives.MultiplyAdd(v, Momentum, g, v);
            TensorPrimitives.MultiplyAdd(v, -learningRate, w, w);
        }
    }
}
