using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace CkksRns.Nn.Kernels;

/// <summary>
/// Single-precision matrix product <c>C = A·B</c> or <c>C += A·B</c> (see <see cref="GemmOperands"/>), the kernel
/// behind Dense and Conv2d (through im2col).
/// </summary>
/// <remarks>
/// <para>
/// Every path computes each element the same way: <c>s = 0; for p = 0..K-1: s = fma(A[i,p], B[p,j], s)</c>, then
/// <c>C[i,j] = s</c> or <c>C[i,j] = C[i,j] + s</c>. Vector lanes hold different columns <c>j</c>, never different
/// <c>p</c>, so the 512-, 256- and 128-bit paths and the scalar path are bit-identical, and splitting the work between
/// threads (by rows or columns) does not change a single bit.
/// </para>
/// <para>
/// The vector paths use register tiles of 4 rows × 2 vectors (8 accumulators), broadcast one element of A per row and
/// stream rows of B; B panels are reused across row blocks so they stay in cache.
/// </para>
/// </remarks>
internal static partial class Gemm
{
    /// <summary>The fastest path this machine supports; chosen once at start-up.</summary>
    public static GemmPath BestPath { get; } =
        Vector512.IsHardwareAccelerated ? GemmPath.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmPath.Vector256
        : Vector128.IsHardwareAccelerated && (Fma.IsSupported || AdvSimd.Arm64.IsSupported) ? GemmPath.Vector128
        : GemmPath.Scalar;

    /// <summary>Computes the product on the best path, splitting it across the context's threads.</summary>
    public static void Multiply(in GemmOperands g, ComputeContext context) => Multiply(g, context, BestPath);

    /// <summary>Computes the product on <paramref name="path"/>, splitting it across the context's threads.</summary>
    /// <exception cref="ArgumentException">An operand is too short for the given sizes and strides.</exception>
    public static void Multiply(in GemmOperands g, ComputeContext context, GemmPath path)
    {
        Validate(g);
        if (g.M == 0 || g.N == 0)
        {
            return;
        }

        long work = (long)g.M * g.N * Math.Max(1, g.K);
        bool byColumns = g.N >= 2 * 16 * context.DegreeOfParallelism || g.M < 4 * context.DegreeOfParallelism;
        int units = byColumns ? (g.N + 15) / 16 : (g.M + 3) / 4;
        int parts = context.Parts(units, work);
        if (parts <= 1)
        {
            Run(g, path, 0, g.M, 0, g.N);
            return;
        }

        GemmOperands copy = g;
        context.For(parts, part =>
        {
            if (byColumns)
            {
                (int j0, int j1) = ComputeContext.Range(copy.N, parts, part, 16);
                Run(copy, path, 0, copy.M, j0, j1);
            }
            else
            {
                (int i0, int i1) = ComputeContext.Range(copy.M, parts, part, 4);
                Run(copy, path, i0, i1, 0, copy.N);
            }
        });
    }

    /// <summary>Computes the block <c>C[i0..i1, j0..j1]</c> on one thread.</summary>
    internal static unsafe void Run(in GemmOperands g, GemmPath path, int i0, int i1, int j0, int j1)
    {
        if (i0 >= i1 || j0 >= j1)
        {
            return;
        }

        if (g.K == 0)
        {
            if (!g.Accumulate)
            {
                for (int i = i0; i < i1; i++)
                {
                    g.C.AsSpan(g.COffset + (i * g.CRowStride) + j0, j1 - j0).Clear();
                }
            }

            return;
        }

        switch (path)
        {
            case GemmPath.Vector512:
                Run512(g, i0, i1, j0, j1);
                break;
            case GemmPath.Vector256:
                Run256(g, i0, i1, j0, j1);
                break;
            case GemmPath.Vector128:
                Run128(g, i0, i1, j0, j1);
                break;
            default:
                fixed (float* pa0 = g.A, pb0 = g.B, pc0 = g.C)
                {
                    ScalarBlock(
                        pa0 + g.AOffset, g.ARowStride, g.AColStride, pb0 + g.BOffset, g.BRowStride,
                        pc0 + g.COffset, g.CRowStride, g.K, g.Accumulate, i0, i1, j0, j1);
                }

                break;
        }
    }

    /// <summary>The scalar reference: the same operation order as every vector lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ScalarBlock(
        float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate,
        int i0, int i1, int j0, int j1)
    {
        for (int i = i0; i < i1; i++)
        {
            float* arow = a + (i * ars);
            float* crow = c + (i * crs);
            for (int j = j0; j < j1; j++)
            {
                float s = 0f;
                float* ap = arow;
                float* bp = b + j;
                for (int p = 0; p < k; p++)
                {
                    s = MathF.FusedMultiplyAdd(*ap, *bp, s);
                    ap += acs;
                    bp += brs;
                }

                crow[j] = accumulate ? crow[j] + s : s;
            }
        }
    }

    private static void Validate(in GemmOperands g)
    {
        if (g.M < 0 || g.N < 0 || g.K < 0)
        {
            throw new ArgumentException($"Matrix sizes must be non-negative; got M={g.M}, N={g.N}, K={g.K}.");
        }

        if (g.ARowStride < 0 || g.AColStride < 0 || g.BRowStride < 0 || g.CRowStride < 0
            || g.AOffset < 0 || g.BOffset < 0 || g.COffset < 0)
        {
            throw new ArgumentException("Offsets and strides must be non-negative.");
        }

        if (g.M == 0 || g.N == 0)
        {
            return;
        }

        long cLast = g.COffset + ((long)(g.M - 1) * g.CRowStride) + g.N - 1;
        if (cLast >= g.C.Length)
        {
            throw new ArgumentException($"C has {g.C.Length} elements; the product needs index {cLast}.");
        }

        if (g.K == 0)
        {
            return;
        }

        long aLast = g.AOffset + ((long)(g.M - 1) * g.ARowStride) + ((long)(g.K - 1) * g.AColStride);
        long bLast = g.BOffset + ((long)(g.K - 1) * g.BRowStride) + g.N - 1;
        if (aLast >= g.A.Length)
        {
            throw new ArgumentException($"A has {g.A.Length} elements; the product needs index {aLast}.");
        }

        if (bLast >= g.B.Length)
        {
            throw new ArgumentException($"B has {g.B.Length} elements; the product needs index {bLast}.");
        }

        Debug.Assert(g.CRowStride >= g.N || g.M == 1, "rows of C must not overlap");
    }
}
