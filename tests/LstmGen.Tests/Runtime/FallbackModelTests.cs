using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using LstmGen.Kernels;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Runtime;

/// <summary>
/// The run-time-sized models <see cref="LstmModel"/> and <see cref="GruModel"/>: libtorch parity on every golden case
/// and every kernel path this machine accelerates, any sequence length, allocation-free calls, errors, and agreement
/// with the generated models.
/// </summary>
public class FallbackModelTests
{
    private const float Tolerance = GoldenParity.Tolerance;

    private readonly ITestOutputHelper _output;

    public FallbackModelTests(ITestOutputHelper output) => _output = output;

    private static readonly string[] GoldenCases =
        ["seed", "tiny", "wide_in", "odd", "h16", "h64", "h128", "long", "lstm2_small", "lstm3_mid", "gru_seed", "gru2_odd", "gru_audio"];

    private static RecurrentModel LoadCase(string caseName) => GoldenParity.LoadRunTimeSized(caseName);

    // The paths this machine runs at full speed, plus the scalar one.
    internal static IEnumerable<KernelPath> Paths()
    {
        yield return KernelPath.Scalar;
        if (Vector128.IsHardwareAccelerated) yield return KernelPath.Vector128;
        if (Vector256.IsHardwareAccelerated) yield return KernelPath.Vector256;
        if (Vector512.IsHardwareAccelerated) yield return KernelPath.Vector512;
    }

    public static IEnumerable<object[]> CasesAndPaths() =>
        from name in GoldenCases from path in Paths() select new object[] { name, path.ToString() };

    public static IEnumerable<object[]> Cases() => GoldenCases.Select(name => new object[] { name });

    private static float Max(float a, float b) => MathF.Max(a, b);

    private static float[] StepAll(RecurrentModel model, ReadOnlySpan<float> sequence)
    {
        int steps = sequence.Length / model.InputSize;
        var outputs = new float[steps * model.OutputSize];
        for (int t = 0; t < steps; t++)
            model.Step(sequence.Slice(t * model.InputSize, model.InputSize), outputs.AsSpan(t * model.OutputSize, model.OutputSize));
        return outputs;
    }

    // ---- golden parity ----

