using CkksRns.Ckks;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Nn.Encrypted;

/// <summary>
/// The data owner's side of encrypted inference: owns the secret key, creates exactly the evaluation keys the plan needs,
/// encodes and encrypts images, and decrypts the server's reply.
/// </summary>
/// <remarks>
/// Images are encrypted with the secret key (symmetric encryption), so each ciphertext is sent in its compressed seeded
/// form, half the size of a public-key encryption. Dispose the client to erase the secret key.
/// </remarks>
public sealed class InferenceClient : IDisposable
{
    private readonly KeyGenerator _keyGenerator;
    private readonly Encryptor _encryptor;
    private readonly Decryptor _decryptor;
    private readonly CkksEncoder _encoder;
    private readonly int _parallelism;

    /// <summary>Creates a client with a fresh secret key for <paramref name="plan"/>'s parameters.</summary>
    /// <param name="plan">The plan (the client uses its parameters, layout and rotation steps).</param>
    /// <param name="degreeOfParallelism">Threads for encryption and decryption; all cores by default.</param>
    /// <exception cref="ArgumentNullException"><paramref name="plan"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="degreeOfParallelism"/> is below 1.</exception>
    public InferenceClient(InferencePlan plan, int? degreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (degreeOfParallelism is int d)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(d, 1, nameof(degreeOfParallelism));
        }

