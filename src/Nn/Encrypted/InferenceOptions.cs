using CkksRns.Ckks;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// Choices for <see cref="InferencePlan.Compile"/>: the packing, and optional overrides of the automatically chosen CKKS
/// parameters. Every property left <see langword="null"/> is chosen by the compiler.
/// </summary>
public sealed record InferenceOptions
{
    /// <summary>The largest number of data primes a chain may have.</summary>
    public const int MaxPrimes = 64;

    /// <summary>The smallest scale (bits) the first stage's weights may be encoded at under <see cref="LogInputScale"/>.</summary>
    public const int MinInputConstantBits = 8;

    /// <summary>The smallest <see cref="LogInputScale"/> accepted.</summary>
    public const int MinLogInputScale = 12;

    /// <summary>The packing; <see cref="Encrypted.Packing.Latency"/> by default.</summary>
    public Packing Packing { get; init; } = Packing.Latency;

    /// <summary>
    /// Bit sizes of the data primes <c>q_0 .. q_L</c> (the ciphertext modulus chain), for example 40 followed by eleven
    /// 26s. The top primes are the levels the plan consumes (one per rescaling); the ones below them are the base that
    /// holds the result. Mutually exclusive with <see cref="PrimeCount"/>.
    /// </summary>
    public IReadOnlyList<int>? ChainBitSizes { get; init; }

    /// <summary>
    /// Bit sizes of the special primes used only in key switching; <see langword="null"/> lets the parameters choose
    /// them (and the decomposition number dnum) under the security bound.
    /// </summary>
    public IReadOnlyList<int>? SpecialBitSizes { get; init; }

    /// <summary>
    /// The number of data primes in the chain. The compiler keeps the plan's depth and precision: one prime of
    /// <see cref="LogScale"/> bits per level, and the remaining primes share the base. Mutually exclusive with
    /// <see cref="ChainBitSizes"/>.
    /// </summary>
    public int? PrimeCount { get; init; }

    /// <summary>log2 of the ring degree N; <see langword="null"/> picks the smallest N that fits the chain and the layout.</summary>
    public int? LogN { get; init; }

    /// <summary>log2 of the working scale Δ (26 by default, as in the reference paper).</summary>
    public int? LogScale { get; init; }

    /// <summary>
    /// log2 of the scale the client encodes its inputs at, below <see cref="LogScale"/>; <see langword="null"/> encodes
    /// them at the working scale. When set, the first linear stage does not rescale: its weights are encoded at
    /// <c>Δ/Δ_in</c>, so its output lands on the working scale Δ without consuming a prime, and the chain is one prime
    /// shorter (the stage's rescale and the top limb of every operation before the next rescale are saved). The price is
    /// precision: the fresh encryption noise (about 2^8.7 in a slot at N = 2^14) is relative to Δ_in, and the weights
    /// are quantized at Δ/Δ_in (at least 2^<see cref="MinInputConstantBits"/>); such a plan also hands the last SLAF's
    /// result to the layer after it without a key switch where 4 bits of headroom remain (8 otherwise), whose error is
    /// small against the inputs'. For the MNIST models, Δ_in = 2^18 at
    /// Δ = 2^28 balances the two (docs/inference.md §3). The first stage must be linear and not the last. Throughput
    /// packing only: there the weights are exact integer constants, while the latency packing encodes them as plaintext
    /// polynomials, whose coefficient rounding at such a low scale would put an error of about √N/2^(Δ − Δ_in) into
    /// every slot.
    /// </summary>
    public int? LogInputScale { get; init; }

    /// <summary>The key-switching decomposition number; <see langword="null"/> lets the parameters choose.</summary>
    public int? Dnum { get; init; }

    /// <summary>The security level; 128-bit by default. <see cref="SecurityLevel.None"/> is for tests only.</summary>
    public SecurityLevel SecurityLevel { get; init; } = SecurityLevel.Bits128;

    /// <summary>
    /// Transfer-learning mode: the index of the last model layer the server evaluates (its output, the features, is
    /// returned encrypted). <see langword="null"/> evaluates the whole model.
    /// </summary>
    public int? StopAfterLayer { get; init; }

    /// <summary>
    /// A bound on |output| (logits or features) the result must hold; the base of the chain and the output scale are
    /// sized for it. 64 by default.
    /// </summary>
    public double OutputBound { get; init; } = 64;
}
