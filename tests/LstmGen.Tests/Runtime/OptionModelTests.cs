using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Kernels;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Runtime;

/// <summary>
/// The run-time-sized models on every <c>nn.LSTM</c>/<c>nn.GRU</c> option (Golden/pytorch): libtorch parity of every
/// readout, <c>out</c>, h_n and c_n through every overload, from .safetensors and .pt weights, on every kernel path.
/// </summary>
public class OptionModelTests
{
    private readonly ITestOutputHelper _output;

    public OptionModelTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> CasesAndPaths() =>
        from name in OptionGolden.Names from path in FallbackModelTests.Paths() select new object[] { name, path.ToString() };

    [Theory]
    [MemberData(nameof(CasesAndPaths))]
    public void Golden_case_matches_libtorch_through_every_overload_and_readout(string caseName, string pathName)
    {
        OptionGolden golden = OptionGolden.Load(caseName);
        Dictionary<string, float> errors = golden.AllErrors(Enum.Parse<KernelPath>(pathName));
        float worst = errors.Values.Max();
        _output.WriteLine($"{caseName} {pathName}: {errors.Count} checks, max {worst:E2}");
        foreach ((string what, float error) in errors.Where(e => !(e.Value <= GoldenParity.Tolerance)))
            _output.WriteLine($"  {what}: {error:E2}");
        Assert.True(worst <= GoldenParity.Tolerance, $"{caseName} {pathName}: max {worst:E2}; " +
            string.Join(", ", errors.Where(e => !(e.Value <= GoldenParity.Tolerance)).Select(e => $"{e.Key} {e.Value:E2}")));
        // Every overload was exercised: state ones always, zero-state ones unless the case starts from h0.
        Assert.Contains(errors.Keys, k => k.EndsWith(" h_n", StringComparison.Ordinal));
        if (!golden.HasInitialState) Assert.Contains(errors.Keys, k => k.EndsWith(" lengths", StringComparison.Ordinal));
        }

    // ---- options through the model API ----

    [Fact]
    public void Options_come_from_the_file()
    {
        var model = (LstmModel)OptionGolden.Load("all_lstm2").Model(Readout.FinalState, fromPyTorch: false);
        Assert.Equal((4, 12, 3, 2, true, 5, true, true, 10), (model.InputSize, model.HiddenSize, model.OutputSize, model.NumLayers,
            model.Bidirectional, model.ProjSize, model.HasBias, model.HasHead, model.FeatureSize));
        Assert.Equal(Readout.FinalState, model.Readout);

        var bare = GruModel.Load(OptionGolden.PathOf("bare_gru.weights.safetensors"), gruPrefix: "");
        Assert.Equal((false, 16, 16), (bare.HasHead, bare.FeatureSize, bare.OutputSize));
        var nobias = GruModel.Load(OptionGolden.PathOf("nobias_gru2.weights.pt"));
        Assert.False(nobias.HasBias);
    }

