using System.Buffers;
using System.Collections.Concurrent;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Bases;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CkksRns.Rns.Kernels;
using CkksRns.Rns.Ntt;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// Hybrid key switching (<see href="https://eprint.iacr.org/2011/566">Gentry–Halevi–Smart 2012</see>,
/// <see href="https://eprint.iacr.org/2018/1073">Han–Ki 2020</see>): given <c>c</c> at level <c>ℓ</c> and a key from
/// <c>s'</c> to <c>s</c>, computes <c>(d_0, d_1)</c> with <c>d_0 + d_1·s ≈ c·s'</c>.
/// </summary>
/// <remarks>
/// <para>
/// Three steps. <b>Decompose</b> (ModUp): bring <c>c</c> to coefficient form, and extend each digit
/// <c>[c]_(D_j)</c> (its residues on the digit's primes) to the other primes of <c>Q_ℓ·P</c> by the exact (centred) fast
/// base conversion (a centred reduction for one-prime digits), then back to NTT form. (The approximate conversion,
/// whose result represents <c>[c]_(D_j) + u·D_j</c> with <c>0 ≤ u &lt; |D_j|</c>, would also do: the <c>u·D_j</c> term
/// vanishes against the key's gadget factor and adds only noise; the exact one keeps the digits centred and costs one
/// more term per output.) <b>Inner product</b>:
/// <c>acc = Σ_j ext_j ⊙ (b_j, a_j)</c> modulo <c>Q_ℓ·P</c>. (Galois keys are stored pre-permuted, so rotations,
/// hoisted or not, switch the unpermuted decomposition and permute only the two outputs; see
/// <see cref="KeyGenerator.CreateGaloisKeysForElements"/>.)
/// <b>ModDown</b>: <c>d = (acc - Conv_(P→Q_ℓ)([acc]_P)) · P^-1</c>.
/// </para>
/// <para>
/// Number theoretic transforms per switch: <c>ℓ+1</c> inverse for the decomposition, <c>Σ_j (ℓ+1+k-|D_j|)</c> forward
/// for the extensions, and <c>2k</c> inverse plus <c>2(ℓ+1)</c> forward for ModDown.
/// </para>
/// <para>
/// Memory passes: the decomposition copies and inverse-transforms each limb while it is in cache; the inner product
/// reads each extended digit once for both key parts, summing lazily (64-bit sums of 32-bit products for primes below
/// 2^31; for 32–50-bit primes, sums in doubles of products reduced exactly to <c>(-q, q)</c> with FMAs; 128-bit sums
/// otherwise) and reducing once per block; ModDown's subtraction, multiplication by <c>P^-1</c> and
/// optional accumulation are one pass.
/// </para>
/// <para>
/// A single switch (relinearization, rotation, conjugation) runs the decomposition and the inner product target limb by
/// target limb (<see cref="DecomposeInnerProduct"/>): for each prime of <c>Q_ℓ·P</c>, each digit's extension is
/// converted from per-coefficient rows computed once per digit, transformed and multiplied into the sums while it is in
/// cache, instead of storing all extended digits (7 MB at the reference paper's set) and reading them back. Hoisted
/// rotations keep the two steps, because they reuse the stored decomposition for every step.
/// </para>
/// <para>Scratch memory is pooled, so several threads can switch keys at once.</para>
/// </remarks>
internal sealed class KeySwitcher(CkksContext context)
{
    private readonly ConcurrentBag<Scratch> _free = [];

    /// <summary>Takes a scratch set (allocated on first use).</summary>
    public Scratch Rent() => _free.TryTake(out Scratch? s) ? s : new Scratch(context);

    /// <summary>Gives a scratch set back.</summary>
    public void Return(Scratch scratch)
    {
        scratch.Source = scratch.SourceNtt; // do not keep the caller's polynomial alive in the pool
        _free.Add(scratch);
    }

    /// <summary>Decomposes <paramref name="c"/> (NTT form, at least <c>level+1</c> limbs) into <paramref name="s"/>.</summary>
    /// <param name="c">The polynomial to switch.</param>
    /// <param name="level">Its level.</param>
    /// <param name="s">Receives the decomposition.</param>
    /// <param name="copySource">
    /// Whether to keep a copy of <paramref name="c"/> in <see cref="Scratch.SourceNtt"/> (hoisted rotations, whose outputs may
    /// overwrite <paramref name="c"/> before the last inner product). Without it the inner product reads the digits' own
    /// limbs from <paramref name="c"/> itself, which must then stay unchanged until the inner products are done: one
    /// limb-sized write per limb less.
    /// </param>
    public void Decompose(RnsPoly c, int level, Scratch s, bool copySource = true)
    {
        int limbs = level + 1, n = context.N;
        s.Level = level;
        s.Source = copySource ? s.SourceNtt : c;
        // Per limb (while it is in cache): copy to SourceNtt and CoefficientsQ, inverse NTT of the latter.
        LimbParallel.For(context.RingQ, limbs, 22L * n, new SourceAction(context, c, s));
        ComputeDigitRows(level, s);
        _ = s.Extended; // allocated here, on one thread, before the limbs are written in parallel
        LimbParallel.For(context.RingQ, TotalExtendedLimbs(level), 28L * n, new ExtendedNttAction(context, s, level));
    }

