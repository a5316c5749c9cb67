namespace CkksRns.Ckks;

/// <summary>The basis a <see cref="Polynomial"/>'s coefficients are given in.</summary>
public enum PolynomialBasis
{
    /// <summary>The monomials <c>1, x, x², …</c>: <c>p(x) = Σ c_k·x^k</c>.</summary>
    Monomial,

    /// <summary>
    /// The Chebyshev polynomials of the first kind on an interval <c>[a, b]</c>: <c>p(x) = Σ c_k·T_k(y)</c> with
    /// <c>y = (2x - a - b) / (b - a)</c>, which maps <c>[a, b]</c> onto <c>[-1, 1]</c>.
    /// </summary>
    Chebyshev,
}
