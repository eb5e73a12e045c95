using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.Kernels;
using LstmGen.Tests.Runtime;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

/// <summary>The batch overloads of a model whose batches are time-major (<c>BatchFirst = false</c>).</summary>
public interface ITimeMajorModel
{
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);
    void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths);
    Tensor Forward(Tensor input);
    Tensor Forward(Tensor input, ReadOnlySpan<int> lengths);
}

/// <summary>A generated test model's load from a safetensors file.</summary>
public interface ILoadsSafetensors
{
    void LoadSafetensors(string path);
}

/// <summary>An LSTM's overloads with h and c.</summary>
public interface ITimeMajorLstm : ITimeMajorModel
{
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize, Span<float> h, Span<float> c);
    void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, Span<float> h, Span<float> c);
    (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, Tensor h0, Tensor c0);
}

/// <summary>A GRU's overloads with h.</summary>
public interface ITimeMajorGru : ITimeMajorModel
{
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize, Span<float> h);
    void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, Span<float> h);
    (Tensor Output, Tensor H) Forward(Tensor input, Tensor h0);
}

// Golden/made/make_time_major.py's cases (modules built with PyTorch's default batch_first=False), each readout.
[Lstm(5, 8, 2, 7, LstmPrefix = "rnn.", BatchFirst = false)] public partial class TimeMajorLstm : ITimeMajorLstm, ILoadsSafetensors;
[Lstm(5, 8, 2, 7, LstmPrefix = "rnn.", BatchFirst = false, Readout = Readout.FinalState)] public partial class TimeMajorLstmFinal : ITimeMajorLstm, ILoadsSafetensors;
[Lstm(5, 8, 2, 7, LstmPrefix = "rnn.", BatchFirst = false, Readout = Readout.EveryStep)] public partial class TimeMajorLstmSeq : ITimeMajorLstm, ILoadsSafetensors;
[Lstm(32, 96, 4, 20, LstmPrefix = "rnn.", BatchFirst = false)] public partial class TimeMajorWideLstm : ITimeMajorLstm, ILoadsSafetensors;
[Lstm(32, 96, 4, 20, LstmPrefix = "rnn.", BatchFirst = false, Readout = Readout.EveryStep)] public partial class TimeMajorWideLstmSeq : ITimeMajorLstm, ILoadsSafetensors;
[Gru(16, 32, 3, 9, NumLayers = 2, GruPrefix = "rnn.", BatchFirst = false)] public partial class TimeMajorGru2 : ITimeMajorGru, ILoadsSafetensors;
[Gru(16, 32, 3, 9, NumLayers = 2, GruPrefix = "rnn.", BatchFirst = false, Readout = Readout.EveryStep)] public partial class TimeMajorGru2Seq : ITimeMajorGru, ILoadsSafetensors;
[Lstm(4, 12, 3, 8, NumLayers = 2, Bidirectional = true, ProjSize = 5, LstmPrefix = "rnn.", BatchFirst = false)]
public partial class TimeMajorAllLstm2 : ITimeMajorLstm, ILoadsSafetensors;
[Lstm(4, 12, 3, 8, NumLayers = 2, Bidirectional = true, ProjSize = 5, LstmPrefix = "rnn.", BatchFirst = false, Readout = Readout.FinalState)]
public partial class TimeMajorAllLstm2Final : ITimeMajorLstm, ILoadsSafetensors;
[Lstm(4, 12, 3, 8, NumLayers = 2, Bidirectional = true, ProjSize = 5, LstmPrefix = "rnn.", BatchFirst = false, Readout = Readout.EveryStep)]
public partial class TimeMajorAllLstm2Seq : ITimeMajorLstm, ILoadsSafetensors;
[Gru(6, 10, 2, 6, Bidirectional = true, GruPrefix = "rnn.", BatchFirst = false)] public partial class TimeMajorBiGru : ITimeMajorGru, ILoadsSafetensors;
[Gru(6, 10, 2, 6, Bidirectional = true, GruPrefix = "rnn.", BatchFirst = false, Readout = Readout.FinalState)]
public partial class TimeMajorBiGruFinal : ITimeMajorGru, ILoadsSafetensors;
[Gru(6, 10, 2, 6, Bidirectional = true, GruPrefix = "rnn.", BatchFirst = false, Readout = Readout.EveryStep)]
public partial class TimeMajorBiGruSeq : ITimeMajorGru, ILoadsSafetensors;
[Lstm(16, 32, 3, 9, NumLayers = 2, LstmPrefix = "rnn.", BatchFirst = false)] public partial class TimeMajorLstm2 : ITimeMajorLstm, ILoadsSafetensors;
[Lstm(16, 32, 3, 9, NumLayers = 2, LstmPrefix = "rnn.", BatchFirst = false, Readout = Readout.EveryStep)]
public partial class TimeMajorLstm2Seq : ITimeMajorLstm, ILoadsSafetensors;