        Plan = plan;
        _parallelism = degreeOfParallelism ?? Environment.ProcessorCount;
        Context = new CkksContext(plan.Parameters, plan.Packing == Packing.Throughput ? 1 : _parallelism);
        _keyGenerator = new KeyGenerator(Context);
        _encryptor = new Encryptor(Context, _keyGenerator.SecretKey);
        _decryptor = new Decryptor(Context, _keyGenerator.SecretKey);
        _encoder = new CkksEncoder(Context);
    }

    /// <summary>The plan.</summary>
    public InferencePlan Plan { get; }

    /// <summary>The client's context (load replies into it).</summary>
    public CkksContext Context { get; }

    /// <summary>Creates the public evaluation keys the server needs: a relinearization key if the plan squares, and Galois keys for exactly <see cref="InferencePlan.RotationSteps"/>.</summary>
    /// <returns>The keys.</returns>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    public EvaluationKeys CreateEvaluationKeys()
    {
        ThrowIfDisposed();
        RelinearizationKey? relin = Plan.NeedsRelinearizationKey ? _keyGenerator.CreateRelinearizationKey(Plan.RelinearizationKeySize) : null;
        GaloisKeys? galois = Plan.RotationSteps.Count > 0 ? _keyGenerator.CreateGaloisKeys(Plan.RotationSteps) : null;
        return new EvaluationKeys(Context, relin, galois);
    }

    /// <summary>Encodes and encrypts <paramref name="images"/>: consecutive samples of <see cref="InferencePlan.InputLength"/> values (normalised pixels).</summary>
    /// <param name="images">One image (latency packing) or up to N/2 images (throughput packing), back to back.</param>
    /// <returns>The request.</returns>
    /// <exception cref="ArgumentException">The length is not a positive multiple of the image size, or there are more images than the packing carries.</exception>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    public EncryptedBatch Encrypt(ReadOnlySpan<float> images)
    {
        ThrowIfDisposed();
        int length = Plan.InputLength;
        if (images.Length == 0 || images.Length % length != 0)
        {
            throw new ArgumentException(
                $"The images have {images.Length} values, not a positive multiple of the model's input size {length} ({Plan.InputShape}).", nameof(images));
        }

        int count = images.Length / length;
        if (count > Plan.BatchCapacity)
        {
            throw new ArgumentException(
                $"{count} images do not fit one {Plan.Packing.ToString().ToLowerInvariant()} request, which carries at most {Plan.BatchCapacity}.", nameof(images));
        }

        float[] data = images.ToArray();
        int level = Context.Parameters.MaxLevel, slots = Context.Parameters.Slots;
        double scale = Plan.InputScale;
        var ciphertexts = new Ciphertext[Plan.InputCiphertextCount];
        if (Plan.Packing == Packing.Throughput)
        {
            Parallel.For(0, length, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, () => new double[slots], (pixel, _, v) =>
            {
                for (int j = 0; j < count; j++)
                {
                    v[j] = data[(j * length) + pixel];
                }

                ciphertexts[pixel] = _encryptor.Encrypt(_encoder.Encode(v.AsSpan(0, count), level, scale));
                return v;
            }, _ => { });
        }
        else
        {
            // One ciphertext per thread, each encoded and encrypted on its thread: a few ciphertexts of one image are too
            // little work to split their limbs over the threads as well (the hand-offs cost more than they save).
            LatencyLayout layout = Plan.Layout!;
            int b = layout.BlockStride, per = layout.BlocksPerCiphertext;
            Parallel.For(0, ciphertexts.Length, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, g =>
            {
                using LimbParallel.SequentialScope sequential = LimbParallel.Sequential();
                double[] v = new double[slots];
                for (int j = 0; j < per; j++)
                {
                    int k = (g * per) + j;
                    if (k >= layout.TermCount)
                    {
                        break;
                    }

                    for (int s = 0; s < b; s++)
                    {
                        int pixel = layout.InputPixels[(k * b) + s];
                        if (pixel >= 0)
                        {
                            v[(j * b) + s] = data[pixel];
                        }
                    }
                }

                ciphertexts[g] = _encryptor.Encrypt(_encoder.Encode(v, level, scale));
            });
        }

        return new EncryptedBatch(Plan.Packing, isReply: false, count, length, ciphertexts);
    }

    /// <summary>Decrypts and decodes a reply: <see cref="EncryptedBatch.Count"/> rows of <see cref="InferencePlan.OutputLength"/> values.</summary>
    /// <param name="reply">The server's reply, in this client's context.</param>
    /// <returns>The outputs, row-major (image j's output o at <c>j·OutputLength + o</c>).</returns>
    /// <exception cref="ArgumentException">The batch is not a reply to this plan, or belongs to another context.</exception>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    public double[] Decrypt(EncryptedBatch reply)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(reply);
        if (!ReferenceEquals(reply.Context, Context))
        {
            throw new ArgumentException(
                "The reply belongs to another CkksContext: load it with EncryptedBatch.Load(client.Context, stream).", nameof(reply));
        }

        int m = Plan.OutputLength;
        if (!reply.IsReply || reply.Packing != Plan.Packing || reply.ValuesPerImage != m || reply.Ciphertexts.Count != Plan.OutputCiphertextCount)
        {
            throw new ArgumentException(
                $"Not a reply to this plan: expected a {Plan.Packing} reply of {Plan.OutputCiphertextCount} ciphertext(s) with {m} values per image; " +
                $"got a {(reply.IsReply ? "reply" : "request")} ({reply.Packing}) of {reply.Ciphertexts.Count} with {reply.ValuesPerImage}.", nameof(reply));
        }

        int count = reply.Count;
        double[] result = new double[count * m];
        if (Plan.Packing == Packing.Throughput)
        {
            Parallel.For(0, m, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, o =>
            {
                double[] values = _encoder.DecodeReal(_decryptor.Decrypt(reply.Ciphertexts[o]));
                for (int j = 0; j < count; j++)
                {
                    result[(j * m) + o] = values[j];
                }
            });
        }
        else
        {
            double[] values = _encoder.DecodeReal(_decryptor.Decrypt(reply.Ciphertexts[0]));
            int[] arrangement = Plan.Layout!.Arrangements[Plan.Stages.Count - 1];
            var seen = new bool[m];
            for (int s = 0; s < arrangement.Length; s++)
            {
                int e = arrangement[s];
                if (e >= 0 && !seen[e])
                {
                    seen[e] = true;
                    result[e] = values[s];
                }
            }
        }

        return result;
    }

    /// <summary>Erases the secret key.</summary>
    public void Dispose() => _keyGenerator.SecretKey.Dispose();

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_keyGenerator.SecretKey.IsDisposed, this);
}
