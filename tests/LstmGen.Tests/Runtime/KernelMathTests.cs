using System;
using System.Linq;
using System.Runtime.Intrinsics;
using LstmGen.Kernels;
using Xunit;

namespace LstmGen.Tests.Runtime;

public class KernelMathTests
{
    private const float SmallestNormal = 1.17549435e-38f; // 2⁻¹²⁶

    // Every float in [-10, 10] at a fine step, plus the extremes.
    private static float[] Samples()
    {
        var values = new System.Collections.Generic.List<float>();
        for (float x = -10f; x <= 10f; x += 0.0007f) values.Add(x);
        values.AddRange([0f, -0f, 1e-8f, -1e-8f, 1e-3f, 20f, -20f, 1e30f, -1e30f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity]);
        values.AddRange([float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, SmallestNormal, -SmallestNormal, 1e-35f, 7e-31f, 8e-31f, -8e-31f, 1e-25f]);
        return values.ToArray();
    }

    [Fact]
    public void Scalar_tanh_is_accurate_to_3e_7()
    {
        foreach (float x in Samples())
            Assert.True(Math.Abs(KernelMath.Tanh(x) - Math.Tanh(x)) < 3e-7, $"tanh({x}) = {KernelMath.Tanh(x)}, exact {Math.Tanh(x)}");
    }

    [Fact]
    public void Every_vector_width_computes_the_scalar_result()
    {
        float[] samples = Samples();
        for (int i = 0; i + 16 <= samples.Length; i += 16)
        {
            var chunk = samples.AsSpan(i, 16);
            Vector512<float> v512 = KernelMath.Tanh(Vector512.Create<float>(chunk));
            Vector256<float> v256 = KernelMath.Tanh(Vector256.Create<float>(chunk));
            Vector128<float> v128 = KernelMath.Tanh(Vector128.Create<float>(chunk));
            for (int lane = 0; lane < 16; lane++)
            {
                float expected = KernelMath.Tanh(chunk[lane]);
                Assert.Equal(expected, v512[lane]);
                if (lane < 8) Assert.Equal(expected, v256[lane]);
                if (lane < 4) Assert.Equal(expected, v128[lane]);
            }
        }
    }

    [Fact]
    public void Tanh_propagates_NaN_on_every_width()
    {
        Assert.True(float.IsNaN(KernelMath.Tanh(float.NaN)));
        Assert.True(float.IsNaN(KernelMath.Tanh(Vector128.Create(float.NaN))[0]));
        Assert.True(float.IsNaN(KernelMath.Tanh(Vector256.Create(float.NaN))[0]));
        Assert.True(float.IsNaN(KernelMath.Tanh(Vector512.Create(float.NaN))[0]));
    }

    [Fact]
    public void FlushSubnormals_zeroes_exactly_the_subnormal_values()
    {
        float[] subnormal = [float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, BitConverter.Int32BitsToSingle(0x007FFFFF)];
        float[] kept = [0f, SmallestNormal, -SmallestNormal, 1e-30f, -2.5f, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity];
        foreach (float x in subnormal)
        {
            Assert.True(float.IsSubnormal(x));
            Assert.Equal(0f, KernelMath.FlushSubnormals(x));
        }
        foreach (float x in kept) Assert.Equal(x, KernelMath.FlushSubnormals(x));
        Assert.True(float.IsNaN(KernelMath.FlushSubnormals(float.NaN)));

        float[] all = [.. subnormal, .. kept, float.NaN, 0f, 0f];
        Vector512<float> v512 = KernelMath.FlushSubnormals(Vector512.Create<float>(all));
        Vector256<float> v256 = KernelMath.FlushSubnormals(Vector256.Create<float>(all.AsSpan(4)));
        Vector128<float> v128 = KernelMath.FlushSubnormals(Vector128.Create<float>(all.AsSpan(2)));
        for (int lane = 0; lane < 16; lane++)
        {
            Assert.Equal(KernelMath.FlushSubnormals(all[lane]), v512[lane]);
            if (lane < 8) Assert.Equal(KernelMath.FlushSubnormals(all[lane + 4]), v256[lane]);
            if (lane < 4) Assert.Equal(KernelMath.FlushSubnormals(all[lane + 2]), v128[lane]);
        }
    }

