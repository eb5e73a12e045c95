using System;

namespace LstmGen;

/// <summary>
/// One layer of a PyTorch <c>nn.LSTM</c> or <c>nn.GRU</c>, in PyTorch's layout: <c>weight_ih_l{k}</c> (G·H × in),
/// <c>weight_hh_l{k}</c> (G·H × H), <c>bias_ih_l{k}</c> and <c>bias_hh_l{k}</c> (G·H), with G gates stacked by rows
/// (LSTM: i, f, g, o; GRU: r, z, n).
/// </summary>
public sealed class RecurrentLayer
{
    /// <summary>Wraps a layer's four tensors, checking that their shapes agree.</summary>
    /// <exception cref="ArgumentException">A shape is not what the others imply.</exception>
    public RecurrentLayer(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh)
    {
        ArgumentNullException.ThrowIfNull(weightIh);
        ArgumentNullException.ThrowIfNull(weightHh);
        ArgumentNullException.ThrowIfNull(biasIh);
        ArgumentNullException.ThrowIfNull(biasHh);

        if (weightHh.Rank != 2 || weightHh.Shape[1] < 1 || weightHh.Shape[0] < weightHh.Shape[1] || weightHh.Shape[0] % weightHh.Shape[1] != 0)
            throw new ArgumentException($"weight_hh must have shape [G·H, H] (G gates, H ≥ 1 hidden units); got {weightHh.ShapeString}.", nameof(weightHh));
        int rows = weightHh.Shape[0];
        if (weightIh.Rank != 2 || weightIh.Shape[0] != rows || weightIh.Shape[1] < 1)
            throw new ArgumentException($"weight_ih must have shape [{rows}, inputs] with inputs ≥ 1; got {weightIh.ShapeString}.", nameof(weightIh));
        if (biasIh.Rank != 1 || biasIh.Shape[0] != rows)
            throw new ArgumentException($"bias_ih must have shape [{rows}]; got {biasIh.ShapeString}.", nameof(biasIh));
        if (biasHh.Rank != 1 || biasHh.Shape[0] != rows)
            throw new ArgumentException($"bias_hh must have shape [{rows}]; got {biasHh.ShapeString}.", nameof(biasHh));

        (WeightIh, WeightHh, BiasIh, BiasHh) = (weightIh, weightHh, biasIh, biasHh);
        HiddenSize = weightHh.Shape[1];
        Gates = rows / HiddenSize;
        InputSize = weightIh.Shape[1];
    }

    /// <summary>Gates stacked in the weight rows: 4 for an LSTM, 3 for a GRU.</summary>
    public int Gates { get; }

    /// <summary>Inputs of this layer: the model's input size for layer 0, the hidden size above it.</summary>
    public int InputSize { get; }

    /// <summary>Hidden units (H).</summary>
    public int HiddenSize { get; }

    /// <summary>Input-to-gates weights, shape [G·H, InputSize].</summary>
    public Tensor WeightIh { get; }

    /// <summary>Hidden-to-gates weights, shape [G·H, H].</summary>
    public Tensor WeightHh { get; }

    /// <summary>Input-side gate bias, shape [G·H].</summary>
    public Tensor BiasIh { get; }

    /// <summary>Hidden-side gate bias, shape [G·H].</summary>
    public Tensor BiasHh { get; }
}
