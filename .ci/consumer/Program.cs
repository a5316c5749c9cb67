using CkksRns.Rns.Arithmetic;

// Exercise the packaged library: a modular product and its inverse must round-trip.
var q = new Modulus((1UL << 61) - 1);
ulong a = 42, b = 1234567;
ulong back = q.Multiply(q.Multiply(a, b), q.Inverse(b));
Console.WriteLine($"consumer: CkksRns package loaded; (a*b)*b^-1 mod q = {back}");
return back == a ? 0 : 1;
