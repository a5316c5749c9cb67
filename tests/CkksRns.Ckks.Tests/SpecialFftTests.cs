using System.Numerics;
using CkksRns.Rns.Kernels;
using Xunit;

namespace CkksRns.Ckks.Tests;

public sealed class SpecialFftTests
{
    private static Complex[] NaiveSlots(Complex[] w, int n)
    {
        int slots = n / 2;
        long m = 2L * n;
        var z = new Complex[slots];
        long five = 1;
        for (int j = 0; j < slots; j++)
        {
            Complex sum = Complex.Zero;
            for (int i = 0; i < slots; i++)
            {
                long e = five * i % m;
                sum += w[i] * Complex.FromPolarCoordinates(1, Math.PI * e / n);
            }

            z[j] = sum;
            five = five * 5 % m;
        }

        return z;
    }

    [Theory]
    [InlineData(4)]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(1024)]
    public void Forward_RandomCoefficients_MatchesNaiveEvaluation(int n)
    {
        var random = new Random(n);
        var fft = new SpecialFft(n);
        var w = Enumerable.Range(0, n / 2).Select(_ => new Complex(random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1)).ToArray();
        double[] re = w.Select(c => c.Real).ToArray(), im = w.Select(c => c.Imaginary).ToArray();
        fft.Forward(re, im);
        Complex[] expected = NaiveSlots(w, n);
        for (int j = 0; j < n / 2; j++)
        {
            Assert.True(Complex.Abs(expected[j] - new Complex(re[j], im[j])) < 1e-9 * n, $"slot {j}: {expected[j]} vs ({re[j]}, {im[j]})");
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(2048)]
    [InlineData(8192)]
    public void Inverse_ThenForward_IsIdentity(int n)
    {
        var random = new Random(n + 1);
        var fft = new SpecialFft(n);
        double[] re = Enumerable.Range(0, n / 2).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] im = Enumerable.Range(0, n / 2).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] re0 = (double[])re.Clone(), im0 = (double[])im.Clone();
        fft.Inverse(re, im);
        fft.Forward(re, im);
        for (int j = 0; j < n / 2; j++)
        {
            Assert.True(Math.Abs(re[j] - re0[j]) < 1e-12 && Math.Abs(im[j] - im0[j]) < 1e-12, $"slot {j}");
        }
    }

    [Fact]
    public void Forward_GaloisMapByFive_RotatesSlotsLeftByOne()
    {
        // m(X) -> m(X^5) maps slot j to slot j+1: checked on real coefficients through the w_i packing.
        const int n = 64;
        var random = new Random(5);
        double[] m = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] mapped = new double[n];
        for (int k = 0; k < n; k++)
        {
            int e = 5 * k % (2 * n);
            if (e < n)
            {
                mapped[e] += m[k];
            }
            else
            {
                mapped[e - n] -= m[k];
            }
        }

        var fft = new SpecialFft(n);
        double[] re = m[..(n / 2)], im = m[(n / 2)..];
        double[] re2 = mapped[..(n / 2)], im2 = mapped[(n / 2)..];
        fft.Forward(re, im);
        fft.Forward(re2, im2);
        for (int j = 0; j < n / 2; j++)
        {
            int next = (j + 1) % (n / 2);
            Assert.True(Math.Abs(re2[j] - re[next]) < 1e-9 && Math.Abs(im2[j] - im[next]) < 1e-9, $"slot {j}");
        }
    }

    [Trait("Category", "Kernel")]
    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(1024)]
    [InlineData(2048)]
    [InlineData(16384)]
    public void Transforms_VectorPath_BitIdenticalToScalar(int n)
    {
        // Sizes with an odd and an even number of radix-4 stages on both sides, and the smallest vector size (8 slots).
        var random = new Random(n + 2);
        var fft = new SpecialFft(n);
        double[] re = Enumerable.Range(0, n / 2).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] im = Enumerable.Range(0, n / 2).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] re2 = (double[])re.Clone(), im2 = (double[])im.Clone();
        SimdLevel saved = SimdCapabilities.MaxLevel;
        try
        {
            SimdCapabilities.MaxLevel = SimdLevel.Scalar;
            fft.Inverse(re, im);
            SimdCapabilities.MaxLevel = SimdLevel.Vector512;
            fft.Inverse(re2, im2);
            Assert.Equal(re, re2);
            Assert.Equal(im, im2);
            SimdCapabilities.MaxLevel = SimdLevel.Scalar;
            fft.Forward(re, im);
            SimdCapabilities.MaxLevel = SimdLevel.Vector512;
            fft.Forward(re2, im2);
        }
        finally
        {
            SimdCapabilities.MaxLevel = saved;
        }

        Assert.Equal(re, re2);
        Assert.Equal(im, im2);
    }
}
