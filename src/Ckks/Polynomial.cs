using System.Globalization;

namespace CkksRns.Ckks;

/// <summary>
/// A real polynomial for <see cref="PolynomialEvaluator"/>, in the monomial or the Chebyshev basis, whose coefficients
/// are either scalars (the same polynomial in every slot) or vectors (a different polynomial in each slot, as for
/// activation functions with one set of coefficients per neuron).
/// </summary>
/// <remarks>
/// <para>
/// Per-slot coefficients: coefficient <c>k</c> is a vector whose element <c>j</c> applies to slot <c>j</c>. A vector
/// shorter than the number of slots is zero-padded (the missing slots have coefficient 0), as the encoder pads values.
/// </para>
/// <para>
/// The <see cref="Degree"/> is the index of the last coefficient that is not zero (in some slot); trailing zero
/// coefficients cost nothing. Evaluating a polynomial of degree <c>d ≥ 1</c> consumes
/// <see cref="Depth"/> <c>= ceil(log2(d + 1))</c> levels, plus one for a Chebyshev polynomial on a wide interval
/// (see <see cref="ChangeOfVariableCostsLevel"/>).
/// </para>
/// <para>Instances are immutable.</para>
/// </remarks>
public sealed class Polynomial
{
    private readonly double[] _scalars;
    private readonly double[][]? _vectors;

