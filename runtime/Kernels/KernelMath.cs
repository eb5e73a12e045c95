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
/// <c>tanh</c> is evaluated as <c>(e − 1) / (e + 1)</c> with <c>e = exp(2x)</c> from a Cody–Waite range
/// reduction and a degree-7 Taylor polynomial; its absolute error is below 2.5e-7 over all floats
/// (<c>KernelMathTests</c> measures it). Sigmoid gates use <c>σ(2v) = ½ + ½·tanh(v)</c>: the packed
/// weights of the i, f and o gates are pre-scaled by ½, so every gate needs just one <c>tanh</c>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelMath
{
    // tanh(±9) rounds to ±1 in float32, so clamping there loses nothing and keeps exp(2x) finite.
    private const float TanhClamp = 9f;
    private const float Log2E = 1.44269504088896341f;
    // ln 2 split so that n · Ln2High is exact for the |n| ≤ 26 that occur here.
    private const float Ln2High = 0.693145751953125f;
    private const float Ln2Low = 1.42860682030941723212e-6f;
    // Adding then subtracting 1.5 · 2^23 rounds a float of magnitude below 2^22 to the nearest integer.
    private const float RoundingMagic = 12582912f;
    private const float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

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

    // ---- tanh ----

    /// <summary>Hyperbolic tangent, absolute error below 2.5e-7; NaN propagates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        if (float.IsNaN(x)) return x;
        float twoX = 2f * Math.Clamp(x, -TanhClamp, TanhClamp);
        float n = (twoX * Log2E + RoundingMagic) - RoundingMagic;
        float r = MultiplyAdd(n, -Ln2High, twoX);
        r = MultiplyAdd(n, -Ln2Low, r);
        float e = ExpPolynomial(r) * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
        return (e - 1f) / (e + 1f);
    }

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        Vector128<float> twoX = Vector128.Create(2f) * Vector128.Min(Vector128.Max(x, Vector128.Create(-TanhClamp)), Vector128.Create(TanhClamp));
        Vector128<float> n = (twoX * Vector128.Create(Log2E) + Vector128.Create(RoundingMagic)) - Vector128.Create(RoundingMagic);
        Vector128<float> r = MultiplyAdd(n, Vector128.Create(-Ln2High), twoX);
        r = MultiplyAdd(n, Vector128.Create(-Ln2Low), r);
        Vector128<float> scale = Vector128.ShiftLeft(Vector128.ConvertToInt32(n) + Vector128.Create(127), 23).AsSingle();
        Vector128<float> e = ExpPolynomial(r) * scale;
        Vector128<float> t = (e - Vector128<float>.One) / (e + Vector128<float>.One);
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), t, x);
    }

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> twoX = Vector256.Create(2f) * Vector256.Min(Vector256.Max(x, Vector256.Create(-TanhClamp)), Vector256.Create(TanhClamp));
        Vector256<float> n = (twoX * Vector256.Create(Log2E) + Vector256.Create(RoundingMagic)) - Vector256.Create(RoundingMagic);
        Vector256<float> r = MultiplyAdd(n, Vector256.Create(-Ln2High), twoX);
        r = MultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        Vector256<float> scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        Vector256<float> e = ExpPolynomial(r) * scale;
        Vector256<float> t = (e - Vector256<float>.One) / (e + Vector256<float>.One);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), t, x);
    }

    /// <inheritdoc cref="Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> twoX = Vector512.Create(2f) * Vector512.Min(Vector512.Max(x, Vector512.Create(-TanhClamp)), Vector512.Create(TanhClamp));
        Vector512<float> n = (twoX * Vector512.Create(Log2E) + Vector512.Create(RoundingMagic)) - Vector512.Create(RoundingMagic);
        Vector512<float> r = MultiplyAdd(n, Vector512.Create(-Ln2High), twoX);
        r = MultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        Vector512<float> scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        Vector512<float> e = ExpPolynomial(r) * scale;
        Vector512<float> t = (e - Vector512<float>.One) / (e + Vector512<float>.One);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), t, x);
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

    // e^r for |r| ≤ ln2/2: Taylor series to degree 7 (truncation error below 6e-9).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ExpPolynomial(float r)
    {
        float p = MultiplyAdd(C7, r, C6);
        p = MultiplyAdd(p, r, C5);
        p = MultiplyAdd(p, r, C4);
        p = MultiplyAdd(p, r, C3);
        p = MultiplyAdd(p, r, C2);
        p = MultiplyAdd(p, r, 1f);
        return MultiplyAdd(p, r, 1f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ExpPolynomial(Vector128<float> r)
    {
        Vector128<float> p = MultiplyAdd(Vector128.Create(C7), r, Vector128.Create(C6));
        p = MultiplyAdd(p, r, Vector128.Create(C5));
        p = MultiplyAdd(p, r, Vector128.Create(C4));
        p = MultiplyAdd(p, r, Vector128.Create(C3));
        p = MultiplyAdd(p, r, Vector128.Create(C2));
        p = MultiplyAdd(p, r, Vector128<float>.One);
        return MultiplyAdd(p, r, Vector128<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpPolynomial(Vector256<float> r)
    {
        Vector256<float> p = MultiplyAdd(Vector256.Create(C7), r, Vector256.Create(C6));
        p = MultiplyAdd(p, r, Vector256.Create(C5));
        p = MultiplyAdd(p, r, Vector256.Create(C4));
        p = MultiplyAdd(p, r, Vector256.Create(C3));
        p = MultiplyAdd(p, r, Vector256.Create(C2));
        p = MultiplyAdd(p, r, Vector256<float>.One);
        return MultiplyAdd(p, r, Vector256<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpPolynomial(Vector512<float> r)
    {
        Vector512<float> p = MultiplyAdd(Vector512.Create(C7), r, Vector512.Create(C6));
        p = MultiplyAdd(p, r, Vector512.Create(C5));
        p = MultiplyAdd(p, r, Vector512.Create(C4));
        p = MultiplyAdd(p, r, Vector512.Create(C3));
        p = MultiplyAdd(p, r, Vector512.Create(C2));
        p = MultiplyAdd(p, r, Vector512<float>.One);
        return MultiplyAdd(p, r, Vector512<float>.One);
    }
}
