using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Kernels;

namespace LstmGen.Tests.Parity;

// bfloat16 models and their float32 twins: a rest tile of halves and the input precomputed ahead (H = 136), stacked GRU
// layers (batches in blocks), and a stacked, bidirectional, projected LSTM read out at every step.
[Lstm(16, 136, 4, 20, WeightPrecision = WeightPrecision.BFloat16)] public partial class HalfRestLstm : ILstmTestModel;
[Lstm(16, 136, 4, 20)] public partial class FloatRestLstm : ILstmTestModel;
[Gru(16, 64, 4, 30, NumLayers = 2, WeightPrecision = WeightPrecision.BFloat16)] public partial class HalfStackedGru : IGruTestModel;
[Gru(16, 64, 4, 30, NumLayers = 2)] public partial class FloatStackedGru : IGruTestModel;
[Lstm(8, 48, 3, 20, NumLayers = 2, Bidirectional = true, ProjSize = 24, Readout = Readout.EveryStep, WeightPrecision = WeightPrecision.BFloat16)]
public partial class HalfOptionsLstm;
[Lstm(8, 48, 3, 20, NumLayers = 2, Bidirectional = true, ProjSize = 24, Readout = Readout.EveryStep)]
public partial class FloatOptionsLstm;
// Golden cases' sizes (h64, h128) with bfloat16 weights.
[Lstm(16, 64, 4, 50, WeightPrecision = WeightPrecision.BFloat16)] public partial class HalfH64Model : ILstmTestModel;
[Lstm(32, 128, 10, 100, WeightPrecision = WeightPrecision.BFloat16)] public partial class HalfH128Model : ILstmTestModel;

/// <summary>
/// bfloat16 models against their float32 twins loaded with the weights rounded to bfloat16, which compute the same:
/// <see cref="BFloat16Tests"/> (in this process and, for every SIMD path, in the child processes of
/// <see cref="SimdPathTests"/>) and the ARM64 probe run these checks.
/// </summary>
public static class BFloat16Parity
{
    private const int Batch = 3;

    public static IEnumerable<object[]> Names() => [["lstm rest"], ["gru stacked"], ["lstm options"]];

    /// <summary>The largest difference, over every API, between a bfloat16 model and its float32 twin loaded with the weights rounded.</summary>
    public static float MaxError(string name)
    {
        switch (name)
        {
            case "lstm rest":
            {
                var weights = LstmWeights.CreateRandom(16, 136, 4, seed: 11);
                var half = new HalfRestLstm();
                var twin = new FloatRestLstm();
                half.LoadWeights(weights);
                twin.LoadWeights((LstmWeights)Rounded(weights));
                return Math.Max(ForwardError(half, twin, 16, 4, 20), StreamError(half, twin, 16, 4, 20));
            }
            case "gru stacked":
            {
                var weights = GruWeights.CreateRandom(16, 64, 4, seed: 12, numLayers: 2);
                var half = new HalfStackedGru();
                var twin = new FloatStackedGru();
                half.LoadWeights(weights);
                twin.LoadWeights((GruWeights)Rounded(weights));
                return Math.Max(ForwardError(half, twin, 16, 4, 30), StreamError(half, twin, 16, 4, 30));
            }
            case "lstm options":
            {
                var weights = LstmWeights.CreateRandom(8, 48, 3, seed: 13, numLayers: 2, bidirectional: true, projSize: 24);
                var half = new HalfOptionsLstm();
                var twin = new FloatOptionsLstm();
                half.LoadWeights(weights);
                twin.LoadWeights((LstmWeights)Rounded(weights));
                float[] x = Inputs(Batch * 20 * 8);
                int[] lengths = [20, 7, 13];
                float error = 0f;
                // Padded, from given states, returning the final ones: h [4, B, 24], c [4, B, 48].
                float[] hHalf = Inputs(4 * Batch * 24, 0.5f), cHalf = Inputs(4 * Batch * 48, 0.7f);
                float[] hTwin = hHalf.ToArray(), cTwin = cHalf.ToArray();
                var yHalf = new float[Batch * 20 * 3];
                var yTwin = new float[Batch * 20 * 3];
                half.Forward(x, yHalf, lengths, hHalf, cHalf);
                twin.Forward(x, yTwin, lengths, hTwin, cTwin);
                error = Math.Max(error, GoldenParity.MaxAbsDifference(yHalf, yTwin));
                error = Math.Max(error, GoldenParity.MaxAbsDifference(hHalf, hTwin));
                error = Math.Max(error, GoldenParity.MaxAbsDifference(cHalf, cTwin));
                half.Forward(x, yHalf, Batch);
                twin.Forward(x, yTwin, Batch);
                return Math.Max(error, GoldenParity.MaxAbsDifference(yHalf, yTwin));
            }
            default:
                throw new ArgumentException($"Unknown case '{name}'.", nameof(name));
        }
    }

