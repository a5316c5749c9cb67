using BenchmarkDotNet.Attributes;
using CkksRns.Nn;
using CkksRns.Nn.Layers;

namespace CkksRns.Benchmarks.Nn;

/// <summary>Dense forward and backward at the CNN1/CNN2 sizes, batch 64.</summary>
[MemoryDiagnoser]
public class DenseBenchmarks
{
    private Dense _dense = null!;
    private Tensor _input = null!;
    private Tensor _gradient = null!;

    /// <summary>845→100 (CNN1), 1250→100 (CNN2), 100→10 (both).</summary>
    [Params("845x100", "1250x100", "100x10")]
    public string Size { get; set; } = "845x100";

    [Params(1, 2)]
    public int Threads { get; set; } = 2;

    [GlobalSetup]
    public void Setup()
    {
        int[] dims = [.. Size.Split('x').Select(int.Parse)];
        _dense = new Dense(dims[0], dims[1], seed: 1) { Compute = new CkksRns.Nn.Kernels.ComputeContext(Threads) };
        _input = Conv2dBenchmarks.Fill(new Tensor(new TensorShape(64, dims[0])), 2);
        _gradient = Conv2dBenchmarks.Fill(new Tensor(new TensorShape(64, dims[1])), 3);
        _dense.Forward(_input, training: true);
    }

    [Benchmark]
    public float Forward() => _dense.Forward(_input, training: true).Data[0];

    [Benchmark]
    public float Backward() => _dense.Backward(_gradient).Data[0];
}
