using CkksRns.Nn.Kernels;

namespace CkksRns.Nn.Layers;

/// <summary>
/// Batch normalisation per channel (the first per-sample dimension; the others are spatial):
/// <c>y = γ[c]·(x − μ[c]) / √(σ²[c] + ε) + β[c]</c>, with the batch statistics while training and the running
/// statistics otherwise (Ioffe and Szegedy, 2015, <see href="https://arxiv.org/abs/1502.03167"/>).
/// </summary>
/// <remarks>
/// At inference it is the per-channel affine map <c>y = scale[c]·x + shift[c]</c> (<see cref="GetInferenceTransform"/>),
/// which <see cref="Models.Sequential.FoldBatchNorm"/> merges into the preceding Conv2d or Dense so that it costs no
/// level under encryption. Running statistics: <c>μ ← (1 − m)·μ + m·mean</c>, <c>σ² ← (1 − m)·σ² + m·var·n/(n − 1)</c>.
/// </remarks>
public sealed class BatchNorm : Layer
{
    private readonly Parameter _gamma;
    private readonly Parameter _beta;
    private readonly Parameter[] _parameters;
    private readonly float[] _invStd;
    private readonly float[] _scale;
    private readonly float[] _shift;
    private Tensor? _output;
    private Tensor? _inputGradient;
    private Tensor? _normalized;
    private Tensor? _input;

