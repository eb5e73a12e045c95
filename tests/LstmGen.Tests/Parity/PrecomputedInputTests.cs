using System;
using System.Collections.Generic;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

// Weights beyond 1 MB: the generated Forward precomputes layer 0's input part, b + W_ih · x_t, 8 steps ahead
// (KernelLayout.PrecomputedSteps). Rest tiles on the wider paths, a GRU, stacked layers, a last chunk shorter than 8.
[Lstm(8, 260, 2, 9)] public partial class PrecomputedRestModel : ILstmTestModel;
[Lstm(16, 200, 3, 10, NumLayers = 2)] public partial class PrecomputedStackedModel : ILstmTestModel;
[Gru(24, 200, 2, 11, NumLayers = 2)] public partial class PrecomputedGruModel : IGruTestModel;

/// <summary>
/// Models whose <c>Forward</c> precomputes the input part ahead (and <c>Step</c> one step ahead), against code that does not: the
/// float64 reference (one-layer LSTM) and the run-time-sized <see cref="LstmModel"/>/<see cref="GruModel"/>.
/// </summary>
public static class PrecomputedInputTests
{
    private const int Batch = 3;

    public static IEnumerable<object[]> Names() => [["lstm rest"], ["lstm stacked"], ["gru stacked"]];

    /// <summary>The largest difference, over a batch of random sequences, between the generated <c>Forward</c> and the others.</summary>
    public static float MaxError(string name)
    {
        var (model, reference, seqLen, inputSize, outputSize, singleLayerLstm) = Create(name);
        Tensor x = Tensor.RandN([Batch, seqLen, inputSize], seed: 5);
        Tensor y = model.Forward(x);
        float[] expected = reference.Forward(x).ToArray();
        float error = GoldenParity.MaxAbsDifference(y.AsSpan(), expected);
        // Step precomputes one step ahead: over the first sequence it ends where Forward does.
        model.ResetState();
        var stepOutput = new float[outputSize];
        for (int t = 0; t < seqLen; t++)
            model.Step(x.AsSpan().Slice(t * inputSize, inputSize), stepOutput);
        error = Math.Max(error, GoldenParity.MaxAbsDifference(stepOutput, expected.AsSpan(0, outputSize)));
        if (singleLayerLstm is { } weights)
        {
            for (int b = 0; b < Batch; b++)
            {
                float[] exact = ReferenceLstm.Forward(weights, x.AsSpan().Slice(b * seqLen * inputSize, seqLen * inputSize), seqLen);
                error = Math.Max(error, GoldenParity.MaxAbsDifference(y.AsSpan().Slice(b * outputSize, outputSize), exact));
            }
        }
        return error;
    }

    private static (ITestModel Model, RecurrentModel Reference, int SeqLen, int InputSize, int OutputSize, LstmWeights? SingleLayer) Create(string name)
    {
        switch (name)
        {
            case "lstm rest":
            {
                var weights = LstmWeights.CreateRandom(PrecomputedRestModel.InputSize, PrecomputedRestModel.HiddenSize, PrecomputedRestModel.OutputSize, seed: 1);
                var model = new PrecomputedRestModel();
                model.LoadWeights(weights);
                return (model, new LstmModel(weights), PrecomputedRestModel.SeqLen, PrecomputedRestModel.InputSize, PrecomputedRestModel.OutputSize, weights);
            }
            case "lstm stacked":
            {
                var weights = LstmWeights.CreateRandom(PrecomputedStackedModel.InputSize, PrecomputedStackedModel.HiddenSize, PrecomputedStackedModel.OutputSize,
                    seed: 2, numLayers: PrecomputedStackedModel.NumLayers);
                var model = new PrecomputedStackedModel();
                model.LoadWeights(weights);
                return (model, new LstmModel(weights), PrecomputedStackedModel.SeqLen, PrecomputedStackedModel.InputSize, PrecomputedStackedModel.OutputSize, null);
            }
            case "gru stacked":
            {
                var weights = GruWeights.CreateRandom(PrecomputedGruModel.InputSize, PrecomputedGruModel.HiddenSize, PrecomputedGruModel.OutputSize,
                    seed: 3, numLayers: PrecomputedGruModel.NumLayers);
                var model = new PrecomputedGruModel();
                model.LoadWeights(weights);
                return (model, new GruModel(weights), PrecomputedGruModel.SeqLen, PrecomputedGruModel.InputSize, PrecomputedGruModel.OutputSize, null);
            }
            default:
                throw new ArgumentException($"unknown case {name}", nameof(name));
        }
    }
}

public class PrecomputedInputParityTests
{
    [Theory]
    [MemberData(nameof(PrecomputedInputTests.Names), MemberType = typeof(PrecomputedInputTests))]
    public void Precomputed_forward_matches_step_by_step_code(string name)
    {
        float error = PrecomputedInputTests.MaxError(name);
        Assert.True(error <= GoldenParity.Tolerance, $"{name}: max error {error:E2}");
    }
}
