using CkksRns.Ckks.Serialization;
using CkksRns.Rns.Kernels;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Ckks.Tests.Serialization;

/// <summary>The packed coefficient layout of the format: every width, every SIMD level, against a byte-by-byte oracle.</summary>
public sealed class CoefficientPackingTests
{
    public static TheoryData<int> Levels() => [.. SimdCapabilities.Supported.Select(l => (int)l)];

    [Theory]
    [MemberData(nameof(Levels))]
    public void PackThenUnpack_EveryWidth_RoundTripsAndMatchesTheLittleEndianLayout(int level)
    {
        var simd = (SimdLevel)level;
        Prop.ForAll(
            Gen.Choose(1, 8).ToArbitrary(),
            Gen.Choose(0, 300).ToArbitrary(),
            Gen.Choose(0, int.MaxValue).ToArbitrary(),
            (width, count, seed) =>
            {
                var rng = new Random(seed);
                ulong mask = width == 8 ? ulong.MaxValue : (1UL << (8 * width)) - 1;
                var values = new ulong[count];
                for (int i = 0; i < count; i++)
                {
                    values[i] = (ulong)rng.NextInt64() & mask;
                }

                if (count > 0 && rng.Next(4) == 0)
                {
                    values[rng.Next(count)] = mask; // the largest value of the width
                }

                var bytes = new byte[(count * width) + 8];
                rng.NextBytes(bytes); // garbage past the end must not matter
                FormatWriter.PackWidth(values, width, bytes, simd);

                // Oracle: value i occupies bytes [i·width, (i+1)·width), least significant first.
                for (int i = 0; i < count; i++)
                {
                    for (int b = 0; b < width; b++)
                    {
                        Assert.Equal((byte)(values[i] >> (8 * b)), bytes[(i * width) + b]);
                    }
                }

                var back = new ulong[count];
                ulong max = FormatReader.UnpackWidth(bytes, width, back, simd);
                Assert.Equal(values, back);
                Assert.Equal(count == 0 ? 0 : values.Max(), max);
            }).QuickCheckThrowOnFailure();
    }
}
