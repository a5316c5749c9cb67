using System.Collections;
using System.Reflection;
using CkksRns.Ckks;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Layers;
using CkksRns.Nn.Models;
using Xunit;
using static CkksRns.Nn.Tests.Encrypted.EncryptedTestKit;

namespace CkksRns.Nn.Tests.Encrypted;

/// <summary>Client and server roles, the messages between them, and the errors a misuse gets.</summary>
public sealed class RoleTests
{
    private static readonly TensorShape Input = new(1, 6, 6);

    private static InferencePlan Plan(Packing packing = Packing.Latency, int logN = 10, int[]? chain = null)
    {
        var model = new Sequential(
            Input, new Conv2d(1, 2, 3, stride: 2, padding: 1, seed: 1), new Slaf(new TensorShape(2, 3, 3)), new Flatten(), new Dense(18, 4, seed: 2));
        Randomize(model, 3);
        return InferencePlan.Compile(model, Small(packing, logN) with { ChainBitSizes = chain });
    }

    [Fact]
    public void Server_NoSecretKeyOrDecryptorReachable()
    {
        InferencePlan plan = Plan();
        using var client = new InferenceClient(plan);
        // Even sharing the client's context (no serialization), nothing secret is reachable from the server.
        var server = new InferenceServer(plan, client.CreateEvaluationKeys());
        server.Evaluate(client.Encrypt(TestData.RandomArray(Input.Length, 1)));
        var forbidden = new[] { typeof(SecretKey), typeof(Decryptor), typeof(KeyGenerator), typeof(Encryptor), typeof(InferenceClient) };
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<object>();
        stack.Push(server);
        while (stack.Count > 0)
        {
            object o = stack.Pop();
            Type t = o.GetType();
            if (t.IsPrimitive || o is string || t.IsPointer || !seen.Add(o))
            {
                continue;
            }

            Assert.DoesNotContain(t, forbidden);
            if (o is Array array)
            {
                if (!t.GetElementType()!.IsPrimitive)
                {
                    foreach (object? item in array)
                    {
                        if (item is not null)
                        {
                            stack.Push(item);
                        }
                    }
                }

                continue;
            }

            for (Type? type = t; type is not null; type = type.BaseType)
            {
                foreach (FieldInfo f in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!f.FieldType.IsPointer && f.GetValue(o) is { } value && value is not Delegate)
                    {
                        stack.Push(value);
                    }
                }
            }
        }

