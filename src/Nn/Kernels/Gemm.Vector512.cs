// The tiles below are mechanical copies of one pattern; change the 128-, 256- and 512-bit files together.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CkksRns.Nn.Kernels;

/// <content>The 512-bit vector path of <see cref="Gemm"/>.</content>
internal static partial class Gemm
{
    /// <summary>
    /// Computes the block <c>C[i0..i1, j0..j1]</c> with 512-bit vectors (16 lanes); leftover columns go to the
    /// next narrower path (bit-identical), the last 1–3 to scalar code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run512(in GemmOperands g, int i0, int i1, int j0, int j1)
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
            for (; j + 32 <= j1; j += 32)
            {
                int i = i0;
                for (; i + 4 <= i1; i += 4)
                {
                    Tile512_4x32(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }

                for (; i < i1; i++)
                {
                    Tile512_1x32(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }
            }

            for (; j + 16 <= j1; j += 16)
            {
                int i = i0;
                for (; i + 4 <= i1; i += 4)
                {
                    Tile512_4x16(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }

                for (; i < i1; i++)
                {
                    Tile512_1x16(pa + (i * ars), ars, acs, pb + j, brs, pc + (i * crs) + j, crs, k, acc);
                }
            }

            if (j < j1)
            {
                Run256(g, i0, i1, j, j1);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile512_4x32(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector512<float> c00 = Vector512<float>.Zero;
        Vector512<float> c01 = Vector512<float>.Zero;
        Vector512<float> c10 = Vector512<float>.Zero;
        Vector512<float> c11 = Vector512<float>.Zero;
        Vector512<float> c20 = Vector512<float>.Zero;
        Vector512<float> c21 = Vector512<float>.Zero;
        Vector512<float> c30 = Vector512<float>.Zero;
        Vector512<float> c31 = Vector512<float>.Zero;
        float* a0 = a;
        float* a1 = a + 1 * ars;
        float* a2 = a + 2 * ars;
        float* a3 = a + 3 * ars;
        for (int p = 0; p < k; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> x0 = Vector512.Create(*a0);
            c00 = Vector512.FusedMultiplyAdd(x0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x0, b1, c01);
            Vector512<float> x1 = Vector512.Create(*a1);
            c10 = Vector512.FusedMultiplyAdd(x1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x1, b1, c11);
            Vector512<float> x2 = Vector512.Create(*a2);
            c20 = Vector512.FusedMultiplyAdd(x2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x2, b1, c21);
            Vector512<float> x3 = Vector512.Create(*a3);
            c30 = Vector512.FusedMultiplyAdd(x3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x3, b1, c31);
            a0 += acs;
            a1 += acs;
            a2 += acs;
            a3 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector512.Store(Vector512.Load(c + 0) + c00, c + 0);
            Vector512.Store(Vector512.Load(c + 16) + c01, c + 16);
            Vector512.Store(Vector512.Load(c + 1 * crs + 0) + c10, c + 1 * crs + 0);
            Vector512.Store(Vector512.Load(c + 1 * crs + 16) + c11, c + 1 * crs + 16);
            Vector512.Store(Vector512.Load(c + 2 * crs + 0) + c20, c + 2 * crs + 0);
            Vector512.Store(Vector512.Load(c + 2 * crs + 16) + c21, c + 2 * crs + 16);
            Vector512.Store(Vector512.Load(c + 3 * crs + 0) + c30, c + 3 * crs + 0);
            Vector512.Store(Vector512.Load(c + 3 * crs + 16) + c31, c + 3 * crs + 16);
        }
        else
        {
            Vector512.Store(c00, c + 0);
            Vector512.Store(c01, c + 16);
            Vector512.Store(c10, c + 1 * crs + 0);
            Vector512.Store(c11, c + 1 * crs + 16);
            Vector512.Store(c20, c + 2 * crs + 0);
            Vector512.Store(c21, c + 2 * crs + 16);
            Vector512.Store(c30, c + 3 * crs + 0);
            Vector512.Store(c31, c + 3 * crs + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile512_1x32(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector512<float> c00 = Vector512<float>.Zero;
        Vector512<float> c01 = Vector512<float>.Zero;
        float* a0 = a;
        for (int p = 0; p < k; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> x0 = Vector512.Create(*a0);
            c00 = Vector512.FusedMultiplyAdd(x0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x0, b1, c01);
            a0 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector512.Store(Vector512.Load(c + 0) + c00, c + 0);
            Vector512.Store(Vector512.Load(c + 16) + c01, c + 16);
        }
        else
        {
            Vector512.Store(c00, c + 0);
            Vector512.Store(c01, c + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile512_4x16(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector512<float> c00 = Vector512<float>.Zero;
        Vector512<float> c10 = Vector512<float>.Zero;
        Vector512<float> c20 = Vector512<float>.Zero;
        Vector512<float> c30 = Vector512<float>.Zero;
        float* a0 = a;
        float* a1 = a + 1 * ars;
        float* a2 = a + 2 * ars;
        float* a3 = a + 3 * ars;
        for (int p = 0; p < k; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> x0 = Vector512.Create(*a0);
            c00 = Vector512.FusedMultiplyAdd(x0, b0, c00);
            Vector512<float> x1 = Vector512.Create(*a1);
            c10 = Vector512.FusedMultiplyAdd(x1, b0, c10);
            Vector512<float> x2 = Vector512.Create(*a2);
            c20 = Vector512.FusedMultiplyAdd(x2, b0, c20);
            Vector512<float> x3 = Vector512.Create(*a3);
            c30 = Vector512.FusedMultiplyAdd(x3, b0, c30);
            a0 += acs;
            a1 += acs;
            a2 += acs;
            a3 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector512.Store(Vector512.Load(c + 0) + c00, c + 0);
            Vector512.Store(Vector512.Load(c + 1 * crs + 0) + c10, c + 1 * crs + 0);
            Vector512.Store(Vector512.Load(c + 2 * crs + 0) + c20, c + 2 * crs + 0);
            Vector512.Store(Vector512.Load(c + 3 * crs + 0) + c30, c + 3 * crs + 0);
        }
        else
        {
            Vector512.Store(c00, c + 0);
            Vector512.Store(c10, c + 1 * crs + 0);
            Vector512.Store(c20, c + 2 * crs + 0);
            Vector512.Store(c30, c + 3 * crs + 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Tile512_1x16(float* a, nint ars, nint acs, float* b, nint brs, float* c, nint crs, int k, bool accumulate)
    {
        Vector512<float> c00 = Vector512<float>.Zero;
        float* a0 = a;
        for (int p = 0; p < k; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> x0 = Vector512.Create(*a0);
            c00 = Vector512.FusedMultiplyAdd(x0, b0, c00);
            a0 += acs;
            b += brs;
        }

        if (accumulate)
        {
            Vector512.Store(Vector512.Load(c + 0) + c00, c + 0);
        }
        else
        {
            Vector512.Store(c00, c + 0);
        }
    }
}
