using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;

namespace CkksRns.Rns.Ntt;

/// <summary>
/// Precomputed tables for the negacyclic number-theoretic transform of length <c>N</c> modulo one NTT-friendly prime
/// <c>q ≡ 1 (mod 2N)</c>, and the forward and inverse transforms themselves.
/// </summary>
/// <remarks>
/// <para>
/// <b>Convention.</b> Let <c>ψ</c> be <see cref="Psi"/>, a primitive <c>2N</c>-th root of unity modulo <c>q</c>
/// (<c>ψ^N ≡ -1</c>). For a polynomial <c>a(X) = Σ a_i X^i</c> given in natural coefficient order,
/// <see cref="Forward(Span{ulong})"/> writes <c>â[j] = a(ψ^(2·brv(j)+1)) mod q</c>, where <c>brv</c> reverses the
/// <c>log2 N</c> bits of <c>j</c> (bit-reversed output). <see cref="Inverse(Span{ulong})"/> undoes it exactly.
/// A pointwise product of two transforms is the transform of the negacyclic product <c>a·b mod (X^N + 1)</c>.
/// </para>
/// <para>
/// The transforms use Harvey's lazy butterflies with Shoup-precomputed twiddles
/// (<see href="https://arxiv.org/abs/1205.2926">Harvey 2014</see>): intermediate values stay in <c>[0, 4q)</c>
/// and are fully reduced at the end. Inputs must be in <c>[0, q)</c>; outputs are in <c>[0, q)</c>.
/// </para>
/// <para>
/// <b>Speed.</b> The transforms run with Vector512 or Vector256 kernels when the hardware accelerates them (see
/// <see cref="SimdCapabilities"/>; <c>CKKSRNS_SIMD=scalar</c> forces the scalar path). How a kernel multiplies modulo
/// <c>q</c> depends on the prime's size (32-bit Shoup products for primes below <c>2^30</c>, a double-precision FMA
/// product below <c>2^50</c>, a 64-bit Shoup product otherwise; docs/design/ntt.md). Every path returns exactly the
/// same residues. Nothing allocates; an instance can be used from several threads at once.
/// </para>
/// </remarks>
public sealed class NttTables
{
    /// <summary>The smallest supported transform length, <c>2^10</c>.</summary>
    public const int MinN = 1 << 10;

    /// <summary>The largest supported transform length, <c>2^17</c>.</summary>
    public const int MaxN = 1 << 17;

    // rootPowers[i] = ψ^brv(i) (forward twiddles), invRootPowers[i] = ψ^-(brv(i)) arranged for the inverse; with Shoup quotients.
    private readonly ulong[] _rootPowers;
    private readonly ulong[] _rootPowersShoup;
    private readonly ulong[] _invRootPowers;
    private readonly ulong[] _invRootPowersShoup;
    private readonly ShoupOperand _invN;

    // Vector-kernel operands per multiplication strategy; the default one is built in the constructor, others on demand.
    private readonly NttOperands?[] _operands = new NttOperands?[5];

