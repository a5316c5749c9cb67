using CkksRns.Nn;

namespace CkksRns.Nn.Tests;

/// <summary>Seeded random tensors for tests.</summary>
internal static class TestData
{
    public static Tensor Random(TensorShape shape, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var t = new Tensor(shape);
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = (float)(((random.NextDouble() * 2) - 1) * scale);
        }

        return t;
    }

    public static float[] RandomArray(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        float[] a = new float[length];
        for (int i = 0; i < length; i++)
        {
            a[i] = (float)(((random.NextDouble() * 2) - 1) * scale);
        }

        return a;
    }
}