    /// <summary>
    /// <see cref="Decompose"/> (without a copy of <paramref name="c"/>) followed by <see cref="InnerProduct(Scratch, KeySwitchingKey)"/>,
    /// computed target limb by target limb: for each prime of <c>Q_ℓ·P</c>, every digit's extension to it is converted,
    /// transformed and multiplied into the sums while it is in cache, so the extended digits are never stored. The
    /// decomposition is not kept (a hoisted rotation, which reuses it, calls the two steps instead).
    /// </summary>
    /// <param name="c">The polynomial to switch (NTT form); it must stay unchanged until this returns.</param>
    /// <param name="level">Its level.</param>
    /// <param name="s">Receives the sums (<see cref="Scratch.Acc0Q"/> and the others) at <paramref name="level"/>.</param>
    /// <param name="key">The key-switching key.</param>
    public void DecomposeInnerProduct(RnsPoly c, int level, Scratch s, KeySwitchingKey key)
    {
        int limbs = level + 1, n = context.N, k = context.Parameters.PCount;
        s.Level = level;
        s.Source = c;
        LimbParallel.For(context.RingQ, limbs, 22L * n, new SourceAction(context, c, s));
        ComputeDigitRows(level, s);
        int digits = context.Parameters.DigitCountAt(level);
        LimbParallel.For(context.RingQ, limbs + k, (20L + 8L) * digits * n, new FusedInnerProductAction(context, s, key));
    }

    /// <summary>The rows of each multi-prime digit's conversion (the per-coefficient terms every target's sum reads), into <see cref="Scratch.Rows"/>.</summary>
    private void ComputeDigitRows(int level, Scratch s)
    {
        int n = context.N, digits = context.Parameters.DigitCountAt(level), words = 0;
        for (int j = 0; j < digits; j++)
        {
            ModUpPlan plan = context.GetModUpPlan(level, j);
            s.RowStarts[j] = words;
            words += plan.Count > 1 ? plan.Converter.RowWords(n) : 0;
        }

        if (s.Rows.Length < words)
        {
            s.Rows = new ulong[words];
        }

        LimbParallel.For(context.RingQ, digits, 8L * n, new RowsAction(context, s, level));
    }

    /// <summary><c>acc = Σ_j ext_j ⊙ key_j</c> over <c>Q_ℓ·P</c>.</summary>
    public void InnerProduct(Scratch s, KeySwitchingKey key) => InnerProduct(s, key, s);

    /// <summary>
    /// As <see cref="InnerProduct(Scratch, KeySwitchingKey)"/>, with the decomposition read from <paramref name="decomposition"/>
    /// and the sums written to <paramref name="accumulators"/> (whose level is set): several threads can then switch one
    /// decomposition with different keys at once, each with its own accumulators.
    /// </summary>
    public void InnerProduct(Scratch decomposition, KeySwitchingKey key, Scratch accumulators)
    {
        accumulators.Level = decomposition.Level;
        int limbs = decomposition.Level + 1, k = context.Parameters.PCount;
        LimbParallel.For(context.RingQ, limbs + k, 8L * key.DigitCount * context.N, new InnerProductAction(context, decomposition, key, accumulators));
    }

    /// <summary>Adds <paramref name="source"/>'s sums over <c>Q_ℓ·P</c> into <paramref name="target"/>'s (same level).</summary>
    public void AddAccumulators(Scratch source, Scratch target)
    {
        int limbs = target.Level + 1, k = context.Parameters.PCount;
        LimbOps.Add(source.Acc0Q, target.Acc0Q, target.Acc0Q, limbs);
        LimbOps.Add(source.Acc1Q, target.Acc1Q, target.Acc1Q, limbs);
        LimbOps.Add(source.Acc0P, target.Acc0P, target.Acc0P, k);
        LimbOps.Add(source.Acc1P, target.Acc1P, target.Acc1P, k);
    }

