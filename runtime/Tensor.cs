using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace LstmGen;

/// <summary>
/// A dense float32 tensor stored contiguously in row-major (C) order: the last index varies fastest.
/// </summary>
public sealed class Tensor
{
    private readonly float[] _data;
    private readonly int[] _shape;

    /// <summary>Creates a tensor of the given shape filled with zeros.</summary>
    /// <exception cref="ArgumentException">A dimension is negative, or the element count does not fit in an <see cref="int"/>.</exception>
    public Tensor(ReadOnlySpan<int> shape)
    {
        _shape = shape.ToArray();
        _data = new float[ElementCount(_shape)];
    }

    /// <summary>
    /// Wraps <paramref name="data"/> (without copying it: later writes to the array show in the tensor)
    /// as a tensor of the given shape.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentException">A dimension is negative, the element count does not fit in an
    /// <see cref="int"/>, or <paramref name="data"/> does not hold exactly that many elements.</exception>
    public Tensor(float[] data, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        _shape = shape.ToArray();
        int expected = ElementCount(_shape);
        if (data.Length != expected)
        {
            throw new ArgumentException(
                $"Shape {FormatShape(_shape)} needs {expected} elements but the data array has {data.Length}.", nameof(data));
        }
        _data = data;
    }

    /// <summary>The size of each dimension, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements (the product of the dimensions; 1 for a scalar).</summary>
    public int Length => _data.Length;

    /// <summary>The shape as text, e.g. <c>[3, 2]</c>; <c>[]</c> for a scalar.</summary>
    public string ShapeString => FormatShape(_shape);

    /// <summary>The elements in row-major order, writable, without copying.</summary>
    public Span<float> AsSpan() => _data;

    /// <summary>A copy of the elements in row-major order.</summary>
    public float[] ToArray() => (float[])_data.Clone();

    /// <summary>The element at <paramref name="i"/> of a rank-1 tensor.</summary>
    /// <exception cref="ArgumentException">The tensor's rank is not 1.</exception>
    /// <exception cref="IndexOutOfRangeException">The index is outside the dimension.</exception>
    public float this[int i]
    {
        get => _data[Offset(i)];
        set => _data[Offset(i)] = value;
    }

    /// <summary>The element at (<paramref name="i"/>, <paramref name="j"/>) of a rank-2 tensor.</summary>
    /// <exception cref="ArgumentException">The tensor's rank is not 2.</exception>
    /// <exception cref="IndexOutOfRangeException">An index is outside its dimension.</exception>
    public float this[int i, int j]
    {
        get => _data[Offset(i, j)];
        set => _data[Offset(i, j)] = value;
    }

    /// <summary>The element at (<paramref name="i"/>, <paramref name="j"/>, <paramref name="k"/>) of a rank-3 tensor.</summary>
    /// <exception cref="ArgumentException">The tensor's rank is not 3.</exception>
    /// <exception cref="IndexOutOfRangeException">An index is outside its dimension.</exception>
    public float this[int i, int j, int k]
    {
        get => _data[Offset(i, j, k)];
        set => _data[Offset(i, j, k)] = value;
    }

    /// <summary>
    /// A tensor of standard normal samples, deterministic for <paramref name="seed"/>. The generator is
    /// LstmGen's own (xoshiro256** with Box–Muller), so the values differ from <c>torch.randn</c> after
    /// <c>torch.manual_seed</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid (see <see cref="Tensor(ReadOnlySpan{int})"/>).</exception>
    public static Tensor RandN(ReadOnlySpan<int> shape, int seed)
    {
        var tensor = new Tensor(shape);
        var random = new SeededRandom(seed);
        foreach (ref float value in tensor._data.AsSpan())
            value = random.NextNormal();
        return tensor;
    }

    /// <summary>A tensor of the given shape filled with zeros.</summary>
    /// <exception cref="ArgumentException">The shape is invalid (see <see cref="Tensor(ReadOnlySpan{int})"/>).</exception>
    public static Tensor Zeros(ReadOnlySpan<int> shape) => new(shape);