/// <summary>
/// Time-major batches ([T, batch, …], PyTorch's default <c>batch_first=False</c>) against real PyTorch
/// (Golden/made/make_time_major.py): every overload and readout, generated and run-time-sized, on every kernel path.
/// </summary>
public class TimeMajorTests
{
    private static readonly string[] Names = ["tm_lstm", "tm_wide_lstm", "tm_lens_gru2", "tm_all_lstm2", "tm_bi_proj_lstm2", "tm_h0_bi_gru", "tm_h0_lstm2"];

    public static IEnumerable<object[]> Cases() => Names.Select(name => new object[] { name });

    private static readonly Readout[] Readouts = [Readout.LastStep, Readout.FinalState, Readout.EveryStep];

    /// <summary>The generated model of a case and readout, loaded from its safetensors file, or null where none is declared.</summary>
    private static ITimeMajorModel? Generated(string name, Readout readout)
    {
        ITimeMajorModel? model = (name, readout) switch
        {
            ("tm_lstm", Readout.LastStep) => new TimeMajorLstm(),
            ("tm_lstm", Readout.FinalState) => new TimeMajorLstmFinal(),
            ("tm_lstm", Readout.EveryStep) => new TimeMajorLstmSeq(),
            ("tm_wide_lstm", Readout.LastStep) => new TimeMajorWideLstm(),
            ("tm_wide_lstm", Readout.EveryStep) => new TimeMajorWideLstmSeq(),
            ("tm_lens_gru2", Readout.LastStep) => new TimeMajorGru2(),
            ("tm_lens_gru2", Readout.EveryStep) => new TimeMajorGru2Seq(),
            ("tm_all_lstm2" or "tm_bi_proj_lstm2", Readout.LastStep) => new TimeMajorAllLstm2(),
            ("tm_all_lstm2" or "tm_bi_proj_lstm2", Readout.FinalState) => new TimeMajorAllLstm2Final(),
            ("tm_all_lstm2" or "tm_bi_proj_lstm2", Readout.EveryStep) => new TimeMajorAllLstm2Seq(),
            ("tm_h0_bi_gru", Readout.LastStep) => new TimeMajorBiGru(),
            ("tm_h0_bi_gru", Readout.FinalState) => new TimeMajorBiGruFinal(),
            ("tm_h0_bi_gru", Readout.EveryStep) => new TimeMajorBiGruSeq(),
            ("tm_h0_lstm2", Readout.LastStep) => new TimeMajorLstm2(),
            ("tm_h0_lstm2", Readout.EveryStep) => new TimeMajorLstm2Seq(),
            _ => null,
        };
        (model as ILoadsSafetensors)?.LoadSafetensors(TimeMajorCase.PathOf(name + ".weights.safetensors"));
        return model;
    }

