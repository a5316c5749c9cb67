using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CkksRns.Rns.Polynomials;

namespace CkksRns.Ckks;

/// <summary>
/// The secret key <c>s</c>: a polynomial with coefficients uniform on <c>{-1, 0, 1}</c>, held in NTT form modulo every
/// data and special prime. Its memory is zeroed by <see cref="Dispose"/>.
/// </summary>
/// <remarks>Never send it to a server. Created by <see cref="KeyGenerator"/>.</remarks>
public sealed class SecretKey : IDisposable
{
    private readonly RnsPoly _q;
    private readonly RnsPoly _p;
    private bool _disposed;

    internal SecretKey(CkksContext context, RnsPoly q, RnsPoly p)
    {
        Context = context;
        _q = q;
        _p = p;
    }

    /// <summary>The context the key belongs to.</summary>
    public CkksContext Context { get; }

    /// <summary>Whether <see cref="Dispose"/> has wiped the key.</summary>
    public bool IsDisposed => _disposed;

    /// <summary><c>s</c> modulo the data primes (all <c>L+1</c> limbs, NTT form).</summary>
    /// <exception cref="ObjectDisposedException">The key has been disposed.</exception>
    internal RnsPoly Q
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _q;
        }
    }

    /// <summary><c>s</c> modulo the special primes (NTT form).</summary>
    /// <exception cref="ObjectDisposedException">The key has been disposed.</exception>
    internal RnsPoly P
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _p;
        }
    }

    /// <summary>Overwrites the key material with zeros; the key cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_q.Buffer.AsSpan()));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_p.Buffer.AsSpan()));
            _disposed = true;
        }
    }
}
