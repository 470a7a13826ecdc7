using System.Numerics;
using System.Security.Cryptography;
using ToyPy.Bytecode;
using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// The Mersenne Twister MT19937 exactly as Modules/_randommodule.c runs it:
/// seeding by init_by_array over the 32-bit words of the seed, random() from
/// two draws (genrand_res53), getrandbits from whole words. One instance
/// per random module holds its state.
/// </summary>
public sealed class MersenneTwister
{
    private const int N = 624, M = 397;
    private const uint MatrixA = 0x9908b0df, UpperMask = 0x80000000, LowerMask = 0x7fffffff;

    private readonly uint[] _mt = new uint[N];
    private int _mti = N + 1;
    /// <summary>The second value of the last Box-Muller pair (random.gauss), or null.</summary>
    public double? GaussNext;

    private void InitGenrand(uint s)
    {
        _mt[0] = s;
        for (_mti = 1; _mti < N; _mti++)
            _mt[_mti] = 1812433253u * (_mt[_mti - 1] ^ (_mt[_mti - 1] >> 30)) + (uint)_mti;
    }

    /// <summary>init_by_array: mix every key word into the state.</summary>
    public void InitByArray(uint[] key)
    {
        InitGenrand(19650218u);
        int i = 1, j = 0;
        int len = key.Length;
        for (int k = Math.Max(N, len); k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++; j++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
            if (j >= len) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _mt[i] = (_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { _mt[0] = _mt[N - 1]; i = 1; }
        }
        _mt[0] = 0x80000000u;
        GaussNext = null;
    }

    /// <summary>random_seed for an int: the words of abs(n), least significant first.</summary>
    public void SeedInt(BigInteger n)
    {
        n = BigInteger.Abs(n);
        var bytes = n.ToByteArray(isUnsigned: true, isBigEndian: false);
        int words = Math.Max(1, (bytes.Length + 3) / 4);
        var key = new uint[words];
        for (int b = 0; b < bytes.Length; b++) key[b / 4] |= (uint)bytes[b] << (8 * (b % 4));
        // Trailing zero words are dropped (the key length follows the bit length), keeping at least one.
        int used = words;
        while (used > 1 && key[used - 1] == 0) used--;
        if (used != words) Array.Resize(ref key, used);
        InitByArray(key);
    }

    /// <summary>random_seed_urandom: the whole state from the system's entropy source.</summary>
    public void SeedFromEntropy()
    {
        var bytes = RandomNumberGenerator.GetBytes(N * 4);
        var key = new uint[N];
        Buffer.BlockCopy(bytes, 0, key, 0, bytes.Length);
        InitByArray(key);
    }

    /// <summary>genrand_uint32: the next 32-bit output.</summary>
    public uint NextUInt32()
    {
        uint y;
        if (_mti >= N)
        {
            if (_mti == N + 1) InitGenrand(5489u);
            int kk;
            for (kk = 0; kk < N - M; kk++)
            {
                y = (_mt[kk] & UpperMask) | (_mt[kk + 1] & LowerMask);
                _mt[kk] = _mt[kk + M] ^ (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0u);
            }
            for (; kk < N - 1; kk++)
            {
                y = (_mt[kk] & UpperMask) | (_mt[kk + 1] & LowerMask);
                _mt[kk] = _mt[kk + (M - N)] ^ (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0u);
            }
            y = (_mt[N - 1] & UpperMask) | (_mt[0] & LowerMask);
            _mt[N - 1] = _mt[M - 1] ^ (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0u);
            _mti = 0;
        }
        y = _mt[_mti++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>genrand_res53: a float in [0, 1) with 53 random bits.</summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /// <summary>getrandbits(k) for k &gt;= 0: words are filled least significant first; the last one keeps its top bits.</summary>
    public BigInteger GetRandBits(long k)
    {
        if (k == 0) return BigInteger.Zero;
        if (k <= 32) return NextUInt32() >> (int)(32 - k);
        long words = (k - 1) / 32 + 1;
        var bytes = new byte[words * 4];
        for (long i = 0; i < words; i++, k -= 32)
        {
            uint r = NextUInt32();
            if (k < 32) r >>= (int)(32 - k);
            bytes[i * 4] = (byte)r; bytes[i * 4 + 1] = (byte)(r >> 8);
            bytes[i * 4 + 2] = (byte)(r >> 16); bytes[i * 4 + 3] = (byte)(r >> 24);
        }
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: false);
    }

    /// <summary>_randbelow_with_getrandbits(n) for n &gt; 0: rejection sampling on bit_length(n) bits.</summary>
    public BigInteger RandBelow(BigInteger n)
    {
        long k = (long)n.GetBitLength();
        var r = GetRandBits(k);
        while (r >= n) r = GetRandBits(k);
        return r;
    }

    /// <summary>RandBelow for machine-size n.</summary>
    public long RandBelow(long n)
    {
        if (n <= 0) return 0;
        int k = 64 - BitOperations.LeadingZeroCount((ulong)n);
        if (k <= 32)
        {
            while (true)
            {
                long r = NextUInt32() >> (32 - k);
                if (r < n) return r;
            }
        }
        return (long)RandBelow((BigInteger)n);
    }
}

/// <summary>
/// The random module (Lib/random.py 3.11 over _random.Random): the module
/// functions share one generator, owned by the module object (captured by
/// its functions), so sequences reproduce CPython's for the same seed.
/// </summary>
public static class RandomModule
{
    /// <summary>random.seed(a=None): reseed from an int, float, str, bytes, or the entropy source for None.</summary>
    public static PyObject Seed(MersenneTwister mt, ReadOnlySpan<PyObject> args, PyTuple? k)
    {
        var p = ArgParser.Parse("seed", args, k, 0, 2, "a", "version");
        var a = p[0];
        long version = p[1] is null ? 2 : Ops.IndexAsLong(p[1]!);
        if (a is null || a is PyNone) { mt.SeedFromEntropy(); return PyNone.Instance.NewRef(); }
        if (version == 1 && a is PyStr or PyBytes)
        {
            string s = a is PyBytes b1 ? b1.AsLatin1() : ((PyStr)a).Value;
            ulong x = s.Length > 0 ? (ulong)s[0] << 7 : 0;
            foreach (char c in s) x = (1000003 * x) ^ c;
            x ^= (ulong)s.Length;
            mt.SeedInt(new BigInteger(x));
            return PyNone.Instance.NewRef();
        }
        switch (a)
        {
            case PyInt i:
                mt.SeedInt(i.ToBig());
                break;
            case PyFloat f:
                mt.SeedInt(new BigInteger(unchecked((ulong)f.Hash())));
                break;
            case PyStr or PyBytes when version == 2:
            {
                byte[] data = a is PyStr s ? System.Text.Encoding.UTF8.GetBytes(s.Value) : ((PyBytes)a).Value;
                var digest = SHA512.HashData(data);
                var all = new byte[data.Length + digest.Length];
                data.CopyTo(all, 0); digest.CopyTo(all, data.Length);
                mt.SeedInt(new BigInteger(all, isUnsigned: true, isBigEndian: true));
                break;
            }
            case PyStr or PyBytes:
                mt.SeedInt(new BigInteger(unchecked((ulong)Ops.Hash(a))));
                break;
            default:
                throw Exc.TypeError("The only supported seed types are: None,\nint, float, str, bytes, and bytearray.");
        }
        mt.GaussNext = null;
        return PyNone.Instance.NewRef();
    }

    /// <summary>random.random(): the next float in [0.0, 1.0).</summary>
    public static PyObject Random(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("random", a, k, 0, 0);
        return PyFloat.FromDouble(mt.NextDouble());
    }

    /// <summary>random.getrandbits(k): an int with k random bits.</summary>
    public static PyObject GetRandBits(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("getrandbits", a, k, 1, 1);
        long n = Ops.IndexAsLong(a[0]);
        if (n < 0) throw Exc.ValueError("number of bits must be non-negative");
        return PyInt.FromBig(mt.GetRandBits(n));
    }

    /// <summary>randrange's argument conversion: an int, or an integral float (deprecated in 3.11).</summary>
    private static BigInteger RangeArg(PyObject o, string what)
    {
        if (o is PyInt i) return i.ToBig();
        if (o.Type.IsHeapType && o.Type.Lookup("__index__") is not null) return Ops.IndexAsBig(o);
        using var asInt = new TempRef(Ops.ToInt(o));
        var v = ((PyInt)asInt.Value).ToBig();
        if (!Ops.Equal(asInt.Value, o)) throw Exc.ValueError($"non-integer {what} for randrange()");
        return v;
    }

    private static BigInteger RandRangeCore(MersenneTwister mt, PyObject start, PyObject? stop, PyObject? step)
    {
        var istart = RangeArg(start, "arg 1");
        if (stop is null || stop is PyNone)
        {
            // random.py compares step with its own 1 by identity; the small int 1 is that object.
            if (step is not null && !(step is PyInt s1 && s1.Type == PyTypes.Int && !s1.IsBig && s1.Value == 1))
                throw Exc.TypeError("Missing a non-None stop argument");
            if (istart.Sign > 0) return mt.RandBelow(istart);
            throw Exc.ValueError("empty range for randrange()");
        }
        var istop = RangeArg(stop, "stop");
        var width = istop - istart;
        var istep = step is null ? BigInteger.One : RangeArg(step, "step");
        if (istep.IsOne)
        {
            if (width.Sign > 0) return istart + mt.RandBelow(width);
            throw Exc.ValueError($"empty range for randrange() ({istart}, {istop}, {width})");
        }
        BigInteger n;
        if (istep.Sign > 0) n = PyInt.FloorDiv(width + istep - 1, istep);
        else if (istep.Sign < 0) n = PyInt.FloorDiv(width + istep + 1, istep);
        else throw Exc.ValueError("zero step for randrange()");
        if (n.Sign <= 0) throw Exc.ValueError("empty range for randrange()");
        return istart + istep * mt.RandBelow(n);
    }

    /// <summary>random.randrange(start, stop=None, step=1): a random element of range(start, stop, step).</summary>
    public static PyObject RandRange(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("randrange", a, k, 1, 3, "start", "stop", "step");
        return PyInt.FromBig(RandRangeCore(mt, p[0]!, p[1], p[2]));
    }

    /// <summary>random.randint(a, b): a random int N with a &lt;= N &lt;= b.</summary>
    public static PyObject RandInt(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("randint", a, k, 2, 2, "a", "b");
        using var one = new TempRef(PyInt.FromLong(1));
        using var stop = new TempRef(Ops.BinaryOp(p[1]!, one.Value, BinaryOperation.Add));
        return PyInt.FromBig(RandRangeCore(mt, p[0]!, stop.Value, null));
    }

    /// <summary>random.choice(seq): a random element of a non-empty sequence.</summary>
    public static PyObject Choice(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("choice", a, k, 1, 1, "seq");
        var seq = p[0]!;
        long n = Ops.Length(seq);
        if (n == 0) throw Exc.IndexError("Cannot choose from an empty sequence");
        using var idx = new TempRef(PyInt.FromLong(mt.RandBelow(n)));
        return Ops.GetItem(seq, idx.Value);
    }

    /// <summary>random.shuffle(x): shuffle the mutable sequence x in place (Fisher-Yates from the end).</summary>
    public static PyObject Shuffle(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("shuffle", a, k, 1, 1, "x");
        var x = p[0]!;
        long n = Ops.Length(x);
        for (long i = n - 1; i >= 1; i--)
        {
            long j = mt.RandBelow(i + 1);
            if (x is PyList l && l.Type == PyTypes.List && i < l.Count && j < l.Count)
            {
                (l.Items[i], l.Items[j]) = (l.Items[j], l.Items[i]);
                continue;
            }
            using var ii = new TempRef(PyInt.FromLong(i));
            using var jj = new TempRef(PyInt.FromLong(j));
            using var xj = new TempRef(Ops.GetItem(x, jj.Value));
            using var xi = new TempRef(Ops.GetItem(x, ii.Value));
            Ops.SetItem(x, ii.Value, xj.Value);
            Ops.SetItem(x, jj.Value, xi.Value);
        }
        return PyNone.Instance.NewRef();
    }

    /// <summary>isinstance(population, collections.abc.Sequence) for the builtin types ToyPy has.</summary>
    private static bool IsSequence(PyObject o) =>
        o is PyList or PyTuple or PyStr or PyRange or PyBytes or PyDeque;

    /// <summary>random.sample(population, k): k unique elements chosen from the sequence, in selection order.</summary>
    public static PyObject Sample(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? kw)
    {
        var p = ArgParser.Parse("sample", a, kw, 2, 2, "population", "k", "counts");
        var population = p[0]!;
        if (p[2] is not null && p[2] is not PyNone) throw Exc.NotImplementedError("sample() counts= is not supported by ToyPy");
        if (!IsSequence(population))
            throw Exc.TypeError("Population must be a sequence.  For dicts or sets, use sorted(d).");
        long n = Ops.Length(population);
        long k = Ops.IndexAsLong(p[1]!);
        if (k < 0 || k > n) throw Exc.ValueError("Sample larger than population or is negative");
        var result = new PyObject[k];
        long filled = 0;
        try
        {
            long setsize = 21;
            if (k > 5) setsize += (long)Math.Pow(4, Math.Ceiling(Math.Log(k * 3) / Math.Log(4)));
            if (n <= setsize)
            {
                using var poolRef = new TempRef(Ops.ToList(population));
                var pool = (PyList)poolRef.Value;
                for (long i = 0; i < k; i++)
                {
                    long j = mt.RandBelow(n - i);
                    result[i] = pool.Items[j].NewRef();
                    filled++;
                    var moved = pool.Items[n - i - 1];
                    moved.Incref();
                    var old = pool.Items[j];
                    pool.Items[j] = moved;
                    old.Decref();
                }
            }
            else
            {
                var selected = new HashSet<long>();
                for (long i = 0; i < k; i++)
                {
                    long j = mt.RandBelow(n);
                    while (selected.Contains(j)) j = mt.RandBelow(n);
                    selected.Add(j);
                    using var idx = new TempRef(PyInt.FromLong(j));
                    result[i] = Ops.GetItem(population, idx.Value);
                    filled++;
                }
            }
        }
        catch
        {
            for (long i = 0; i < filled; i++) result[i].Decref();
            throw;
        }
        return PyList.FromArrayStealing(result, (int)k);
    }

    /// <summary>random.choices(population, weights=None, *, cum_weights=None, k=1): k elements chosen with replacement.</summary>
    public static PyObject Choices(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? kw)
    {
        var p = ArgParser.Parse("choices", a, kw, 1, 2, "population", "weights", "cum_weights", "k");
        var population = p[0]!;
        long n = Ops.Length(population);
        long k = p[3] is null ? 1 : Ops.IndexAsLong(p[3]!);
        var weights = p[1] is PyNone ? null : p[1];
        var cum = p[2] is PyNone ? null : p[2];
        var result = new PyList();
        try
        {
            if (weights is null && cum is null)
            {
                if (n == 0) throw Exc.IndexError("list index out of range");
                for (long i = 0; i < k; i++)
                {
                    double r = mt.NextDouble();
                    using var idx = new TempRef(PyInt.FromLong((long)Math.Floor(r * n)));
                    result.AppendStealing(Ops.GetItem(population, idx.Value));
                }
                return result;
            }
            if (weights is not null && cum is not null) throw Exc.TypeError("Cannot specify both weights and cumulative weights");
            // Cumulative weights as doubles (the comparisons below are float comparisons in random.py).
            var cw = new List<double>();
            if (cum is not null)
            {
                using var cl = new TempRef(Ops.ToList(cum));
                foreach (var w in ((PyList)cl.Value).Items.AsSpan(0, ((PyList)cl.Value).Count)) cw.Add(MathModule.ToDouble(w));
            }
            else
            {
                using var wl = new TempRef(Ops.ToList(weights!));
                var list = (PyList)wl.Value;
                PyObject acc = PyInt.FromLong(0);
                try
                {
                    for (int i = 0; i < list.Count; i++)
                    {
                        var s = Ops.BinaryOp(acc, list.Items[i], BinaryOperation.Add);
                        acc.Decref(); acc = s;
                        cw.Add(MathModule.ToDouble(acc));
                    }
                }
                finally { acc.Decref(); }
            }
            if (cw.Count != n) throw Exc.ValueError("The number of weights does not match the population");
            double total = cw.Count == 0 ? 0.0 : cw[^1] + 0.0;
            if (total <= 0.0) throw Exc.ValueError("Total of weights must be greater than zero");
            if (!double.IsFinite(total)) throw Exc.ValueError("Total of weights must be finite");
            int hi = (int)n - 1;
            for (long i = 0; i < k; i++)
            {
                double x = mt.NextDouble() * total;
                // bisect_right(cum_weights, x, 0, hi)
                int lo = 0, h = hi;
                while (lo < h) { int mid = (lo + h) / 2; if (x < cw[mid]) h = mid; else lo = mid + 1; }
                using var idx = new TempRef(PyInt.FromLong(lo));
                result.AppendStealing(Ops.GetItem(population, idx.Value));
            }
            return result;
        }
        catch { result.Decref(); throw; }
    }

    /// <summary>random.uniform(a, b): a + (b - a) * random(), with Python arithmetic.</summary>
    public static PyObject Uniform(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("uniform", a, k, 2, 2, "a", "b");
        using var width = new TempRef(Ops.BinaryOp(p[1]!, p[0]!, BinaryOperation.Subtract));
        using var r = new TempRef(PyFloat.FromDouble(mt.NextDouble()));
        using var scaled = new TempRef(Ops.BinaryOp(width.Value, r.Value, BinaryOperation.Multiply));
        return Ops.BinaryOp(p[0]!, scaled.Value, BinaryOperation.Add);
    }

    /// <summary>random.gauss(mu=0.0, sigma=1.0): a normal variate (Box-Muller, keeping the second value).</summary>
    public static PyObject Gauss(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("gauss", a, k, 0, 2, "mu", "sigma");
        double mu = p[0] is null ? 0.0 : MathModule.ToDouble(p[0]!);
        double sigma = p[1] is null ? 1.0 : MathModule.ToDouble(p[1]!);
        double z;
        if (mt.GaussNext is double g) { z = g; mt.GaussNext = null; }
        else
        {
            double x2pi = mt.NextDouble() * (2 * Math.PI);
            double g2rad = Math.Sqrt(-2.0 * Math.Log(1.0 - mt.NextDouble()));
            z = Math.Cos(x2pi) * g2rad;
            mt.GaussNext = Math.Sin(x2pi) * g2rad;
        }
        return PyFloat.FromDouble(mu + z * sigma);
    }

    /// <summary>random.expovariate(lambd): an exponential variate with rate lambd.</summary>
    public static PyObject ExpoVariate(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("expovariate", a, k, 1, 1, "lambd");
        double lambd = MathModule.ToDouble(p[0]!);
        double r = -Math.Log(1.0 - mt.NextDouble());
        if (lambd == 0) throw Exc.ZeroDivisionError("float division by zero");
        return PyFloat.FromDouble(r / lambd);
    }

    /// <summary>random.randbytes(n): n random bytes (getrandbits(n * 8) little-endian).</summary>
    public static PyObject RandBytes(MersenneTwister mt, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("randbytes", a, k, 1, 1);
        long n = Ops.IndexAsLong(a[0]);
        if (n < 0) throw Exc.ValueError("number of bits must be non-negative");
        var v = mt.GetRandBits(n * 8);
        var bytes = new byte[n];
        var raw = v.ToByteArray(isUnsigned: true, isBigEndian: false);
        Array.Copy(raw, bytes, Math.Min(raw.Length, bytes.Length));
        return PyBytes.FromBytes(bytes);
    }

    public static PyModule Create(Interpreter interp)
    {
        var mt = new MersenneTwister();
        mt.SeedFromEntropy();
        var m = new PyModule("random");
        m.AddFunction("seed", (a, k) => Seed(mt, a, k));
        m.AddFunction("random", (a, k) => Random(mt, a, k));
        m.AddFunction("getrandbits", (a, k) => GetRandBits(mt, a, k));
        m.AddFunction("randrange", (a, k) => RandRange(mt, a, k));
        m.AddFunction("randint", (a, k) => RandInt(mt, a, k));
        m.AddFunction("choice", (a, k) => Choice(mt, a, k));
        m.AddFunction("choices", (a, k) => Choices(mt, a, k));
        m.AddFunction("shuffle", (a, k) => Shuffle(mt, a, k));
        m.AddFunction("sample", (a, k) => Sample(mt, a, k));
        m.AddFunction("uniform", (a, k) => Uniform(mt, a, k));
        m.AddFunction("gauss", (a, k) => Gauss(mt, a, k));
        m.AddFunction("expovariate", (a, k) => ExpoVariate(mt, a, k));
        m.AddFunction("randbytes", (a, k) => RandBytes(mt, a, k));
        return m;
    }
}
