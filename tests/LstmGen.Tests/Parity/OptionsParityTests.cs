using System;
using System.Linq;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

// Generated models of the option cases in Golden/pytorch (sizes from its README) that a unidirectional model runs:
// any sequence length, padded batches, initial and final states, and every readout.
[Lstm(5, 8, 2, 9)] public partial class LensLstm;
[Lstm(5, 8, 2, 9, Readout = Readout.FinalState)] public partial class LensLstmFinal;
[Lstm(5, 8, 2, 9, Readout = Readout.EveryStep)] public partial class LensLstmSeq;
[Lstm(5, 8, 2, 7, NumLayers = 2)] public partial class H0Lstm2;
[Lstm(5, 8, 2, 7, NumLayers = 2, Readout = Readout.EveryStep)] public partial class H0Lstm2Seq;
[Gru(5, 8, 2, 7, Readout = Readout.EveryStep)] public partial class GruSeedSeq;

/// <summary>Generated models against real PyTorch on lengths, states and readouts (Golden/pytorch/README.md; Golden/made in its format).</summary>
public partial class OptionsParityTests
{
    private static SafetensorsFile Io(string name) => SafetensorsFile.Load(OptionGolden.PathOf($"{name}.io.safetensors"));

    private static string Weights(string name) => OptionGolden.PathOf($"{name}.weights.safetensors");