    private Polynomial(PolynomialBasis basis, double[] scalars, double[][]? vectors, double a, double b)
    {
        Basis = basis;
        _scalars = scalars;
        _vectors = vectors;
        IntervalStart = a;
        IntervalEnd = b;
        int count = vectors?.Length ?? scalars.Length;
        int degree = 0;
        for (int k = count - 1; k > 0; k--)
        {
            if (!IsZero(k))
            {
                degree = k;
                break;
            }
        }

        CoefficientCount = count;
        Degree = degree;
        MinimalDepth = degree == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)degree);

        // y = α·x + β with α = 2/(b-a): α is absorbed into the scale for free, which leaves the powers T_i with scales
        // α^-i times too large when α < 1; that costs about Degree·log2(1/α) bits of precision, so beyond 2 bits one level
        // is spent on a true multiplication by α instead.
        double alpha = 2 / (b - a);
        ChangeOfVariableCostsLevel = basis == PolynomialBasis.Chebyshev && degree >= 1 && alpha < 1 && degree * Math.Log2(1 / alpha) > 2;
        Depth = MinimalDepth + (ChangeOfVariableCostsLevel ? 1 : 0);
        SlotCount = 0;
        if (vectors is not null)
        {
            foreach (double[] v in vectors)
            {
                SlotCount = Math.Max(SlotCount, v.Length);
            }
        }
    }

    /// <summary>The basis of the coefficients.</summary>
    public PolynomialBasis Basis { get; }

    /// <summary>The start <c>a</c> of the Chebyshev interval <c>[a, b]</c> (-1 for the monomial basis).</summary>
    public double IntervalStart { get; }

    /// <summary>The end <c>b</c> of the Chebyshev interval <c>[a, b]</c> (1 for the monomial basis).</summary>
    public double IntervalEnd { get; }

    /// <summary>The number of coefficients given, including trailing zeros.</summary>
    public int CoefficientCount { get; }

    /// <summary>The degree: the index of the last coefficient that is not zero in some slot (0 for a constant).</summary>
    public int Degree { get; }

    /// <summary>
    /// The number of levels evaluation consumes: <see cref="MinimalDepth"/>, plus one when
    /// <see cref="ChangeOfVariableCostsLevel"/>.
    /// </summary>
    public int Depth { get; }

    /// <summary>The minimal multiplicative depth of the degree, <c>ceil(log2(Degree + 1))</c> (0 for a constant).</summary>
    public int MinimalDepth { get; }

    /// <summary>
    /// Whether the Chebyshev change of variable <c>y = α·x + β</c>, <c>α = 2/(b - a)</c>, costs a level: only for wide
    /// intervals, when <c>α &lt; 1</c> and <c>Degree·log2(1/α) &gt; 2</c> (for example <c>[-8, 8]</c> from degree 1 on,
    /// <c>[-2, 2]</c> from degree 3 on). Otherwise it is free: <c>α</c> is absorbed into the input's scale and
    /// <c>β</c> is added as a constant.
    /// </summary>
    public bool ChangeOfVariableCostsLevel { get; }

    /// <summary>Whether the coefficients are per-slot vectors.</summary>
    public bool IsPerSlot => _vectors is not null;

    /// <summary>For per-slot coefficients, the length of the longest coefficient vector; 0 for scalar coefficients.</summary>
    public int SlotCount { get; }

    /// <summary>Creates <c>p(x) = Σ c_k·x^k</c> with scalar coefficients.</summary>
    /// <param name="coefficients">The coefficients <c>c_0, c_1, …</c>: at least one, all finite.</param>
    /// <returns>The polynomial.</returns>
    /// <exception cref="ArgumentException">There is no coefficient, or one is not finite.</exception>
    public static Polynomial FromMonomial(ReadOnlySpan<double> coefficients) =>
        new(PolynomialBasis.Monomial, CheckScalars(coefficients), null, -1, 1);

    /// <summary>Creates <c>p(x) = Σ c_k·T_k((2x - a - b)/(b - a))</c> with scalar coefficients.</summary>
    /// <param name="coefficients">The Chebyshev coefficients <c>c_0, c_1, …</c>: at least one, all finite.</param>
    /// <param name="intervalStart">The start <c>a</c> of the interval the inputs lie in.</param>
    /// <param name="intervalEnd">The end <c>b &gt; a</c> of the interval.</param>
    /// <returns>The polynomial.</returns>
    /// <exception cref="ArgumentException">There is no coefficient, one is not finite, or the interval is empty or not finite.</exception>
    public static Polynomial FromChebyshev(ReadOnlySpan<double> coefficients, double intervalStart = -1, double intervalEnd = 1)
    {
        CheckInterval(intervalStart, intervalEnd);
        return new(PolynomialBasis.Chebyshev, CheckScalars(coefficients), null, intervalStart, intervalEnd);
    }

    /// <summary>Creates <c>p_j(x) = Σ c_k[j]·x^k</c> with a coefficient vector per power (element <c>j</c> for slot <c>j</c>).</summary>
    /// <param name="coefficients">The coefficient vectors <c>c_0, c_1, …</c>: at least one, each with at least one finite value (copied).</param>
    /// <returns>The polynomial.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="coefficients"/> or one of its vectors is null.</exception>
    /// <exception cref="ArgumentException">There is no coefficient, a vector is empty, or a value is not finite.</exception>
    public static Polynomial FromMonomial(IReadOnlyList<double[]> coefficients) =>
        new(PolynomialBasis.Monomial, [], CheckVectors(coefficients), -1, 1);

    /// <summary>Creates <c>p_j(x) = Σ c_k[j]·T_k((2x - a - b)/(b - a))</c> with a coefficient vector per Chebyshev polynomial.</summary>
    /// <param name="coefficients">The coefficient vectors <c>c_0, c_1, …</c>: at least one, each with at least one finite value (copied).</param>
    /// <param name="intervalStart">The start <c>a</c> of the interval the inputs lie in.</param>
    /// <param name="intervalEnd">The end <c>b &gt; a</c> of the interval.</param>
    /// <returns>The polynomial.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="coefficients"/> or one of its vectors is null.</exception>
    /// <exception cref="ArgumentException">There is no coefficient, a vector is empty, a value is not finite, or the interval is empty or not finite.</exception>
    public static Polynomial FromChebyshev(IReadOnlyList<double[]> coefficients, double intervalStart = -1, double intervalEnd = 1)
    {
        CheckInterval(intervalStart, intervalEnd);
        return new(PolynomialBasis.Chebyshev, [], CheckVectors(coefficients), intervalStart, intervalEnd);
    }

    /// <summary>Coefficient <paramref name="index"/> for slot <paramref name="slot"/> (0 beyond a vector's length).</summary>
    /// <param name="index">The coefficient index, in <c>[0, CoefficientCount)</c>.</param>
    /// <param name="slot">The slot; ignored for scalar coefficients.</param>
    /// <returns>The coefficient.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> or <paramref name="slot"/> is out of range.</exception>
    public double Coefficient(int index, int slot = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, CoefficientCount);
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        if (_vectors is null)
        {
            return _scalars[index];
        }

        double[] v = _vectors[index];
        return slot < v.Length ? v[slot] : 0;
    }

    /// <summary>Evaluates the polynomial of slot <paramref name="slot"/> at <paramref name="x"/> in double precision (the plaintext reference).</summary>
    /// <param name="x">The input.</param>
    /// <param name="slot">The slot whose coefficients to use; ignored for scalar coefficients.</param>
    /// <returns><c>p(x)</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> is negative.</exception>
    public double Evaluate(double x, int slot = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        if (Basis == PolynomialBasis.Monomial)
        {
            double result = 0;
            for (int k = CoefficientCount - 1; k >= 0; k--)
            {
                result = result * x + Coefficient(k, slot);
            }

            return result;
        }

        // Clenshaw's recurrence for Σ c_k T_k(y).
        double y = (2 * x - IntervalStart - IntervalEnd) / (IntervalEnd - IntervalStart);
        double b1 = 0, b2 = 0;
        for (int k = CoefficientCount - 1; k >= 1; k--)
        {
            double b0 = Coefficient(k, slot) + 2 * y * b1 - b2;
            b2 = b1;
            b1 = b0;
        }

        return Coefficient(0, slot) + y * b1 - b2;
    }

    /// <summary>Evaluates slot by slot: element <c>j</c> of the result is the polynomial of slot <c>j</c> at <c>x[j]</c>.</summary>
    /// <param name="x">The inputs, one per slot.</param>
    /// <returns>The values.</returns>
    public double[] Evaluate(ReadOnlySpan<double> x)
    {
        var result = new double[x.Length];
        for (int j = 0; j < x.Length; j++)
        {
            result[j] = Evaluate(x[j], j);
        }

        return result;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Polynomial({Basis}{(Basis == PolynomialBasis.Chebyshev ? $" on [{IntervalStart}, {IntervalEnd}]" : "")}, degree {Degree}, {(IsPerSlot ? $"per-slot coefficients over {SlotCount} slots" : "scalar coefficients")})");

    /// <summary>Whether coefficient <paramref name="index"/> is zero in every slot.</summary>
    internal bool IsZero(int index)
    {
        if (_vectors is null)
        {
            return _scalars[index] == 0;
        }

        foreach (double value in _vectors[index])
        {
            if (value != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The scalar coefficients (empty for per-slot ones).</summary>
    internal ReadOnlySpan<double> Scalars => _scalars;

    /// <summary>The coefficient vectors, or null for scalar coefficients.</summary>
    internal double[][]? Vectors => _vectors;

    private static double[] CheckScalars(ReadOnlySpan<double> coefficients)
    {
        if (coefficients.IsEmpty)
        {
            throw new ArgumentException("A polynomial needs at least one coefficient.", nameof(coefficients));
        }

        for (int k = 0; k < coefficients.Length; k++)
        {
            if (!double.IsFinite(coefficients[k]))
            {
                throw new ArgumentException($"Coefficient {k} is {coefficients[k]}; coefficients must be finite.", nameof(coefficients));
            }
        }

        return coefficients.ToArray();
    }

    private static double[][] CheckVectors(IReadOnlyList<double[]> coefficients)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        if (coefficients.Count == 0)
        {
            throw new ArgumentException("A polynomial needs at least one coefficient.", nameof(coefficients));
        }

        var copy = new double[coefficients.Count][];
        for (int k = 0; k < copy.Length; k++)
        {
            double[] vector = coefficients[k] ?? throw new ArgumentNullException(nameof(coefficients), $"Coefficient vector {k} is null.");
            if (vector.Length == 0)
            {
                throw new ArgumentException($"Coefficient vector {k} is empty; give at least one value.", nameof(coefficients));
            }

            for (int j = 0; j < vector.Length; j++)
            {
                if (!double.IsFinite(vector[j]))
                {
                    throw new ArgumentException($"Coefficient {k} of slot {j} is {vector[j]}; coefficients must be finite.", nameof(coefficients));
                }
            }

            copy[k] = (double[])vector.Clone();
        }

        return copy;
    }

    private static void CheckInterval(double a, double b)
    {
        if (!double.IsFinite(a) || !double.IsFinite(b) || !(a < b))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The interval [{a}, {b}] is invalid: expected finite bounds with a < b."), "intervalStart");
        }
    }
}
