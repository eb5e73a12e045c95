using System;
using System.ComponentModel;

namespace LstmGen.Kernels;

/// <summary>
/// The recurrence without SIMD, for CPUs where no vector width is hardware accelerated. It reads the
/// <see cref="LstmPacking"/> layout and follows the generated kernels' state convention.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LstmScalarKernel
{
    /// <summary>
    /// Runs <paramref name="seqLen"/> steps over <paramref name="input"/> ([seqLen, inputSize]).
    /// <paramref name="state"/> holds two hidden-state buffers and the cell state, each
    /// <c>tiles · lanes</c> floats and zero on entry; step <c>t</c> reads buffer <c>t % 2</c> and writes
    /// the other, so <c>h_T</c> ends in buffer <c>seqLen % 2</c>.
    /// </summary>
    public static void Run(ReadOnlySpan<float> packed, ReadOnlySpan<float> input, Span<float> state,
        int inputSize, int hiddenSize, int seqLen, int lanes)
    {
        int tiles = (hiddenSize + lanes - 1) / lanes;
        int padded = tiles * lanes;
        int rowLength = LstmPacking.Gates * lanes;
        int panelLength = (1 + inputSize + hiddenSize) * rowLength;
        Span<float> cell = state.Slice(2 * padded, padded);
        Span<float> z = stackalloc float[LstmPacking.Gates];

        for (int t = 0; t < seqLen; t++)
        {
            ReadOnlySpan<float> x = input.Slice(t * inputSize, inputSize);
            ReadOnlySpan<float> hPrev = state.Slice((t & 1) * padded, hiddenSize);
            Span<float> hNext = state.Slice(((t + 1) & 1) * padded, padded);

            for (int unit = 0; unit < hiddenSize; unit++)
            {
                ReadOnlySpan<float> panel = packed.Slice(unit / lanes * panelLength, panelLength);
                int lane = unit % lanes;
                // gates = b + W_ih·x_t + W_hh·h_{t-1}, with i, f, o pre-scaled by ½
                for (int gate = 0; gate < LstmPacking.Gates; gate++)
                {
                    int column = gate * lanes + lane;
                    float sum = panel[column];
                    for (int k = 0; k < inputSize; k++)
                        sum = KernelMath.MultiplyAdd(panel[(1 + k) * rowLength + column], x[k], sum);
                    for (int k = 0; k < hiddenSize; k++)
                        sum = KernelMath.MultiplyAdd(panel[(1 + inputSize + k) * rowLength + column], hPrev[k], sum);
                    z[gate] = sum;
                }

                // c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
                float i = KernelMath.SigmoidOfTwice(z[0]);
                float f = KernelMath.SigmoidOfTwice(z[1]);
                float g = KernelMath.Tanh(z[2]);
                float o = KernelMath.SigmoidOfTwice(z[3]);
                cell[unit] = KernelMath.MultiplyAdd(f, cell[unit], i * g);
                hNext[unit] = o * KernelMath.Tanh(cell[unit]);
            }
        }
    }
}
