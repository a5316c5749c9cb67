namespace CkksRns.Nn.Training;

/// <summary>What one training epoch achieved.</summary>
/// <param name="Phase">The training phase ("relu", "slaf", "slaf-r refit", ...).</param>
/// <param name="Epoch">1-based epoch within the phase.</param>
/// <param name="Epochs">Epochs in the phase.</param>
/// <param name="Loss">Mean training loss over the epoch's batches (cross-entropy plus any SLAF range penalty).</param>
/// <param name="TrainAccuracy">Accuracy on the epoch's training batches, measured during training.</param>
/// <param name="TestAccuracy">Accuracy on the test set after the epoch, or NaN without a test set.</param>
/// <param name="Elapsed">Time the epoch took, evaluation included.</param>
/// <param name="LearningRate">The learning rate of the epoch's last step.</param>
public sealed record EpochReport(string Phase, int Epoch, int Epochs, double Loss, double TrainAccuracy, double TestAccuracy, TimeSpan Elapsed, double LearningRate);
