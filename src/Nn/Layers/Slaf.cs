using System.Numerics.Tensors;
using CkksRns.Nn.Kernels;

namespace CkksRns.Nn.Layers;

/// <summary>
/// Self-learnable activation function (SLAF): a polynomial with trainable coefficients per neuron or per channel,
/// <c>y = p_u(x) = Σ_{d=0..n} c_d[u] · t^d</c> with <c>t = x · (1/s)</c>, where <c>s</c> is the layer's fixed
/// <see cref="InputScale"/> and <c>u</c> the unit (neuron or channel) of the element.
/// </summary>
/// <remarks>
/// <para>
/// SLAF follows Obla et al., "Effective activation functions for homomorphic evaluation of deep neural networks"
/// (IEEE Access 8, 2020, <see href="https://doi.org/10.1109/ACCESS.2020.3017436"/>). Training the coefficients in the
/// normalised variable <c>t</c> keeps the gradients of all powers comparable (the gradient of <c>c_d</c> is
/// <c>Σ dy·t^d</c>); <see cref="GetMonomialCoefficients"/> returns the same polynomial in <c>x</c> for encryption.
/// </para>
/// <para>
/// Initialisation (<see cref="InitializeAsRelu"/>): the least-squares approximation of ReLU for a standard normal
/// input, scaled by <c>s</c>: for degree 3, <c>c = s·(0.1995, 0.5, 0.1995, 0)</c>, i.e. <c>relu(x) ≈ s·h(x/s)</c>.
/// <see cref="FitToRelu"/> instead fits every unit to ReLU on observed inputs (SLAF-R).
/// </para>
/// <para>
/// Guard against blow-up: the layer records the largest |x| it has seen (<see cref="ObservedMaxAbsInput"/>; the
/// encrypted evaluation needs that range), and while training it can add the soft range penalty
/// <c>λ/B · Σ max(0, |t| − T)²</c> (<see cref="RangePenalty"/> λ, <see cref="RangeBound"/> T) to the loss, which
/// pushes pre-activations back into <c>[−T·s, T·s]</c> where the polynomial was fitted, without changing the forward
/// pass (training and inference compute the same polynomial).
/// </para>
/// <para>Under encryption a polynomial of degree n with per-slot coefficients needs ⌈log2(n + 1)⌉ levels.</para>
/// </remarks>
public sealed class Slaf : Layer
{
    /// <summary>The largest supported degree.</summary>
    public const int MaxDegree = 8;

    private readonly Parameter _coefficients;
    private readonly Parameter[] _parameters;
    private readonly int _spatial;
    private float[] _expanded = [];
    private float[] _derivative = [];
    private float[] _gradientExpanded = [];
    private float[] _partMax = [];
    private double[] _partPenalty = [];
    private float[] _scaled = [];
    private float[] _q = [];
    private float[] _pow = [];
    private Tensor? _output;
    private Tensor? _inputGradient;
    private Tensor? _input;
    private float _observedMax;

