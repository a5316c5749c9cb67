namespace CkksRns.Nn.Encrypted;

/// <summary>
/// How each stage chooses the scales of its constants so that its output lands exactly on the target scale. The plan
/// compiler uses these to simulate the chain; the evaluators use them with the actual ciphertext scales, so both agree
/// to the last bit (the evaluator's scale bookkeeping is the same double arithmetic).
/// </summary>
internal static class ScaleRules
{
    /// <summary>The smallest constant scale (bits) that keeps weights and coefficients precise enough.</summary>
    public const int MinConstantBits = 18;

    /// <summary>Linear stage: the constant scale that turns <paramref name="inScale"/> into <paramref name="target"/> after rescaling by <paramref name="q"/>.</summary>
    public static double LinearConstant(double inScale, double q, double target) => q * target / inScale;

    /// <summary>The scale after a constant multiplication and a rescale, as the evaluator computes it.</summary>
    public static double AfterRescale(double inScale, double constantScale, double q) => inScale * constantScale / q;

    /// <summary>
    /// The constant scales of a SLAF of degree 1 to 3 at input scale σ on primes <c>q_l</c> (top) and <c>q_{l-1}</c>;
    /// the square is taken at σ²·<paramref name="boost"/> (an exact integer factor, see <see cref="ActivationBoost"/>).
    /// </summary>
    public static ActivationScales Activation(int degree, double sigma, double qTop, double qNext, double target, double boost = 1)
    {
        if (degree == 1)
        {
            double c = LinearConstant(sigma, qTop, target);
            return new ActivationScales(0, 0, 0, 0, c, AfterRescale(sigma, c, qTop));
        }

        double square = sigma * sigma * boost / qTop;
        if (degree == 2)
        {
            double cu = target * qNext / square;
            double u2 = square * cu;
            return new ActivationScales(square, cu, 0, u2, u2 / sigma, u2 / qNext);
        }

        double tau = target * qNext / square;
        double ct = tau * qTop / sigma;
        double tAfter = sigma * ct / qTop;
        double u = square * tAfter;
        return new ActivationScales(square, ct, tAfter, u, u / sigma, u / qNext);
    }

    /// <summary>
    /// The largest boost of a square rescaled while of size 3: beyond it the error of <c>t = a3·x + a2</c>, whose scale
    /// after its rescale drops by the same factor and which multiplies x² (up to about 50 in the MNIST models), grows
    /// faster than the square's error shrinks. Measured on CNN1 (largest logit error over 8,192 images): 1.6e-2 with
    /// K = 1, 1.2e-2 with 2, 7.3e-3 with 4, 1.4e-2 with 8, 2.9e-2 with 16.
    /// </summary>
    public const double MaxActivationBoost = 4;

    /// <summary>
    /// The largest power of two K ≤ <see cref="MaxActivationBoost"/> by which a SLAF rescaling its square while still of size 3 raises the square's
    /// scale: it divides that rescale's relative error (amplified by <c>s²</c>) by K, and the constant scale of the
    /// term it multiplies (<c>a3·x + a2</c>, or <c>a2</c>) by K, which is kept at <see cref="MinConstantBits"/> + 4 bits
    /// or more. 1 when there is no such room.
    /// </summary>
    public static double ActivationBoost(int degree, double sigma, double qTop, double qNext, double target)
    {
        if (degree < 2)
        {
            return 1;
        }

        double constant = Activation(degree, sigma, qTop, qNext, target).T;
        double boost = 1;
        while (boost < MaxActivationBoost && constant / (2 * boost) >= Math.ScaleB(1, MinConstantBits + 4))
        {
            boost *= 2;
        }

        return boost;
    }
}

/// <summary>The scales inside a SLAF evaluation.</summary>
/// <param name="Square">Scale of x² after its rescale.</param>
/// <param name="T">Degree 3: the constant scale of <c>a3·x</c>; degree 2: the constant scale of <c>a2·x²</c>.</param>
/// <param name="TAfter">Degree 3: the scale of <c>t = a3·x + a2</c> after its rescale.</param>
/// <param name="U">Scale of <c>u = x²·t</c> (degree 3) or <c>a2·x²</c> (degree 2) before the final rescale.</param>
/// <param name="V">The constant scale of <c>a1·x</c> (for degree 1, of the whole linear polynomial).</param>
/// <param name="Output">The scale of the result.</param>
internal readonly record struct ActivationScales(double Square, double T, double TAfter, double U, double V, double Output);
