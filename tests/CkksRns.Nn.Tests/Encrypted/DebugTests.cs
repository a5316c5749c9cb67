using CkksRns.Ckks;
using CkksRns.Nn.Encrypted;
using CkksRns.Nn.Models;
using Xunit;
using Xunit.Abstractions;

namespace CkksRns.Nn.Tests.Encrypted;

public sealed class DebugTests(ITestOutputHelper output)
{
    [Fact]
    public void Latency_StageByStage()
    {
        Sequential model = Sequential.Load(Environment.GetEnvironmentVariable("DBG_MODEL") ?? "/tmp/infer/cnn1.model");
        int logScale = int.Parse(Environment.GetEnvironmentVariable("DBG_SCALE") ?? "26");
        var plan = InferencePlan.Compile(model, new InferenceOptions { Packing = Packing.Latency, LogScale = logScale, ChainBitSizes = [30, .. Enumerable.Repeat(logScale, 7)] });
        output.WriteLine(plan.Describe());
        using var client = new InferenceClient(plan);
        EvaluationKeys keys = client.CreateEvaluationKeys();
        var ev = new Evaluator(client.Context, keys.RelinearizationKey, keys.GaloisKeys);
        var engine = new LatencyEngine(plan, client.Context, ev, 2);
        var test = CkksRns.Nn.Data.Mnist.LoadTest("/work/shared/data/mnist");
        float[] image = test.Sample(0).ToArray();
        EncryptedBatch request = client.Encrypt(image);
        var sk = typeof(InferenceClient).GetField("_decryptor", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(client) as Decryptor;
        var encoder = new CkksEncoder(client.Context);
        double[] x = Array.ConvertAll(image, v => (double)v);
        for (int k = 1; k <= plan.Stages.Count; k++)
        {
            double[] y = new double[plan.Stages[k - 1].OutputLength];
            plan.Stages[k - 1].Apply(x, y);
            x = y;
            Ciphertext c = engine.Evaluate(request.Ciphertexts, k);
            double[] slots = encoder.DecodeReal(sk!.Decrypt(c));
            int[] arr = plan.Layout!.Arrangements[k - 1];
            double max = 0; int worst = -1;
            for (int s = 0; s < arr.Length; s++)
            {
                if (arr[s] >= 0 && Math.Abs(slots[s] - y[arr[s]]) > max) { max = Math.Abs(slots[s] - y[arr[s]]); worst = s; }
            }
            var errs = Enumerable.Range(0, arr.Length).Where(s => arr[s] >= 0).Select(s => (s, e: Math.Abs(slots[s] - y[arr[s]]))).OrderByDescending(t => t.e).Take(2);
            foreach (var (s, e) in errs) output.WriteLine($"   slot {s}: err {e}  value {y[arr[s]]}");
            output.WriteLine($"stage {k - 1} {plan.Stages[k - 1].Name}: max err {max} at slot {worst} level {c.Level} scale {Math.Log2(c.Scale)}");
        }
    }
}

public sealed class DebugTests2(ITestOutputHelper output)
{
    [Fact]
    public void EncryptDecrypt_Precision()
    {
        var p = CkksParameters.Create(new CkksParametersLiteral { LogN = 12, LogQ = [30, 26, 26, 26, 26, 26, 26, 26], LogDefaultScale = 26, SecurityLevel = SecurityLevel.None });
        var ctx = new CkksContext(p);
        var kg = new KeyGenerator(ctx);
        var enc = new Encryptor(ctx, kg.SecretKey);
        var dec = new Decryptor(ctx, kg.SecretKey);
        var encoder = new CkksEncoder(ctx);
        var rnd = new Random(1);
        double[] v = new double[p.Slots];
        for (int i = 0; i < v.Length; i++) v[i] = rnd.NextDouble() * 2 - 1;
        var ct = enc.Encrypt(encoder.Encode(v));
        double[] back = encoder.DecodeReal(dec.Decrypt(ct));
        output.WriteLine($"fresh: slot0 err {back[0] - v[0]}, max {Enumerable.Range(0, v.Length).Max(i => Math.Abs(back[i] - v[i]))}");
        double[] pt = encoder.DecodeReal(encoder.Encode(v));
        output.WriteLine($"encode only: slot0 err {pt[0] - v[0]}, max {Enumerable.Range(0, v.Length).Max(i => Math.Abs(pt[i] - v[i]))}");
        var ev = new Evaluator(ctx);
        var r = ev.Rescale(ev.Multiply(ct, encoder.Encode(v, p.MaxLevel, p.Q[p.MaxLevel])));
        double[] sq = encoder.DecodeReal(dec.Decrypt(r));
        output.WriteLine($"ct*pt: slot0 err {sq[0] - v[0]*v[0]}, max {Enumerable.Range(0, v.Length).Max(i => Math.Abs(sq[i] - v[i]*v[i]))}");
    }
}

public sealed class DebugTests3(ITestOutputHelper output)
{
    [Fact]
    public void Rotation_Precision()
    {
        var p = CkksParameters.Create(new CkksParametersLiteral { LogN = 12, LogQ = [30, 26, 26, 26, 26, 26, 26, 26], LogDefaultScale = 26, SecurityLevel = SecurityLevel.None });
        var ctx = new CkksContext(p);
        var kg = new KeyGenerator(ctx);
        var enc = new Encryptor(ctx, kg.SecretKey);
        var dec = new Decryptor(ctx, kg.SecretKey);
        var encoder = new CkksEncoder(ctx);
        var ev = new Evaluator(ctx, kg.CreateRelinearizationKey(), kg.CreateGaloisKeys(new[] { 845, 1, 7 }));
        var rnd = new Random(1);
        double[] v = new double[p.Slots];
        for (int i = 0; i < v.Length; i++) v[i] = rnd.NextDouble() * 2 - 1;
        foreach (double mult in new[] { 0.0, 1.0, 10.0 })
        {
        double[] w = v.Select(x => x * mult).ToArray();
        var cw = enc.Encrypt(encoder.Encode(w));
        double[] bw = encoder.DecodeReal(dec.Decrypt(ev.Rotate(cw, 7)));
        var ew = Enumerable.Range(0, v.Length).Select(i => (i, e: Math.Abs(bw[i] - w[(i + 7) % v.Length]))).OrderByDescending(t => t.e).Take(3);
        output.WriteLine($"mult {mult} rot 7: " + string.Join("; ", ew));
        }
        var ct = enc.Encrypt(encoder.Encode(v));
        foreach (int step in new[] { 845, 1, 7 })
        {
            double[] back = encoder.DecodeReal(dec.Decrypt(ev.Rotate(ct, step)));
            var errs = Enumerable.Range(0, v.Length).Select(i => (i, e: Math.Abs(back[i] - v[(i + step) % v.Length]))).OrderByDescending(t => t.e).Take(3);
            output.WriteLine($"rot {step}: " + string.Join("; ", errs));
        }
        var sq = ev.MultiplyRelinearize(ct, ct);
        double[] s2 = encoder.DecodeReal(dec.Decrypt(sq));
        var e2 = Enumerable.Range(0, v.Length).Select(i => (i, e: Math.Abs(s2[i] / p.DefaultScale - v[i] * v[i]))).OrderByDescending(t => t.e).Take(3);
        output.WriteLine($"square: " + string.Join("; ", e2));
        var r = ev.Rescale(ev.Multiply(ct, encoder.Encode(v, p.MaxLevel, p.Q[p.MaxLevel])));
        double[] s3 = encoder.DecodeReal(dec.Decrypt(r));
        var e3 = Enumerable.Range(0, v.Length).Select(i => (i, e: Math.Abs(s3[i] - v[i] * v[i]))).OrderByDescending(t => t.e).Take(3);
        output.WriteLine($"ctpt: " + string.Join("; ", e3));
        var ct0 = enc.Encrypt(encoder.Encode(v));
        double[] f = encoder.DecodeReal(dec.Decrypt(ct0));
        var e4 = Enumerable.Range(0, v.Length).Select(i => (i, e: Math.Abs(f[i] - v[i]))).OrderByDescending(t => t.e).Take(3);
        output.WriteLine($"fresh: " + string.Join("; ", e4));
    }
}

public sealed class DebugTests4(ITestOutputHelper output)
{
    [Theory]
    [InlineData(12, 0, 0)]
    [InlineData(12, 8, 0)]
    [InlineData(12, 0, 1)]
    [InlineData(13, 0, 0)]
    [InlineData(11, 0, 0)]
    public void RotationNoise(int logN, int dnum, int singleP)
    {
        var lit = new CkksParametersLiteral { LogN = logN, LogQ = [30, 26, 26, 26, 26, 26, 26, 26], LogDefaultScale = 26, SecurityLevel = SecurityLevel.None };
        if (dnum > 0) lit = lit with { Dnum = dnum };
        if (singleP > 0) lit = lit with { LogP = [60, 60, 60, 60] };
        var p = CkksParameters.Create(lit);
        var ctx = new CkksContext(p);
        var kg = new KeyGenerator(ctx);
        var enc = new Encryptor(ctx, kg.SecretKey);
        var dec = new Decryptor(ctx, kg.SecretKey);
        var encoder = new CkksEncoder(ctx);
        var ev = new Evaluator(ctx, kg.CreateRelinearizationKey(), kg.CreateGaloisKeys(new[] { 7 }));
        double[] w = new double[p.Slots];
        var cw = enc.Encrypt(encoder.Encode(w));
        double[] bw = encoder.DecodeReal(dec.Decrypt(ev.Rotate(cw, 7)));
        var ew = Enumerable.Range(0, w.Length).Select(i => (i, e: Math.Abs(bw[i]))).OrderByDescending(t => t.e).Take(3);
        double[] b2 = encoder.DecodeReal(dec.Decrypt(ev.Relinearize(ev.Multiply(cw, cw))));
        var e2 = Enumerable.Range(0, w.Length).Select(i => (i, e: Math.Abs(b2[i]) * p.DefaultScale)).OrderByDescending(t => t.e).Take(3);
        output.WriteLine($"{p}: rot7 zero-ct errors " + string.Join("; ", ew) + " | relin (coeff units/2^26) " + string.Join("; ", e2));
    }
}
