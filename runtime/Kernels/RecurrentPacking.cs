using System;
using System.ComponentModel;
using System.Diagnostics;

namespace LstmGen.Kernels;

/// <summary>
/// Packs <see cref="LstmWeights"/> or <see cref="GruWeights"/> (PyTorch's layout) into the layout the kernels read
/// (<see cref="PackedLayout"/>). Packing runs once, when weights are loaded; never on the forward path.
/// </summary>
/// <remarks>
/// Within a panel row, slot <c>s</c> of the tile's unit <c>l</c> sits at <c>s · w + l</c> (w: the tile's units). LSTM
/// slots are the gates i, f, g, o (bias b_ih + b_hh). GRU slots are r, z, then n's input part (W_in, b_in; zero in
/// W_hh rows) and n's hidden part (W_hn, b_hn; zero in W_ih rows), since the reset gate scales only the latter.
/// Sigmoid gates (LSTM i, f, o; GRU r, z) are multiplied by ½ so that <c>σ(v) = ½ + ½·tanh(v/2)</c> needs just a tanh
/// (<see cref="KernelMath.SigmoidOfTwice(float)"/>).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RecurrentPacking
{
    /// <summary>
    /// The version of the packed layout this runtime writes and reads. Generated code checks it against the version
    /// it was generated for, so a model built with another LstmGen fails clearly instead of reading garbage.
    /// </summary>
    public static int LayoutVersion => PackedLayout.Version;

    /// <summary>
    /// Packs <paramref name="weights"/> for a model of the given sizes and options, in tiles of <paramref name="lanes"/>
    /// units and a rest tile of <paramref name="restLanes"/> units (0: none); with <paramref name="separateInput"/>,
    /// layer 0's input rows (bias and W_ih) of every tile come before its W_hh rows. Absent biases (<c>bias=False</c>)
    /// pack as zero bias rows; <paramref name="outputSize"/> 0 packs no head. Each layer's directions follow each
    /// other, each with its W_hr after its panels when projected (see <see cref="PackedLayout"/>). With
    /// <paramref name="bfloat16"/>, the panels hold the weights rounded to bfloat16, two to a float.
    /// </summary>
    /// <exception cref="ArgumentException">The weights are for different sizes or options, or the rest tile cannot
    /// hold the units left over.</exception>
    public static PackedWeights Pack(RecurrentWeights weights, int inputSize, int hiddenSize, int outputSize, int numLayers, int lanes, int restLanes,
        bool separateInput = false, bool bidirectional = false, int projSize = 0, bool bfloat16 = false)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.InputSize != inputSize || weights.HiddenSize != hiddenSize || weights.OutputSize != outputSize || weights.NumLayers != numLayers)
        {
            throw new ArgumentException(
                $"The weights are for (InputSize {weights.InputSize}, HiddenSize {weights.HiddenSize}, OutputSize {weights.OutputSize}, NumLayers {weights.NumLayers}) " +
                $"but the model expects (InputSize {inputSize}, HiddenSize {hiddenSize}, OutputSize {outputSize}, NumLayers {numLayers}).",
                nameof(weights));
        }
        if (weights.Bidirectional != bidirectional || weights.ProjSize != projSize)
        {
            throw new ArgumentException(
                $"The weights are for ({Options(weights.Bidirectional, weights.ProjSize)}) but the model expects ({Options(bidirectional, projSize)}).",
                nameof(weights));
        }

        static string Options(bool bidirectional, int projSize) =>
            $"{(bidirectional ? "bidirectional" : "unidirectional")}, {(projSize > 0 ? $"ProjSize {projSize}" : "no projection")}";

        int left = lanes < 1 ? 0 : hiddenSize % lanes;
        if (lanes < 1 || (restLanes != 0 && (left == 0 || restLanes < left || restLanes >= lanes)))
        {
            throw new ArgumentException(
                $"A rest tile of {restLanes} lanes cannot hold the {left} units that tiles of {lanes} leave of {hiddenSize}.",
                nameof(restLanes));
        }
        if (bfloat16 && restLanes != 0 && 2 * restLanes != lanes)
        {
            throw new ArgumentException(
                $"bfloat16 panels pair a row's vectors, so a rest tile must fill two: {lanes / 2} lanes with tiles of {lanes}, not {restLanes}.",
                nameof(restLanes));
        }

        int directions = bidirectional ? 2 : 1;
        var layout = new PackedLayout(inputSize, hiddenSize, outputSize, numLayers, lanes, restLanes, separateInput, directions, projSize, bfloat16);
        var packed = new PackedWeights(layout.PackedLength);
        Span<float> destination = packed.Writable;
        for (int index = 0; index < numLayers; index++)
        {
            for (int direction = 0; direction < directions; direction++)
            {
                RecurrentLayer layer = weights.Layer(index, direction);
                Span<float> block = destination.Slice(layout.BlockOffset(index, direction), layout.LayerLength(index));
                PackLayer(layer, layout, index, block);
                if (layer.WeightHr is { } weightHr)
                    PackProjection(weightHr, layout.ProjectionWidth, block.Slice(layout.PanelsLength(index)));
            }
        }
        if (weights.HasHead)
            PackHead(weights, destination.Slice(layout.HeadOffset, outputSize * (layout.FeatureSize + 1)));
        return packed;
    }

    /// <summary>
    /// Packs W_hr [P, H] by columns, as <see cref="KernelMath.Project{TSimd, TVector}"/> reads it: H rows of
    /// <paramref name="width"/> floats (P and zero padding), row k holding column k, into <paramref name="destination"/>.
    /// </summary>
    internal static void PackProjection(Tensor weightHr, int width, Span<float> destination)
    {
        int projSize = weightHr.Shape[0], hiddenSize = weightHr.Shape[1];
        Debug.Assert(width >= projSize, "a row of the packed W_hr holds all of a column");
        ReadOnlySpan<float> rows = weightHr.AsSpan();
        Span<float> columns = destination.Slice(0, hiddenSize * width);
        columns.Clear();
        for (int p = 0; p < projSize; p++)
            for (int k = 0; k < hiddenSize; k++)
                columns[k * width + p] = rows[p * hiddenSize + k];
    }

    /// <summary>
    /// Packs the Linear head as the kernels read it: fc.weight [O, F] row by row, then fc.bias [O], zero for a head
    /// without bias, into <paramref name="destination"/> of O · (F + 1) floats.
    /// </summary>
    internal static void PackHead(RecurrentWeights weights, Span<float> destination)
    {
        ReadOnlySpan<float> fcWeight = weights.FcWeight!.AsSpan();
        fcWeight.CopyTo(destination);
        Span<float> bias = destination.Slice(fcWeight.Length);
        if (weights.FcBias is { } fcBias) fcBias.AsSpan().CopyTo(bias);
        else bias.Clear();
    }

    /// <summary>
    /// Packs one layer (one direction) in whole tiles of <paramref name="lanes"/> units, each a panel of
    /// 1 + InputSize + H_out rows (bias, W_ih, W_hh), the last tile zero-padded, as bfloat16 pairs with
    /// <paramref name="bfloat16"/>: the panels the run-time-sized models' kernels read for any layer, direction and
    /// projection (<see cref="PanelLayout"/>).
    /// </summary>
    internal static void PackPanels(RecurrentLayer layer, int lanes, Span<float> destination, bool bfloat16) =>
        PackLayer(layer, PanelLayout(layer.InputSize, layer.HiddenSize, layer.HiddenOutputSize, lanes, bfloat16), 0, destination);

    /// <summary>The floats <see cref="PackPanels"/> writes for a layer.</summary>
    internal static int PanelsLength(RecurrentLayer layer, int lanes, bool bfloat16) =>
        PanelLayout(layer.InputSize, layer.HiddenSize, layer.HiddenOutputSize, lanes, bfloat16).PanelsLength(0);

    /// <summary>
    /// Where <see cref="PackPanels"/> puts the weights of a layer of <paramref name="inputs"/> inputs and
    /// <paramref name="hidden"/> units whose h has <paramref name="recurrent"/> values (H_out): layer 0 of a model in
    /// whole tiles of <paramref name="lanes"/> units.
    /// </summary>
    internal static PackedLayout PanelLayout(int inputs, int hidden, int recurrent, int lanes, bool bfloat16) =>
        new(inputs, hidden, outputSize: 0, numLayers: 1, lanes, restLanes: 0, projSize: recurrent == hidden ? 0 : recurrent, bfloat16: bfloat16);

    // Writes every unit of one layer (one direction) into its tiles' panels, which start at `block`, where `layout`
    // keeps them for layer `index`.
    private static void PackLayer(RecurrentLayer layer, PackedLayout layout, int index, Span<float> block)
    {
        int recurrent = layout.HiddenOutputSize;
        for (int unit = 0; unit < layer.HiddenSize; unit++)
        {
            PanelPosition position = layout.Position(unit, index);
            int rowLength = layout.FloatsPerUnit * position.Width;
            PackUnit(layer, unit, position.Width, position.Lane,
                new Rows(block.Slice(position.InputOffset, (1 + layer.InputSize) * rowLength), rowLength, layout),
                new Rows(block.Slice(position.HiddenOffset, recurrent * rowLength), rowLength, layout));
        }
    }

    // Writes a unit's column of every slot into its tile's rows: the bias row and W_ih rows, then the W_hh rows
    // (one per value of h, H_out of them).
    private static void PackUnit(RecurrentLayer layer, int unit, int width, int lane, Rows inputRows, Rows hiddenRows)
    {
        int inputs = layer.InputSize, hidden = layer.HiddenSize, recurrent = layer.HiddenOutputSize;
        bool gru = layer.Gates == 3;
        ReadOnlySpan<float> wih = layer.WeightIh.AsSpan(), whh = layer.WeightHh.AsSpan();
        ReadOnlySpan<float> bih = layer.BiasIh is null ? default : layer.BiasIh.AsSpan();
        ReadOnlySpan<float> bhh = layer.BiasHh is null ? default : layer.BiasHh.AsSpan();
        for (int slot = 0; slot < PackedLayout.Slots; slot++)
        {
            // The PyTorch gate each slot reads, whether it takes the W_ih and W_hh sides, and its scale.
            int gate = gru ? Math.Min(slot, 2) : slot;
            bool fromInput = !gru || slot != 3, fromHidden = !gru || slot != 2;
            float scale = (gru ? slot < 2 : slot != 2) ? 0.5f : 1f;
            int row = gate * hidden + unit;
            int column = slot * width + lane;

            // bias=False: a zero bias row.
            inputRows.Set(0, column, layer.HasBias ? scale * ((fromInput ? bih[row] : 0f) + (fromHidden ? bhh[row] : 0f)) : 0f);
            if (fromInput)
            {
                for (int k = 0; k < inputs; k++)
                    inputRows.Set(1 + k, column, scale * wih[row * inputs + k]);
            }
            if (fromHidden)
            {
                for (int k = 0; k < recurrent; k++)
                    hiddenRows.Set(k, column, scale * whh[row * recurrent + k]);
            }
        }
    }

    /// <summary>Rounds <paramref name="value"/> to the nearest bfloat16 (ties to even), returned as its 16 bits; NaN stays NaN.</summary>
    [CLSCompliant(false)]
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
            return (ushort)((bits >> 16) | 0x40); // quiet, whatever the low mantissa bits held
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>Rounds <paramref name="value"/> to the nearest bfloat16, as a float: the weight a bfloat16 model computes with.</summary>
    public static float RoundToBFloat16(float value) => BitConverter.UInt32BitsToSingle((uint)ToBFloat16(value) << 16);

    // A tile's panel rows, written by column (slot · w + lane, the place in a row of floats) wherever the layout keeps it.
    private readonly ref struct Rows(Span<float> rows, int rowLength, PackedLayout layout)
    {
        private readonly Span<float> _rows = rows;

        public void Set(int row, int column, float value)
        {
            if (!layout.BFloat16)
            {
                _rows[row * rowLength + column] = value;
                return;
            }
            int at = row * rowLength + layout.ColumnOffset(column, out bool high);
            uint bits = BitConverter.SingleToUInt32Bits(_rows[at]), half = ToBFloat16(value);
            _rows[at] = BitConverter.UInt32BitsToSingle(high ? (bits & 0xFFFF) | (half << 16) : (bits & 0xFFFF0000) | half);
        }
    }
}
