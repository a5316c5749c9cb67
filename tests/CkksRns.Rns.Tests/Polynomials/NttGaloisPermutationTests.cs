using CkksRns.Rns.Kernels;
using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Primes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CkksRns.Rns.Tests.Polynomials;

/// <summary>
/// The block form of NTT-domain Galois permutations: every automorphism of every ring size has it, and applying it at every
/// level gives exactly the slot-by-slot gather.
/// </summary>
public sealed class NttGaloisPermutationTests
{
    private static readonly SimdLevel[] AllLevels = [SimdLevel.Scalar, SimdLevel.Vector256, SimdLevel.Vector512];

    private static readonly RnsContext[] Rings =
        [.. new[] { 1024, 2048, 4096, 8192 }.Select(n => new RnsContext(n, NttPrimes.Generate(n, [30]), maxDegreeOfParallelism: 1))];

    private static ulong[] Gathered(ulong[] source, int[] slots) => [.. slots.Select(j => source[j])];

    [Fact]
    public void EveryGaloisElement_HasBlockForm_AndEveryLevelMatchesTheGather()
    {
        var cases = from ring in Gen.Choose(0, Rings.Length - 1)
                    from half in Gen.Choose(0, 1 << 16)
                    from seed in Gen.Choose(0, int.MaxValue)
                    select (Ring: ring, Half: half, Seed: seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            RnsContext context = Rings[c.Ring];
            int n = context.N;
            int k = (2 * (c.Half % n)) + 1;
            NttGaloisPermutation permutation = context.GetNttGaloisPermutation(k);
            var random = new Random(c.Seed);
            ulong[] source = [.. Enumerable.Range(0, n).Select(_ => (ulong)random.NextInt64())];
            ulong[] expected = Gathered(source, permutation.Slots);
            bool ok = permutation.Blocks is not null && permutation.Slots.Order().SequenceEqual(Enumerable.Range(0, n));
            foreach (SimdLevel level in AllLevels)
            {
                var destination = new ulong[n];
                permutation.Apply(source, destination, level);
                ok &= destination.SequenceEqual(expected);
            }

            return ok;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void RotationsAndConjugation_ApplyAsTheAutomorphismDefinition()
    {
        // Slot j holds a(ψ^(2·brv(j)+1)); the image of X → X^k holds a(ψ^((2·brv(j)+1)·k)) there.
        RnsContext context = Rings[1];
        int n = context.N, logN = 11;
        foreach (int k in new[] { 5, 25, 5 * 5 * 5 * 5 % (2 * n), 2 * n - 1 })
        {
            NttGaloisPermutation permutation = context.GetNttGaloisPermutation(k);
            for (int j = 0; j < n; j++)
            {
                long e = (2L * Reverse(j, logN)) + 1;
                long target = e * k % (2 * n);
                Assert.Equal(Reverse((int)((target - 1) / 2), logN), permutation.Slots[j]);
            }

            Assert.NotNull(permutation.Blocks);
        }
    }

    [Fact]
    public void PermutationWithoutBlockForm_FallsBackToTheGather_AtEveryLevel()
    {
        var random = new Random(3);
        foreach (int n in new[] { 4, 64, 1000, 1024 })
        {
            int[] slots = [.. Enumerable.Range(0, n).OrderBy(_ => random.Next())];
            if (n == 4)
            {
                slots = [2, 0, 3, 1];
            }

            var permutation = new NttGaloisPermutation(slots);
            Assert.Equal(n == 4, permutation.Blocks is not null);
            ulong[] source = [.. Enumerable.Range(0, n).Select(_ => (ulong)random.NextInt64())];
            foreach (SimdLevel level in AllLevels)
            {
                var destination = new ulong[n];
                permutation.Apply(source, destination, level);
                Assert.Equal(Gathered(source, slots), destination);
            }
        }

        // One destination block drawing on two source blocks has no block form.
        int[] mixed = [.. Enumerable.Range(0, 8)];
        (mixed[3], mixed[4]) = (mixed[4], mixed[3]);
        Assert.Null(NttGaloisPermutation.BuildBlocks(mixed));
    }

    [Fact]
    public void ShortBuffers_AreRejected()
    {
        NttGaloisPermutation permutation = Rings[0].GetNttGaloisPermutation(5);
        Assert.Throws<ArgumentException>(() => permutation.Apply(new ulong[1024], new ulong[1000]));
        Assert.Throws<ArgumentException>(() => permutation.Apply(new ulong[1000], new ulong[1024]));
    }

    private static int Reverse(int value, int bits)
    {
        int r = 0;
        for (int i = 0; i < bits; i++)
        {
            r = (r << 1) | ((value >> i) & 1);
        }

        return r;
    }
}