    /// <summary>The run-time-sized model of a case from its .pt file, time-major, on <paramref name="path"/>; without
    /// <paramref name="head"/>, the features.</summary>
    private static ITimeMajorModel RunTimeSized(TimeMajorCase golden, Readout readout, KernelPath path, bool head = true)
    {
        string file = TimeMajorCase.PathOf(golden.Name + ".weights.pt");
        string? fc = head ? "fc." : null;
        if (golden.IsGru)
        {
            GruModel gru = GruModel.Load(file, "rnn.", fc, readout, batchFirst: false);
            gru.Path = path;
            return new RunTimeSizedGru(gru);
        }
        LstmModel lstm = LstmModel.Load(file, "rnn.", fc, readout, batchFirst: false);
        lstm.Path = path;
        return new RunTimeSizedLstm(lstm);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generated_models_match_PyTorch(string name)
    {
        var golden = new TimeMajorCase(name);
        int checkedModels = 0;
        foreach (Readout readout in Readouts)
        {
            if (Generated(name, readout) is not { } model) continue;
            AssertWithin(golden.Errors(model, readout), $"{name} {readout}");
            checkedModels++;
        }
        Assert.True(checkedModels >= 2);
    }

    public static IEnumerable<object[]> CasesAndPaths() =>
        from name in Names from path in FallbackModelTests.Paths() select new object[] { name, path.ToString() };

    [Theory]
    [MemberData(nameof(CasesAndPaths))]
    public void Run_time_sized_models_match_PyTorch(string name, string path)
    {
        var golden = new TimeMajorCase(name);
        foreach (Readout readout in Readouts)
            AssertWithin(golden.Errors(RunTimeSized(golden, readout, Enum.Parse<KernelPath>(path)), readout), $"{name} {readout} {path}");
        // Without the head: every step's features, PyTorch's `out` [T, B, D · H_out].
        AssertWithin(golden.Errors(RunTimeSized(golden, Readout.EveryStep, Enum.Parse<KernelPath>(path), head: false), Readout.EveryStep, head: false),
            $"{name} features {path}");
    }

    private static void AssertWithin(Dictionary<string, float> errors, string what)
    {
        Assert.NotEmpty(errors);
        foreach ((string overload, float error) in errors)
            Assert.True(error <= 1e-6f, $"{what} {overload}: {error:E2} from PyTorch");
    }

    [Fact]
    public void A_batch_of_one_is_laid_out_as_one_sequence()
    {
        // [T, 1, I] and [1, T, I] are the same floats: the batch overload of one sequence equals the one-sequence overload.
        var golden = new TimeMajorCase("tm_lstm");
        var model = (TimeMajorLstmSeq)Generated("tm_lstm", Readout.EveryStep)!;
        float[] sequence = golden.Sequence(3);
        var one = new float[golden.Steps * TimeMajorLstmSeq.OutputSize];
        var batched = new float[one.Length];
        model.Forward(sequence, one);
        model.Forward(sequence, batched, batchSize: 1);
        Assert.Equal(one, batched);
        Assert.Equal([golden.Steps, 1, TimeMajorLstmSeq.OutputSize], model.Forward(new Tensor(sequence, [golden.Steps, 1, TimeMajorLstmSeq.InputSize])).Shape.ToArray());
    }

    [Fact]
    public void A_time_major_tensor_split_over_cores_equals_its_sequences_one_by_one()
    {
        // 1,501 seed-sized sequences pass ParallelBatch.MinimumMultiplyAdds: each core runs its share, the last step's
        // model in lane groups that read the tensor in place (and the rest as a copy), the every-step one as a copy.
        const int batch = 1501, steps = 7, inputs = TimeMajorLstm.InputSize, outputs = TimeMajorLstm.OutputSize;
        Assert.True(batch * steps * 4L * TimeMajorLstm.HiddenSize * (inputs + TimeMajorLstm.HiddenSize) >= ParallelBatch.MinimumMultiplyAdds);
        var last = (TimeMajorLstm)Generated("tm_lstm", Readout.LastStep)!;
        var every = (TimeMajorLstmSeq)Generated("tm_lstm", Readout.EveryStep)!;
        Tensor x = Tensor.RandN([steps, batch, inputs], seed: 3);
        Tensor yLast = last.Forward(x), yEvery = every.Forward(x);
        Assert.Equal([steps, batch, outputs], yEvery.Shape.ToArray());

        var sequence = new float[steps * inputs];
        var one = new float[outputs];
        var perStep = new float[steps * outputs];
        float worst = 0f;
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < steps; t++)
                x.AsSpan().Slice((t * batch + b) * inputs, inputs).CopyTo(sequence.AsSpan(t * inputs));
            last.Forward(sequence, one);
            every.Forward(sequence, perStep);
            worst = MathF.Max(worst, GoldenParity.MaxAbsDifference(one, yLast.AsSpan().Slice(b * outputs, outputs)));
            for (int t = 0; t < steps; t++)
                worst = MathF.Max(worst, GoldenParity.MaxAbsDifference(perStep.AsSpan(t * outputs, outputs), yEvery.AsSpan().Slice((t * batch + b) * outputs, outputs)));
        }
        Assert.InRange(worst, 0f, 1e-6f);
    }

    [Fact]
    public void Wrong_shapes_are_named_in_the_time_major_order()
    {
        var model = (TimeMajorLstmSeq)Generated("tm_lstm", Readout.EveryStep)!;
        var input = new float[7 * 3 * TimeMajorLstmSeq.InputSize];
        ArgumentException output = Assert.Throws<ArgumentException>(() => model.Forward(input, new float[7 * 3 * 2 - 1], batchSize: 3));
        Assert.Contains("T × batch × OutputSize = 42 floats; got 41", output.Message);
        ArgumentException steps = Assert.Throws<ArgumentException>(() => model.Forward(new float[input.Length + 1], new float[42], batchSize: 3));
        Assert.Contains("T × batch × InputSize", steps.Message);
        ArgumentException tensor = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros([7, 3, 4])));
        Assert.Contains("[T, batch, 5]", tensor.Message);

        LstmModel runTimeSized = LstmModel.Load(TimeMajorCase.PathOf("tm_lstm.weights.pt"), "rnn.", readout: Readout.EveryStep, batchFirst: false);
        Assert.Contains("T × batchSize × OutputSize = 7 × 3 × 2", Assert.Throws<ArgumentException>(() => runTimeSized.Forward(input, new float[41], 3)).Message);
        Assert.Contains("[T, batch, 5]", Assert.Throws<ArgumentException>(() => runTimeSized.Forward(Tensor.Zeros([7, 3, 4]))).Message);
    }

    [Fact]
    public void Time_major_batches_are_allocation_free_once_run()
    {
        var golden = new TimeMajorCase("tm_lens_gru2");
        var model = (TimeMajorGru2Seq)Generated("tm_lens_gru2", Readout.EveryStep)!;
        GruModel runTimeSized = GruModel.Load(TimeMajorCase.PathOf("tm_lens_gru2.weights.pt"), "rnn.", readout: Readout.EveryStep, batchFirst: false);
        float[] x = golden.X.ToArray(), y = new float[golden.Steps * golden.Batch * 3], h = new float[2 * golden.Batch * 32];
        int[] lengths = golden.Lengths;
        // An LSTM whose batches run on the SIMD lanes, and with h and c.
        var small = new TimeMajorCase("tm_lstm");
        var lanes = (TimeMajorLstm)Generated("tm_lstm", Readout.LastStep)!;
        float[] smallX = small.X.ToArray(), smallY = new float[small.Batch * TimeMajorLstm.OutputSize];
        float[] smallH = new float[small.Batch * TimeMajorLstm.HiddenSize], smallC = new float[smallH.Length];
        void Run()
        {
            model.Forward(x, y, golden.Batch);
            model.Forward(x, y, lengths, h);
            runTimeSized.Forward(x, y, golden.Batch);
            runTimeSized.Forward(x, y, lengths, h);
            lanes.Forward(smallX, smallY, small.Batch);
            lanes.Forward(smallX, smallY, small.Batch, smallH, smallC);
        }
        Assert.Equal(0, Allocations.Measure(Run, repetitions: 10));
    }

    private sealed class RunTimeSizedLstm(LstmModel model) : ITimeMajorLstm
    {
        public void Forward(ReadOnlySpan<float> input, Span<float> output) => model.Forward(input, output);
        public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) => model.Forward(input, output, batchSize);
        public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths) => model.Forward(input, output, lengths);
        public Tensor Forward(Tensor input) => model.Forward(input);
        public Tensor Forward(Tensor input, ReadOnlySpan<int> lengths) => model.Forward(input, lengths);
        public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize, Span<float> h, Span<float> c) => model.Forward(input, output, batchSize, h, c);
        public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, Span<float> h, Span<float> c) => model.Forward(input, output, lengths, h, c);
        public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, Tensor h0, Tensor c0) => model.Forward(input, h0, c0);
    }

    private sealed class RunTimeSizedGru(GruModel model) : ITimeMajorGru
    {
        public void Forward(ReadOnlySpan<float> input, Span<float> output) => model.Forward(input, output);
        public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) => model.Forward(input, output, batchSize);
        public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths) => model.Forward(input, output, lengths);
        public Tensor Forward(Tensor input) => model.Forward(input);
        public Tensor Forward(Tensor input, ReadOnlySpan<int> lengths) => model.Forward(input, lengths);
        public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize, Span<float> h) => model.Forward(input, output, batchSize, h);
        public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, Span<float> h) => model.Forward(input, output, lengths, h);
        public (Tensor Output, Tensor H) Forward(Tensor input, Tensor h0) => model.Forward(input, h0);
    }
}

