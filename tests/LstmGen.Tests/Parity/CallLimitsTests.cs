using System;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

// Sizes whose products with a caller's T or batch pass int.MaxValue: 4096 outputs per step, or 2048 features per step
// (both directions of 1024 units), so that a few MB of input reach them.
[Lstm(1, 8, 4096, 8, Readout = Readout.EveryStep)] public partial class WideTagger;
[Lstm(1, 8, 4096, 8)] public partial class WideHead;
[Lstm(1, 1024, 1, 8, Bidirectional = true, Readout = Readout.EveryStep)] public partial class WideBidirectionalTagger;

/// <summary>
/// Calls whose expected sizes pass int.MaxValue, and spans that share memory: refused with an ArgumentException
/// before anything is written, rather than a size that wraps around and lets the kernel write past a span.
/// </summary>
public class CallLimitsTests
{
    private const int Wraps = (1 << 20) + 1; // × 4096 = 2³² + 4096: wraps around to 4096

    [Fact]
    public void An_output_length_past_int_is_refused_not_wrapped()
    {
        var tagger = new WideTagger();
        tagger.InitializeWeights(seed: 1);
        var output = new float[WideTagger.OutputSize];

        var error = Assert.Throws<ArgumentException>(() => tagger.Forward(new float[Wraps], output));
        Assert.Equal("output", error.ParamName);
        Assert.Contains($"= {(long)Wraps * 4096} floats; got 4096", error.Message);

        var head = new WideHead();
        head.InitializeWeights(seed: 1);
        error = Assert.Throws<ArgumentException>(() => head.Forward(new float[Wraps], output, batchSize: Wraps));
        Assert.Equal("output", error.ParamName);
        Assert.Contains($"= {(long)Wraps * 4096} floats; got 4096", error.Message);
        Assert.All(output, value => Assert.Equal(0f, value));
    }

    [Fact]
    public void A_state_length_past_int_is_refused_not_wrapped()
    {
        var model = new WideBidirectionalTagger();
        model.InitializeWeights(seed: 1);
        const int batch = (1 << 21) + 1;         // × 2 directions × 1024 = 2³² + 2048
        var (h, c) = (new float[2048], new float[2048]);

        var error = Assert.Throws<ArgumentException>(() => model.Forward(new float[batch], new float[batch], batch, h, c));
        Assert.Equal("h", error.ParamName);
        Assert.Contains($"= {2L * batch * 1024} floats; got 2048", error.Message);
    }

    [Fact]
    public void A_bidirectional_sequence_too_long_for_its_scratch_is_refused()
    {
        var model = new WideBidirectionalTagger();
        model.InitializeWeights(seed: 1);
        const int steps = (1 << 19) + 1;         // two sequences of T × 2048 floats: just past 2³¹

        var error = Assert.Throws<ArgumentException>(() => model.Forward(new float[steps], new float[steps]));
        Assert.Equal("input", error.ParamName);
        Assert.Contains($"T × 2 · H_out = {steps} × 2048", error.Message);

        // A tensor batch of several sequences, which Forward(Tensor) may split over cores: the same exception.
        error = Assert.Throws<ArgumentException>(() => model.Forward(new Tensor([2, steps, 1])));
        Assert.Contains($"T × 2 · H_out = {steps} × 2048", error.Message);
    }

    [Fact]
    public void A_run_time_sized_sequence_too_long_for_its_scratch_is_refused()
    {
        var model = new LstmModel(LstmWeights.CreateRandom(1, 1024, 1, seed: 1));
        const int steps = (1 << 20) + 1;         // two sequences of T × 1024 floats: just past 2³¹

        var error = Assert.Throws<ArgumentException>(() => model.Forward(new float[steps], new float[1]));
        Assert.Equal("input", error.ParamName);
        Assert.Contains($"T × D · H_out = {steps} × 1024", error.Message);
    }

    [Fact]
    public void Spans_that_share_memory_are_refused_before_anything_is_written()
    {
        var model = new SeedModel();
        model.InitializeWeights(seed: 1);
        float[] memory = Tensor.RandN([40], seed: 2).ToArray();
        float[] before = (float[])memory.Clone();

        var error = Assert.Throws<ArgumentException>(() => model.Forward(memory.AsSpan(0, 35), memory.AsSpan(34, 2)));
        Assert.Equal("output", error.ParamName);
        Assert.Contains("must not overlap input", error.Message);

        error = Assert.Throws<ArgumentException>(() => model.Forward(memory.AsSpan(0, 35), new float[2], 1, memory.AsSpan(32, 8), new float[8]));
        Assert.Equal("h", error.ParamName);
        Assert.Contains("must not overlap input", error.Message);

        float[] state = new float[8];
        error = Assert.Throws<ArgumentException>(() => model.Forward(memory.AsSpan(0, 35), new float[2], 1, state, state));
        Assert.Equal("c", error.ParamName);
        Assert.Contains("must not overlap h", error.Message);
        Assert.Equal(before, memory);

        var fallback = new LstmModel(LstmWeights.CreateRandom(5, 8, 2, seed: 1));
        error = Assert.Throws<ArgumentException>(() => fallback.Forward(memory.AsSpan(0, 35), new float[2], 1, state, state));
        Assert.Equal("c", error.ParamName);
        Assert.Equal(before, memory);
    }

    [Fact]
    public void A_tensor_batch_split_over_cores_without_weights_names_the_missing_weights()
    {
        // 64 sequences of H64Model pass ParallelBatch.MinimumMultiplyAdds: split over cores where there are several.
        var error = Assert.Throws<InvalidOperationException>(() => new H64Model().Forward(new Tensor([64, H64Model.SeqLen, H64Model.InputSize])));
        Assert.Contains("InitializeWeights", error.Message);
    }
}