    private static int[] Lengths(SafetensorsFile io) => io.Metadata["lengths"].Split(',').Select(int.Parse).ToArray();

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.InRange(GoldenParity.MaxAbsDifference(actual, expected), 0f, 1e-6f);
    }

    [Fact]
    public void A_padded_batch_reads_each_sequence_at_its_last_valid_step()
    {
        SafetensorsFile io = Io("lens_lstm");
        Tensor x = io.ReadTensor("x");
        int[] lengths = Lengths(io);
        var last = new LensLstm();
        var final = new LensLstmFinal();
        last.LoadSafetensors(Weights("lens_lstm"));
        final.LoadSafetensors(Weights("lens_lstm"));

        var y = new float[lengths.Length * LensLstm.OutputSize];
        last.Forward(x.AsSpan(), y, lengths);
        AssertClose(io.ReadTensor("y_last").AsSpan(), y);
        final.Forward(x.AsSpan(), y, lengths);
        AssertClose(io.ReadTensor("y_final").AsSpan(), y);
    }

    [Fact]
    public void Any_sequence_length_runs_as_its_own_sequence()
    {
        // Sequence b of lens_lstm alone, its first lengths[b] steps: y_last[b], whatever the attribute's seqLen (9).
        SafetensorsFile io = Io("lens_lstm");
        Tensor x = io.ReadTensor("x");
        int[] lengths = Lengths(io);
        var model = new LensLstm();
        model.LoadSafetensors(Weights("lens_lstm"));
        var y = new float[LensLstm.OutputSize];
        for (int b = 0; b < lengths.Length; b++)
        {
            model.Forward(x.AsSpan().Slice(b * 9 * LensLstm.InputSize, lengths[b] * LensLstm.InputSize), y);
            AssertClose(io.ReadTensor("y_last").AsSpan().Slice(b * LensLstm.OutputSize, LensLstm.OutputSize), y);
        }
    }

    [Fact]
    public void Every_step_readout_is_zero_at_padded_steps()
    {
        SafetensorsFile io = Io("lens_lstm");
        Tensor x = io.ReadTensor("x");
        int[] lengths = Lengths(io);
        var model = new LensLstmSeq();
        model.LoadSafetensors(Weights("lens_lstm"));

        var y = Enumerable.Repeat(float.NaN, lengths.Length * 9 * LensLstmSeq.OutputSize).ToArray();
        model.Forward(x.AsSpan(), y, lengths);
        AssertClose(io.ReadTensor("y_seq").AsSpan(), y);
    }

    [Fact]
    public void Final_states_of_a_padded_batch_are_those_after_each_sequences_last_step()
    {
        SafetensorsFile io = Io("lens_lstm");
        Tensor x = io.ReadTensor("x");
        int[] lengths = Lengths(io);
        var model = new LensLstm();
        model.LoadSafetensors(Weights("lens_lstm"));

        var y = new float[lengths.Length * LensLstm.OutputSize];
        var h = new float[lengths.Length * LensLstm.HiddenSize];
        var c = new float[lengths.Length * LensLstm.HiddenSize];
        model.Forward(x.AsSpan(), y, lengths, h, c); // h_0 = c_0 = 0
        AssertClose(io.ReadTensor("y_last").AsSpan(), y);
        AssertClose(io.ReadTensor("h_n").AsSpan(), h);
        AssertClose(io.ReadTensor("c_n").AsSpan(), c);
    }

    [Fact]
    public void Initial_states_go_in_and_final_states_come_out()
    {
        SafetensorsFile io = Io("h0_lstm2");
        Tensor x = io.ReadTensor("x");
        int batch = x.Shape[0];
        float[] h = io.ReadTensor("h0").ToArray(), c = io.ReadTensor("c0").ToArray();
        var model = new H0Lstm2();
        model.LoadSafetensors(Weights("h0_lstm2"));

        var y = new float[batch * H0Lstm2.OutputSize];
        model.Forward(x.AsSpan(), y, batch, h, c);
        AssertClose(io.ReadTensor("y_last").AsSpan(), y);
        AssertClose(io.ReadTensor("h_n").AsSpan(), h);
        AssertClose(io.ReadTensor("c_n").AsSpan(), c);

        // Every step from the same initial states.
        var sequence = new H0Lstm2Seq();
        sequence.LoadSafetensors(Weights("h0_lstm2"));
        var ySeq = new float[batch * 7 * H0Lstm2Seq.OutputSize];
        sequence.Forward(x.AsSpan(), ySeq, batch, io.ReadTensor("h0").ToArray(), io.ReadTensor("c0").ToArray());
        AssertClose(io.ReadTensor("y_seq").AsSpan(), ySeq);
    }

    [Fact]
    public void The_tensor_overloads_take_lengths_and_states_as_PyTorch_does()
    {
        SafetensorsFile lens = Io("lens_lstm");
        var padded = new LensLstmSeq();
        padded.LoadSafetensors(Weights("lens_lstm"));
        Tensor every = padded.Forward(lens.ReadTensor("x"), Lengths(lens));
        Assert.Equal(lens.ReadTensor("y_seq").Shape.ToArray(), every.Shape.ToArray());
        AssertClose(lens.ReadTensor("y_seq").AsSpan(), every.AsSpan());

        SafetensorsFile io = Io("h0_lstm2");
        Tensor h0 = io.ReadTensor("h0"), c0 = io.ReadTensor("c0");
        float[] h0Before = h0.ToArray(), c0Before = c0.ToArray();
        var model = new H0Lstm2();
        model.LoadSafetensors(Weights("h0_lstm2"));
        (Tensor y, Tensor h, Tensor c) = model.Forward(io.ReadTensor("x"), h0, c0);
        AssertClose(io.ReadTensor("y_last").AsSpan(), y.AsSpan());
        Assert.Equal(io.ReadTensor("h_n").Shape.ToArray(), h.Shape.ToArray());
        AssertClose(io.ReadTensor("h_n").AsSpan(), h.AsSpan());
        AssertClose(io.ReadTensor("c_n").AsSpan(), c.AsSpan());
        Assert.Equal(h0Before, h0.ToArray());
        Assert.Equal(c0Before, c0.ToArray());

        // Shapes that do not fit, named with the shape expected.
        var error = Assert.Throws<ArgumentException>(() => model.Forward(io.ReadTensor("x"), Tensor.Zeros([1, 3, 8]), c0));
        Assert.Equal("h0", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => model.Forward(io.ReadTensor("x"), h0, Tensor.Zeros([2, 8])));
        Assert.StartsWith("c0 must have shape [2, 3, 8] ([NumLayers, batch, HiddenSize]); got [2, 8].", error.Message);
        error = Assert.Throws<ArgumentException>(() => padded.Forward(lens.ReadTensor("x"), [9, 4]));
        Assert.StartsWith("lengths must hold one length per sequence of input [4, 9, 5]: 4; got 2.", error.Message);
    }

    [Fact]
    public void A_long_sequence_runs_in_chunks_through_the_state_overload()
    {
        // Steps 0-2, then 3-6 from the states the first chunk left: the whole sequence's results.
        SafetensorsFile io = Io("h0_lstm2");
        Tensor x = io.ReadTensor("x");
        int batch = x.Shape[0], inputs = H0Lstm2.InputSize;
        var model = new H0Lstm2();
        model.LoadSafetensors(Weights("h0_lstm2"));
        float[] h = io.ReadTensor("h0").ToArray(), c = io.ReadTensor("c0").ToArray();
        var y = new float[batch * H0Lstm2.OutputSize];
        foreach ((int start, int steps) in new[] { (0, 3), (3, 4) })
        {
            var chunk = new float[batch * steps * inputs];
            for (int b = 0; b < batch; b++)
                x.AsSpan().Slice((b * 7 + start) * inputs, steps * inputs).CopyTo(chunk.AsSpan(b * steps * inputs));
            model.Forward(chunk, y, batch, h, c);
        }
        AssertClose(io.ReadTensor("y_last").AsSpan(), y);
        AssertClose(io.ReadTensor("h_n").AsSpan(), h);
    }

    [Fact]
    public void Every_step_of_a_gru_matches_its_streaming_outputs()
    {
        // gru_seed (Golden/): every step's head against Step's, and the tensor overload's shape [B, T, O].
        SafetensorsFile io = SafetensorsFile.Load(GoldenParity.GoldenPath("gru_seed.io.safetensors"));
        Tensor x = io.ReadTensor("x");
        var model = new GruSeedSeq();
        model.LoadSafetensors(GoldenParity.GoldenPath("gru_seed.weights.safetensors"));
        Tensor y = model.Forward(x);
        Assert.Equal([x.Shape[0], 7, GruSeedSeq.OutputSize], y.Shape.ToArray());

        var step = new float[GruSeedSeq.OutputSize];
        for (int b = 0; b < x.Shape[0]; b++)
        {
            model.ResetState();
            for (int t = 0; t < 7; t++)
            {
                model.Step(x.AsSpan().Slice((b * 7 + t) * 5, 5), step);
                Assert.Equal(step, y.AsSpan().Slice((b * 7 + t) * 2, 2).ToArray());
            }
        }
        AssertClose(io.ReadTensor("y").AsSpan(), Enumerable.Range(0, x.Shape[0]).SelectMany(b => y.AsSpan().Slice((b * 7 + 6) * 2, 2).ToArray()).ToArray());
    }

    [Theory]
    [InlineData(new[] { 9, 0, 1, 6 }, "lengths[1] must be between 1 and the padded length T = 9; got 0")]
    [InlineData(new[] { 9, 4, 10, 6 }, "lengths[2] must be between 1 and the padded length T = 9; got 10")]
    [InlineData(new[] { 9, 4, 1, 6, 2, 3, 5 }, "multiple of 7 × 5 = 35; got 180")]
    public void Bad_lengths_name_expected_and_actual(int[] lengths, string message)
    {
        var model = new LensLstm();
        model.InitializeWeights(seed: 1);
        var y = new float[lengths.Length * LensLstm.OutputSize];
        var error = Assert.Throws<ArgumentException>(() => model.Forward(new float[4 * 9 * 5], y, lengths));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Wrong_state_sizes_name_expected_and_actual_and_leave_the_states_alone()
    {
        var model = new H0Lstm2();
        model.InitializeWeights(seed: 1);
        float[] h = Enumerable.Repeat(0.5f, 2 * 3 * 8).ToArray(), c = new float[2 * 3 * 8 - 1];
        var error = Assert.Throws<ArgumentException>(() => model.Forward(new float[3 * 7 * 5], new float[3 * 2], 3, h, c));
        Assert.Equal("c", error.ParamName);
        Assert.Contains("NumLayers × batch × HiddenSize = 48 floats; got 47", error.Message);
        Assert.All(h, value => Assert.Equal(0.5f, value));
    }
}

