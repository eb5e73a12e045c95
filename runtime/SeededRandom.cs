// TEMPORARY STUB (replaced by the helper's implementation)
using System;
namespace LstmGen;
internal sealed class SeededRandom
{
    private readonly Random _r;
    public SeededRandom(int seed) => _r = new Random(seed);
    public double NextDouble() => _r.NextDouble();
    public float NextUniform(float low, float high) => low + (high - low) * (float)_r.NextDouble();
    public float NextNormal() => (float)(Math.Sqrt(-2 * Math.Log(1 - _r.NextDouble())) * Math.Cos(2 * Math.PI * _r.NextDouble()));
}
