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
/// The sizes of a run-time-sized model and the offsets they imply in the <see cref="PackedLayout"/> of its weights and
/// state (whole tiles of <see cref="Lanes"/> units, no rest tile).
/// </summary>
internal readonly struct RecurrentLayout
{
    private readonly PackedLayout _packed;

    public RecurrentLayout(int inputSize, int hiddenSize, int outputSize, int numLayers, bool gru, int lanes)
    {
        _packed = new PackedLayout(inputSize, hiddenSize, outputSize, numLayers, lanes, restLanes: 0);
        Gru = gru;
        LayerStateLength = (gru ? 2 : 3) * _packed.StateStride;
        StateLength = checked(numLayers * LayerStateLength);
    }

    public int InputSize => _packed.InputSize;
    public int HiddenSize => _packed.HiddenSize;
    public int OutputSize => _packed.OutputSize;
    public int NumLayers => _packed.NumLayers;
    public bool Gru { get; }
    public int Lanes => _packed.Lanes;
    public int Tiles => _packed.Tiles;
    public int LayerStateLength { get; }
    public int StateLength { get; }

    /// <summary>Where fc.weight ([OutputSize, HiddenSize]) starts in the packed weights.</summary>
    public int HeadOffset => _packed.HeadOffset;

    /// <summary>Where fc.bias starts in the packed weights.</summary>
    public int HeadBiasOffset => _packed.HeadOffset + OutputSize * HiddenSize;

    public int PackedLength => _packed.PackedLength;

    /// <summary>Inputs of a layer: InputSize for layer 0, HiddenSize above.</summary>
    public int LayerInputs(int layer) => _packed.LayerInputs(layer);

    /// <summary>Where a layer's panels start in the packed weights.</summary>
    public int LayerOffset(int layer) => _packed.LayerOffset(layer);

    /// <summary>Where the h buffer <paramref name="parity"/> of a layer starts in the state.</summary>
    public int HiddenOffset(int layer, int parity) => layer * LayerStateLength + parity * _packed.StateStride;

    /// <summary>Where the c of an LSTM layer starts in the state.</summary>
    public int CellOffset(int layer) => layer * LayerStateLength + 2 * _packed.StateStride;
}

/// <summary>
/// One time step of every layer of an LSTM or GRU whose sizes are known only at run time, over the
/// <see cref="RecurrentPacking"/> layout with <see cref="Lanes"/> lanes per tile. Each tile accumulates its 4 slot
/// vectors by broadcasting every input and hidden value and multiply-adding a panel row, as the generated kernels do,
/// but with loops instead of unrolled constants. The state layout is <see cref="RecurrentScalarKernel"/>'s, which is
/// also the fallback when no vector width is accelerated.
/// </summary>
internal static class RecurrentVectorKernel
{
    /// <summary>Hidden units per tile: 2 Vector256 or 1 Vector512 per slot.</summary>
    public const int Lanes = 16;

    private const int RowLength = PackedLayout.Slots * Lanes;

    /// <summary>The widest accelerated path of this process.</summary>
    public static KernelPath BestPath =>
        Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : Vector256.IsHardwareAccelerated ? KernelPath.Vector256
        : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
        : KernelPath.Scalar;

    /// <summary>
    /// Runs one step of every layer on <paramref name="input"/> (InputSize values): reads each layer's h_{t-1} from
    /// buffer <paramref name="parity"/> of <paramref name="state"/> and writes h_t to the other (c in place).
    /// </summary>
    public static void Step(in RecurrentLayout layout, ReadOnlySpan<float> packed, ReadOnlySpan<float> input,
        Span<float> state, int parity, KernelPath path)
    {
        if (layout.Lanes != Lanes || packed.Length != layout.PackedLength || input.Length != layout.InputSize || state.Length != layout.StateLength)
            throw new ArgumentException("The spans do not match the layout.");

        if (path == KernelPath.Scalar)
        {
            RecurrentScalarKernel.Step(packed, input, state, layout.InputSize, layout.HiddenSize, layout.NumLayers, Lanes, restLanes: 0, layout.Gru, parity);
            return;
        }

        ref float weights = ref MemoryMarshal.GetReference(packed);
        ref float s = ref MemoryMarshal.GetReference(state);
        for (int layer = 0; layer < layout.NumLayers; layer++)
        {
            // Layer 0 reads x_t; each layer above reads the h_t just computed below it.
            ref float x = ref layer == 0
                ? ref MemoryMarshal.GetReference(input)
                : ref Unsafe.Add(ref s, layout.HiddenOffset(layer - 1, parity ^ 1));
            ref float layerWeights = ref Unsafe.Add(ref weights, layout.LayerOffset(layer));
            ref float hPrev = ref Unsafe.Add(ref s, layout.HiddenOffset(layer, parity));
            ref float hNext = ref Unsafe.Add(ref s, layout.HiddenOffset(layer, parity ^ 1));
            // A GRU has no cell state; the kernels do not touch this reference then.
            ref float cell = ref layout.Gru ? ref hPrev : ref Unsafe.Add(ref s, layout.CellOffset(layer));
            int inputs = layout.LayerInputs(layer);

            switch (path)
            {
                case KernelPath.Vector512:
                    Layer512(ref layerWeights, ref x, inputs, layout.HiddenSize, layout.Tiles, ref hPrev, ref hNext, ref cell, layout.Gru);
                    break;
                case KernelPath.Vector256:
                    Layer256(ref layerWeights, ref x, inputs, layout.HiddenSize, layout.Tiles, ref hPrev, ref hNext, ref cell, layout.Gru);
                    break;
                default:
                    Layer128(ref layerWeights, ref x, inputs, layout.HiddenSize, layout.Tiles, ref hPrev, ref hNext, ref cell, layout.Gru);
                    break;
            }
        }
    }

