using System;

namespace LstmGen;

/// <summary>
/// One layer (one direction) of a PyTorch <c>nn.LSTM</c> or <c>nn.GRU</c>, in PyTorch's layout:
/// <c>weight_ih_l{k}</c> (G·H × in), <c>weight_hh_l{k}</c> (G·H × H_out), <c>bias_ih_l{k}</c> and <c>bias_hh_l{k}</c>
/// (G·H; absent with <c>bias=False</c>) and, for an LSTM with <c>proj_size</c> P, <c>weight_hr_l{k}</c> (P × H), with
/// G gates stacked by rows (LSTM: i, f, g, o; GRU: r, z, n). H_out is P with a projection, H without.
/// </summary>
public sealed class RecurrentLayer
{
    /// <summary>Wraps a layer's tensors, checking that their shapes agree; biases are both present or both null
    /// (<c>bias=False</c>).</summary>
    /// <exception cref="ArgumentException">A shape is not what the others imply.</exception>
    public RecurrentLayer(Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
        : this(weightIh, weightHh, biasIh, biasHh, weightHr: null)
    {
    }

    /// <summary>Wraps a layer's tensors, with <paramref name="weightHr"/> (P × H) for an LSTM with <c>proj_size</c> P
    /// (null: no projection); biases are both present or both null (<c>bias=False</c>).</summary>
    /// <exception cref="ArgumentException">A shape is not what the others imply.</exception>
    public RecurrentLayer(Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, Tensor? weightHr)
    {
        ArgumentNullException.ThrowIfNull(weightIh);
        ArgumentNullException.ThrowIfNull(weightHh);
        if ((biasIh is null) != (biasHh is null))
            throw new ArgumentException($"bias_ih and bias_hh are both present or both absent (bias=False); got only {(biasIh is null ? "bias_hh" : "bias_ih")}.", biasIh is null ? nameof(biasIh) : nameof(biasHh));

        int hidden;
        if (weightHr is null)
        {
            if (weightHh.Rank != 2 || weightHh.Shape[1] < 1 || weightHh.Shape[0] < weightHh.Shape[1] || weightHh.Shape[0] % weightHh.Shape[1] != 0)
                throw new ArgumentException($"weight_hh must have shape [G·H, H] (G gates, H ≥ 1 hidden units); got {weightHh.ShapeString}.", nameof(weightHh));
            hidden = weightHh.Shape[1];
        }
        else
        {
            // proj_size P < H (PyTorch's rule): h has P values, so weight_hh has P columns and G·H rows.
            if (weightHr.Rank != 2 || weightHr.Shape[0] < 1 || weightHr.Shape[1] <= weightHr.Shape[0])
                throw new ArgumentException($"weight_hr must have shape [P, H] with 1 ≤ P < H; got {weightHr.ShapeString}.", nameof(weightHr));
            hidden = weightHr.Shape[1];
            if (weightHh.Rank != 2 || weightHh.Shape[1] != weightHr.Shape[0] || weightHh.Shape[0] != 4 * hidden)
                throw new ArgumentException($"With weight_hr {weightHr.ShapeString}, weight_hh must have shape [{4 * hidden}, {weightHr.Shape[0]}] (an LSTM's 4 gates); got {weightHh.ShapeString}.", nameof(weightHh));
        }
        int rows = weightHh.Shape[0];
        if (weightIh.Rank != 2 || weightIh.Shape[0] != rows || weightIh.Shape[1] < 1)
            throw new ArgumentException($"weight_ih must have shape [{rows}, inputs] with inputs ≥ 1; got {weightIh.ShapeString}.", nameof(weightIh));
        if (biasIh is not null && (biasIh.Rank != 1 || biasIh.Shape[0] != rows))
            throw new ArgumentException($"bias_ih must have shape [{rows}]; got {biasIh.ShapeString}.", nameof(biasIh));
        if (biasHh is not null && (biasHh.Rank != 1 || biasHh.Shape[0] != rows))
            throw new ArgumentException($"bias_hh must have shape [{rows}]; got {biasHh.ShapeString}.", nameof(biasHh));

        (WeightIh, WeightHh, BiasIh, BiasHh, WeightHr) = (weightIh, weightHh, biasIh, biasHh, weightHr);
        HiddenSize = hidden;
        ProjSize = weightHr?.Shape[0] ?? 0;
        Gates = rows / hidden;
        InputSize = weightIh.Shape[1];
    }

    /// <summary>Gates stacked in the weight rows: 4 for an LSTM, 3 for a GRU.</summary>
    public int Gates { get; }

    /// <summary>Inputs of this layer: the model's input size for layer 0, D · H_out above (both directions of the
    /// layer below when bidirectional).</summary>
    public int InputSize { get; }

    /// <summary>Hidden units (H): the size of the gates and of an LSTM's cell state c.</summary>
    public int HiddenSize { get; }

    /// <summary>PyTorch's <c>proj_size</c> P: the values of h when the LSTM projects; 0 without a projection.</summary>
    public int ProjSize { get; }

    /// <summary>H_out, the values of h: <see cref="ProjSize"/> when projected, else <see cref="HiddenSize"/>.</summary>
    public int HiddenOutputSize => ProjSize > 0 ? ProjSize : HiddenSize;

    /// <summary>Whether the layer has <c>bias_ih</c> and <c>bias_hh</c> (PyTorch <c>bias=True</c>).</summary>
    public bool HasBias => BiasIh is not null;

    /// <summary>Input-to-gates weights, shape [G·H, InputSize].</summary>
    public Tensor WeightIh { get; }

    /// <summary>Hidden-to-gates weights, shape [G·H, H_out].</summary>
    public Tensor WeightHh { get; }

    /// <summary>Input-side gate bias, shape [G·H]; null with <c>bias=False</c>.</summary>
    public Tensor? BiasIh { get; }

    /// <summary>Hidden-side gate bias, shape [G·H]; null with <c>bias=False</c>.</summary>
    public Tensor? BiasHh { get; }

    /// <summary>The projection h = W_hr (o ⊙ tanh c), shape [P, H]; null without <c>proj_size</c>.</summary>
    public Tensor? WeightHr { get; }
}
