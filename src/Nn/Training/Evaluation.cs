namespace CkksRns.Nn.Training;

/// <summary>A model's loss and accuracy on a dataset.</summary>
/// <param name="Loss">Mean cross-entropy.</param>
/// <param name="Correct">Samples whose largest logit is the label's.</param>
/// <param name="Count">Samples evaluated.</param>
public sealed record Evaluation(double Loss, int Correct, int Count)
{
    /// <summary>Correct / Count.</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
}
