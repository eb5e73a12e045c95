using System;
using System.ComponentModel;

namespace LstmGen.Kernels;

/// <summary>
/// Packs <see cref="LstmWeights"/> or <see cref="GruWeights"/> (PyTorch's layout) into the layout the generated
/// kernels read. Packing runs once, when weights are loaded; never on the forward path.
/// </summary>
/// <remarks>
/// <para>Per layer, the hidden units are split into tiles of <c>lanes</c> units (the last one zero-padded), so a
/// tile's gate values fill whole SIMD vectors. Tile <c>j</c> owns a panel of <c>1 + in + H</c> rows
/// (<c>in</c> = the layer's inputs) of <see cref="Slots"/> · <c>lanes</c> floats each:</para>
/// <code>
/// row 0          the biases
/// row 1 + k      column k of W_ih   (k &lt; in)
/// row 1 + in + k column k of W_hh   (k &lt; H)
/// </code>
/// <para>Within a row, slot <c>s</c> of hidden unit <c>j · lanes + l</c> sits at <c>s · lanes + l</c>. LSTM slots are the
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

    /// <summary>The number of floats <see cref="Pack"/> returns for these sizes.</summary>
    public static int PackedLength(int inputSize, int hiddenSize, int outputSize, int numLayers, int lanes) =>
        checked(LayerLength(inputSize, hiddenSize, lanes) + (numLayers - 1) * LayerLength(hiddenSize, hiddenSize, lanes)
            + outputSize * hiddenSize + outputSize);

    /// <summary>Packs <paramref name="weights"/> for a model of the given sizes.</summary>
    /// <exception cref="ArgumentException">The weights are for different sizes.</exception>
    public static PackedWeights Pack(RecurrentWeights weights, int inputSize, int hiddenSize, int outputSize, int numLayers, int lanes)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.InputSize != inputSize || weights.HiddenSize != hiddenSize || weights.OutputSize != outputSize || weights.NumLayers != numLayers)
        {
            throw new ArgumentException(
                $"The weights are for (InputSize {weights.InputSize}, HiddenSize {weights.HiddenSize}, OutputSize {weights.OutputSize}, NumLayers {weights.NumLayers}) " +
                $"but the model expects (InputSize {inputSize}, HiddenSize {hiddenSize}, OutputSize {outputSize}, NumLayers {numLayers}).",
                nameof(weights));
        }

        var packed = new PackedWeights(PackedLength(inputSize, hiddenSize, outputSize, numLayers, lanes));
        Span<float> destination = packed.Writable;
        int offset = 0;
        foreach (RecurrentLayer layer in weights.Layers)
        {
            int length = LayerLength(layer.InputSize, hiddenSize, lanes);
            PackLayer(layer, destination.Slice(offset, length), lanes);
            offset += length;
        }
        weights.FcWeight.AsSpan().CopyTo(destination.Slice(offset));
        weights.FcBias.AsSpan().CopyTo(destination.Slice(offset + outputSize * hiddenSize));
        return packed;
    }

    private static void PackLayer(RecurrentLayer layer, Span<float> destination, int lanes)
    {
        int inputs = layer.InputSize, hidden = layer.HiddenSize;
        bool gru = layer.Gates == 3;
        ReadOnlySpan<float> wih = layer.WeightIh.AsSpan(), whh = layer.WeightHh.AsSpan();
        ReadOnlySpan<float> bih = layer.BiasIh.AsSpan(), bhh = layer.BiasHh.AsSpan();
        int rowLength = Slots * lanes;
        int panelLength = (1 + inputs + hidden) * rowLength;

        for (int unit = 0; unit < hidden; unit++)
        {
            Span<float> panel = destination.Slice(unit / lanes * panelLength, panelLength);
            for (int slot = 0; slot < Slots; slot++)
            {
                // The PyTorch gate each slot reads, whether it takes the W_ih and W_hh sides, and its scale.
                int gate = gru ? Math.Min(slot, 2) : slot;
                bool fromInput = !gru || slot != 3, fromHidden = !gru || slot != 2;
                float scale = (gru ? slot < 2 : slot != 2) ? 0.5f : 1f;
                int row = gate * hidden + unit;
                int column = slot * lanes + unit % lanes;

                panel[column] = scale * ((fromInput ? bih[row] : 0f) + (fromHidden ? bhh[row] : 0f));
                if (fromInput)
                {
                    for (int k = 0; k < inputs; k++)
                        panel[(1 + k) * rowLength + column] = scale * wih[row * inputs + k];
                }
                if (fromHidden)
                {
                    for (int k = 0; k < hidden; k++)
                        panel[(1 + inputs + k) * rowLength + column] = scale * whh[row * hidden + k];
                }
            }
        }
    }

    private static int LayerLength(int layerInputs, int hiddenSize, int lanes) =>
        checked((hiddenSize + lanes - 1) / lanes * (1 + layerInputs + hiddenSize) * Slots * lanes);
}
