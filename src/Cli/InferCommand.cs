using System.Diagnostics;
using System.Globalization;
using CkksRns.Ckks;
using CkksRns.Nn;
using CkksRns.Nn.Data;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Models;

namespace CkksRns.Cli;

/// <summary>
/// <c>ckksrns infer</c>: classifies MNIST test images that the server only ever sees encrypted, and compares with the
/// plaintext model: parameters, key and message sizes, latency split by role, accuracy, agreement, logit error, memory.
/// </summary>
internal sealed class InferCommand : ICommand
{
    public string Name => "infer";

    public string Summary =>
        "Encrypted inference on MNIST test images: --model FILE [--images N] [--mode latency|throughput] [--chain 40,26x11,40 | --primes K] [--input-scale B] [--threads T] [--data DIR] [--plan].";

    public int Run(CommandLine options, TextWriter output)
    {
        string path = options.GetRequiredString("model");
        string modeText = options.GetString("mode", "latency")!;
        Packing packing = modeText.ToLowerInvariant() switch
        {
            "latency" => Packing.Latency,
            "throughput" => Packing.Throughput,
            _ => throw new CommandLineException($"--mode must be latency or throughput; got '{modeText}'."),
        };
        int images = options.GetInt("images", packing == Packing.Latency ? 10 : 1000, 1, 10_000);
        int offset = options.GetInt("offset", 0, 0, 9_999);
        int threads = options.GetInt("threads", Environment.ProcessorCount, 1, 1024);
        string? chainText = options.GetString("chain");
        int? primes = options.Has("primes") ? options.GetInt("primes", 0, 1, InferenceOptions.MaxPrimes) : null;
        int? logN = options.Has("logn") ? options.GetInt("logn", 0, HomomorphicEncryptionStandard.MinLogN, HomomorphicEncryptionStandard.MaxLogN) : null;
        int? logScale = options.Has("scale") ? options.GetInt("scale", 0, 16, 60) : null;
        int? logInputScale = options.Has("input-scale") ? options.GetInt("input-scale", 0, InferenceOptions.MinLogInputScale, 60) : null;
        int? stopAfter = options.Has("stop-after") ? options.GetInt("stop-after", 0, 0, 1000) : null;
        string? dataOption = options.GetString("data");
        string securityText = options.GetString("security", "128")!;
        SecurityLevel security = securityText.ToLowerInvariant() switch
        {
            "128" => SecurityLevel.Bits128,
            "192" => SecurityLevel.Bits192,
            "256" => SecurityLevel.Bits256,
            "none" => SecurityLevel.None,
            _ => throw new CommandLineException($"--security must be 128, 192, 256 or none (tests only); got '{securityText}'."),
        };
        bool quiet = options.Has("quiet");
        bool planOnly = options.Has("plan");
        options.ThrowOnUnknown();
        if (chainText is not null && primes is not null)
        {
            throw new CommandLineException("give either --chain or --primes, not both.");
        }

        if (!File.Exists(path))
        {
            throw new CommandLineException($"--model '{path}' does not exist (train one with: ckksrns train --model cnn1 --out {path}).");
        }

        Sequential model = Sequential.Load(path);
        model.DegreeOfParallelism = threads;
        if (model.InputShape != Mnist.SampleShape)
        {
            throw new InvalidDataException($"'{path}' takes inputs {model.InputShape}; an MNIST model takes (1, 28, 28).");
        }

        if (planOnly)
        {
            // Only compile and print the plan (no data, no keys).
            (int[] Data, int[] Special)? c = chainText is null ? null : ChainSpecification.Parse(chainText);
            InferencePlan p = InferencePlan.Compile(model, new InferenceOptions
            {
                Packing = packing, ChainBitSizes = c?.Data, SpecialBitSizes = c?.Special, PrimeCount = primes, LogN = logN, LogScale = logScale,
                LogInputScale = logInputScale, StopAfterLayer = stopAfter, SecurityLevel = security,
            });
            output.WriteLine($"{path}: {EvaluateCommand.Describe(model)}");
            output.Write(p.Describe());
            return 0;
        }

        Dataset test = Mnist.LoadTest(MnistData.Resolve(dataOption, output));
        if (offset + images > test.Count)
        {
            throw new CommandLineException($"--offset {offset} + --images {images} exceeds the {test.Count} test images.");
        }

        int length = test.SampleShape.Length;
        float[] pixels = test.Samples.AsSpan(offset * length, images * length).ToArray();
        byte[] labels = test.Labels.AsSpan(offset, images).ToArray();

        // Plaintext reference (the model as trained, float), and the bound its outputs need.
        Sequential reference = stopAfter is int k ? Truncate(model, k) : model;
        double[] plain = PlainOutputs(reference, pixels, images);
        int outputs = plain.Length / images;
        double bound = Math.Max(8, plain.Max(Math.Abs) * 2);

        (int[] Data, int[] Special)? chain = chainText is null ? null : ChainSpecification.Parse(chainText);
        var planOptions = new InferenceOptions
        {
            Packing = packing,
            ChainBitSizes = chain?.Data,
            SpecialBitSizes = chain?.Special,
            PrimeCount = primes,
            LogN = logN,
            LogScale = logScale,
            LogInputScale = logInputScale,
            StopAfterLayer = stopAfter,
            OutputBound = bound,
            SecurityLevel = security,
        };

        var clock = Stopwatch.StartNew();
        InferencePlan plan = InferencePlan.Compile(model, planOptions);
        double compileSeconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"{path}: {EvaluateCommand.Describe(model)}");
        output.Write(plan.Describe());
        output.WriteLine(F($"machine: {Environment.ProcessorCount} cores ({threads} used); other processes may share them"));