/// <summary>A case of Golden/made/make_time_major.py: x [T, B, I], out and y_seq [T, B, …], the rest as in Golden/pytorch.</summary>
public sealed class TimeMajorCase
{
    private readonly SafetensorsFile _io;

    public TimeMajorCase(string name)
    {
        Name = name;
        _io = SafetensorsFile.Load(TimeMajorCase.PathOf(name + ".io.safetensors"));
        IReadOnlyDictionary<string, string> meta = _io.Metadata;
        if (meta["batch_first"] != "0") throw new InvalidOperationException($"{name} is not time-major.");
        IsGru = meta["model"] == "gru";
        (Steps, Batch, InputSize) = (int.Parse(meta["seq_len"]), int.Parse(meta["batch"]), int.Parse(meta["input_size"]));
        Lengths = meta["lengths"].Length == 0 ? Enumerable.Repeat(Steps, Batch).ToArray() : meta["lengths"].Split(',').Select(int.Parse).ToArray();
        Padded = meta["lengths"].Length > 0;
        X = _io.ReadTensor("x");
    }

    /// <summary>A file of a case, in Golden/made.</summary>
    public static string PathOf(string fileName) => Path.Combine(AppContext.BaseDirectory, "Golden", "made", fileName);

    public string Name { get; }
    public bool IsGru { get; }
    public int Steps { get; }
    public int Batch { get; }
    public int InputSize { get; }
    public int[] Lengths { get; }
    public bool Padded { get; }
    public bool HasInitialState => _io.Contains("h0");
    public Tensor X { get; }

