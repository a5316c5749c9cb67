namespace CkksRns.Nn.Kernels;

/// <summary>
/// How many threads a model's kernels may use. Every kernel splits its work so that each output element is computed
/// by exactly one thread in a fixed order, so results are bit-identical for every degree of parallelism.
/// </summary>
internal sealed class ComputeContext
{
    /// <summary>A context using every processor of the machine.</summary>
    public static ComputeContext Default { get; } = new(Environment.ProcessorCount);

    /// <summary>Creates a context limited to <paramref name="degreeOfParallelism"/> threads.</summary>
    public ComputeContext(int degreeOfParallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(degreeOfParallelism, 1024);
        DegreeOfParallelism = degreeOfParallelism;
        Options = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism };
    }

    /// <summary>The largest number of threads used at once.</summary>
    public int DegreeOfParallelism { get; }

    /// <summary>Options handed to <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>.</summary>
    public ParallelOptions Options { get; }

    /// <summary>
    /// The number of parts to split <paramref name="units"/> independent units of work into, given the total work
    /// (multiply-adds or element operations); small jobs stay on one thread.
    /// </summary>
    public int Parts(int units, long work)
    {
        const long MinimumWorkPerPart = 131_072;
        long byWork = Math.Max(1, work / MinimumWorkPerPart);
        return (int)Math.Max(1, Math.Min(Math.Min(units, DegreeOfParallelism), byWork));
    }

    /// <summary>Runs <paramref name="body"/> for <c>0 .. parts-1</c>, in parallel when <paramref name="parts"/> &gt; 1.</summary>
    public void For(int parts, Action<int> body)
    {
        if (parts <= 1)
        {
            for (int i = 0; i < parts; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, parts, Options, body);
    }

    /// <summary>The half-open range <c>[start, end)</c> of part <paramref name="part"/> when <paramref name="count"/>
    /// items are split into <paramref name="parts"/> parts whose boundaries are multiples of <paramref name="align"/>.</summary>
    public static (int Start, int End) Range(int count, int parts, int part, int align = 1)
    {
        int blocks = (count + align - 1) / align;
        int start = (int)((long)blocks * part / parts) * align;
        int end = (int)((long)blocks * (part + 1) / parts) * align;
        return (Math.Min(start, count), Math.Min(end, count));
    }
}