    /// <summary>
    /// Divides both accumulators by <c>P</c> and writes <c>d_0</c>, <c>d_1</c> into the first <c>ℓ+1</c> limbs of
    /// <paramref name="d0"/> and <paramref name="d1"/> (NTT form); when <paramref name="accumulate"/> is set, adds
    /// them to what is there instead.
    /// </summary>
    public void ModDown(Scratch s, RnsPoly d0, RnsPoly d1, bool accumulate)
    {
        ModDownOne(s, s.Acc0Q, s.Acc0P, d0, accumulate);
        ModDownOne(s, s.Acc1Q, s.Acc1P, d1, accumulate);
    }

    /// <summary>
    /// ModDown fused with a rotation's last step: <c>destination0 = σ(c0 + d_0)</c> and <c>destination1 = σ(d_1)</c>,
    /// with σ given by its NTT-domain <paramref name="permutation"/>. Each limb is divided by P, added to and permuted while
    /// it is in cache, instead of written to the scratch outputs and read back in a pass of its own. A destination may be
    /// the ciphertext <paramref name="c0"/> belongs to: limb i of <paramref name="c0"/> is read before limb i of
    /// <paramref name="destination0"/> is written.
    /// </summary>
    public void ModDownPermuted(Scratch s, RnsPoly c0, NttGaloisPermutation permutation, RnsPoly destination0, RnsPoly destination1)
    {
        ModDownOne(s, s.Acc0Q, s.Acc0P, destination0, false, c0, permutation);
        ModDownOne(s, s.Acc1Q, s.Acc1P, destination1, false, null, permutation);
    }

    /// <summary>
    /// Divides the sum <c>(accQ, accP)</c> over <c>Q_level·P</c> (NTT form) by <c>P</c> into the first <c>level+1</c> limbs of
    /// <paramref name="destination"/>, using <paramref name="s"/>'s temporaries (whose level it sets). <paramref name="accP"/> is
    /// left in coefficient form, <paramref name="accQ"/> unchanged.
    /// </summary>
    public void ModDown(Scratch s, int level, RnsPoly accQ, RnsPoly accP, RnsPoly destination)
    {
        s.Level = level;
        ModDownOne(s, accQ, accP, destination, false);
    }

    private void ModDownOne(Scratch s, RnsPoly accQ, RnsPoly accP, RnsPoly destination, bool accumulate, RnsPoly? c0 = null, NttGaloisPermutation? permutation = null)
    {
        int level = s.Level, limbs = level + 1, k = context.Parameters.PCount, n = context.N;
        long work = (permutation is null ? 24L : 27L) * n;
        LimbOps.FromNtt(accP, k);
        if (k > 1)
        {
            // The exact conversion of [acc]_P to the data primes: its per-coefficient rows once, then per limb the limb's
            // conversion, its NTT fused with (acc - it)·P^-1, while the converted limb is in cache.
            BaseConverter converter = context.ModDownConverter(level);
            int words = converter.RowWords(n);
            if (s.Rows.Length < words)
            {
                s.Rows = new ulong[words];
            }

            converter.ComputeRows(accP.Buffer.AsSpan(0, k * n), s.Rows.AsSpan(0, words), n, exact: true);
            LimbParallel.For(
                context.RingQ, limbs, work + (2L * k * n), new ModDownAction(context, accQ, accP, s.TempQ, destination, accumulate, single: false, null, c0, permutation, converter, s.Rows));
            return;
        }

        if (!RnsPoly.SharedCorrectionFits(context.RingQ, context.RingP.ModuliArray[0], limbs))
        {
            LimbParallel.For(context.RingQ, limbs, work, new ModDownAction(context, accQ, accP, s.TempQ, destination, accumulate, single: true, null, c0, permutation));
            return;
        }

        // One special prime whose centred remainders are below twice every data prime: one signed copy, read by every
        // limb's transform directly.
        double[] centred = ArrayPool<double>.Shared.Rent(n);
        try
        {
            ElementwiseKernels.CentredRemainders(accP.LimbUnchecked(0), context.RingP.ModuliArray[0].Value, centred.AsSpan(0, n), SimdCapabilities.Current);
            LimbParallel.For(context.RingQ, limbs, work, new ModDownAction(context, accQ, accP, s.TempQ, destination, accumulate, single: true, centred, c0, permutation));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(centred);
        }
    }

    private int TotalExtendedLimbs(int level)
    {
        int limbs = level + 1, k = context.Parameters.PCount, total = 0;
        for (int j = 0; j < context.Parameters.DigitCountAt(level); j++)
        {
            total += limbs - context.GetModUpPlan(level, j).Count + k;
        }

        return total;
    }

    /// <summary>Per-thread buffers of one key switch.</summary>
    internal sealed class Scratch
    {
        private readonly int _extendedWords;
        private ulong[]? _extended;

