using System;
using LstmGen;

namespace LstmGen.Benchmarks.Peers;

/// <summary>
/// The LSTM as a user writes it by hand: float loops over PyTorch's layout, MathF.Exp and MathF.Tanh, sizes
/// known only at run time, buffers allocated once. The baseline the generated code is meant to beat.
/// </summary>
public sealed class ScalarLstm
{
    private readonly int _inputSize, _hiddenSize, _outputSize;
    private readonly float[] _weightIh, _weightHh, _bias, _fcWeight, _fcBias;
    private readonly float[] _h, _c, _gates;

    public ScalarLstm(LstmWeights w)
    {
        (_inputSize, _hiddenSize, _outputSize) = (w.InputSize, w.HiddenSize, w.OutputSize);
        _weightIh = w.WeightIh.ToArray();
        _weightHh = w.WeightHh.ToArray();
        _bias = new float[4 * _hiddenSize];
        ReadOnlySpan<float> bih = w.BiasIh!.AsSpan(), bhh = w.BiasHh!.AsSpan();
        for (int r = 0; r < _bias.Length; r++)
            _bias[r] = bih[r] + bhh[r];
        _fcWeight = w.FcWeight!.ToArray();
        _fcBias = w.FcBias!.ToArray();
        _h = new float[_hiddenSize];
        _c = new float[_hiddenSize];
        _gates = new float[4 * _hiddenSize];
    }

    /// <summary>One sequence [T, I] → [O]; T is input.Length / I.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        int inputSize = _inputSize, hidden = _hiddenSize, rows = 4 * hidden;
        int steps = input.Length / inputSize;
        float[] wih = _weightIh, whh = _weightHh, bias = _bias, h = _h, c = _c, gates = _gates;
        Array.Clear(h);
        Array.Clear(c);

        for (int t = 0; t < steps; t++)
        {
            int x0 = t * inputSize;
            for (int r = 0; r < rows; r++)
            {
                float acc = bias[r];
                int wi = r * inputSize;
                for (int k = 0; k < inputSize; k++)
                    acc += wih[wi + k] * input[x0 + k];
                int wh = r * hidden;
                for (int k = 0; k < hidden; k++)
                    acc += whh[wh + k] * h[k];
                gates[r] = acc;
            }
            for (int j = 0; j < hidden; j++)
            {
                float i = Sigmoid(gates[j]);
                float f = Sigmoid(gates[hidden + j]);
                float g = MathF.Tanh(gates[2 * hidden + j]);
                float o = Sigmoid(gates[3 * hidden + j]);
                float cj = f * c[j] + i * g;
                c[j] = cj;
                h[j] = o * MathF.Tanh(cj);
            }
        }

        float[] fcw = _fcWeight, fcb = _fcBias;
        for (int o = 0; o < _outputSize; o++)
        {
            float acc = fcb[o];
            int w0 = o * hidden;
            for (int k = 0; k < hidden; k++)
                acc += fcw[w0 + k] * h[k];
            output[o] = acc;
        }
    }

    /// <summary>A batch [B, T, I] → [B, O]: one sequence after another.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize)
    {
        int perSequence = input.Length / batchSize;
        for (int b = 0; b < batchSize; b++)
            Forward(input.Slice(b * perSequence, perSequence), output.Slice(b * _outputSize, _outputSize));
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