    /// <summary>Creates a SLAF initialised as a ReLU approximation (<see cref="InitializeAsRelu"/>).</summary>
    /// <param name="inputShape">The per-sample shape of the input (for example (5, 13, 13) or (100)).</param>
    /// <param name="degree">Polynomial degree, 1 to <see cref="MaxDegree"/>; 3 by default.</param>
    /// <param name="granularity">One polynomial per neuron (default) or per channel.</param>
    /// <param name="inputScale">The scale <c>s</c> with <c>t = x/s</c>: a typical magnitude of the input; positive and finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">The degree or scale is out of range.</exception>
    /// <exception cref="ArgumentException">The shape is empty.</exception>
    public Slaf(TensorShape inputShape, int degree = 3, SlafGranularity granularity = SlafGranularity.PerNeuron, float inputScale = 1f)
    {
        if (inputShape.Rank == 0)
        {
            throw new ArgumentException("The input shape must have at least one dimension.", nameof(inputShape));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(degree, MaxDegree);
        if (granularity is not (SlafGranularity.PerNeuron or SlafGranularity.PerChannel))
        {
            throw new ArgumentOutOfRangeException(nameof(granularity), granularity, "Unknown granularity.");
        }

        if (inputShape.Length > Dense.MaxFeatures)
        {
            throw new ArgumentException($"At most {Dense.MaxFeatures} elements per sample; got {inputShape}.", nameof(inputShape));
        }

        InputShape = inputShape;
        Degree = degree;
        Granularity = granularity;
        UnitCount = granularity == SlafGranularity.PerNeuron ? inputShape.Length : inputShape[0];
        _spatial = inputShape.Length / UnitCount;
        _coefficients = new Parameter("coefficients", new Tensor(new TensorShape(degree + 1, UnitCount)), decay: false);
        _parameters = [_coefficients];
        InitializeAsRelu(inputScale);
    }

    /// <summary>The per-sample input (and output) shape.</summary>
    public TensorShape InputShape { get; }

    /// <summary>The polynomial degree n.</summary>
    public int Degree { get; }

    /// <summary>Whether coefficients are per neuron or per channel.</summary>
    public SlafGranularity Granularity { get; }

    /// <summary>The number of coefficient vectors (neurons or channels).</summary>
    public int UnitCount { get; }

    /// <summary>The fixed input scale <c>s</c>: the polynomial is evaluated at <c>t = x·(1/s)</c>.</summary>
    public float InputScale { get; private set; }

    /// <summary>
    /// The coefficients <c>c_d[u]</c> in the normalised variable <c>t</c>, shape <c>(Degree + 1, UnitCount)</c>:
    /// row d holds the coefficient of <c>t^d</c> for every unit.
    /// </summary>
    public Parameter Coefficients => _coefficients;

    /// <summary>The bound T (in units of <c>t</c>) beyond which <see cref="RangePenalty"/> applies; 4 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive and finite.</exception>
    public float RangeBound
    {
        get;
        set => field = value > 0f && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "RangeBound must be positive and finite.");
    } = 4f;