    /// <summary>Creates a normalisation layer with γ = 1, β = 0, running mean 0 and running variance 1.</summary>
    /// <param name="channels">Number of channels, 1 to <see cref="Conv2d.MaxChannels"/> × 256.</param>
    /// <param name="epsilon">Added to the variance, in <c>(0, 1]</c>.</param>
    /// <param name="momentum">Weight of the newest batch in the running statistics, in <c>(0, 1]</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public BatchNorm(int channels, float epsilon = 1e-5f, float momentum = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, Dense.MaxFeatures);
        if (!(epsilon > 0f && epsilon <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be in (0, 1].");
        }

        if (!(momentum > 0f && momentum <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in (0, 1].");
        }

        Channels = channels;
        Epsilon = epsilon;
        Momentum = momentum;
        _gamma = new Parameter("gamma", new Tensor(new TensorShape(channels)), decay: false);
        _gamma.Value.AsSpan().Fill(1f);
        _beta = new Parameter("beta", new Tensor(new TensorShape(channels)), decay: false);
        _parameters = [_gamma, _beta];
        RunningMean = new Tensor(new TensorShape(channels));
        RunningVariance = new Tensor(new TensorShape(channels));
        RunningVariance.AsSpan().Fill(1f);
        _invStd = new float[channels];
        _scale = new float[channels];
        _shift = new float[channels];
    }

    /// <summary>Number of channels.</summary>
    public int Channels { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; }

    /// <summary>Weight of the newest batch in the running statistics.</summary>
    public float Momentum { get; }

    /// <summary>Scale γ per channel.</summary>
    public Parameter Gamma => _gamma;

    /// <summary>Shift β per channel.</summary>
    public Parameter Beta => _beta;

    /// <summary>Running mean per channel (used outside training).</summary>
    public Tensor RunningMean { get; }

    /// <summary>Running (unbiased) variance per channel (used outside training).</summary>
    public Tensor RunningVariance { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>
    /// When true, the layer uses (and no longer updates) the running statistics even while training, as in SLAF-R
    /// re-training where everything but the activations is frozen; gradients still flow through it.
    /// </summary>
    public bool Frozen { get; set; }

    /// <inheritdoc/>
    /// <remarks>1 as a stand-alone constant multiplication; 0 once folded into the preceding linear layer.</remarks>
    public override int MultiplicativeDepth => 1;

    /// <inheritdoc/>
    public override TensorShape GetOutputShape(TensorShape inputShape)
    {
        if (inputShape[0] != Channels)
        {
            throw new ArgumentException($"{this} expects samples whose first dimension is {Channels}; got {inputShape}.", nameof(inputShape));
        }

        return inputShape;
    }

    /// <summary>The inference-time map <c>y = scale[c]·x + shift[c]</c> from γ, β and the running statistics.</summary>
    /// <param name="scale">Receives <c>γ/√(σ² + ε)</c> per channel.</param>
    /// <param name="shift">Receives <c>β − μ·scale</c> per channel.</param>
    /// <exception cref="ArgumentException">A span is shorter than <see cref="Channels"/>.</exception>
    public void GetInferenceTransform(Span<float> scale, Span<float> shift)
    {
        if (scale.Length < Channels || shift.Length < Channels)
        {
            throw new ArgumentException($"scale and shift need {Channels} elements; got {scale.Length} and {shift.Length}.");
        }

        for (int c = 0; c < Channels; c++)
        {
            double s = _gamma.Value.Data[c] / Math.Sqrt(RunningVariance.Data[c] + (double)Epsilon);
            scale[c] = (float)s;
            shift[c] = (float)(_beta.Value.Data[c] - (RunningMean.Data[c] * s));
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"BatchNorm({Channels})";

    /// <inheritdoc/>
    internal override Tensor ForwardCore(Tensor input, bool training)
    {
        int batch = input.Shape[0];
        int spatial = input.Length / batch / Channels;
        Tensor output = Tensor.Ensure(ref _output, input.Shape);
        float[] x = input.Data, y = output.Data;
        int channels = Channels;
        if (!training || Frozen)
        {
            float[] scale = _scale, shift = _shift;
            GetInferenceTransform(scale, shift);
            if (training)
            {
                return ForwardFrozen(input, output);
            }

            for (int b = 0; b < batch; b++)
            {
                for (int c = 0; c < channels; c++)
                {
                    int start = ((b * channels) + c) * spatial;
                    for (int p = start; p < start + spatial; p++)
                    {
                        y[p] = (x[p] * scale[c]) + shift[c];
                    }
                }
            }

            _input = null;
            return output;
        }

        Tensor normalized = Tensor.Ensure(ref _normalized, input.Shape);
        float[] xhat = normalized.Data;
        int parts = Compute.Parts(channels, (long)input.Length * 4);
        Compute.For(parts, part =>
        {
            (int c0, int c1) = ComputeContext.Range(channels, parts, part);
            for (int c = c0; c < c1; c++)
            {
                ForwardChannel(x, xhat, y, batch, spatial, c);
            }
        });

        _input = input;
        return output;
    }

    /// <inheritdoc/>
    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        CheckGradient(outputGradient, _input is null ? null : _output);
        Tensor input = _input!;
        int batch = input.Shape[0];
        int spatial = input.Length / batch / Channels;
        Tensor dx = Tensor.Ensure(ref _inputGradient, input.Shape);
        float[] dy = outputGradient.Data, xhat = _normalized!.Data, d = dx.Data;
        int channels = Channels;
        int parts = Compute.Parts(channels, (long)input.Length * 4);
        Compute.For(parts, part =>
        {
            (int c0, int c1) = ComputeContext.Range(channels, parts, part);
            for (int c = c0; c < c1; c++)
            {
                BackwardChannel(dy, xhat, d, batch, spatial, c, needInputGradient);
            }
        });

        return needInputGradient ? dx : null;
    }

    /// <inheritdoc/>
    internal override Layer Clone()
    {
        var copy = new BatchNorm(Channels, Epsilon, Momentum);
        _gamma.Value.Data.CopyTo(copy._gamma.Value.Data, 0);
        _beta.Value.Data.CopyTo(copy._beta.Value.Data, 0);
        RunningMean.Data.CopyTo(copy.RunningMean.Data, 0);
        RunningVariance.Data.CopyTo(copy.RunningVariance.Data, 0);
        return copy;
    }

    /// <summary>Training forward with running statistics: the inference map <c>y = scale·x + shift</c>; caches <c>x̂ = (x − μ)/√(σ² + ε)</c>.</summary>
    private Tensor ForwardFrozen(Tensor input, Tensor output)
    {
        int batch = input.Shape[0], channels = Channels, spatial = input.Length / batch / Channels;
        Tensor normalized = Tensor.Ensure(ref _normalized, input.Shape);
        float[] x = input.Data, y = output.Data, xhat = normalized.Data;
        for (int c = 0; c < channels; c++)
        {
            _invStd[c] = (float)(1.0 / Math.Sqrt(RunningVariance.Data[c] + (double)Epsilon));
        }

        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                int start = ((b * channels) + c) * spatial;
                float mean = RunningMean.Data[c], invStd = _invStd[c], scale = _scale[c], shift = _shift[c];
                for (int p = start; p < start + spatial; p++)
                {
                    xhat[p] = (x[p] - mean) * invStd;
                    y[p] = (x[p] * scale) + shift; // exactly the inference computation
                }
            }
        }

        _input = input;
        return output;
    }

    private void ForwardChannel(float[] x, float[] xhat, float[] y, int batch, int spatial, int c)
    {
        int count = batch * spatial;
        double sum = 0;
        for (int b = 0; b < batch; b++)
        {
            int start = ((b * Channels) + c) * spatial;
            for (int p = start; p < start + spatial; p++)
            {
                sum += x[p];
            }
        }

        double mean = sum / count;
        double squares = 0;
        for (int b = 0; b < batch; b++)
        {
            int start = ((b * Channels) + c) * spatial;
            for (int p = start; p < start + spatial; p++)
            {
                double dev = x[p] - mean;
                squares += dev * dev;
            }
        }

        double variance = squares / count;
        float invStd = (float)(1.0 / Math.Sqrt(variance + Epsilon));
        float meanF = (float)mean;
        float gamma = _gamma.Value.Data[c], beta = _beta.Value.Data[c];
        _invStd[c] = invStd;
        for (int b = 0; b < batch; b++)
        {
            int start = ((b * Channels) + c) * spatial;
            for (int p = start; p < start + spatial; p++)
            {
                float n = (x[p] - meanF) * invStd;
                xhat[p] = n;
                y[p] = (gamma * n) + beta;
            }
        }

        double unbiased = count > 1 ? variance * count / (count - 1) : variance;
        RunningMean.Data[c] = (float)(((1.0 - Momentum) * RunningMean.Data[c]) + (Momentum * mean));
        RunningVariance.Data[c] = (float)(((1.0 - Momentum) * RunningVariance.Data[c]) + (Momentum * unbiased));
    }

    private void BackwardChannel(float[] dy, float[] xhat, float[] dx, int batch, int spatial, int c, bool needInputGradient)
    {
        int count = batch * spatial;
        double sumDy = 0, sumDyX = 0;
        for (int b = 0; b < batch; b++)
        {
            int start = ((b * Channels) + c) * spatial;
            for (int p = start; p < start + spatial; p++)
            {
                sumDy += dy[p];
                sumDyX += (double)dy[p] * xhat[p];
            }
        }

        _gamma.Gradient.Data[c] += (float)sumDyX;
        _beta.Gradient.Data[c] += (float)sumDy;
        if (!needInputGradient)
        {
            return;
        }

        if (Frozen)
        {
            float g = _scale[c];
            for (int b = 0; b < batch; b++)
            {
                int start = ((b * Channels) + c) * spatial;
                for (int p = start; p < start + spatial; p++)
                {
                    dx[p] = g * dy[p];
                }
            }

            return;
        }

        float k = _gamma.Value.Data[c] * _invStd[c] / count;
        float sDy = (float)sumDy, sDyX = (float)sumDyX;
        for (int b = 0; b < batch; b++)
        {
            int start = ((b * Channels) + c) * spatial;
            for (int p = start; p < start + spatial; p++)
            {
                dx[p] = k * ((count * dy[p]) - sDy - (xhat[p] * sDyX));
            }
        }
    }
}