// The largest model the attribute allows in width and depth: its state (196 KB) is far beyond the stack budget.
[Lstm(64, 1024, 10, 3, NumLayers = 16)] public partial class DeepWideLstm;

// The widest bidirectional and projected one.
[Lstm(64, 1024, 10, 3, Bidirectional = true, ProjSize = 1023)] public partial class WideBidirectionalLstm;

/// <summary>The new overloads allocate nothing, and no model needs more stack than a small native thread has.</summary>
public class OptionsResourceTests
{
    [Fact]
    public void Padded_batches_states_and_every_step_readouts_allocate_nothing()
    {
        var padded = new LensLstmSeq();
        var stateful = new H0Lstm2();
        padded.InitializeWeights(seed: 1);
        stateful.InitializeWeights(seed: 2);
        var x = new float[4 * 9 * 5];
        int[] lengths = [9, 4, 1, 6];
        var ySeq = new float[4 * 9 * 2];
        var y = new float[3 * 2];
        var h = new float[2 * 3 * 8];
        var c = new float[2 * 3 * 8];
        var input = new float[3 * 7 * 5];

        void Run()
        {
            padded.Forward(x, ySeq, lengths);
            padded.Forward(x.AsSpan(0, 2 * 5), ySeq.AsSpan(0, 2 * 2)); // a sequence of 2 steps
            stateful.Forward(input, y, 3, h, c);
        }

        Run();
        Assert.Equal(0, Allocations.Measure(Run, repetitions: 50));
    }

