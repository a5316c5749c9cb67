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

    [ThreadStatic]
    private static int t_sequentialDepth;

    /// <summary>
    /// Whether the calling thread is inside a <see cref="Sequential"/> scope: its operations then run on the thread
    /// itself, because the caller already runs independent operations side by side.
    /// </summary>
    internal static bool IsSequential => t_sequentialDepth > 0;

    /// <summary>Runs the calling thread's limb loops (and base conversions) sequentially until the scope is disposed.</summary>
    internal static SequentialScope Sequential()
    {
        t_sequentialDepth++;
        return default;
    }

    /// <summary>Ends a <see cref="Sequential"/> scope.</summary>
    internal readonly struct SequentialScope : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => t_sequentialDepth--;
    }

    /// <summary>Runs <paramref name="action"/> for limbs <c>0 .. count-1</c>.</summary>
    /// <param name="context">The context whose degree of parallelism applies.</param>
    /// <param name="count">The number of limbs.</param>
    /// <param name="workPerLimb">The approximate cost of one limb, in word operations.</param>
    /// <param name="action">The operation.</param>
    public static void For<TAction>(RnsContext context, int count, long workPerLimb, TAction action)
        where TAction : struct, ILimbAction
    {
        if (count > 1 && context.MaxDegreeOfParallelism > 1 && count * workPerLimb >= MinParallelWork && t_sequentialDepth == 0)
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
