using System;
using System.Runtime.CompilerServices;

namespace LstmGen.Kernels;

/// <summary>
/// How panels hold their weights, for the kernels that take it as a type argument (<see cref="RecurrentVectorKernel"/>,
/// <see cref="RecurrentScalarKernel"/>): each precision compiles its own loops, so reading a weight decides nothing at
/// run time and the float32 loops stay what they were without bfloat16.
/// </summary>
internal interface IPanelPrecision
{
    /// <summary>
    /// Floats per panel row of <see cref="RecurrentVectorKernel"/>'s tiles: <see cref="PackedLayout.FloatsPerUnit"/> ·
    /// <see cref="RecurrentVectorKernel.Lanes"/>. A constant, not a local computed from one: the JIT then shapes the
    /// float32 loops exactly as with the literal they had before.
    /// </summary>
    static abstract int RowLength { get; }

    /// <summary>
    /// Slot <paramref name="slot"/>'s weights in a panel row of <see cref="RecurrentVectorKernel"/>'s tiles, widened to
    /// floats: the vector <paramref name="offset"/> floats past where the slot's lanes start in <paramref name="row"/> (a
    /// lane of the tile, plus <see cref="RowLength"/> for each row further on).
    /// </summary>
    static abstract TVector Load<TSimd, TVector>(ref float row, int slot, int offset)
        where TSimd : ISimd<TVector> where TVector : struct;

    /// <summary><c>w · x + sum</c>, with <c>w</c> the weights <see cref="Load"/> reads.</summary>
    static abstract TVector MultiplyAdd<TSimd, TVector>(ref float row, int slot, int offset, TVector x, TVector sum)
        where TSimd : ISimd<TVector> where TVector : struct;

    /// <summary>
    /// The weight at <paramref name="index"/> of <paramref name="rows"/>, which <see cref="PackedLayout.ColumnOffset"/>
    /// gives with <paramref name="high"/>.
    /// </summary>
    static abstract float Weight(ReadOnlySpan<float> rows, int index, bool high);
}

/// <summary>float32 panels: one weight per float.</summary>
internal readonly struct Float32Panels : IPanelPrecision
{
    public static int RowLength => PackedLayout.Slots * RecurrentVectorKernel.Lanes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Load<TSimd, TVector>(ref float row, int slot, int offset)
        where TSimd : ISimd<TVector> where TVector : struct =>
        TSimd.Load(ref row, slot * RecurrentVectorKernel.Lanes + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector MultiplyAdd<TSimd, TVector>(ref float row, int slot, int offset, TVector x, TVector sum)
        where TSimd : ISimd<TVector> where TVector : struct =>
        TSimd.MultiplyAdd(ref row, slot * RecurrentVectorKernel.Lanes + offset, x, sum);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Weight(ReadOnlySpan<float> rows, int index, bool high) => rows[index];
}

/// <summary>
/// bfloat16 panels: two weights per float, vectors 2j and 2j + 1 of a row sharing one (<see cref="PackedLayout.PairedVector"/>);
/// in <see cref="RecurrentVectorKernel"/>'s whole tiles, the vectors are the slots.
/// </summary>
internal readonly struct BFloat16Panels : IPanelPrecision
{
    public static int RowLength => PackedLayout.BFloat16FloatsPerUnit * RecurrentVectorKernel.Lanes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Load<TSimd, TVector>(ref float row, int slot, int offset)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        int at = PackedLayout.PairedVector(slot, out bool high) * RecurrentVectorKernel.Lanes + offset;
        return high ? TSimd.LoadHigh(ref row, at) : TSimd.LoadLow(ref row, at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector MultiplyAdd<TSimd, TVector>(ref float row, int slot, int offset, TVector x, TVector sum)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        int at = PackedLayout.PairedVector(slot, out bool high) * RecurrentVectorKernel.Lanes + offset;
        return high ? TSimd.MultiplyAddHigh(ref row, at, x, sum) : TSimd.MultiplyAddLow(ref row, at, x, sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Weight(ReadOnlySpan<float> rows, int index, bool high)
    {
        uint bits = BitConverter.SingleToUInt32Bits(rows[index]);
        return BitConverter.UInt32BitsToSingle(high ? bits & 0xFFFF0000 : bits << 16);
    }
}
