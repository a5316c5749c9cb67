using CkksRns.Rns.Bases;

namespace CkksRns.Ckks;

/// <summary>Runs a <see cref="LazyBaseConverter"/> over all coefficients, split over threads when allowed.</summary>
internal static class ConversionRunner
{
    /// <summary>
    /// Converts the <c>k</c> limbs at <c>input[inputOffset..]</c> (each <paramref name="n"/> words) and writes target
    /// limb <c>j</c> at <c>output[outputOffset + offsets[j]..]</c>; <paramref name="exact"/> selects the centred (exact) conversion.
    /// </summary>
    public static void Run(
        LazyBaseConverter converter, ulong[] input, int inputOffset, int n, ulong[] output, int outputOffset, int[] offsets, int maxDegreeOfParallelism, bool exact = false)
    {
        int inputLength = converter.SourceCount * n;
        int chunks = Math.Min(maxDegreeOfParallelism, n / 1024);
        if (chunks <= 1)
        {
            converter.Convert(input.AsSpan(inputOffset, inputLength), n, output.AsSpan(outputOffset), offsets, 0, n, exact);
            return;
        }

        int chunk = (n / chunks + 63) & ~63;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, c =>
        {
            int start = c * chunk, end = Math.Min(n, start + chunk);
            if (start < end)
            {
                converter.Convert(input.AsSpan(inputOffset, inputLength), n, output.AsSpan(outputOffset), offsets, start, end, exact);
            }
        });
    }
}
