using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

public sealed partial class Evaluator
{
    /// <summary>Returns the tensor product <c>a·b = (a_0b_0, a_0b_1 + a_1b_0, a_1b_1)</c>, a size-3 ciphertext.</summary>
    /// <param name="a">The first operand (size 2; or size 3 when <paramref name="b"/> has size 2).</param>
    /// <param name="b">The second operand (size 2, or size 3 when <paramref name="a"/> has size 2; same level).</param>
    /// <returns>
    /// The product: size 3 (size 4 when an operand has size 3), same level, scale <c>a.Scale·b.Scale</c>. Relinearize
    /// and rescale it next (size 4 needs a key made by <see cref="KeyGenerator.CreateRelinearizationKey(int)"/> with 4).
    /// </returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The levels differ, the product would have more than <see cref="Ciphertext.MaxSize"/> polynomials, or an operand belongs to another context.</exception>
    public Ciphertext Multiply(Ciphertext a, Ciphertext b)
    {
        var destination = NewLike(a);
        Multiply(a, b, destination);
        return destination;
    }

    /// <summary>Computes the tensor product <c>destination = a·b</c> (size 3, or 4 when an operand has size 3).</summary>
    /// <param name="a">The first operand (size 2; or size 3 when <paramref name="b"/> has size 2).</param>
    /// <param name="b">The second operand (size 2, or size 3 when <paramref name="a"/> has size 2; same level).</param>
    /// <param name="destination">Receives the product; may be <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The levels differ, the product would have more than <see cref="Ciphertext.MaxSize"/> polynomials, or an argument belongs to another context.</exception>
    public void Multiply(Ciphertext a, Ciphertext b, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckCiphertext(b, nameof(b));
        CheckDestination(destination);
        CheckSameLevel(a, b);
        int level = a.Level, limbs = level + 1;
        double scale = a.Scale * b.Scale;
        if (a.Size == 2 && b.Size == 2)
        {
            // One fused pass per limb (Karatsuba: three products); the kernel reads every input word before it writes the
            // outputs at that index, so destination may be a or b.
            RnsPoly a0 = a[0], a1 = a[1], b0 = b[0], b1 = b[1];
            destination.Reshape(3, level, scale);
            LimbParallel.For(Context.RingQ, limbs, 12L * Context.N, new TensorAction(a0, a1, b0, b1, destination[0], destination[1], destination[2]));
            return;
        }

        if (a.Size < b.Size)
        {
            (a, b) = (b, a);
        }

        if (a.Size != 3 || b.Size != 2)
        {
            throw new ArgumentException(
                $"Multiply takes two ciphertexts of size 2, or one of size 3 and one of size 2 (a product of at most {Ciphertext.MaxSize} polynomials); " +
                $"the operands have sizes {a.Size} and {b.Size}. Relinearize one of them first.", nameof(a));
        }

        // (a_0, a_1, a_2)·(b_0, b_1) = (a_0b_0, a_0b_1 + a_1b_0, a_1b_1 + a_2b_0, a_2b_1), one pass per limb. The outputs
        // overwrite inputs the later products still read, so an aliased destination gets scratch first.
        if (!ReferenceEquals(destination, a) && !ReferenceEquals(destination, b))
        {
            destination.Reshape(4, level, scale);
            LimbParallel.For(Context.RingQ, limbs, 20L * Context.N, new TensorBySize2Action(a[0], a[1], a[2], b[0], b[1], destination[0], destination[1], destination[2], destination[3]));
            return;
        }

        RnsPoly t0 = _pool.Rent(limbs, true), t1 = _pool.Rent(limbs, true), t2 = _pool.Rent(limbs, true), t3 = _pool.Rent(limbs, true);
        try
        {
            LimbParallel.For(Context.RingQ, limbs, 20L * Context.N, new TensorBySize2Action(a[0], a[1], a[2], b[0], b[1], t0, t1, t2, t3));
            destination.Reshape(4, level, scale);
            LimbOps.Copy(t0, destination[0], limbs);
            LimbOps.Copy(t1, destination[1], limbs);
            LimbOps.Copy(t2, destination[2], limbs);
            LimbOps.Copy(t3, destination[3], limbs);
        }
        finally
        {
            _pool.Return(t0);
            _pool.Return(t1);
            _pool.Return(t2);
            _pool.Return(t3);
        }
    }

