using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.Kernels;

/// <summary>
/// One SIMD width for code written once for every width: generated kernels whose code is the same on several paths
/// take the width as a type argument (<see cref="Simd128"/>, <see cref="Simd256"/>, <see cref="Simd512"/>). The JIT
/// compiles each instantiation on its own and inlines these calls, so the code is what a width-specific copy would be.
/// </summary>
/// <typeparam name="TVector">The vector type: <see cref="Vector128{T}"/>, <see cref="Vector256{T}"/> or <see cref="Vector512{T}"/> of float.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISimd<TVector> where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>A vector of zeros.</summary>
    static abstract TVector Zero { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TVector Create(float value);

    /// <summary>The vector at <paramref name="offset"/> floats from <paramref name="source"/>.</summary>
    static abstract TVector Load(ref float source, int offset);

    /// <summary>Stores <paramref name="value"/> at <paramref name="offset"/> floats from <paramref name="destination"/>.</summary>
    static abstract void Store(TVector value, ref float destination, int offset);

    /// <summary><c>a + b</c>.</summary>
    static abstract TVector Add(TVector a, TVector b);

    /// <summary><see cref="KernelMath.MultiplyAdd(float, float, float)"/>: <c>a · b + c</c>.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>
    /// <c>w · x + sum</c> with <c>w</c> the vector at <paramref name="offset"/> floats from <paramref name="weights"/>: a sweep's
    /// step, in one call. A sweep unrolls hundreds of them, and one inlined call each (not a load and a multiply-add, nested)
    /// leaves the JIT's inlining budget for the cell update after them.
    /// </summary>
    static abstract TVector MultiplyAdd(ref float weights, int offset, TVector x, TVector sum);

    /// <summary>
    /// The bfloat16 vector held in the high 16 bits of each lane at <paramref name="offset"/> floats from
    /// <paramref name="source"/>, widened to floats (see <see cref="PackedLayout.BFloat16"/>).
    /// </summary>
    static abstract TVector LoadHigh(ref float source, int offset);

    /// <summary>The bfloat16 vector held in the low 16 bits of each lane, widened to floats.</summary>
    static abstract TVector LoadLow(ref float source, int offset);

    /// <summary><see cref="MultiplyAdd(ref float, int, TVector, TVector)"/> with <c>w</c> the bfloat16 vector in the high halves (<see cref="LoadHigh"/>).</summary>
    static abstract TVector MultiplyAddHigh(ref float weights, int offset, TVector x, TVector sum);

    /// <summary><see cref="MultiplyAdd(ref float, int, TVector, TVector)"/> with <c>w</c> the bfloat16 vector in the low halves (<see cref="LoadLow"/>).</summary>
    static abstract TVector MultiplyAddLow(ref float weights, int offset, TVector x, TVector sum);

    /// <summary>Lane <paramref name="index"/>.</summary>
    static abstract float GetElement(TVector vector, int index);

    /// <summary><see cref="KernelMath.LstmCell(float, float, float, float, ref float, ref float)"/> of a vector of units.</summary>
    static abstract void LstmCell(TVector i, TVector f, TVector g, TVector o, ref float cell, ref float hidden);

    /// <summary><see cref="KernelMath.GruCell(float, float, float, float, in float, ref float)"/> of a vector of units.</summary>
    static abstract void GruCell(TVector r, TVector z, TVector nx, TVector nh, in float previous, ref float hidden);
}

