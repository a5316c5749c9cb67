using System.Diagnostics;
using CkksRns.Nn.Encrypted;
using CkksRns.Rns.Arithmetic;
using CkksRns.Rns.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace CkksRns.Nn.Tests.Encrypted;

public sealed class PerfScratch(ITestOutputHelper output)
{
    [Fact]
    public void Kernel_Rate()
    {
        int n = 16384, inputs = 845, outputs = 100;
        var q = new Modulus(268369921); // 28-bit NTT prime
        var rnd = new Random(1);
        var x = new ulong[]?[inputs];
        for (int i = 0; i < inputs; i++) { x[i] = new ulong[n * 8]; for (int k = 0; k < n; k++) x[i]![k] = (ulong)rnd.NextInt64((long)q.Value); }
        int[] cols = Enumerable.Range(0, inputs).ToArray();
        uint[] w = Enumerable.Range(0, inputs * 4).Select(_ => (uint)rnd.Next(1 << 27)).ToArray();
        ulong[] bias = [1, 2, 3, 4];
        var y = new ulong[64];
        int terms = ConstantMultiplyAccumulate.TermsBeforeReduction(q.Value);
        foreach (var level in new[] { SimdLevel.Vector256, SimdLevel.Vector256, SimdLevel.Scalar })
        {
            int width = ConstantMultiplyAccumulate.ChunkFor(level);
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var g = new ulong[inputs * width];
            for (int k0 = 0; k0 < n; k0 += width)
            {
                ConstantMultiplyAccumulate.Gather(x, k0, width, width, g);
                for (int o = 0; o < outputs; o += 4)
                    ConstantMultiplyAccumulate.Block(cols, w, g, width, bias, y, width, q, terms, level);
            }
            double macs = (double)outputs * inputs * n;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            output.WriteLine($"{level}: wall {sw.Elapsed.TotalSeconds:F3} s cpu {cpu:F3} s, {macs / cpu / 1e9:F2} G lane-MAC/s per cpu-second");
        }
    }
}
