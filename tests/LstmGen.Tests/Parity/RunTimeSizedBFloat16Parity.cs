using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.Kernels;
using Xunit;

namespace LstmGen.Tests.Parity;

/// <summary>
/// Run-time-sized bfloat16 models (<see cref="LstmModel"/>, <see cref="GruModel"/> with
/// <see cref="WeightPrecision.BFloat16"/>) against run-time-sized float32 ones loaded with the weights rounded as packing
/// rounds them (<see cref="BFloat16Parity.Rounded"/>), which compute the same, through every API; and against the
/// generated bfloat16 models of <see cref="BFloat16Parity"/> on the same weights. <c>BFloat16ModelTests</c> runs these
/// on every kernel path, the child processes of <see cref="SimdPathTests"/> on the widest each accelerates.
/// </summary>
public static class RunTimeSizedBFloat16Parity
{
    private const int Batch = 3;

    public static IEnumerable<object[]> Names() =>
    [
        ["lstm rest"], ["gru stacked"], ["lstm options"], ["lstm projected, no bias"], ["gru bidirectional"], ["gru no bias, no head"],
    ];

    /// <summary>The largest difference, over every API, between a run-time-sized bfloat16 model on <paramref name="path"/> and its twins.</summary>
    internal static float MaxError(string name, KernelPath path)
    {
        switch (name)
        {
            case "lstm rest":
            {
                // BFloat16Parity's weights and sizes: H = 136, 8.5 tiles of 16 here.
                var weights = LstmWeights.CreateRandom(16, 136, 4, seed: 11);
                var generated = new HalfRestLstm();
                generated.LoadWeights(weights);
                return Math.Max(TwinError(weights, Readout.LastStep, 20, path), GeneratedError(generated, Model(weights, Readout.LastStep, path), 20));
            }
            case "gru stacked":
            {
                var weights = GruWeights.CreateRandom(16, 64, 4, seed: 12, numLayers: 2);
                var generated = new HalfStackedGru();
                generated.LoadWeights(weights);
                return Math.Max(TwinError(weights, Readout.LastStep, 30, path), GeneratedError(generated, Model(weights, Readout.LastStep, path), 30));
            }
            case "lstm options":
            {
                var weights = LstmWeights.CreateRandom(8, 48, 3, seed: 13, numLayers: 2, bidirectional: true, projSize: 24);
                var generated = new HalfOptionsLstm();
                generated.LoadWeights(weights);
                return Math.Max(TwinError(weights, Readout.EveryStep, 20, path), OptionsError(generated, (LstmModel)Model(weights, Readout.EveryStep, path)));
            }
            case "lstm projected, no bias":
                return TwinError(LstmWeights.CreateRandom(7, 33, 2, seed: 14, numLayers: 2, bias: false, projSize: 9), Readout.FinalState, 12, path);
            case "gru bidirectional":
                return TwinError(GruWeights.CreateRandom(6, 37, 5, seed: 15, numLayers: 2, bidirectional: true), Readout.FinalState, 9, path);
            case "gru no bias, no head":
                return TwinError(GruWeights.CreateRandom(5, 20, 0, seed: 16, bias: false), Readout.EveryStep, 11, path);
            default:
                throw new ArgumentException($"Unknown case '{name}'.", nameof(name));
        }
    }

    /// <summary>
    /// Throws unless an undefined <see cref="WeightPrecision"/> is refused by the constructors and loaders with an
    /// <see cref="ArgumentOutOfRangeException"/> naming the parameter and the value.
    /// </summary>
    public static void UndefinedPrecisionIsRefused()
    {
        var lstm = LstmWeights.CreateRandom(3, 5, 2, seed: 1);
        var gru = GruWeights.CreateRandom(3, 5, 2, seed: 1);
        string lstmPath = GoldenParity.GoldenPath("seed.weights.safetensors"), gruPath = GoldenParity.GoldenPath("gru_seed.weights.safetensors");
        var attempts = new (Func<RecurrentModel> Create, WeightPrecision Precision)[]
        {
            (() => new LstmModel(lstm, Readout.LastStep, (WeightPrecision)2), (WeightPrecision)2),
            (() => new GruModel(gru, Readout.EveryStep, (WeightPrecision)(-1)), (WeightPrecision)(-1)),
            (() => LstmModel.Load(lstmPath, weightPrecision: (WeightPrecision)7), (WeightPrecision)7),
            (() => GruModel.Load(new MemoryStream(File.ReadAllBytes(gruPath)), weightPrecision: (WeightPrecision)3), (WeightPrecision)3),
        };
        foreach ((Func<RecurrentModel> create, WeightPrecision precision) in attempts)
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(create);
            Assert.Equal("weightPrecision", error.ParamName);
            Assert.Equal(precision, error.ActualValue);
            Assert.Contains(((int)precision).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
            Assert.Contains("Float32 or BFloat16", error.Message);
        }
    }