    /// <summary>
    /// The tensor as PyTorch prints a float32 tensor with default print options, e.g.
    /// <c>tensor([[-0.1592,  0.2306],</c> / <c>        [-0.1746,  0.1796]])</c>: 4 decimals (or scientific
    /// notation when magnitudes span more than 1000×, exceed 1e8 or go below 1e-4), values right-aligned to a
    /// common width, 80-column lines, and more than 1000 elements summarized with <c>...</c> keeping 3 items at
    /// each edge of every dimension.
    /// </summary>
    public override string ToString() => TensorFormatter.Format(_data, _shape);

    internal static string FormatShape(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 0) return "[]";
        var parts = new string[shape.Length];
        for (int n = 0; n < shape.Length; n++)
            parts[n] = shape[n].ToString(CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", parts) + "]";
    }

    private static int ElementCount(int[] shape)
    {
        long count = 1;
        bool hasZero = false;
        for (int n = 0; n < shape.Length; n++)
        {
            if (shape[n] < 0)
            {
                throw new ArgumentException(
                    $"Tensor dimensions must be >= 0; dimension {n} of shape {FormatShape(shape)} is {shape[n]}.", nameof(shape));
            }
            if (shape[n] == 0) hasZero = true;
        }
        if (hasZero) return 0;
        foreach (int dim in shape)
        {
            count *= dim; // both factors ≤ int.MaxValue: no long overflow before the check below
            if (count > int.MaxValue)
            {
                throw new ArgumentException(
                    $"Shape {FormatShape(shape)} has more elements than a tensor can hold (at most {int.MaxValue}).", nameof(shape));
            }
        }
        return (int)count;
    }

    private int Offset(int i)
    {
        RequireRank(1);
        CheckIndex(0, i);
        return i;
    }

    private int Offset(int i, int j)
    {
        RequireRank(2);
        CheckIndex(0, i);
        CheckIndex(1, j);
        return i * _shape[1] + j;
    }

    private int Offset(int i, int j, int k)
    {
        RequireRank(3);
        CheckIndex(0, i);
        CheckIndex(1, j);
        CheckIndex(2, k);
        return (i * _shape[1] + j) * _shape[2] + k;
    }

    private void RequireRank(int indices)
    {
        if (_shape.Length != indices)
        {
            throw new ArgumentException(
                $"A tensor of shape {ShapeString} (rank {_shape.Length}) cannot be indexed with {indices} " +
                $"{(indices == 1 ? "index" : "indices")}; it needs {_shape.Length}.");
        }
    }

    private void CheckIndex(int dimension, int index)
    {
        if ((uint)index >= (uint)_shape[dimension])
        {
#pragma warning disable CA2201 // IndexOutOfRangeException is the documented contract of the indexers.
            throw new IndexOutOfRangeException(
                $"Index {index} is out of range for dimension {dimension} of size {_shape[dimension]} (shape {ShapeString}).");
#pragma warning restore CA2201
        }
    }
}

/// <summary>
/// Renders a float32 tensor the way PyTorch's <c>torch/_tensor_str.py</c> does with default print options
/// (precision 4, threshold 1000, edgeitems 3, linewidth 80). Numbers are rounded exactly (round-half-even
/// on the binary value, as Python's <c>format</c> does), not through .NET's number formatting.
/// </summary>
internal static class TensorFormatter
{
    private const int Precision = 4;
    private const int Threshold = 1000;
    private const int EdgeItems = 3;
    private const int LineWidth = 80;
    private const string Prefix = "tensor(";

    public static string Format(float[] data, int[] shape)
    {
        if (data.Length == 0)
        {
            // PyTorch shows the size of an empty tensor unless it is (0,).
            if (shape.Length == 1) return "tensor([])";
            var dims = new string[shape.Length];
            for (int n = 0; n < shape.Length; n++) dims[n] = shape[n].ToString(CultureInfo.InvariantCulture);
            return "tensor([], size=(" + string.Join(", ", dims) + "))";
        }

        bool summarize = data.Length > Threshold;
        var strides = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= shape[d];
        }

