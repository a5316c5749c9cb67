using CkksRns.Rns.Arithmetic;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// The twiddle tables of one NTT in the form one <see cref="NttMultiplication"/> strategy consumes: a value table and an
/// auxiliary table per direction (both indexed like the scalar tables: entry <c>k</c> belongs to twiddle <c>ψ^±brv(k)</c>),
/// plus the two operands of the inverse transform's last stage, where <c>N^-1</c> is folded in.
/// </summary>
/// <remarks>
/// Shoup64 and Shoup32 use the integer twiddles <c>w</c> and their 64-bit Shoup quotients (Shoup32 derives its 32-bit
/// quotient as the high word of the 64-bit one: <c>floor(w'/2^32) = floor(w·2^32/q)</c>). Both FMA variants use the bit patterns of the
/// doubles <c>(double)w</c> (exact, <c>w &lt; 2^50</c>) and <c>(double)w / q</c> (correctly rounded).
/// </remarks>
internal sealed class NttOperands
{
    private NttOperands(
        NttMultiplication multiplication,
        ulong[] forwardW,
        ulong[] forwardAux,
        ulong[] inverseW,
        ulong[] inverseAux,
        (ulong W, ulong Aux) inverseN,
        (ulong W, ulong Aux) inverseLast,
        uint[]? forwardDistanceOne256 = null,
        uint[]? inverseDistanceOne256 = null)
    {
        Multiplication = multiplication;
        ForwardW = forwardW;
        ForwardAux = forwardAux;
        InverseW = inverseW;
        InverseAux = inverseAux;
        InverseN = inverseN;
        InverseLast = inverseLast;
        ForwardDistanceOne256 = forwardDistanceOne256;
        InverseDistanceOne256 = inverseDistanceOne256;
    }

    /// <summary>The strategy these operands are for.</summary>
    public NttMultiplication Multiplication { get; }

    /// <summary>Forward twiddle values, indexed like the scalar table.</summary>
    public ulong[] ForwardW { get; }

    /// <summary>Forward twiddle companions (Shoup quotients or <c>w/q</c> bits).</summary>
    public ulong[] ForwardAux { get; }

    /// <summary>Inverse twiddle values, indexed like the scalar table.</summary>
    public ulong[] InverseW { get; }

    /// <summary>Inverse twiddle companions.</summary>
    public ulong[] InverseAux { get; }

    /// <summary>The operand <c>N^-1</c> for the inverse transform's last stage (sum output).</summary>
    public (ulong W, ulong Aux) InverseN { get; }

    /// <summary>The operand <c>ψ^-brv(1)·N^-1</c> for the inverse transform's last stage (difference output).</summary>
    public (ulong W, ulong Aux) InverseLast { get; }

    /// <summary>
    /// <see cref="NttMultiplication.Shoup32Packed"/> only: the forward transform's distance-1 twiddles (entries
    /// <c>N/2 .. N-1</c>) in the lane order of the Vector256 packed tail, 16 words per block of 8 entries: the values
    /// <c>w</c> of entries <c>0 2 1 3 4 6 5 7</c>, then their 32-bit Shoup quotients in the same order. One load each
    /// replaces four loads and six shuffles per block.
    /// </summary>
    public uint[]? ForwardDistanceOne256 { get; }

    /// <summary>As <see cref="ForwardDistanceOne256"/>, for the inverse transform's head.</summary>
    public uint[]? InverseDistanceOne256 { get; }

    /// <summary>True when <paramref name="multiplication"/> is valid for primes of <paramref name="bitCount"/> bits.</summary>
    public static bool Supports(NttMultiplication multiplication, int bitCount) => multiplication switch
    {
        NttMultiplication.Shoup64 => bitCount <= Modulus.MaxBitCount,
        NttMultiplication.Fma or NttMultiplication.FmaPerProduct => bitCount <= 50,
        NttMultiplication.Shoup32 or NttMultiplication.Shoup32Packed => bitCount <= 30,
        _ => false,
    };

