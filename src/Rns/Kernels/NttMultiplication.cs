namespace CkksRns.Rns.Kernels;

/// <summary>
/// How the vector NTT kernels compute the lazy modular product <c>y·w mod q</c> of a butterfly. Every strategy gives the
/// same final transform (outputs are fully reduced), so the choice only affects speed; see docs/design/ntt.md.
/// </summary>
internal enum NttMultiplication
{
    /// <summary>
    /// 64-bit Shoup: the high word of <c>y·w'</c> (with <c>w' = floor(w·2^64/q)</c>) approximated from three 32×32-bit
    /// products, the low words from 32-bit multiplies, one correction. Works for every prime up to 61 bits.
    /// </summary>
    Shoup64 = 0,

    /// <summary>
    /// Double precision: the quotient <c>round(y·(w/q))</c> and the exact remainder through fused multiply-add
    /// (an error-free product), with values kept as exact doubles between stages (converted on the first and last pass
    /// only). Needs <c>q &lt; 2^50</c>.
    /// </summary>
    Fma = 1,

    /// <summary>
    /// 32-bit Shoup in 64-bit lanes: <c>w' = floor(w·2^32/q)</c>, one 32×32-bit product for the quotient.
    /// Needs lazy values <c>&lt; 4q &lt; 2^32</c>, that is <c>q &lt; 2^30</c>.
    /// </summary>
    Shoup32 = 2,

    /// <summary>
    /// The <see cref="Fma"/> product with values kept as integers between stages, converting to and from double around
    /// every product. Kept to measure what the resident representation saves; needs <c>q &lt; 2^50</c>.
    /// </summary>
    FmaPerProduct = 3,

    /// <summary>
    /// <see cref="Shoup32"/> on 32-bit lanes (twice as many per vector): the residues are narrowed in place to
    /// <c>uint</c> for the transform and widened back. Needs <c>q &lt; 2^30</c>. At the Vector512 level, where it is
    /// not implemented, <see cref="Shoup32"/> runs instead.
    /// </summary>
    Shoup32Packed = 4,
}
