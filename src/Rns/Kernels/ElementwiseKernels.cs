using System.Diagnostics;
using System.Runtime.CompilerServices;
using CkksRns.Rns.Arithmetic;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// Element-wise modular kernels over spans of residues modulo one prime <c>q &lt; 2^61</c>: add, subtract, negate,
/// multiply, multiply-accumulate and multiply by a Shoup-precomputed scalar.
/// </summary>
/// <remarks>
/// <para>
/// Each operation has a <see cref="SimdLevel.Vector512"/>, a <see cref="SimdLevel.Vector256"/> and a
/// <see cref="SimdLevel.Scalar"/> path; the overload without a level uses <see cref="SimdCapabilities.Current"/>.
/// Every path returns fully reduced residues in <c>[0, q)</c>, so all paths are bit-identical by construction, and the
/// tests check it. The scalar path is the reference (<see cref="Arithmetic.Modulus"/> arithmetic).
/// </para>
/// <para>
/// Inputs must be residues in <c>[0, q)</c> (not checked in Release). The destination may be the same span as an input
/// (same start and length); partially overlapping spans are not supported. Nothing here allocates.
/// </para>
/// </remarks>
internal static partial class ElementwiseKernels
{
    [Conditional("DEBUG")]
    private static void AssertLengths(int x, int y, int destination)
    {
        Debug.Assert(x == destination && y == destination, $"span lengths differ: {x}, {y}, {destination}");
    }

    /// <summary>
    /// The level <see cref="Multiply(ReadOnlySpan{ulong}, ReadOnlySpan{ulong}, Span{ulong}, Modulus)"/> and
    /// <see cref="MultiplyAccumulate(ReadOnlySpan{ulong}, ReadOnlySpan{ulong}, Span{ulong}, Modulus)"/> run at.
    /// </summary>
    public static SimdLevel MultiplyLevel => SimdCapabilities.Current;

    /// <summary>The level the Shoup scalar multiplications run at.</summary>
    public static SimdLevel MultiplyShoupLevel => SimdCapabilities.Current;
}
