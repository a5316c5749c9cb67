using System.Buffers.Binary;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using CkksRns.Rns.Primes;

namespace CkksRns.Ckks;

/// <summary>
/// A validated, immutable CKKS parameter set: ring degree, data prime chain, special primes, key-switching
/// decomposition, default scale and security level. Create one with <see cref="Create(CkksParametersLiteral)"/>.
/// </summary>
/// <remarks>
/// <para>
/// Levels: a ciphertext at level <c>ℓ</c> lives modulo <c>Q_ℓ = q_0·...·q_ℓ</c>; fresh ciphertexts are at
/// <see cref="MaxLevel"/> <c>= L</c>, and each rescale drops the last prime.
/// </para>
/// <para>
/// Key switching is hybrid (<see href="https://eprint.iacr.org/2011/566">Gentry–Halevi–Smart 2012</see>,
/// <see href="https://eprint.iacr.org/2018/1073">Han–Ki 2020</see>): the data primes are split into <see cref="Dnum"/>
/// digits of <see cref="DigitSize"/> consecutive primes (the last digit may be shorter); each digit is extended to
/// <c>Q_ℓ·P</c>, multiplied by the key and divided by <c>P</c>. SEAL's layout (one special prime, one digit per prime) is
/// <c>dnum = L+1</c>.
/// </para>
/// <para>
/// Security: <c>log2(Q·P)</c> (the bit length of the product of every prime) must not exceed
/// <see cref="HomomorphicEncryptionStandard.MaxLogQP(int, SecurityLevel)"/> for the requested level.
/// </para>
/// </remarks>
public sealed class CkksParameters : IEquatable<CkksParameters>
{
    /// <summary>The largest number of primes (data and special together) a parameter set may have.</summary>
    public const int MaxPrimeCount = 256;

    private readonly ulong[] _q;
    private readonly ulong[] _p;
    private readonly byte[] _fingerprint;

    private CkksParameters(int logN, ulong[] q, ulong[] p, int digitSize, double defaultScale, SecurityLevel securityLevel)
    {
        LogN = logN;
        N = 1 << logN;
        _q = q;
        _p = p;
        Q = new ReadOnlyCollection<ulong>(q);
        P = new ReadOnlyCollection<ulong>(p);
        DigitSize = digitSize;
        Dnum = (q.Length + digitSize - 1) / digitSize;
        DefaultScale = defaultScale;
        SecurityLevel = securityLevel;
        LogQ = (int)Product(q).GetBitLength();
        LogP = (int)Product(p).GetBitLength();
        LogQP = (int)(Product(q) * Product(p)).GetBitLength();
        MaxLogQP = HomomorphicEncryptionStandard.MaxLogQP(logN, securityLevel);
        _fingerprint = ComputeFingerprint();
    }

    /// <summary>The ring degree <c>N</c>.</summary>
    public int N { get; }

    /// <summary><c>log2 N</c>.</summary>
    public int LogN { get; }

    /// <summary>The number of complex slots, <c>N/2</c>.</summary>
    public int Slots => N / 2;

    /// <summary>The data primes <c>q_0, ..., q_L</c>.</summary>
    public IReadOnlyList<ulong> Q { get; }

    /// <summary>The special primes <c>p_0, ..., p_(k-1)</c>, used only inside key switching.</summary>
    public IReadOnlyList<ulong> P { get; }

    /// <summary>The number of data primes, <c>L+1</c>.</summary>
    public int QCount => _q.Length;

    /// <summary>The number of special primes, <c>k</c>.</summary>
    public int PCount => _p.Length;

    /// <summary>The level of a fresh ciphertext, <c>L = QCount - 1</c>.</summary>
    public int MaxLevel => _q.Length - 1;

    /// <summary>The number of key-switching digits at the top level.</summary>
    public int Dnum { get; }

    /// <summary>The number of consecutive data primes in each key-switching digit (the last digit may have fewer).</summary>
    public int DigitSize { get; }

    /// <summary>The default encoding scale <c>Δ</c>.</summary>
    public double DefaultScale { get; }

    /// <summary>The security level the set was validated for.</summary>
    public SecurityLevel SecurityLevel { get; }

    /// <summary>The bit length of <c>Q = q_0·...·q_L</c>.</summary>
    public int LogQ { get; }

