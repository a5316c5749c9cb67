using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;

namespace CkksRns.Rns.Polynomials;

public sealed partial class RnsPoly
{
    /// <summary><c>destination = a + b</c> limb by limb.</summary>
    /// <param name="a">The first operand.</param>
    /// <param name="b">The second operand: same context, limb count and form as <paramref name="a"/>.</param>
    /// <param name="destination">Receives the sum (may be <paramref name="a"/> or <paramref name="b"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The operands differ in context, limb count or form, or <paramref name="destination"/> is of another context.</exception>
    public static void Add(RnsPoly a, RnsPoly b, RnsPoly destination)
    {
        CheckOperands(a, b);
        CheckDestination(a, destination);
        destination.SetShape(a.LimbCount, a.IsNttForm);
        LimbParallel.For(a.Context, a.LimbCount, a.N, new AddAction(a, b, destination));
    }

    /// <summary><c>destination = a - b</c> limb by limb.</summary>
    /// <param name="a">The minuend.</param>
    /// <param name="b">The subtrahend: same context, limb count and form as <paramref name="a"/>.</param>
    /// <param name="destination">Receives the difference (may be <paramref name="a"/> or <paramref name="b"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The operands differ in context, limb count or form, or <paramref name="destination"/> is of another context.</exception>
    public static void Subtract(RnsPoly a, RnsPoly b, RnsPoly destination)
    {
        CheckOperands(a, b);
        CheckDestination(a, destination);
        destination.SetShape(a.LimbCount, a.IsNttForm);
        LimbParallel.For(a.Context, a.LimbCount, a.N, new SubtractAction(a, b, destination));
    }

    /// <summary><c>destination = -a</c> limb by limb.</summary>
    /// <param name="a">The operand.</param>
    /// <param name="destination">Receives the negation (may be <paramref name="a"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is of another context.</exception>
    public static void Negate(RnsPoly a, RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckDestination(a, destination);
        destination.SetShape(a.LimbCount, a.IsNttForm);
        LimbParallel.For(a.Context, a.LimbCount, a.N, new NegateAction(a, destination));
    }

    /// <summary>
    /// <c>destination = a ⊙ b</c>, the slot-wise product of two polynomials in NTT form, which is the NTT of the
    /// negacyclic product <c>a·b mod (X^N + 1)</c>.
    /// </summary>
    /// <param name="a">The first operand, in NTT form.</param>
    /// <param name="b">The second operand: same context and limb count as <paramref name="a"/>, in NTT form.</param>
    /// <param name="destination">Receives the product (may be <paramref name="a"/> or <paramref name="b"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The operands differ in context or limb count, are not in NTT form, or <paramref name="destination"/> is of another context.</exception>
    public static void MultiplyPointwise(RnsPoly a, RnsPoly b, RnsPoly destination)
    {
        CheckOperands(a, b);
        CheckNttForm(a, true, nameof(MultiplyPointwise), nameof(a));
        CheckDestination(a, destination);
        destination.SetShape(a.LimbCount, true);
        LimbParallel.For(a.Context, a.LimbCount, 4L * a.N, new MultiplyAction(a, b, destination));
    }

    /// <summary><c>destination = destination + a ⊙ b</c> for polynomials in NTT form.</summary>
    /// <param name="a">The first factor, in NTT form.</param>
    /// <param name="b">The second factor: same context and limb count as <paramref name="a"/>, in NTT form.</param>
    /// <param name="destination">The accumulator: same context and limb count, in NTT form (may be <paramref name="a"/> or <paramref name="b"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The three polynomials differ in context or limb count, or one is not in NTT form.</exception>
    public static void MultiplyAccumulate(RnsPoly a, RnsPoly b, RnsPoly destination)
    {
        CheckOperands(a, b);
        CheckOperands(a, destination);
        CheckNttForm(a, true, nameof(MultiplyAccumulate), nameof(a));
        LimbParallel.For(a.Context, a.LimbCount, 4L * a.N, new MultiplyAccumulateAction(a, b, destination));
    }

