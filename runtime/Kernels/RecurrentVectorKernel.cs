using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen.Kernels;

/// <summary>The instruction width a <see cref="RecurrentVectorKernel"/> step runs on.</summary>
internal enum KernelPath
{
    /// <summary><see cref="RecurrentScalarKernel"/>, no SIMD.</summary>
    Scalar,

    /// <summary>Vector128: a tile in two halves of 8 lanes, 2 vectors per slot.</summary>
    Vector128,

    /// <summary>Vector256: 2 vectors per slot.</summary>
    Vector256,

    /// <summary>Vector512: 1 vector per slot, even and odd k in separate accumulators.</summary>
    Vector512,
}

/// <summary>
/// One time step of one layer and direction of an LSTM or GRU whose sizes are known only at run time, over panels
/// packed by <see cref="RecurrentPacking.PackPanels"/> in whole tiles of <see cref="Lanes"/> units. Each tile
/// accumulates its 4 slot vectors by broadcasting every input and recurrent value and multiply-adding a panel row, as
/// the generated kernels do, but with loops instead of unrolled constants. Each loop is compiled once per precision of
/// the panels' weights (<see cref="IPanelPrecision"/>). <see cref="RecurrentScalarKernel.Cell"/> is the same step
/// without SIMD.
/// </summary>
internal static class RecurrentVectorKernel
{
    /// <summary>Hidden units per tile: 2 Vector256 or 1 Vector512 per slot.</summary>
    public const int Lanes = 16;

    /// <summary>The widest accelerated path of this process.</summary>
    public static KernelPath BestPath =>
        Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : Vector256.IsHardwareAccelerated ? KernelPath.Vector256
        : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
        : KernelPath.Scalar;

    /// <summary>
    /// Computes the gates of <paramref name="hidden"/> units from <paramref name="x"/> and the first
    /// <paramref name="recurrent"/> values of <paramref name="hPrev"/> (H_out: h_{t-1}), then writes the new h (an
    /// LSTM's o ⊙ tanh c, before any projection) to <paramref name="hNext"/> and updates <paramref name="cell"/> in
    /// place (LSTM). Whole tiles are stored: <paramref name="hNext"/>, <paramref name="cell"/> and, for a GRU,
    /// <paramref name="hPrev"/> hold the units padded to whole tiles. With <paramref name="bfloat16"/>, the panels hold
    /// bfloat16 pairs.
    /// </summary>
    public static void Cell(KernelPath path, ReadOnlySpan<float> panels, ReadOnlySpan<float> x, ReadOnlySpan<float> hPrev, int recurrent,
        int hidden, Span<float> hNext, Span<float> cell, bool gru, bool bfloat16)
    {
        int tiles = (hidden + Lanes - 1) / Lanes, padded = tiles * Lanes;
        if (panels.Length < tiles * (1 + x.Length + recurrent) * (bfloat16 ? BFloat16Panels.RowLength : Float32Panels.RowLength)
            || hPrev.Length < (gru ? Math.Max(padded, recurrent) : recurrent) || hNext.Length < padded || (!gru && cell.Length < padded))
        {
            throw new ArgumentException("The spans do not match the layer's sizes.");
        }

        if (path == KernelPath.Scalar)
        {
            RecurrentScalarKernel.Cell(panels, x, hPrev.Slice(0, recurrent), hidden, hNext, cell, gru, Lanes, bfloat16);
            return;
        }

        ref float weights = ref MemoryMarshal.GetReference(panels);
        ref float input = ref MemoryMarshal.GetReference(x);
        ref float previous = ref MemoryMarshal.GetReference(hPrev);
        ref float next = ref MemoryMarshal.GetReference(hNext);
        // A GRU has no cell state; the kernels do not touch this reference then.
        ref float c = ref gru ? ref next : ref MemoryMarshal.GetReference(cell);
        switch (path)
        {
            case KernelPath.Vector512 when bfloat16:
                Layer512<BFloat16Panels>(ref weights, ref input, x.Length, recurrent, tiles, ref previous, ref next, ref c, gru);
                break;
            case KernelPath.Vector512:
                Layer512<Float32Panels>(ref weights, ref input, x.Length, recurrent, tiles, ref previous, ref next, ref c, gru);
                break;
            case KernelPath.Vector256 when bfloat16:
                Layer256<BFloat16Panels>(ref weights, ref input, x.Length, recurrent, tiles, ref previous, ref next, ref c, gru);
                break;
            case KernelPath.Vector256:
                Layer256<Float32Panels>(ref weights, ref input, x.Length, recurrent, tiles, ref previous, ref next, ref c, gru);
                break;
            default:
                if (bfloat16)
                    Layer128<BFloat16Panels>(ref weights, ref input, x.Length, recurrent, tiles, ref previous, ref next, ref c, gru);
                else
                    Layer128<Float32Panels>(ref weights, ref input, x.Length, recurrent, tiles, ref previous, ref next, ref c, gru);
                break;
        }
    }