    [Theory]
    [MemberData(nameof(CasesAndPaths))]
    public void Golden_case_matches_libtorch_through_every_api(string caseName, string pathName)
    {
        // pathName: a KernelPath (internal, so passed by name).
        RecurrentModel model = LoadCase(caseName);
        model.Path = Enum.Parse<KernelPath>(pathName);
        GoldenParity.RunTimeSizedErrors errors = GoldenParity.RunTimeSizedMaxErrors(model, caseName);

        string report = $"{caseName} {model.Path}: {errors}";
        _output.WriteLine(report);
        Assert.True(errors.Max <= Tolerance, report);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_on_every_prefix_matches_the_per_step_outputs_of_libtorch(string caseName)
    {
        // y_seq[:, t] is the head after t + 1 steps: a Forward on the first t + 1 steps must give it.
        SafetensorsFile io = SafetensorsFile.Load(GoldenParity.GoldenPath(caseName + ".io.safetensors"));
        if (!io.Contains("y_seq")) return; // the SimpleLSTM cases store only y, covered above
        RecurrentModel model = LoadCase(caseName);
        Tensor x = io.ReadTensor("x"), ySeq = io.ReadTensor("y_seq");
        int batch = x.Shape[0], steps = x.Shape[1], inputs = x.Shape[2], outputs = ySeq.Shape[2];
        var y = new float[outputs];
        float worst = 0f;
        for (int b = 0; b < batch; b++)
        {
            for (int t = 1; t <= steps; t += Math.Max(1, steps / 25))
            {
                model.Forward(x.AsSpan().Slice(b * steps * inputs, t * inputs), y);
                worst = Max(worst, GoldenParity.MaxAbsDifference(y, ySeq.AsSpan().Slice((b * steps + t - 1) * outputs, outputs)));
            }
        }
        Assert.True(worst <= Tolerance, $"{caseName}: {worst:E2}");
    }

    // ---- any sequence length, streaming ----

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_on_the_first_steps_equals_stepping_them(bool gru)
    {
        RecurrentModel model = gru
            ? new GruModel(GruWeights.CreateRandom(7, 13, 5, seed: 1, numLayers: 2))
            : new LstmModel(LstmWeights.CreateRandom(7, 13, 5, seed: 1, numLayers: 2));
        float[] x = Tensor.RandN([9, 7], seed: 2).ToArray();
        for (int steps = 1; steps <= 9; steps++)
        {
            var forward = new float[5];
            model.Forward(x.AsSpan(0, steps * 7), forward);
            model.ResetState();
            float[] stepped = StepAll(model, x.AsSpan(0, steps * 7));
            Assert.Equal(forward, stepped.AsSpan((steps - 1) * 5).ToArray());
        }
    }

    [Fact]
    public void Batched_sequences_of_any_length_equal_single_ones()
    {
        var model = new LstmModel(LstmWeights.CreateRandom(3, 20, 2, seed: 4, numLayers: 2));
        foreach (int steps in new[] { 1, 2, 13 })
        {
            float[] x = Tensor.RandN([4, steps, 3], seed: steps).ToArray();
            var batched = new float[8];
            model.Forward(x, batched, 4);
            var single = new float[8];
            for (int b = 0; b < 4; b++)
                model.Forward(x.AsSpan(b * steps * 3, steps * 3), single.AsSpan(b * 2, 2));
            Assert.Equal(single, batched);
            Assert.Equal(single, model.Forward(new Tensor(x, [4, steps, 3])).ToArray());
        }
    }

    [Fact]
    public void Forward_leaves_the_streaming_state_alone()
    {
        var model = new GruModel(GruWeights.CreateRandom(5, 8, 2, seed: 3, numLayers: 2));
        float[] x = Tensor.RandN([14, 5], seed: 2).ToArray();
        float[] uninterrupted = StepAll(model, x);

        model.ResetState();
        float[] first = StepAll(model, x.AsSpan(0, 35));
        model.Forward(Tensor.RandN([3, 4, 5], seed: 4));
        model.Forward(x.AsSpan(0, 35), new float[2]);
        float[] second = StepAll(model, x.AsSpan(35));

        float[] resumed = [.. first, .. second];
        Assert.Equal(uninterrupted, resumed);
    }

    [Fact]
    public void Saved_state_resumes_the_stream_exactly()
    {
        var model = new LstmModel(LstmWeights.CreateRandom(5, 19, 3, seed: 6, numLayers: 3));
        float[] x = Tensor.RandN([10, 5], seed: 5).ToArray();
        float[] uninterrupted = StepAll(model, x);

        model.ResetState();
        StepAll(model, x.AsSpan(0, 20));
        var h = new float[3 * 19];
        var c = new float[3 * 19];
        model.GetState(h, c);
        Assert.Contains(h, value => value != 0f);
        Assert.Contains(c, value => value != 0f);

        var other = new LstmModel(LstmWeights.CreateRandom(5, 19, 3, seed: 6, numLayers: 3));
        StepAll(other, x.AsSpan(20, 15)); // some unrelated state, replaced by SetState
        other.SetState(h, c);
        Assert.Equal(uninterrupted.AsSpan(4 * 3).ToArray(), StepAll(other, x.AsSpan(20)));

        other.ResetState();
        other.GetState(h, c);
        Assert.All(h, value => Assert.Equal(0f, value));
        Assert.All(c, value => Assert.Equal(0f, value));
    }

    // ---- agreement with the generated models on random weights ----

    private static float[] Random(int length, int seed) => Tensor.RandN([length], seed).ToArray();

    private static void AssertAgrees<TGenerated>(TGenerated generated, RecurrentModel fallback, int seqLen)
        where TGenerated : ITestModel
    {
        int inputs = fallback.InputSize, outputs = fallback.OutputSize, length = seqLen * inputs;
        const int Batch = 19;
        float[] x = Random(Batch * length, seed: 11);

        var expected = new float[Batch * outputs];
        var actual = new float[Batch * outputs];
        generated.Forward(x, expected, Batch);
        fallback.Forward(x, actual, Batch);
        Assert.True(GoldenParity.MaxAbsDifference(actual, expected) <= 1e-6f, $"batched: {GoldenParity.MaxAbsDifference(actual, expected):E2}");

        generated.Forward(x.AsSpan(0, length), expected.AsSpan(0, outputs));
        fallback.Forward(x.AsSpan(0, length), actual.AsSpan(0, outputs));
        Assert.True(GoldenParity.MaxAbsDifference(actual.AsSpan(0, outputs), expected.AsSpan(0, outputs)) <= 1e-6f, "single");

        // A stream three sequences long.
        generated.ResetState();
        fallback.ResetState();
        var g = new float[outputs];
        var f = new float[outputs];
        float worst = 0f;
        for (int t = 0; t < 3 * seqLen; t++)
        {
            generated.Step(x.AsSpan(t * inputs, inputs), g);
            fallback.Step(x.AsSpan(t * inputs, inputs), f);
            worst = Max(worst, GoldenParity.MaxAbsDifference(f, g));
        }
        Assert.True(worst <= 1e-6f, $"step: {worst:E2}");

        int state = fallback.NumLayers * fallback.HiddenSize;
        var hg = new float[state];
        var hf = new float[state];
        var cg = new float[state];
        var cf = new float[state];
        if (generated is ILstmTestModel lstm)
        {
            lstm.GetState(hg, cg);
            ((LstmModel)fallback).GetState(hf, cf);
        }
        else
        {
            ((IGruTestModel)generated).GetState(hg);
            ((GruModel)fallback).GetState(hf);
        }
        Assert.True(GoldenParity.MaxAbsDifference(hf, hg) <= 1e-6f, "h");
        Assert.True(GoldenParity.MaxAbsDifference(cf, cg) <= 1e-6f, "c");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Agrees_with_the_generated_LSTM_models(int seed)
    {
        var seedWeights = LstmWeights.CreateRandom(SeedModel.InputSize, SeedModel.HiddenSize, SeedModel.OutputSize, seed);
        var seedModel = new SeedModel();
        seedModel.LoadWeights(seedWeights);
        AssertAgrees(seedModel, new LstmModel(seedWeights), SeedModel.SeqLen);

        var stacked = LstmWeights.CreateRandom(Lstm2SmallModel.InputSize, Lstm2SmallModel.HiddenSize, Lstm2SmallModel.OutputSize, seed, Lstm2SmallModel.NumLayers);
        var stackedModel = new Lstm2SmallModel();
        stackedModel.LoadWeights(stacked);
        AssertAgrees(stackedModel, new LstmModel(stacked), Lstm2SmallModel.SeqLen);

        var deep = LstmWeights.CreateRandom(Lstm3MidModel.InputSize, Lstm3MidModel.HiddenSize, Lstm3MidModel.OutputSize, seed, Lstm3MidModel.NumLayers);
        var deepModel = new Lstm3MidModel();
        deepModel.LoadWeights(deep);
        AssertAgrees(deepModel, new LstmModel(deep), Lstm3MidModel.SeqLen);

        var odd = LstmWeights.CreateRandom(OddModel.InputSize, OddModel.HiddenSize, OddModel.OutputSize, seed);
        var oddModel = new OddModel();
        oddModel.LoadWeights(odd);
        AssertAgrees(oddModel, new LstmModel(odd), OddModel.SeqLen);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Agrees_with_the_generated_GRU_models(int seed)
    {
        var single = GruWeights.CreateRandom(GruSeedModel.InputSize, GruSeedModel.HiddenSize, GruSeedModel.OutputSize, seed);
        var singleModel = new GruSeedModel();
        singleModel.LoadWeights(single);
        AssertAgrees(singleModel, new GruModel(single), GruSeedModel.SeqLen);

        var stacked = GruWeights.CreateRandom(Gru2OddModel.InputSize, Gru2OddModel.HiddenSize, Gru2OddModel.OutputSize, seed, Gru2OddModel.NumLayers);
        var stackedModel = new Gru2OddModel();
        stackedModel.LoadWeights(stacked);
        AssertAgrees(stackedModel, new GruModel(stacked), Gru2OddModel.SeqLen);
    }

    // ---- allocations ----

    [Fact]
    public void Forward_and_Step_do_not_allocate()
    {
        var lstm = new LstmModel(LstmWeights.CreateRandom(16, 40, 3, seed: 1, numLayers: 2));
        var gru = new GruModel(GruWeights.CreateRandom(16, 40, 3, seed: 1, numLayers: 2));
        float[] x = Random(4 * 9 * 16, seed: 2);
        var y = new float[4 * 3];
        var state = new float[2 * 40];
        var cell = new float[2 * 40];

        RecurrentModel[] models = [lstm, gru];

        void Run()
        {
            foreach (RecurrentModel model in models)
            {
                model.Forward(x.AsSpan(0, 9 * 16), y.AsSpan(0, 3));
                model.Forward(x.AsSpan(0, 2 * 16), y.AsSpan(0, 3));
                model.Forward(x, y, 4);
                model.Step(x.AsSpan(0, 16), y.AsSpan(0, 3));
                model.ResetState();
            }
            lstm.GetState(state, cell);
            lstm.SetState(state, cell);
            gru.GetState(state);
            gru.SetState(state);
        }

        Assert.Equal(0, Allocations.Measure(Run, repetitions: 10));
    }

    // ---- sizes and errors ----

    [Fact]
    public void Sizes_come_from_the_file_and_a_stream_loads_like_a_path()
    {
        string path = GoldenParity.GoldenPath("gru2_odd.weights.safetensors");
        GruModel model = GruModel.Load(path);
        Assert.Equal((7, 13, 5, 2), (model.InputSize, model.HiddenSize, model.OutputSize, model.NumLayers));

        using FileStream stream = File.OpenRead(path);
        GruModel fromStream = GruModel.Load(stream);
        float[] x = Random(6 * 7, seed: 1);
        var a = new float[5];
        var b = new float[5];
        model.Forward(x, a);
        fromStream.Forward(x, b);
        Assert.Equal(a, b);

        LstmModel lstm = LstmModel.Load(GoldenParity.GoldenPath("lstm3_mid.weights.safetensors"));
        Assert.Equal((16, 32, 4, 3), (lstm.InputSize, lstm.HiddenSize, lstm.OutputSize, lstm.NumLayers));
    }

    [Fact]
    public void Prefixes_select_the_tensors()
    {
        // The golden LSTM file under other names: rnn.* and head.*.
        SafetensorsFile file = SafetensorsFile.Load(GoldenParity.GoldenPath("seed.weights.safetensors"));
        byte[] renamedFile = SafetensorsWriter.Build(file.TensorNames.Select(name =>
        {
            Tensor tensor = file.ReadTensor(name);
            return SafetensorsWriter.F32(name.Replace("lstm.", "rnn.").Replace("fc.", "head."), tensor.Shape.ToArray(), tensor.ToArray());
        }));
        var stream = new MemoryStream(renamedFile);

        stream.Position = 0;
        LstmModel renamed = LstmModel.Load(stream, "rnn.", "head.");
        LstmModel original = LstmModel.Load(GoldenParity.GoldenPath("seed.weights.safetensors"));
        float[] x = Random(4 * 5, seed: 3);
        var a = new float[2];
        var b = new float[2];
        renamed.Forward(x, a);
        original.Forward(x, b);
        Assert.Equal(b, a);

        stream.Position = 0;
        Assert.Throws<InvalidDataException>(() => LstmModel.Load(stream));
    }

    [Fact]
    public void File_problems_raise_the_loaders_InvalidDataException()
    {
        // A GRU file is no LSTM, and an LSTM file no GRU.
        var error = Assert.Throws<InvalidDataException>(() => LstmModel.Load(GoldenParity.GoldenPath("gru_seed.weights.safetensors")));
        Assert.Contains("the file holds a GRU at prefix \"gru.\"", error.Message);
        Assert.EndsWith("not an LSTM: load it with GruModel.Load.", error.Message);
        error = Assert.Throws<InvalidDataException>(() => GruModel.Load(GoldenParity.GoldenPath("seed.weights.safetensors")));
        Assert.EndsWith("not a GRU: load it with LstmModel.Load.", error.Message);

        // Not a safetensors file at all.
        Assert.Throws<InvalidDataException>(() => LstmModel.Load(new MemoryStream([1, 2, 3])));
        Assert.Throws<FileNotFoundException>(() => LstmModel.Load(Path.Combine(AppContext.BaseDirectory, "no-such-model.safetensors")));
        Assert.Throws<ArgumentNullException>(() => new LstmModel(null!));
        Assert.Throws<ArgumentNullException>(() => new GruModel(null!));
    }

    [Fact]
    public void Wrong_lengths_name_expected_and_actual_sizes()
    {
        var model = new LstmModel(LstmWeights.CreateRandom(5, 8, 2, seed: 1, numLayers: 2));
        var y = new float[2];

        var error = Assert.Throws<ArgumentException>(() => model.Forward(new float[12], y));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("InputSize = 5", error.Message);
        Assert.Contains("got 12", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Forward(ReadOnlySpan<float>.Empty, y));
        Assert.Contains("got 0", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Forward(new float[10], new float[3]));
        Assert.Equal("output", error.ParamName);
        Assert.Contains("OutputSize = 2", error.Message);
        Assert.Contains("got 3", error.Message);

        // Batched: input a multiple of batchSize × InputSize, output batchSize × OutputSize.
        error = Assert.Throws<ArgumentException>(() => model.Forward(new float[35], new float[6], 3));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("3 × 5 = 15", error.Message);
        Assert.Contains("got 35", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Forward(new float[30], new float[5], 3));
        Assert.Equal("output", error.ParamName);
        Assert.Contains("3 × 2 = 6", error.Message);
        Assert.Contains("got 5", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new float[30], new float[6], -1));
        model.Forward(ReadOnlySpan<float>.Empty, Span<float>.Empty, 0); // an empty batch is fine
        Assert.Throws<ArgumentException>(() => model.Forward(new float[5], Span<float>.Empty, 0));

        // Tensor: [batch, T, InputSize].
        error = Assert.Throws<ArgumentException>(() => model.Forward(new Tensor([2, 3, 4])));
        Assert.Contains("[batch, T, 5]", error.Message);
        Assert.Contains("[2, 3, 4]", error.Message);
        Assert.Throws<ArgumentException>(() => model.Forward(new Tensor([15])));
        Assert.Throws<ArgumentException>(() => model.Forward(new Tensor([2, 0, 5])));
        Assert.Throws<ArgumentNullException>(() => model.Forward((Tensor)null!));

        // Step.
        error = Assert.Throws<ArgumentException>(() => model.Step(new float[4], y));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("5", error.Message);
        Assert.Contains("got 4", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Step(new float[5], new float[1]));
        Assert.Equal("output", error.ParamName);

        // State: [NumLayers, HiddenSize].
        error = Assert.Throws<ArgumentException>(() => model.GetState(new float[8], new float[16]));
        Assert.Equal("h", error.ParamName);
        Assert.Contains("2 × 8 = 16", error.Message);
        Assert.Contains("got 8", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.SetState(new float[16], new float[15]));
        Assert.Equal("c", error.ParamName);

        var gru = new GruModel(GruWeights.CreateRandom(5, 8, 2, seed: 1));
        error = Assert.Throws<ArgumentException>(() => gru.SetState(new float[16]));
        Assert.Equal("h", error.ParamName);
        Assert.Contains("1 × 8 = 8", error.Message);
    }
}