        // Client: keys. The server gets them through the wire format, into its own context.
        clock.Restart();
        using var client = new InferenceClient(plan, threads);
        EvaluationKeys keys = client.CreateEvaluationKeys();
        double keySeconds = clock.Elapsed.TotalSeconds;
        var keyStream = new MemoryStream();
        keys.Save(keyStream);
        long keyBytes = keyStream.Length;
        keys = null!;
        keyStream.Position = 0;
        clock.Restart();
        var serverContext = new CkksContext(plan.Parameters);
        var server = new InferenceServer(plan, EvaluationKeys.Load(serverContext, keyStream), threads);
        keyStream = null!;
        double serverSetup = clock.Elapsed.TotalSeconds;
        output.WriteLine(F($"compile {compileSeconds:0.00} s; client key generation {keySeconds:0.00} s; server setup (load keys, encode weights) {serverSetup:0.00} s"));
        output.WriteLine(F($"evaluation keys: {Bytes(keyBytes)} (relinearization {(plan.RelinearizationKeySize switch { 0 => "no", 4 => "s² and s³", _ => "s²" })}, {plan.RotationSteps.Count} rotation keys, seeded form)"));

        // Requests.
        int perRequest = plan.BatchCapacity;
        int requests = (images + perRequest - 1) / perRequest;
        var encrypt = new List<double>();
        var evaluate = new List<double>();
        var decrypt = new List<double>();
        var stepSeconds = new double[plan.Steps.Count];
        long requestBytes = 0, replyBytes = 0;
        double serverCpu = 0;
        double[] encrypted = new double[images * outputs];
        var progress = new Progress(output, images, quiet);
        for (int r = 0; r < requests; r++)
        {
            int first = r * perRequest, count = Math.Min(perRequest, images - first);
            clock.Restart();
            EncryptedBatch request = client.Encrypt(pixels.AsSpan(first * length, count * length));
            // Sized from the previous request: growing a stream by doubling copies megabytes and touches fresh pages.
            var wire = new MemoryStream((int)Math.Min(requestBytes, Array.MaxLength));
            request.Save(wire);
            encrypt.Add(clock.Elapsed.TotalSeconds);
            requestBytes = wire.Length;
            request = null!;

            clock.Restart();
            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            wire.Position = 0;
            EncryptedBatch received = EncryptedBatch.Load(server.Context, wire);
            EncryptedBatch reply = server.Evaluate(received);
            var back = new MemoryStream();
            reply.Save(back);
            evaluate.Add(clock.Elapsed.TotalSeconds);
            serverCpu += (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            replyBytes = back.Length;
            for (int s = 0; s < stepSeconds.Length; s++)
            {
                stepSeconds[s] += server.LastStepSeconds[s];
            }

            received = null!;
            reply = null!;
            wire = null!;

            clock.Restart();
            back.Position = 0;
            double[] values = client.Decrypt(EncryptedBatch.Load(client.Context, back));
            decrypt.Add(clock.Elapsed.TotalSeconds);
            values.CopyTo(encrypted, first * outputs);
            progress.Report(first + count);

            // Ciphertexts are large (megabytes each); collect between requests, outside the timed parts, so that the
            // heap does not grow to several times the working set before the collector gets to them.
            if (GC.GetTotalMemory(forceFullCollection: false) > 1L << 30)
            {
                GC.Collect();
            }
        }

        progress.Done();
        Report(output, plan, labels, plain, encrypted, outputs, images, encrypt, evaluate, decrypt, stepSeconds, requestBytes, replyBytes, stopAfter is not null);
        output.WriteLine(F($"server CPU time {serverCpu:0.00} s over {evaluate.Sum():0.00} s of wall time ({serverCpu / Math.Max(1e-9, evaluate.Sum()):0.00} cores busy on average)"));
        return 0;
    }

