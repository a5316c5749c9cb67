using System.Reflection;
using CkksRns.Rns.Kernels;
using Xunit;

namespace CkksRns.Rns.Tests.Kernels;

public sealed class KernelAttributesTests
{
    /// <summary>
    /// A limb kernel inlined into a large caller (ModDown, Rescale, Relinearize) exhausts the JIT's inlining budget, and
    /// its vector helpers (AddMod, MulHigh, ...) are then called out of line in the hot loop: 10–15 % of a key switch
    /// when it last happened. Every fully optimized element-wise kernel must therefore also be NoInlining.
    /// </summary>
    [Fact]
    public void EveryAggressivelyOptimizedElementwiseKernel_IsNeverInlined()
    {
        MethodInfo[] methods = typeof(ElementwiseKernels).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly);
        string[] offenders = [.. methods
            .Where(m => (m.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0
                        && (m.MethodImplementationFlags & MethodImplAttributes.NoInlining) == 0)
            .Select(m => m.Name)
            .Distinct()];
        Assert.True(methods.Count(m => (m.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0) > 20, "expected the kernels to be found");
        Assert.True(offenders.Length == 0, "AggressiveOptimization without NoInlining: " + string.Join(", ", offenders));
    }
}