        public Scratch(CkksContext context)
        {
            int qCount = context.Parameters.QCount, pCount = context.Parameters.PCount;
            DigitStride = (qCount + pCount) * context.N;
            SourceNtt = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            Source = SourceNtt;
            CoefficientsQ = new RnsPoly(context.RingQ, qCount);
            _extendedWords = context.Parameters.Dnum * DigitStride;
            Acc0Q = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            Acc1Q = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            TempQ = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            Acc0P = new RnsPoly(context.RingP, pCount, isNttForm: true);
            Acc1P = new RnsPoly(context.RingP, pCount, isNttForm: true);
            Out0 = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            Out1 = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            Spare = new RnsPoly(context.RingQ, qCount, isNttForm: true);
            RowStarts = new int[context.Parameters.Dnum];
        }

        /// <summary>The base-conversion rows of <see cref="DecomposeInnerProduct"/> (grown on first use).</summary>
        public ulong[] Rows { get; set; } = [];

        /// <summary>Where each digit's rows start in <see cref="Rows"/>.</summary>
        public int[] RowStarts { get; }

        /// <summary>The level of the decomposition held.</summary>
        public int Level { get; set; }

        /// <summary>Words between the extended digits in <see cref="Extended"/>.</summary>
        public int DigitStride { get; }

        /// <summary>A copy of the decomposed polynomial in NTT form (its digit limbs are part of each extended digit).</summary>
        public RnsPoly SourceNtt { get; }

        /// <summary>
        /// The decomposed polynomial in NTT form, whose limbs are the digits' own limbs of the extension: <see cref="SourceNtt"/>
        /// (a copy), or the caller's polynomial itself when <see cref="Decompose"/> was told not to copy it.
        /// </summary>
        public RnsPoly Source { get; set; }

        /// <summary>The decomposed polynomial in coefficient form.</summary>
        public RnsPoly CoefficientsQ { get; }

        /// <summary>
        /// Extended digits: digit <c>j</c> at word <c>j·DigitStride</c>, its limbs in converter target order, NTT form, each
        /// in an <c>N</c>-word slot; a limb of a narrow prime (<see cref="ElementwiseKernels.IsNarrow"/>) holds its residues as
        /// 32-bit words in the first half of its slot, so the inner products stream half as much of it. Allocated on first
        /// use: only <see cref="Decompose"/> (hoisted rotations) stores them.
        /// </summary>
        public ulong[] Extended => _extended ??= new ulong[_extendedWords];

        /// <summary>Accumulator of <c>b</c> products, data primes.</summary>
        public RnsPoly Acc0Q { get; }

        /// <summary>Accumulator of <c>a</c> products, data primes.</summary>
        public RnsPoly Acc1Q { get; }

        /// <summary>Accumulator of <c>b</c> products, special primes.</summary>
        public RnsPoly Acc0P { get; }

        /// <summary>Accumulator of <c>a</c> products, special primes.</summary>
        public RnsPoly Acc1P { get; }

        /// <summary>ModDown temporary.</summary>
        public RnsPoly TempQ { get; }

        /// <summary>Output buffer for <c>d_0</c> when the caller has no better place.</summary>
        public RnsPoly Out0 { get; }

        /// <summary>Output buffer for <c>d_1</c> when the caller has no better place.</summary>
        public RnsPoly Out1 { get; }

        /// <summary>A spare data-prime polynomial (for example a copy of <c>c_0</c> during hoisted rotations).</summary>
        public RnsPoly Spare { get; }
    }

    private readonly struct SourceAction(CkksContext context, RnsPoly c, Scratch s) : ILimbAction
    {
        public void Invoke(int i)
        {
            ReadOnlySpan<ulong> limb = c.LimbUnchecked(i);
            Span<ulong> coefficients = s.CoefficientsQ.LimbUnchecked(i);
            if (!ReferenceEquals(c, s.Source))
            {
                limb.CopyTo(s.Source.LimbUnchecked(i));
            }

            limb.CopyTo(coefficients);
            context.RingQ.NttTablesArray[i].Inverse(coefficients);
            if (IsSharedDigit(context, s.Level, i))
            {
                // A one-prime digit whose centred lift is below twice every target prime: kept as signed doubles (in place),
                // which every target limb's transform reads directly.
                ElementwiseKernels.CentredRemainders(
                    coefficients, context.RingQ.ModuliArray[i].Value, MemoryMarshal.Cast<ulong, double>(coefficients), SimdCapabilities.Current);
            }
        }
    }

