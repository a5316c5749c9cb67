namespace CkksRns.Nn.Training;

/// <summary>Progress of a whole training run (all phases), reported after every epoch.</summary>
/// <param name="Report">The epoch just finished.</param>
/// <param name="EpochsDone">Epochs finished in the run.</param>
/// <param name="EpochsTotal">Epochs in the run.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Remaining">Estimated time left (mean epoch time × epochs left).</param>
public sealed record TrainingProgress(EpochReport Report, int EpochsDone, int EpochsTotal, TimeSpan Elapsed, TimeSpan Remaining);