    private readonly struct TensorBySize2Action(RnsPoly a0, RnsPoly a1, RnsPoly a2, RnsPoly b0, RnsPoly b1, RnsPoly d0, RnsPoly d1, RnsPoly d2, RnsPoly d3) : ILimbAction
    {
        public void Invoke(int i)
        {
            Modulus q = a0.Context.ModuliArray[i];
            SimdLevel simd = SimdCapabilities.Current;
            ElementwiseKernels.Tensor(
                a0.LimbUnchecked(i), a1.LimbUnchecked(i), b0.LimbUnchecked(i), b1.LimbUnchecked(i), d0.LimbUnchecked(i), d1.LimbUnchecked(i), d2.LimbUnchecked(i), q, simd);
            ElementwiseKernels.MultiplyAdd(a2.LimbUnchecked(i), b0.LimbUnchecked(i), d2.LimbUnchecked(i), d2.LimbUnchecked(i), q, simd);
            ElementwiseKernels.Multiply(a2.LimbUnchecked(i), b1.LimbUnchecked(i), d3.LimbUnchecked(i), q, simd);
        }
    }

    private readonly struct TensorAction(RnsPoly a0, RnsPoly a1, RnsPoly b0, RnsPoly b1, RnsPoly d0, RnsPoly d1, RnsPoly d2) : ILimbAction
    {
        public void Invoke(int i) => ElementwiseKernels.Tensor(
            a0.LimbUnchecked(i), a1.LimbUnchecked(i), b0.LimbUnchecked(i), b1.LimbUnchecked(i),
            d0.LimbUnchecked(i), d1.LimbUnchecked(i), d2.LimbUnchecked(i), a0.Context.ModuliArray[i], SimdCapabilities.Current);
    }

    private readonly struct MultiplyPairAction(RnsPoly x0, RnsPoly x1, RnsPoly y, RnsPoly d0, RnsPoly d1) : ILimbAction
    {
        public void Invoke(int i) => ElementwiseKernels.MultiplyPair(
            x0.LimbUnchecked(i), x1.LimbUnchecked(i), y.LimbUnchecked(i), d0.LimbUnchecked(i), d1.LimbUnchecked(i),
            x0.Context.ModuliArray[i], SimdCapabilities.Current);
    }

    /// <summary>Returns <c>a²</c> (size 3), as <see cref="Multiply(Ciphertext, Ciphertext)"/> with itself.</summary>
    /// <param name="a">The operand (size 2).</param>
    /// <returns>The square: size 3, scale <c>a.Scale²</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3 or belongs to another context.</exception>
    public Ciphertext Square(Ciphertext a) => Multiply(a, a);

    /// <summary>Computes <c>destination = a²</c> (size 3).</summary>
    /// <param name="a">The operand (size 2).</param>
    /// <param name="destination">Receives the square; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3, or an argument belongs to another context.</exception>
    public void Square(Ciphertext a, Ciphertext destination) => Multiply(a, a, destination);

