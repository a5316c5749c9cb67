using CkksRns.Ckks;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// The model owner's side of encrypted inference: holds the plan (model weights) and the client's public evaluation
/// keys only, and evaluates requests. It has no secret key and no decryptor: it cannot read what it computes.
/// </summary>
/// <remarks>
/// Parallelism: in the throughput packing independent ciphertexts (pixels, neurons, limbs × coefficient blocks) are
/// spread over <see cref="DegreeOfParallelism"/> threads; in the latency packing the work of each operation is split
/// over RNS limbs and independent giant steps run in parallel. Results do not depend on the degree.
/// </remarks>
public sealed class InferenceServer
{
    private readonly Evaluator _evaluator;
    private readonly ThroughputEngine? _throughput;
    private readonly LatencyEngine? _latency;

    /// <summary>Creates a server for <paramref name="plan"/> with the client's evaluation keys.</summary>
    /// <param name="plan">The compiled plan (with the model's weights).</param>
    /// <param name="keys">The evaluation keys, in the server's context (see <see cref="EvaluationKeys.Load"/>).</param>
    /// <param name="degreeOfParallelism">Threads; all cores by default.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="degreeOfParallelism"/> is below 1.</exception>
    /// <exception cref="ArgumentException">
    /// The keys were made for other parameters than the plan's, or the relinearization key or a rotation step the plan
    /// needs is missing (the message lists them).
    /// </exception>
    public InferenceServer(InferencePlan plan, EvaluationKeys keys, int? degreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(keys);
        if (degreeOfParallelism is int d)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(d, 1, nameof(degreeOfParallelism));
        }

        if (!keys.Context.Parameters.Equals(plan.Parameters))
        {
            throw new ArgumentException(
                $"The evaluation keys were made for other CKKS parameters ({keys.Context.Parameters}) than the plan's ({plan.Parameters}).", nameof(keys));
        }

        if (plan.NeedsRelinearizationKey && keys.RelinearizationKey is null)
        {
            throw new ArgumentException("The evaluation keys have no relinearization key, which the plan's activations need.", nameof(keys));
        }

        if (keys.RelinearizationKey is { } relin && relin.MaxCiphertextSize < plan.RelinearizationKeySize)
        {
            throw new ArgumentException(
                $"The relinearization key covers ciphertexts of size {relin.MaxCiphertextSize}, but the plan relinearizes size {plan.RelinearizationKeySize} " +
                $"(it needs the key from s³ too). Create the keys with InferenceClient.CreateEvaluationKeys().", nameof(keys));
        }

        int[] missing = [.. plan.RotationSteps.Where(step => keys.GaloisKeys is null || !keys.GaloisKeys.ContainsRotation(step))];
        if (missing.Length > 0)
        {
            throw new ArgumentException(
                $"The evaluation keys lack Galois keys for {missing.Length} of the plan's {plan.RotationSteps.Count} rotation steps: " +
                $"[{string.Join(", ", missing.Take(16))}{(missing.Length > 16 ? ", ..." : "")}]. Create them with InferenceClient.CreateEvaluationKeys().",
                nameof(keys));
        }

