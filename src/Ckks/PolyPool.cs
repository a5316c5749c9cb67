using System.Collections.Concurrent;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// A thread-safe pool of full-size scratch polynomials of one ring, so that hot operations do not allocate after
/// warm-up and several threads can work at once, each with its own scratch.
/// </summary>
internal sealed class PolyPool(RnsContext ring)
{
    private readonly ConcurrentBag<RnsPoly> _free = [];

    /// <summary>The ring of the pooled polynomials.</summary>
    public RnsContext Ring { get; } = ring;

    /// <summary>Takes a polynomial with <paramref name="limbCount"/> limbs in use (content undefined) in the given form.</summary>
    public RnsPoly Rent(int limbCount, bool isNttForm)
    {
        if (!_free.TryTake(out RnsPoly? poly))
        {
            poly = new RnsPoly(Ring, Ring.ModulusCount, isNttForm);
        }

        poly.SetLimbCount(limbCount);
        poly.IsNttForm = isNttForm;
        return poly;
    }

    /// <summary>Gives a polynomial back to the pool.</summary>
    public void Return(RnsPoly poly) => _free.Add(poly);
}
