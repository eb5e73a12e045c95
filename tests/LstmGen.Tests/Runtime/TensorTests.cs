using System;
using System.Linq;
using Xunit;

namespace LstmGen.Tests;

public class TensorTests
{
    // ------------------------------------------------------------------ construction and shape

    [Fact]
    public void ShapeConstructor_MakesZerosWithShape()
    {
        var t = new Tensor([3, 2]);
        Assert.Equal(new[] { 3, 2 }, t.Shape.ToArray());
        Assert.Equal(2, t.Rank);
        Assert.Equal(6, t.Length);
        Assert.Equal("[3, 2]", t.ShapeString);
        Assert.All(t.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Scalar_HasRankZeroAndOneElement()
    {
        var t = new Tensor(ReadOnlySpan<int>.Empty);
        Assert.Equal(0, t.Rank);
        Assert.Equal(1, t.Length);
        Assert.Equal("[]", t.ShapeString);
    }

    [Fact]
    public void DataConstructor_WrapsWithoutCopying()
    {
        var data = new float[] { 1, 2, 3, 4, 5, 6 };
        var t = new Tensor(data, [2, 3]);
        data[4] = 42;
        Assert.Equal(42f, t[1, 1]);
        t.AsSpan()[0] = -7;
        Assert.Equal(-7f, data[0]);
        var copy = t.ToArray();
        copy[1] = 100;
        Assert.Equal(2f, data[1]);
    }

    [Fact]
    public void DataConstructor_RejectsWrongLength()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Tensor(new float[5], [2, 3]));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("6", ex.Message);
        Assert.Contains("5", ex.Message);
    }

    [Fact]
    public void DataConstructor_RejectsNull() =>
        Assert.Throws<ArgumentNullException>(() => new Tensor(null!, [1]));

