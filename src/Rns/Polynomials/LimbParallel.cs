namespace CkksRns.Rns.Polynomials;

/// <summary>An operation on one limb of one or more polynomials (a value type, so the sequential path does not allocate).</summary>
internal interface ILimbAction
{
    /// <summary>Runs the operation on limb <paramref name="limb"/>.</summary>
    void Invoke(int limb);
}

/// <summary>Runs an <see cref="ILimbAction"/> over limbs, in parallel when the context allows it and the work is large.</summary>
internal static class LimbParallel
{
    /// <summary>
    /// Below this many word operations in total, an operation runs on the calling thread: starting a parallel loop costs
    /// a few microseconds, about as much as an element-wise kernel over 2^14 words.
    /// </summary>
    internal const long MinParallelWork = 1L << 16;

    /// <summary>Runs <paramref name="action"/> for limbs <c>0 .. count-1</c>.</summary>
    /// <param name="context">The context whose degree of parallelism applies.</param>
    /// <param name="count">The number of limbs.</param>
    /// <param name="workPerLimb">The approximate cost of one limb, in word operations.</param>
    /// <param name="action">The operation.</param>
    public static void For<TAction>(RnsContext context, int count, long workPerLimb, TAction action)
        where TAction : struct, ILimbAction
    {
        if (count > 1 && context.MaxDegreeOfParallelism > 1 && count * workPerLimb >= MinParallelWork)
        {
            Parallel.For(0, count, context.ParallelOptions, action.Invoke);
            return;
        }

        for (int i = 0; i < count; i++)
        {
            action.Invoke(i);
        }
    }
}