    /// <summary>Builds the tables for length <paramref name="n"/> modulo <paramref name="modulus"/>.</summary>
    /// <param name="n">The transform length: a power of two in <c>[2^10, 2^17]</c>.</param>
    /// <param name="modulus">A prime with <c>q ≡ 1 (mod 2n)</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is not a power of two in range.</exception>
    /// <exception cref="ArgumentException"><paramref name="modulus"/> is not <c>1 mod 2n</c> or has no primitive <c>2n</c>-th root (is not prime).</exception>
    public NttTables(int n, Modulus modulus)
    {
        if (n < MinN || n > MaxN || !BitOperations.IsPow2(n))
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, $"N must be a power of two in [{MinN}, {MaxN}].");
        }

        ulong q = modulus.Value;
        if (q % (2UL * (ulong)n) != 1)
        {
            throw new ArgumentException($"q = {q} is not 1 mod 2N (N = {n}); it cannot support a negacyclic NTT of length {n}.", nameof(modulus));
        }

        N = n;
        LogN = BitOperations.Log2((uint)n);
        Modulus = modulus;
        Psi = FindMinimalPrimitiveRoot(n, modulus);
        PsiInverse = modulus.Inverse(Psi);

        _rootPowers = new ulong[n];
        _rootPowersShoup = new ulong[n];
        _invRootPowers = new ulong[n];
        _invRootPowersShoup = new ulong[n];
        ulong power = 1, inversePower = 1;
        for (int i = 0; i < n; i++)
        {
            int r = ReverseBits(i, LogN);
            _rootPowers[r] = power;
            _invRootPowers[r] = inversePower;
            power = modulus.Multiply(power, Psi);
            inversePower = modulus.Multiply(inversePower, PsiInverse);
        }

        for (int i = 0; i < n; i++)
        {
            _rootPowersShoup[i] = modulus.ShoupPrecompute(_rootPowers[i]);
            _invRootPowersShoup[i] = modulus.ShoupPrecompute(_invRootPowers[i]);
        }

        _invN = modulus.CreateShoupOperand(modulus.Inverse((ulong)n));
        Multiplication = ChooseMultiplication(modulus.BitCount);
        _ = GetOperands(Multiplication);
    }

    /// <summary>The transform length <c>N</c>.</summary>
    public int N { get; }

    /// <summary><c>log2 N</c>.</summary>
    public int LogN { get; }

    /// <summary>The prime modulus <c>q</c>.</summary>
    public Modulus Modulus { get; }

    /// <summary>The primitive <c>2N</c>-th root of unity <c>ψ</c> the transform evaluates at (the smallest one).</summary>
    public ulong Psi { get; }

    /// <summary><c>ψ^-1 mod q</c>.</summary>
    public ulong PsiInverse { get; }

    /// <summary>Forward twiddles <c>ψ^brv(i)</c>, indexed by <c>i</c>.</summary>
    internal ReadOnlySpan<ulong> RootPowers => _rootPowers;

    /// <summary>Shoup quotients of <see cref="RootPowers"/>.</summary>
    internal ReadOnlySpan<ulong> RootPowersShoup => _rootPowersShoup;

    /// <summary>Inverse twiddles <c>ψ^-brv(i)</c>, indexed by <c>i</c>.</summary>
    internal ReadOnlySpan<ulong> InverseRootPowers => _invRootPowers;

    /// <summary>Shoup quotients of <see cref="InverseRootPowers"/>.</summary>
    internal ReadOnlySpan<ulong> InverseRootPowersShoup => _invRootPowersShoup;

    /// <summary><c>N^-1 mod q</c> with its Shoup quotient.</summary>
    internal ShoupOperand InverseN => _invN;

    /// <summary>
    /// The modular multiplication the vector kernels use for this prime, chosen by its bit size (measured fastest;
    /// see docs/design/ntt.md).
    /// </summary>
    internal NttMultiplication Multiplication { get; }

    /// <summary>Transforms <paramref name="values"/> in place from coefficients to evaluations (bit-reversed order).</summary>
    /// <param name="values">Exactly <see cref="N"/> residues in <c>[0, q)</c>; on return, the transform in <c>[0, q)</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not have length <see cref="N"/>.</exception>
    /// <remarks>Runs at <see cref="SimdCapabilities.Current"/>; every level gives the same result.</remarks>
    public void Forward(Span<ulong> values)
    {
        CheckLength(values);
        Forward(values, SimdCapabilities.Current, Multiplication);
    }

    /// <summary>Transforms <paramref name="values"/> in place from evaluations (bit-reversed order) back to coefficients.</summary>
    /// <param name="values">Exactly <see cref="N"/> residues in <c>[0, q)</c>; on return, the coefficients in <c>[0, q)</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not have length <see cref="N"/>.</exception>
    /// <remarks>Runs at <see cref="SimdCapabilities.Current"/>; every level gives the same result.</remarks>
    public void Inverse(Span<ulong> values)
    {
        CheckLength(values);
        Inverse(values, SimdCapabilities.Current, Multiplication);
    }

    /// <summary>
    /// Writes to <paramref name="destination"/> the forward transform of the polynomial whose coefficients are the integers
    /// in <paramref name="coefficients"/>, given as doubles of magnitude below <c>2q</c> and <c>2^51</c> (an encoding's
    /// rounded coefficients, a centred remainder modulo another prime): the same result as reducing each modulo q and
    /// calling <see cref="Forward(Span{ulong})"/>. At Vector256 the <see cref="NttMultiplication.Fma"/> strategy's first
    /// pass reads the doubles directly and the <see cref="NttMultiplication.Shoup32Packed"/> strategy's narrowing pass
    /// converts them.
    /// </summary>
    /// <param name="coefficients">Exactly <see cref="N"/> integers as doubles, each of magnitude below <c>2q</c> and <c>2^51</c> (not checked).</param>
    /// <param name="destination">Receives the transform, <see cref="N"/> residues in <c>[0, q)</c>.</param>
    /// <exception cref="ArgumentException">A span does not have length <see cref="N"/>.</exception>
    internal void ForwardFromSmallIntegers(ReadOnlySpan<double> coefficients, Span<ulong> destination) =>
        ForwardFromSmallIntegers(coefficients, destination, SimdCapabilities.Current, Multiplication);

    /// <summary>As <see cref="ForwardFromSmallIntegers(ReadOnlySpan{double}, Span{ulong})"/> at an explicit vector width and strategy.</summary>
    internal void ForwardFromSmallIntegers(ReadOnlySpan<double> coefficients, Span<ulong> destination, SimdLevel level, NttMultiplication multiplication)
    {
        CheckLength(destination);
        CheckLength(coefficients.Length, nameof(coefficients));
        if (level == SimdLevel.Vector256)
        {
            NttKernels.ForwardFromSmallIntegers256(coefficients, destination, GetOperands(multiplication), Modulus.Value);
            return;
        }

        ElementwiseKernels.ResiduesOfSmallIntegers(coefficients, destination, Modulus.Value, level);
        Forward(destination, level, multiplication);
    }

    /// <summary>
    /// <c>destination = addend + (minuend - NTT(values))·factor mod q</c>, element-wise (without the addend when it is
    /// empty), with the subtraction, product and sum fused into the transform's last pass at Vector256 (the rescale's and
    /// ModDown's per-limb step). <paramref name="values"/> holds residues in <c>[0, q)</c> and is left as scratch.
    /// </summary>
    /// <param name="values">N residues to transform; overwritten with scratch.</param>
    /// <param name="minuend">N residues in <c>[0, q)</c>.</param>
    /// <param name="factor">The factor, below q, with its Shoup quotient.</param>
    /// <param name="destination">
    /// Receives N residues in <c>[0, q)</c>; may be <paramref name="minuend"/> or <paramref name="addend"/>, not <paramref name="values"/>.
    /// </param>
    /// <param name="level">The vector width.</param>
    /// <param name="multiplication">The strategy (see <see cref="Multiplication"/>).</param>
    /// <param name="addend">Empty, or N residues in <c>[0, q)</c> to add.</param>
    /// <exception cref="ArgumentException">A span does not have length <see cref="N"/>.</exception>
    internal void ForwardSubtractMultiply(
        Span<ulong> values, ReadOnlySpan<ulong> minuend, ShoupOperand factor, Span<ulong> destination, SimdLevel level, NttMultiplication multiplication,
        ReadOnlySpan<ulong> addend = default)
    {
        CheckLength(values);
        CheckEpilogueLengths(minuend, destination, addend);
        if (level == SimdLevel.Vector256)
        {
            NttKernels.ForwardSubtractMultiply256(default, values, minuend, addend, destination, GetOperands(multiplication), Modulus, factor);
            return;
        }

        Forward(values, level, multiplication);
        SubtractMultiplyAdd(values, minuend, factor, destination, level, addend);
    }

    /// <summary>
    /// As <see cref="ForwardSubtractMultiply(Span{ulong}, ReadOnlySpan{ulong}, ShoupOperand, Span{ulong}, SimdLevel, NttMultiplication, ReadOnlySpan{ulong})"/>
    /// for the polynomial whose coefficients are the integers in <paramref name="coefficients"/> (magnitude below
    /// <c>2q</c> and <c>2^51</c>, as in <see cref="ForwardFromSmallIntegers(ReadOnlySpan{double}, Span{ulong})"/>), with
    /// <paramref name="scratch"/> (N words) for the transform.
    /// </summary>
    /// <exception cref="ArgumentException">A span does not have length <see cref="N"/>.</exception>
    internal void ForwardFromSmallIntegersSubtractMultiply(
        ReadOnlySpan<double> coefficients, Span<ulong> scratch, ReadOnlySpan<ulong> minuend, ShoupOperand factor, Span<ulong> destination,
        SimdLevel level, NttMultiplication multiplication, ReadOnlySpan<ulong> addend = default)
    {
        CheckLength(scratch);
        CheckLength(coefficients.Length, nameof(coefficients));
        CheckEpilogueLengths(minuend, destination, addend);
        if (level == SimdLevel.Vector256)
        {
            NttKernels.ForwardSubtractMultiply256(coefficients, scratch, minuend, addend, destination, GetOperands(multiplication), Modulus, factor);
            return;
        }

        ForwardFromSmallIntegers(coefficients, scratch, level, multiplication);
        SubtractMultiplyAdd(scratch, minuend, factor, destination, level, addend);
    }

    private void CheckEpilogueLengths(ReadOnlySpan<ulong> minuend, Span<ulong> destination, ReadOnlySpan<ulong> addend)
    {
        CheckLength(minuend.Length, nameof(minuend));
        CheckLength(destination.Length, nameof(destination));
        if (!addend.IsEmpty)
        {
            CheckLength(addend.Length, nameof(addend));
        }
    }

    /// <summary>The unfused epilogue: <c>destination = addend + (minuend - transform)·factor</c>, the transform used as scratch.</summary>
    private void SubtractMultiplyAdd(Span<ulong> transform, ReadOnlySpan<ulong> minuend, ShoupOperand factor, Span<ulong> destination, SimdLevel level, ReadOnlySpan<ulong> addend)
    {
        if (addend.IsEmpty)
        {
            ElementwiseKernels.SubtractMultiplyShoup(minuend, transform, factor, destination, Modulus, level);
            return;
        }

        ElementwiseKernels.SubtractMultiplyShoup(minuend, transform, factor, transform, Modulus, level);
        ElementwiseKernels.Add(addend, transform, destination, Modulus, level);
    }

    /// <summary>The forward transform at an explicit vector width (tests and benchmarks compare levels in one process).</summary>
    /// <remarks>
    /// A level the hardware does not accelerate still runs, in the runtime's software emulation of the vector type:
    /// correct but slow. Public callers go through <see cref="Forward(Span{ulong})"/>, which never does that.
    /// </remarks>
    internal void Forward(Span<ulong> values, SimdLevel level) => Forward(values, level, Multiplication);

    /// <summary>The inverse transform at an explicit vector width; see <see cref="Forward(Span{ulong}, SimdLevel)"/>.</summary>
    internal void Inverse(Span<ulong> values, SimdLevel level) => Inverse(values, level, Multiplication);

    /// <summary>The forward transform at an explicit vector width and multiplication strategy.</summary>
    internal void Forward(Span<ulong> values, SimdLevel level, NttMultiplication multiplication)
    {
        CheckLength(values);
        if (level == SimdLevel.Scalar)
        {
            ForwardScalar(values);
        }
        else
        {
            NttKernels.Forward(values, GetOperands(multiplication), Modulus.Value, level);
        }
    }

    /// <summary>The inverse transform at an explicit vector width and multiplication strategy.</summary>
    internal void Inverse(Span<ulong> values, SimdLevel level, NttMultiplication multiplication)
    {
        CheckLength(values);
        if (level == SimdLevel.Scalar)
        {
            InverseScalar(values);
        }
        else
        {
            NttKernels.Inverse(values, GetOperands(multiplication), Modulus.Value, level);
        }
    }

    /// <summary>The vector-kernel operands for <paramref name="multiplication"/>, built on first use.</summary>
    /// <exception cref="ArgumentException">The strategy does not support a prime of this size.</exception>
    internal NttOperands GetOperands(NttMultiplication multiplication)
    {
        if (!NttOperands.Supports(multiplication, Modulus.BitCount))
        {
            throw new ArgumentException(
                $"The {multiplication} NTT multiplication does not support a {Modulus.BitCount}-bit prime (q = {Modulus.Value}).",
                nameof(multiplication));
        }

        ref NttOperands? slot = ref _operands[(int)multiplication];
        if (slot is null)
        {
            var created = NttOperands.Create(
                multiplication, Modulus, _rootPowers, _rootPowersShoup, _invRootPowers, _invRootPowersShoup, _invN.Value);
            Interlocked.CompareExchange(ref slot, created, null);
        }

        return slot;
    }

    /// <summary>The strategy used for a prime of <paramref name="bitCount"/> bits (see docs/design/ntt.md).</summary>
    internal static NttMultiplication ChooseMultiplication(int bitCount) =>
        bitCount <= 30 ? NttMultiplication.Shoup32Packed
        : bitCount <= 50 ? NttMultiplication.Fma
        : NttMultiplication.Shoup64;

    /// <summary>The scalar reference forward transform (Cooley–Tukey, lazy Harvey butterflies, branch-free).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void ForwardScalar(Span<ulong> a)
    {
        Debug.Assert(a.Length == N, "length checked by the caller");
        ulong q = Modulus.Value, twoQ = 2 * q;
        int n = N;
        ref ulong data = ref MemoryMarshal.GetReference(a);
        ref ulong roots = ref MemoryMarshal.GetArrayDataReference(_rootPowers);
        ref ulong rootsShoup = ref MemoryMarshal.GetArrayDataReference(_rootPowersShoup);
        for (int m = 1, t = n >> 1; m < n; m <<= 1, t >>= 1)
        {
            for (int i = 0; i < m; i++)
            {
                ulong w = Unsafe.Add(ref roots, m + i), wShoup = Unsafe.Add(ref rootsShoup, m + i);
                ref ulong x = ref Unsafe.Add(ref data, 2 * i * t);
                ref ulong y = ref Unsafe.Add(ref x, t);
                for (nuint j = 0; j < (nuint)t; j++)
                {
                    // x in [0, 4q) -> [0, 2q); v = y·w in [0, 2q); outputs in [0, 4q).
                    ulong u = SubtractIfNotLess(Unsafe.Add(ref x, j), twoQ);
                    ulong v = MulShoupLazy(Unsafe.Add(ref y, j), w, wShoup, q);
                    Unsafe.Add(ref x, j) = u + v;
                    Unsafe.Add(ref y, j) = u - v + twoQ;
                }
            }
        }

        for (nuint j = 0; j < (nuint)n; j++)
        {
            ref ulong u = ref Unsafe.Add(ref data, j);
            u = SubtractIfNotLess(SubtractIfNotLess(u, twoQ), q);
        }
    }

    /// <summary>The scalar reference inverse transform (Gentleman–Sande, lazy Harvey butterflies, branch-free).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void InverseScalar(Span<ulong> a)
    {
        Debug.Assert(a.Length == N, "length checked by the caller");
        ulong q = Modulus.Value, twoQ = 2 * q;
        int n = N;
        ref ulong data = ref MemoryMarshal.GetReference(a);
        ref ulong roots = ref MemoryMarshal.GetArrayDataReference(_invRootPowers);
        ref ulong rootsShoup = ref MemoryMarshal.GetArrayDataReference(_invRootPowersShoup);
        for (int m = n >> 1, t = 1; m >= 1; m >>= 1, t <<= 1)
        {
            for (int i = 0; i < m; i++)
            {
                ulong w = Unsafe.Add(ref roots, m + i), wShoup = Unsafe.Add(ref rootsShoup, m + i);
                ref ulong x = ref Unsafe.Add(ref data, 2 * i * t);
                ref ulong y = ref Unsafe.Add(ref x, t);
                for (nuint j = 0; j < (nuint)t; j++)
                {
                    // inputs in [0, 2q); outputs in [0, 2q).
                    ulong u = Unsafe.Add(ref x, j), v = Unsafe.Add(ref y, j);
                    Unsafe.Add(ref x, j) = SubtractIfNotLess(u + v, twoQ);
                    Unsafe.Add(ref y, j) = MulShoupLazy(u - v + twoQ, w, wShoup, q);
                }
            }
        }

        ulong invN = _invN.Value, invNShoup = _invN.Quotient;
        for (nuint j = 0; j < (nuint)n; j++)
        {
            ref ulong u = ref Unsafe.Add(ref data, j);
            u = SubtractIfNotLess(MulShoupLazy(u, invN, invNShoup, q), q);
        }
    }

    /// <summary>Shoup's lazy product: <c>x·w mod q</c> in <c>[0, 2q)</c> for any 64-bit <c>x</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulShoupLazy(ulong x, ulong w, ulong wShoup, ulong q)
    {
        // mulx giving only the high word; Math.BigMul's discarded low word otherwise goes through the stack.
        ulong quotient = Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(x, wShoup) : Math.BigMul(x, wShoup, out _);
        return x * w - quotient * q;
    }

    /// <summary><c>x - m</c> when <c>x ≥ m</c>, else <c>x</c>, without a branch; needs <c>x, m &lt; 2^63</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SubtractIfNotLess(ulong x, ulong m)
    {
        ulong d = x - m;
        return d + (m & (ulong)((long)d >> 63));
    }

    private void CheckLength(Span<ulong> values) => CheckLength(values.Length, nameof(values));

    private void CheckLength(int length, string name)
    {
        if (length != N)
        {
            throw new ArgumentException($"Expected exactly N = {N} values in {name}; got {length}.", name);
        }
    }

    /// <summary>Reverses the low <paramref name="bits"/> bits of <paramref name="value"/>.</summary>
    internal static int ReverseBits(int value, int bits) =>
        bits == 0 ? 0 : (int)(BitReverse((uint)value) >> (32 - bits));

    private static uint BitReverse(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
        return (v >> 16) | (v << 16);
    }

    /// <summary>The smallest primitive <c>2n</c>-th root of unity modulo <c>q</c> (deterministic).</summary>
    private static ulong FindMinimalPrimitiveRoot(int n, Modulus modulus)
    {
        ulong q = modulus.Value, twoN = 2UL * (ulong)n;
        ulong exponent = (q - 1) / twoN;
        ulong root = 0;
        for (ulong g = 2; g < q && g < 1_000_000; g++)
        {
            ulong candidate = modulus.Pow(g, exponent);
            if (modulus.Pow(candidate, (ulong)n) == q - 1)
            {
                root = candidate;
                break;
            }
        }

        if (root == 0)
        {
            throw new ArgumentException($"q = {q} has no primitive 2N-th root of unity (N = {n}); is it prime?", nameof(modulus));
        }

        // Among the primitive 2n-th roots (the odd powers of root), take the smallest, so the choice is canonical.
        ulong square = modulus.Multiply(root, root), best = root, current = root;
        for (ulong i = 1; i < twoN; i += 2)
        {
            Debug.Assert(modulus.Pow(current, (ulong)n) == q - 1, "odd powers of a primitive root are primitive");
            if (current < best)
            {
                best = current;
            }

            current = modulus.Multiply(current, square);
        }

        return best;
    }
}