        Plan = plan;
        Keys = keys;
        DegreeOfParallelism = degreeOfParallelism ?? Environment.ProcessorCount;
        _evaluator = new Evaluator(keys.Context, keys.RelinearizationKey, keys.GaloisKeys);
        if (plan.Packing == Packing.Throughput)
        {
            _throughput = new ThroughputEngine(plan, keys.Context, _evaluator, DegreeOfParallelism);
        }
        else
        {
            _latency = new LatencyEngine(plan, keys.Context, _evaluator);
        }
    }

    /// <summary>The plan.</summary>
    public InferencePlan Plan { get; }

    /// <summary>The evaluation keys (public).</summary>
    public EvaluationKeys Keys { get; }

    /// <summary>The server's context (load requests into it).</summary>
    public CkksContext Context => Keys.Context;

    /// <summary>The degree of parallelism.</summary>
    public int DegreeOfParallelism { get; }

    /// <summary>Seconds each step of <see cref="InferencePlan.Steps"/> took in the last <see cref="Evaluate"/> (diagnostics).</summary>
    public IReadOnlyList<double> LastStepSeconds => _throughput?.StageSeconds ?? _latency!.StageSeconds;

    /// <summary>Evaluates the plan on an encrypted request.</summary>
    /// <param name="request">Encrypted images from <see cref="InferenceClient.Encrypt"/>, in this server's context.</param>
    /// <returns>The encrypted outputs (logits, or features in transfer-learning mode).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="ArgumentException">The request does not match the plan (packing, counts, levels, scales) or belongs to another context.</exception>
    public EncryptedBatch Evaluate(EncryptedBatch request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        int stages = Plan.Stages.Count;
        int saved = Context.MaxDegreeOfParallelism;
        try
        {
            if (_throughput is not null)
            {
                Context.MaxDegreeOfParallelism = 1;
                Ciphertext[] outputs = _throughput.Evaluate([.. request.Ciphertexts], stages);
                return new EncryptedBatch(Packing.Throughput, isReply: true, request.Count, Plan.OutputLength, outputs);
            }

            Context.MaxDegreeOfParallelism = DegreeOfParallelism;
            Ciphertext output = _latency!.Evaluate(request.Ciphertexts, stages);
            return new EncryptedBatch(Packing.Latency, isReply: true, 1, Plan.OutputLength, [output]);
        }
        finally
        {
            Context.MaxDegreeOfParallelism = saved;
        }
    }

    /// <summary>
    /// Lets the garbage collector take back the working memory kept between requests. The throughput packing keeps the
    /// intermediate ciphertexts of one request for the next (for CNN1 at N = 2^14 about 2.8 GiB), because touching
    /// fresh memory costs about as much as the arithmetic done on it; call this when the server goes idle.
    /// </summary>
    public void ReleaseBuffers() => _throughput?.ReleaseBuffers();

    private void Validate(EncryptedBatch request)
    {
        const string Arg = "request";
        if (!ReferenceEquals(request.Context, Context))
        {
            throw new ArgumentException(
                request.Context.Parameters.Equals(Plan.Parameters)
                    ? "The request belongs to another CkksContext: load it with EncryptedBatch.Load(server.Context, stream)."
                    : "The request was encrypted under other CKKS parameters than the plan's.", Arg);
        }

        if (request.IsReply || request.Packing != Plan.Packing || request.ValuesPerImage != Plan.InputLength ||
            request.Ciphertexts.Count != Plan.InputCiphertextCount || request.Count > Plan.BatchCapacity)
        {
            throw new ArgumentException(
                $"The request does not match the plan: expected a {Plan.Packing} request of {Plan.InputCiphertextCount} ciphertext(s), " +
                $"{Plan.InputLength} values per image, at most {Plan.BatchCapacity} image(s); got a {(request.IsReply ? "reply" : "request")} ({request.Packing}) " +
                $"of {request.Ciphertexts.Count} ciphertext(s), {request.ValuesPerImage} values per image, {request.Count} image(s).", Arg);
        }

        int level = Plan.Parameters.MaxLevel;
        double scale = Plan.InputScale;
        for (int i = 0; i < request.Ciphertexts.Count; i++)
        {
            Ciphertext c = request.Ciphertexts[i];
            if (c.Size != 2 || c.Level != level || Math.Abs(c.Scale - scale) > scale * Evaluator.ScaleTolerance)
            {
                throw new ArgumentException(
                    $"Ciphertext {i} of the request has size {c.Size}, level {c.Level}, scale 2^{Math.Log2(c.Scale):0.##}; the plan expects fresh " +
                    $"encryptions (size 2) at level {level}, scale 2^{Math.Log2(scale):0.##}.", Arg);
            }
        }
    }
}