    /// <summary>Sequence b's valid steps, gathered from x [T, B, I]: [lengths[b], I].</summary>
    public float[] Sequence(int b)
    {
        var sequence = new float[Lengths[b] * InputSize];
        for (int t = 0; t < Lengths[b]; t++)
            X.AsSpan().Slice((t * Batch + b) * InputSize, InputSize).CopyTo(sequence.AsSpan(t * InputSize));
        return sequence;
    }

    private Tensor Expected(Readout readout, bool head) => _io.ReadTensor(readout switch
    {
        _ when !head => readout == Readout.EveryStep ? "out" : throw new ArgumentException("Only every step's features are in the golden data.", nameof(head)),
        Readout.LastStep => "y_last",
        Readout.FinalState => "y_final",
        _ => "y_seq",
    });

    /// <summary>Max |actual − torch| per overload of <paramref name="model"/>, whose output is <paramref name="readout"/>
    /// (of the features themselves without <paramref name="head"/>).</summary>
    public Dictionary<string, float> Errors(ITimeMajorModel model, Readout readout, bool head = true)
    {
        var errors = new Dictionary<string, float>();
        Tensor expected = Expected(readout, head);
        int outputs = expected.Shape[^1];
        bool every = readout == Readout.EveryStep;
        float[] x = X.ToArray();
        var y = new float[expected.Length];
        float Error(ReadOnlySpan<float> actual) => GoldenParity.MaxAbsDifference(actual, expected.AsSpan());

        if (!HasInitialState)
        {
            // One sequence at a time: sequence b alone, [lengths[b], I], against its row (or its steps of y_seq).
            float worst = 0f;
            for (int b = 0; b < Batch; b++)
            {
                var single = new float[every ? Lengths[b] * outputs : outputs];
                model.Forward(Sequence(b), single);
                for (int t = 0; t < (every ? Lengths[b] : 1); t++)
                {
                    int row = every ? t * Batch + b : b;
                    worst = MathF.Max(worst, GoldenParity.MaxAbsDifference(single.AsSpan(t * outputs, outputs), expected.AsSpan().Slice(row * outputs, outputs)));
                }
            }
            errors["single"] = worst;

            Array.Fill(y, float.NaN); // EveryStep must write its zeros
            model.Forward(x, y, Lengths);
            errors["lengths"] = Error(y);
            errors["tensor lengths"] = Error(Shaped(model.Forward(X, Lengths), expected).AsSpan());
            if (!Padded)
            {
                Array.Fill(y, float.NaN);
                model.Forward(x, y, Batch);
                errors["batch"] = Error(y);
                errors["tensor"] = Error(Shaped(model.Forward(X), expected).AsSpan());
            }
        }

        // From h_0 (zero when the case has none) to h_n and c_n.
        Tensor hN = _io.ReadTensor("h_n");
        Tensor? cN = IsGru ? null : _io.ReadTensor("c_n");
        Tensor h0 = HasInitialState ? _io.ReadTensor("h0") : Tensor.Zeros(hN.Shape);
        Tensor? c0 = cN is null ? null : HasInitialState ? _io.ReadTensor("c0") : Tensor.Zeros(cN.Shape);
        for (int withLengths = Padded ? 1 : 0; withLengths < 2; withLengths++)
        {
            float[] h = h0.ToArray(), c = c0?.ToArray() ?? [];
            switch (model, withLengths)
            {
                case (ITimeMajorLstm lstm, 0): lstm.Forward(x, y, Batch, h, c); break;
                case (ITimeMajorLstm lstm, _): lstm.Forward(x, y, Lengths, h, c); break;
                case (ITimeMajorGru gru, 0): gru.Forward(x, y, Batch, h); break;
                case (ITimeMajorGru gru, _): gru.Forward(x, y, Lengths, h); break;
            }
            string name = withLengths == 0 ? "state" : "state+lengths";
            errors[name] = Error(y);
            errors[name + " h_n"] = GoldenParity.MaxAbsDifference(h, hN.AsSpan());
            if (cN is not null) errors[name + " c_n"] = GoldenParity.MaxAbsDifference(c, cN.AsSpan());
        }
        if (!Padded)
        {
            (Tensor output, Tensor h, Tensor? c) = model switch
            {
                ITimeMajorLstm lstm => lstm.Forward(X, h0, c0!),
                ITimeMajorGru gru => gru.Forward(X, h0) is var (gy, gh) ? (gy, gh, (Tensor?)null) : default,
                _ => throw new InvalidOperationException(model.GetType().Name),
            };
            errors["tensor state"] = Error(Shaped(output, expected).AsSpan());
            errors["tensor state h_n"] = GoldenParity.MaxAbsDifference(h.AsSpan(), hN.AsSpan());
            if (cN is not null) errors["tensor state c_n"] = GoldenParity.MaxAbsDifference(c!.AsSpan(), cN.AsSpan());
        }
        return errors;
    }

    private Tensor Shaped(Tensor actual, Tensor expected) =>
        actual.Shape.SequenceEqual(expected.Shape) ? actual
            : throw new InvalidOperationException($"{Name}: a tensor overload returned {actual.ShapeString}, PyTorch {expected.ShapeString}.");
}