    [Fact]
    public void A_bidirectional_model_does_not_stream()
    {
        var model = new GruModel(GruWeights.CreateRandom(3, 5, 2, seed: 1, bidirectional: true));
        var error = Assert.Throws<InvalidOperationException>(() => model.Step(new float[3], new float[2]));
        Assert.Contains("bidirectional", error.Message);
        Assert.Contains("future", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<InvalidOperationException>(() => model.GetState(new float[5]));
        Assert.Throws<InvalidOperationException>(() => model.SetState(new float[5]));
    }

    [Fact]
    public void Chunks_with_carried_state_equal_one_run()
    {
        // Chunked streaming through Forward(…, h, c): two chunks from the state the first leaves equal the whole sequence.
        var model = new LstmModel(LstmWeights.CreateRandom(3, 10, 2, seed: 5, numLayers: 2, projSize: 4), Readout.EveryStep);
        float[] x = Tensor.RandN([2, 9, 3], seed: 6).ToArray();
        var whole = new float[2 * 9 * 2];
        float[] h = new float[2 * 2 * 4], c = new float[2 * 2 * 10];
        model.Forward(x, whole, 2, h, c);

        float[] h2 = new float[h.Length], c2 = new float[c.Length];
        var first = new float[2 * 4 * 2];
        var second = new float[2 * 5 * 2];
        float[] x1 = new float[2 * 4 * 3], x2 = new float[2 * 5 * 3];
        for (int b = 0; b < 2; b++)
        {
            x.AsSpan(b * 27, 12).CopyTo(x1.AsSpan(b * 12));
            x.AsSpan(b * 27 + 12, 15).CopyTo(x2.AsSpan(b * 15));
        }
        model.Forward(x1, first, 2, h2, c2);
        model.Forward(x2, second, 2, h2, c2);
        Assert.Equal(h, h2);
        Assert.Equal(c, c2);
        for (int b = 0; b < 2; b++)
        {
            Assert.Equal(whole.AsSpan(b * 18, 8).ToArray(), first.AsSpan(b * 8, 8).ToArray());
            Assert.Equal(whole.AsSpan(b * 18 + 8, 10).ToArray(), second.AsSpan(b * 10, 10).ToArray());
        }
    }

    // ---- bad input ----

    [Fact]
    public void Bad_lengths_and_states_name_expected_and_actual_and_change_nothing()
    {
        var model = new LstmModel(LstmWeights.CreateRandom(3, 6, 2, seed: 1, numLayers: 2, bidirectional: true, projSize: 4));
        float[] x = new float[2 * 5 * 3];
        var y = new float[2 * 2];

        var error = Assert.Throws<ArgumentException>(() => model.Forward(x, y, new[] { 5, 0 }));
        Assert.Equal("lengths", error.ParamName);
        Assert.Contains("lengths[1] must be between 1 and T = 5", error.Message);
        Assert.Contains("got 0", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Forward(x, y, new[] { 6, 1 }));
        Assert.Contains("lengths[0]", error.Message);
        Assert.Contains("got 6", error.Message);
        // Three lengths for an input of 30 floats: no T fits 3 sequences of 3 inputs.
        error = Assert.Throws<ArgumentException>(() => model.Forward(x, new float[6], new[] { 1, 1, 1 }));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("3 × 3 = 9", error.Message);
        Assert.Contains("got 30", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Forward(new float[29], y, 2));
        Assert.Contains("got 29", error.Message);

        // h: [NumLayers · D, batch, H_out] = 4 × 2 × 4; c: 4 × 2 × 6.
        float[] h = Enumerable.Repeat(0.5f, 32).ToArray(), c = Enumerable.Repeat(0.25f, 48).ToArray();
        error = Assert.Throws<ArgumentException>(() => model.Forward(x, y, 2, h.AsSpan(0, 31), c));
        Assert.Equal("h", error.ParamName);
        Assert.Contains("4 × 2 × 4 = 32", error.Message);
        Assert.Contains("got 31", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Forward(x, y, new[] { 5, 3 }, h, c.AsSpan(0, 32)));
        Assert.Equal("c", error.ParamName);
        Assert.Contains("4 × 2 × 6 = 48", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Forward(x, y, new[] { 5, 9 }, h, c));
        Assert.All(h, v => Assert.Equal(0.5f, v));
        Assert.All(c, v => Assert.Equal(0.25f, v));
        Assert.All(y, v => Assert.Equal(0f, v));

        // EveryStep: output [batch, T, O].
        var every = new LstmModel(LstmWeights.CreateRandom(3, 6, 2, seed: 1), Readout.EveryStep);
        error = Assert.Throws<ArgumentException>(() => every.Forward(x, y, 2));
        Assert.Equal("output", error.ParamName);
        Assert.Contains("2 × 5 × 2 = 20", error.Message);
        error = Assert.Throws<ArgumentException>(() => every.Forward(x.AsSpan(0, 15), new float[2]));
        Assert.Contains("T × OutputSize = 5 × 2 = 10", error.Message);

        var gru = new GruModel(GruWeights.CreateRandom(3, 6, 2, seed: 1));
        error = Assert.Throws<ArgumentException>(() => gru.Forward(x, y, 2, new float[6]));
        Assert.Equal("h", error.ParamName);
        Assert.Contains("1 × 2 × 6 = 12", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GruModel(GruWeights.CreateRandom(3, 6, 2, seed: 1), (Readout)7));
    }

    // ---- allocation ----

    [Fact]
    public void The_option_overloads_do_not_allocate()
    {
        var lstm = new LstmModel(LstmWeights.CreateRandom(4, 20, 3, seed: 1, numLayers: 2, bidirectional: true, projSize: 7), Readout.FinalState);
        var every = new LstmModel(LstmWeights.CreateRandom(4, 20, 0, seed: 1, bias: false), Readout.EveryStep);
        var gru = new GruModel(GruWeights.CreateRandom(4, 20, 3, seed: 1, numLayers: 2, bidirectional: true));
        float[] x = Tensor.RandN([3, 9, 4], seed: 2).ToArray();
        int[] lengths = [9, 4, 1];
        var y = new float[3 * 3];
        var ySeq = new float[3 * 9 * 20];
        float[] h = new float[2 * 2 * 3 * 20], c = new float[2 * 2 * 3 * 20];
        var step = new float[20];

        void Run()
        {
            lstm.Forward(x, y, lengths);
            lstm.Forward(x, y, 3, h.AsSpan(0, 2 * 2 * 3 * 7), c);
            lstm.Forward(x, y, lengths, h.AsSpan(0, 2 * 2 * 3 * 7), c);
            lstm.Forward(x.AsSpan(0, 2 * 4), y.AsSpan(0, 3));
            every.Forward(x, ySeq, lengths);
            every.Forward(x, ySeq, 3, h.AsSpan(0, 3 * 20), c.AsSpan(0, 3 * 20));
            every.Step(x.AsSpan(0, 4), step);
            gru.Forward(x, y, 3);
            gru.Forward(x, y, lengths, h.AsSpan(0, 2 * 2 * 3 * 20));
        }

        Assert.Equal(0, Allocations.Measure(Run, repetitions: 10));
    }
}