    /// <summary>
    /// Writes <c>W_hr · m</c> to <paramref name="hidden"/> (its first <paramref name="width"/> floats), <c>m</c> being
    /// <paramref name="cellOutput"/> (o ⊙ tanh c) and <paramref name="columns"/> W_hr packed by
    /// <see cref="RecurrentPacking.PackProjection"/> in rows of <paramref name="width"/>, a multiple of <see cref="Lanes"/>.
    /// </summary>
    public static void Project(KernelPath path, ReadOnlySpan<float> columns, ReadOnlySpan<float> cellOutput, Span<float> hidden, int width)
    {
        int hiddenSize = columns.Length / width;
        if (width % Lanes != 0 || columns.Length != hiddenSize * width || cellOutput.Length < hiddenSize || hidden.Length < width)
            throw new ArgumentException("The spans do not match the projection's sizes.");

        ref float weights = ref MemoryMarshal.GetReference(columns);
        ref float m = ref MemoryMarshal.GetReference(cellOutput);
        ref float h = ref MemoryMarshal.GetReference(hidden);
        switch (path)
        {
            case KernelPath.Vector512:
                KernelMath.Project<Simd512, Vector512<float>>(ref weights, ref m, ref h, hiddenSize, width);
                break;
            case KernelPath.Vector256:
                KernelMath.Project<Simd256, Vector256<float>>(ref weights, ref m, ref h, hiddenSize, width);
                break;
            case KernelPath.Vector128:
                KernelMath.Project<Simd128, Vector128<float>>(ref weights, ref m, ref h, hiddenSize, width);
                break;
            default:
                RecurrentScalarKernel.Project(columns, cellOutput, hidden, width, width);
                break;
        }
    }

    // ---- Vector512: one vector per slot; even and odd k accumulate separately to halve the dependency chains ----

