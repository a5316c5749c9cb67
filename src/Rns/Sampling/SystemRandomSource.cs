using System.Security.Cryptography;

namespace CkksRns.Rns.Sampling;

/// <summary>Random bytes from the operating system's CSPRNG, buffered in 4 KiB blocks that are wiped as they are used.</summary>
internal sealed class SystemRandomSource() : RandomSource(BlockSize, wipeConsumed: true)
{
    private const int BlockSize = 4096;

    /// <inheritdoc />
    protected override void Refill(Span<byte> block) => RandomNumberGenerator.Fill(block);
}
