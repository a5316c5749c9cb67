using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace CkksRns.Ckks;

/// <summary>
/// Evaluates polynomials on encrypted vectors, slot by slot: <c>p(x)</c> in the monomial or Chebyshev basis, with scalar
/// or per-slot coefficients, by baby-step giant-step at the minimal multiplicative depth.
/// </summary>
/// <remarks>
/// <para>
/// <b>Algorithm.</b> The polynomial is split recursively at giant steps <c>T_(2^k)</c> (<c>x^(2^k)</c> in the monomial
/// basis), <c>p = q·T_(2^k) + r</c>, down to leaves <c>Σ_(i &lt; 2^g) c_i·T_i</c> over baby steps
/// (<see href="https://eprint.iacr.org/2020/1203">Bossuat et al. 2021</see>, after Paterson–Stockmeyer and
/// <see href="https://eprint.iacr.org/2018/1043">Han–Ki</see>). The baby-step size <c>2^g</c> is the largest (fewest
/// ciphertext multiplications) that still reaches the minimal depth; a leaf multiplies its powers by the coefficients
/// and shares one rescale with the giant-step product above it, so coefficient multiplications cost no extra level.
/// Powers are built by squaring and by <c>T_(a+b) = 2·T_a·T_b - T_(a-b)</c> (<c>x^(a+b) = x^a·x^b</c>), each at
/// depth <c>ceil(log2 i)</c>.
/// </para>
/// <para>
/// <b>Levels and scale.</b> For a polynomial of degree <c>d ≥ 1</c> the result is at level
/// <c>x.Level - polynomial.Depth</c>, where <see cref="Polynomial.Depth"/> is the minimal <c>ceil(log2(d + 1))</c>
/// except for Chebyshev polynomials on wide intervals (one more, below), and has exactly the requested target scale
/// (by default the input's scale): every coefficient is encoded at the scale that makes the following rescale land on
/// the scale required at that point, computed top-down from the target. The powers' scales are kept near the input's
/// scale by free integer multiplications before each rescale when the primes are larger than the scale (primes smaller
/// than the scale make the scales grow, which nothing free can undo: use primes at least as large as the scale). A
/// constant polynomial is returned at the input's level as a trivial (noiseless) encryption of the constant.
/// </para>
/// <para>
/// <b>Chebyshev intervals.</b> The change of variable <c>y = α·x + β</c> onto <c>[-1, 1]</c>, <c>α = 2/(b - a)</c>,
/// usually costs no level: <c>α</c> is absorbed into the scale of the input (the same ciphertext read at scale
/// <c>Δ/α</c> holds <c>α·x</c>) and <c>β</c> is added as a constant. On a wide interval (<c>α &lt; 1</c>) that leaves
/// the power <c>T_i</c> with a scale <c>α^-i</c> times too large, which costs about <c>d·log2(1/α)</c> bits; when that
/// exceeds 2 bits (<see cref="Polynomial.ChangeOfVariableCostsLevel"/>), the input is multiplied by <c>α</c> and
/// rescaled instead, one extra level. Inputs outside <c>[a, b]</c> are evaluated correctly too, but Chebyshev
/// polynomials grow fast there.
/// </para>
/// <para>
/// <b>Per-slot coefficients</b> are encoded into plaintexts and multiply the powers as plaintexts instead of constants;
/// levels and scales behave the same. Vectors whose values are all equal are treated as scalars. The evaluation plan is
/// built once per <see cref="Polynomial"/>, and each evaluator keeps the last few dozen coefficient plaintexts, so
/// evaluating the same polynomial again on inputs of the same level and scale (a layer of activations over many
/// ciphertexts) encodes nothing.
/// </para>
/// <para>Thread-safe as far as the wrapped <see cref="Ckks.Evaluator"/> is (it is).</para>
/// </remarks>
public sealed partial class PolynomialEvaluator
{
    /// <summary>The most encoded coefficient plaintexts kept between calls (the cache is emptied when it would exceed this).</summary>
    private const int PlaintextCacheCapacity = 64;

    private static readonly ConditionalWeakTable<Polynomial, PlanCacheEntry> Plans = [];

    private readonly CkksEncoder _encoder;
    private readonly ConcurrentDictionary<PlaintextKey, Plaintext> _plaintexts = new();