    /// <summary>The bit length of <c>P = p_0·...·p_(k-1)</c>.</summary>
    public int LogP { get; }

    /// <summary>The bit length of <c>Q·P</c>, the quantity the security bound applies to.</summary>
    public int LogQP { get; }

    /// <summary>The security bound on <see cref="LogQP"/> (<see cref="int.MaxValue"/> for <see cref="SecurityLevel.None"/>).</summary>
    public int MaxLogQP { get; }

    /// <summary>The data primes as a span.</summary>
    internal ReadOnlySpan<ulong> QSpan => _q;

    /// <summary>The special primes as a span.</summary>
    internal ReadOnlySpan<ulong> PSpan => _p;

    /// <summary>A SHA-256 digest of every field, identifying the parameter set in serialized objects.</summary>
    internal ReadOnlySpan<byte> Fingerprint => _fingerprint;

    /// <summary>The number of key-switching digits used at <paramref name="level"/>: <c>ceil((level+1) / DigitSize)</c>.</summary>
    /// <param name="level">A level in <c>[0, L]</c>.</param>
    /// <returns>The digit count.</returns>
    internal int DigitCountAt(int level) => (level + DigitSize) / DigitSize;

    /// <summary>Validates a literal, fills in what it leaves automatic, and returns the parameter set.</summary>
    /// <param name="literal">The description.</param>
    /// <returns>The validated parameters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="literal"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The literal is ambiguous (both forms of one item set) or incomplete; a prime is not prime, not <c>1 mod 2N</c>,
    /// too large or repeated; <c>log2(Q·P)</c> exceeds the security bound; the scale does not fit in <c>q_0</c>; or
    /// <see cref="CkksParametersLiteral.Dnum"/> is out of range.
    /// </exception>
    public static CkksParameters Create(CkksParametersLiteral literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        const string Arg = nameof(literal);

        if (!Enum.IsDefined(literal.SecurityLevel))
        {
            throw new ArgumentException($"SecurityLevel = {(int)literal.SecurityLevel} is not a defined SecurityLevel.", Arg);
        }

        int logN = ResolveLogN(literal);
        int n = 1 << logN;

        // Data chain.
        if (literal.Q is not null && literal.LogQ is not null)
        {
            throw new ArgumentException("Both Q and LogQ are set: give the data chain either as explicit primes or as bit sizes.", Arg);
        }

        if (literal.Q is null && literal.LogQ is null)
        {
            throw new ArgumentException("The data chain is missing: set Q (explicit primes) or LogQ (bit sizes).", Arg);
        }

        int qCount = literal.Q?.Count ?? literal.LogQ!.Count;
        if (qCount == 0 || qCount > MaxPrimeCount)
        {
            throw new ArgumentException($"The data chain has {qCount} primes; expected 1 to {MaxPrimeCount}.", Arg);
        }

        ulong[] q;
        if (literal.Q is not null)
        {
            q = [.. literal.Q];
            for (int i = 0; i < q.Length; i++)
            {
                ValidatePrime("Q", i, q[i], n);
            }
        }
        else
        {
            CheckBitSizes("LogQ", literal.LogQ!);
            q = NttPrimes.Generate(n, literal.LogQ!);
        }

        CheckDistinct("Q", q, "Q", q);

        // Special primes, explicit or by size.
        int specifiedP = (literal.P is null ? 0 : 1) + (literal.LogP is null ? 0 : 1) + (literal.SpecialPrimeCount is null ? 0 : 1);
        if (specifiedP > 1)
        {
            throw new ArgumentException("More than one of P, LogP and SpecialPrimeCount is set: give the special primes in one way only.", Arg);
        }

        int maxDnum = q.Length;
        if (literal.Dnum is int requested && (requested < 1 || requested > maxDnum))
        {
            throw new ArgumentException($"Dnum = {requested} is out of range: expected 1 to L+1 = {maxDnum} (the number of data primes).", Arg);
        }

        ulong[] p;
        int digitSize;
        int bound = HomomorphicEncryptionStandard.MaxLogQP(logN, literal.SecurityLevel);
        if (literal.P is not null || literal.LogP is not null)
        {
            int pCount = literal.P?.Count ?? literal.LogP!.Count;
            if (pCount == 0 || pCount + q.Length > MaxPrimeCount)
            {
                throw new ArgumentException(
                    $"There are {pCount} special primes; expected at least 1 and at most {MaxPrimeCount - q.Length} more besides the {q.Length} data primes.", Arg);
            }

            if (literal.P is not null)
            {
                p = [.. literal.P];
                for (int i = 0; i < p.Length; i++)
                {
                    ValidatePrime("P", i, p[i], n);
                }
            }
            else
            {
                CheckBitSizes("LogP", literal.LogP!);
                p = NttPrimes.Generate(n, literal.LogP!, q);
            }

            CheckDistinct("P", p, "P", p);
            CheckDistinct("P", p, "Q", q);
            digitSize = literal.Dnum is int d ? DigitSizeFor(q.Length, d) : SmallestCoveredDigitSize(q, p);
        }
        else
        {
            int? count = literal.SpecialPrimeCount;
            if (count is int c && (c < 1 || c + q.Length > MaxPrimeCount))
            {
                throw new ArgumentException(
                    $"SpecialPrimeCount = {c} is out of range: expected 1 to {MaxPrimeCount - q.Length}.", Arg);
            }

            int logQ = (int)Product(q).GetBitLength();
            int[]? chosenSizes = null;
            digitSize = 0;
            if (literal.Dnum is int d)
            {
                digitSize = DigitSizeFor(q.Length, d);
                chosenSizes = SpecialPrimeSizes(q, digitSize, count, n, out string? why);
                if (chosenSizes is null)
                {
                    throw new ArgumentException($"Dnum = {d}: {why}", Arg);
                }
            }
            else
            {
                // Among the digit sizes that fit the bound, the one with the cheapest estimated key switch.
                string? lastWhy = null;
                int bestLogQP = int.MaxValue, previousSize = 0;
                double bestCost = double.MaxValue;
                for (int dnum = 1; dnum <= q.Length; dnum++)
                {
                    int size = DigitSizeFor(q.Length, dnum);
                    if (size == previousSize)
                    {
                        continue; // the same digits as the previous dnum
                    }

                    previousSize = size;
                    int[]? sizes = SpecialPrimeSizes(q, size, count, n, out lastWhy);
                    if (sizes is null)
                    {
                        continue;
                    }

                    int total = logQ + sizes.Sum();
                    bestLogQP = Math.Min(bestLogQP, total);
                    double cost = EstimatedKeySwitchCost(q.Length, size, sizes.Length);
                    bool unbounded = literal.SecurityLevel == SecurityLevel.None; // tests: one digit, as documented
                    if (total <= bound && (unbounded ? chosenSizes is null : cost < bestCost))
                    {
                        digitSize = size;
                        chosenSizes = sizes;
                        bestCost = cost;
                    }
                }

                if (chosenSizes is null)
                {
                    string detail = bestLogQP == int.MaxValue
                        ? lastWhy ?? "no decomposition works."
                        : $"the smallest log2(Q·P) any dnum reaches is {bestLogQP} bits, above the {bound}-bit bound for N = {n} at {Describe(literal.SecurityLevel)}.";
                    throw new ArgumentException(
                        $"Cannot choose special primes automatically: log2(Q) = {logQ} bits leaves {Math.Max(0, bound - logQ)} bits under the bound, and {detail} " +
                        "Use fewer or smaller data primes, a larger N, or give P, LogP or Dnum explicitly.", Arg);
                }
            }

            p = NttPrimes.Generate(n, chosenSizes!, q);
        }

        // Security.
        int logQP = (int)(Product(q) * Product(p)).GetBitLength();
        if (logQP > bound)
        {
            throw new ArgumentException(
                $"log2(Q·P) = {logQP} bits exceeds the {bound}-bit bound for N = {n} at {Describe(literal.SecurityLevel)} " +
                $"(HomomorphicEncryption.org standard, ternary secret; Q has {(int)Product(q).GetBitLength()} bits, P has {(int)Product(p).GetBitLength()}). " +
                "Use fewer or smaller primes, or a larger N.", Arg);
        }

        double scale = ResolveScale(literal, q);
        return new CkksParameters(logN, q, p, digitSize, scale, literal.SecurityLevel);
    }