    [Fact]
    public void NegativeDimension_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Tensor([2, -1]));
        Assert.Contains("-1", ex.Message);
    }

    [Fact]
    public void OverflowingShape_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Tensor([65536, 65536]));
        Assert.Contains("[65536, 65536]", ex.Message);
    }

    [Fact]
    public void ZeroDimension_GivesEmptyTensorEvenWithHugeOtherDimensions()
    {
        var t = new Tensor([0, int.MaxValue, int.MaxValue]);
        Assert.Equal(0, t.Length);
    }

    // ------------------------------------------------------------------ indexers

    [Fact]
    public void Indexers_AreRowMajor()
    {
        var t3 = new Tensor(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), [2, 3, 4]);
        Assert.Equal(0f, t3[0, 0, 0]);
        Assert.Equal(7f, t3[0, 1, 3]);
        Assert.Equal(23f, t3[1, 2, 3]);
        t3[1, 0, 2] = -1;
        Assert.Equal(-1f, t3.AsSpan()[12 + 2]);

        var t2 = new Tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        Assert.Equal(6f, t2[1, 2]);
        Assert.Equal(3f, t2[0, 2]);

        var t1 = new Tensor(new float[] { 9, 8 }, [2]);
        t1[1] = 5;
        Assert.Equal(9f, t1[0]);
        Assert.Equal(5f, t1[1]);
    }

    [Fact]
    public void Indexers_CheckRank()
    {
        var t = new Tensor([2, 3]);
        var ex = Assert.Throws<ArgumentException>(() => t[0]);
        Assert.Contains("rank 2", ex.Message);
        Assert.Throws<ArgumentException>(() => t[0, 0, 0]);
        Assert.Throws<ArgumentException>(() => new Tensor([4])[0, 0]);
    }

    [Fact]
    public void Indexers_CheckRange()
    {
        var t = new Tensor([2, 3]);
        var ex = Assert.Throws<IndexOutOfRangeException>(() => t[0, 3]);
        Assert.Contains("3", ex.Message);
        Assert.Contains("dimension 1", ex.Message);
        Assert.Throws<IndexOutOfRangeException>(() => t[2, 0]);
        Assert.Throws<IndexOutOfRangeException>(() => t[-1, 0]);
        Assert.Throws<IndexOutOfRangeException>(() => new Tensor([2])[2] = 1);
        Assert.Throws<IndexOutOfRangeException>(() => new Tensor([1, 1, 1])[0, 0, 1]);
    }

    // ------------------------------------------------------------------ RandN / Zeros / SeededRandom

    [Fact]
    public void RandN_IsDeterministicPerSeed()
    {
        var a = Tensor.RandN([4, 5], seed: 123).ToArray();
        var b = Tensor.RandN([4, 5], seed: 123).ToArray();
        var c = Tensor.RandN([4, 5], seed: 124).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(20, a.Distinct().Count());
    }

    [Fact]
    public void RandN_HasStandardNormalMoments()
    {
        var values = Tensor.RandN([100_000], seed: 7).ToArray();
        double mean = values.Average(v => (double)v);
        double std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.02, 0.02);
        Assert.InRange(std, 0.98, 1.02);
        // About 68.3% within one standard deviation, 95.4% within two.
        Assert.InRange(values.Count(v => Math.Abs(v) < 1) / 100_000.0, 0.675, 0.691);
        Assert.InRange(values.Count(v => Math.Abs(v) < 2) / 100_000.0, 0.950, 0.959);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Zeros_IsAllZero()
    {
        var t = Tensor.Zeros([3, 1, 2]);
        Assert.Equal("[3, 1, 2]", t.ShapeString);
        Assert.All(t.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void SeededRandom_KnownFirstValuesAndRanges()
    {
        // Pins the algorithm: a change of generator would silently change every seeded model.
        var a = new SeededRandom(42);
        var b = new SeededRandom(42);
        for (int n = 0; n < 100; n++) Assert.Equal(a.NextUInt64(), b.NextUInt64());

        var r = new SeededRandom(1);
        for (int n = 0; n < 10_000; n++)
        {
            double d = r.NextDouble();
            Assert.InRange(d, 0.0, Math.BitDecrement(1.0));
            float u = r.NextUniform(-0.5f, 0.25f);
            Assert.True(u >= -0.5f && u < 0.25f, $"{u} outside [-0.5, 0.25)");
        }
        Assert.Equal(3f, r.NextUniform(3f, 3f));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.NextUniform(1f, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.NextUniform(float.NaN, 0f));
    }

    [Fact]
    public void SeededRandom_UniformMeanAndSpread()
    {
        var r = new SeededRandom(5);
        var values = Enumerable.Range(0, 100_000).Select(_ => r.NextUniform(-1f, 1f)).ToArray();
        Assert.InRange(values.Average(v => (double)v), -0.01, 0.01);
        Assert.InRange(values.Min(), -1f, -0.999f);
        Assert.InRange(values.Max(), 0.999f, 1f);
    }

    [Fact]
    public void SeededRandom_FirstOutputIsSplitMixSeededXoshiro()
    {
        // SplitMix64 from seed 0 gives 0xE220A8397B1DCDAF as its first output, the reference value.
        // xoshiro256** returns rotl(s1 * 5, 7) * 9 first, with s1 the second SplitMix64 output 0x6E789E6AA1B965F4.
        ulong s1 = 0x6E789E6AA1B965F4UL;
        ulong expected = unchecked((((s1 * 5) << 7) | ((s1 * 5) >> 57)) * 9);
        Assert.Equal(expected, new SeededRandom(0).NextUInt64());
    }

    // ------------------------------------------------------------------ ToString (PyTorch print format)

    private static Tensor T(int[] shape, params float[] values) => new(values, shape);

    [Fact]
    public void ToString_TwoByTwo_MatchesPyTorch()
    {
        var t = T([2, 2], -0.1592f, 0.2306f, -0.1746f, 0.1796f);
        Assert.Equal("tensor([[-0.1592,  0.2306],\n        [-0.1746,  0.1796]])", t.ToString());
    }

    [Fact]
    public void ToString_OneDimensional()
    {
        Assert.Equal("tensor([ 1.5000, -2.2500,  3.0000])", T([3], 1.5f, -2.25f, 3f).ToString());
        Assert.Equal("tensor([0.1000, 0.2000])", T([2], 0.1f, 0.2f).ToString());
    }

    [Fact]
    public void ToString_IntegerValuedFloats_UsePyTorchIntMode()
    {
        Assert.Equal("tensor([1., 2., 3.])", T([3], 1, 2, 3).ToString());
        Assert.Equal("tensor([ 0., -1., 10.])", T([3], 0, -1, 10).ToString());
        Assert.Equal("tensor([0., 0.])", T([2], 0, 0).ToString());
    }

    [Fact]
    public void ToString_ThreeDimensional_SeparatesSlicesWithBlankLine()
    {
        var t = T([2, 2, 2], 0, 1, 2, 3, 4, 5, 6, 7);
        Assert.Equal(
            "tensor([[[0., 1.],\n" +
            "         [2., 3.]],\n" +
            "\n" +
            "        [[4., 5.],\n" +
            "         [6., 7.]]])",
            t.ToString());

        var f = T([2, 1, 2], 0.5f, -0.25f, 0.125f, 1f);
        Assert.Equal(
            "tensor([[[ 0.5000, -0.2500]],\n" +
            "\n" +
            "        [[ 0.1250,  1.0000]]])",
            f.ToString());
    }

    [Fact]
    public void ToString_ScientificMode()
    {
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00])", T([2], 1e-5f, 1f).ToString());
        Assert.Equal("tensor([-1.0000e-05,  1.0000e+00])", T([2], -1e-5f, 1f).ToString());
        // Ratio above 1000 switches even integer-valued floats to scientific notation.
        Assert.Equal("tensor([5.0000e-01, 2.0000e+03])", T([2], 0.5f, 2000f).ToString());
        Assert.Equal("tensor([1.0000e+00, 2.0000e+03])", T([2], 1f, 2000f).ToString());
        // Above 1e8.
        Assert.Equal("tensor(2.0000e+08)", new Tensor(new[] { 2e8f }, ReadOnlySpan<int>.Empty).ToString());
        // Zeros are printed in the same notation, padded to the common width.
        Assert.Equal("tensor([0.0000e+00, 1.0000e-05])", T([2], 0f, 1e-5f).ToString());
    }

    [Fact]
    public void ToString_NanAndInfinity()
    {
        Assert.Equal("tensor([0.5000,    nan,    inf,   -inf])",
            T([4], 0.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity).ToString());
        Assert.Equal("tensor([1., nan])", T([2], 1f, float.NaN).ToString());
        Assert.Equal("tensor([nan, inf])", T([2], float.NaN, float.PositiveInfinity).ToString());
    }

    [Fact]
    public void ToString_Scalar()
    {
        Assert.Equal("tensor(1.5000)", new Tensor(new[] { 1.5f }, ReadOnlySpan<int>.Empty).ToString());
        Assert.Equal("tensor(-2.)", new Tensor(new[] { -2f }, ReadOnlySpan<int>.Empty).ToString());
    }

    [Fact]
    public void ToString_Empty()
    {
        Assert.Equal("tensor([])", new Tensor([0]).ToString());
        Assert.Equal("tensor([], size=(2, 0))", new Tensor([2, 0]).ToString());
    }

    [Fact]
    public void ToString_LongVector_WrapsAt80Columns()
    {
        var t = new Tensor(Enumerable.Repeat(0.1234f, 10).ToArray(), [10]);
        // Width 6 + ", " = 8 per element; (80 - 7) / 8 = 9 elements per line.
        Assert.Equal(
            "tensor([0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234,\n" +
            "        0.1234])",
            t.ToString());
    }

    [Fact]
    public void ToString_LargeVector_IsSummarized()
    {
        var t = new Tensor(Enumerable.Range(0, 2000).Select(i => (float)i).ToArray(), [2000]);
        Assert.Equal(
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n" +
            "        1.9990e+03])",
            t.ToString());

        var ints = new Tensor(Enumerable.Range(0, 1001).Select(i => (float)(i % 7)).ToArray(), [1001]);
        // Only the shown items (0 1 2 ... 6 0 1: indices 998..1000 are 4, 5, 6) decide the format.
        Assert.Equal("tensor([0., 1., 2.,  ..., 4., 5., 6.])", ints.ToString());
    }

    [Fact]
    public void ToString_LargeMatrix_IsSummarizedInEveryDimension()
    {
        var t = new Tensor([40, 40]);
        string row = "[0., 0., 0.,  ..., 0., 0., 0.]";
        Assert.Equal(
            $"tensor([{row},\n" +
            $"        {row},\n" +
            $"        {row},\n" +
            "        ...,\n" +
            $"        {row},\n" +
            $"        {row},\n" +
            $"        {row}])",
            t.ToString());

        // Only the long dimension is elided; the two rows are both shown.
        var wide = new Tensor([2, 600]);
        wide[1, 599] = 0.5f;
        Assert.Equal(
            "tensor([[0.0000, 0.0000, 0.0000,  ..., 0.0000, 0.0000, 0.0000],\n" +
            "        [0.0000, 0.0000, 0.0000,  ..., 0.0000, 0.0000, 0.5000]])",
            wide.ToString());
    }

    [Fact]
    public void ToString_Summarized3D_UsesBlankLinesAroundEllipsis()
    {
        var t = new Tensor([8, 2, 70]);
        string slice = "[[0., 0., 0.,  ..., 0., 0., 0.],\n         [0., 0., 0.,  ..., 0., 0., 0.]]";
        string[] slices = Enumerable.Repeat(slice, 6).ToArray();
        string expected = "tensor([" + string.Join(",\n\n        ", slices.Take(3)) + ",\n\n        ...,\n\n        " +
            string.Join(",\n\n        ", slices.Skip(3)) + "])";
        Assert.Equal(expected, t.ToString());
    }

    [Fact]
    public void ToString_UsesInvariantCulture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Equal("tensor([ 1.5000, -2.2500])", T([2], 1.5f, -2.25f).ToString());
            Assert.Equal("[1234, 2]", new Tensor([1234, 2]).ShapeString);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData(0.03125, "0.0312", "3.1250e-02", "0")]
    [InlineData(0.15625, "0.1562", "1.5625e-01", "0")]
    [InlineData(-1e-07, "-0.0000", "-1.0000e-07", "-0")]
    [InlineData(1e-05, "0.0000", "1.0000e-05", "0")]
    [InlineData(123456789.0, "123456789.0000", "1.2346e+08", "123456789")]
    [InlineData(9.99995e-05, "0.0001", "9.9999e-05", "0")]
    [InlineData(0.5, "0.5000", "5.0000e-01", "0")]
    [InlineData(2.5, "2.5000", "2.5000e+00", "2")]
    [InlineData(1999.0, "1999.0000", "1.9990e+03", "1999")]
    [InlineData(3.4028234663852886e+38, "340282346638528859811704183484516925440.0000", "3.4028e+38", "340282346638528859811704183484516925440")]
    [InlineData(1.401298464324817e-45, "0.0000", "1.4013e-45", "0")]
    [InlineData(-0.0, "-0.0000", "-0.0000e+00", "-0")]
    [InlineData(9.99996, "10.0000", "1.0000e+01", "10")]
    [InlineData(99999.5, "99999.5000", "1.0000e+05", "100000")]
    public void NumberFormatting_MatchesPythonFormat(double value, string fixed4, string sci4, string fixed0)
    {
        // Expected strings are Python's f"{v:.4f}", f"{v:.4e}", f"{v:.0f}".
        Assert.Equal(fixed4, TensorFormatter.Fixed(value, 4));
        Assert.Equal(sci4, TensorFormatter.Scientific(value, 4));
        Assert.Equal(fixed0, TensorFormatter.Fixed(value, 0));
    }
}
