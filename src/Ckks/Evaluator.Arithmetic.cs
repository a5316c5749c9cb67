using System.Numerics;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

public sealed partial class Evaluator
{
    /// <summary>Returns <c>a + b</c>.</summary>
    /// <param name="a">The first operand.</param>
    /// <param name="b">The second operand: same level and scale.</param>
    /// <returns>The sum (size: the larger of the two; level and scale of the operands).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The levels or scales differ, or an operand belongs to another context.</exception>
    public Ciphertext Add(Ciphertext a, Ciphertext b)
    {
        var destination = NewLike(a);
        Add(a, b, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = a + b</c>.</summary>
    /// <param name="a">The first operand.</param>
    /// <param name="b">The second operand: same level and scale.</param>
    /// <param name="destination">Receives the sum; may be <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The levels or scales differ, or an argument belongs to another context.</exception>
    public void Add(Ciphertext a, Ciphertext b, Ciphertext destination) => AddOrSubtract(a, b, destination, subtract: false);

    /// <summary>Returns <c>a - b</c>.</summary>
    /// <param name="a">The minuend.</param>
    /// <param name="b">The subtrahend: same level and scale.</param>
    /// <returns>The difference.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The levels or scales differ, or an operand belongs to another context.</exception>
    public Ciphertext Subtract(Ciphertext a, Ciphertext b)
    {
        var destination = NewLike(a);
        Subtract(a, b, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = a - b</c>.</summary>
    /// <param name="a">The minuend.</param>
    /// <param name="b">The subtrahend: same level and scale.</param>
    /// <param name="destination">Receives the difference; may be <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The levels or scales differ, or an argument belongs to another context.</exception>
    public void Subtract(Ciphertext a, Ciphertext b, Ciphertext destination) => AddOrSubtract(a, b, destination, subtract: true);

    /// <summary>Returns <c>a + b</c> for a plaintext <paramref name="b"/>.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="b">The plaintext: same scale, level at least <c>a.Level</c>.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The scales differ, the plaintext's level is too low, or an argument belongs to another context.</exception>
    public Ciphertext Add(Ciphertext a, Plaintext b)
    {
        var destination = NewLike(a);
        Add(a, b, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = a + b</c> for a plaintext <paramref name="b"/>.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="b">The plaintext: same scale, level at least <c>a.Level</c>.</param>
    /// <param name="destination">Receives the sum; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The scales differ, the plaintext's level is too low, or an argument belongs to another context.</exception>
    public void Add(Ciphertext a, Plaintext b, Ciphertext destination) => AddOrSubtractPlain(a, b, destination, subtract: false);

    /// <summary>Returns <c>a - b</c> for a plaintext <paramref name="b"/>.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="b">The plaintext: same scale, level at least <c>a.Level</c>.</param>
    /// <returns>The difference.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The scales differ, the plaintext's level is too low, or an argument belongs to another context.</exception>
    public Ciphertext Subtract(Ciphertext a, Plaintext b)
    {
        var destination = NewLike(a);
        Subtract(a, b, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = a - b</c> for a plaintext <paramref name="b"/>.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="b">The plaintext: same scale, level at least <c>a.Level</c>.</param>
    /// <param name="destination">Receives the difference; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The scales differ, the plaintext's level is too low, or an argument belongs to another context.</exception>
    public void Subtract(Ciphertext a, Plaintext b, Ciphertext destination) => AddOrSubtractPlain(a, b, destination, subtract: true);

    /// <summary>Returns <c>a + value</c>, the constant added to every slot.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="value">A finite constant (encoded at <c>a.Scale</c>).</param>
    /// <returns>The sum; level and scale unchanged.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not finite, or <paramref name="a"/> belongs to another context.</exception>
    public Ciphertext Add(Ciphertext a, Complex value)
    {
        var destination = NewLike(a);
        Add(a, value, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = a + value</c>, the constant added to every slot.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="value">A finite constant (encoded at <c>a.Scale</c>).</param>
    /// <param name="destination">Receives the sum; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not finite, or an argument belongs to another context.</exception>
    public void Add(Ciphertext a, Complex value, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckDestination(destination);
        int limbs = a.Level + 1;
        BigInteger re = RoundToInteger(value.Real, a.Scale, nameof(value));
        BigInteger im = RoundToInteger(value.Imaginary, a.Scale, nameof(value));
        a.CopyTo(destination);
        destination.Seed = null;
        AddConstantPoly(destination[0], re, im, limbs);
    }

    /// <summary>Returns <c>a - value</c>, the constant subtracted from every slot.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="value">A finite constant (encoded at <c>a.Scale</c>).</param>
    /// <returns>The difference; level and scale unchanged.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not finite, or <paramref name="a"/> belongs to another context.</exception>
    public Ciphertext Subtract(Ciphertext a, Complex value) => Add(a, -value);

    /// <summary>Computes <c>destination = a - value</c>, the constant subtracted from every slot.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="value">A finite constant (encoded at <c>a.Scale</c>).</param>
    /// <param name="destination">Receives the difference; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not finite, or an argument belongs to another context.</exception>
    public void Subtract(Ciphertext a, Complex value, Ciphertext destination) => Add(a, -value, destination);

    /// <summary>Returns <c>-a</c>.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <returns>The negation; level and scale unchanged.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="a"/> belongs to another context.</exception>
    public Ciphertext Negate(Ciphertext a)
    {
        var destination = NewLike(a);
        Negate(a, destination);
        return destination;
    }

    /// <summary>Computes <c>destination = -a</c>.</summary>
    /// <param name="a">The ciphertext.</param>
    /// <param name="destination">Receives the negation; may be <paramref name="a"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An argument belongs to another context.</exception>
    public void Negate(Ciphertext a, Ciphertext destination)
    {
        CheckCiphertext(a, nameof(a));
        CheckDestination(destination);
        int size = a.Size, level = a.Level;
        destination.Reshape(size, level, a.Scale);
        for (int i = 0; i < size; i++)
        {
            LimbOps.Negate(a[i], destination[i], level + 1);
        }
    }

    private void AddOrSubtract(Ciphertext a, Ciphertext b, Ciphertext destination, bool subtract)
    {
        CheckCiphertext(a, nameof(a));
        CheckCiphertext(b, nameof(b));
        CheckDestination(destination);
        CheckSameLevel(a, b);
        CheckSameScale(a.Scale, b.Scale, nameof(b));
        int sizeA = a.Size, sizeB = b.Size, size = Math.Max(sizeA, sizeB), limbs = a.Level + 1;
        destination.Reshape(size, a.Level, a.Scale);
        for (int i = 0; i < size; i++)
        {
            if (i < sizeA && i < sizeB)
            {
                if (subtract)
                {
                    LimbOps.Subtract(a[i], b[i], destination[i], limbs);
                }
                else
                {
                    LimbOps.Add(a[i], b[i], destination[i], limbs);
                }
            }
            else if (i < sizeA)
            {
                LimbOps.Copy(a[i], destination[i], limbs);
            }
            else if (subtract)
            {
                LimbOps.Negate(b[i], destination[i], limbs);
            }
            else
            {
                LimbOps.Copy(b[i], destination[i], limbs);
            }
        }
    }

    private void AddOrSubtractPlain(Ciphertext a, Plaintext b, Ciphertext destination, bool subtract)
    {
        CheckCiphertext(a, nameof(a));
        CheckPlaintext(b, a.Level, nameof(b));
        CheckDestination(destination);
        CheckSameScale(a.Scale, b.Scale, nameof(b));
        int limbs = a.Level + 1;
        a.CopyTo(destination);
        destination.Seed = null;
        if (subtract)
        {
            LimbOps.Subtract(destination[0], b.Poly, destination[0], limbs);
        }
        else
        {
            LimbOps.Add(destination[0], b.Poly, destination[0], limbs);
        }
    }

    /// <summary><c>poly += re + im·X^(N/2)</c> in NTT form (a constant in every slot, times <c>i</c> for the second part).</summary>
    private void AddConstantPoly(RnsPoly poly, BigInteger re, BigInteger im, int limbs)
    {
        Modulus[] moduli = Context.RingQ.ModuliArray;
        RnsPoly unit = im.IsZero ? poly : Context.ImaginaryUnit;
        for (int i = 0; i < limbs; i++)
        {
            Modulus q = moduli[i];
            BigInteger r = BigInteger.Remainder(re, q.Value);
            ulong residue = (ulong)(r.Sign < 0 ? r + q.Value : r);
            ElementwiseKernels.AddConstant(poly.LimbUnchecked(i), residue, poly.LimbUnchecked(i), q);
            if (!im.IsZero)
            {
                BigInteger s = BigInteger.Remainder(im, q.Value);
                ulong imaginary = (ulong)(s.Sign < 0 ? s + q.Value : s);
                ElementwiseKernels.MultiplyShoupAccumulate(unit.LimbUnchecked(i), q.CreateShoupOperand(imaginary), poly.LimbUnchecked(i), q);
            }
        }
    }
}
