using Xunit;

namespace CkksRns.Ckks.Tests;

/// <summary>
/// The destination forms of the evaluator's hot operations allocate nothing on one thread once warm (scratch buffers are
/// pooled, caches are looked up without creating delegates, parallel branches keep their closures to themselves).
/// </summary>
public sealed class AllocationTests
{
    private static readonly CkksContext Context = new(CkksParameters.Create(new CkksParametersLiteral
    {
        LogN = 11, LogQ = [50, 40, 40, 40], Dnum = 2, LogDefaultScale = 40, SecurityLevel = SecurityLevel.None,
    }), maxDegreeOfParallelism: 1);

    /// <summary>
    /// The fewest bytes <paramref name="operation"/> allocated on this thread over five calls after three warm-up calls. The
    /// minimum, because a pool trimmed by a garbage collection that another test caused may refill once; an allocation the
    /// operation itself makes shows in every call.
    /// </summary>
    private static long AllocatedBytes(Action operation)
    {
        for (int i = 0; i < 3; i++)
        {
            operation();
        }

        long fewest = long.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            operation();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }

    [Fact]
    public void HotOperations_IntoDestinations_AllocateNothingOnOneThread()
    {
        var encoder = new CkksEncoder(Context);
        var generator = new KeyGenerator(Context);
        var random = new Random(5);
        int slots = Context.Parameters.Slots;
        var matrix = new double[slots, slots];
        for (int r = 0; r < slots; r++)
        {
            for (int c = 0; c < slots; c++)
            {
                matrix[r, c] = (r * 7 + c * 3) % 11 == 0 ? random.NextDouble() - 0.5 : 0;
            }
        }

        var transform = new LinearTransform(Context, matrix, level: Context.MaxLevel);
        int[] steps = [1, 2, 3, 5];
        var evaluator = new Evaluator(
            Context, generator.CreateRelinearizationKey(), generator.CreateGaloisKeys([.. steps, .. transform.RequiredRotations], includeConjugation: true));
        var encryptor = new Encryptor(Context, generator.SecretKey);
        double[] values = Enumerable.Range(0, slots).Select(_ => random.NextDouble() - 0.5).ToArray();
        Ciphertext a = encryptor.Encrypt(encoder.Encode(values));
        Ciphertext b = encryptor.Encrypt(encoder.Encode(values));
        var destination = new Ciphertext(Context);
        Ciphertext[] hoisted = [.. steps.Select(_ => new Ciphertext(Context))];
        Ciphertext product = evaluator.MultiplyRelinearize(a, b);

        Assert.Equal(0, AllocatedBytes(() => evaluator.Add(a, b, destination)));
        Assert.Equal(0, AllocatedBytes(() => evaluator.Add(destination, b, destination)));
        Assert.Equal(0, AllocatedBytes(() => evaluator.MultiplyRelinearize(a, b, destination)));
        Assert.Equal(0, AllocatedBytes(() => evaluator.Rotate(a, 3, destination)));
        Assert.Equal(0, AllocatedBytes(() => evaluator.Conjugate(a, destination)));
        Assert.Equal(0, AllocatedBytes(() => evaluator.RotateHoisted(a, steps, hoisted)));
        Assert.Equal(0, AllocatedBytes(() => evaluator.Rescale(product, destination)));
        Assert.Equal(0, AllocatedBytes(() => transform.Evaluate(evaluator, a, destination)));
    }
}

