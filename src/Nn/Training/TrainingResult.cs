using CkksRns.Nn.Models;

namespace CkksRns.Nn.Training;

/// <summary>The outcome of <see cref="TrainingPipeline.Run"/>.</summary>
/// <param name="Model">The trained model (SLAF input ranges recorded on the training set).</param>
/// <param name="Epochs">Every epoch of every phase.</param>
/// <param name="Test">The final model on the test set.</param>
/// <param name="ReluTest">SLAF-R only: the ReLU network on the test set before the activations were replaced.</param>
/// <param name="Elapsed">Wall-clock time of the whole run.</param>
public sealed record TrainingResult(Sequential Model, IReadOnlyList<EpochReport> Epochs, Evaluation Test, Evaluation? ReluTest, TimeSpan Elapsed);
