using CkksRns.Nn.Layers;

namespace CkksRns.Nn.Encrypted;

/// <summary>A SLAF: one polynomial of degree 1 to 3 per element, <c>p_e(x) = Σ_d a_d[e]·x^d</c>.</summary>
internal sealed class ActivationStage : PlanStage
{
    /// <summary>The largest degree the encrypted evaluation supports.</summary>
    public const int MaxDegree = 3;

    public ActivationStage(Slaf slaf)
    {
        Degree = slaf.Degree;
        int n = slaf.InputShape.Length, units = slaf.UnitCount;
        double[] monomial = slaf.GetMonomialCoefficients();
        Coefficients = new double[Degree + 1][];
        for (int d = 0; d <= Degree; d++)
        {
            Coefficients[d] = new double[n];
            for (int e = 0; e < n; e++)
            {
                Coefficients[d][e] = monomial[(d * units) + slaf.UnitOf(e)];
            }
        }

        Length = n;
        Name = $"slaf{Degree}({n})";
    }

    /// <summary>The degree.</summary>
    public int Degree { get; }

    /// <summary><c>Coefficients[d][e]</c>: the coefficient of <c>x^d</c> for element e.</summary>
    public double[][] Coefficients { get; }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <inheritdoc/>
    public override int InputLength => Length;

    /// <inheritdoc/>
    public override int OutputLength => Length;

    /// <inheritdoc/>
    public override int Depth => Degree == 1 ? 1 : 2;

    /// <inheritdoc/>
    public override string Name { get; }

    /// <summary>The coefficient of <c>x^d</c> for element e (0 beyond the degree).</summary>
    public double Coefficient(int d, int e) => d <= Degree ? Coefficients[d][e] : 0;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<double> input, Span<double> output)
    {
        for (int e = 0; e < Length; e++)
        {
            double x = input[e], y = Coefficients[Degree][e];
            for (int d = Degree - 1; d >= 0; d--)
            {
                y = (y * x) + Coefficients[d][e];
            }

            output[e] = y;
        }
    }
}