    [Fact]
    public void Bidirectional_and_projected_models_allocate_nothing_once_their_scratch_has_grown()
    {
        var bidirectional = new BiLstm2Seq();
        var projected = new ProjectedSensor();
        bidirectional.InitializeWeights(seed: 1);
        projected.InitializeWeights(seed: 2);
        var x = new float[3 * 9 * 7];
        int[] lengths = [9, 4, 7];
        var y = new float[3 * 9 * BiLstm2Seq.OutputSize];
        var h = new float[2 * 2 * 3 * 13];
        var c = new float[2 * 2 * 3 * 13];
        var sensor = new float[50 * 16];
        var output = new float[4];

        void Run()
        {
            bidirectional.Forward(x, y, lengths, h, c);
            bidirectional.Forward(x.AsSpan(0, 5 * 7), y.AsSpan(0, 5 * BiLstm2Seq.OutputSize)); // a shorter sequence: the scratch is large enough
            projected.Forward(sensor, output);
        }

        Run(); // the first call on this thread sizes the scratch (KernelScratch)
        Assert.Equal(0, Allocations.Measure(Run, repetitions: 20));
    }

    [Fact]
    public void The_largest_model_runs_on_a_256_KB_thread()
    {
        // Zero weights but for the head's bias: every h is then 0 and the output is the bias, after all 16 layers ran.
        const int Gates = 4 * 1024;
        var layers = new RecurrentLayer[16];
        for (int k = 0; k < layers.Length; k++)
            layers[k] = new RecurrentLayer(new Tensor([Gates, k == 0 ? 64 : 1024]), new Tensor([Gates, 1024]), new Tensor([Gates]), new Tensor([Gates]));
        float[] bias = [.. Enumerable.Range(1, 10).Select(o => (float)o)];
        var model = new DeepWideLstm();
        model.LoadWeights(new LstmWeights(layers, new Tensor([10, 1024]), new Tensor(bias, [10])));

        var y = new float[2 * 10];
        OnSmallThread(() => model.Forward(new float[2 * 3 * 64], y, batchSize: 2));
        Assert.Equal(bias.Concat(bias), y);

        // Four sequences run as one block through each weight vector.
        var blockOutputs = new float[4 * 10];
        OnSmallThread(() => model.Forward(new float[4 * 3 * 64], blockOutputs, batchSize: 4));
        Assert.Equal(Enumerable.Repeat(bias, 4).SelectMany(row => row), blockOutputs);
    }