    private static RecurrentModel Model(RecurrentWeights weights, Readout readout, KernelPath path, WeightPrecision precision = WeightPrecision.BFloat16)
    {
        RecurrentModel model = weights is LstmWeights lstm ? new LstmModel(lstm, readout, precision) : new GruModel((GruWeights)weights, readout, precision);
        model.Path = path;
        return model;
    }

    // The bfloat16 model against the float32 one with rounded weights: one sequence, a batch, a tensor, a padded batch,
    // both from given states (h_n and c_n compared too), and, unidirectional, a stream from a given state.
    private static float TwinError(RecurrentWeights weights, Readout readout, int steps, KernelPath path)
    {
        RecurrentModel half = Model(weights, readout, path);
        RecurrentModel twin = Model(BFloat16Parity.Rounded(weights), readout, path, WeightPrecision.Float32);
        int inputs = half.InputSize, perSequence = readout == Readout.EveryStep ? steps * half.OutputSize : half.OutputSize;
        float[] x = BFloat16Parity.Inputs(Batch * steps * inputs);
        int[] lengths = [steps, steps / 2, 1];
        var yHalf = new float[Batch * perSequence];
        var yTwin = new float[Batch * perSequence];
        float error = 0f;
        void Compare(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => error = Math.Max(error, GoldenParity.MaxAbsDifference(a, b));

        half.Forward(x.AsSpan(0, steps * inputs), yHalf.AsSpan(0, perSequence));
        twin.Forward(x.AsSpan(0, steps * inputs), yTwin.AsSpan(0, perSequence));
        Compare(yHalf.AsSpan(0, perSequence), yTwin.AsSpan(0, perSequence));
        half.Forward(x, yHalf, Batch);
        twin.Forward(x, yTwin, Batch);
        Compare(yHalf, yTwin);
        var tensor = new Tensor(x, [Batch, steps, inputs]);
        Compare(half.Forward(tensor).AsSpan(), twin.Forward(tensor).AsSpan());
        half.Forward(x, yHalf, lengths);
        twin.Forward(x, yTwin, lengths);
        Compare(yHalf, yTwin);

        // h0 [L · D, B, H_out] and c0 [L · D, B, H], which a GRU leaves alone.
        int directions = half.Bidirectional ? 2 : 1;
        float[] h0 = BFloat16Parity.Inputs(half.NumLayers * directions * Batch * half.HiddenOutputSize, 0.5f);
        float[] c0 = BFloat16Parity.Inputs(half.NumLayers * directions * Batch * half.HiddenSize, 0.7f);
        foreach (bool padded in new[] { false, true })
        {
            float[] hHalf = h0.ToArray(), hTwin = h0.ToArray(), cHalf = c0.ToArray(), cTwin = c0.ToArray();
            ForwardWithState(half, x, yHalf, padded ? lengths : null, hHalf, cHalf);
            ForwardWithState(twin, x, yTwin, padded ? lengths : null, hTwin, cTwin);
            Compare(yHalf, yTwin);
            Compare(hHalf, hTwin);
            Compare(cHalf, cTwin);
        }

        if (!half.Bidirectional)
        {
            float[] h = h0.AsSpan(0, half.NumLayers * half.HiddenOutputSize).ToArray(), c = c0.AsSpan(0, half.NumLayers * half.HiddenSize).ToArray();
            SetState(half, h, c);
            SetState(twin, h, c);
            for (int t = 0; t < steps; t++)
            {
                half.Step(x.AsSpan(t * inputs, inputs), yHalf.AsSpan(0, half.OutputSize));
                twin.Step(x.AsSpan(t * inputs, inputs), yTwin.AsSpan(0, half.OutputSize));
                Compare(yHalf.AsSpan(0, half.OutputSize), yTwin.AsSpan(0, half.OutputSize));
            }
            float[] hHalf = new float[h.Length], hTwin = new float[h.Length], cHalf = new float[c.Length], cTwin = new float[c.Length];
            GetState(half, hHalf, cHalf);
            GetState(twin, hTwin, cTwin);
            Compare(hHalf, hTwin);
            Compare(cHalf, cTwin);
        }
        return error;
    }

    // A run-time-sized bfloat16 model against the generated one on the same weights: one sequence, a batch, a tensor, a stream.
    private static float GeneratedError(ITestModel generated, RecurrentModel model, int steps)
    {
        int inputs = model.InputSize, outputs = model.OutputSize;
        float[] x = BFloat16Parity.Inputs(Batch * steps * inputs);
        var expected = new float[Batch * outputs];
        var actual = new float[Batch * outputs];
        generated.Forward(x.AsSpan(0, steps * inputs), expected.AsSpan(0, outputs));
        model.Forward(x.AsSpan(0, steps * inputs), actual.AsSpan(0, outputs));
        float error = GoldenParity.MaxAbsDifference(actual.AsSpan(0, outputs), expected.AsSpan(0, outputs));
        generated.Forward(x, expected, Batch);
        model.Forward(x, actual, Batch);
        error = Math.Max(error, GoldenParity.MaxAbsDifference(actual, expected));
        var tensor = new Tensor(x, [Batch, steps, inputs]);
        error = Math.Max(error, GoldenParity.MaxAbsDifference(model.Forward(tensor).AsSpan(), generated.Forward(tensor).AsSpan()));

        generated.ResetState();
        model.ResetState();
        for (int t = 0; t < Batch * steps; t++)
        {
            generated.Step(x.AsSpan(t * inputs, inputs), expected.AsSpan(0, outputs));
            model.Step(x.AsSpan(t * inputs, inputs), actual.AsSpan(0, outputs));
            error = Math.Max(error, GoldenParity.MaxAbsDifference(actual.AsSpan(0, outputs), expected.AsSpan(0, outputs)));
        }
        return error;
    }

    // The bidirectional, projected generated model (no streaming): a batch, and a padded batch from given states.
    private static float OptionsError(HalfOptionsLstm generated, LstmModel model)
    {
        const int Steps = 20;
        float[] x = BFloat16Parity.Inputs(Batch * Steps * 8);
        int[] lengths = [20, 7, 13];
        var expected = new float[Batch * Steps * 3];
        var actual = new float[Batch * Steps * 3];
        generated.Forward(x, expected, Batch);
        model.Forward(x, actual, Batch);
        float error = GoldenParity.MaxAbsDifference(actual, expected);
        // h [4, B, 24], c [4, B, 48].
        float[] hGenerated = BFloat16Parity.Inputs(4 * Batch * 24, 0.5f), cGenerated = BFloat16Parity.Inputs(4 * Batch * 48, 0.7f);
        float[] h = hGenerated.ToArray(), c = cGenerated.ToArray();
        generated.Forward(x, expected, lengths, hGenerated, cGenerated);
        model.Forward(x, actual, lengths, h, c);
        error = Math.Max(error, GoldenParity.MaxAbsDifference(actual, expected));
        error = Math.Max(error, GoldenParity.MaxAbsDifference(h, hGenerated));
        return Math.Max(error, GoldenParity.MaxAbsDifference(c, cGenerated));
    }

    // Forward from h (and an LSTM's c), which receive the final state: a batch, or a padded one given lengths.
    private static void ForwardWithState(RecurrentModel model, float[] x, float[] y, int[]? lengths, float[] h, float[] c)
    {
        switch (model, lengths)
        {
            case (LstmModel lstm, null): lstm.Forward(x, y, Batch, h, c); break;
            case (LstmModel lstm, _): lstm.Forward(x, y, lengths, h, c); break;
            case (GruModel gru, null): gru.Forward(x, y, Batch, h); break;
            case (GruModel gru, _): gru.Forward(x, y, lengths, h); break;
        }
    }

    // A GRU has no c: it stays as given.
    private static void SetState(RecurrentModel model, float[] h, float[] c)
    {
        if (model is LstmModel lstm) lstm.SetState(h, c); else ((GruModel)model).SetState(h);
    }

    private static void GetState(RecurrentModel model, float[] h, float[] c)
    {
        if (model is LstmModel lstm) lstm.GetState(h, c); else ((GruModel)model).GetState(h);
    }
}