    [Fact]
    public void Tanh_of_a_tiny_value_is_zero_below_2_pow_minus_100_and_never_subnormal()
    {
        const float ZeroBelow = 7.88860905e-31f; // 2⁻¹⁰⁰
        // Up to 2⁻²⁰: tanh clamps x² at 2⁻⁶⁰ and must still return x there.
        for (int exponent = -149; exponent <= -20; exponent++)
        {
            foreach (float x in new[] { MathF.ScaleB(1f, exponent), -MathF.ScaleB(1.7f, exponent) })
            {
                float t = KernelMath.Tanh(x);
                if (MathF.Abs(x) < ZeroBelow) Assert.Equal(0f, t);
                else Assert.True(!float.IsSubnormal(t) && Math.Abs(t - x) <= 1e-6 * Math.Abs(x), $"tanh({x}) = {t}");
            }
        }
    }

    [Fact]
    public void Lstm_cells_store_no_subnormal_cell_state()
    {
        // c_{t-1} subnormal, f and o saturated to 1, i = ½ and g = 0: exactly c_t = c_{t-1}, which a cell must not keep.
        const float Open = 20f;
        float[] ClosedOpen(int units) => [.. new float[units], .. Enumerable.Repeat(Open, units)]; // [i | f] or [g | o]
        var updates = new (string Name, CellUpdate Update)[]
        {
            ("scalar", (ref float c, ref float h) => KernelMath.LstmCell(0f, Open, 0f, Open, ref c, ref h)),
            ("Vector128", (ref float c, ref float h) => KernelMath.LstmCell(Vector128<float>.Zero, Vector128.Create(Open), Vector128<float>.Zero, Vector128.Create(Open), ref c, ref h)),
            ("Vector256", (ref float c, ref float h) => KernelMath.LstmCell(Vector256<float>.Zero, Vector256.Create(Open), Vector256<float>.Zero, Vector256.Create(Open), ref c, ref h)),
            ("Vector512", (ref float c, ref float h) => KernelMath.LstmCell(Vector512<float>.Zero, Vector512.Create(Open), Vector512<float>.Zero, Vector512.Create(Open), ref c, ref h)),
            ("quarters of a Vector512", (ref float c, ref float h) => KernelMath.LstmCellQuarters(Vector512.Create<float>([.. ClosedOpen(4), .. ClosedOpen(4)]), ref c, ref h)),
            ("halves of two Vector512", (ref float c, ref float h) => KernelMath.LstmCellHalves(Vector512.Create<float>(ClosedOpen(8)), Vector512.Create<float>(ClosedOpen(8)), ref c, ref h)),
            ("halves of two Vector256", (ref float c, ref float h) => KernelMath.LstmCellHalves(Vector256.Create<float>(ClosedOpen(4)), Vector256.Create<float>(ClosedOpen(4)), ref c, ref h)),
        };
        foreach (var (name, update) in updates)
        {
            float[] cell = Enumerable.Repeat(3e-39f, 16).ToArray(), hidden = Enumerable.Repeat(1f, 16).ToArray();
            update(ref cell[0], ref hidden[0]);
            Assert.True(cell[0] == 0f && hidden[0] == 0f, $"{name}: c = {cell[0]}, h = {hidden[0]}");
        }
    }

    private delegate void CellUpdate(ref float cell, ref float hidden);