    private static void Report(
        TextWriter output, InferencePlan plan, byte[] labels, double[] plain, double[] encrypted, int outputs, int images,
        List<double> encrypt, List<double> evaluate, List<double> decrypt, double[] stepSeconds, long requestBytes, long replyBytes, bool features)
    {
        int perRequest = plan.BatchCapacity;
        output.WriteLine(F($"messages: request {Bytes(requestBytes)} ({plan.InputCiphertextCount} ciphertexts, seeded), reply {Bytes(replyBytes)} ({plan.OutputCiphertextCount} ciphertexts)"));
        string unit = plan.Packing == Packing.Latency ? "per image" : $"per request (up to {perRequest} images)";
        output.WriteLine($"latency {unit}, min / median / max:");
        output.WriteLine(F($"  client encode+encrypt  {Stats(encrypt)}"));
        output.WriteLine(F($"  server evaluation      {Stats(evaluate)}"));
        output.WriteLine(F($"  client decrypt+decode  {Stats(decrypt)}"));
        double total = encrypt.Sum() + evaluate.Sum() + decrypt.Sum();
        output.WriteLine(F($"  total {total:0.000} s for {images} images: {total / images * 1000:0.000} ms/image amortized, {images / total:0.0} images/s (server only: {images / evaluate.Sum():0.0} images/s)"));
        output.Write("  server time by step:");
        for (int s = 0; s < stepSeconds.Length; s++)
        {
            output.Write(F($" {plan.Steps[s].Name} {stepSeconds[s] / evaluate.Count:0.000} s;"));
        }

        output.WriteLine();
        double maxError = 0, sumError = 0;
        int agree = 0, correctEncrypted = 0, correctPlain = 0;
        for (int j = 0; j < images; j++)
        {
            int pe = ArgMax(encrypted.AsSpan(j * outputs, outputs)), pp = ArgMax(plain.AsSpan(j * outputs, outputs));
            agree += pe == pp ? 1 : 0;
            correctEncrypted += pe == labels[j] ? 1 : 0;
            correctPlain += pp == labels[j] ? 1 : 0;
            for (int o = 0; o < outputs; o++)
            {
                double error = Math.Abs(encrypted[(j * outputs) + o] - plain[(j * outputs) + o]);
                maxError = Math.Max(maxError, error);
                sumError += error;
            }
        }

        if (features)
        {
            output.WriteLine(F($"transfer-learning features ({outputs} per image): largest error vs plaintext {maxError:E2}"));
        }
        else
        {
            output.WriteLine(F($"accuracy: encrypted {Percent(correctEncrypted, images)}, plaintext {Percent(correctPlain, images)} on {images} MNIST test images"));
            output.WriteLine(F($"argmax agreement encrypted vs plaintext: {Percent(agree, images)} ({agree}/{images}); logit error: largest {maxError:E2}, mean {sumError / (images * outputs):E2} (largest plaintext |logit| {plain.Max(Math.Abs):0.0})"));
        }

        output.WriteLine(F($"peak memory (working set): {Bytes(Process.GetCurrentProcess().PeakWorkingSet64)}"));
    }

    private static Sequential Truncate(Sequential model, int last)
    {
        if (last >= model.Layers.Count)
        {
            throw new CommandLineException($"--stop-after {last}: the model has layers 0 to {model.Layers.Count - 1}.");
        }

        string file = Path.GetTempFileName();
        try
        {
            model.Save(file);
            Sequential copy = Sequential.Load(file);
            return new Sequential(copy.InputShape, copy.Layers.Take(last + 1)) { DegreeOfParallelism = model.DegreeOfParallelism };
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static double[] PlainOutputs(Sequential model, float[] pixels, int images)
    {
        int length = model.InputShape.Length, outputs = model.OutputShape.Length, batch = 256;
        double[] result = new double[images * outputs];
        for (int first = 0; first < images; first += batch)
        {
            int count = Math.Min(batch, images - first);
            var input = new Tensor(model.InputShape.WithBatch(count), pixels.AsSpan(first * length, count * length).ToArray());
            Tensor y = model.Predict(input);
            for (int i = 0; i < count * outputs; i++)
            {
                result[(first * outputs) + i] = y.Data[i];
            }
        }

        return result;
    }

    private static int ArgMax(ReadOnlySpan<double> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static string Stats(List<double> seconds)
    {
        double[] sorted = [.. seconds.Order()];
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        return F($"{sorted[0]:0.000} / {median:0.000} / {sorted[^1]:0.000} s");
    }

    private static string Percent(int part, int whole) => F($"{100.0 * part / whole:0.00}%");

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => F($"{bytes / (double)(1L << 30):0.00} GiB"),
        >= 1L << 20 => F($"{bytes / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 => F($"{bytes / 1024.0:0.0} KiB"),
        _ => F($"{bytes} B"),
    };

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A one-line progress bar (redrawn in place on a terminal, every 10 % otherwise).</summary>
    private sealed class Progress(TextWriter output, int total, bool quiet)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly bool _terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        private int _lastDecile = -1;

        public void Report(int done)
        {
            if (quiet || total <= 1)
            {
                return;
            }

            double elapsed = _clock.Elapsed.TotalSeconds, eta = done == 0 ? 0 : elapsed / done * (total - done);
            int width = 30, filled = (int)((long)width * done / total);
            string line = F($"[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} images, {elapsed:0.0} s, ETA {eta:0.0} s");
            if (_terminal)
            {
                output.Write("\r" + line);
            }
            else if (done * 10 / total > _lastDecile)
            {
                _lastDecile = done * 10 / total;
                output.WriteLine(line);
            }
        }

        public void Done()
        {
            if (_terminal && !quiet && total > 1)
            {
                output.WriteLine();
            }
        }
    }
}
