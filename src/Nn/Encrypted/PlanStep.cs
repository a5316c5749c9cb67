namespace CkksRns.Nn.Encrypted;

/// <summary>One step of an <see cref="InferencePlan"/>, for printing and inspection.</summary>
/// <param name="Name">What the step computes, for example <c>linear(784→845)</c> or <c>slaf3(845)</c>.</param>
/// <param name="FirstLayer">The first model layer the step covers.</param>
/// <param name="LastLayer">The last model layer the step covers.</param>
/// <param name="Depth">Levels consumed.</param>
/// <param name="InputLevel">Level of the ciphertexts going in.</param>
/// <param name="OutputLevel">Level of the ciphertexts coming out.</param>
/// <param name="OutputScaleBits">log2 of the output scale.</param>
/// <param name="Rotations">Rotations (key switches by Galois keys) per evaluation; 0 in the throughput packing.</param>
/// <param name="Method">How the step is evaluated (packing-specific).</param>
public sealed record PlanStep(
    string Name, int FirstLayer, int LastLayer, int Depth, int InputLevel, int OutputLevel, double OutputScaleBits, int Rotations, string Method);
