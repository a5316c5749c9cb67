namespace CkksRns.Nn.Training;

/// <summary>
/// The mean softmax cross-entropy of a batch of logits, <c>L = −(1/B) Σ_b log softmax(z_b)[label_b]</c>, and its
/// gradient <c>∂L/∂z_b = (softmax(z_b) − onehot(label_b)) / B</c>.
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>Computes the loss, writes the gradient, and counts correct arg-max predictions.</summary>
    /// <param name="logits">Shape (B, C).</param>
    /// <param name="labels">B labels below C.</param>
    /// <param name="gradient">Receives the gradient, shape (B, C); may be null to skip it.</param>
    /// <returns>The mean loss and the number of samples whose largest logit is the label's.</returns>
    /// <exception cref="ArgumentException">Shapes or labels do not match.</exception>
    public static (double Loss, int Correct) Compute(Tensor logits, ReadOnlySpan<byte> labels, Tensor? gradient)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Shape.Rank != 2 || logits.Shape[0] != labels.Length)
        {
            throw new ArgumentException($"Expected logits of shape ({labels.Length}, C); got {logits.Shape}.", nameof(logits));
        }

        if (gradient is not null && gradient.Shape != logits.Shape)
        {
            throw new ArgumentException($"The gradient must have shape {logits.Shape}; got {gradient.Shape}.", nameof(gradient));
        }

        int batch = labels.Length, classes = logits.Shape[1];
        double loss = 0;
        int correct = 0;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> z = logits.Data.AsSpan(b * classes, classes);
            int label = labels[b];
            if (label >= classes)
            {
                throw new ArgumentException($"Label {label} of sample {b} is not below the class count {classes}.", nameof(labels));
            }

            int best = 0;
            float max = z[0];
            for (int c = 1; c < classes; c++)
            {
                if (z[c] > max)
                {
                    max = z[c];
                    best = c;
                }
            }

            correct += best == label ? 1 : 0;
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                sum += Math.Exp(z[c] - (double)max);
            }

            loss += Math.Log(sum) - (z[label] - (double)max);
            if (gradient is not null)
            {
                Span<float> g = gradient.Data.AsSpan(b * classes, classes);
                for (int c = 0; c < classes; c++)
                {
                    double p = Math.Exp(z[c] - (double)max) / sum;
                    g[c] = (float)((p - (c == label ? 1 : 0)) / batch);
                }
            }
        }

        return (loss / batch, correct);
    }
}
