using CkksRns.Rns.Kernels;
using Xunit;

namespace CkksRns.Ckks.Tests;

/// <summary>
/// Key switching with the hybrid shape whose base conversions take the 32-bit paths: 26-bit data primes (narrow
/// targets and sources), a 40-bit first prime and two 47-bit special primes (wide targets, and sources split into two
/// 32-bit rows in ModDown's conversion).
/// </summary>
public sealed class KeySwitchingNarrowPrimeTests
{
    [Fact]
    public void HybridWithNarrowPrimes_MultiplyRelinearizeRotate_WithinBound()
    {
        var context = new CkksContext(CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 11, LogQ = [40, 26, 26, 26, 26, 26, 26, 26], LogP = [47, 47], Dnum = 3, LogDefaultScale = 26,
            SecurityLevel = SecurityLevel.None,
        }));
        Assert.Equal(2, context.Parameters.PCount);
        var encoder = new CkksEncoder(context);
        var generator = new KeyGenerator(context);
        var encryptor = new Encryptor(context, generator.CreatePublicKey());
        var decryptor = new Decryptor(context, generator.SecretKey);
        var evaluator = new Evaluator(context, generator.CreateRelinearizationKey(), generator.CreateGaloisKeys([1, 5], includeConjugation: false));
        var random = new Random(3);
        double[] a = Enumerable.Range(0, 1024).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] b = Enumerable.Range(0, 1024).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double scale = context.Parameters.DefaultScale;
        double bound = 8 * Math.ScaleB(1.0, 11 + 4) / scale;
        foreach (int level in new[] { context.MaxLevel, 4, 1 })
        {
            Ciphertext ca = encryptor.Encrypt(encoder.Encode(a, level, scale));
            Ciphertext cb = encryptor.Encrypt(encoder.Encode(b, level, scale));
            Ciphertext product = evaluator.Rescale(evaluator.MultiplyRelinearize(ca, cb));
            Oracle.AssertClose(Oracle.Map(a, b, (p, q) => p * q), encoder.DecodeReal(decryptor.Decrypt(product)), bound, $"level {level} product");
            Ciphertext rotated = evaluator.Rotate(ca, 5);
            Oracle.AssertClose(Oracle.Rotate(a, 5), encoder.DecodeReal(decryptor.Decrypt(rotated)), bound, $"level {level} rotation");
            Ciphertext hoisted = evaluator.RotateHoisted(ca, [1, 5])[1];
            Oracle.AssertClose(Oracle.Rotate(a, 5), encoder.DecodeReal(decryptor.Decrypt(hoisted)), bound, $"level {level} hoisted");
        }
    }

    [Fact]
    [Trait("Category", "Kernel")]
    public void HybridWithNarrowPrimes_ScalarAndVectorPaths_GiveIdenticalCiphertexts()
    {
        var context = new CkksContext(CkksParameters.Create(new CkksParametersLiteral
        {
            LogN = 10, LogQ = [40, 26, 26, 26, 26, 26], LogP = [47, 47], Dnum = 2, LogDefaultScale = 26,
            SecurityLevel = SecurityLevel.None,
        }));
        var generator = new KeyGenerator(context);
        var encoder = new CkksEncoder(context);
        var encryptor = new Encryptor(context, generator.CreatePublicKey());
        var evaluator = new Evaluator(context, generator.CreateRelinearizationKey(), generator.CreateGaloisKeys([3], includeConjugation: false));
        Ciphertext c = encryptor.Encrypt(encoder.Encode([0.5, -0.25, 0.125]));
        SimdLevel saved = SimdCapabilities.MaxLevel;
        try
        {
            SimdCapabilities.MaxLevel = SimdLevel.Scalar;
            Ciphertext scalarProduct = evaluator.MultiplyRelinearize(c, c), scalarRotation = evaluator.Rotate(c, 3);
            SimdCapabilities.MaxLevel = SimdLevel.Vector512;
            Ciphertext product = evaluator.MultiplyRelinearize(c, c), rotation = evaluator.Rotate(c, 3);
            for (int i = 0; i < 2; i++)
            {
                for (int limb = 0; limb <= c.Level; limb++)
                {
                    Assert.Equal(scalarProduct[i].Limb(limb).ToArray(), product[i].Limb(limb).ToArray());
                    Assert.Equal(scalarRotation[i].Limb(limb).ToArray(), rotation[i].Limb(limb).ToArray());
                }
            }
        }
        finally
        {
            SimdCapabilities.MaxLevel = saved;
        }
    }
}
