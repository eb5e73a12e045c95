using System;

namespace LstmGen.Tests.Support;

/// <summary>
/// The seed module's forward pass written out plainly in float64, straight from PyTorch's equations:
/// an independent check for sizes that have no golden case.
/// </summary>
internal static class ReferenceLstm
{
    public static float[] Forward(LstmWeights w, ReadOnlySpan<float> input, int seqLen)
    {
        int inputs = w.InputSize, hidden = w.HiddenSize, outputs = w.OutputSize;
        ReadOnlySpan<float> wih = w.WeightIh.AsSpan(), whh = w.WeightHh.AsSpan();
        ReadOnlySpan<float> bih = w.BiasIh!.AsSpan(), bhh = w.BiasHh!.AsSpan();
        var h = new double[hidden];
        var c = new double[hidden];
        var gates = new double[4 * hidden];

        for (int t = 0; t < seqLen; t++)
        {
            for (int row = 0; row < 4 * hidden; row++)
            {
                double sum = bih[row] + (double)bhh[row];
                for (int k = 0; k < inputs; k++) sum += wih[row * inputs + k] * (double)input[t * inputs + k];
                for (int k = 0; k < hidden; k++) sum += whh[row * hidden + k] * h[k];
                gates[row] = sum;
            }
            for (int j = 0; j < hidden; j++)
            {
                double i = Sigmoid(gates[j]), f = Sigmoid(gates[hidden + j]);
                double g = Math.Tanh(gates[2 * hidden + j]), o = Sigmoid(gates[3 * hidden + j]);
                c[j] = f * c[j] + i * g;
                h[j] = o * Math.Tanh(c[j]);
            }
        }

        var y = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double sum = w.FcBias!.AsSpan()[o];
            for (int k = 0; k < hidden; k++) sum += w.FcWeight!.AsSpan()[o * hidden + k] * h[k];
            y[o] = (float)sum;
        }
        return y;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
