using BenchmarkDotNet.Attributes;
using CkksRns.Nn;
using CkksRns.Nn.Layers;

namespace CkksRns.Benchmarks.Nn;

/// <summary>Conv2d forward and backward at the CNN1/CNN2 sizes, batch 64.</summary>
[MemoryDiagnoser]
public class Conv2dBenchmarks
{
    private Conv2d _conv = null!;
    private Tensor _input = null!;
    private Tensor _gradient = null!;

    /// <summary>cnn-conv1: 1→5, 5×5, stride 2, pad 1 on 28×28 (CNN1 and CNN2); cnn2-conv2: 5→50, 5×5, stride 2 on 13×13.</summary>
    [Params("cnn-conv1", "cnn2-conv2")]
    public string Layer { get; set; } = "cnn-conv1";

    [Params(1, 2)]
    public int Threads { get; set; } = 2;

    [GlobalSetup]
    public void Setup()
    {
        (_conv, TensorShape shape) = Layer == "cnn-conv1"
            ? (new Conv2d(1, 5, 5, stride: 2, padding: 1, seed: 1), new TensorShape(64, 1, 28, 28))
            : (new Conv2d(5, 50, 5, stride: 2, padding: 0, seed: 1), new TensorShape(64, 5, 13, 13));
        _conv.Compute = new CkksRns.Nn.Kernels.ComputeContext(Threads);
        _input = Fill(new Tensor(shape), 2);
        Tensor y = _conv.Forward(_input, training: true);
        _gradient = Fill(new Tensor(y.Shape), 3);
    }

    [Benchmark]
    public float Forward() => _conv.Forward(_input, training: true).Data[0];

    /// <summary>Parameter gradients and the input gradient (the first layer of a network skips the latter).</summary>
    [Benchmark]
    public float Backward() => _conv.Backward(_gradient).Data[0];

    internal static Tensor Fill(Tensor t, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return t;
    }
}
