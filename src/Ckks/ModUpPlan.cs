using CkksRns.Rns.Bases;

namespace CkksRns.Ckks;

/// <summary>
/// How one key-switching digit is extended at one level: the digit covers data primes <c>[Start, Start + Count)</c>;
/// <see cref="Converter"/> maps it to the other data primes of the level (in order) followed by the special primes.
/// </summary>
/// <param name="Start">The first data prime of the digit.</param>
/// <param name="Count">The number of data primes in the digit at this level.</param>
/// <param name="Converter">The base converter from the digit to its complement in <c>Q_level·P</c>.</param>
internal sealed record ModUpPlan(int Start, int Count, BaseConverter Converter)
{
    /// <summary>The number of limbs the converter writes.</summary>
    public int TargetCount => Converter.Target.Count;

    /// <summary>The target limb (in the converter's output) holding prime index <paramref name="prime"/> of the data chain, which must be outside the digit.</summary>
    public int TargetLimbOfQ(int prime) => prime < Start ? prime : prime - Count;
}
