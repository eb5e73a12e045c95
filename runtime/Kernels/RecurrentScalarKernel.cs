using System;
using System.ComponentModel;

namespace LstmGen.Kernels;

/// <summary>
/// One time step of every layer without SIMD, for CPUs where no vector width is hardware accelerated. It reads the
/// <see cref="RecurrentPacking"/> layout and follows the generated kernels' state layout.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RecurrentScalarKernel
{
    /// <summary>
    /// Runs one step of every layer of a unidirectional model on <paramref name="input"/> (inputSize values). Each
    /// layer's state holds two hidden-state buffers (and, for an LSTM, the cell state, and with a projection
    /// o ⊙ tanh(c_t)), each <see cref="PackedLayout.StateStride"/> floats: the step reads h_{t-1} from buffer
    /// <paramref name="parity"/> and writes h_t to the other. The weights are packed in tiles of <paramref name="lanes"/>
    /// units and a rest tile of <paramref name="restLanes"/> (0: none), with layer 0's input rows apart when
    /// <paramref name="separateInput"/>, as bfloat16 pairs with <paramref name="bfloat16"/> (see <see cref="PackedLayout"/>).
    /// </summary>
    public static void Step(ReadOnlySpan<float> packed, ReadOnlySpan<float> input, Span<float> state,
        int inputSize, int hiddenSize, int numLayers, int lanes, int restLanes, bool gru, int parity, bool separateInput = false, int projSize = 0,
        bool bfloat16 = false)
    {
        var layout = new PackedLayout(inputSize, hiddenSize, outputSize: 0, numLayers, lanes, restLanes, separateInput, directions: 1, projSize, bfloat16);
        int layerState = LayerStateLength(layout, gru);
        for (int layer = 0; layer < numLayers; layer++)
        {
            ReadOnlySpan<float> x = layer == 0
                ? input
                : state.Slice((layer - 1) * layerState + (parity ^ 1) * layout.StateStride, layout.HiddenOutputSize);
            LayerStep(layout, layer, packed.Slice(layout.LayerOffset(layer), layout.LayerLength(layer)), x, state.Slice(layer * layerState, layerState), gru, parity);
        }
    }

    /// <summary>
    /// Runs one step of one direction of one layer, whose block (panels, then W_hr) is <paramref name="block"/>, on
    /// <paramref name="x"/> (the layer's inputs), with its state in <paramref name="state"/> as <see cref="Step"/> lays
    /// it out: the generated bidirectional models' path for CPUs without SIMD.
    /// </summary>
    public static void Layer(ReadOnlySpan<float> block, ReadOnlySpan<float> x, Span<float> state, int inputSize, int hiddenSize, int numLayers,
        int lanes, int restLanes, bool bidirectional, int projSize, bool gru, int layer, int parity, bool bfloat16 = false)
    {
        var layout = new PackedLayout(inputSize, hiddenSize, outputSize: 0, numLayers, lanes, restLanes, separateInput: false, bidirectional ? 2 : 1, projSize, bfloat16);
        LayerStep(layout, layer, block, x, state, gru, parity);
    }

    private static int LayerStateLength(PackedLayout layout, bool gru) => (gru ? 2 : layout.ProjSize > 0 ? 4 : 3) * layout.StateStride;

    private static void LayerStep(PackedLayout layout, int layer, ReadOnlySpan<float> block, ReadOnlySpan<float> x, Span<float> own, bool gru, int parity)
    {
        int stride = layout.StateStride, hiddenSize = layout.HiddenSize;
        ReadOnlySpan<float> hPrev = own.Slice(parity * stride, layout.HiddenOutputSize);
        Span<float> hNext = own.Slice((parity ^ 1) * stride, stride);
        // With a projection the cells write o ⊙ tanh(c_t) to the fourth buffer, and h_t = W_hr · it.
        Span<float> cellOutput = layout.ProjSize > 0 ? own.Slice(3 * stride, stride) : hNext;
        Span<float> cell = gru ? default : own.Slice(2 * stride, stride);
        if (layout.BFloat16)
            Units<BFloat16Panels>(layout, layer, block, x, hPrev, cellOutput, cell, gru);
        else
            Units<Float32Panels>(layout, layer, block, x, hPrev, cellOutput, cell, gru);
        if (layout.ProjSize > 0)
        {
            int width = layout.ProjectionWidth;
            Project(block.Slice(layout.PanelsLength(layer), hiddenSize * width), cellOutput, hNext, layout.ProjSize, width);
        }
    }

    /// <summary>
    /// Writes the first <paramref name="outputs"/> values of <c>W_hr · m</c> to <paramref name="hidden"/>, <c>m</c> being
    /// <paramref name="cellOutput"/> and <paramref name="columns"/> W_hr by columns, rows of <paramref name="width"/>
    /// floats (<see cref="RecurrentPacking.PackProjection"/>).
    /// </summary>
    internal static void Project(ReadOnlySpan<float> columns, ReadOnlySpan<float> cellOutput, Span<float> hidden, int outputs, int width)
    {
        int hiddenSize = columns.Length / width;
        for (int p = 0; p < outputs; p++)
        {
            float sum = 0f;
            for (int k = 0; k < hiddenSize; k++)
                sum = KernelMath.MultiplyAdd(columns[k * width + p], cellOutput[k], sum);
            hidden[p] = sum;
        }
    }

    // Every hidden unit of one layer (one direction) whose panels, laid out by `layout`, are in `block`: its gates from x
    // and h_{t-1}, then its new h (an LSTM's o ⊙ tanh(c_t), before any projection) into hNext and, for an LSTM, c in place.
    private static void Units<TPrecision>(PackedLayout layout, int layer, ReadOnlySpan<float> block, ReadOnlySpan<float> x, ReadOnlySpan<float> hPrev,
        Span<float> hNext, Span<float> cell, bool gru)
        where TPrecision : IPanelPrecision
    {
        // x holds the layer's inputs and hPrev H_out values: bounding the loops by their lengths drops the checks on x[k] and hPrev[k].
        int inputs = x.Length, recurrent = hPrev.Length;
        Span<float> slots = stackalloc float[PackedLayout.Slots];
        for (int unit = 0; unit < layout.HiddenSize; unit++)
        {
            PanelPosition position = layout.Position(unit, layer);
            int rowLength = layout.FloatsPerUnit * position.Width;
            ReadOnlySpan<float> inputRows = block.Slice(position.InputOffset, (1 + inputs) * rowLength);
            ReadOnlySpan<float> hiddenRows = block.Slice(position.HiddenOffset, recurrent * rowLength);
            for (int slot = 0; slot < slots.Length; slot++)
            {
                int column = layout.ColumnOffset(slot * position.Width + position.Lane, out bool high);
                float sum = TPrecision.Weight(inputRows, column, high);
                for (int k = 0; k < inputs; k++)
                    sum = KernelMath.MultiplyAdd(TPrecision.Weight(inputRows, (1 + k) * rowLength + column, high), x[k], sum);
                for (int k = 0; k < recurrent; k++)
                    sum = KernelMath.MultiplyAdd(TPrecision.Weight(hiddenRows, k * rowLength + column, high), hPrev[k], sum);
                slots[slot] = sum;
            }

            if (gru)
                KernelMath.GruCell(slots[0], slots[1], slots[2], slots[3], in hPrev[unit], ref hNext[unit]);
            else
                KernelMath.LstmCell(slots[0], slots[1], slots[2], slots[3], ref cell[unit], ref hNext[unit]);
        }
    }

    /// <summary>
    /// <see cref="RecurrentVectorKernel.Cell"/> without SIMD: one step of one layer and direction over panels packed by
    /// <see cref="RecurrentPacking.PackPanels"/> in whole tiles of <paramref name="lanes"/> units, as bfloat16 pairs
    /// with <paramref name="bfloat16"/>, reading <paramref name="hPrev"/> (H_out values) and writing the
    /// <paramref name="hidden"/> units' new h to <paramref name="hNext"/> (c in place).
    /// </summary>
    internal static void Cell(ReadOnlySpan<float> panels, ReadOnlySpan<float> x, ReadOnlySpan<float> hPrev, int hidden,
        Span<float> hNext, Span<float> cell, bool gru, int lanes, bool bfloat16)
    {
        PackedLayout layout = RecurrentPacking.PanelLayout(x.Length, hidden, hPrev.Length, lanes, bfloat16);
        if (bfloat16)
            Units<BFloat16Panels>(layout, 0, panels, x, hPrev, hNext, cell, gru);
        else
            Units<Float32Panels>(layout, 0, panels, x, hPrev, hNext, cell, gru);
    }
}
