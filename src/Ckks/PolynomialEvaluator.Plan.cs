using System.Numerics;

namespace CkksRns.Ckks;

public sealed partial class PolynomialEvaluator
{
    /// <summary><c>ceil(log2 i)</c> for <c>i ≥ 1</c>: the depth at which the power basis holds <c>T_i</c> (or <c>x^i</c>).</summary>
    internal static int PowerDepth(int i) => i <= 1 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)(i - 1));

    /// <summary>A coefficient: a scalar, or a vector of one value per slot (full slot count).</summary>
    internal readonly struct Coefficient
    {
        public Coefficient(double scalar)
        {
            Scalar = scalar;
            Vector = null;
        }

        public Coefficient(double[] vector)
        {
            Scalar = 0;
            Vector = vector;
        }

        public double Scalar { get; }

        public double[]? Vector { get; }

        public bool IsZero
        {
            get
            {
                if (Vector is null)
                {
                    return Scalar == 0;
                }

                foreach (double v in Vector)
                {
                    if (v != 0)
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        /// <summary><c>factor·this</c>.</summary>
        public Coefficient Times(double factor)
        {
            if (Vector is null)
            {
                return new Coefficient(factor * Scalar);
            }

            var result = new double[Vector.Length];
            for (int j = 0; j < result.Length; j++)
            {
                result[j] = factor * Vector[j];
            }

            return new Coefficient(result);
        }

        /// <summary><c>this - other</c>.</summary>
        public Coefficient Minus(Coefficient other)
        {
            if (Vector is null && other.Vector is null)
            {
                return new Coefficient(Scalar - other.Scalar);
            }

            int length = Vector?.Length ?? other.Vector!.Length;
            var result = new double[length];
            for (int j = 0; j < length; j++)
            {
                result[j] = (Vector is null ? Scalar : Vector[j]) - (other.Vector is null ? other.Scalar : other.Vector[j]);
            }

            return new Coefficient(result);
        }
    }

    /// <summary>A node of the evaluation tree: <see cref="Leaf"/> or <see cref="Split"/>.</summary>
    internal abstract class Node
    {
        /// <summary>The number of levels evaluating this node consumes from the input's level.</summary>
        public int Depth { get; protected init; }
    }

    /// <summary><c>Σ_(i &lt; 2^g0) c_i·T_i</c> over the baby-step powers.</summary>
    internal sealed class Leaf : Node
    {
        public Leaf(Coefficient[] coefficients)
        {
            Coefficients = coefficients;
            int depth = 0;
            for (int i = 1; i < coefficients.Length; i++)
            {
                if (!coefficients[i].IsZero)
                {
                    depth = Math.Max(depth, PowerDepth(i) + 1);
                }
            }

            Depth = depth;
        }

        public Coefficient[] Coefficients { get; }

        /// <summary>Whether only <c>c_0</c> may be non-zero (no ciphertext work, no level).</summary>
        public bool IsConstant => Depth == 0;
    }

    /// <summary><c>q·T_(2^k) + r</c> (or <c>q·x^(2^k) + r</c>): a giant step.</summary>
    internal sealed class Split : Node
    {
        public Split(int k, Node quotient, Node? remainder)
        {
            K = k;
            Quotient = quotient;
            Remainder = remainder;
            Depth = Math.Max(Math.Max(k, quotient.Depth) + 1, remainder?.Depth ?? 0);
        }

        public int K { get; }

        public Node Quotient { get; }

        /// <summary>The remainder, or null when it is zero.</summary>
        public Node? Remainder { get; }
    }

    /// <summary>
    /// Builds the evaluation tree: the largest baby-step size <c>2^g0</c> (up to about the square root of the degree)
    /// whose tree reaches the minimal depth <c>ceil(log2(d + 1))</c>; <c>g0 = 1</c> always does.
    /// </summary>
    internal static Node BuildPlan(Polynomial polynomial, int slots)
    {
        Coefficient[] coefficients = Normalize(polynomial, slots);
        int target = polynomial.MinimalDepth;
        if (polynomial.Degree == 0)
        {
            return new Leaf(coefficients);
        }

        int largest = Math.Max(1, (target + 1) / 2);
        for (int g0 = largest; g0 >= 1; g0--)
        {
            Node root = BuildNode(coefficients, polynomial.Basis, g0);
            if (root.Depth <= target)
            {
                return root;
            }
        }

        throw new InvalidOperationException($"Internal error: no evaluation tree of depth {target} for degree {polynomial.Degree}.");
    }

    private static Coefficient[] Normalize(Polynomial polynomial, int slots)
    {
        int count = polynomial.Degree + 1;
        var result = new Coefficient[count];
        for (int k = 0; k < count; k++)
        {
            if (polynomial.Vectors is null)
            {
                result[k] = new Coefficient(polynomial.Scalars[k]);
                continue;
            }

            double[] source = polynomial.Vectors[k];
            bool uniform = source.Length == slots;
            for (int j = 1; j < source.Length && uniform; j++)
            {
                uniform = source[j] == source[0];
            }

            if (uniform)
            {
                result[k] = new Coefficient(source[0]);
            }
            else
            {
                var padded = new double[slots];
                source.CopyTo(padded, 0);
                result[k] = new Coefficient(padded);
            }
        }

        return result;
    }

    private static Node BuildNode(Coefficient[] c, PolynomialBasis basis, int g0)
    {
        int degree = c.Length - 1;
        while (degree > 0 && c[degree].IsZero)
        {
            degree--;
        }

        if (degree < 1 << g0)
        {
            return new Leaf(c[..(degree + 1)]);
        }

        int k = BitOperations.Log2((uint)degree), n = 1 << k;
        var quotient = new Coefficient[degree - n + 1];
        var remainder = new Coefficient[n];
        Array.Copy(c, remainder, n);
        if (basis == PolynomialBasis.Monomial)
        {
            Array.Copy(c, n, quotient, 0, quotient.Length);
        }
        else
        {
            // p = q·T_n + r with T_n·T_j = (T_(n+j) + T_(n-j)) / 2: q_0 = c_n, q_j = 2·c_(n+j), r_(n-j) = c_(n-j) - c_(n+j).
            quotient[0] = c[n];
            for (int j = 1; j < quotient.Length; j++)
            {
                quotient[j] = c[n + j].Times(2);
                remainder[n - j] = remainder[n - j].Minus(c[n + j]);
            }
        }

        Node q = BuildNode(quotient, basis, g0);
        Node r = BuildNode(remainder, basis, g0);
        bool remainderIsZero = r is Leaf { IsConstant: true } leaf && leaf.Coefficients[0].IsZero;
        return new Split(k, q, remainderIsZero ? null : r);
    }
}