    /// <summary>y = fc.weight · h + fc.bias, with <paramref name="h"/> the last layer's HiddenSize values.</summary>
    public static void Head(in RecurrentLayout layout, ReadOnlySpan<float> packed, ReadOnlySpan<float> h, Span<float> output)
    {
        if (packed.Length != layout.PackedLength || h.Length < layout.HiddenSize || output.Length != layout.OutputSize)
            throw new ArgumentException("The spans do not match the layout.");
        ref float weights = ref MemoryMarshal.GetReference(packed);
        ref float hidden = ref MemoryMarshal.GetReference(h);
        for (int o = 0; o < layout.OutputSize; o++)
        {
            output[o] = Unsafe.Add(ref weights, layout.HeadBiasOffset + o)
                + KernelMath.Dot(ref Unsafe.Add(ref weights, layout.HeadOffset + o * layout.HiddenSize), ref hidden, layout.HiddenSize);
        }
    }

    // ---- Vector512: one vector per slot; even and odd k accumulate separately to halve the dependency chains ----

    private static void Layer512(ref float weights, ref float x, int inputs, int hidden, int tiles,
        ref float hPrev, ref float hNext, ref float cell, bool gru)
    {
        int panelLength = (1 + inputs + hidden) * RowLength;
        for (int tile = 0; tile < tiles; tile++)
        {
            ref float panel = ref Unsafe.Add(ref weights, tile * panelLength);

            // The bias row, then W_ih rows against x, then W_hh rows against h_{t-1}.
            var s0 = Vector512.LoadUnsafe(ref panel, 0 * Lanes);
            var s1 = Vector512.LoadUnsafe(ref panel, 1 * Lanes);
            var s2 = Vector512.LoadUnsafe(ref panel, 2 * Lanes);
            var s3 = Vector512.LoadUnsafe(ref panel, 3 * Lanes);
            var t0 = Vector512<float>.Zero;
            var t1 = Vector512<float>.Zero;
            var t2 = Vector512<float>.Zero;
            var t3 = Vector512<float>.Zero;

            ref float row = ref Unsafe.Add(ref panel, RowLength);
            for (int source = 0; source < 2; source++)
            {
                ref float values = ref source == 0 ? ref x : ref hPrev;
                int count = source == 0 ? inputs : hidden;
                int k = 0;
                for (; k + 1 < count; k += 2)
                {
                    var v = Vector512.Create(Unsafe.Add(ref values, k));
                    s0 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, 0 * Lanes), v, s0);
                    s1 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, 1 * Lanes), v, s1);
                    s2 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, 2 * Lanes), v, s2);
                    s3 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, 3 * Lanes), v, s3);
                    var w = Vector512.Create(Unsafe.Add(ref values, k + 1));
                    t0 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, RowLength + 0 * Lanes), w, t0);
                    t1 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, RowLength + 1 * Lanes), w, t1);
                    t2 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, RowLength + 2 * Lanes), w, t2);
                    t3 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, RowLength + 3 * Lanes), w, t3);
                    row = ref Unsafe.Add(ref row, 2 * RowLength);
                }
                if (k < count)
                {
                    var v = Vector512.Create(Unsafe.Add(ref values, k));
                    s0 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, 0 * Lanes), v, s0);
                    s1 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, 1 * Lanes), v, s1);
                    s2 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, 2 * Lanes), v, s2);
                    s3 = KernelMath.MultiplyAdd(Vector512.LoadUnsafe(ref row, 3 * Lanes), v, s3);
                    row = ref Unsafe.Add(ref row, RowLength);
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

    private static void Layer256(ref float weights, ref float x, int inputs, int hidden, int tiles,
        ref float hPrev, ref float hNext, ref float cell, bool gru)
    {
        const int Half = Lanes / 2;
        int panelLength = (1 + inputs + hidden) * RowLength;
        for (int tile = 0; tile < tiles; tile++)
        {
            ref float panel = ref Unsafe.Add(ref weights, tile * panelLength);

            var s0 = Vector256.LoadUnsafe(ref panel, 0 * Lanes);
            var s0b = Vector256.LoadUnsafe(ref panel, 0 * Lanes + Half);
            var s1 = Vector256.LoadUnsafe(ref panel, 1 * Lanes);
            var s1b = Vector256.LoadUnsafe(ref panel, 1 * Lanes + Half);
            var s2 = Vector256.LoadUnsafe(ref panel, 2 * Lanes);
            var s2b = Vector256.LoadUnsafe(ref panel, 2 * Lanes + Half);
            var s3 = Vector256.LoadUnsafe(ref panel, 3 * Lanes);
            var s3b = Vector256.LoadUnsafe(ref panel, 3 * Lanes + Half);

            ref float row = ref Unsafe.Add(ref panel, RowLength);
            for (int source = 0; source < 2; source++)
            {
                ref float values = ref source == 0 ? ref x : ref hPrev;
                int count = source == 0 ? inputs : hidden;
                for (int k = 0; k < count; k++)
                {
                    var v = Vector256.Create(Unsafe.Add(ref values, k));
                    s0 = KernelMath.MultiplyAdd(Vector256.LoadUnsafe(ref row, 0 * Lanes), v, s0);
                    s0b = KernelMath.MultiplyAdd(Vector256.LoadUnsafe(ref row, 0 * Lanes + Half), v, s0b);
                    s1 = KernelMath.MultiplyAdd(Vector256.LoadUnsafe(ref row, 1 * Lanes), v, s1);
                    s1b = KernelMath.MultiplyAdd(Vector256.LoadUnsafe(ref row, 1 * Lanes + Half), v, s1b);
                    s2 = KernelMath.MultiplyAdd(Vector256.LoadUnsafe(ref row, 2 * Lanes), v, s2);
                    s2b = KernelMath.MultiplyAdd(Vector256.LoadUnsafe(ref row, 2 * Lanes + Half), v, s2b);
                    s3 = KernelMath.MultiplyAdd(Vector256.LoadUnsafe(ref row, 3 * Lanes), v, s3);
                    s3b = KernelMath.MultiplyAdd(Vector256.LoadUnsafe(ref row, 3 * Lanes + Half), v, s3b);
                    row = ref Unsafe.Add(ref row, RowLength);
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

    private static void Layer128(ref float weights, ref float x, int inputs, int hidden, int tiles,
        ref float hPrev, ref float hNext, ref float cell, bool gru)
    {
        const int Quarter = Lanes / 4;
        int panelLength = (1 + inputs + hidden) * RowLength;
        for (int tile = 0; tile < tiles; tile++)
        {
            for (int half = 0; half < Lanes; half += Lanes / 2)
            {
                ref float panel = ref Unsafe.Add(ref weights, tile * panelLength + half);

                var s0 = Vector128.LoadUnsafe(ref panel, 0 * Lanes);
                var s0b = Vector128.LoadUnsafe(ref panel, 0 * Lanes + Quarter);
                var s1 = Vector128.LoadUnsafe(ref panel, 1 * Lanes);
                var s1b = Vector128.LoadUnsafe(ref panel, 1 * Lanes + Quarter);
                var s2 = Vector128.LoadUnsafe(ref panel, 2 * Lanes);
                var s2b = Vector128.LoadUnsafe(ref panel, 2 * Lanes + Quarter);
                var s3 = Vector128.LoadUnsafe(ref panel, 3 * Lanes);
                var s3b = Vector128.LoadUnsafe(ref panel, 3 * Lanes + Quarter);

                ref float row = ref Unsafe.Add(ref panel, RowLength);
                for (int source = 0; source < 2; source++)
                {
                    ref float values = ref source == 0 ? ref x : ref hPrev;
                    int count = source == 0 ? inputs : hidden;
                    for (int k = 0; k < count; k++)
                    {
                        var v = Vector128.Create(Unsafe.Add(ref values, k));
                        s0 = KernelMath.MultiplyAdd(Vector128.LoadUnsafe(ref row, 0 * Lanes), v, s0);
                        s0b = KernelMath.MultiplyAdd(Vector128.LoadUnsafe(ref row, 0 * Lanes + Quarter), v, s0b);
                        s1 = KernelMath.MultiplyAdd(Vector128.LoadUnsafe(ref row, 1 * Lanes), v, s1);
                        s1b = KernelMath.MultiplyAdd(Vector128.LoadUnsafe(ref row, 1 * Lanes + Quarter), v, s1b);
                        s2 = KernelMath.MultiplyAdd(Vector128.LoadUnsafe(ref row, 2 * Lanes), v, s2);
                        s2b = KernelMath.MultiplyAdd(Vector128.LoadUnsafe(ref row, 2 * Lanes + Quarter), v, s2b);
                        s3 = KernelMath.MultiplyAdd(Vector128.LoadUnsafe(ref row, 3 * Lanes), v, s3);
                        s3b = KernelMath.MultiplyAdd(Vector128.LoadUnsafe(ref row, 3 * Lanes + Quarter), v, s3b);
                        row = ref Unsafe.Add(ref row, RowLength);
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
