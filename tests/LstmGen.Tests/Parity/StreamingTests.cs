using System;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

/// <summary>The streaming API: Step carries state, Forward never touches it, state can be saved and restored.</summary>
public class StreamingTests
{
    private static Lstm2SmallModel CreateLstm()
    {
        var model = new Lstm2SmallModel();
        model.InitializeWeights(seed: 3);
        return model;
    }

    private static float[] StepAll(ITestModel model, ReadOnlySpan<float> sequence, int inputSize, int outputSize)
    {
        var outputs = new float[sequence.Length / inputSize * outputSize];
        for (int t = 0; t < sequence.Length / inputSize; t++)
            model.Step(sequence.Slice(t * inputSize, inputSize), outputs.AsSpan(t * outputSize, outputSize));
        return outputs;
    }

    [Fact]
    public void Stepping_a_sequence_ends_where_Forward_does()
    {
        Lstm2SmallModel model = CreateLstm();
        float[] x = Tensor.RandN([7, 5], seed: 1).ToArray();
        var expected = new float[2];
        model.Forward(x, expected);

        float[] stepped = StepAll(model, x, 5, 2);

        Assert.True(GoldenParity.MaxAbsDifference(stepped.AsSpan(12, 2), expected) <= 1e-6f);
    }

    [Fact]
    public void Forward_leaves_the_streaming_state_alone()
    {
        Lstm2SmallModel model = CreateLstm();
        float[] x = Tensor.RandN([14, 5], seed: 2).ToArray();
        float[] uninterrupted = StepAll(model, x, 5, 2);

        model.ResetState();
        float[] first = StepAll(model, x.AsSpan(0, 35), 5, 2);
        model.Forward(Tensor.RandN([3, 7, 5], seed: 4));   // a sequence in between
        model.Forward(x.AsSpan(0, 35), new float[2]);
        float[] second = StepAll(model, x.AsSpan(35), 5, 2);

        float[] resumed = [.. first, .. second];
        Assert.Equal(uninterrupted, resumed);
    }

    [Fact]
    public void Saved_state_resumes_the_stream_exactly()
    {
        Lstm2SmallModel model = CreateLstm();
        float[] x = Tensor.RandN([10, 5], seed: 5).ToArray();
        StepAll(model, x.AsSpan(0, 25), 5, 2);
        var h = new float[Lstm2SmallModel.NumLayers * Lstm2SmallModel.HiddenSize];
        var c = new float[h.Length];
        model.GetState(h, c);
        float[] expected = StepAll(model, x.AsSpan(25), 5, 2);

        var restored = CreateLstm();
        restored.SetState(h, c);
        Assert.Equal(expected, StepAll(restored, x.AsSpan(25), 5, 2));
    }

    [Fact]
    public void ResetState_starts_over()
    {
        var model = new GruSeedModel();
        model.InitializeWeights(seed: 6);
        float[] x = Tensor.RandN([7, 5], seed: 7).ToArray();
        float[] first = StepAll(model, x, 5, 2);
        model.ResetState();
        Assert.Equal(first, StepAll(model, x, 5, 2));

        var h = new float[8];
        model.GetState(h);
        model.ResetState();
        var zero = new float[8];
        model.GetState(zero);
        Assert.All(zero, value => Assert.Equal(0f, value));
        Assert.Contains(h, value => value != 0f);
    }

    [Fact]
    public void Wrong_state_lengths_are_rejected_and_the_state_kept()
    {
        Lstm2SmallModel model = CreateLstm();
        model.Step(new float[5] { 1, 2, 3, 4, 5 }, new float[2]);
        var h = new float[16];
        var c = new float[16];
        model.GetState(h, c);

        var error = Assert.Throws<ArgumentException>(() => model.SetState(new float[16], new float[8]));
        Assert.Contains("NumLayers × HiddenSize = 16", error.Message);
        Assert.Contains("got 8", error.Message);
        Assert.Throws<ArgumentException>(() => model.GetState(new float[8], new float[16]));
        Assert.Throws<ArgumentException>(() => model.Step(new float[4], new float[2]));
        Assert.Throws<ArgumentException>(() => model.Step(new float[5], new float[1]));

        var after = new float[16];
        model.GetState(after, new float[16]);
        Assert.Equal(h, after);
    }

    [Fact]
    public void Step_allocates_nothing()
    {
        Lstm2SmallModel lstm = CreateLstm();
        var gru = new GruAudioModel();
        gru.InitializeWeights(seed: 1);
        var x = new float[5] { 0.1f, -0.2f, 0.3f, 0.4f, -0.5f };
        var y = new float[2];
        var sample = new float[1];
        var output = new float[1];

        Assert.Equal(0, Allocations.Measure(() => { lstm.Step(x, y); gru.Step(sample, output); }, repetitions: 1000));
    }
}
