namespace CkksRns.Nn.Encrypted;

/// <summary>
/// The rotations that sum <c>Count</c> blocks of <c>Stride</c> slots into the first block,
/// <c>R = Σ_{b &lt; Count} rot(y, b·Stride)</c>, with ⌊log2 Count⌋ + popcount(Count) − 1 rotations
/// (doubling partial sums, then one rotation per further set bit of Count). Slots read stay below Count·Stride.
/// </summary>
internal readonly record struct SlotFold(int Stride, int Count)
{
    /// <summary>No folding.</summary>
    public static SlotFold None => new(0, 1);

    /// <summary>The number of rotations.</summary>
    public int RotationCount => Count <= 1 ? 0 : (int)Math.Floor(Math.Log2(Count)) + System.Numerics.BitOperations.PopCount((uint)Count) - 1;

    /// <summary>The doubling steps <c>Stride·2^t</c>, t &lt; ⌊log2 Count⌋.</summary>
    public IEnumerable<int> DoublingSteps()
    {
        for (int t = 0; (2 << t) <= Count; t++)
        {
            yield return Stride << t;
        }
    }

    /// <summary>(bit t, offset in blocks) for each set bit of Count, lowest first.</summary>
    public IEnumerable<(int Bit, int Offset)> Pieces()
    {
        int offset = 0;
        for (int t = 0; (1 << t) <= Count; t++)
        {
            if ((Count & (1 << t)) != 0)
            {
                yield return (t, offset);
                offset += 1 << t;
            }
        }
    }

    /// <summary>Every rotation step the fold uses.</summary>
    public IEnumerable<int> Steps()
    {
        if (Count <= 1)
        {
            yield break;
        }

        foreach (int s in DoublingSteps())
        {
            yield return s;
        }

        foreach ((int _, int offset) in Pieces())
        {
            if (offset != 0)
            {
                yield return offset * Stride;
            }
        }
    }
}
