using BenchmarkDotNet.Attributes;
using CkksRns.Nn;
using CkksRns.Nn.Models;
using CkksRns.Nn.Training;

namespace CkksRns.Benchmarks.Nn;

/// <summary>One SGD step (forward, loss, backward, update) of the SLAF networks, batch 64: an epoch is 937 steps.</summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private Sequential _model = null!;
    private Tensor _input = null!;
    private Tensor _gradient = null!;
    private byte[] _labels = null!;
    private SgdMomentum _optimizer = null!;

    [Params(Architecture.Cnn1, Architecture.Cnn2)]
    public Architecture Network { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; } = 2;

    [GlobalSetup]
    public void Setup()
    {
        _model = Networks.Create(Network, ActivationKind.Slaf, seed: 1);
        _model.DegreeOfParallelism = Threads;
        _input = Conv2dBenchmarks.Fill(new Tensor(new TensorShape(64, 1, 28, 28)), 2);
        _labels = [.. Enumerable.Range(0, 64).Select(i => (byte)(i % 10))];
        _gradient = new Tensor(new TensorShape(64, 10));
        _optimizer = new SgdMomentum(_model.Parameters, 0.9f, 5e-4f);
    }

    [Benchmark]
    public double Step()
    {
        Tensor logits = _model.Forward(_input, training: true);
        (double loss, _) = SoftmaxCrossEntropy.Compute(logits, _labels, _gradient);
        _model.ZeroGradients();
        _model.Backward(_gradient);
        _optimizer.Step(1e-4f);
        return loss;
    }
}
