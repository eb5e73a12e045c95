// TEMPORARY STUB (replaced by the helper's implementation)
#pragma warning disable CS1591
using System;
using System.Linq;
namespace LstmGen;
public sealed class Tensor
{
    private readonly float[] _data; private readonly int[] _shape;
    public Tensor(ReadOnlySpan<int> shape) : this(new float[Product(shape)], shape) { }
    public Tensor(float[] data, ReadOnlySpan<int> shape) { _data = data; _shape = shape.ToArray(); }
    private static int Product(ReadOnlySpan<int> s) { int p = 1; foreach (int d in s) p *= d; return p; }
    public ReadOnlySpan<int> Shape => _shape;
    public int Rank => _shape.Length;
    public int Length => _data.Length;
    public string ShapeString => "[" + string.Join(", ", _shape) + "]";
    public Span<float> AsSpan() => _data;
    public float[] ToArray() => (float[])_data.Clone();
    public static Tensor RandN(ReadOnlySpan<int> shape, int seed) { var t = new Tensor(shape); var r = new SeededRandom(seed); for (int i = 0; i < t._data.Length; i++) t._data[i] = r.NextNormal(); return t; }
    public override string ToString() => "tensor(" + string.Join(", ", _data.Select(v => v.ToString("F4"))) + ")";
}