    /// <summary>
    /// <c>destination = a + c</c> for the constant polynomial <c>c</c> with residue <c>scalars[i] mod q_i</c> in limb
    /// <c>i</c>: in coefficient form only the constant coefficient changes; in NTT form every slot gets <c>c</c> (a
    /// constant evaluates to itself everywhere).
    /// </summary>
    /// <param name="a">The operand.</param>
    /// <param name="scalars">At least <c>a.LimbCount</c> values (any 64-bit value; reduced modulo <c>q_i</c>); extra values are ignored.</param>
    /// <param name="destination">Receives the sum (may be <paramref name="a"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="scalars"/> is too short, or <paramref name="destination"/> is of another context.</exception>
    public static void AddScalar(RnsPoly a, ReadOnlySpan<ulong> scalars, RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckDestination(a, destination);
        CheckScalarCount(a, scalars.Length, nameof(scalars));
        int limbs = a.LimbCount;
        if (!ReferenceEquals(a, destination))
        {
            a.CopyTo(destination);
        }

        for (int i = 0; i < limbs; i++)
        {
            Modulus q = a.Context.ModuliArray[i];
            ulong c = q.Reduce(scalars[i]);
            Span<ulong> limb = destination.LimbUnchecked(i);
            if (a.IsNttForm)
            {
                ElementwiseKernels.AddConstant(limb, c, limb, q);
            }
            else
            {
                limb[0] = q.Add(limb[0], c);
            }
        }
    }

    /// <summary><c>destination = a · c</c> with the integer <paramref name="scalar"/> (reduced modulo each prime); either form.</summary>
    /// <param name="a">The operand.</param>
    /// <param name="scalar">Any 64-bit integer.</param>
    /// <param name="destination">Receives the product (may be <paramref name="a"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is of another context.</exception>
    public static void MultiplyScalar(RnsPoly a, ulong scalar, RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        Span<ShoupOperand> operands = stackalloc ShoupOperand[a.LimbCount];
        for (int i = 0; i < operands.Length; i++)
        {
            Modulus q = a.Context.ModuliArray[i];
            operands[i] = q.CreateShoupOperand(q.Reduce(scalar));
        }

        MultiplyScalar(a, operands, destination);
    }

    /// <summary><c>destination_i = a_i · scalars[i] mod q_i</c> for each limb <c>i</c>; either form.</summary>
    /// <param name="a">The operand.</param>
    /// <param name="scalars">At least <c>a.LimbCount</c> values (any 64-bit value; reduced modulo <c>q_i</c>); extra values are ignored.</param>
    /// <param name="destination">Receives the product (may be <paramref name="a"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="scalars"/> is too short, or <paramref name="destination"/> is of another context.</exception>
    public static void MultiplyScalar(RnsPoly a, ReadOnlySpan<ulong> scalars, RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckScalarCount(a, scalars.Length, nameof(scalars));
        Span<ShoupOperand> operands = stackalloc ShoupOperand[a.LimbCount];
        for (int i = 0; i < operands.Length; i++)
        {
            Modulus q = a.Context.ModuliArray[i];
            operands[i] = q.CreateShoupOperand(q.Reduce(scalars[i]));
        }

        MultiplyScalar(a, operands, destination);
    }

    /// <summary><c>destination_i = a_i · w_i mod q_i</c> for precomputed operands <c>w_i</c> (one per limb); either form.</summary>
    /// <param name="a">The operand.</param>
    /// <param name="operands">At least <c>a.LimbCount</c> operands, operand <c>i</c> made by <c>Moduli[i].CreateShoupOperand</c>.</param>
    /// <param name="destination">Receives the product (may be <paramref name="a"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="operands"/> is too short or has a value not below its prime, or <paramref name="destination"/> is of another context.</exception>
    public static void MultiplyScalar(RnsPoly a, ReadOnlySpan<ShoupOperand> operands, RnsPoly destination)
    {
        ArgumentNullException.ThrowIfNull(a);
        CheckDestination(a, destination);
        CheckOperandsFor(a, operands, nameof(operands));
        destination.SetShape(a.LimbCount, a.IsNttForm);
        int limbs = a.LimbCount;
        if (limbs > 1 && a.Context.MaxDegreeOfParallelism > 1 && limbs * 3L * a.N >= LimbParallel.MinParallelWork && !LimbParallel.IsSequential)
        {
            // Spans cannot cross into the parallel loop; the (few) operands are copied to an array.
            MultiplyScalarParallel(a, operands[..limbs].ToArray(), destination, accumulate: false);
            return;
        }

        for (int i = 0; i < limbs; i++)
        {
            ElementwiseKernels.MultiplyShoup(a.LimbUnchecked(i), operands[i], destination.LimbUnchecked(i), a.Context.ModuliArray[i]);
        }
    }

