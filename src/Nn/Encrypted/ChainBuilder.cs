using System.Globalization;
using CkksRns.Ckks;

namespace CkksRns.Nn.Encrypted;

/// <summary>Chooses the CKKS parameters for a plan of a given depth, or explains why a requested chain cannot carry it.</summary>
internal static class ChainBuilder
{
    /// <summary>
    /// Default log2 of the working scale in the latency packing: 2^30 (the reference paper used 2^26; measured here, the
    /// key-switching noise of the rotations at N = 2^14 leaves about 12 bits at 2^26, too few for 99.9 % argmax agreement).
    /// Primes of 30 bits stay below 2^30, the NTT's fastest vector path.
    /// </summary>
    public const int DefaultLogScaleLatency = 30;

    /// <summary>Default log2 of the working scale in the throughput packing: 2^28 (no rotations; 28-bit primes let the lazy multiply-accumulate sum 128 products between reductions).</summary>
    public const int DefaultLogScaleThroughput = 28;

    /// <summary>Default bits of the base (the prime left at the end, which holds the result at the output scale).</summary>
    public const int DefaultBaseBits = 40;

    /// <summary>
    /// Bits of q_0 and q_1 in the throughput packing's default chain when its last linear stage does not rescale
    /// (<see cref="UnrescaledOutputFits"/>): the output stays at level 1, on q_0·q_1 (about 2^58), and no prime of the
    /// chain is wide. Primes below 2^29 keep every limb on the 32-bit paths (the packed NTT, the lazy multiply-accumulate,
    /// which sums 32 of their products between reductions; 8 for a 30-bit prime), where a 40-bit q_0 costs about three
    /// narrow limbs in NTTs and two in the linear stages.
    /// </summary>
    public const int NarrowBaseBits = 29;

    /// <summary>The smallest base prime the builder uses when a chain has several base primes.</summary>
    public const int MinBasePrimeBits = 20;

    /// <summary>The smallest level prime a chain may have.</summary>
    public const int MinLevelPrimeBits = 20;

    /// <summary>Bits of output precision the base must leave above the output bound.</summary>
    public const int MinOutputPrecisionBits = 14;

    /// <summary>Headroom bits between the output bound times the scale and half the base modulus.</summary>
    public const int OutputMarginBits = 3;

    /// <summary>The data-prime bit sizes (q_0 first) for a plan of <paramref name="depth"/> levels.</summary>
    /// <exception cref="ArgumentException">The requested chain cannot carry the plan; the message says what is missing.</exception>
    /// <param name="depth">Primes the plan consumes.</param>
    /// <param name="stageDepths">Per step, for messages.</param>
    /// <param name="options">The options.</param>
    /// <param name="logScale">The working scale's log2.</param>
    /// <param name="levelBits">For a fused plan built from a prime count: the level primes' bits, q_1.. order (bottom first).</param>
    /// <param name="unrescaledOutput">The default chain for a plan whose last linear stage does not rescale: a base of two primes of <see cref="NarrowBaseBits"/>.</param>
    public static int[] DataBits(int depth, IReadOnlyList<string> stageDepths, InferenceOptions options, out int logScale, IReadOnlyList<int>? levelBits = null, bool unrescaledOutput = false)
    {
        if (options.ChainBitSizes is not null && options.PrimeCount is not null)
        {
            throw new ArgumentException("Both a chain (bit sizes) and a prime count are given: choose one.", nameof(options));
        }

        string needs = $"the plan needs {depth} levels ({string.Join(", ", stageDepths)})";
        int minBaseBits = MinBaseBits(options.OutputBound);
        if (options.ChainBitSizes is { } chain)
        {
            if (chain.Count > InferenceOptions.MaxPrimes)
            {
                throw new ArgumentException($"The chain has {chain.Count} data primes; at most {InferenceOptions.MaxPrimes} are supported.", nameof(options));
            }

            if (chain.Count < depth + 1)
            {
                throw new ArgumentException(
                    $"The chain {ChainSpecification.Format(chain)} has {chain.Count} data primes, so it carries at most {chain.Count - 1} rescalings, but " +
                    $"{needs}: give at least {depth + 1} data primes ({depth + 1 - chain.Count} more), for example {ChainSpecification.Format(DefaultBits(depth, DefaultLogScale(options.Packing)))}.",
                    nameof(options));
            }

            int baseCount = chain.Count - depth;
            for (int i = baseCount; i < chain.Count; i++)
            {
                if (chain[i] < MinLevelPrimeBits)
                {
                    throw new ArgumentException(
                        $"Prime q_{i} of the chain {ChainSpecification.Format(chain)} has {chain[i]} bits; every level prime (q_{baseCount} .. q_{chain.Count - 1}) " +
                        $"needs at least {MinLevelPrimeBits} bits to keep the plan's precision.", nameof(options));
                }
            }

            int baseBits = chain.Take(baseCount).Sum();
            if (baseBits < minBaseBits)
            {
                throw new ArgumentException(
                    $"The base of the chain {ChainSpecification.Format(chain)} (q_0 .. q_{baseCount - 1}, {baseBits} bits) cannot hold outputs up to " +
                    $"±{options.OutputBound} with {MinOutputPrecisionBits} bits of precision: it needs at least {minBaseBits} bits. Enlarge q_0 or add a prime.",
                    nameof(options));
            }

            logScale = options.LogScale ?? (int)Math.Round(chain.Skip(baseCount).Average());
            return [.. chain];
        }

        logScale = options.LogScale ?? DefaultLogScale(options.Packing);
        if (logScale < MinLevelPrimeBits || logScale > 60)
        {
            throw new ArgumentException($"LogScale = {logScale} is out of range: expected {MinLevelPrimeBits} to 60.", nameof(options));
        }

        if (options.PrimeCount is int k)
        {
            if (k < 1 || k > InferenceOptions.MaxPrimes)
            {
                throw new ArgumentException($"PrimeCount = {k} is out of range: expected 1 to {InferenceOptions.MaxPrimes}.", nameof(options));
            }

            if (k < depth + 1)
            {
                throw new ArgumentException(
                    $"A chain of {k} data primes carries at most {k - 1} rescalings, but {needs}: use at least {depth + 1} primes " +
                    $"(each rescaling consumes one prime; fewer, larger primes would lose the {logScale}-bit precision).", nameof(options));
            }

            if (levelBits is not null)
            {
                // Fused plans: the level primes are given per stage (one of the scale's size, or two of twice it).
                int baseCountFused = k - levelBits.Count;
                int eachFused = (Math.Max(DefaultBaseBits, minBaseBits) + baseCountFused - 1) / baseCountFused;
                var fused = new List<int>(k);
                for (int i = 0; i < baseCountFused; i++)
                {
                    fused.Add(Math.Max(MinBasePrimeBits + i, eachFused));
                }

                fused.AddRange(levelBits);
                return [.. fused];
            }

            // The base keeps its bits, shared by the extra primes; sizes differ by a bit each (20, 21, 22, ...) because
            // NTT-friendly primes of one small size are few (q ≡ 1 mod 2N).
            int baseCount = k - depth;
            int each = (Math.Max(DefaultBaseBits, minBaseBits) + baseCount - 1) / baseCount;
            var bits = new List<int>(k);
            for (int i = 0; i < baseCount; i++)
            {
                bits.Add(Math.Max(MinBasePrimeBits + i, each));
            }

            bits.AddRange(Enumerable.Repeat(logScale, depth));
            return [.. bits];
        }

        return unrescaledOutput
            ? [NarrowBaseBits, NarrowBaseBits, .. Enumerable.Repeat(logScale, depth)]
            : DefaultBits(depth, logScale, Math.Max(DefaultBaseBits, minBaseBits));
    }

