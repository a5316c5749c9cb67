namespace CkksRns.Nn.Kernels;

/// <summary>
/// The operands of <c>C = A·B</c> (or <c>C += A·B</c>): <c>A</c> is <c>M×K</c> with arbitrary row and column strides
/// (so a transposed matrix needs no copy), <c>B</c> is <c>K×N</c> with contiguous rows, <c>C</c> is <c>M×N</c> with
/// contiguous rows.
/// </summary>
internal readonly struct GemmOperands
{
    /// <summary>Describes one product; see the type remarks for the layout.</summary>
    public GemmOperands(
        float[] a, int aOffset, int aRowStride, int aColStride,
        float[] b, int bOffset, int bRowStride,
        float[] c, int cOffset, int cRowStride,
        int m, int n, int k, bool accumulate)
    {
        A = a;
        AOffset = aOffset;
        ARowStride = aRowStride;
        AColStride = aColStride;
        B = b;
        BOffset = bOffset;
        BRowStride = bRowStride;
        C = c;
        COffset = cOffset;
        CRowStride = cRowStride;
        M = m;
        N = n;
        K = k;
        Accumulate = accumulate;
    }

    /// <summary>Left factor storage.</summary>
    public float[] A { get; }

    /// <summary>Index of <c>A[0,0]</c>.</summary>
    public int AOffset { get; }

    /// <summary>Distance between <c>A[i,p]</c> and <c>A[i+1,p]</c>.</summary>
    public int ARowStride { get; }

    /// <summary>Distance between <c>A[i,p]</c> and <c>A[i,p+1]</c>.</summary>
    public int AColStride { get; }

    /// <summary>Right factor storage.</summary>
    public float[] B { get; }

    /// <summary>Index of <c>B[0,0]</c>.</summary>
    public int BOffset { get; }

    /// <summary>Distance between <c>B[p,j]</c> and <c>B[p+1,j]</c>; <c>B[p,j+1]</c> follows <c>B[p,j]</c>.</summary>
    public int BRowStride { get; }

    /// <summary>Result storage.</summary>
    public float[] C { get; }

    /// <summary>Index of <c>C[0,0]</c>.</summary>
    public int COffset { get; }

    /// <summary>Distance between <c>C[i,j]</c> and <c>C[i+1,j]</c>.</summary>
    public int CRowStride { get; }

    /// <summary>Rows of A and C.</summary>
    public int M { get; }

    /// <summary>Columns of B and C.</summary>
    public int N { get; }

    /// <summary>Columns of A, rows of B.</summary>
    public int K { get; }

    /// <summary>When true, <c>C += A·B</c>; otherwise <c>C = A·B</c>.</summary>
    public bool Accumulate { get; }
}
