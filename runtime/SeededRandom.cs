using System;

namespace LstmGen;

/// <summary>
/// A small, fast, deterministic pseudo-random generator: xoshiro256** seeded through SplitMix64.
/// The same seed gives the same sequence on every platform and .NET version (the integer stream is
/// bit-exact; <see cref="NextNormal"/> goes through <see cref="Math.Log(double)"/>, <see cref="Math.Sqrt"/>,
/// <see cref="Math.Cos"/> and <see cref="Math.Sin"/>, whose last bit could in principle differ between C runtimes).
/// It does not depend on <see cref="Random"/>'s algorithm, and it is <b>not</b> PyTorch's generator:
/// <c>torch.manual_seed(s)</c> followed by <c>torch.randn</c> gives other values. Not thread-safe; not for cryptography.
/// </summary>
internal sealed class SeededRandom
{
    private const double TwoPi = 2.0 * Math.PI;

    private ulong _s0, _s1, _s2, _s3;
    private float _spareNormal;
    private bool _hasSpareNormal;

    /// <summary>Creates a generator whose whole sequence is determined by <paramref name="seed"/>.</summary>
    public SeededRandom(int seed)
    {
        // SplitMix64 expands the 32-bit seed into the 256-bit state; it never yields an all-zero state
        // for four consecutive outputs, which xoshiro requires.
        ulong x = unchecked((ulong)(long)seed);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>The next 64 random bits (xoshiro256**).</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) carrying 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// A uniform float in [<paramref name="low"/>, <paramref name="high"/>); returns <paramref name="low"/>
    /// when the two are equal.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not finite, or <paramref name="low"/> &gt; <paramref name="high"/>.</exception>
    public float NextUniform(float low, float high)
    {
        if (!float.IsFinite(low) || !float.IsFinite(high) || low > high)
        {
            throw new ArgumentOutOfRangeException(nameof(high),
                $"NextUniform needs finite bounds with low <= high; got low = {low}, high = {high}.");
        }
        if (low == high) return low;

        double value = low + ((double)high - low) * NextDouble();
        float result = (float)value;
        // Rounding to float can land on the excluded upper bound; step back to the largest float below it.
        if (result >= high) result = MathF.BitDecrement(high);
        if (result < low) result = low;
        return result;
    }

    /// <summary>
    /// A standard normal sample (mean 0, standard deviation 1) by the Box–Muller transform.
    /// Each transform yields two samples; the second is returned by the next call.
    /// </summary>
    public float NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }

        double u1 = 1.0 - NextDouble(); // (0, 1]: keeps the logarithm finite
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = TwoPi * u2;
        _spareNormal = (float)(radius * Math.Sin(angle));
        _hasSpareNormal = true;
        return (float)(radius * Math.Cos(angle));
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong value, int count) => (value << count) | (value >> (64 - count));
}
