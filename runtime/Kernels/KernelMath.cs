using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.Kernels;

/// <summary>
/// The element-wise math that generated models call: fused multiply-add, <c>tanh</c> and the sigmoid
/// gates, with one overload per vector width and a scalar one. Every overload computes the same
/// formula, so all SIMD paths agree to within float rounding.
/// </summary>
/// <remarks>
/// <c>tanh</c> is a rational function x·P(x²)/Q(x²) (degrees 9 and 8) with x² clamped to [2⁻⁶⁰, 81]: 9 multiply-adds,
/// 2 multiplies and one division, absolute error below 3e-7 (<c>KernelMathTests</c> samples it; an exhaustive check of
/// every float in [2⁻⁴⁰, 12] found at most 2.94e-7). Sigmoid gates use <c>σ(2v) = ½ + ½·tanh(v)</c>: the packed
/// weights of the i, f and o gates are pre-scaled by ½, so every gate needs just one <c>tanh</c>.
/// <para>
/// Subnormal floats (0 &lt; |x| &lt; 2⁻¹²⁶) slow many CPUs down, and .NET cannot switch on flush-to-zero. So <c>tanh</c>
/// returns 0 below 2⁻¹⁰⁰ and the LSTM cell flushes a subnormal c to zero before storing it: a state decaying towards
/// zero, or gates whose pre-activations are subnormal, run at full speed. Results differ from exact ones by less than 1e-30.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelMath
{
    // tanh(x) ≈ x·P(x²)/Q(x²) on [−9, 9], our own Lawson-reweighted least-squares fit (tests/…/KernelMathTests
    // measure it). P and Q are evaluated in Estrin's scheme, P = (1 + P1·s) + s²·(P2 + P3·s + P4·s²): a step's
    // critical path runs through two tanh, and after s = x² this takes 3 dependent operations (s², then 2 multiply-adds)
    // where Horner's scheme takes 4 multiply-adds (docs/kernel-choices.md).
    // x² is clamped: beyond ±9, x·P(81)/Q(81) ≥ 1 and the result clamps to ±1, as tanh rounds in float32; below 2⁻⁶⁰,
    // P and Q round to 1 either way, and s² stays normal (no subnormal operation, see below).
    private const float TanhSquareMin = 8.67361738e-19f; // 2⁻⁶⁰
    private const float TanhSquareMax = 81f;
    // Below 2⁻¹⁰⁰, tanh returns 0 (absolute error < 1e-30): no subnormal number enters its final multiply, and a σ gate
    // (0 or at least 2⁻²⁵) times a tanh stays normal. x² is a fused multiply-add, which takes a subnormal operand at
    // full speed where a multiply does not (Zen 5). Both cost no latency: the test runs beside the polynomials.
    private const float TanhZeroBelow = 7.88860905e-31f; // 2⁻¹⁰⁰
    private const float P1 = 1.33997321e-01f, P2 = 3.51787964e-03f, P3 = 2.09800419e-05f, P4 = 1.38794327e-08f;
    private const float Q1 = 4.67330515e-01f, Q2 = 2.59615835e-02f, Q3 = 3.32225201e-04f, Q4 = 7.98888323e-07f;

    // ---- multiply-add: a · b + c, fused where the hardware has it ----

    /// <summary>Returns <c>a · b + c</c>, fused when the CPU supports it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <inheritdoc cref="MultiplyAdd(float, float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
    {
        if (Fma.IsSupported) return Fma.MultiplyAdd(a, b, c);
        if (AdvSimd.IsSupported) return AdvSimd.FusedMultiplyAdd(c, a, b);
        return a * b + c;
    }

    /// <inheritdoc cref="MultiplyAdd(float, float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <inheritdoc cref="MultiplyAdd(float, float, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

    // ---- flush to zero ----

    // The smallest positive normal float, 2⁻¹²⁶.
    private const float SmallestNormal = 1.17549435e-38f;

    /// <summary>
    /// Returns <paramref name="x"/> with a subnormal value (0 &lt; |x| &lt; 2⁻¹²⁶) replaced by +0, as a CPU's flush-to-zero
    /// mode would; normal values, ±0, ±∞ and NaN pass unchanged.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FlushSubnormals(float x) => MathF.Abs(x) < SmallestNormal ? 0f : x;

    /// <inheritdoc cref="FlushSubnormals(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> FlushSubnormals(Vector128<float> x) =>
        Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(x), Vector128.Create(SmallestNormal)), Vector128<float>.Zero, x);

    /// <inheritdoc cref="FlushSubnormals(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FlushSubnormals(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(SmallestNormal)), Vector256<float>.Zero, x);

    /// <inheritdoc cref="FlushSubnormals(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FlushSubnormals(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), Vector512.Create(SmallestNormal)), Vector512<float>.Zero, x);

    // ---- tanh ----
    // Every vector Min and Max takes the constant first: a NaN in x then comes out as NaN, both where Min/Max are the
    // x86 instructions (.NET 8: the second operand wins when either is NaN) and where they follow IEEE 754 (.NET 9 on).
    // A final ConditionalSelect on x did that before; at 128 and 256 bits the JIT compiled it to a blend that took one
    // operand through the stack, on the step's critical path (docs/kernel-choices.md).

    /// <summary>Hyperbolic tangent, absolute error below 3e-7; the result stays within [−1, 1]; NaN propagates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        if (float.IsNaN(x)) return x;
        float s = Math.Clamp(MultiplyAdd(x, x, 0f), TanhSquareMin, TanhSquareMax), s2 = s * s;
        float p = MultiplyAdd(MultiplyAdd(P4, s2, MultiplyAdd(P3, s, P2)), s2, MultiplyAdd(P1, s, 1f));
        float q = MultiplyAdd(MultiplyAdd(Q4, s2, MultiplyAdd(Q3, s, Q2)), s2, MultiplyAdd(Q1, s, 1f));
        return Math.Clamp((MathF.Abs(x) < TanhZeroBelow ? 0f : x) * p / q, -1f, 1f);
    }

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        Vector128<float> s = Vector128.Min(Vector128.Create(TanhSquareMax), Vector128.Max(Vector128.Create(TanhSquareMin), MultiplyAdd(x, x, Vector128<float>.Zero)));
        Vector128<float> s2 = s * s;
        Vector128<float> p = MultiplyAdd(MultiplyAdd(Vector128.Create(P4), s2, MultiplyAdd(Vector128.Create(P3), s, Vector128.Create(P2))), s2, MultiplyAdd(Vector128.Create(P1), s, Vector128<float>.One));
        Vector128<float> q = MultiplyAdd(MultiplyAdd(Vector128.Create(Q4), s2, MultiplyAdd(Vector128.Create(Q3), s, Vector128.Create(Q2))), s2, MultiplyAdd(Vector128.Create(Q1), s, Vector128<float>.One));
        Vector128<float> tiny = Vector128.LessThan(Vector128.Abs(x), Vector128.Create(TanhZeroBelow));
        return Vector128.Min(Vector128<float>.One, Vector128.Max(-Vector128<float>.One, Vector128.ConditionalSelect(tiny, Vector128<float>.Zero, x) * p / q));
    }

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> s = Vector256.Min(Vector256.Create(TanhSquareMax), Vector256.Max(Vector256.Create(TanhSquareMin), MultiplyAdd(x, x, Vector256<float>.Zero)));
        Vector256<float> s2 = s * s;
        Vector256<float> p = MultiplyAdd(MultiplyAdd(Vector256.Create(P4), s2, MultiplyAdd(Vector256.Create(P3), s, Vector256.Create(P2))), s2, MultiplyAdd(Vector256.Create(P1), s, Vector256<float>.One));
        Vector256<float> q = MultiplyAdd(MultiplyAdd(Vector256.Create(Q4), s2, MultiplyAdd(Vector256.Create(Q3), s, Vector256.Create(Q2))), s2, MultiplyAdd(Vector256.Create(Q1), s, Vector256<float>.One));
        Vector256<float> tiny = Vector256.LessThan(Vector256.Abs(x), Vector256.Create(TanhZeroBelow));
        return Vector256.Min(Vector256<float>.One, Vector256.Max(-Vector256<float>.One, Vector256.ConditionalSelect(tiny, Vector256<float>.Zero, x) * p / q));
    }

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> s = Vector512.Min(Vector512.Create(TanhSquareMax), Vector512.Max(Vector512.Create(TanhSquareMin), MultiplyAdd(x, x, Vector512<float>.Zero)));
        Vector512<float> s2 = s * s;
        Vector512<float> p = MultiplyAdd(MultiplyAdd(Vector512.Create(P4), s2, MultiplyAdd(Vector512.Create(P3), s, Vector512.Create(P2))), s2, MultiplyAdd(Vector512.Create(P1), s, Vector512<float>.One));
        Vector512<float> q = MultiplyAdd(MultiplyAdd(Vector512.Create(Q4), s2, MultiplyAdd(Vector512.Create(Q3), s, Vector512.Create(Q2))), s2, MultiplyAdd(Vector512.Create(Q1), s, Vector512<float>.One));
        Vector512<float> tiny = Vector512.LessThan(Vector512.Abs(x), Vector512.Create(TanhZeroBelow));
        return Vector512.Min(Vector512<float>.One, Vector512.Max(-Vector512<float>.One, Vector512.ConditionalSelect(tiny, Vector512<float>.Zero, x) * p / q));
    }

    // ---- sigmoid gates: σ(2v) = ½ + ½·tanh(v), for gate rows pre-scaled by ½ ----

    /// <summary>Returns <c>σ(2v)</c>, the sigmoid of a gate whose weights were pre-scaled by ½.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SigmoidOfTwice(float v) => MultiplyAdd(Tanh(v), 0.5f, 0.5f);

    /// <inheritdoc cref="SigmoidOfTwice(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SigmoidOfTwice(Vector128<float> v) => MultiplyAdd(Tanh(v), Vector128.Create(0.5f), Vector128.Create(0.5f));

    /// <inheritdoc cref="SigmoidOfTwice(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SigmoidOfTwice(Vector256<float> v) => MultiplyAdd(Tanh(v), Vector256.Create(0.5f), Vector256.Create(0.5f));

    /// <inheritdoc cref="SigmoidOfTwice(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SigmoidOfTwice(Vector512<float> v) => MultiplyAdd(Tanh(v), Vector512.Create(0.5f), Vector512.Create(0.5f));

    // ---- cell updates, for slots packed by RecurrentPacking (sigmoid gates pre-scaled by ½) ----

    /// <summary>
    /// The LSTM cell update of one hidden unit: <c>c_t = σ(f)·c_{t-1} + σ(i)·tanh(g)</c> in place of <paramref name="cell"/>,
    /// and <c>h_t = σ(o)·tanh(c_t)</c> into <paramref name="hidden"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCell(float i, float f, float g, float o, ref float cell, ref float hidden)
    {
        float c = MultiplyAdd(SigmoidOfTwice(f), cell, SigmoidOfTwice(i) * Tanh(g));
        cell = FlushSubnormals(c);
        hidden = SigmoidOfTwice(o) * Tanh(c);
    }

    /// <summary>
    /// The GRU cell update of one hidden unit: <c>n = tanh(n_x + σ(r)·n_h)</c>, then
    /// <c>h_t = (1 − σ(z))·n + σ(z)·h_{t-1} = n + σ(z)·(h_{t-1} − n)</c> into <paramref name="hidden"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruCell(float r, float z, float nx, float nh, in float previous, ref float hidden)
    {
        float n = Tanh(MultiplyAdd(SigmoidOfTwice(r), nh, nx));
        hidden = MultiplyAdd(SigmoidOfTwice(z), previous - n, n);
    }

    /// <inheritdoc cref="LstmCell(float, float, float, float, ref float, ref float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCell(Vector128<float> i, Vector128<float> f, Vector128<float> g, Vector128<float> o, ref float cell, ref float hidden)
    {
        Vector128<float> c = MultiplyAdd(SigmoidOfTwice(f), Vector128.LoadUnsafe(ref cell), SigmoidOfTwice(i) * Tanh(g));
        FlushSubnormals(c).StoreUnsafe(ref cell);
        (SigmoidOfTwice(o) * Tanh(c)).StoreUnsafe(ref hidden);
    }

    /// <inheritdoc cref="GruCell(float, float, float, float, in float, ref float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruCell(Vector128<float> r, Vector128<float> z, Vector128<float> nx, Vector128<float> nh, in float previous, ref float hidden)
    {
        Vector128<float> n = Tanh(MultiplyAdd(SigmoidOfTwice(r), nh, nx));
        MultiplyAdd(SigmoidOfTwice(z), Vector128.LoadUnsafe(in previous) - n, n).StoreUnsafe(ref hidden);
    }

    /// <inheritdoc cref="LstmCell(float, float, float, float, ref float, ref float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCell(Vector256<float> i, Vector256<float> f, Vector256<float> g, Vector256<float> o, ref float cell, ref float hidden)
    {
        Vector256<float> c = MultiplyAdd(SigmoidOfTwice(f), Vector256.LoadUnsafe(ref cell), SigmoidOfTwice(i) * Tanh(g));
        FlushSubnormals(c).StoreUnsafe(ref cell);
        (SigmoidOfTwice(o) * Tanh(c)).StoreUnsafe(ref hidden);
    }

    /// <inheritdoc cref="GruCell(float, float, float, float, in float, ref float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruCell(Vector256<float> r, Vector256<float> z, Vector256<float> nx, Vector256<float> nh, in float previous, ref float hidden)
    {
        Vector256<float> n = Tanh(MultiplyAdd(SigmoidOfTwice(r), nh, nx));
        MultiplyAdd(SigmoidOfTwice(z), Vector256.LoadUnsafe(in previous) - n, n).StoreUnsafe(ref hidden);
    }

    /// <inheritdoc cref="LstmCell(float, float, float, float, ref float, ref float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCell(Vector512<float> i, Vector512<float> f, Vector512<float> g, Vector512<float> o, ref float cell, ref float hidden)
    {
        Vector512<float> c = MultiplyAdd(SigmoidOfTwice(f), Vector512.LoadUnsafe(ref cell), SigmoidOfTwice(i) * Tanh(g));
        FlushSubnormals(c).StoreUnsafe(ref cell);
        (SigmoidOfTwice(o) * Tanh(c)).StoreUnsafe(ref hidden);
    }

    /// <inheritdoc cref="GruCell(float, float, float, float, in float, ref float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruCell(Vector512<float> r, Vector512<float> z, Vector512<float> nx, Vector512<float> nh, in float previous, ref float hidden)
    {
        Vector512<float> n = Tanh(MultiplyAdd(SigmoidOfTwice(r), nh, nx));
        MultiplyAdd(SigmoidOfTwice(z), Vector512.LoadUnsafe(in previous) - n, n).StoreUnsafe(ref hidden);
    }

    // ---- LSTM cell updates of a rest tile: a few units whose four gates share vectors (see RecurrentPacking) ----

    /// <summary>
    /// The LSTM cell update of 4 units whose gates fill one vector, a quarter each: <c>[i | f | g | o]</c>. One
    /// <c>tanh</c> over the whole vector activates all four gates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCellQuarters(Vector512<float> gates, ref float cell, ref float hidden)
    {
        Vector512<float> t = Tanh(gates);
        LstmCellOfTanh(t.GetLower().GetLower(), t.GetLower().GetUpper(), t.GetUpper().GetLower(), t.GetUpper().GetUpper(), ref cell, ref hidden);
    }

    /// <summary>
    /// The LSTM cell update of 8 units whose gates fill two vectors, a half each: <c>[i | f]</c> and <c>[g | o]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCellHalves(Vector512<float> inputForget, Vector512<float> cellOutput, ref float cell, ref float hidden)
    {
        Vector512<float> a = Tanh(inputForget), b = Tanh(cellOutput);
        LstmCellOfTanh(a.GetLower(), a.GetUpper(), b.GetLower(), b.GetUpper(), ref cell, ref hidden);
    }

    /// <summary>
    /// The LSTM cell update of 4 units whose gates fill two vectors, a half each: <c>[i | f]</c> and <c>[g | o]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCellHalves(Vector256<float> inputForget, Vector256<float> cellOutput, ref float cell, ref float hidden)
    {
        Vector256<float> a = Tanh(inputForget), b = Tanh(cellOutput);
        LstmCellOfTanh(a.GetLower(), a.GetUpper(), b.GetLower(), b.GetUpper(), ref cell, ref hidden);
    }

    // The LSTM cell update from tanh of the (½-scaled) pre-activations: σ(2v) = ½ + ½·tanh(v).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmCellOfTanh(Vector128<float> ti, Vector128<float> tf, Vector128<float> tg, Vector128<float> to, ref float cell, ref float hidden)
    {
        Vector128<float> half = Vector128.Create(0.5f);
        Vector128<float> c = MultiplyAdd(MultiplyAdd(tf, half, half), Vector128.LoadUnsafe(ref cell), MultiplyAdd(ti, half, half) * tg);
        FlushSubnormals(c).StoreUnsafe(ref cell);
        (MultiplyAdd(to, half, half) * Tanh(c)).StoreUnsafe(ref hidden);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmCellOfTanh(Vector256<float> ti, Vector256<float> tf, Vector256<float> tg, Vector256<float> to, ref float cell, ref float hidden)
    {
        Vector256<float> half = Vector256.Create(0.5f);
        Vector256<float> c = MultiplyAdd(MultiplyAdd(tf, half, half), Vector256.LoadUnsafe(ref cell), MultiplyAdd(ti, half, half) * tg);
        FlushSubnormals(c).StoreUnsafe(ref cell);
        (MultiplyAdd(to, half, half) * Tanh(c)).StoreUnsafe(ref hidden);
    }

    // ---- the projection: h_t = W_hr · (o ⊙ tanh(c_t)) ----

    /// <summary>
    /// Writes <c>W_hr · m</c> to <paramref name="hidden"/> (<paramref name="width"/> floats, the ProjSize values and
    /// zeros), <c>m</c> being the <paramref name="hiddenSize"/> values at <paramref name="cellOutput"/> and W_hr packed by
    /// columns at <paramref name="columns"/>: <paramref name="hiddenSize"/> rows of <paramref name="width"/> floats, a
    /// multiple of the vector's lanes (<c>PackedLayout.ProjectionWidth</c>).
    /// </summary>
    /// <remarks>
    /// Each vector of outputs broadcasts every <c>m[k]</c> and multiply-adds column k, as the gates' sweeps do: no
    /// horizontal sums, and four chains instead of one, so that a step waits for a quarter of the multiply-adds.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Project<TSimd, TVector>(ref float columns, ref float cellOutput, ref float hidden, int hiddenSize, int width)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        for (int lane = 0; lane < width; lane += TSimd.Lanes)
        {
            TVector sum0 = TSimd.Zero, sum1 = TSimd.Zero, sum2 = TSimd.Zero, sum3 = TSimd.Zero;
            int k = 0;
            for (; k + 4 <= hiddenSize; k += 4)
            {
                int row = k * width + lane;
                sum0 = TSimd.MultiplyAdd(ref columns, row, TSimd.Create(Unsafe.Add(ref cellOutput, k)), sum0);
                sum1 = TSimd.MultiplyAdd(ref columns, row + width, TSimd.Create(Unsafe.Add(ref cellOutput, k + 1)), sum1);
                sum2 = TSimd.MultiplyAdd(ref columns, row + 2 * width, TSimd.Create(Unsafe.Add(ref cellOutput, k + 2)), sum2);
                sum3 = TSimd.MultiplyAdd(ref columns, row + 3 * width, TSimd.Create(Unsafe.Add(ref cellOutput, k + 3)), sum3);
            }
            for (; k < hiddenSize; k++)
                sum0 = TSimd.MultiplyAdd(ref columns, k * width + lane, TSimd.Create(Unsafe.Add(ref cellOutput, k)), sum0);
            TSimd.Store(TSimd.Add(TSimd.Add(sum0, sum1), TSimd.Add(sum2, sum3)), ref hidden, lane);
        }
    }

    // ---- dot product (the Linear head) ----

    /// <summary>Returns <c>Σ a[k]·b[k]</c> for <c>k &lt; length</c>.</summary>
    public static float Dot(ref float a, ref float b, int length)
    {
        int k = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; k <= length - Vector256<float>.Count; k += Vector256<float>.Count)
                acc = MultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)k), Vector256.LoadUnsafe(ref b, (nuint)k), acc);
            sum = Vector256.Sum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && length >= Vector128<float>.Count)
        {
            Vector128<float> acc = Vector128<float>.Zero;
            for (; k <= length - Vector128<float>.Count; k += Vector128<float>.Count)
                acc = MultiplyAdd(Vector128.LoadUnsafe(ref a, (nuint)k), Vector128.LoadUnsafe(ref b, (nuint)k), acc);
            sum = Vector128.Sum(acc);
        }
        for (; k < length; k++)
            sum = MultiplyAdd(Unsafe.Add(ref a, k), Unsafe.Add(ref b, k), sum);
        return sum;
    }
}
