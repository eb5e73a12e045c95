using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.Kernels;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Runtime;

/// <summary>
/// The run-time-sized models with <see cref="WeightPrecision.BFloat16"/>: what float32 computes with the weights rounded,
/// through every API on every kernel path (<see cref="RunTimeSizedBFloat16Parity"/>), the option through the
/// constructors and loaders, its refusal when undefined, and allocation-free calls.
/// </summary>
public class BFloat16ModelTests
{
    public static IEnumerable<object[]> CasesAndPaths() =>
        from row in RunTimeSizedBFloat16Parity.Names() from path in FallbackModelTests.Paths() select new object[] { row[0], path.ToString() };

    [Theory]
    [MemberData(nameof(CasesAndPaths))]
    public void A_bfloat16_model_computes_what_float32_does_with_rounded_weights(string name, string pathName) =>
        Assert.InRange(RunTimeSizedBFloat16Parity.MaxError(name, Enum.Parse<KernelPath>(pathName)), 0f, 1e-6f);

    [Fact]
    public void Float32_is_the_default_and_WeightPrecision_tells_which()
    {
        var lstm = LstmWeights.CreateRandom(3, 20, 2, seed: 1);
        var gru = GruWeights.CreateRandom(3, 20, 2, seed: 1);
        string lstmPath = GoldenParity.GoldenPath("lstm3_mid.weights.safetensors"), gruPath = GoldenParity.GoldenPath("gru2_odd.weights.safetensors");
        RecurrentModel[] float32 = [new LstmModel(lstm), new LstmModel(lstm, Readout.EveryStep), LstmModel.Load(lstmPath), new GruModel(gru), GruModel.Load(gruPath)];
        Assert.All(float32, model => Assert.Equal(WeightPrecision.Float32, model.WeightPrecision));
        RecurrentModel[] bfloat16 =
        [
            new LstmModel(lstm, Readout.LastStep, WeightPrecision.BFloat16), LstmModel.Load(lstmPath, weightPrecision: WeightPrecision.BFloat16),
            new GruModel(gru, Readout.FinalState, WeightPrecision.BFloat16), GruModel.Load(gruPath, weightPrecision: WeightPrecision.BFloat16),
        ];
        Assert.All(bfloat16, model => Assert.Equal(WeightPrecision.BFloat16, model.WeightPrecision));
    }

    [Fact]
    public void Load_from_a_path_or_a_stream_rounds_the_weights_as_the_constructor_does()
    {
        string path = GoldenParity.GoldenPath("lstm3_mid.weights.safetensors");
        LstmModel fromPath = LstmModel.Load(path, weightPrecision: WeightPrecision.BFloat16);
        using FileStream stream = File.OpenRead(path);
        LstmModel fromStream = LstmModel.Load(stream, weightPrecision: WeightPrecision.BFloat16);
        LstmWeights weights = LstmWeights.Load(path, LstmWeights.DefaultLstmPrefix, RecurrentWeights.DefaultFcPrefix, stateDictKey: null);
        var constructed = new LstmModel(weights, Readout.LastStep, WeightPrecision.BFloat16);
        var float32 = new LstmModel(weights);

        float[] x = Tensor.RandN([2, 20, 16], seed: 3).ToArray();
        float[] Run(RecurrentModel model)
        {
            var y = new float[2 * 4];
            model.Forward(x, y, 2);
            return y;
        }
        float[] expected = Run(constructed);
        Assert.Equal(expected, Run(fromPath));
        Assert.Equal(expected, Run(fromStream));
        // The rounding shows, at about 1e-3 of the outputs' size (docs/weight-precision.md).
        Assert.InRange(GoldenParity.MaxAbsDifference(expected, Run(float32)), 1e-6f, 1e-2f);

        string gruPath = GoldenParity.GoldenPath("gru2_odd.weights.safetensors");
        var gru = new GruModel(GruWeights.Load(gruPath, GruWeights.DefaultGruPrefix, RecurrentWeights.DefaultFcPrefix, stateDictKey: null), Readout.EveryStep, WeightPrecision.BFloat16);
        GruModel gruLoaded = GruModel.Load(gruPath, readout: Readout.EveryStep, weightPrecision: WeightPrecision.BFloat16);
        float[] xGru = Tensor.RandN([1, 6, 7], seed: 4).ToArray();
        Assert.Equal(gru.Forward(new Tensor(xGru, [1, 6, 7])).ToArray(), gruLoaded.Forward(new Tensor(xGru, [1, 6, 7])).ToArray());
    }

    [Fact]
    public void An_undefined_precision_is_refused_naming_the_parameter_and_value() =>
        RunTimeSizedBFloat16Parity.UndefinedPrecisionIsRefused();

    [Fact]
    public void Forward_and_Step_do_not_allocate()
    {
        var lstm = new LstmModel(LstmWeights.CreateRandom(16, 40, 3, seed: 1, numLayers: 2, projSize: 7), Readout.LastStep, WeightPrecision.BFloat16);
        var gru = new GruModel(GruWeights.CreateRandom(16, 40, 3, seed: 1, bidirectional: true), Readout.FinalState, WeightPrecision.BFloat16);
        float[] x = Tensor.RandN([4, 9, 16], seed: 2).ToArray();
        int[] lengths = [9, 4, 1, 7];
        var y = new float[4 * 3];
        float[] h = new float[2 * 4 * 40], c = new float[2 * 4 * 40];

        void Run()
        {
            lstm.Forward(x.AsSpan(0, 9 * 16), y.AsSpan(0, 3));
            lstm.Forward(x, y, 4);
            lstm.Forward(x, y, lengths, h.AsSpan(0, 2 * 4 * 7), c);
            lstm.Step(x.AsSpan(0, 16), y.AsSpan(0, 3));
            gru.Forward(x, y, lengths);
            gru.Forward(x, y, 4, h);
        }

        Assert.Equal(0, Allocations.Measure(Run, repetitions: 10));
    }
}