    [Fact]
    public void The_widest_bidirectional_projected_model_runs_on_a_256_KB_thread()
    {
        const int Gates = 4 * 1024;
        RecurrentLayer Layer() => new(new Tensor([Gates, 64]), new Tensor([Gates, 1023]), new Tensor([Gates]), new Tensor([Gates]), new Tensor([1023, 1024]));
        float[] bias = [.. Enumerable.Range(1, 10).Select(o => (float)o)];
        var model = new WideBidirectionalLstm();
        model.LoadWeights(new LstmWeights([Layer()], [Layer()], new Tensor([10, 2 * 1023]), new Tensor(bias, [10])));

        var y = new float[3 * 10];
        var h = new float[2 * 3 * 1023];
        var c = new float[2 * 3 * 1024];
        OnSmallThread(() => model.Forward(new float[3 * 3 * 64], y, [3, 1, 2], h, c));
        Assert.Equal(Enumerable.Repeat(bias, 3).SelectMany(row => row), y);
    }

    // Runs action on a thread with a 256 KB stack, as an audio callback or a game engine's worker may call in.
    private static void OnSmallThread(Action action)
    {
        Exception? error = null;
        var thread = new System.Threading.Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception caught)
            {
                error = caught;
            }
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(error);
    }
}

// Bias-free layers and no head (Golden/pytorch: nobias_lstm, nobias_gru2, nohead_lstm).
[Lstm(5, 8, 2, 7, Bias = false)] public partial class NoBiasLstm : ITestModel;
[Gru(3, 12, 2, 8, NumLayers = 2, Bias = false)] public partial class NoBiasGru2 : ITestModel;
[Lstm(5, 8, 0, 7)] public partial class NoHeadLstm : ITestModel;
[Lstm(5, 8, 0, 7, Readout = Readout.EveryStep)] public partial class NoHeadLstmSeq;

/// <summary>Generated models without biases or without a head, against PyTorch, from both file formats.</summary>
public class BiasAndHeadParityTests
{
    [Theory]
    [InlineData("nobias_lstm", ".weights.safetensors")]
    [InlineData("nobias_lstm", ".weights.pt")]
    [InlineData("nobias_gru2", ".weights.safetensors")]
    [InlineData("nobias_gru2", ".weights.pt")]
    [InlineData("nohead_lstm", ".weights.safetensors")]
    [InlineData("nohead_lstm", ".weights.pt")]
    public void Models_without_biases_or_head_match_pytorch(string name, string file)
    {
        SafetensorsFile io = SafetensorsFile.Load(OptionGolden.PathOf($"{name}.io.safetensors"));
        Tensor x = io.ReadTensor("x");
        string weights = OptionGolden.PathOf(name + file);
        ITestModel model = name switch
        {
            "nobias_lstm" => new NoBiasLstm(),
            "nobias_gru2" => new NoBiasGru2(),
            _ => new NoHeadLstm(),
        };
        if (file.EndsWith(".pt")) model.LoadPyTorch(weights);
        else model.LoadSafetensors(weights);

        Tensor y = model.Forward(x);
        Assert.InRange(GoldenParity.MaxAbsDifference(y.AsSpan(), io.ReadTensor("y_last").AsSpan()), 0f, 1e-6f);
    }

    [Fact]
    public void Without_a_head_every_step_gives_the_last_layers_output_sequence()
    {
        SafetensorsFile io = SafetensorsFile.Load(OptionGolden.PathOf("nohead_lstm.io.safetensors"));
        var model = new NoHeadLstmSeq();
        model.LoadSafetensors(OptionGolden.PathOf("nohead_lstm.weights.safetensors"));
        Assert.Equal(NoHeadLstmSeq.HiddenSize, NoHeadLstmSeq.OutputSize);
        Tensor y = model.Forward(io.ReadTensor("x"));
        Assert.InRange(GoldenParity.MaxAbsDifference(y.AsSpan(), io.ReadTensor("out").AsSpan()), 0f, 1e-6f);
    }

    [Fact]
    public void A_file_with_biases_is_refused_by_a_bias_free_model_naming_the_key()
    {
        var model = new NoBiasLstm();
        model.InitializeWeights(seed: 3);
        var before = new float[2];
        model.Forward(new float[35], before);
        var error = Assert.Throws<System.IO.InvalidDataException>(() => model.LoadSafetensors(GoldenParity.GoldenPath("seed.weights.safetensors")));
        Assert.Contains("bias_ih_l0", error.Message);
        var after = new float[2];
        model.Forward(new float[35], after);
        Assert.Equal(before, after);
    }
}
