using System;
using System.ComponentModel;

namespace LstmGen.Kernels;

/// <summary>
/// Packs <see cref="LstmWeights"/> (PyTorch's layout) into the layout the generated kernels read.
/// Packing runs once, when weights are loaded; never on the forward path.
/// </summary>
/// <remarks>
/// The hidden units are split into tiles of <c>lanes</c> units (the last one zero-padded), so a tile's
/// gate values fill whole SIMD vectors. Tile <c>j</c> owns a panel of <c>1 + I + H</c> rows of
/// <c>4 · lanes</c> floats each:
/// <code>
/// row 0        b_ih + b_hh
/// row 1 + k    column k of W_ih   (k &lt; I)
/// row 1 + I + k column k of W_hh  (k &lt; H)
/// </code>
/// Within a row, gate <c>g</c> ∈ (i, f, g, o) of hidden unit <c>j · lanes + l</c> sits at <c>g · lanes + l</c>.
/// The i, f and o values are multiplied by ½ so that <c>σ(z) = ½ + ½·tanh(z/2)</c> needs only a tanh
/// (<see cref="KernelMath.SigmoidOfTwice(float)"/>). After the panels comes the Linear head:
/// <c>fc.weight</c> (O × H, row-major), then <c>fc.bias</c> (O).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LstmPacking
{
    /// <summary>The gates of an LSTM layer, in PyTorch's row order.</summary>
    public const int Gates = 4;

    /// <summary>The number of floats <see cref="Pack"/> returns for these sizes.</summary>
    public static int PackedLength(int inputSize, int hiddenSize, int outputSize, int lanes) =>
        checked(Tiles(hiddenSize, lanes) * PanelLength(inputSize, hiddenSize, lanes) + outputSize * hiddenSize + outputSize);

    /// <summary>Packs <paramref name="weights"/> for a model of the given sizes.</summary>
    /// <exception cref="ArgumentException">The weights are for different sizes.</exception>
    public static float[] Pack(LstmWeights weights, int inputSize, int hiddenSize, int outputSize, int lanes)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.InputSize != inputSize || weights.HiddenSize != hiddenSize || weights.OutputSize != outputSize)
        {
            throw new ArgumentException(
                $"The weights are for an LSTM with (InputSize {weights.InputSize}, HiddenSize {weights.HiddenSize}, OutputSize {weights.OutputSize}) " +
                $"but the model expects (InputSize {inputSize}, HiddenSize {hiddenSize}, OutputSize {outputSize}).",
                nameof(weights));
        }

        var packed = new float[PackedLength(inputSize, hiddenSize, outputSize, lanes)];
        ReadOnlySpan<float> wih = weights.WeightIh.AsSpan(), whh = weights.WeightHh.AsSpan();
        ReadOnlySpan<float> bih = weights.BiasIh.AsSpan(), bhh = weights.BiasHh.AsSpan();
        int rowLength = Gates * lanes;
        int panelLength = PanelLength(inputSize, hiddenSize, lanes);

        for (int tile = 0; tile < Tiles(hiddenSize, lanes); tile++)
        {
            Span<float> panel = packed.AsSpan(tile * panelLength, panelLength);
            for (int gate = 0; gate < Gates; gate++)
            {
                float scale = gate == 2 ? 1f : 0.5f; // g uses tanh directly; i, f, o use σ(2v)
                for (int lane = 0; lane < lanes; lane++)
                {
                    int unit = tile * lanes + lane;
                    if (unit >= hiddenSize) break;
                    int row = gate * hiddenSize + unit; // PyTorch row of this gate and unit
                    int column = gate * lanes + lane;
                    panel[column] = scale * (bih[row] + bhh[row]);
                    for (int k = 0; k < inputSize; k++)
                        panel[(1 + k) * rowLength + column] = scale * wih[row * inputSize + k];
                    for (int k = 0; k < hiddenSize; k++)
                        panel[(1 + inputSize + k) * rowLength + column] = scale * whh[row * hiddenSize + k];
                }
            }
        }

        int head = Tiles(hiddenSize, lanes) * panelLength;
        weights.FcWeight.AsSpan().CopyTo(packed.AsSpan(head));
        weights.FcBias.AsSpan().CopyTo(packed.AsSpan(head + outputSize * hiddenSize));
        return packed;
    }

    private static int Tiles(int hiddenSize, int lanes) => (hiddenSize + lanes - 1) / lanes;

    private static int PanelLength(int inputSize, int hiddenSize, int lanes) => checked((1 + inputSize + hiddenSize) * Gates * lanes);
}
