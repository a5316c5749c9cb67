using System.Runtime.Intrinsics;

namespace CkksRns.Rns.Kernels;

/// <summary>
/// Chooses the vector width of the arithmetic kernels: the widest the hardware accelerates, optionally capped.
/// </summary>
/// <remarks>
/// <para>
/// The cap comes from the environment variable <c>CKKSRNS_SIMD</c> (<c>scalar</c>, <c>256</c> or <c>512</c>) read once
/// at start-up, and can be changed at run time through <see cref="MaxLevel"/> (for tests and benchmarks that compare
/// paths). The runtime's own switches (<c>DOTNET_EnableAVX512F=0</c>, <c>DOTNET_EnableAVX2=0</c>,
/// <c>DOTNET_EnableHWIntrinsic=0</c>) lower <see cref="HardwareLevel"/> as well.
/// </para>
/// <para>All levels produce bit-identical results, so the choice only affects speed.</para>
/// </remarks>
public static class SimdCapabilities
{
    /// <summary>The name of the environment variable that caps the vector width.</summary>
    public const string EnvironmentVariable = "CKKSRNS_SIMD";

    private static SimdLevel s_maxLevel = ParseEnvironment(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The widest level this process's hardware and runtime accelerate for 64-bit integer lanes.</summary>
    public static SimdLevel HardwareLevel { get; } =
        Vector512.IsHardwareAccelerated ? SimdLevel.Vector512
        : Vector256.IsHardwareAccelerated ? SimdLevel.Vector256
        : SimdLevel.Scalar;

    /// <summary>The cap set by <c>CKKSRNS_SIMD</c> or by the caller; <see cref="SimdLevel.Vector512"/> means no cap.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined <see cref="SimdLevel"/>.</exception>
    public static SimdLevel MaxLevel
    {
        get => s_maxLevel;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Expected Scalar, Vector256 or Vector512.");
            }

            s_maxLevel = value;
        }
    }

    /// <summary>The level the kernels use now: the smaller of <see cref="HardwareLevel"/> and <see cref="MaxLevel"/>.</summary>
    public static SimdLevel Current => (SimdLevel)Math.Min((int)HardwareLevel, (int)s_maxLevel);

    /// <summary>The levels this process can run, from <see cref="SimdLevel.Scalar"/> up to <see cref="HardwareLevel"/>.</summary>
    public static IReadOnlyList<SimdLevel> Supported { get; } = BuildSupported();

    /// <summary>True when <paramref name="level"/> can run on this hardware.</summary>
    /// <param name="level">The level to test.</param>
    /// <returns><see langword="true"/> when <paramref name="level"/> is at most <see cref="HardwareLevel"/>.</returns>
    public static bool IsSupported(SimdLevel level) => (int)level <= (int)HardwareLevel;

    private static SimdLevel ParseEnvironment(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => SimdLevel.Vector512,
        "scalar" or "0" or "none" => SimdLevel.Scalar,
        "256" or "vector256" or "avx2" => SimdLevel.Vector256,
        "512" or "vector512" or "avx512" => SimdLevel.Vector512,
        _ => throw new InvalidOperationException(
            $"{EnvironmentVariable}='{text}' is not understood; expected 'scalar', '256' or '512'."),
    };

    private static SimdLevel[] BuildSupported()
    {
        var levels = new List<SimdLevel> { SimdLevel.Scalar };
        if (IsSupported(SimdLevel.Vector256))
        {
            levels.Add(SimdLevel.Vector256);
        }

        if (IsSupported(SimdLevel.Vector512))
        {
            levels.Add(SimdLevel.Vector512);
        }

        return [.. levels];
    }
}