        Assert.True(seen.Count > 20, $"the walk visited only {seen.Count} objects");
    }

    [Fact]
    public void Server_KeysFromOtherParameters_Refused()
    {
        InferencePlan plan = Plan();
        InferencePlan other = Plan(logN: 11);
        using var client = new InferenceClient(other);
        var ex = Assert.Throws<ArgumentException>(() => new InferenceServer(plan, client.CreateEvaluationKeys()));
        Assert.Contains("other CKKS parameters", ex.Message);

        // Through the wire format the fingerprint check catches it.
        var stream = new MemoryStream();
        client.CreateEvaluationKeys().Save(stream);
        stream.Position = 0;
        Assert.Throws<InvalidDataException>(() => EvaluationKeys.Load(new CkksContext(plan.Parameters), stream));
    }

    [Fact]
    public void Server_MissingRotationOrRelinearizationKeys_RefusedListingThem()
    {
        InferencePlan plan = Plan();
        using var client = new InferenceClient(plan);
        EvaluationKeys keys = client.CreateEvaluationKeys();
        Assert.NotEmpty(plan.RotationSteps);
        var ex = Assert.Throws<ArgumentException>(() => new InferenceServer(plan, new EvaluationKeys(keys.Context, keys.RelinearizationKey, null)));
        Assert.Contains($"lack Galois keys for {plan.RotationSteps.Count} of the plan's {plan.RotationSteps.Count} rotation steps", ex.Message);
        Assert.Contains(plan.RotationSteps[0].ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new InferenceServer(plan, new EvaluationKeys(keys.Context, null, keys.GaloisKeys)));
        Assert.Contains("relinearization key", ex.Message);
    }

    [Fact]
    public void Server_RelinearizationKeyWithoutTheCube_RefusedWhenThePlanHandsOverSize4()
    {
        // A wider base prime: room for the SLAF's unrescaled result times the dense stage's weights (and the output bound).
        InferencePlan plan = Plan(Packing.Throughput, chain: [48, 28, 28, 28, 28]);
        Assert.Equal(4, plan.RelinearizationKeySize);
        using var client = new InferenceClient(plan);
        EvaluationKeys keys = client.CreateEvaluationKeys();
        Assert.Equal(4, keys.RelinearizationKey!.MaxCiphertextSize);
        RelinearizationKey squareOnly = new KeyGenerator(client.Context).CreateRelinearizationKey();
        var ex = Assert.Throws<ArgumentException>(() => new InferenceServer(plan, new EvaluationKeys(keys.Context, squareOnly, null)));
        Assert.Contains("size 3", ex.Message);
        Assert.Contains("CreateEvaluationKeys", ex.Message);
    }

    [Fact]
    public void Client_CreatesExactlyThePlansRotationKeys()
    {
        InferencePlan plan = Plan();
        using var client = new InferenceClient(plan);
        EvaluationKeys keys = client.CreateEvaluationKeys();
        Assert.Equal(plan.RotationSteps.Count, keys.GaloisKeys!.GaloisElements.Count);
        Assert.All(plan.RotationSteps, s => Assert.True(keys.GaloisKeys.ContainsRotation(s)));
        using var throughput = new InferenceClient(Plan(Packing.Throughput));
        Assert.Null(throughput.CreateEvaluationKeys().GaloisKeys);
    }

    [Fact]
    public void Client_WrongSizeImages_ClearError()
    {
        using var client = new InferenceClient(Plan());
        var ex = Assert.Throws<ArgumentException>(() => client.Encrypt(new float[35]));
        Assert.Contains("35 values", ex.Message);
        Assert.Contains("36", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => client.Encrypt(new float[72]));
        Assert.Contains("2 images", ex.Message);
        Assert.Contains("at most 1", ex.Message);
        Assert.Throws<ArgumentException>(() => client.Encrypt([]));
    }

    [Fact]
    public void Server_RequestFromAnotherContextOrPacking_ClearError()
    {
        InferencePlan plan = Plan();
        using var client = new InferenceClient(plan);
        var server = new InferenceServer(plan, client.CreateEvaluationKeys());
        using var stranger = new InferenceClient(plan);
        var ex = Assert.Throws<ArgumentException>(() => server.Evaluate(stranger.Encrypt(new float[36])));
        Assert.Contains("another CkksContext", ex.Message);

        EncryptedBatch reply = server.Evaluate(client.Encrypt(new float[36]));
        ex = Assert.Throws<ArgumentException>(() => server.Evaluate(reply));
        Assert.Contains("does not match the plan", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => client.Decrypt(client.Encrypt(new float[36])));
        Assert.Contains("Not a reply", ex.Message);
    }

    [Fact]
    public void Client_Disposed_Throws()
    {
        var client = new InferenceClient(Plan());
        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.Encrypt(new float[36]));
        Assert.Throws<ObjectDisposedException>(() => client.CreateEvaluationKeys());
    }

    [Theory]
    [InlineData(Packing.Latency)]
    [InlineData(Packing.Throughput)]
    public void Messages_RoundTrip_SeededRequestIsAboutHalfTheSize(Packing packing)
    {
        InferencePlan plan = Plan(packing);
        using var client = new InferenceClient(plan);
        EncryptedBatch request = client.Encrypt(TestData.RandomArray(Input.Length * 2 / (packing == Packing.Latency ? 2 : 1), 4));
        long compressed = request.SerializedSize(), full = request.SerializedSize(compress: false);
        Assert.InRange(compressed, (full / 2) - 1000, (full / 2) + (100 * request.Ciphertexts.Count));
        var stream = new MemoryStream();
        request.Save(stream);
        Assert.Equal(compressed, stream.Length);
        stream.Position = 0;
        EncryptedBatch back = EncryptedBatch.Load(client.Context, stream);
        Assert.Equal(request.Count, back.Count);
        Assert.Equal(request.Ciphertexts.Count, back.Ciphertexts.Count);
        Assert.Equal(stream.Length, stream.Position);

        EvaluationKeys keys = client.CreateEvaluationKeys();
        Assert.True(keys.SerializedSize() < keys.SerializedSize(compress: false));
    }

    [Fact]
    public void Messages_Malformed_InvalidDataException()
    {
        InferencePlan plan = Plan();
        using var client = new InferenceClient(plan);
        var stream = new MemoryStream();
        client.Encrypt(new float[36]).Save(stream);
        byte[] good = stream.ToArray();

        byte[] magic = (byte[])good.Clone();
        magic[0] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => EncryptedBatch.Load(client.Context, new MemoryStream(magic))).Message);
        byte[] version = (byte[])good.Clone();
        version[4] = 9;
        Assert.Contains("version", Assert.Throws<InvalidDataException>(() => EncryptedBatch.Load(client.Context, new MemoryStream(version))).Message);
        byte[] count = (byte[])good.Clone();
        count[16] = 0xFF;
        count[17] = 0xFF;
        count[18] = 0xFF;
        count[19] = 0x7F;
        Assert.Contains("out of range", Assert.Throws<InvalidDataException>(() => EncryptedBatch.Load(client.Context, new MemoryStream(count))).Message);
        Assert.Throws<InvalidDataException>(() => EncryptedBatch.Load(client.Context, new MemoryStream(good[..(good.Length / 2)])));
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => EncryptedBatch.Load(client.Context, new MemoryStream(good[..10]))).Message);

        using var other = new InferenceClient(Plan(logN: 11));
        Assert.Throws<InvalidDataException>(() => EncryptedBatch.Load(other.Context, new MemoryStream(good)));
        Assert.Throws<InvalidDataException>(() => EvaluationKeys.Load(client.Context, new MemoryStream([7])));
    }
}
