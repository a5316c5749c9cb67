// The tiles below are mechanical copies of one pattern; change the 128-, 256- and 512-bit files together.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CkksRns.Nn.Kernels;

/// <content>The 128-bit vector path of <see cref="Gemm"/>.</content>
internal static partial class Gemm
{
    /// <summary>
    /// Computes the block <c>C[i0..i1, j0..j1]</c> with 128-bit vectors (4 lanes); leftover columns go to the
    /// next narrower path (bit-identical), the last 1–3 to scalar code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run128(in GemmOperands g, int i0, int i1, int j0, int j1)
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
            for (; j + 8 <= j1; j += 8)
            {
                int i = i0;
                for (; i + 4 <= i1; i += 4)
                {
                    Tile128_4x8(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }

                for (; i < i1; i++)
                {
                    Tile128_1x8(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }
            }

            for (; j + 4 <= j1; j += 4)
            {
                int i = i0;
                for (; i + 4 <= i1; i += 4)
                {
                    Tile128_4x4(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }

                for (; i < i1; i++)
                {
                    Tile128_1x4(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }
            }

            if (j < j1)
            {
                ScalarBlock(pa, ars, acs, pb, brs, pc, crs, k, acc, i0, i1, j, j1);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile128_4x8(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector128<float> c00 = Vector128<float>.Zero;
        Vector128<float> c01 = Vector128<float>.Zero;
        Vector128<float> c10 = Vector128<float>.Zero;
        Vector128<float> c11 = Vector128<float>.Zero;
        Vector128<float> c20 = Vector128<float>.Zero;
        Vector128<float> c21 = Vector128<float>.Zero;
        Vector128<float> c30 = Vector128<float>.Zero;
        Vector128<float> c31 = Vector128<float>.Zero;
        float* a0 = a;
        float* a1 = a + 1 * ars;
        float* a2 = a + 2 * ars;
        float* a3 = a + 3 * ars;
        for (int p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.Load(b + 0);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> x0 = Vector128.Create(*a0);
            c00 = Vector128.FusedMultiplyAdd(x0, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(x0, b1, c01);
            Vector128<float> x1 = Vector128.Create(*a1);
            c10 = Vector128.FusedMultiplyAdd(x1, b0, c10);
            c11 = Vector128.FusedMultiplyAdd(x1, b1, c11);
            Vector128<float> x2 = Vector128.Create(*a2);
            c20 = Vector128.FusedMultiplyAdd(x2, b0, c20);
            c21 = Vector128.FusedMultiplyAdd(x2, b1, c21);
            Vector128<float> x3 = Vector128.Create(*a3);
            c30 = Vector128.FusedMultiplyAdd(x3, b0, c30);
            c31 = Vector128.FusedMultiplyAdd(x3, b1, c31);
            a0 += acs;
            a1 += acs;
            a2 += acs;
            a3 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector128.Store(Vector128.Load(c + 0) + c00, c + 0);
            Vector128.Store(Vector128.Load(c + 4) + c01, c + 4);
            Vector128.Store(Vector128.Load(c + 1 * crs + 0) + c10, c + 1 * crs + 0);
            Vector128.Store(Vector128.Load(c + 1 * crs + 4) + c11, c + 1 * crs + 4);
            Vector128.Store(Vector128.Load(c + 2 * crs + 0) + c20, c + 2 * crs + 0);
            Vector128.Store(Vector128.Load(c + 2 * crs + 4) + c21, c + 2 * crs + 4);
            Vector128.Store(Vector128.Load(c + 3 * crs + 0) + c30, c + 3 * crs + 0);
            Vector128.Store(Vector128.Load(c + 3 * crs + 4) + c31, c + 3 * crs + 4);
        }
        else
        {
            Vector128.Store(c00, c + 0);
            Vector128.Store(c01, c + 4);
            Vector128.Store(c10, c + 1 * crs + 0);
            Vector128.Store(c11, c + 1 * crs + 4);
            Vector128.Store(c20, c + 2 * crs + 0);
            Vector128.Store(c21, c + 2 * crs + 4);
            Vector128.Store(c30, c + 3 * crs + 0);
            Vector128.Store(c31, c + 3 * crs + 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile128_1x8(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector128<float> c00 = Vector128<float>.Zero;
        Vector128<float> c01 = Vector128<float>.Zero;
        float* a0 = a;
        for (int p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.Load(b + 0);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> x0 = Vector128.Create(*a0);
            c00 = Vector128.FusedMultiplyAdd(x0, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(x0, b1, c01);
            a0 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector128.Store(Vector128.Load(c + 0) + c00, c + 0);
            Vector128.Store(Vector128.Load(c + 4) + c01, c + 4);
        }
        else
        {
            Vector128.Store(c00, c + 0);
            Vector128.Store(c01, c + 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile128_4x4(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector128<float> c00 = Vector128<float>.Zero;
        Vector128<float> c10 = Vector128<float>.Zero;
        Vector128<float> c20 = Vector128<float>.Zero;
        Vector128<float> c30 = Vector128<float>.Zero;
        float* a0 = a;
        float* a1 = a + 1 * ars;
        float* a2 = a + 2 * ars;
        float* a3 = a + 3 * ars;
        for (int p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.Load(b + 0);
            Vector128<float> x0 = Vector128.Create(*a0);
            c00 = Vector128.FusedMultiplyAdd(x0, b0, c00);
            Vector128<float> x1 = Vector128.Create(*a1);
            c10 = Vector128.FusedMultiplyAdd(x1, b0, c10);
            Vector128<float> x2 = Vector128.Create(*a2);
            c20 = Vector128.FusedMultiplyAdd(x2, b0, c20);
            Vector128<float> x3 = Vector128.Create(*a3);
            c30 = Vector128.FusedMultiplyAdd(x3, b0, c30);
            a0 += acs;
            a1 += acs;
            a2 += acs;
            a3 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector128.Store(Vector128.Load(c + 0) + c00, c + 0);
            Vector128.Store(Vector128.Load(c + 1 * crs + 0) + c10, c + 1 * crs + 0);
            Vector128.Store(Vector128.Load(c + 2 * crs + 0) + c20, c + 2 * crs + 0);
            Vector128.Store(Vector128.Load(c + 3 * crs + 0) + c30, c + 3 * crs + 0);
        }
        else
        {
            Vector128.Store(c00, c + 0);
            Vector128.Store(c10, c + 1 * crs + 0);
            Vector128.Store(c20, c + 2 * crs + 0);
            Vector128.Store(c30, c + 3 * crs + 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile128_1x4(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector128<float> c00 = Vector128<float>.Zero;
        float* a0 = a;
        for (int p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.Load(b + 0);
            Vector128<float> x0 = Vector128.Create(*a0);
            c00 = Vector128.FusedMultiplyAdd(x0, b0, c00);
            a0 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector128.Store(Vector128.Load(c + 0) + c00, c + 0);
        }
        else
        {
            Vector128.Store(c00, c + 0);
        }
    }
}
