namespace CkksRns.Nn.Kernels;

/// <summary>Reductions with a fixed summation order, so results never depend on vector width or threads.</summary>
internal static class Reduce
{
    /// <summary>The sum of <paramref name="values"/>, accumulated left to right in double precision.</summary>
    public static float Sum(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values)
        {
            sum += v;
        }

        return (float)sum;
    }
}
