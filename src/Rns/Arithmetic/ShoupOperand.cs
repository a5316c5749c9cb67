namespace CkksRns.Rns.Arithmetic;

/// <summary>
/// A fixed multiplicand <c>w</c> modulo <c>q</c> paired with its Shoup quotient <c>floor(w · 2^64 / q)</c>, so that
/// <c>x · w mod q</c> costs two multiplications and no division (<see cref="Modulus.MultiplyShoup(ulong, ShoupOperand)"/>).
/// </summary>
/// <param name="Value">The multiplicand <c>w</c>, in <c>[0, q)</c>.</param>
/// <param name="Quotient">Its Shoup quotient for the modulus it was made for.</param>
public readonly record struct ShoupOperand(ulong Value, ulong Quotient);
