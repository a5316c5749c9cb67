using CkksRns.Rns.Polynomials;
using CkksRns.Rns.Primes;

namespace CkksRns.Rns.Tests.Polynomials;

/// <summary>Shared contexts for the polynomial tests (built once; contexts are immutable apart from parallelism).</summary>
internal static class TestRings
{
    /// <summary>N = 1024 with a 30-, a 50- and a 61-bit prime and one more of 40 bits, sequential.</summary>
    public static RnsContext Small { get; } = new(1024, NttPrimes.Generate(1024, [30, 50, 61, 40]), maxDegreeOfParallelism: 1);

    /// <summary>Same primes as <see cref="Small"/> but another instance (for context-mismatch tests).</summary>
    public static RnsContext SmallOther { get; } = new(1024, NttPrimes.Generate(1024, [30, 50, 61, 40]), maxDegreeOfParallelism: 1);

    private static readonly ulong[] WidePrimes = NttPrimes.Generate(4096, [.. Enumerable.Range(0, 16).Select(i => 20 + (i * 41 / 15))]);

    /// <summary>N = 4096 with 16 primes of 20..61 bits, sequential.</summary>
    public static RnsContext WideSequential { get; } = new(4096, WidePrimes, maxDegreeOfParallelism: 1);

    /// <summary>The primes of <see cref="WideSequential"/> with up to 4 threads, big enough for every operation to go parallel.</summary>
    public static RnsContext WideParallel { get; } = new(4096, WidePrimes, maxDegreeOfParallelism: 4);

    /// <summary>A polynomial with residues uniform on [0, q_i) drawn from <paramref name="random"/>.</summary>
    public static RnsPoly Random(RnsContext context, Random random, int? limbCount = null, bool ntt = false)
    {
        var poly = new RnsPoly(context, limbCount ?? context.ModulusCount, ntt);
        for (int i = 0; i < poly.LimbCount; i++)
        {
            ulong q = context.Moduli[i].Value;
            Span<ulong> limb = poly.Limb(i);
            for (int j = 0; j < limb.Length; j++)
            {
                limb[j] = (ulong)random.NextInt64(0, (long)q);
            }
        }

        return poly;
    }

    /// <summary>A copy of the limbs in use.</summary>
    public static ulong[] Snapshot(RnsPoly poly) => poly.Coefficients.ToArray();
}