    /// <summary>Returns <c>a·b</c> relinearized (size 2): <see cref="Multiply(Ciphertext, Ciphertext)"/> then <see cref="Relinearize(Ciphertext)"/>.</summary>
    /// <param name="a">The first operand (size 2).</param>
    /// <param name="b">The second operand (size 2, same level).</param>
    /// <returns>The product: size 2, scale <c>a.Scale·b.Scale</c>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The levels differ, an operand has size 3, or an operand belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">The evaluator has no relinearization key.</exception>
    public Ciphertext MultiplyRelinearize(Ciphertext a, Ciphertext b)
    {
        var destination = NewLike(a);
        MultiplyRelinearize(a, b, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = a·b</c> relinearized (size 2).</summary>
    /// <param name="a">The first operand (size 2).</param>
    /// <param name="b">The second operand (size 2, same level).</param>
    /// <param name="destination">Receives the product; may be <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The levels differ, an operand has size 3, or an argument belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">The evaluator has no relinearization key.</exception>
    public void MultiplyRelinearize(Ciphertext a, Ciphertext b, Ciphertext destination)
    {
        RequireRelinearizationKey();
        Multiply(a, b, destination);
        Relinearize(destination, destination);
    }

    /// <summary>Returns <c>a²</c> relinearized (size 2).</summary>
    /// <param name="a">The operand (size 2).</param>
    /// <returns>The square: size 2, scale <c>a.Scale²</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> has size 3 or belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">The evaluator has no relinearization key.</exception>
    public Ciphertext SquareRelinearize(Ciphertext a) => MultiplyRelinearize(a, a);

    /// <summary>Returns <c>a ⊙ b</c> for a plaintext <paramref name="b"/>: every slot multiplied.</summary>
    /// <param name="a">The ciphertext (any size).</param>
    /// <param name="b">The plaintext, level at least <c>a.Level</c>.</param>
    /// <returns>The product: same size and level, scale <c>a.Scale·b.Scale</c>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The plaintext's level is too low, or an argument belongs to another context.</exception>
    public Ciphertext Multiply(Ciphertext a, Plaintext b)
    {
        var destination = NewLike(a);
        Multiply(a, b, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = a ⊙ b</c> for a plaintext <paramref name="b"/>.</summary>
    /// <param name="a">The ciphertext (any size).</param>
    /// <param name="b">The plaintext, level at least <c>a.Level</c>.</param>
    /// <param name="destination">Receives the product; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The plaintext's level is too low, or an argument belongs to another context.</exception>
    public void Multiply(Ciphertext a, Plaintext b, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckPlaintext(b, a.Level, nameof(b));
        CheckDestination(destination);
        int size = a.Size, level = a.Level, limbs = level + 1;
        destination.Reshape(size, level, a.Scale * b.Scale);
        int i = 0;
        for (; i + 1 < size; i += 2)
        {
            // Two ciphertext polynomials per pass, so the plaintext is read once for both.
            LimbParallel.For(Context.RingQ, limbs, 8L * Context.N, new MultiplyPairAction(a[i], a[i + 1], b.Poly, destination[i], destination[i + 1]));
        }

        if (i < size)
        {
            LimbOps.Multiply(a[i], b.Poly, destination[i], limbs);
        }
    }

    /// <summary>
    /// Returns <c>a · value</c> with the constant encoded at the scale <c>q_ℓ</c> (the prime the next rescale divides by),
    /// so that <see cref="Rescale(Ciphertext)"/> brings the scale back to exactly <c>a.Scale</c>. At level 0 the default
    /// scale is used instead.
    /// </summary>
    /// <param name="a">The ciphertext (any size).</param>
    /// <param name="value">A finite constant.</param>
    /// <returns>The product: scale <c>a.Scale·q_ℓ</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not finite, or <paramref name="a"/> belongs to another context.</exception>
    public Ciphertext Multiply(Ciphertext a, Complex value)
    {
        var destination = NewLike(a);
        Multiply(a, value, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = a · value</c>, the constant encoded at the scale <c>q_ℓ</c> (the default scale at level 0).</summary>
    /// <param name="a">The ciphertext (any size).</param>
    /// <param name="value">A finite constant.</param>
    /// <param name="destination">Receives the product; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not finite, or an argument belongs to another context.</exception>
    public void Multiply(Ciphertext a, Complex value, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        Multiply(a, value, ConstantScale(a.Level), destination);
    }

    /// <summary>Computes <c>destination = a · value</c>, the constant encoded at <paramref name="valueScale"/>.</summary>
    /// <param name="a">The ciphertext (any size).</param>
    /// <param name="value">A finite constant.</param>
    /// <param name="valueScale">The scale the constant is encoded at (finite, positive); the result's scale is <c>a.Scale·valueScale</c>.</param>
    /// <param name="destination">Receives the product; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="valueScale"/> is not finite and positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not finite, or an argument belongs to another context.</exception>
    public void Multiply(Ciphertext a, Complex value, double valueScale, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckDestination(destination);
        CkksContext.CheckScale(valueScale, nameof(valueScale));
        BigInteger re = RoundToInteger(value.Real, valueScale, nameof(value));
        BigInteger im = RoundToInteger(value.Imaginary, valueScale, nameof(value));
        MultiplyByComplexInteger(a, re, im, a.Scale * valueScale, destination);
    }

    /// <summary>Returns <c>a · value</c> for an integer: every slot multiplied, the scale unchanged (no level is needed).</summary>
    /// <param name="a">The ciphertext (any size).</param>
    /// <param name="value">The integer.</param>
    /// <returns>The product: same level and scale.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> belongs to another context.</exception>
    public Ciphertext MultiplyByInteger(Ciphertext a, long value)
    {
        var destination = NewLike(a);
        MultiplyByInteger(a, value, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = a · value</c> for an integer, the scale unchanged.</summary>
    /// <param name="a">The ciphertext (any size).</param>
    /// <param name="value">The integer.</param>
    /// <param name="destination">Receives the product; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context.</exception>
    public void MultiplyByInteger(Ciphertext a, long value, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckDestination(destination);
        MultiplyByComplexInteger(a, value, BigInteger.Zero, a.Scale, destination);
    }

    /// <summary>
    /// Returns <c>(a_0, a_1) + key switch of a_2 (and a_3)</c>: a ciphertext of size 3 (or 4, with a key that covers
    /// it) back to size 2.
    /// </summary>
    /// <param name="a">The ciphertext; size 3 or 4 (a size-2 ciphertext is copied unchanged).</param>
    /// <returns>The relinearized ciphertext: size 2, same level and scale.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">The evaluator has no relinearization key, or its key does not cover <paramref name="a"/>'s size.</exception>
    public Ciphertext Relinearize(Ciphertext a)
    {
        var destination = NewLike(a);
        Relinearize(a, destination);
        return destination;
    }

    /// <summary>Relinearizes <paramref name="a"/> into <paramref name="destination"/> (size 2).</summary>
    /// <param name="a">The ciphertext; size 3 or 4 (a size-2 ciphertext is copied unchanged).</param>
    /// <param name="destination">Receives the result; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context.</exception>
    /// <exception cref="InvalidOperationException">The evaluator has no relinearization key, or its key does not cover <paramref name="a"/>'s size.</exception>
    /// <remarks>
    /// A size-4 ciphertext takes two decompositions (of <c>a_3</c> with the key from <c>s³</c>, of <c>a_2</c> with the
    /// key from <c>s²</c>) whose sums over <c>Q·P</c> are added before one division by <c>P</c>.
    /// </remarks>
    public void Relinearize(Ciphertext a, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckDestination(destination);
        RequireRelinearizationKey();
        if (a.Size == 2)
        {
            a.CopyTo(destination);
            return;
        }

        RelinearizationKey keys = RelinearizationKey!;
        if (a.Size > keys.MaxCiphertextSize)
        {
            throw new InvalidOperationException(
                $"The ciphertext has size {a.Size}, but this evaluator's relinearization key covers size {keys.MaxCiphertextSize} at most: " +
                $"create it with KeyGenerator.CreateRelinearizationKey({a.Size}).");
        }

        int level = a.Level, limbs = level + 1;
        KeySwitcher.Scratch s = _keySwitcher.Rent();
        KeySwitcher.Scratch? extra = a.Size == 4 ? _keySwitcher.Rent() : null;
        try
        {
            // a[2] and a[3] are read by the inner products before anything is written: no copies needed.
            _keySwitcher.DecomposeInnerProduct(a[2], level, s, keys.Keys[0]);
            if (extra is not null)
            {
                _keySwitcher.DecomposeInnerProduct(a[3], level, extra, keys.Keys[1]);
                _keySwitcher.AddAccumulators(extra, s);
            }

            if (!ReferenceEquals(a, destination))
            {
                destination.Reshape(2, level, a.Scale);
                LimbOps.Copy(a[0], destination[0], limbs);
                LimbOps.Copy(a[1], destination[1], limbs);
            }
            else
            {
                destination.Reshape(2, level, a.Scale);
            }

            _keySwitcher.ModDown(s, destination[0], destination[1], accumulate: true);
        }
        finally
        {
            _keySwitcher.Return(s);
            if (extra is not null)
            {
                _keySwitcher.Return(extra);
            }
        }
    }

    private KeySwitchingKey RequireRelinearizationKey() =>
        RelinearizationKey?.Key ?? throw new InvalidOperationException(
            "This evaluator has no relinearization key: create one with KeyGenerator.CreateRelinearizationKey() and pass it to the Evaluator constructor.");

    /// <summary>The scale a constant is encoded at by default: <c>q_ℓ</c>, or the default scale at level 0.</summary>
    private double ConstantScale(int level) => level > 0 ? Context.Parameters.Q[level] : Context.Parameters.DefaultScale;

    private void MultiplyByComplexInteger(Ciphertext a, BigInteger re, BigInteger im, double scale, Ciphertext destination)
    {
        int size = a.Size, level = a.Level, limbs = level + 1;
        ShoupOperand[] reOperands = IntegerOperands(re, limbs);
        destination.Reshape(size, level, scale);
        if (im.IsZero)
        {
            for (int i = 0; i < size; i++)
            {
                LimbOps.MultiplyScalar(a[i], reOperands, destination[i], limbs);
            }

            return;
        }

        // (re + im·X^(N/2))·a_i: the monomial multiplies every slot by i.
        ShoupOperand[] imOperands = IntegerOperands(im, limbs);
        RnsPoly unit = Context.ImaginaryUnit;
        RnsPoly rotated = _pool.Rent(limbs, true);
        Modulus[] moduli = Context.RingQ.ModuliArray;
        try
        {
            for (int i = 0; i < size; i++)
            {
                LimbOps.Multiply(a[i], unit, rotated, limbs);
                LimbOps.MultiplyScalar(a[i], reOperands, destination[i], limbs);
                for (int l = 0; l < limbs; l++)
                {
                    ElementwiseKernels.MultiplyShoupAccumulate(rotated.LimbUnchecked(l), imOperands[l], destination[i].LimbUnchecked(l), moduli[l]);
                }
            }
        }
        finally
        {
            _pool.Return(rotated);
        }
    }
}