    /// <summary>
    /// Whether data prime <paramref name="prime"/> is a one-prime digit at <paramref name="level"/> whose centred lift (at
    /// most half the prime) is below twice every other prime of the level and every special prime, and below 2^51.
    /// </summary>
    private static bool IsSharedDigit(CkksContext context, int level, int prime)
    {
        for (int j = 0; j < context.Parameters.DigitCountAt(level); j++)
        {
            ModUpPlan plan = context.GetModUpPlan(level, j);
            if (plan.Start == prime)
            {
                Modulus q = context.RingQ.ModuliArray[prime];
                return plan.Count == 1
                    && RnsPoly.SharedCorrectionFits(context.RingQ, q, level + 1)
                    && RnsPoly.SharedCorrectionFits(context.RingP, q, context.Parameters.PCount);
            }
        }

        return false;
    }

    private readonly struct ExtendedNttAction(CkksContext context, Scratch s, int level) : ILimbAction
    {
        public void Invoke(int index)
        {
            int limbs = level + 1, n = context.N, k = context.Parameters.PCount;
            for (int j = 0; ; j++)
            {
                ModUpPlan plan = context.GetModUpPlan(level, j);
                int qTargets = limbs - plan.Count, outLimbs = qTargets + k;
                if (index < outLimbs)
                {
                    Span<ulong> limb = s.Extended.AsSpan(j * s.DigitStride + index * n, n);
                    bool special = index >= qTargets;
                    int prime = special ? index - qTargets : index < plan.Start ? index : index + plan.Count;
                    Modulus target = special ? context.RingP.ModuliArray[prime] : context.RingQ.ModuliArray[prime];
                    NttTables tables = special ? context.RingP.NttTablesArray[prime] : context.RingQ.NttTablesArray[prime];

                    // A narrow target's limb is stored as 32-bit words (Scratch.Extended): computed in a buffer, then narrowed.
                    bool narrow = ElementwiseKernels.IsNarrow(target);
                    ulong[]? buffer = narrow ? ArrayPool<ulong>.Shared.Rent(n) : null;
                    Span<ulong> work = narrow ? buffer.AsSpan(0, n) : limb;
                    if (plan.Count == 1 && IsSharedDigit(context, level, plan.Start))
                    {
                        // The digit's centred lift as signed doubles (SourceAction), read by the transform directly.
                        tables.ForwardFromSmallIntegers(MemoryMarshal.Cast<ulong, double>(s.CoefficientsQ.LimbUnchecked(plan.Start)), work);
                    }
                    else
                    {
                        if (plan.Count == 1)
                        {
                            // A one-prime digit: its exact (centred) extension is a centred reduction.
                            ElementwiseKernels.ReduceCenteredSized(
                                s.CoefficientsQ.LimbUnchecked(plan.Start), context.RingQ.ModuliArray[plan.Start].Value, work, target, SimdCapabilities.Current);
                        }
                        else
                        {
                            plan.Converter.ConvertFromRows(s.Rows.AsSpan(s.RowStarts[j], plan.Converter.RowWords(n)), n, index, work, exact: true);
                        }

                        tables.Forward(work);
                    }

                    if (buffer is not null)
                    {
                        ElementwiseKernels.Narrow(work, NarrowLimb(limb), SimdCapabilities.Current);
                        ArrayPool<ulong>.Shared.Return(buffer);
                    }

                    return;
                }

                index -= outLimbs;
            }
        }
    }

    /// <summary>The 32-bit words of a narrow limb stored in the first half of its <c>N</c>-word slot in <see cref="Scratch.Extended"/>.</summary>
    private static Span<uint> NarrowLimb(Span<ulong> slot) => MemoryMarshal.Cast<ulong, uint>(slot)[..slot.Length];

    /// <summary>
    /// The inner product's lazy sums of <c>ext ⊙ b</c> and <c>ext ⊙ a</c>, in one of three forms chosen by the prime: 64-bit
    /// sums of 32-bit products (<c>narrow</c>, primes below 2^31), sums in doubles of products reduced exactly to
    /// <c>(-q, q)</c> (<c>fma</c>, 32–50-bit primes; the low words hold the doubles), or 128-bit sums (low and high words).
    /// </summary>
    private static class PairSums
    {
        /// <summary>Adds (or, with <paramref name="overwrite"/>, stores) digit <paramref name="j"/>'s products from coefficient <paramref name="c0"/>.</summary>
        public static void Accumulate(
            bool narrow, bool fma, ReadOnlySpan<ulong> x, KeySwitchingKey key, int j, bool special, int prime, int c0,
            Span<ulong> low0, Span<ulong> high0, Span<ulong> low1, Span<ulong> high1, Modulus q, bool overwrite, SimdLevel simd)
        {
            int length = x.Length;
            if (narrow)
            {
                // Narrow key limbs are stored as 32-bit words (KeySwitchingKey): a third less to stream.
                ElementwiseKernels.MultiplyAccumulatePairNarrow(
                    x, key.NarrowB(j, special, prime).Slice(c0, length), key.NarrowA(j, special, prime).Slice(c0, length), low0, low1, overwrite, simd);
            }
            else if (fma)
            {
                ElementwiseKernels.MultiplyAccumulatePairFma(
                    x, key.WideB(j, special, prime).Slice(c0, length), key.WideA(j, special, prime).Slice(c0, length), AsDoubles(low0), AsDoubles(low1), q, overwrite, simd);
            }
            else
            {
                ElementwiseKernels.MultiplyAccumulatePairWide(
                    x, key.WideB(j, special, prime).Slice(c0, length), key.WideA(j, special, prime).Slice(c0, length), low0, high0, low1, high1, overwrite, simd);
            }
        }

