using System;
using System.Numerics.Tensors;
using LstmGen;

namespace LstmGen.Benchmarks.Peers;

/// <summary>
/// A dynamic-size vectorized LSTM with System.Numerics.Tensors' <see cref="TensorPrimitives"/>: one Dot per
/// gate row and step (over W_ih and W_hh in PyTorch's layout), then vectorized Sigmoid/Tanh and the cell update
/// on whole gate slices. What a user writes who reaches for the BCL's SIMD helpers rather than a code generator.
/// </summary>
public sealed class TensorPrimitivesLstm
{
    private readonly int _inputSize, _hiddenSize, _outputSize;
    private readonly float[] _weightIh, _weightHh, _bias, _fcWeight, _fcBias;
    private readonly float[] _h, _c, _gates, _tmp;

    public TensorPrimitivesLstm(LstmWeights w)
    {
        (_inputSize, _hiddenSize, _outputSize) = (w.InputSize, w.HiddenSize, w.OutputSize);
        _weightIh = w.WeightIh.ToArray();
        _weightHh = w.WeightHh.ToArray();
        _bias = new float[4 * _hiddenSize];
        TensorPrimitives.Add(w.BiasIh!.AsSpan(), w.BiasHh!.AsSpan(), _bias);
        _fcWeight = w.FcWeight!.ToArray();
        _fcBias = w.FcBias!.ToArray();
        _h = new float[_hiddenSize];
        _c = new float[_hiddenSize];
        _gates = new float[4 * _hiddenSize];
        _tmp = new float[_hiddenSize];
    }

    /// <summary>One sequence [T, I] → [O]; T is input.Length / I.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        int inputSize = _inputSize, hidden = _hiddenSize, rows = 4 * hidden;
        int steps = input.Length / inputSize;
        ReadOnlySpan<float> wih = _weightIh, whh = _weightHh, bias = _bias;
        Span<float> h = _h, c = _c, gates = _gates, tmp = _tmp;
        h.Clear();
        c.Clear();
        Span<float> gi = gates.Slice(0, hidden), gf = gates.Slice(hidden, hidden);
        Span<float> gg = gates.Slice(2 * hidden, hidden), go = gates.Slice(3 * hidden, hidden);
        Span<float> gif = gates.Slice(0, 2 * hidden);

        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<float> x = input.Slice(t * inputSize, inputSize);
            for (int r = 0; r < rows; r++)
                gates[r] = TensorPrimitives.Dot(wih.Slice(r * inputSize, inputSize), x)
                         + TensorPrimitives.Dot(whh.Slice(r * hidden, hidden), h) + bias[r];
            TensorPrimitives.Sigmoid(gif, gif);        // i and f are adjacent
            TensorPrimitives.Tanh(gg, gg);
            TensorPrimitives.Sigmoid(go, go);
            TensorPrimitives.Multiply(c, gf, c);       // c = f·c
            TensorPrimitives.FusedMultiplyAdd(gi, gg, c, c); // c += i·g
            TensorPrimitives.Tanh(c, tmp);
            TensorPrimitives.Multiply(go, tmp, h);     // h = o·tanh(c)
        }

        ReadOnlySpan<float> fcw = _fcWeight;
        for (int o = 0; o < _outputSize; o++)
            output[o] = TensorPrimitives.Dot(fcw.Slice(o * hidden, hidden), h) + _fcBias[o];
    }

    /// <summary>A batch [B, T, I] → [B, O]: one sequence after another.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize)
    {
        int perSequence = input.Length / batchSize;
        for (int b = 0; b < batchSize; b++)
            Forward(input.Slice(b * perSequence, perSequence), output.Slice(b * _outputSize, _outputSize));
    }
}