    /// <summary>The weight λ of the soft range penalty added while training; 0 (off) by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public float RangePenalty
    {
        get;
        set => field = value >= 0f && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "RangePenalty must be non-negative and finite.");
    }

    /// <summary>The largest |x| passed to <see cref="Layer.Forward"/> since the last <see cref="ResetObservedRange"/> (NaN if a NaN was seen).</summary>
    public float ObservedMaxAbsInput
    {
        get => _observedMax;
        internal set => _observedMax = value;
    }

    /// <summary>The range penalty of the last training backward pass (already divided by the batch size).</summary>
    public double LastPenalty { get; private set; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override int MultiplicativeDepth => DepthOfDegree(Degree);

    /// <summary>The levels a polynomial of degree <paramref name="degree"/> with per-slot coefficients needs: ⌈log2(degree + 1)⌉.</summary>
    public static int DepthOfDegree(int degree)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 1);
        int depth = 0;
        while ((1 << depth) < degree + 1)
        {
            depth++;
        }

        return depth;
    }

    /// <summary>The unit (coefficient column) that element <paramref name="element"/> of a sample uses.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The element is outside the sample.</exception>
    public int UnitOf(int element)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(element);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(element, InputShape.Length);
        return element / _spatial;
    }

    /// <summary>Forgets the recorded input range.</summary>
    public void ResetObservedRange() => _observedMax = 0f;

    /// <summary>
    /// Sets <see cref="InputScale"/> to <paramref name="inputScale"/> and every unit to the least-squares approximation
    /// of ReLU for inputs <c>x ~ N(0, s²)</c>: <c>c_d = s·h_d</c> with <c>h</c> minimising <c>E[(Σ h_d t^d − relu(t))²]</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not positive and finite.</exception>
    public void InitializeAsRelu(float inputScale)
    {
        if (!(inputScale > 0f && float.IsFinite(inputScale)))
        {
            throw new ArgumentOutOfRangeException(nameof(inputScale), inputScale, "The input scale must be positive and finite.");
        }

        InputScale = inputScale;
        double[] h = HermiteReluFit(Degree);
        for (int d = 0; d <= Degree; d++)
        {
            _coefficients.Value.Data.AsSpan(d * UnitCount, UnitCount).Fill((float)(inputScale * h[d]));
        }
    }

    /// <summary>
    /// SLAF-R initialisation: sets <see cref="InputScale"/> to the root mean square of <paramref name="inputs"/> and
    /// fits every unit's polynomial to ReLU on those inputs by least squares, with a small ridge term towards the
    /// <see cref="InitializeAsRelu"/> coefficients (so units whose inputs hardly vary stay well defined).
    /// </summary>
    /// <param name="inputs">A batch of inputs of shape <c>(M, ...InputShape)</c>, M ≥ 1, all finite.</param>
    /// <exception cref="ArgumentException">The shape does not match or a value is not finite.</exception>
    public void FitToRelu(Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Shape.Rank < 2 || inputs.Shape.WithoutBatch() != InputShape)
        {
            throw new ArgumentException($"Expected a batch of samples of shape {InputShape}; got {inputs.Shape}.", nameof(inputs));
        }

        double squares = 0;
        foreach (float v in inputs.Data)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("The calibration inputs contain a value that is not finite.", nameof(inputs));
            }

            squares += (double)v * v;
        }

        double rms = Math.Sqrt(squares / inputs.Length);
        InitializeAsRelu(rms > 1e-6 ? (float)rms : 1f);
        int n = Degree + 1, samples = inputs.Shape[0], length = InputShape.Length;
        float invScale = 1f / InputScale;
        double[] prior = new double[n];
        for (int d = 0; d < n; d++)
        {
            prior[d] = _coefficients.Value.Data[d * UnitCount];
        }

        double[] matrix = new double[n * n], rhs = new double[n], powers = new double[(2 * n) - 1];
        double[] moments = new double[(2 * n) - 1], targets = new double[n];
        for (int u = 0; u < UnitCount; u++)
        {
            Array.Clear(moments);
            Array.Clear(targets);
            int points = 0;
            for (int m = 0; m < samples; m++)
            {
                for (int e = u * _spatial; e < (u + 1) * _spatial; e++)
                {
                    float x = inputs.Data[(m * length) + e];
                    double t = x * invScale, relu = Math.Max(x, 0f), p = 1;
                    for (int k = 0; k < powers.Length; k++, p *= t)
                    {
                        moments[k] += p;
                        if (k < n)
                        {
                            targets[k] += p * relu;
                        }
                    }

                    points++;
                }
            }

            double ridge = 1e-3 * points;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    matrix[(i * n) + j] = moments[i + j] + (i == j ? ridge : 0);
                }

                rhs[i] = targets[i] + (ridge * prior[i]);
            }

            if (Solve(matrix, rhs, n))
            {
                for (int d = 0; d < n; d++)
                {
                    _coefficients.Value.Data[(d * UnitCount) + u] = (float)rhs[d];
                }
            }
        }
    }

    /// <summary>
    /// The same polynomials in the raw input: <c>p_u(x) = Σ a_d[u]·x^d</c> with <c>a_d[u] = c_d[u]·(1/s)^d</c>,
    /// shape <c>(Degree + 1, UnitCount)</c> row-major.
    /// </summary>
    public double[] GetMonomialCoefficients()
    {
        double[] result = new double[(Degree + 1) * UnitCount];
        double invScale = 1f / InputScale, power = 1;
        for (int d = 0; d <= Degree; d++, power *= invScale)
        {
            for (int u = 0; u < UnitCount; u++)
            {
                result[(d * UnitCount) + u] = _coefficients.Value.Data[(d * UnitCount) + u] * power;
            }
        }

        return result;
    }

    /// <summary>Evaluates unit <paramref name="unit"/>'s polynomial at <paramref name="x"/> exactly as the forward pass does.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The unit is out of range.</exception>
    public float Evaluate(int unit, float x)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unit);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(unit, UnitCount);
        float t = x * (1f / InputScale);
        float y = _coefficients.Value.Data[(Degree * UnitCount) + unit];
        for (int d = Degree - 1; d >= 0; d--)
        {
            y = (y * t) + _coefficients.Value.Data[(d * UnitCount) + unit];
        }

        return y;
    }

    /// <inheritdoc/>
    public override TensorShape GetOutputShape(TensorShape inputShape)
    {
        if (inputShape != InputShape)
        {
            throw new ArgumentException($"{this} expects samples of shape {InputShape}; got {inputShape}.", nameof(inputShape));
        }

        return inputShape;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Slaf(degree {Degree}, {(Granularity == SlafGranularity.PerNeuron ? "per neuron" : "per channel")}, {UnitCount} units)";

    /// <inheritdoc/>
    internal override Tensor ForwardCore(Tensor input, bool training)
    {
        int batch = input.Shape[0], length = InputShape.Length;
        Tensor output = Tensor.Ensure(ref _output, input.Shape);
        float[] coefficients = ExpandedCoefficients();
        if (_scaled.Length != input.Length)
        {
            _scaled = new float[input.Length];
        }

        float[] x = input.Data, t = _scaled, y = output.Data;
        float invScale = 1f / InputScale;
        int degree = Degree;
        int parts = Compute.Parts(length, (long)input.Length * (degree + 1));
        if (_partMax.Length < parts)
        {
            _partMax = new float[parts];
        }

        float[] partMax = _partMax;
        Compute.For(parts, part =>
        {
            (int n0, int n1) = ComputeContext.Range(length, parts, part, 8);
            int width = n1 - n0;
            float max = 0f;
            for (int b = 0; b < batch; b++)
            {
                int start = (b * length) + n0;
                ReadOnlySpan<float> xs = x.AsSpan(start, width);
                Span<float> ts = t.AsSpan(start, width), ys = y.AsSpan(start, width);
                if (width > 0)
                {
                    max = MaxOf(max, MathF.Abs(TensorPrimitives.MaxMagnitude(xs)));
                }

                TensorPrimitives.Multiply(xs, invScale, ts);
                coefficients.AsSpan((degree * length) + n0, width).CopyTo(ys);
                for (int d = degree - 1; d >= 0; d--)
                {
                    TensorPrimitives.MultiplyAdd(ys, ts, coefficients.AsSpan((d * length) + n0, width), ys);
                }
            }

            partMax[part] = max;
        });

        for (int part = 0; part < parts; part++)
        {
            _observedMax = MaxOf(_observedMax, partMax[part]);
        }

        _input = training ? input : null;
        return output;
    }

    /// <inheritdoc/>
    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        CheckGradient(outputGradient, _input is null ? null : _output);
        Tensor input = _input!;
        int batch = input.Shape[0], length = InputShape.Length, degree = Degree;
        float[] coefficients = ExpandedCoefficients();
        if (_derivative.Length != degree * length)
        {
            _derivative = new float[degree * length];
        }

        for (int d = 1; d <= degree; d++)
        {
            TensorPrimitives.Multiply(coefficients.AsSpan(d * length, length), d, _derivative.AsSpan((d - 1) * length, length));
        }

        float[] gradient;
        if (Granularity == SlafGranularity.PerNeuron)
        {
            gradient = _coefficients.Gradient.Data;
        }
        else
        {
            if (_gradientExpanded.Length != (degree + 1) * length)
            {
                _gradientExpanded = new float[(degree + 1) * length];
            }

            gradient = _gradientExpanded;
            Array.Clear(gradient);
        }

        if (_q.Length != input.Length)
        {
            _q = new float[input.Length];
            _pow = new float[input.Length];
        }

        Tensor dxTensor = Tensor.Ensure(ref _inputGradient, input.Shape);
        float[] t = _scaled, dy = outputGradient.Data, dx = dxTensor.Data, q = _q, pow = _pow, derivative = _derivative;
        float invScale = 1f / InputScale;
        float bound = RangeBound, penalty = RangePenalty;
        float penaltyGradient = 2f * penalty / batch * invScale;
        int parts = Compute.Parts(length, (long)input.Length * (3 * degree + 2));
        if (_partPenalty.Length < parts)
        {
            _partPenalty = new double[parts];
        }

        double[] partPenalty = _partPenalty;
        Compute.For(parts, part =>
        {
            (int n0, int n1) = ComputeContext.Range(length, parts, part, 8);
            int width = n1 - n0;
            double penaltySum = 0;
            for (int b = 0; b < batch; b++)
            {
                int start = (b * length) + n0;
                ReadOnlySpan<float> ts = t.AsSpan(start, width), dys = dy.AsSpan(start, width);
                Span<float> qs = q.AsSpan(start, width), ps = pow.AsSpan(start, width), dxs = dx.AsSpan(start, width);

                // Coefficient gradients: g_d += dy · t^d.
                dys.CopyTo(ps);
                Span<float> g0 = gradient.AsSpan(n0, width);
                TensorPrimitives.Add(g0, ps, g0);
                for (int d = 1; d <= degree; d++)
                {
                    TensorPrimitives.Multiply(ps, ts, ps);
                    Span<float> gd = gradient.AsSpan((d * length) + n0, width);
                    TensorPrimitives.Add(gd, ps, gd);
                }

                if (!needInputGradient)
                {
                    continue;
                }

                // dx = dy · p'(t) / s, with p'(t) = Σ d·c_d·t^(d−1) by Horner.
                derivative.AsSpan(((degree - 1) * length) + n0, width).CopyTo(qs);
                for (int d = degree - 2; d >= 0; d--)
                {
                    TensorPrimitives.MultiplyAdd(qs, ts, derivative.AsSpan((d * length) + n0, width), qs);
                }

                TensorPrimitives.Multiply(dys, qs, dxs);
                TensorPrimitives.Multiply(dxs, invScale, dxs);
                if (penalty > 0f)
                {
                    for (int i = 0; i < width; i++)
                    {
                        float excess = MathF.Abs(ts[i]) - bound;
                        if (excess > 0f)
                        {
                            dxs[i] += penaltyGradient * excess * MathF.Sign(ts[i]);
                            penaltySum += (double)excess * excess;
                        }
                    }
                }
            }

            partPenalty[part] = penaltySum;
        });

        double totalPenalty = 0;
        for (int part = 0; part < parts; part++)
        {
            totalPenalty += partPenalty[part];
        }

        LastPenalty = totalPenalty * penalty / batch;
        if (Granularity == SlafGranularity.PerChannel)
        {
            float[] target = _coefficients.Gradient.Data;
            for (int d = 0; d <= degree; d++)
            {
                for (int u = 0; u < UnitCount; u++)
                {
                    target[(d * UnitCount) + u] += Reduce.Sum(gradient.AsSpan((d * length) + (u * _spatial), _spatial));
                }
            }
        }

        return needInputGradient ? dxTensor : null;
    }

    /// <inheritdoc/>
    internal override Layer Clone()
    {
        var copy = new Slaf(InputShape, Degree, Granularity, InputScale)
        {
            RangeBound = RangeBound,
            RangePenalty = RangePenalty,
            ObservedMaxAbsInput = ObservedMaxAbsInput,
        };
        _coefficients.Value.Data.CopyTo(copy._coefficients.Value.Data, 0);
        return copy;
    }

    /// <summary>Sets the scale without touching the coefficients (used when loading a model).</summary>
    internal void SetInputScale(float inputScale) => InputScale = inputScale;

    /// <summary>
    /// The coefficients of ReLU's least-squares polynomial approximation of degree <paramref name="degree"/>
    /// under a standard normal input, from the exact Gaussian moments.
    /// </summary>
    internal static double[] HermiteReluFit(int degree)
    {
        int n = degree + 1;
        // E[t^k] (0 for odd k, (k-1)!! for even) and E[|t|^k] = (k-1)·E[|t|^(k-2)], E|t| = sqrt(2/pi).
        double[] moment = new double[2 * n], absMoment = new double[2 * n];
        moment[0] = 1;
        absMoment[0] = 1;
        absMoment[1] = Math.Sqrt(2 / Math.PI);
        for (int k = 2; k < 2 * n; k++)
        {
            moment[k] = (k - 1) * moment[k - 2];
            absMoment[k] = (k - 1) * absMoment[k - 2];
        }

        double[] matrix = new double[n * n], rhs = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                matrix[(i * n) + j] = moment[i + j];
            }

            rhs[i] = 0.5 * absMoment[i + 1]; // E[t^i relu(t)] = E[t^(i+1); t > 0] = E|t|^(i+1) / 2
        }

        if (!Solve(matrix, rhs, n))
        {
            throw new InvalidOperationException($"The ReLU fit of degree {degree} is singular.");
        }

        return rhs;
    }

    /// <summary>Solves <c>matrix · x = rhs</c> in place (Gaussian elimination, partial pivoting); false if singular.</summary>
    private static bool Solve(double[] matrix, double[] rhs, int n)
    {
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
            {
                if (Math.Abs(matrix[(r * n) + col]) > Math.Abs(matrix[(pivot * n) + col]))
                {
                    pivot = r;
                }
            }

            if (!(Math.Abs(matrix[(pivot * n) + col]) > 1e-300))
            {
                return false;
            }

            if (pivot != col)
            {
                for (int c = 0; c < n; c++)
                {
                    (matrix[(col * n) + c], matrix[(pivot * n) + c]) = (matrix[(pivot * n) + c], matrix[(col * n) + c]);
                }

                (rhs[col], rhs[pivot]) = (rhs[pivot], rhs[col]);
            }

            for (int r = col + 1; r < n; r++)
            {
                double f = matrix[(r * n) + col] / matrix[(col * n) + col];
                for (int c = col; c < n; c++)
                {
                    matrix[(r * n) + c] -= f * matrix[(col * n) + c];
                }

                rhs[r] -= f * rhs[col];
            }
        }

        for (int r = n - 1; r >= 0; r--)
        {
            double s = rhs[r];
            for (int c = r + 1; c < n; c++)
            {
                s -= matrix[(r * n) + c] * rhs[c];
            }

            rhs[r] = s / matrix[(r * n) + r];
        }

        foreach (double v in rhs)
        {
            if (!double.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private static float MaxOf(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : Math.Max(a, b);

    /// <summary>The coefficients laid out per element of a sample: <c>(Degree + 1) × InputShape.Length</c>.</summary>
    private float[] ExpandedCoefficients()
    {
        if (Granularity == SlafGranularity.PerNeuron)
        {
            return _coefficients.Value.Data;
        }

        int length = InputShape.Length;
        if (_expanded.Length != (Degree + 1) * length)
        {
            _expanded = new float[(Degree + 1) * length];
        }

        for (int d = 0; d <= Degree; d++)
        {
            for (int u = 0; u < UnitCount; u++)
            {
                _expanded.AsSpan((d * length) + (u * _spatial), _spatial).Fill(_coefficients.Value.Data[(d * UnitCount) + u]);
            }
        }

        return _expanded;
    }
}
