using CkksRns.Nn;
using CkksRns.Nn.Data;

namespace CkksRns.Nn.Tests;

/// <summary>A small separable classification problem: each class is a fixed random pattern plus noise.</summary>
internal static class SyntheticData
{
    public static Dataset Patterns(int count, int classes, TensorShape shape, int seed, float noise = 0.6f)
    {
        var prototypes = new float[classes][];
        var random = new Random(1234);
        for (int c = 0; c < classes; c++)
        {
            prototypes[c] = new float[shape.Length];
            for (int i = 0; i < shape.Length; i++)
            {
                prototypes[c][i] = random.NextDouble() < 0.3 ? 1.5f : -0.4f;
            }
        }

        random = new Random(seed);
        float[] samples = new float[count * shape.Length];
        byte[] labels = new byte[count];
        for (int n = 0; n < count; n++)
        {
            int c = random.Next(classes);
            labels[n] = (byte)c;
            for (int i = 0; i < shape.Length; i++)
            {
                samples[(n * shape.Length) + i] = prototypes[c][i] + (float)(((random.NextDouble() * 2) - 1) * noise);
            }
        }

        return new Dataset(shape, samples, labels, classes);
    }
}