    // One sequence, a batch of 3 and one of 16 (blocks and batch paths), and a padded batch.
    private static float ForwardError(ITestModel half, ITestModel twin, int inputSize, int outputSize, int steps)
    {
        const int Many = 16;
        float[] x = Inputs(Many * steps * inputSize);
        var yHalf = new float[Many * outputSize];
        var yTwin = new float[Many * outputSize];
        float error = 0f;
        half.Forward(x.AsSpan(0, steps * inputSize), yHalf.AsSpan(0, outputSize));
        twin.Forward(x.AsSpan(0, steps * inputSize), yTwin.AsSpan(0, outputSize));
        error = Math.Max(error, GoldenParity.MaxAbsDifference(yHalf.AsSpan(0, outputSize), yTwin.AsSpan(0, outputSize)));
        foreach (int batch in new[] { Batch, Many })
        {
            half.Forward(x.AsSpan(0, batch * steps * inputSize), yHalf.AsSpan(0, batch * outputSize), batch);
            twin.Forward(x.AsSpan(0, batch * steps * inputSize), yTwin.AsSpan(0, batch * outputSize), batch);
            error = Math.Max(error, GoldenParity.MaxAbsDifference(yHalf.AsSpan(0, batch * outputSize), yTwin.AsSpan(0, batch * outputSize)));
        }
        return error;
    }

    private static float StreamError(ITestModel half, ITestModel twin, int inputSize, int outputSize, int steps)
    {
        float[] x = Inputs(steps * inputSize);
        var yHalf = new float[outputSize];
        var yTwin = new float[outputSize];
        half.ResetState();
        twin.ResetState();
        float error = 0f;
        for (int t = 0; t < steps; t++)
        {
            half.Step(x.AsSpan(t * inputSize, inputSize), yHalf);
            twin.Step(x.AsSpan(t * inputSize, inputSize), yTwin);
            error = Math.Max(error, GoldenParity.MaxAbsDifference(yHalf, yTwin));
        }
        return error;
    }

    /// <summary>
    /// The weights a float32 model needs to compute what a bfloat16 one does, generated or run-time-sized: W_ih and
    /// W_hh rounded; biases (if any) summed where the packing sums them (b_ih + b_hh, except the GRU's n gate) and
    /// rounded; W_hr and the head as they are.
    /// </summary>
    internal static RecurrentWeights Rounded(RecurrentWeights weights)
    {
        bool gru = weights is GruWeights;
        RecurrentLayer Round(RecurrentLayer layer)
        {
            if (!layer.HasBias)
                return new RecurrentLayer(RoundAll(layer.WeightIh), RoundAll(layer.WeightHh), null, null, layer.WeightHr);
            float[] bih = layer.BiasIh!.ToArray(), bhh = layer.BiasHh!.ToArray();
            int hidden = layer.HiddenSize;
            for (int row = 0; row < bih.Length; row++)
            {
                bool separate = gru && row >= 2 * hidden; // the GRU's b_in and b_hn pack into slots of their own
                bih[row] = RecurrentPacking.RoundToBFloat16(separate ? bih[row] : bih[row] + bhh[row]);
                bhh[row] = separate ? RecurrentPacking.RoundToBFloat16(bhh[row]) : 0f;
            }
            return new RecurrentLayer(RoundAll(layer.WeightIh), RoundAll(layer.WeightHh),
                new Tensor(bih, [bih.Length]), new Tensor(bhh, [bhh.Length]), layer.WeightHr);
        }
        List<RecurrentLayer> layers = weights.Layers.Select(Round).ToList();
        List<RecurrentLayer>? reverse = weights.Bidirectional ? weights.ReverseLayers.Select(Round).ToList() : null;
        return gru
            ? new GruWeights(layers, reverse, weights.FcWeight, weights.FcBias)
            : new LstmWeights(layers, reverse, weights.FcWeight, weights.FcBias);
    }

    private static Tensor RoundAll(Tensor tensor) =>
        new(tensor.ToArray().Select(RecurrentPacking.RoundToBFloat16).ToArray(), tensor.Shape.ToArray());

    internal static float[] Inputs(int length, float scale = 1f) =>
        Enumerable.Range(0, length).Select(i => scale * MathF.Sin(0.37f * i + 0.1f)).ToArray();
}
