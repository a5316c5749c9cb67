namespace CkksRns.Rns.Kernels;

/// <summary>The vector width a kernel runs at. Every level gives bit-identical results; wider is faster.</summary>
public enum SimdLevel
{
    /// <summary>Plain scalar code (<c>Math.BigMul</c>); the reference every vector path is checked against.</summary>
    Scalar = 0,

    /// <summary>256-bit vectors (<c>Vector256</c>, AVX2 on x64).</summary>
    Vector256 = 256,

    /// <summary>512-bit vectors (<c>Vector512</c>, AVX-512 on x64).</summary>
    Vector512 = 512,
}