/// <summary>Vector128 (SSE, NEON).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Simd128 : ISimd<Vector128<float>>
{
    /// <inheritdoc/>
    public static int Lanes => 4;

    /// <inheritdoc/>
    public static Vector128<float> Zero => Vector128<float>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, int offset) => Vector128.LoadUnsafe(ref source, (nuint)offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, int offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => KernelMath.MultiplyAdd(a, b, c);

    /// <inheritdoc/>
    /// <remarks>The instructions of <see cref="KernelMath.MultiplyAdd(Vector128{float}, Vector128{float}, Vector128{float})"/>, written out: no nested call.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(ref float weights, int offset, Vector128<float> x, Vector128<float> sum)
    {
        Vector128<float> w = Vector128.LoadUnsafe(ref weights, (nuint)offset);
        if (Fma.IsSupported) return Fma.MultiplyAdd(w, x, sum);
        if (AdvSimd.IsSupported) return AdvSimd.FusedMultiplyAdd(sum, w, x);
        return w * x + sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadHigh(ref float source, int offset) =>
        (Vector128.LoadUnsafe(ref source, (nuint)offset).AsUInt32() & Vector128.Create(0xFFFF0000u)).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadLow(ref float source, int offset) =>
        Vector128.ShiftLeft(Vector128.LoadUnsafe(ref source, (nuint)offset).AsUInt32(), 16).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAddHigh(ref float weights, int offset, Vector128<float> x, Vector128<float> sum)
    {
        Vector128<float> w = (Vector128.LoadUnsafe(ref weights, (nuint)offset).AsUInt32() & Vector128.Create(0xFFFF0000u)).AsSingle();
        if (Fma.IsSupported) return Fma.MultiplyAdd(w, x, sum);
        if (AdvSimd.IsSupported) return AdvSimd.FusedMultiplyAdd(sum, w, x);
        return w * x + sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAddLow(ref float weights, int offset, Vector128<float> x, Vector128<float> sum)
    {
        Vector128<float> w = Vector128.ShiftLeft(Vector128.LoadUnsafe(ref weights, (nuint)offset).AsUInt32(), 16).AsSingle();
        if (Fma.IsSupported) return Fma.MultiplyAdd(w, x, sum);
        if (AdvSimd.IsSupported) return AdvSimd.FusedMultiplyAdd(sum, w, x);
        return w * x + sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GetElement(Vector128<float> vector, int index) => vector.GetElement(index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCell(Vector128<float> i, Vector128<float> f, Vector128<float> g, Vector128<float> o, ref float cell, ref float hidden) =>
        KernelMath.LstmCell(i, f, g, o, ref cell, ref hidden);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruCell(Vector128<float> r, Vector128<float> z, Vector128<float> nx, Vector128<float> nh, in float previous, ref float hidden) =>
        KernelMath.GruCell(r, z, nx, nh, in previous, ref hidden);
}

/// <summary>Vector256 (AVX2).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Simd256 : ISimd<Vector256<float>>
{
    /// <inheritdoc/>
    public static int Lanes => 8;

    /// <inheritdoc/>
    public static Vector256<float> Zero => Vector256<float>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, int offset) => Vector256.LoadUnsafe(ref source, (nuint)offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, int offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => KernelMath.MultiplyAdd(a, b, c);

    /// <inheritdoc/>
    /// <remarks>The instructions of <see cref="KernelMath.MultiplyAdd(Vector256{float}, Vector256{float}, Vector256{float})"/>, written out: no nested call.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(ref float weights, int offset, Vector256<float> x, Vector256<float> sum)
    {
        Vector256<float> w = Vector256.LoadUnsafe(ref weights, (nuint)offset);
        return Fma.IsSupported ? Fma.MultiplyAdd(w, x, sum) : w * x + sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadHigh(ref float source, int offset) =>
        (Vector256.LoadUnsafe(ref source, (nuint)offset).AsUInt32() & Vector256.Create(0xFFFF0000u)).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadLow(ref float source, int offset) =>
        Vector256.ShiftLeft(Vector256.LoadUnsafe(ref source, (nuint)offset).AsUInt32(), 16).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAddHigh(ref float weights, int offset, Vector256<float> x, Vector256<float> sum)
    {
        Vector256<float> w = (Vector256.LoadUnsafe(ref weights, (nuint)offset).AsUInt32() & Vector256.Create(0xFFFF0000u)).AsSingle();
        return Fma.IsSupported ? Fma.MultiplyAdd(w, x, sum) : w * x + sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAddLow(ref float weights, int offset, Vector256<float> x, Vector256<float> sum)
    {
        Vector256<float> w = Vector256.ShiftLeft(Vector256.LoadUnsafe(ref weights, (nuint)offset).AsUInt32(), 16).AsSingle();
        return Fma.IsSupported ? Fma.MultiplyAdd(w, x, sum) : w * x + sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GetElement(Vector256<float> vector, int index) => vector.GetElement(index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCell(Vector256<float> i, Vector256<float> f, Vector256<float> g, Vector256<float> o, ref float cell, ref float hidden) =>
        KernelMath.LstmCell(i, f, g, o, ref cell, ref hidden);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruCell(Vector256<float> r, Vector256<float> z, Vector256<float> nx, Vector256<float> nh, in float previous, ref float hidden) =>
        KernelMath.GruCell(r, z, nx, nh, in previous, ref hidden);
}

/// <summary>Vector512 (AVX-512).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Simd512 : ISimd<Vector512<float>>
{
    /// <inheritdoc/>
    public static int Lanes => 16;

    /// <inheritdoc/>
    public static Vector512<float> Zero => Vector512<float>.Zero;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, int offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, int offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => KernelMath.MultiplyAdd(a, b, c);

    /// <inheritdoc/>
    /// <remarks>The instructions of <see cref="KernelMath.MultiplyAdd(Vector512{float}, Vector512{float}, Vector512{float})"/>, written out: no nested call.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(ref float weights, int offset, Vector512<float> x, Vector512<float> sum)
    {
        Vector512<float> w = Vector512.LoadUnsafe(ref weights, (nuint)offset);
        return Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(w, x, sum) : w * x + sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadHigh(ref float source, int offset) =>
        (Vector512.LoadUnsafe(ref source, (nuint)offset).AsUInt32() & Vector512.Create(0xFFFF0000u)).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadLow(ref float source, int offset) =>
        Vector512.ShiftLeft(Vector512.LoadUnsafe(ref source, (nuint)offset).AsUInt32(), 16).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAddHigh(ref float weights, int offset, Vector512<float> x, Vector512<float> sum)
    {
        Vector512<float> w = (Vector512.LoadUnsafe(ref weights, (nuint)offset).AsUInt32() & Vector512.Create(0xFFFF0000u)).AsSingle();
        return Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(w, x, sum) : w * x + sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAddLow(ref float weights, int offset, Vector512<float> x, Vector512<float> sum)
    {
        Vector512<float> w = Vector512.ShiftLeft(Vector512.LoadUnsafe(ref weights, (nuint)offset).AsUInt32(), 16).AsSingle();
        return Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(w, x, sum) : w * x + sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GetElement(Vector512<float> vector, int index) => vector.GetElement(index);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmCell(Vector512<float> i, Vector512<float> f, Vector512<float> g, Vector512<float> o, ref float cell, ref float hidden) =>
        KernelMath.LstmCell(i, f, g, o, ref cell, ref hidden);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruCell(Vector512<float> r, Vector512<float> z, Vector512<float> nx, Vector512<float> nh, in float previous, ref float hidden) =>
        KernelMath.GruCell(r, z, nx, nh, in previous, ref hidden);
}
