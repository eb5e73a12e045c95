using System;
using System.ComponentModel;

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
    /// other, each with its W_hr after its panels when projected (see <see cref="PackedLayout"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The weights are for different sizes or options, or the rest tile cannot
    /// hold the units left over.</exception>
    public static PackedWeights Pack(RecurrentWeights weights, int inputSize, int hiddenSize, int outputSize, int numLayers, int lanes, int restLanes,
        bool separateInput = false, bool bidirectional = false, int projSize = 0)
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
                $"The weights are for (Bidirectional {weights.Bidirectional}, ProjSize {weights.ProjSize}) but the model expects (Bidirectional {bidirectional}, ProjSize {projSize}).",
                nameof(weights));
        }

        int left = lanes < 1 ? 0 : hiddenSize % lanes;
        if (lanes < 1 || (restLanes != 0 && (left == 0 || restLanes < left || restLanes >= lanes)))
        {
            throw new ArgumentException(
                $"A rest tile of {restLanes} lanes cannot hold the {left} units that tiles of {lanes} leave of {hiddenSize}.",
                nameof(restLanes));
        }

        int directions = bidirectional ? 2 : 1;
        var layout = new PackedLayout(inputSize, hiddenSize, outputSize, numLayers, lanes, restLanes, separateInput, directions, projSize);
        var packed = new PackedWeights(layout.PackedLength);
        Span<float> destination = packed.Writable;
        int recurrent = layout.HiddenOutputSize;
        for (int index = 0; index < numLayers; index++)
        {
            for (int direction = 0; direction < directions; direction++)
            {
                RecurrentLayer layer = weights.Layer(index, direction);
                Span<float> block = destination.Slice(layout.BlockOffset(index, direction), layout.LayerLength(index));
                for (int unit = 0; unit < hiddenSize; unit++)
                {
                    PanelPosition position = layout.Position(unit, index);
                    int rowLength = PackedLayout.Slots * position.Width;
                    PackUnit(layer, unit, position.Width, position.Lane,
                        block.Slice(position.InputOffset, (1 + layer.InputSize) * rowLength),
                        block.Slice(position.HiddenOffset, recurrent * rowLength));
                }
                layer.WeightHr?.AsSpan().CopyTo(block.Slice(layout.PanelsLength(index)));
            }
        }
        if (weights.HasHead)
        {
            weights.FcWeight!.AsSpan().CopyTo(destination.Slice(layout.HeadOffset));
            weights.FcBias!.AsSpan().CopyTo(destination.Slice(layout.HeadOffset + outputSize * layout.FeatureSize));
        }
        return packed;
    }

    /// <summary>
    /// Packs one layer (one direction) in whole tiles of <paramref name="lanes"/> units, each a panel of
    /// 1 + InputSize + H_out rows (bias, W_ih, W_hh), the last tile zero-padded: the panels the run-time-sized models'
    /// kernels read for any layer, direction and projection.
    /// </summary>
    internal static void PackPanels(RecurrentLayer layer, int lanes, Span<float> destination)
    {
        int rowLength = PackedLayout.Slots * lanes, inputRows = (1 + layer.InputSize) * rowLength;
        int panelLength = inputRows + layer.HiddenOutputSize * rowLength;
        for (int unit = 0; unit < layer.HiddenSize; unit++)
        {
            Span<float> panel = destination.Slice(unit / lanes * panelLength, panelLength);
            PackUnit(layer, unit, lanes, unit % lanes, panel.Slice(0, inputRows), panel.Slice(inputRows));
        }
    }

    /// <summary>The floats <see cref="PackPanels"/> writes for a layer.</summary>
    internal static int PanelsLength(RecurrentLayer layer, int lanes) =>
        checked((layer.HiddenSize + lanes - 1) / lanes * (1 + layer.InputSize + layer.HiddenOutputSize) * PackedLayout.Slots * lanes);

    // Writes a unit's column of every slot into its tile's rows: the bias row and W_ih rows, then the W_hh rows
    // (one per value of h, H_out of them).
    private static void PackUnit(RecurrentLayer layer, int unit, int width, int lane, Span<float> inputRows, Span<float> hiddenRows)
    {
        int inputs = layer.InputSize, hidden = layer.HiddenSize, recurrent = layer.HiddenOutputSize;
        bool gru = layer.Gates == 3;
        ReadOnlySpan<float> wih = layer.WeightIh.AsSpan(), whh = layer.WeightHh.AsSpan();
        ReadOnlySpan<float> bih = layer.BiasIh is null ? default : layer.BiasIh.AsSpan();
        ReadOnlySpan<float> bhh = layer.BiasHh is null ? default : layer.BiasHh.AsSpan();
        int rowLength = PackedLayout.Slots * width;
        for (int slot = 0; slot < PackedLayout.Slots; slot++)
        {
            // The PyTorch gate each slot reads, whether it takes the W_ih and W_hh sides, and its scale.
            int gate = gru ? Math.Min(slot, 2) : slot;
            bool fromInput = !gru || slot != 3, fromHidden = !gru || slot != 2;
            float scale = (gru ? slot < 2 : slot != 2) ? 0.5f : 1f;
            int row = gate * hidden + unit;
            int column = slot * width + lane;

            // bias=False: a zero bias row.
            inputRows[column] = layer.HasBias ? scale * ((fromInput ? bih[row] : 0f) + (fromHidden ? bhh[row] : 0f)) : 0f;
            if (fromInput)
            {
                for (int k = 0; k < inputs; k++)
                    inputRows[(1 + k) * rowLength + column] = scale * wih[row * inputs + k];
            }
            if (fromHidden)
            {
                for (int k = 0; k < recurrent; k++)
                    hiddenRows[k * rowLength + column] = scale * whh[row * recurrent + k];
            }
        }
    }
}
