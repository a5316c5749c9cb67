using System.Numerics;
using CkksRns.Rns.Kernels;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Ckks.Tests;

public sealed class CkksEncoderTests
{
    private static readonly CkksContext Context = new(CkksParameters.Create(new CkksParametersLiteral
    {
        LogN = 11, LogQ = [55, 45, 45, 45], LogP = [56], LogDefaultScale = 40, SecurityLevel = SecurityLevel.None,
    }));

    private static readonly CkksEncoder Encoder = new(Context);

    private static Gen<double[]> RealVector(int maxLength, double magnitude) =>
        Gen.Choose(1, maxLength).SelectMany(length =>
            Gen.ArrayOf(Gen.Choose(-1_000_000, 1_000_000).Select(v => v / 1_000_000.0 * magnitude), length));

    [Fact]
    public void Encode_ThenDecode_RealVectors_WithinRoundingBound()
    {
        var gen =
            from values in RealVector(Encoder.Slots, 100)
            from level in Gen.Choose(0, Context.MaxLevel)
            from logScale in Gen.Choose(20, 45)
            select (values, level, logScale);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            double scale = Math.ScaleB(1.0, t.logScale);
            Plaintext pt = Encoder.Encode(t.values, t.level, scale);
            Assert.Equal(t.level, pt.Level);
            Assert.Equal(scale, pt.Scale);
            double[] decoded = Encoder.DecodeReal(pt);
            var stats = PrecisionStatistics.Compute(t.values, decoded);
            // Rounding each of N coefficients by at most 1/2 moves a slot by at most N/2 / Δ.
            Assert.True(stats.MaxError <= Context.N / 2.0 / scale + 1e-12, stats.ToString());
            // Missing slots decode to zero.
            for (int i = t.values.Length; i < Encoder.Slots; i++)
            {
                Assert.True(Math.Abs(decoded[i]) <= Context.N / 2.0 / scale + 1e-12);
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Encode_ThenDecode_ComplexVectors_WithinRoundingBound()
    {
        var gen =
            from re in RealVector(Encoder.Slots, 10)
            from im in Gen.ArrayOf(Gen.Choose(-1000, 1000).Select(v => v / 100.0), re.Length)
            select re.Zip(im, (a, b) => new Complex(a, b)).ToArray();
        Prop.ForAll(gen.ToArbitrary(), values =>
        {
            Plaintext pt = Encoder.Encode(values);
            Complex[] decoded = Encoder.Decode(pt);
            var stats = PrecisionStatistics.Compute(values, decoded);
            Assert.True(stats.MaxError <= Context.N / pt.Scale, stats.ToString());
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Encode_IsTheNttOfTheRoundedCoefficients_OnEveryPathAndSimdLevel()
    {
        // Reference: the scaled inverse FFT, coefficients rounded half to even into BigIntegers, reduced and transformed.
        // Primes of every NTT strategy (28-bit packed, 45/50-bit Fma, 60-bit Shoup64); magnitudes and scales that take the
        // path reading rounded coefficients straight into the NTT (below the smallest prime), the 64-bit path and the
        // BigInteger one. The encoder must give the same residues bit for bit at every SIMD level.
        var context = new CkksContext(CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 10, LogQ = [60, 28, 45, 50], LogP = [61], LogDefaultScale = 28, SecurityLevel = SecurityLevel.None,
        }));
        var encoder = new CkksEncoder(context);
        var gen =
            from values in RealVector(encoder.Slots, 100)
            from level in Gen.Choose(0, context.MaxLevel)
            from logScale in Gen.Elements(10, 16, 20, 24, 30, 40, 58, 64)
            select (values, level, logScale);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            double scale = Math.ScaleB(1.0, t.logScale);
            int slots = encoder.Slots, n = context.N;
            double[] re = new double[slots], im = new double[slots];
            t.values.CopyTo(re, 0);
            context.Fft.Inverse(re, im);
            var coefficients = new BigInteger[n];
            for (int i = 0; i < slots; i++)
            {
                coefficients[i] = new BigInteger(Math.Round(re[i] * scale));
                coefficients[i + slots] = new BigInteger(Math.Round(im[i] * scale));
            }

            BigInteger modulus = context.Parameters.Q.Take(t.level + 1).Aggregate(BigInteger.One, (q, p) => q * p);
            if (2 * coefficients.Max(BigInteger.Abs) >= modulus)
            {
                // Beyond Q/2 at this level: refused, with the reason.
                Assert.Throws<ArgumentException>(() => encoder.Encode(t.values, t.level, scale));
                return;
            }

            var expected = new Plaintext(context);
            expected.Reshape(t.level, scale);
            expected.Poly.SetCoefficients(coefficients);
            expected.Poly.ToNtt();
            SimdLevel saved = SimdCapabilities.MaxLevel;
            try
            {
                foreach (SimdLevel simd in new[] { SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512 })
                {
                    SimdCapabilities.MaxLevel = simd;
                    Plaintext actual = encoder.Encode(t.values, t.level, scale);
                    Assert.Equal(expected.Poly.Coefficients.ToArray(), actual.Poly.Coefficients.ToArray());
                }
            }
            finally
            {
                SimdCapabilities.MaxLevel = saved;
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void Encode_HugeScale_UsesExactBigIntegerRounding()
    {
        // Δ·|v| ≈ 2^80: beyond 64-bit integers, still far below Q = 2^190.
        double scale = Math.ScaleB(1.0, 70);
        var random = new Random(3);
        double[] values = Enumerable.Range(0, Encoder.Slots).Select(_ => random.NextDouble() * 2000 - 1000).ToArray();
        Plaintext pt = Encoder.Encode(values, Context.MaxLevel, scale);
        var stats = PrecisionStatistics.Compute(values, Encoder.DecodeReal(pt));
        // The limit is now double precision of the FFT (about 2^-40 relative to 1000), not rounding.
        Assert.True(stats.MinPrecisionBits > 30, stats.ToString());
    }

    [Fact]
    public void Encode_Polynomial_EvaluatesToSlotsAtPowersOfFive()
    {
        // Oracle: decode a plaintext whose coefficients are known by evaluating m(ζ^(5^j)) directly.
        const int n = 2048;
        var random = new Random(9);
        long[] m = Enumerable.Range(0, n).Select(_ => (long)random.Next(-1000, 1000)).ToArray();
        var pt = new Plaintext(Context);
        pt.Reshape(0, 1.0);
        pt.Poly.SetCoefficients(m);
        pt.Poly.ToNtt();
        Complex[] decoded = Encoder.Decode(pt);
        long power = 1;
        for (int j = 0; j < 8; j++)
        {
            Complex sum = Complex.Zero;
            for (int k = 0; k < n; k++)
            {
                sum += m[k] * Complex.FromPolarCoordinates(1, Math.PI * (power * k % (2 * n)) / n);
            }

            Assert.True(Complex.Abs(sum - decoded[j]) < 1e-6, $"slot {j}: {sum} vs {decoded[j]}");
            power = power * 5 % (2 * n);
        }
    }

    [Fact]
    public void EncodeConstant_ComplexValue_FillsEverySlot()
    {
        var value = new Complex(-3.25, 1.5);
        Plaintext pt = Encoder.EncodeConstant(value, 1, Math.ScaleB(1.0, 30));
        Complex[] decoded = Encoder.Decode(pt);
        Assert.All(decoded, d => Assert.True(Complex.Abs(d - value) < 1e-8, d.ToString()));
    }

    [Fact]
    public void Decode_IntoShorterSpan_GivesPrefix()
    {
        double[] values = [1, 2, 3, 4];
        Plaintext pt = Encoder.Encode(values);
        double[] two = new double[2];
        Encoder.DecodeReal(pt, two);
        Assert.Equal(1, two[0], 6);
        Assert.Equal(2, two[1], 6);
    }

    [Fact]
    public void Encode_InvalidInput_ThrowsWithReason()
    {
        var tooMany = new double[Encoder.Slots + 1];
        Assert.Contains("do not fit in the 1024 slots", Assert.Throws<ArgumentException>(() => Encoder.Encode(tooMany)).Message);
        Assert.Contains("values[1] = NaN", Assert.Throws<ArgumentException>(() => Encoder.Encode([1.0, double.NaN])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Encoder.Encode([1.0], Context.MaxLevel + 1, 1e6));
        Assert.Throws<ArgumentOutOfRangeException>(() => Encoder.Encode([1.0], -1, 1e6));
        Assert.Throws<ArgumentOutOfRangeException>(() => Encoder.Encode([1.0], 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Encoder.Encode([1.0], 0, double.PositiveInfinity));
        var overflow = Assert.Throws<ArgumentException>(() => Encoder.Encode(Enumerable.Repeat(1e6, Encoder.Slots).ToArray(), 0, Math.ScaleB(1.0, 40)));
        Assert.Contains("beyond what level 0 can hold", overflow.Message);
        Assert.Throws<ArgumentNullException>(() => Encoder.Decode(null!));
        var other = new CkksContext(Context.Parameters);
        Assert.Throws<ArgumentException>(() => Encoder.Decode(new Plaintext(other)));
    }

    /// <summary>
    /// The encoding over <c>Q·P</c> that double-hoisted linear transforms use: its special-prime residues are those of the
    /// same integer polynomial as the data-prime limbs, on each of the encoder's three rounding paths (coefficients below
    /// every prime, below 2^62, and larger).
    /// </summary>
    [Fact]
    public void EncodeExtended_SpecialPrimeResidues_AreThoseOfTheSameIntegers()
    {
        var gen =
            from setup in Gen.Elements(TestSetup.All.ToArray())
            from logScale in Gen.Elements(20, 45, 75)
            from values in RealVector(64, 4)
            select (setup, logScale, values);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(12), Prop.ForAll(gen.ToArbitrary(), t =>
        {
            CkksContext context = t.setup.Context;
            var encoder = new CkksEncoder(context);
            int level = context.MaxLevel, n = context.N;
            var plaintext = new Plaintext(context);
            var extension = new CkksRns.Rns.Polynomials.RnsPoly(context.RingP, context.Parameters.PCount, isNttForm: true);
            encoder.EncodeExtended(t.values, level, Math.ScaleB(1.0, t.logScale), plaintext, extension);

            var q = plaintext.Poly.Clone();
            q.FromNtt();
            var integers = new BigInteger[n];
            q.GetCoefficients(integers);
            var p = extension.Clone();
            p.FromNtt();
            var residues = new BigInteger[n];
            for (int j = 0; j < context.Parameters.PCount; j++)
            {
                ulong prime = context.RingP.Moduli[j].Value;
                for (int i = 0; i < n; i++)
                {
                    BigInteger want = ((integers[i] % prime) + prime) % prime;
                    Assert.True(want == p.Limb(j)[i], $"{t.setup.Name}, scale 2^{t.logScale}: special prime {j}, coefficient {i}: {p.Limb(j)[i]}, expected {want}");
                }
            }

            // And the data-prime limbs are the ordinary encoding.
            Plaintext plain = encoder.Encode(t.values, level, Math.ScaleB(1.0, t.logScale));
            Assert.True(plain.Poly.ContentEquals(plaintext.Poly), $"{t.setup.Name}, scale 2^{t.logScale}: the data-prime limbs differ from Encode's");
        }));
    }

}