        var shown = new List<float>();
        if (shape.Length == 0) shown.Add(data[0]);
        else CollectShown(data, shape, strides, 0, 0, summarize, shown);
        var style = new Style(shown);

        var builder = new StringBuilder(Prefix);
        if (shape.Length == 0) builder.Append(style.Format(data[0]));
        else AppendTensor(builder, data, shape, strides, 0, 0, Prefix.Length, summarize, style);
        return builder.Append(')').ToString();
    }

    // The indices of dimension d that are printed: all of them, or the edges when summarizing.
    private static IEnumerable<int> ShownIndices(int size, bool summarize)
    {
        if (summarize && size > 2 * EdgeItems)
        {
            for (int i = 0; i < EdgeItems; i++) yield return i;
            for (int i = size - EdgeItems; i < size; i++) yield return i;
        }
        else
        {
            for (int i = 0; i < size; i++) yield return i;
        }
    }

    private static void CollectShown(float[] data, int[] shape, int[] strides, int dim, int offset, bool summarize, List<float> shown)
    {
        foreach (int i in ShownIndices(shape[dim], summarize))
        {
            int at = offset + i * strides[dim];
            if (dim == shape.Length - 1) shown.Add(data[at]);
            else CollectShown(data, shape, strides, dim + 1, at, summarize, shown);
        }
    }

    private static void AppendTensor(StringBuilder builder, float[] data, int[] shape, int[] strides, int dim, int offset,
        int indent, bool summarize, Style style)
    {
        int size = shape[dim];
        bool elide = summarize && size > 2 * EdgeItems;
        builder.Append('[');
        if (dim == shape.Length - 1)
        {
            var items = new List<string>();
            foreach (int i in ShownIndices(size, summarize))
            {
                if (elide && i == size - EdgeItems) items.Add(" ...");
                items.Add(style.Format(data[offset + i]));
            }
            int perLine = Math.Max(1, (int)Math.Floor((LineWidth - indent) / (double)(style.Width + 2)));
            string lineBreak = ",\n" + new string(' ', indent + 1);
            for (int n = 0; n < items.Count; n++)
            {
                if (n > 0) builder.Append(n % perLine == 0 ? lineBreak : ", ");
                builder.Append(items[n]);
            }
        }
        else
        {
            string separator = "," + new string('\n', shape.Length - dim - 1) + new string(' ', indent + 1);
            bool first = true;
            foreach (int i in ShownIndices(size, summarize))
            {
                if (!first) builder.Append(separator);
                first = false;
                if (elide && i == size - EdgeItems) builder.Append("...").Append(separator);
                AppendTensor(builder, data, shape, strides, dim + 1, offset + i * strides[dim], indent + 1, summarize, style);
            }
        }
        builder.Append(']');
    }

    /// <summary>PyTorch's <c>_Formatter</c>: integer, fixed or scientific mode and the common width.</summary>
    private sealed class Style
    {
        private readonly bool _intMode = true;
        private readonly bool _sciMode;

        public Style(List<float> values)
        {
            double min = double.PositiveInfinity, max = 0;
            bool any = false;
            foreach (float v in values)
            {
                if (!float.IsFinite(v) || v == 0) continue;
                any = true;
                double a = Math.Abs((double)v);
                min = Math.Min(min, a);
                max = Math.Max(max, a);
                if (v != MathF.Ceiling(v)) _intMode = false;
            }
            if (!any) return; // only zeros and non-finite values: integer mode, width 1

            _sciMode = max / min > 1000.0 || max > 1.0e8 || (!_intMode && min < 1.0e-4);
            foreach (float v in values)
            {
                if (!float.IsFinite(v) || v == 0) continue;
                int length = _sciMode ? Scientific(v, Precision).Length
                    : _intMode ? Fixed(v, 0).Length + 1
                    : Fixed(v, Precision).Length;
                Width = Math.Max(Width, length);
            }
        }

        public int Width { get; } = 1;

        public string Format(float value)
        {
            string text;
            if (float.IsNaN(value)) text = "nan";
            else if (float.IsInfinity(value)) text = value > 0 ? "inf" : "-inf";
            else if (_sciMode) text = Scientific(value, Precision);
            else if (_intMode) text = Fixed(value, 0) + ".";
            else text = Fixed(value, Precision);
            return text.Length >= Width ? text : new string(' ', Width - text.Length) + text;
        }
    }

    /// <summary>Python's <c>f"{value:.{precision}f}"</c> for a finite value: exact, round-half-even.</summary>
    internal static string Fixed(double value, int precision)
    {
        var (mantissa, exponent) = Decompose(value);
        BigInteger digits;
        if (exponent >= 0)
        {
            digits = (mantissa << exponent) * BigInteger.Pow(10, precision);
        }
        else
        {
            digits = RoundHalfEven(mantissa * BigInteger.Pow(10, precision), BigInteger.One << -exponent);
        }
        string text = digits.ToString(CultureInfo.InvariantCulture);
        if (precision > 0)
        {
            if (text.Length <= precision) text = new string('0', precision + 1 - text.Length) + text;
            text = text.Insert(text.Length - precision, ".");
        }
        return double.IsNegative(value) ? "-" + text : text;
    }

    /// <summary>Python's <c>f"{value:.{precision}e}"</c> for a finite value: exact, round-half-even.</summary>
    internal static string Scientific(double value, int precision)
    {
        string sign = double.IsNegative(value) ? "-" : "";
        if (value == 0) return sign + "0." + new string('0', precision) + "e+00";

        var (mantissa, exponent) = Decompose(value);
        // |value| = numerator / denominator exactly.
        BigInteger numerator = exponent >= 0 ? mantissa << exponent : mantissa;
        BigInteger denominator = exponent >= 0 ? BigInteger.One : BigInteger.One << -exponent;

        // Find e10 with 10^e10 <= |value| < 10^(e10+1), starting from the floating-point estimate.
        int e10 = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        while (CompareWithPowerOfTen(numerator, denominator, e10) < 0) e10--;
        while (CompareWithPowerOfTen(numerator, denominator, e10 + 1) >= 0) e10++;

        int shift = precision - e10; // scaled = |value| * 10^shift has precision + 1 integer digits
        BigInteger scaled = shift >= 0
            ? RoundHalfEven(numerator * BigInteger.Pow(10, shift), denominator)
            : RoundHalfEven(numerator, denominator * BigInteger.Pow(10, -shift));
        if (scaled == BigInteger.Pow(10, precision + 1)) // rounded up to the next power of ten
        {
            scaled /= 10;
            e10++;
        }

        string digits = scaled.ToString(CultureInfo.InvariantCulture);
        string mantissaText = precision > 0 ? digits[..1] + "." + digits[1..] : digits;
        string exponentText = Math.Abs(e10).ToString("00", CultureInfo.InvariantCulture);
        return sign + mantissaText + "e" + (e10 < 0 ? "-" : "+") + exponentText;
    }

    // value = mantissa * 2^exponent with an integer mantissa (sign dropped).
    private static (BigInteger Mantissa, int Exponent) Decompose(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        int biased = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & 0xFFFFFFFFFFFFFL;
        return biased == 0 ? (fraction, -1074) : (fraction | (1L << 52), biased - 1075);
    }

    // Sign of numerator/denominator − 10^power.
    private static int CompareWithPowerOfTen(BigInteger numerator, BigInteger denominator, int power) =>
        power >= 0
            ? numerator.CompareTo(denominator * BigInteger.Pow(10, power))
            : (numerator * BigInteger.Pow(10, -power)).CompareTo(denominator);

    private static BigInteger RoundHalfEven(BigInteger numerator, BigInteger denominator)
    {
        BigInteger quotient = BigInteger.DivRem(numerator, denominator, out BigInteger remainder);
        int half = (remainder * 2).CompareTo(denominator);
        if (half > 0 || (half == 0 && !quotient.IsEven)) quotient += 1;
        return quotient;
    }
}