    /// <summary><c>destination_i = destination_i + a_i · w_i mod q_i</c> for precomputed operands (one per limb); either form.</summary>
    /// <param name="a">The operand.</param>
    /// <param name="operands">At least <c>a.LimbCount</c> operands, operand <c>i</c> made by <c>Moduli[i].CreateShoupOperand</c>.</param>
    /// <param name="destination">The accumulator: same context, limb count and form as <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes differ, or <paramref name="operands"/> is too short or has a value not below its prime.</exception>
    public static void MultiplyScalarAccumulate(RnsPoly a, ReadOnlySpan<ShoupOperand> operands, RnsPoly destination)
    {
        CheckOperands(a, destination);
        CheckOperandsFor(a, operands, nameof(operands));
        int limbs = a.LimbCount;
        if (limbs > 1 && a.Context.MaxDegreeOfParallelism > 1 && limbs * 4L * a.N >= LimbParallel.MinParallelWork && !LimbParallel.IsSequential)
        {
            MultiplyScalarParallel(a, operands[..limbs].ToArray(), destination, accumulate: true);
            return;
        }

        for (int i = 0; i < limbs; i++)
        {
            ElementwiseKernels.MultiplyShoupAccumulate(a.LimbUnchecked(i), operands[i], destination.LimbUnchecked(i), a.Context.ModuliArray[i]);
        }
    }

    // Kept out of the callers so that their sequential path does not allocate the lambda's closure.
    private static void MultiplyScalarParallel(RnsPoly a, ShoupOperand[] operands, RnsPoly destination, bool accumulate) =>
        Parallel.For(0, a.LimbCount, a.Context.ParallelOptions, i =>
        {
            Modulus q = a.Context.ModuliArray[i];
            if (accumulate)
            {
                ElementwiseKernels.MultiplyShoupAccumulate(a.LimbUnchecked(i), operands[i], destination.LimbUnchecked(i), q);
            }
            else
            {
                ElementwiseKernels.MultiplyShoup(a.LimbUnchecked(i), operands[i], destination.LimbUnchecked(i), q);
            }
        });

    private static void CheckScalarCount(RnsPoly a, int count, string name)
    {
        if (count < a.LimbCount)
        {
            throw new ArgumentException($"Expected at least {a.LimbCount} scalars (one per limb in use); got {count}.", name);
        }
    }

    private static void CheckOperandsFor(RnsPoly a, ReadOnlySpan<ShoupOperand> operands, string name)
    {
        CheckScalarCount(a, operands.Length, name);
        for (int i = 0; i < a.LimbCount; i++)
        {
            ulong q = a.Context.ModuliArray[i].Value;
            if (operands[i].Value >= q)
            {
                throw new ArgumentException($"{name}[{i}].Value = {operands[i].Value} is not below q_{i} = {q}.", name);
            }
        }
    }

    private readonly struct AddAction(RnsPoly a, RnsPoly b, RnsPoly destination) : ILimbAction
    {
        public void Invoke(int limb) =>
            ElementwiseKernels.Add(a.LimbUnchecked(limb), b.LimbUnchecked(limb), destination.LimbUnchecked(limb), a.Context.ModuliArray[limb]);
    }

    private readonly struct SubtractAction(RnsPoly a, RnsPoly b, RnsPoly destination) : ILimbAction
    {
        public void Invoke(int limb) =>
            ElementwiseKernels.Subtract(a.LimbUnchecked(limb), b.LimbUnchecked(limb), destination.LimbUnchecked(limb), a.Context.ModuliArray[limb]);
    }

    private readonly struct NegateAction(RnsPoly a, RnsPoly destination) : ILimbAction
    {
        public void Invoke(int limb) =>
            ElementwiseKernels.Negate(a.LimbUnchecked(limb), destination.LimbUnchecked(limb), a.Context.ModuliArray[limb]);
    }

    private readonly struct MultiplyAction(RnsPoly a, RnsPoly b, RnsPoly destination) : ILimbAction
    {
        public void Invoke(int limb) =>
            ElementwiseKernels.Multiply(a.LimbUnchecked(limb), b.LimbUnchecked(limb), destination.LimbUnchecked(limb), a.Context.ModuliArray[limb]);
    }

    private readonly struct MultiplyAccumulateAction(RnsPoly a, RnsPoly b, RnsPoly destination) : ILimbAction
    {
        public void Invoke(int limb) =>
            ElementwiseKernels.MultiplyAccumulate(a.LimbUnchecked(limb), b.LimbUnchecked(limb), destination.LimbUnchecked(limb), a.Context.ModuliArray[limb]);
    }
}