    // Intermediate ciphertexts (powers, products, terms) of finished evaluations, reused by the next ones.
    private readonly ConcurrentBag<Ciphertext> _buffers = [];

    /// <summary>Creates a polynomial evaluator on top of <paramref name="evaluator"/>.</summary>
    /// <param name="evaluator">The evaluator; it needs a relinearization key for polynomials of degree 2 or more.</param>
    /// <exception cref="ArgumentNullException"><paramref name="evaluator"/> is null.</exception>
    public PolynomialEvaluator(Evaluator evaluator)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        Evaluator = evaluator;
        _encoder = new CkksEncoder(evaluator.Context);
    }

    /// <summary>The evaluator used for every homomorphic operation.</summary>
    public Evaluator Evaluator { get; }

    /// <summary>The context.</summary>
    public CkksContext Context => Evaluator.Context;

    /// <summary>Returns <c>p(x)</c> slot by slot.</summary>
    /// <param name="x">The input ciphertext (size 2), at level at least <see cref="Polynomial.Depth"/>.</param>
    /// <param name="polynomial">The polynomial; per-slot coefficient vectors have at most <c>N/2</c> values.</param>
    /// <param name="targetScale">The scale of the result; <see langword="null"/> means <c>x.Scale</c>.</param>
    /// <returns>The result at level <c>x.Level - polynomial.Depth</c> with scale <paramref name="targetScale"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> has size 3 or belongs to another context, or a coefficient vector is longer than the slot count.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetScale"/> is not finite and positive.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="x"/> has fewer levels than the polynomial's depth, or the evaluator lacks the relinearization key.</exception>
    public Ciphertext Evaluate(Ciphertext x, Polynomial polynomial, double? targetScale = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var destination = new Ciphertext(Context);
        Evaluate(x, polynomial, destination, targetScale);
        return destination;
    }

    /// <summary>Computes <c>p(x)</c> slot by slot into <paramref name="destination"/>.</summary>
    /// <param name="x">The input ciphertext (size 2), at level at least <see cref="Polynomial.Depth"/>.</param>
    /// <param name="polynomial">The polynomial; per-slot coefficient vectors have at most <c>N/2</c> values.</param>
    /// <param name="destination">Receives the result; may be <paramref name="x"/>.</param>
    /// <param name="targetScale">The scale of the result; <see langword="null"/> means <c>x.Scale</c>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context, <paramref name="x"/> has size 3, or a coefficient vector is longer than the slot count.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetScale"/> is not finite and positive.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="x"/> has fewer levels than the polynomial's depth, or the evaluator lacks the relinearization key.</exception>
    public void Evaluate(Ciphertext x, Polynomial polynomial, Ciphertext destination, double? targetScale = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(polynomial);
        ArgumentNullException.ThrowIfNull(destination);
        Context.CheckSame(x.Context, nameof(x));
        Context.CheckSame(destination.Context, nameof(destination));
        if (x.Size != 2)
        {
            throw new ArgumentException($"Polynomial evaluation needs a ciphertext of size 2; x has size {x.Size}. Relinearize it first.", nameof(x));
        }

        int slots = Context.Parameters.Slots;
        if (polynomial.SlotCount > slots)
        {
            throw new ArgumentException(
                $"The polynomial has per-slot coefficient vectors of {polynomial.SlotCount} values, more than the {slots} slots.", nameof(polynomial));
        }

        double scale = targetScale ?? x.Scale;
        CkksContext.CheckScale(scale, nameof(targetScale));
        if (x.Level < polynomial.Depth)
        {
            throw new InvalidOperationException(
                $"A polynomial of degree {polynomial.Degree} needs {polynomial.Depth} levels, but x is at level {x.Level}. " +
                "Evaluate it earlier in the computation, use parameters with more levels, or a lower degree.");
        }

        Node root = GetPlan(polynomial, slots);
        int level = x.Level - polynomial.Depth;
        var arena = new Arena(this);
        try
        {
            Ciphertext result;
            if (root is Leaf { IsConstant: true } constant)
            {
                result = arena.Zero(level, scale);
                AddCoefficient(result, constant.Coefficients[0]);
            }
            else
            {
                Ciphertext y = PrepareInput(x, polynomial, arena);
                var powers = new PowerBasis(this, y, polynomial.Basis, x.Scale, arena);
                result = EvaluateNode(root, level, scale, powers, y.Level);
            }

            result.Scale = scale;
            result.CopyTo(destination);
        }
        finally
        {
            arena.ReturnAll();
        }
    }

    /// <summary>The intermediate ciphertexts of one evaluation: taken from the evaluator's buffers, all given back at its end.</summary>
    private sealed class Arena(PolynomialEvaluator owner)
    {
        private readonly List<Ciphertext> _rented = [];

        /// <summary>A buffer of size 2 at <paramref name="level"/> and <paramref name="scale"/>; its content is undefined.</summary>
        public Ciphertext Rent(int level, double scale)
        {
            Ciphertext c = owner._buffers.TryTake(out Ciphertext? pooled) ? pooled : new Ciphertext(owner.Context);
            c.Reshape(2, level, scale);
            _rented.Add(c);
            return c;
        }

        /// <summary>An encryption of zero (trivial) at <paramref name="level"/> and <paramref name="scale"/>.</summary>
        public Ciphertext Zero(int level, double scale)
        {
            Ciphertext c = Rent(level, scale);
            c[0].SetZero();
            c[1].SetZero();
            return c;
        }

        public void ReturnAll()
        {
            foreach (Ciphertext c in _rented)
            {
                owner._buffers.Add(c);
            }

            _rented.Clear();
        }
    }

    /// <summary>
    /// The input mapped onto <c>[-1, 1]</c> for the Chebyshev basis, <c>y = α·x + β</c>: the same ciphertext read at scale
    /// <c>Δ/α</c> (raised back towards <c>Δ</c> by an integer factor when <c>α &gt; 2</c>), plus <c>β</c>; or, when
    /// <see cref="Polynomial.ChangeOfVariableCostsLevel"/>, a true multiplication by <c>α</c> and a rescale.
    /// </summary>
    private Ciphertext PrepareInput(Ciphertext x, Polynomial polynomial, Arena arena)
    {
        if (polynomial.Basis != PolynomialBasis.Chebyshev || (polynomial.IntervalStart == -1 && polynomial.IntervalEnd == 1))
        {
            return x;
        }

        double a = polynomial.IntervalStart, b = polynomial.IntervalEnd;
        double alpha = 2 / (b - a), beta = -(a + b) / (b - a);
        Ciphertext y;
        if (polynomial.ChangeOfVariableCostsLevel)
        {
            // α encoded at q_ℓ, then divided by q_ℓ: the scale stays x.Scale.
            y = arena.Rent(x.Level, x.Scale);
            Evaluator.Multiply(x, alpha, y);
            Evaluator.Rescale(y, y);
            y.Scale = x.Scale;
        }
        else
        {
            y = arena.Rent(x.Level, x.Scale);
            x.CopyTo(y);
            y.Seed = null;
            y.Scale = x.Scale / alpha;
            RaiseScale(y, x.Scale);
        }

        if (beta != 0)
        {
            Evaluator.Add(y, beta, y);
        }

        return y;
    }

    /// <summary>
    /// When <paramref name="ciphertext"/>'s scale is below half of <paramref name="reference"/>, multiplies it by the integer
    /// <c>m = floor(reference / scale)</c> and multiplies the scale by <c>m</c>: the same values, the same relative noise,
    /// a scale in <c>(reference/2, reference]</c>, and no level. Applied to a product before its rescale, this stops the
    /// scales of the powers from drifting down when the primes are larger than the scale (the rescale's rounding would
    /// otherwise act on a small polynomial).
    /// </summary>
    private void RaiseScale(Ciphertext ciphertext, double reference)
    {
        double ratio = Math.Floor(reference / ciphertext.Scale);
        if (ratio >= 2 && ratio < 1L << 62)
        {
            Evaluator.MultiplyByInteger(ciphertext, (long)ratio, ciphertext);
            ciphertext.Scale *= ratio;
        }
    }

    /// <summary>Evaluates <paramref name="node"/> to a ciphertext at exactly <paramref name="level"/> and <paramref name="scale"/>.</summary>
    private Ciphertext EvaluateNode(Node node, int level, double scale, PowerBasis powers, int inputLevel)
    {
        if (node is Leaf { IsConstant: true } constant)
        {
            // Not reached from the planner's trees (constant quotients and remainders are folded into their parent).
            Ciphertext trivial = powers.Arena.Zero(level, scale);
            AddCoefficient(trivial, constant.Coefficients[0]);
            return trivial;
        }

        double q = Context.Parameters.Q[level + 1];
        if (node is Leaf leaf)
        {
            // Σ c_i·T_i at level + 1 and scale·q, then one rescale.
            Ciphertext? sum = null;
            for (int i = 1; i < leaf.Coefficients.Length; i++)
            {
                if (leaf.Coefficients[i].IsZero)
                {
                    continue;
                }

                Ciphertext power = powers.AtLevel(i, level + 1);
                Ciphertext term = MultiplyByCoefficient(power, leaf.Coefficients[i], scale * q / power.Scale, powers.Arena);
                if (sum is null)
                {
                    sum = term;
                }
                else
                {
                    Evaluator.Add(sum, term, sum);
                }
            }

            // A non-constant leaf has a non-zero term.
            Ciphertext result = sum!;
            AddCoefficient(result, leaf.Coefficients[0]);
            Evaluator.Rescale(result, result);
            result.Scale = scale;
            return result;
        }

        var split = (Split)node;
        Ciphertext giant = powers.AtLevel(1 << split.K, level + 1);
        Ciphertext product;
        if (split.Quotient is Leaf { IsConstant: true } constantQuotient)
        {
            product = MultiplyByCoefficient(giant, constantQuotient.Coefficients[0], scale * q / giant.Scale, powers.Arena);
        }
        else
        {
            Ciphertext quotient = EvaluateNode(split.Quotient, level + 1, scale * q / giant.Scale, powers, inputLevel);
            product = powers.Arena.Rent(giant.Level, giant.Scale);
            Evaluator.MultiplyRelinearize(quotient, giant, product);
        }

        Node? remainder = split.Remainder;
        bool remainderAbove = remainder is not null && remainder.Depth <= inputLevel - (level + 1);
        if (remainder is Leaf { IsConstant: true } constantRemainder)
        {
            AddCoefficient(product, constantRemainder.Coefficients[0]);
        }
        else if (remainderAbove)
        {
            Ciphertext r = EvaluateNode(remainder!, level + 1, product.Scale, powers, inputLevel);
            r.Scale = product.Scale;
            Evaluator.Add(product, r, product);
        }

        Evaluator.Rescale(product, product);
        product.Scale = scale;
        if (remainder is not null && !remainderAbove && remainder is not Leaf { IsConstant: true })
        {
            Ciphertext r = EvaluateNode(remainder, level, scale, powers, inputLevel);
            Evaluator.Add(product, r, product);
        }

        return product;
    }

    /// <summary><c>power · c</c> with <c>c</c> encoded at <paramref name="valueScale"/>: scale <c>power.Scale·valueScale</c>, same level.</summary>
    private Ciphertext MultiplyByCoefficient(Ciphertext power, Coefficient c, double valueScale, Arena arena)
    {
        Ciphertext product = arena.Rent(power.Level, power.Scale);
        if (c.Vector is null)
        {
            Evaluator.Multiply(power, c.Scalar, valueScale, product);
        }
        else
        {
            Evaluator.Multiply(power, Encode(c.Vector, power.Level, valueScale), product);
        }

        return product;
    }

    /// <summary>The plan of <paramref name="polynomial"/> for <paramref name="slots"/> slots, built once per polynomial.</summary>
    private static Node GetPlan(Polynomial polynomial, int slots)
    {
        PlanCacheEntry entry = Plans.GetValue(polynomial, p => new PlanCacheEntry(slots, BuildPlan(p, slots)));
        return entry.Slots == slots ? entry.Root : BuildPlan(polynomial, slots);
    }

    /// <summary>
    /// The plaintext of a per-slot coefficient vector at a level and scale, cached: evaluating the same polynomial again on
    /// inputs of the same level and scale encodes nothing.
    /// </summary>
    private Plaintext Encode(double[] vector, int level, double scale)
    {
        var key = new PlaintextKey(vector, level, scale);
        if (_plaintexts.TryGetValue(key, out Plaintext? cached))
        {
            return cached;
        }

        Plaintext plaintext = _encoder.Encode(vector, level, scale);
        if (_plaintexts.Count >= PlaintextCacheCapacity)
        {
            _plaintexts.Clear();
        }

        _plaintexts.TryAdd(key, plaintext);
        return plaintext;
    }

    /// <summary>Adds <paramref name="c"/> to every slot (per slot for a vector), encoded at the ciphertext's scale.</summary>
    private void AddCoefficient(Ciphertext ciphertext, Coefficient c)
    {
        if (c.IsZero)
        {
            return;
        }

        if (c.Vector is null)
        {
            Evaluator.Add(ciphertext, c.Scalar, ciphertext);
        }
        else
        {
            Evaluator.Add(ciphertext, Encode(c.Vector, ciphertext.Level, ciphertext.Scale), ciphertext);
        }
    }

    /// <summary>A cached plan and the slot count it was built for.</summary>
    private sealed record PlanCacheEntry(int Slots, Node Root);

    /// <summary>A coefficient vector (by reference: plans are cached, so their vectors are stable), level and scale.</summary>
    private readonly struct PlaintextKey(double[] vector, int level, double scale) : IEquatable<PlaintextKey>
    {
        private readonly double[] _vector = vector;
        private readonly int _level = level;
        private readonly double _scale = scale;

        public bool Equals(PlaintextKey other) =>
            ReferenceEquals(_vector, other._vector) && _level == other._level && _scale.Equals(other._scale);

        public override bool Equals(object? obj) => obj is PlaintextKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(RuntimeHelpers.GetHashCode(_vector), _level, _scale);
    }

    /// <summary>The powers <c>T_i</c> (or <c>x^i</c>) of the input, computed on demand, each at depth <c>ceil(log2 i)</c>.</summary>
    private sealed class PowerBasis(PolynomialEvaluator owner, Ciphertext input, PolynomialBasis basis, double reference, Arena arena)
    {
        private readonly Dictionary<int, Ciphertext> _powers = new() { [1] = input };

        /// <summary>Where the evaluation's intermediate ciphertexts come from.</summary>
        public Arena Arena => arena;

        /// <summary>Power <paramref name="i"/> brought down to <paramref name="level"/> (not a copy when already there).</summary>
        public Ciphertext AtLevel(int i, int level)
        {
            Ciphertext power = Get(i);
            if (power.Level == level)
            {
                return power;
            }

            Ciphertext dropped = arena.Rent(level, power.Scale);
            owner.Evaluator.DropToLevel(power, level, dropped);
            return dropped;
        }

        private Ciphertext Get(int i)
        {
            if (_powers.TryGetValue(i, out Ciphertext? existing))
            {
                return existing;
            }

            Evaluator evaluator = owner.Evaluator;
            int a = (i & (i - 1)) == 0 ? i / 2 : 1 << System.Numerics.BitOperations.Log2((uint)i), b = i - a;
            Ciphertext pa = Get(a), pb = Get(b);
            int level = Math.Min(pa.Level, pb.Level);
            Ciphertext product = arena.Rent(level, pa.Scale);
            evaluator.MultiplyRelinearize(AtLevel(a, level), AtLevel(b, level), product);

            // Keep the scale after the rescale near the reference, even when the primes are larger than the scale.
            owner.RaiseScale(product, reference * owner.Context.Parameters.Q[level]);
            if (basis == PolynomialBasis.Chebyshev)
            {
                // T_(a+b) = 2·T_a·T_b - T_(a-b), before the rescale.
                evaluator.MultiplyByInteger(product, 2, product);
                if (a == b)
                {
                    evaluator.Add(product, -1.0, product);
                }
                else
                {
                    Ciphertext difference = AtLevel(a - b, level);
                    Ciphertext lifted = arena.Rent(level, product.Scale);
                    evaluator.Multiply(difference, 1.0, product.Scale / difference.Scale, lifted);
                    lifted.Scale = product.Scale;
                    evaluator.Subtract(product, lifted, product);
                }
            }

            evaluator.Rescale(product, product);
            _powers[i] = product;
            return product;
        }
    }
}