    [Fact]
    public void SigmoidOfTwice_is_the_sigmoid_of_twice_its_input()
    {
        foreach (float v in Samples())
        {
            double exact = 1 / (1 + Math.Exp(-2.0 * v));
            Assert.True(Math.Abs(KernelMath.SigmoidOfTwice(v) - exact) < 2e-7, $"σ(2·{v})");
            Assert.Equal(KernelMath.SigmoidOfTwice(v), KernelMath.SigmoidOfTwice(Vector256.Create(v))[0]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(100)]
    public void Dot_sums_the_products(int length)
    {
        var a = new float[length];
        var b = new float[length];
        double expected = 0;
        for (int i = 0; i < length; i++)
        {
            a[i] = (i % 7) - 3;
            b[i] = 0.5f * (i % 5);
            expected += a[i] * (double)b[i];
        }
        Assert.Equal((float)expected, KernelMath.Dot(ref a[0], ref b[0], length));
    }

    [Fact]
    public void Cell_updates_agree_across_widths_and_follow_the_equations()
    {
        var random = new Random(3);
        float[] Values() => Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
        float[] i = Values(), f = Values(), g = Values(), o = Values(), previous = Values();

        float[] cell512 = (float[])previous.Clone(), hidden512 = new float[16];
        KernelMath.LstmCell(Vector512.Create<float>(i), Vector512.Create<float>(f), Vector512.Create<float>(g), Vector512.Create<float>(o), ref cell512[0], ref hidden512[0]);
        float[] gru256 = new float[8];
        KernelMath.GruCell(Vector256.Create<float>(i), Vector256.Create<float>(f), Vector256.Create<float>(g), Vector256.Create<float>(o), in previous[0], ref gru256[0]);

        for (int lane = 0; lane < 16; lane++)
        {
            float cell = previous[lane], hidden = 0;
            KernelMath.LstmCell(i[lane], f[lane], g[lane], o[lane], ref cell, ref hidden);
            Assert.Equal(cell, cell512[lane]);
            Assert.Equal(hidden, hidden512[lane]);
            double sigmoid(float v) => 1 / (1 + Math.Exp(-2.0 * v)); // gates pre-scaled by ½
            double c = sigmoid(f[lane]) * previous[lane] + sigmoid(i[lane]) * Math.Tanh(g[lane]);
            Assert.True(Math.Abs(cell - c) < 1e-6 && Math.Abs(hidden - sigmoid(o[lane]) * Math.Tanh(c)) < 1e-6);

            if (lane >= 8) continue;
            float gru = 0;
            KernelMath.GruCell(i[lane], f[lane], g[lane], o[lane], in previous[lane], ref gru);
            Assert.Equal(gru, gru256[lane]);
            double n = Math.Tanh(g[lane] + sigmoid(i[lane]) * o[lane]);
            Assert.True(Math.Abs(gru - (n + sigmoid(f[lane]) * (previous[lane] - n))) < 1e-6);
        }
    }

    [Theory]
    [InlineData("quarters of a Vector512", 4)]
    [InlineData("halves of two Vector512", 8)]
    [InlineData("halves of two Vector256", 4)]
    public void Rest_tile_cells_compute_the_whole_tile_result(string layout, int units)
    {
        var random = new Random(units);
        float[] Values() => Enumerable.Range(0, units).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
        float[] i = Values(), f = Values(), g = Values(), o = Values(), previous = Values();
        float[] cell = (float[])previous.Clone(), hidden = new float[units];

        switch (layout)
        {
            case "quarters of a Vector512":
                KernelMath.LstmCellQuarters(Vector512.Create<float>([.. i, .. f, .. g, .. o]), ref cell[0], ref hidden[0]);
                break;
            case "halves of two Vector512":
                KernelMath.LstmCellHalves(Vector512.Create<float>([.. i, .. f]), Vector512.Create<float>([.. g, .. o]), ref cell[0], ref hidden[0]);
                break;
            default:
                KernelMath.LstmCellHalves(Vector256.Create<float>([.. i, .. f]), Vector256.Create<float>([.. g, .. o]), ref cell[0], ref hidden[0]);
                break;
        }

        for (int unit = 0; unit < units; unit++)
        {
            float expectedCell = previous[unit], expectedHidden = 0;
            KernelMath.LstmCell(i[unit], f[unit], g[unit], o[unit], ref expectedCell, ref expectedHidden);
            Assert.Equal(expectedCell, cell[unit]);
            Assert.Equal(expectedHidden, hidden[unit]);
        }
    }
}
