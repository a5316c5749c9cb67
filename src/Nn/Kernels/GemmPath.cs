namespace CkksRns.Nn.Kernels;

/// <summary>The instruction-set path a <see cref="Gemm"/> call takes.</summary>
internal enum GemmPath
{
    /// <summary>Portable scalar code (<see cref="MathF.FusedMultiplyAdd"/>): the reference.</summary>
    Scalar,

    /// <summary>128-bit vectors (SSE + FMA3, or Arm64 AdvSimd).</summary>
    Vector128,

    /// <summary>256-bit vectors (AVX2 + FMA3).</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512F).</summary>
    Vector512,
}