    /// <summary>
    /// Whether a last linear stage that does not rescale, taking inputs at <paramref name="delta"/> on level 1, can put
    /// outputs up to <paramref name="outputBound"/> on q_0·q_1 with the output margin while its weights keep a scale of at
    /// least 2^<see cref="ScaleRules.MinConstantBits"/> (with two 29-bit primes and Δ = 2^28: bounds up to about 250).
    /// </summary>
    public static bool UnrescaledOutputFits(CkksParameters parameters, double outputBound, double delta)
    {
        if (parameters.QCount < 2)
        {
            return false;
        }

        double room = (double)parameters.Q[0] * parameters.Q[1] / (Math.Max(1, outputBound) * 2 * (1 << OutputMarginBits));
        return Math.Min(delta * delta, room) / delta >= Math.ScaleB(1, ScaleRules.MinConstantBits);
    }

    /// <summary>The default working scale's log2 for a packing.</summary>
    public static int DefaultLogScale(Packing packing) => packing == Packing.Latency ? DefaultLogScaleLatency : DefaultLogScaleThroughput;

    /// <summary>The default chain: one base prime, then one prime of the scale's size per level.</summary>
    public static int[] DefaultBits(int depth, int logScale, int baseBits = DefaultBaseBits) =>
        [baseBits, .. Enumerable.Repeat(logScale, depth)];

    /// <summary>The bits the base needs for outputs up to <paramref name="outputBound"/>.</summary>
    public static int MinBaseBits(double outputBound) =>
        (int)Math.Ceiling(Math.Log2(Math.Max(1, outputBound))) + 1 + OutputMarginBits + MinOutputPrecisionBits;

    /// <summary>Builds validated parameters; with no LogN given, the smallest N (at least <paramref name="minLogN"/>) that the security level allows.</summary>
    /// <exception cref="ArgumentException">No N fits, or the explicit one does not; the message names the bound.</exception>
    public static CkksParameters Create(int[] dataBits, int logScale, InferenceOptions options, int minLogN)
    {
        CkksParametersLiteral Literal(int logN) => new()
        {
            LogN = logN,
            LogQ = dataBits,
            LogP = options.SpecialBitSizes is { } sp ? [.. sp] : null,
            Dnum = options.Dnum,
            LogDefaultScale = Math.Min(logScale, dataBits[0] - 2),
            SecurityLevel = options.SecurityLevel,
        };

        if (options.LogN is int explicitLogN)
        {
            if (explicitLogN < minLogN)
            {
                throw new ArgumentException(
                    $"LogN = {explicitLogN} gives {1 << (explicitLogN - 1)} slots; the packing needs at least 2^{minLogN - 1} slots (LogN >= {minLogN}).", nameof(options));
            }

            return CkksParameters.Create(Literal(explicitLogN));
        }

        ArgumentException? last = null;
        for (int logN = Math.Max(minLogN, HomomorphicEncryptionStandard.MinLogN); logN <= HomomorphicEncryptionStandard.MaxLogN; logN++)
        {
            try
            {
                return CkksParameters.Create(Literal(logN));
            }
            catch (ArgumentException ex) when (ex.Message.Contains("bound", StringComparison.Ordinal))
            {
                last = ex;
            }
        }

        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture,
                $"No ring degree up to 2^{HomomorphicEncryptionStandard.MaxLogN} fits the chain {ChainSpecification.Format(dataBits)} ({dataBits.Sum()} bits) at the requested security: {last?.Message}"),
            nameof(options),
            last);
    }
}