    private static void Layer512<TPrecision>(ref float weights, ref float x, int inputs, int recurrent, int tiles,
        ref float hPrev, ref float hNext, ref float cell, bool gru)
        where TPrecision : IPanelPrecision
    {
        int panelLength = (1 + inputs + recurrent) * TPrecision.RowLength;
        for (int tile = 0; tile < tiles; tile++)
        {
            ref float panel = ref Unsafe.Add(ref weights, tile * panelLength);

            // The bias row, then W_ih rows against x, then W_hh rows against h_{t-1} (H_out values).
            var s0 = TPrecision.Load<Simd512, Vector512<float>>(ref panel, 0, 0);
            var s1 = TPrecision.Load<Simd512, Vector512<float>>(ref panel, 1, 0);
            var s2 = TPrecision.Load<Simd512, Vector512<float>>(ref panel, 2, 0);
            var s3 = TPrecision.Load<Simd512, Vector512<float>>(ref panel, 3, 0);
            var t0 = Vector512<float>.Zero;
            var t1 = Vector512<float>.Zero;
            var t2 = Vector512<float>.Zero;
            var t3 = Vector512<float>.Zero;

            ref float row = ref Unsafe.Add(ref panel, TPrecision.RowLength);
            for (int source = 0; source < 2; source++)
            {
                ref float values = ref source == 0 ? ref x : ref hPrev;
                int count = source == 0 ? inputs : recurrent;
                int k = 0;
                for (; k + 1 < count; k += 2)
                {
                    var v = Vector512.Create(Unsafe.Add(ref values, k));
                    s0 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 0, 0, v, s0);
                    s1 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 1, 0, v, s1);
                    s2 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 2, 0, v, s2);
                    s3 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 3, 0, v, s3);
                    var w = Vector512.Create(Unsafe.Add(ref values, k + 1));
                    t0 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 0, TPrecision.RowLength, w, t0);
                    t1 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 1, TPrecision.RowLength, w, t1);
                    t2 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 2, TPrecision.RowLength, w, t2);
                    t3 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 3, TPrecision.RowLength, w, t3);
                    row = ref Unsafe.Add(ref row, 2 * TPrecision.RowLength);
                }
                if (k < count)
                {
                    var v = Vector512.Create(Unsafe.Add(ref values, k));
                    s0 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 0, 0, v, s0);
                    s1 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 1, 0, v, s1);
                    s2 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 2, 0, v, s2);
                    s3 = TPrecision.MultiplyAdd<Simd512, Vector512<float>>(ref row, 3, 0, v, s3);
                    row = ref Unsafe.Add(ref row, TPrecision.RowLength);
                }
            }

            int at = tile * Lanes;
            if (gru)
                KernelMath.GruCell(s0 + t0, s1 + t1, s2 + t2, s3 + t3, in Unsafe.Add(ref hPrev, at), ref Unsafe.Add(ref hNext, at));
            else
                KernelMath.LstmCell(s0 + t0, s1 + t1, s2 + t2, s3 + t3, ref Unsafe.Add(ref cell, at), ref Unsafe.Add(ref hNext, at));
        }
    }

    // ---- Vector256: two vectors per slot (lanes 0–7 and 8–15) ----

    private static void Layer256<TPrecision>(ref float weights, ref float x, int inputs, int recurrent, int tiles,
        ref float hPrev, ref float hNext, ref float cell, bool gru)
        where TPrecision : IPanelPrecision
    {
        const int Half = Lanes / 2;
        int panelLength = (1 + inputs + recurrent) * TPrecision.RowLength;
        for (int tile = 0; tile < tiles; tile++)
        {
            ref float panel = ref Unsafe.Add(ref weights, tile * panelLength);

            var s0 = TPrecision.Load<Simd256, Vector256<float>>(ref panel, 0, 0);
            var s0b = TPrecision.Load<Simd256, Vector256<float>>(ref panel, 0, Half);
            var s1 = TPrecision.Load<Simd256, Vector256<float>>(ref panel, 1, 0);
            var s1b = TPrecision.Load<Simd256, Vector256<float>>(ref panel, 1, Half);
            var s2 = TPrecision.Load<Simd256, Vector256<float>>(ref panel, 2, 0);
            var s2b = TPrecision.Load<Simd256, Vector256<float>>(ref panel, 2, Half);
            var s3 = TPrecision.Load<Simd256, Vector256<float>>(ref panel, 3, 0);
            var s3b = TPrecision.Load<Simd256, Vector256<float>>(ref panel, 3, Half);

            ref float row = ref Unsafe.Add(ref panel, TPrecision.RowLength);
            for (int source = 0; source < 2; source++)
            {
                ref float values = ref source == 0 ? ref x : ref hPrev;
                int count = source == 0 ? inputs : recurrent;
                for (int k = 0; k < count; k++)
                {
                    var v = Vector256.Create(Unsafe.Add(ref values, k));
                    s0 = TPrecision.MultiplyAdd<Simd256, Vector256<float>>(ref row, 0, 0, v, s0);
                    s0b = TPrecision.MultiplyAdd<Simd256, Vector256<float>>(ref row, 0, Half, v, s0b);
                    s1 = TPrecision.MultiplyAdd<Simd256, Vector256<float>>(ref row, 1, 0, v, s1);
                    s1b = TPrecision.MultiplyAdd<Simd256, Vector256<float>>(ref row, 1, Half, v, s1b);
                    s2 = TPrecision.MultiplyAdd<Simd256, Vector256<float>>(ref row, 2, 0, v, s2);
                    s2b = TPrecision.MultiplyAdd<Simd256, Vector256<float>>(ref row, 2, Half, v, s2b);
                    s3 = TPrecision.MultiplyAdd<Simd256, Vector256<float>>(ref row, 3, 0, v, s3);
                    s3b = TPrecision.MultiplyAdd<Simd256, Vector256<float>>(ref row, 3, Half, v, s3b);
                    row = ref Unsafe.Add(ref row, TPrecision.RowLength);
                }
            }

            int at = tile * Lanes;
            if (gru)
            {
                KernelMath.GruCell(s0, s1, s2, s3, in Unsafe.Add(ref hPrev, at), ref Unsafe.Add(ref hNext, at));
                KernelMath.GruCell(s0b, s1b, s2b, s3b, in Unsafe.Add(ref hPrev, at + Half), ref Unsafe.Add(ref hNext, at + Half));
            }
            else
            {
                KernelMath.LstmCell(s0, s1, s2, s3, ref Unsafe.Add(ref cell, at), ref Unsafe.Add(ref hNext, at));
                KernelMath.LstmCell(s0b, s1b, s2b, s3b, ref Unsafe.Add(ref cell, at + Half), ref Unsafe.Add(ref hNext, at + Half));
            }
        }
    }

    // ---- Vector128: each tile in two halves of 8 lanes, two vectors per slot and half ----

    private static void Layer128<TPrecision>(ref float weights, ref float x, int inputs, int recurrent, int tiles,
        ref float hPrev, ref float hNext, ref float cell, bool gru)
        where TPrecision : IPanelPrecision
    {
        const int Quarter = Lanes / 4;
        int panelLength = (1 + inputs + recurrent) * TPrecision.RowLength;
        for (int tile = 0; tile < tiles; tile++)
        {
            for (int half = 0; half < Lanes; half += Lanes / 2)
            {
                // A half's lanes sit at the same offset in every slot's vector.
                ref float panel = ref Unsafe.Add(ref weights, tile * panelLength + half);

                var s0 = TPrecision.Load<Simd128, Vector128<float>>(ref panel, 0, 0);
                var s0b = TPrecision.Load<Simd128, Vector128<float>>(ref panel, 0, Quarter);
                var s1 = TPrecision.Load<Simd128, Vector128<float>>(ref panel, 1, 0);
                var s1b = TPrecision.Load<Simd128, Vector128<float>>(ref panel, 1, Quarter);
                var s2 = TPrecision.Load<Simd128, Vector128<float>>(ref panel, 2, 0);
                var s2b = TPrecision.Load<Simd128, Vector128<float>>(ref panel, 2, Quarter);
                var s3 = TPrecision.Load<Simd128, Vector128<float>>(ref panel, 3, 0);
                var s3b = TPrecision.Load<Simd128, Vector128<float>>(ref panel, 3, Quarter);

                ref float row = ref Unsafe.Add(ref panel, TPrecision.RowLength);
                for (int source = 0; source < 2; source++)
                {
                    ref float values = ref source == 0 ? ref x : ref hPrev;
                    int count = source == 0 ? inputs : recurrent;
                    for (int k = 0; k < count; k++)
                    {
                        var v = Vector128.Create(Unsafe.Add(ref values, k));
                        s0 = TPrecision.MultiplyAdd<Simd128, Vector128<float>>(ref row, 0, 0, v, s0);
                        s0b = TPrecision.MultiplyAdd<Simd128, Vector128<float>>(ref row, 0, Quarter, v, s0b);
                        s1 = TPrecision.MultiplyAdd<Simd128, Vector128<float>>(ref row, 1, 0, v, s1);
                        s1b = TPrecision.MultiplyAdd<Simd128, Vector128<float>>(ref row, 1, Quarter, v, s1b);
                        s2 = TPrecision.MultiplyAdd<Simd128, Vector128<float>>(ref row, 2, 0, v, s2);
                        s2b = TPrecision.MultiplyAdd<Simd128, Vector128<float>>(ref row, 2, Quarter, v, s2b);
                        s3 = TPrecision.MultiplyAdd<Simd128, Vector128<float>>(ref row, 3, 0, v, s3);
                        s3b = TPrecision.MultiplyAdd<Simd128, Vector128<float>>(ref row, 3, Quarter, v, s3b);
                        row = ref Unsafe.Add(ref row, TPrecision.RowLength);
                    }
                }

                int at = tile * Lanes + half;
                if (gru)
                {
                    KernelMath.GruCell(s0, s1, s2, s3, in Unsafe.Add(ref hPrev, at), ref Unsafe.Add(ref hNext, at));
                    KernelMath.GruCell(s0b, s1b, s2b, s3b, in Unsafe.Add(ref hPrev, at + Quarter), ref Unsafe.Add(ref hNext, at + Quarter));
                }
                else
                {
                    KernelMath.LstmCell(s0, s1, s2, s3, ref Unsafe.Add(ref cell, at), ref Unsafe.Add(ref hNext, at));
                    KernelMath.LstmCell(s0b, s1b, s2b, s3b, ref Unsafe.Add(ref cell, at + Quarter), ref Unsafe.Add(ref hNext, at + Quarter));
                }
            }
        }
    }
}