    /// <summary>Builds the operands for <paramref name="multiplication"/> from the scalar tables.</summary>
    public static NttOperands Create(
        NttMultiplication multiplication,
        Modulus modulus,
        ulong[] rootPowers,
        ulong[] rootPowersShoup,
        ulong[] inverseRootPowers,
        ulong[] inverseRootPowersShoup,
        ulong inverseN)
    {
        ulong q = modulus.Value;
        ulong last = modulus.Multiply(inverseRootPowers[1], inverseN);
        switch (multiplication)
        {
            case NttMultiplication.Shoup32Packed:
                return new NttOperands(
                    multiplication,
                    rootPowers,
                    rootPowersShoup,
                    inverseRootPowers,
                    inverseRootPowersShoup,
                    (inverseN, modulus.ShoupPrecompute(inverseN)),
                    (last, modulus.ShoupPrecompute(last)),
                    DistanceOneLanes256(rootPowers, rootPowersShoup),
                    DistanceOneLanes256(inverseRootPowers, inverseRootPowersShoup));
            case NttMultiplication.Shoup64:
            case NttMultiplication.Shoup32:
                return new NttOperands(
                    multiplication,
                    rootPowers,
                    rootPowersShoup,
                    inverseRootPowers,
                    inverseRootPowersShoup,
                    (inverseN, modulus.ShoupPrecompute(inverseN)),
                    (last, modulus.ShoupPrecompute(last)));
            case NttMultiplication.Fma:
            case NttMultiplication.FmaPerProduct:
                return new NttOperands(
                    multiplication,
                    ToDoubleBits(rootPowers),
                    QuotientBits(rootPowers, q),
                    ToDoubleBits(inverseRootPowers),
                    QuotientBits(inverseRootPowers, q),
                    FmaOperand(inverseN, q),
                    FmaOperand(last, q));
            default:
                throw new ArgumentOutOfRangeException(nameof(multiplication), multiplication, "Unknown NTT multiplication strategy.");
        }
    }

    /// <summary>See <see cref="ForwardDistanceOne256"/>: entries <c>N/2 ..</c> of a table in the packed tail's lane order.</summary>
    private static uint[]? DistanceOneLanes256(ulong[] values, ulong[] shoup)
    {
        int n = values.Length, half = n >> 1;
        if (n < 32)
        {
            return null;
        }

        ReadOnlySpan<int> order = [0, 2, 1, 3, 4, 6, 5, 7];
        var lanes = new uint[n];
        for (int block = 0; block < half / 8; block++)
        {
            for (int lane = 0; lane < 8; lane++)
            {
                int entry = half + (8 * block) + order[lane];
                lanes[(16 * block) + lane] = (uint)values[entry];
                lanes[(16 * block) + 8 + lane] = (uint)(shoup[entry] >> 32);
            }
        }

        return lanes;
    }

    /// <summary>
    /// The table entries (value and auxiliary word) that <paramref name="multiplication"/> keeps for a twiddle
    /// <paramref name="w"/> <c>&lt; q</c>: a constant factor in the same form as a twiddle (the fused end of
    /// <c>NttTables.ForwardSubtractMultiply</c>).
    /// </summary>
    public static (ulong W, ulong Aux) Operand(NttMultiplication multiplication, Modulus modulus, ShoupOperand w) =>
        multiplication is NttMultiplication.Fma or NttMultiplication.FmaPerProduct ? FmaOperand(w.Value, modulus.Value) : (w.Value, w.Quotient);

    private static (ulong W, ulong Aux) FmaOperand(ulong w, ulong q) =>
        (BitConverter.DoubleToUInt64Bits(w), BitConverter.DoubleToUInt64Bits((double)w / q));

    private static ulong[] ToDoubleBits(ulong[] values)
    {
        var result = new ulong[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = BitConverter.DoubleToUInt64Bits(values[i]);
        }

        return result;
    }

    private static ulong[] QuotientBits(ulong[] values, ulong q)
    {
        var result = new ulong[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = BitConverter.DoubleToUInt64Bits((double)values[i] / q);
        }

        return result;
    }
}
