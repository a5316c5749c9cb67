// The tiles below are mechanical copies of one pattern; change the 128-, 256- and 512-bit files together.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CkksRns.Nn.Kernels;

/// <content>The 256-bit vector path of <see cref="Gemm"/>.</content>
internal static partial class Gemm
{
    /// <summary>
    /// Computes the block <c>C[i0..i1, j0..j1]</c> with 256-bit vectors (8 lanes); leftover columns go to the
    /// next narrower path (bit-identical), the last 1–3 to scalar code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run256(in GemmOperands g, int i0, int i1, int j0, int j1)
    {
        fixed (float* pa0 = g.A, pb0 = g.B, pc0 = g.C)
        {
            float* pa = pa0 + g.AOffset;
            float* pb = pb0 + g.BOffset;
            float* pc = pc0 + g.COffset;
            nint ars = g.ARowStride, acs = g.AColStride, brs = g.BRowStride, crs = g.CRowStride;
            int k = g.K;
            bool acc = g.Accumulate;
            int j = j0;
            for (; j + 16 <= j1; j += 16)
            {
                int i = i0;
                for (; i + 4 <= i1; i += 4)
                {
                    Tile256_4x16(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }

                for (; i < i1; i++)
                {
                    Tile256_1x16(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }
            }

            for (; j + 8 <= j1; j += 8)
            {
                int i = i0;
                for (; i + 4 <= i1; i += 4)
                {
                    Tile256_4x8(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }

                for (; i < i1; i++)
                {
                    Tile256_1x8(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }
            }

            if (j < j1)
            {
                Run128(g, i0, i1, j, j1);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile256_4x16(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector256<float> c00 = Vector256<float>.Zero;
        Vector256<float> c01 = Vector256<float>.Zero;
        Vector256<float> c10 = Vector256<float>.Zero;
        Vector256<float> c11 = Vector256<float>.Zero;
        Vector256<float> c20 = Vector256<float>.Zero;
        Vector256<float> c21 = Vector256<float>.Zero;
        Vector256<float> c30 = Vector256<float>.Zero;
        Vector256<float> c31 = Vector256<float>.Zero;
        float* a0 = a;
        float* a1 = a + 1 * ars;
        float* a2 = a + 2 * ars;
        float* a3 = a + 3 * ars;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> x0 = Vector256.Create(*a0);
            c00 = Vector256.FusedMultiplyAdd(x0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x0, b1, c01);
            Vector256<float> x1 = Vector256.Create(*a1);
            c10 = Vector256.FusedMultiplyAdd(x1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x1, b1, c11);
            Vector256<float> x2 = Vector256.Create(*a2);
            c20 = Vector256.FusedMultiplyAdd(x2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x2, b1, c21);
            Vector256<float> x3 = Vector256.Create(*a3);
            c30 = Vector256.FusedMultiplyAdd(x3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x3, b1, c31);
            a0 += acs;
            a1 += acs;
            a2 += acs;
            a3 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector256.Store(Vector256.Load(c + 0) + c00, c + 0);
            Vector256.Store(Vector256.Load(c + 8) + c01, c + 8);
            Vector256.Store(Vector256.Load(c + 1 * crs + 0) + c10, c + 1 * crs + 0);
            Vector256.Store(Vector256.Load(c + 1 * crs + 8) + c11, c + 1 * crs + 8);
            Vector256.Store(Vector256.Load(c + 2 * crs + 0) + c20, c + 2 * crs + 0);
            Vector256.Store(Vector256.Load(c + 2 * crs + 8) + c21, c + 2 * crs + 8);
            Vector256.Store(Vector256.Load(c + 3 * crs + 0) + c30, c + 3 * crs + 0);
            Vector256.Store(Vector256.Load(c + 3 * crs + 8) + c31, c + 3 * crs + 8);
        }
        else
        {
            Vector256.Store(c00, c + 0);
            Vector256.Store(c01, c + 8);
            Vector256.Store(c10, c + 1 * crs + 0);
            Vector256.Store(c11, c + 1 * crs + 8);
            Vector256.Store(c20, c + 2 * crs + 0);
            Vector256.Store(c21, c + 2 * crs + 8);
            Vector256.Store(c30, c + 3 * crs + 0);
            Vector256.Store(c31, c + 3 * crs + 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile256_1x16(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector256<float> c00 = Vector256<float>.Zero;
        Vector256<float> c01 = Vector256<float>.Zero;
        float* a0 = a;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> x0 = Vector256.Create(*a0);
            c00 = Vector256.FusedMultiplyAdd(x0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x0, b1, c01);
            a0 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector256.Store(Vector256.Load(c + 0) + c00, c + 0);
            Vector256.Store(Vector256.Load(c + 8) + c01, c + 8);
        }
        else
        {
            Vector256.Store(c00, c + 0);
            Vector256.Store(c01, c + 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile256_4x8(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector256<float> c00 = Vector256<float>.Zero;
        Vector256<float> c10 = Vector256<float>.Zero;
        Vector256<float> c20 = Vector256<float>.Zero;
        Vector256<float> c30 = Vector256<float>.Zero;
        float* a0 = a;
        float* a1 = a + 1 * ars;
        float* a2 = a + 2 * ars;
        float* a3 = a + 3 * ars;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> x0 = Vector256.Create(*a0);
            c00 = Vector256.FusedMultiplyAdd(x0, b0, c00);
            Vector256<float> x1 = Vector256.Create(*a1);
            c10 = Vector256.FusedMultiplyAdd(x1, b0, c10);
            Vector256<float> x2 = Vector256.Create(*a2);
            c20 = Vector256.FusedMultiplyAdd(x2, b0, c20);
            Vector256<float> x3 = Vector256.Create(*a3);
            c30 = Vector256.FusedMultiplyAdd(x3, b0, c30);
            a0 += acs;
            a1 += acs;
            a2 += acs;
            a3 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector256.Store(Vector256.Load(c + 0) + c00, c + 0);
            Vector256.Store(Vector256.Load(c + 1 * crs + 0) + c10, c + 1 * crs + 0);
            Vector256.Store(Vector256.Load(c + 2 * crs + 0) + c20, c + 2 * crs + 0);
            Vector256.Store(Vector256.Load(c + 3 * crs + 0) + c30, c + 3 * crs + 0);
        }
        else
        {
            Vector256.Store(c00, c + 0);
            Vector256.Store(c10, c + 1 * crs + 0);
            Vector256.Store(c20, c + 2 * crs + 0);
            Vector256.Store(c30, c + 3 * crs + 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile256_1x8(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector256<float> c00 = Vector256<float>.Zero;
        float* a0 = a;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> x0 = Vector256.Create(*a0);
            c00 = Vector256.FusedMultiplyAdd(x0, b0, c00);
            a0 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector256.Store(Vector256.Load(c + 0) + c00, c + 0);
        }
        else
        {
            Vector256.Store(c00, c + 0);
        }
    }
}