        /// <summary>The narrow form of <see cref="Accumulate"/> for a digit limb stored as 32-bit words.</summary>
        public static void AccumulateNarrowDigit(
            ReadOnlySpan<uint> x, KeySwitchingKey key, int j, bool special, int prime, int c0, Span<ulong> low0, Span<ulong> low1, bool overwrite, SimdLevel simd)
        {
            int length = x.Length;
            ElementwiseKernels.MultiplyAccumulatePairNarrow(
                x, key.NarrowB(j, special, prime).Slice(c0, length), key.NarrowA(j, special, prime).Slice(c0, length), low0, low1, overwrite, simd);
        }

        /// <summary>Folds the sums back to residues (one reduced term each), so that more terms can be added.</summary>
        public static void Fold(bool narrow, bool fma, Span<ulong> low0, Span<ulong> high0, Span<ulong> low1, Span<ulong> high1, Modulus q, SimdLevel simd)
        {
            if (fma)
            {
                ElementwiseKernels.FoldFmaSums(AsDoubles(low0), q, simd);
                ElementwiseKernels.FoldFmaSums(AsDoubles(low1), q, simd);
            }
            else if (narrow)
            {
                ElementwiseKernels.Reduce(low0, low0, q);
                ElementwiseKernels.Reduce(low1, low1, q);
            }
            else
            {
                ElementwiseKernels.ReduceWide(low0, high0, low0, q);
                high0.Clear();
                ElementwiseKernels.ReduceWide(low1, high1, low1, q);
                high1.Clear();
            }
        }

        /// <summary>Writes the reduced sums (the destinations may be the low words themselves).</summary>
        public static void Reduce(
            bool narrow, bool fma, Span<ulong> low0, Span<ulong> high0, Span<ulong> low1, Span<ulong> high1, Span<ulong> out0, Span<ulong> out1, Modulus q, SimdLevel simd)
        {
            if (narrow)
            {
                ElementwiseKernels.Reduce(low0, out0, q);
                ElementwiseKernels.Reduce(low1, out1, q);
            }
            else if (fma)
            {
                ElementwiseKernels.ReduceFmaSums(AsDoubles(low0), out0, q, simd);
                ElementwiseKernels.ReduceFmaSums(AsDoubles(low1), out1, q, simd);
            }
            else
            {
                ElementwiseKernels.ReduceWide(low0, high0, out0, q);
                ElementwiseKernels.ReduceWide(low1, high1, out1, q);
            }
        }

        private static Span<double> AsDoubles(Span<ulong> words) => MemoryMarshal.Cast<ulong, double>(words);
    }

