using System;
using System.ComponentModel;

namespace LstmGen.Kernels;

/// <summary>
/// Packs <see cref="LstmWeights"/> or <see cref="GruWeights"/> (PyTorch's layout) into the layout the generated
/// kernels read. Packing runs once, when weights are loaded; never on the forward path.
/// </summary>
/// <remarks>
/// <para>Per layer, the hidden units are split into tiles: <c>hiddenSize / lanes</c> full tiles of <c>lanes</c> units,
/// then, for the units left over, one rest tile of <c>restLanes</c> units (zero-padded). With <c>restLanes</c> =
/// <c>lanes</c> every tile fills its slots' SIMD vectors alone; a narrower rest tile puts its four slots side by side
/// in fewer vectors (<c>restLanes</c> = <c>lanes</c>/4: one vector holds all four), so the few units that
/// remain cost fewer multiply-adds. A tile of <c>w</c> units owns a panel of <c>1 + in + H</c> rows
/// (<c>in</c> = the layer's inputs) of <see cref="Slots"/> · <c>w</c> floats each:</para>
/// <code>
/// row 0          the biases
/// row 1 + k      column k of W_ih   (k &lt; in)
/// row 1 + in + k column k of W_hh   (k &lt; H)
/// </code>
/// <para>With <c>separateInput</c>, layer 0's panels are cut in two: first every tile's bias and W_ih rows, then every
/// tile's W_hh rows. A kernel that computes layer 0's input part ahead, several steps at a time, then streams W_hh
/// alone at each step, in one contiguous pass.</para>
/// <para>Within a row, slot <c>s</c> of the tile's unit <c>l</c> sits at <c>s · w + l</c>. LSTM slots are the
/// gates i, f, g, o (bias b_ih + b_hh). GRU slots are r, z, then n's input part (W_in, b_in; zero in W_hh rows)
/// and n's hidden part (W_hn, b_hn; zero in W_ih rows), since the reset gate scales only the latter.
/// Sigmoid gates (LSTM i, f, o; GRU r, z) are multiplied by ½ so that <c>σ(v) = ½ + ½·tanh(v/2)</c> needs just a tanh
/// (<see cref="KernelMath.SigmoidOfTwice(float)"/>).</para>
/// <para>The layers follow each other, bottom first; after them comes the Linear head: <c>fc.weight</c>
/// (O × H, row-major), then <c>fc.bias</c> (O). The generator emits the same offsets as constants.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RecurrentPacking
{
    /// <summary>Accumulator slots per hidden unit in a panel row.</summary>
    public const int Slots = 4;

    /// <summary>The number of floats <see cref="Pack"/> returns for these sizes and tiles.</summary>
    public static int PackedLength(int inputSize, int hiddenSize, int outputSize, int numLayers, int lanes, int restLanes) =>
        checked(LayerLength(inputSize, hiddenSize, lanes, restLanes) + (numLayers - 1) * LayerLength(hiddenSize, hiddenSize, lanes, restLanes)
            + outputSize * hiddenSize + outputSize);

    /// <summary>The hidden units padded to whole tiles: the full tiles, then the rest tile if any units are left.</summary>
    public static int PaddedHidden(int hiddenSize, int lanes, int restLanes) =>
        hiddenSize / lanes * lanes + (hiddenSize % lanes == 0 ? 0 : restLanes);

    /// <summary>
    /// Floats per state buffer (a layer's h or c): the padded hidden units rounded up to whole cache lines, so that in
    /// an <see cref="AlignedBuffer"/> every buffer starts a cache line and no full-width store straddles two.
    /// </summary>
    public static int StateStride(int hiddenSize, int lanes, int restLanes) =>
        checked(PaddedHidden(hiddenSize, lanes, restLanes) + Line - 1) / Line * Line;

    private const int Line = AlignedBuffer.Alignment / sizeof(float);

    /// <summary>
    /// Packs <paramref name="weights"/> for a model of the given sizes, in tiles of <paramref name="lanes"/> units and
    /// a rest tile of <paramref name="restLanes"/> units; with <paramref name="separateInput"/>, layer 0's input rows
    /// (bias and W_ih) of every tile come before its W_hh rows.
    /// </summary>
    /// <exception cref="ArgumentException">The weights are for different sizes, or the rest tile cannot hold the units left over.</exception>
    public static PackedWeights Pack(RecurrentWeights weights, int inputSize, int hiddenSize, int outputSize, int numLayers, int lanes, int restLanes,
        bool separateInput = false)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.InputSize != inputSize || weights.HiddenSize != hiddenSize || weights.OutputSize != outputSize || weights.NumLayers != numLayers)
        {
            throw new ArgumentException(
                $"The weights are for (InputSize {weights.InputSize}, HiddenSize {weights.HiddenSize}, OutputSize {weights.OutputSize}, NumLayers {weights.NumLayers}) " +
                $"but the model expects (InputSize {inputSize}, HiddenSize {hiddenSize}, OutputSize {outputSize}, NumLayers {numLayers}).",
                nameof(weights));
        }

        if (lanes < 1 || restLanes < hiddenSize % lanes || restLanes > lanes)
        {
            throw new ArgumentException(
                $"A rest tile of {restLanes} lanes cannot hold the {hiddenSize % lanes} units that tiles of {lanes} leave of {hiddenSize}.",
                nameof(restLanes));
        }

        var packed = new PackedWeights(PackedLength(inputSize, hiddenSize, outputSize, numLayers, lanes, restLanes));
        Span<float> destination = packed.Writable;
        int offset = 0;
        for (int index = 0; index < numLayers; index++)
        {
            RecurrentLayer layer = weights.Layers[index];
            int length = LayerLength(layer.InputSize, hiddenSize, lanes, restLanes);
            PackLayer(layer, destination.Slice(offset, length), lanes, restLanes, separateInput && index == 0);
            offset += length;
        }
        weights.FcWeight.AsSpan().CopyTo(destination.Slice(offset));
        weights.FcBias.AsSpan().CopyTo(destination.Slice(offset + outputSize * hiddenSize));
        return packed;
    }

    private static void PackLayer(RecurrentLayer layer, Span<float> destination, int lanes, int restLanes, bool separateInput)
    {
        int inputs = layer.InputSize, hidden = layer.HiddenSize;
        bool gru = layer.Gates == 3;
        ReadOnlySpan<float> wih = layer.WeightIh.AsSpan(), whh = layer.WeightHh.AsSpan();
        ReadOnlySpan<float> bih = layer.BiasIh.AsSpan(), bhh = layer.BiasHh.AsSpan();

        for (int unit = 0; unit < hidden; unit++)
        {
            PanelPosition position = Position(unit, inputs, hidden, lanes, restLanes, separateInput);
            int rowLength = Slots * position.Width;
            Span<float> inputRows = destination.Slice(position.InputOffset, (1 + inputs) * rowLength);
            Span<float> hiddenRows = destination.Slice(position.HiddenOffset, hidden * rowLength);
            for (int slot = 0; slot < Slots; slot++)
            {
                // The PyTorch gate each slot reads, whether it takes the W_ih and W_hh sides, and its scale.
                int gate = gru ? Math.Min(slot, 2) : slot;
                bool fromInput = !gru || slot != 3, fromHidden = !gru || slot != 2;
                float scale = (gru ? slot < 2 : slot != 2) ? 0.5f : 1f;
                int row = gate * hidden + unit;
                int column = slot * position.Width + position.Lane;

                inputRows[column] = scale * ((fromInput ? bih[row] : 0f) + (fromHidden ? bhh[row] : 0f));
                if (fromInput)
                {
                    for (int k = 0; k < inputs; k++)
                        inputRows[(1 + k) * rowLength + column] = scale * wih[row * inputs + k];
                }
                if (fromHidden)
                {
                    for (int k = 0; k < hidden; k++)
                        hiddenRows[k * rowLength + column] = scale * whh[row * hidden + k];
                }
            }
        }
    }

    /// <summary>
    /// Where a hidden unit's weights sit in its layer: the offsets, from the layer's start, of its tile's input rows
    /// (bias, then W_ih) and hidden rows (W_hh); the tile's width in units (its rows hold <see cref="Slots"/> · Width
    /// floats) and the unit's lane in it. Without <paramref name="separateInput"/> the hidden rows follow the input
    /// rows in one panel per tile.
    /// </summary>
    internal static PanelPosition Position(int unit, int layerInputs, int hiddenSize, int lanes, int restLanes, bool separateInput)
    {
        int fullTiles = hiddenSize / lanes;
        int tile = unit / lanes;
        (int width, int lane) = tile < fullTiles ? (lanes, unit % lanes) : (restLanes, unit - fullTiles * lanes);
        int inputRows = checked((1 + layerInputs) * Slots), hiddenRows = checked(hiddenSize * Slots);
        if (separateInput)
        {
            int inputBlock = checked(inputRows * PaddedHidden(hiddenSize, lanes, restLanes));
            return new(checked(tile * inputRows * lanes), checked(inputBlock + tile * hiddenRows * lanes), width, lane);
        }
        int panelOffset = checked(tile * (inputRows + hiddenRows) * lanes);
        return new(panelOffset, panelOffset + inputRows * width, width, lane);
    }

    /// <summary>The floats of one layer's panels.</summary>
    internal static int LayerLength(int layerInputs, int hiddenSize, int lanes, int restLanes) =>
        checked((1 + layerInputs + hiddenSize) * Slots * PaddedHidden(hiddenSize, lanes, restLanes));
}

/// <summary>A hidden unit's place in the packed weights (see <see cref="RecurrentPacking.Position"/>).</summary>
internal readonly record struct PanelPosition(int InputOffset, int HiddenOffset, int Width, int Lane);
