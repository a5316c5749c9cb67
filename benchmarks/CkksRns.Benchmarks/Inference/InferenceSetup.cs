using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Models;

namespace CkksRns.Benchmarks.Inference;

/// <summary>A compiled plan with its client, server (through the wire format) and one encrypted request.</summary>
internal sealed class InferenceSetup
{
    public InferenceSetup(Architecture architecture, InferenceOptions options, int threads, int images)
    {
        // Timing does not depend on the weights: a seeded untrained network has the trained one's shape and plan.
        // The shipped models/ files are used when found (same cost, meaningful outputs).
        Sequential model = FindModel(architecture) ?? Networks.Create(architecture, ActivationKind.Slaf, 1);
        Plan = InferencePlan.Compile(model, options);
        Client = new InferenceClient(Plan, threads);
        var keys = new MemoryStream();
        Client.CreateEvaluationKeys().Save(keys);
        keys.Position = 0;
        var serverContext = new CkksRns.Ckks.CkksContext(Plan.Parameters);
        Server = new InferenceServer(Plan, EvaluationKeys.Load(serverContext, keys), threads);
        Images = new float[images * Plan.InputLength];
        var random = new Random(7);
        for (int i = 0; i < Images.Length; i++)
        {
            Images[i] = (float)((random.NextDouble() * 2.8) - 0.42);
        }

        var wire = new MemoryStream();
        Client.Encrypt(Images).Save(wire);
        wire.Position = 0;
        Request = EncryptedBatch.Load(Server.Context, wire);
        Reply = Server.Evaluate(Request);
        var back = new MemoryStream();
        Reply.Save(back);
        back.Position = 0;
        ClientReply = EncryptedBatch.Load(Client.Context, back);
    }

    public InferencePlan Plan { get; }

    public InferenceClient Client { get; }

    public InferenceServer Server { get; }

    public float[] Images { get; }

    public EncryptedBatch Request { get; }

    public EncryptedBatch Reply { get; }

    public EncryptedBatch ClientReply { get; }

    private static Sequential? FindModel(Architecture architecture)
    {
        string name = architecture == Architecture.Cnn1 ? "cnn1.model" : "cnn2.model";
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "models", name);
            if (File.Exists(path) && File.Exists(Path.Combine(dir.FullName, "CkksRns.sln")))
            {
                return Sequential.Load(path);
            }
        }

        return null;
    }
}