    private readonly struct InnerProductAction(CkksContext context, Scratch s, KeySwitchingKey key, Scratch o) : ILimbAction
    {
        // Coefficients per block: long runs for the hardware prefetchers (the key and digits stream from memory); the
        // lazy sums (two 64-bit arrays, or four for 128-bit sums: 64 KB) stay in L2. Measured fastest of 512 to 8192.
        private const int NarrowBlock = 4096, WideBlock = 2048;

        // The sums are written by the first digit before they are read, so the stack buffers need no zeroing.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SkipLocalsInit]
        public void Invoke(int index)
        {
            int level = s.Level, limbs = level + 1, n = context.N;
            int digits = context.Parameters.DigitCountAt(level);
            bool special = index >= limbs;
            int prime = special ? index - limbs : index;
            Modulus q = special ? context.RingP.ModuliArray[prime] : context.RingQ.ModuliArray[prime];
            Span<ulong> out0 = special ? o.Acc0P.LimbUnchecked(prime) : o.Acc0Q.LimbUnchecked(prime);
            Span<ulong> out1 = special ? o.Acc1P.LimbUnchecked(prime) : o.Acc1Q.LimbUnchecked(prime);
            bool narrow = ElementwiseKernels.IsNarrow(q);
            bool fma = ElementwiseKernels.IsFmaAccumulable(q); // 32–50-bit primes: exact sums in doubles, one word each
            int limit = narrow ? ElementwiseKernels.NarrowTermLimit(q) : fma ? ElementwiseKernels.FmaTermLimit(q) : 32;
            int block = narrow || fma ? NarrowBlock : WideBlock;
            bool twoWords = !narrow && !fma;
            SimdLevel simd = SimdCapabilities.Current;
            Span<ulong> low0 = stackalloc ulong[block], high0 = stackalloc ulong[twoWords ? block : 0];
            Span<ulong> low1 = stackalloc ulong[block], high1 = stackalloc ulong[twoWords ? block : 0];
            for (int c0 = 0; c0 < n; c0 += block)
            {
                int length = Math.Min(block, n - c0);
                Span<ulong> l0 = low0[..length], l1 = low1[..length];
                Span<ulong> h0 = twoWords ? high0[..length] : default, h1 = twoWords ? high1[..length] : default;

                // The first digit overwrites the sums (no clearing pass); a fold leaves one reduced term.
                int terms = 0;
                for (int j = 0; j < digits; j++)
                {
                    ModUpPlan plan = context.GetModUpPlan(level, j);
                    bool own = !special && prime >= plan.Start && prime < plan.Start + plan.Count;
                    Span<ulong> slot = own ? default
                        : s.Extended.AsSpan(j * s.DigitStride + (special ? limbs - plan.Count + prime : plan.TargetLimbOfQ(prime)) * n, n);
                    if (terms >= limit)
                    {
                        PairSums.Fold(narrow, fma, l0, h0, l1, h1, q, simd); // so the accumulators cannot overflow
                        terms = 1;
                    }

                    if (own)
                    {
                        PairSums.Accumulate(narrow, fma, s.Source.LimbUnchecked(prime).Slice(c0, length), key, j, special, prime, c0, l0, h0, l1, h1, q, overwrite: terms == 0, simd);
                    }
                    else if (narrow)
                    {
                        // Extended limbs of narrow primes hold 32-bit words (ExtendedNttAction).
                        PairSums.AccumulateNarrowDigit(NarrowLimb(slot).Slice(c0, length), key, j, special, prime, c0, l0, l1, overwrite: terms == 0, simd);
                    }
                    else
                    {
                        PairSums.Accumulate(narrow, fma, slot.Slice(c0, length), key, j, special, prime, c0, l0, h0, l1, h1, q, overwrite: terms == 0, simd);
                    }

                    terms++;
                }

                PairSums.Reduce(narrow, fma, l0, h0, l1, h1, out0.Slice(c0, length), out1.Slice(c0, length), q, simd);
            }
        }
    }

    private readonly struct RowsAction(CkksContext context, Scratch s, int level) : ILimbAction
    {
        public void Invoke(int j)
        {
            ModUpPlan plan = context.GetModUpPlan(level, j);
            if (plan.Count > 1)
            {
                int n = context.N;
                plan.Converter.ComputeRows(
                    s.CoefficientsQ.Buffer.AsSpan(plan.Start * n, plan.Count * n), s.Rows.AsSpan(s.RowStarts[j], plan.Converter.RowWords(n)), n, exact: true);
            }
        }
    }