    /// <summary>Returns a literal with every field explicit (primes, dnum, scale, security level) that recreates this set.</summary>
    /// <returns>The literal.</returns>
    public CkksParametersLiteral ToLiteral() => new()
    {
        LogN = LogN,
        Q = [.. _q],
        P = [.. _p],
        Dnum = Dnum,
        DefaultScale = DefaultScale,
        SecurityLevel = SecurityLevel,
    };

    /// <inheritdoc />
    public bool Equals(CkksParameters? other) =>
        other is not null && (ReferenceEquals(this, other) || _fingerprint.AsSpan().SequenceEqual(other._fingerprint));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as CkksParameters);

    /// <inheritdoc />
    public override int GetHashCode() => BinaryPrimitives.ReadInt32LittleEndian(_fingerprint);

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"CKKS N = 2^{LogN}, L = {MaxLevel}, Q = [");
        AppendBits(text, _q);
        text.Append("], P = [");
        AppendBits(text, _p);
        text.Append(CultureInfo.InvariantCulture,
            $"], dnum = {Dnum}, log2(QP) = {LogQP}, scale = 2^{Math.Log2(DefaultScale):0.##}, security = {Describe(SecurityLevel)}");
        return text.ToString();
    }

    /// <summary>Compares two parameter sets by value.</summary>
    /// <param name="left">The first set.</param>
    /// <param name="right">The second set.</param>
    /// <returns><see langword="true"/> when both describe the same parameters.</returns>
    public static bool operator ==(CkksParameters? left, CkksParameters? right) =>
        left is null ? right is null : left.Equals(right);

    /// <summary>Compares two parameter sets by value.</summary>
    /// <param name="left">The first set.</param>
    /// <param name="right">The second set.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(CkksParameters? left, CkksParameters? right) => !(left == right);

    private static void AppendBits(StringBuilder text, ulong[] primes)
    {
        for (int i = 0; i < primes.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ", ")}{64 - BitOperations.LeadingZeroCount(primes[i])}");
        }
    }

    private static string Describe(SecurityLevel level) => level == SecurityLevel.None ? "no security" : $"{(int)level}-bit security";

    private byte[] ComputeFingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] word = new byte[8];
        hash.AppendData("CkksRns.CkksParameters.v1"u8);
        void Append(ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(word, value);
            hash.AppendData(word);
        }

        Append((ulong)LogN);
        Append((ulong)_q.Length);
        foreach (ulong value in _q)
        {
            Append(value);
        }

        Append((ulong)_p.Length);
        foreach (ulong value in _p)
        {
            Append(value);
        }

        Append((ulong)DigitSize);
        Append(BitConverter.DoubleToUInt64Bits(DefaultScale));
        Append((ulong)(int)SecurityLevel);
        return hash.GetHashAndReset();
    }

    private static int ResolveLogN(CkksParametersLiteral literal)
    {
        const string Arg = nameof(literal);
        if (literal.LogN is not null && literal.N is not null)
        {
            throw new ArgumentException($"Both LogN ({literal.LogN}) and N ({literal.N}) are set: give the ring degree one way only.", Arg);
        }

        if (literal.LogN is int logN)
        {
            if (logN < HomomorphicEncryptionStandard.MinLogN || logN > HomomorphicEncryptionStandard.MaxLogN)
            {
                throw new ArgumentException(
                    $"LogN = {logN} is out of range: expected {HomomorphicEncryptionStandard.MinLogN} to {HomomorphicEncryptionStandard.MaxLogN}.", Arg);
            }

            return logN;
        }

        if (literal.N is int n)
        {
            if (n < 1 << HomomorphicEncryptionStandard.MinLogN || n > 1 << HomomorphicEncryptionStandard.MaxLogN || !BitOperations.IsPow2(n))
            {
                throw new ArgumentException(
                    $"N = {n} is not a power of two in [2^{HomomorphicEncryptionStandard.MinLogN}, 2^{HomomorphicEncryptionStandard.MaxLogN}].", Arg);
            }

            return BitOperations.Log2((uint)n);
        }

        throw new ArgumentException("The ring degree is missing: set LogN or N.", Arg);
    }

    private static double ResolveScale(CkksParametersLiteral literal, ulong[] q)
    {
        const string Arg = nameof(literal);
        if (literal.DefaultScale is not null && literal.LogDefaultScale is not null)
        {
            throw new ArgumentException(
                $"Both DefaultScale ({literal.DefaultScale}) and LogDefaultScale ({literal.LogDefaultScale}) are set: give the scale one way only.", Arg);
        }

        double scale;
        if (literal.DefaultScale is double s)
        {
            scale = s;
        }
        else if (literal.LogDefaultScale is int logScale)
        {
            if (logScale < 0 || logScale > 1000)
            {
                throw new ArgumentException($"LogDefaultScale = {logScale} is out of range: expected 0 to 1000.", Arg);
            }

            scale = Math.ScaleB(1.0, logScale);
        }
        else
        {
            // The prime dropped by the first rescale sets the natural scale; a single-prime chain gets half of q_0's bits.
            scale = q.Length > 1
                ? Math.ScaleB(1.0, (int)Math.Round(Math.Log2(q[^1])))
                : Math.ScaleB(1.0, (int)Math.Floor(Math.Log2(q[0]) / 2));
        }

        if (!double.IsFinite(scale) || scale < 1)
        {
            throw new ArgumentException($"DefaultScale = {scale} is invalid: expected a finite value of at least 1.", Arg);
        }

        double logQ0 = Math.Log2(q[0]);
        if (Math.Log2(scale) > logQ0 - 1)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture,
                    $"DefaultScale = 2^{Math.Log2(scale):0.00} is too large for q_0 = {q[0]} (2^{logQ0:0.00}): a value of magnitude 1 at level 0 needs scale ≤ q_0/2. Use a smaller scale or a larger first prime."),
                Arg);
        }

        return scale;
    }

    private static void ValidatePrime(string name, int index, ulong value, int n)
    {
        ulong twoN = 2UL * (ulong)n;
        if (value >= 1UL << Rns.Arithmetic.Modulus.MaxBitCount)
        {
            throw new ArgumentException(
                $"{name}[{index}] = {value} has {64 - BitOperations.LeadingZeroCount(value)} bits; primes may have at most {Rns.Arithmetic.Modulus.MaxBitCount}.", "literal");
        }

        if (value % twoN != 1)
        {
            throw new ArgumentException(
                $"{name}[{index}] = {value} is not 1 mod 2N = {twoN} (N = {n}): it is not NTT-friendly.", "literal");
        }

        if (!NttPrimes.IsPrime(value))
        {
            throw new ArgumentException($"{name}[{index}] = {value} is not prime.", "literal");
        }
    }

    private static void CheckBitSizes(string name, IReadOnlyList<int> sizes)
    {
        for (int i = 0; i < sizes.Count; i++)
        {
            if (sizes[i] < NttPrimes.MinBitSize || sizes[i] > NttPrimes.MaxBitSize)
            {
                throw new ArgumentException(
                    $"{name}[{i}] = {sizes[i]} bits is out of range: prime sizes must be in [{NttPrimes.MinBitSize}, {NttPrimes.MaxBitSize}].", "literal");
            }
        }
    }

    private static void CheckDistinct(string name, ulong[] values, string otherName, ulong[] others)
    {
        bool same = ReferenceEquals(values, others);
        for (int i = 0; i < values.Length; i++)
        {
            for (int j = same ? i + 1 : 0; j < others.Length; j++)
            {
                if (values[i] == others[j])
                {
                    throw new ArgumentException(
                        $"{name}[{i}] and {otherName}[{j}] are both {values[i]}: every prime, data and special, must be distinct.", "literal");
                }
            }
        }
    }

    private static int DigitSizeFor(int qCount, int dnum) => (qCount + dnum - 1) / dnum;

    /// <summary>
    /// The estimated cost of one key switch, averaged over levels 1 to L, in units of one NTT of one limb: the NTTs of
    /// the decomposition and of ModDown, plus the base conversions' multiply-accumulates (weight 0.3 per limb and source
    /// limb; a one-prime digit is a centred reduction) and the inner product's (weight 0.15 per limb and digit). The
    /// weights are the measured costs of those loops relative to an NTT on this project's kernels; the estimate only
    /// ranks digit sizes. Averaging over levels matters: a few large digits need the fewest NTTs at the top level, but
    /// below it a level's last digit is short and still extends to every other prime.
    /// </summary>
    /// <param name="qCount">The number of data primes (L+1).</param>
    /// <param name="digitSize">Data primes per digit.</param>
    /// <param name="pCount">The number of special primes.</param>
    /// <returns>The estimate.</returns>
    internal static double EstimatedKeySwitchCost(int qCount, int digitSize, int pCount)
    {
        const double ConversionWeight = 0.3, InnerProductWeight = 0.15;
        if (qCount < 2)
        {
            return 0;
        }

        double total = 0;
        for (int level = 1; level < qCount; level++)
        {
            int m = level + 1, digits = 0;
            double ntt = m + 2.0 * pCount + 2.0 * m, conversion = pCount > 1 ? 2.0 * pCount * m : 0;
            for (int start = 0; start < m; start += digitSize, digits++)
            {
                int d = Math.Min(digitSize, m - start);
                ntt += m - d + pCount;
                conversion += d == 1 ? 0 : (double)d * (m - d + pCount);
            }

            total += ntt + ConversionWeight * conversion + InnerProductWeight * 2.0 * digits * (m + pCount);
        }

        return total / (qCount - 1);
    }

    /// <summary>The largest product of consecutive digits of <paramref name="digitSize"/> primes, in bits (bit length).</summary>
    private static int MaxDigitBits(ulong[] q, int digitSize)
    {
        int best = 0;
        for (int start = 0; start < q.Length; start += digitSize)
        {
            BigInteger product = Product(q.AsSpan(start, Math.Min(digitSize, q.Length - start)));
            best = Math.Max(best, (int)product.GetBitLength());
        }

        return best;
    }

    /// <summary>With given special primes: the smallest digit count whose largest digit is below P (else one prime per digit).</summary>
    private static int SmallestCoveredDigitSize(ulong[] q, ulong[] p)
    {
        for (int dnum = 1; dnum <= q.Length; dnum++)
        {
            int size = DigitSizeFor(q.Length, dnum);
            if (CoversEveryDigit(q, size, p))
            {
                return size;
            }
        }

        return 1;
    }

    /// <summary>Bit sizes of special primes whose product exceeds every digit, or null with a reason.</summary>
    /// <remarks>
    /// The primes are first tried at the fewest bits that can cover the largest digit <c>D</c> (their product with as
    /// many bits as <c>D</c>; the generated primes are the largest of their size, so it usually exceeds <c>D</c>), then
    /// one bit more. The tight sizes matter for speed: a 100-bit digit gets two 50-bit primes rather than two 51-bit
    /// ones, and primes below 2^50 have the NTT with the floating-point product, about twice as fast.
    /// </remarks>
    private static int[]? SpecialPrimeSizes(ulong[] q, int digitSize, int? count, int n, out string? why)
    {
        int digitBits = MaxDigitBits(q, digitSize);
        for (int needed = digitBits; needed <= digitBits + 1; needed++)
        {
            int k = count ?? (needed + NttPrimes.MaxBitSize - 1) / NttPrimes.MaxBitSize;
            int bits = Math.Max(NttPrimes.MinBitSize, (needed + k - 1) / k);
            if (bits > NttPrimes.MaxBitSize)
            {
                continue;
            }

            int[] sizes = Enumerable.Repeat(bits, k).ToArray();
            if (k * bits > digitBits || CoversEveryDigit(q, digitSize, NttPrimes.Generate(n, sizes, q)))
            {
                why = null;
                return sizes;
            }
        }

        int most = count ?? (digitBits + NttPrimes.MaxBitSize) / NttPrimes.MaxBitSize;
        why = $"the largest digit ({digitSize} primes) has {digitBits} bits, more than {most} special primes of at most {NttPrimes.MaxBitSize} bits can cover.";
        return null;
    }

    /// <summary>Whether the product of <paramref name="p"/> exceeds every digit of <paramref name="digitSize"/> primes.</summary>
    private static bool CoversEveryDigit(ulong[] q, int digitSize, ulong[] p)
    {
        BigInteger pProduct = Product(p);
        for (int start = 0; start < q.Length; start += digitSize)
        {
            if (Product(q.AsSpan(start, Math.Min(digitSize, q.Length - start))) >= pProduct)
            {
                return false;
            }
        }

        return true;
    }

    private static BigInteger Product(ReadOnlySpan<ulong> values)
    {
        BigInteger product = BigInteger.One;
        foreach (ulong value in values)
        {
            product *= value;
        }

        return product;
    }
}