    /// <summary>
    /// One target prime of <see cref="DecomposeInnerProduct"/>: each digit's extension to it (its own limb of the source for
    /// the digit holding the prime) is produced in a buffer, transformed and multiplied into the two sums, which live in
    /// the output limbs themselves (and, for 128-bit sums, in the buffer's high words).
    /// </summary>
    private readonly struct FusedInnerProductAction(CkksContext context, Scratch s, KeySwitchingKey key) : ILimbAction
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Invoke(int index)
        {
            int level = s.Level, limbs = level + 1, n = context.N;
            int digits = context.Parameters.DigitCountAt(level);
            bool special = index >= limbs;
            int prime = special ? index - limbs : index;
            Modulus q = special ? context.RingP.ModuliArray[prime] : context.RingQ.ModuliArray[prime];
            NttTables tables = special ? context.RingP.NttTablesArray[prime] : context.RingQ.NttTablesArray[prime];
            Span<ulong> out0 = special ? s.Acc0P.LimbUnchecked(prime) : s.Acc0Q.LimbUnchecked(prime);
            Span<ulong> out1 = special ? s.Acc1P.LimbUnchecked(prime) : s.Acc1Q.LimbUnchecked(prime);
            bool narrow = ElementwiseKernels.IsNarrow(q);
            bool fma = ElementwiseKernels.IsFmaAccumulable(q);
            int limit = narrow ? ElementwiseKernels.NarrowTermLimit(q) : fma ? ElementwiseKernels.FmaTermLimit(q) : 32;
            bool twoWords = !narrow && !fma;
            SimdLevel simd = SimdCapabilities.Current;
            ulong[] buffer = ArrayPool<ulong>.Shared.Rent(twoWords ? 3 * n : n);
            try
            {
                Span<ulong> t = buffer.AsSpan(0, n);
                Span<ulong> h0 = twoWords ? buffer.AsSpan(n, n) : default, h1 = twoWords ? buffer.AsSpan(2 * n, n) : default;
                int terms = 0;
                for (int j = 0; j < digits; j++)
                {
                    ModUpPlan plan = context.GetModUpPlan(level, j);
                    ReadOnlySpan<ulong> x;
                    if (!special && prime >= plan.Start && prime < plan.Start + plan.Count)
                    {
                        x = s.Source.LimbUnchecked(prime);
                    }
                    else
                    {
                        if (plan.Count == 1 && IsSharedDigit(context, level, plan.Start))
                        {
                            tables.ForwardFromSmallIntegers(MemoryMarshal.Cast<ulong, double>(s.CoefficientsQ.LimbUnchecked(plan.Start)), t);
                        }
                        else
                        {
                            if (plan.Count == 1)
                            {
                                ElementwiseKernels.ReduceCenteredSized(
                                    s.CoefficientsQ.LimbUnchecked(plan.Start), context.RingQ.ModuliArray[plan.Start].Value, t, q, simd);
                            }
                            else
                            {
                                int target = special ? limbs - plan.Count + prime : plan.TargetLimbOfQ(prime);
                                plan.Converter.ConvertFromRows(s.Rows.AsSpan(s.RowStarts[j], plan.Converter.RowWords(n)), n, target, t, exact: true);
                            }

                            tables.Forward(t);
                        }

                        x = t;
                    }

                    if (terms >= limit)
                    {
                        PairSums.Fold(narrow, fma, out0, h0, out1, h1, q, simd);
                        terms = 1;
                    }

                    PairSums.Accumulate(narrow, fma, x, key, j, special, prime, 0, out0, h0, out1, h1, q, overwrite: terms == 0, simd);
                    terms++;
                }

                PairSums.Reduce(narrow, fma, out0, h0, out1, h1, out0, out1, q, simd);
            }
            finally
            {
                ArrayPool<ulong>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// ModDown's per-limb half: the NTT of the converted special part (<paramref name="temp"/>'s limb; with a single
    /// special prime its centred reduction, from <paramref name="centred"/> when given) fused with <c>(acc - it)·P^-1</c>,
    /// written to (or, with <paramref name="accumulate"/>, added to) <paramref name="destination"/>; or, given a
    /// <paramref name="permutation"/>, written over <paramref name="accQ"/>'s limb with <paramref name="c0"/>'s limb added
    /// (when given) and permuted into <paramref name="destination"/>.
    /// </summary>
    private readonly struct ModDownAction(
        CkksContext context, RnsPoly accQ, RnsPoly accP, RnsPoly temp, RnsPoly destination, bool accumulate, bool single, double[]? centred,
        RnsPoly? c0, NttGaloisPermutation? permutation, BaseConverter? converter = null, ulong[]? rows = null) : ILimbAction
    {
        public void Invoke(int i)
        {
            Modulus q = context.RingQ.ModuliArray[i];
            NttTables tables = context.RingQ.NttTablesArray[i];
            ShoupOperand pInverse = context.PInverseModQ[i];
            SimdLevel simd = SimdCapabilities.Current;
            Span<ulong> t = temp.LimbUnchecked(i), acc = accQ.LimbUnchecked(i);
            Span<ulong> output = permutation is null ? destination.LimbUnchecked(i) : acc;
            ReadOnlySpan<ulong> addend = permutation is null ? (accumulate ? destination.LimbUnchecked(i) : default) : (c0 is null ? default : c0.LimbUnchecked(i));
            if (centred is not null)
            {
                tables.ForwardFromSmallIntegersSubtractMultiply(centred.AsSpan(0, t.Length), t, acc, pInverse, output, simd, tables.Multiplication, addend);
            }
            else
            {
                if (single)
                {
                    // One special prime: the exact conversion of [acc]_P is its centred reduction.
                    ElementwiseKernels.ReduceCenteredSized(accP.LimbUnchecked(0), context.RingP.ModuliArray[0].Value, t, q, simd);
                }
                else
                {
                    converter!.ConvertFromRows(rows, t.Length, i, t, exact: true);
                }

                tables.ForwardSubtractMultiply(t, acc, pInverse, output, simd, tables.Multiplication, addend);
            }

            if (permutation is not null)
            {
                permutation.Apply(acc, destination.LimbUnchecked(i), simd);
            }
        }
    }
}
