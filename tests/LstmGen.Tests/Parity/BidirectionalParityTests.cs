using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

// The overloads every generated LSTM (and, with h only, GRU) has: the interfaces make them callable from one check.
public interface ILstmCase
{
    void LoadSafetensors(string path);
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);
    void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize, Span<float> h, Span<float> c);
    void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, Span<float> h, Span<float> c);
    Tensor Forward(Tensor input);
    Tensor Forward(Tensor input, ReadOnlySpan<int> lengths);
    (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, Tensor h0, Tensor c0);
}

public interface IGruCase
{
    void LoadSafetensors(string path);
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);
    void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize, Span<float> h);
    void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, Span<float> h);
    Tensor Forward(Tensor input);
    Tensor Forward(Tensor input, ReadOnlySpan<int> lengths);
    (Tensor Output, Tensor H) Forward(Tensor input, Tensor h0);
}

// Generated models of every bidirectional or projected case in Golden/pytorch (sizes from its README) and Golden/made,
// one per readout.
[Lstm(5, 8, 2, 7, Bidirectional = true)] public partial class BiLstm : ILstmCase;
[Lstm(5, 8, 2, 7, Bidirectional = true, Readout = Readout.FinalState)] public partial class BiLstmFinal : ILstmCase;
[Lstm(5, 8, 2, 7, Bidirectional = true, Readout = Readout.EveryStep)] public partial class BiLstmSeq : ILstmCase;
[Lstm(7, 13, 3, 9, NumLayers = 2, Bidirectional = true)] public partial class BiLstm2 : ILstmCase;
[Lstm(7, 13, 3, 9, NumLayers = 2, Bidirectional = true, Readout = Readout.FinalState)] public partial class BiLstm2Final : ILstmCase;
[Lstm(7, 13, 3, 9, NumLayers = 2, Bidirectional = true, Readout = Readout.EveryStep)] public partial class BiLstm2Seq : ILstmCase;
[Gru(5, 8, 2, 7, Bidirectional = true)] public partial class BiGru : IGruCase;
[Gru(5, 8, 2, 7, Bidirectional = true, Readout = Readout.FinalState)] public partial class BiGruFinal : IGruCase;
[Gru(5, 8, 2, 7, Bidirectional = true, Readout = Readout.EveryStep)] public partial class BiGruSeq : IGruCase;
[Gru(4, 16, 3, 12, NumLayers = 2, Bidirectional = true)] public partial class BiGru2 : IGruCase;
[Gru(4, 16, 3, 12, NumLayers = 2, Bidirectional = true, Readout = Readout.FinalState)] public partial class BiGru2Final : IGruCase;
[Gru(4, 16, 3, 12, NumLayers = 2, Bidirectional = true, Readout = Readout.EveryStep)] public partial class BiGru2Seq : IGruCase;
[Lstm(5, 8, 2, 7, ProjSize = 3)] public partial class ProjLstm : ILstmCase;
[Lstm(5, 8, 2, 7, ProjSize = 3, Readout = Readout.FinalState)] public partial class ProjLstmFinal : ILstmCase;
[Lstm(5, 8, 2, 7, ProjSize = 3, Readout = Readout.EveryStep)] public partial class ProjLstmSeq : ILstmCase;
[Lstm(6, 20, 4, 10, NumLayers = 2, Bidirectional = true, ProjSize = 7)] public partial class ProjBiLstm2 : ILstmCase;
[Lstm(6, 20, 4, 10, NumLayers = 2, Bidirectional = true, ProjSize = 7, Readout = Readout.FinalState)] public partial class ProjBiLstm2Final : ILstmCase;
[Lstm(6, 20, 4, 10, NumLayers = 2, Bidirectional = true, ProjSize = 7, Readout = Readout.EveryStep)] public partial class ProjBiLstm2Seq : ILstmCase;
[Gru(3, 10, 2, 11, NumLayers = 2, Bidirectional = true)] public partial class LensBiGru2 : IGruCase;
[Gru(3, 10, 2, 11, NumLayers = 2, Bidirectional = true, Readout = Readout.FinalState)] public partial class LensBiGru2Final : IGruCase;
[Gru(3, 10, 2, 11, NumLayers = 2, Bidirectional = true, Readout = Readout.EveryStep)] public partial class LensBiGru2Seq : IGruCase;
[Gru(4, 6, 3, 5, Bidirectional = true)] public partial class H0BiGru : IGruCase;
[Gru(4, 6, 3, 5, Bidirectional = true, Readout = Readout.FinalState)] public partial class H0BiGruFinal : IGruCase;
[Gru(4, 6, 3, 5, Bidirectional = true, Readout = Readout.EveryStep)] public partial class H0BiGruSeq : IGruCase;
[Gru(4, 8, 0, 6, Bidirectional = true, GruPrefix = "")] public partial class BareGru : IGruCase;
[Gru(4, 8, 0, 6, Bidirectional = true, GruPrefix = "", Readout = Readout.FinalState)] public partial class BareGruFinal : IGruCase;
[Gru(4, 8, 0, 6, Bidirectional = true, GruPrefix = "", Readout = Readout.EveryStep)] public partial class BareGruSeq : IGruCase;
[Lstm(4, 12, 3, 8, NumLayers = 2, Bidirectional = true, ProjSize = 5)] public partial class AllLstm2 : ILstmCase;
[Lstm(4, 12, 3, 8, NumLayers = 2, Bidirectional = true, ProjSize = 5, Readout = Readout.FinalState)] public partial class AllLstm2Final : ILstmCase;
[Lstm(4, 12, 3, 8, NumLayers = 2, Bidirectional = true, ProjSize = 5, Readout = Readout.EveryStep)] public partial class AllLstm2Seq : ILstmCase;
[Lstm(3, 37, 2, 9, NumLayers = 2, ProjSize = 19)] public partial class ProjWideLstm2 : ILstmCase;
[Lstm(3, 37, 2, 9, NumLayers = 2, ProjSize = 19, Readout = Readout.FinalState)] public partial class ProjWideLstm2Final : ILstmCase;
[Lstm(3, 37, 2, 9, NumLayers = 2, ProjSize = 19, Readout = Readout.EveryStep)] public partial class ProjWideLstm2Seq : ILstmCase;
// Small models: their padded batches and batches from initial states run a sequence per SIMD lane (reading out every step,
// in blocks where the tilings have whole tiles only, as LanesGruSeq's, else one by one); blocks_lstm2's in blocks.
[Lstm(5, 8, 2, 7, NumLayers = 2)] public partial class LanesLstm2 : ILstmCase;
[Lstm(5, 8, 2, 7, NumLayers = 2, Readout = Readout.FinalState)] public partial class LanesLstm2Final : ILstmCase;
[Lstm(5, 8, 2, 7, NumLayers = 2, Readout = Readout.EveryStep)] public partial class LanesLstm2Seq : ILstmCase;
[Gru(3, 12, 3, 9)] public partial class LanesGru : IGruCase;
[Gru(3, 12, 3, 9, Readout = Readout.FinalState)] public partial class LanesGruFinal : IGruCase;
[Gru(3, 12, 3, 9, Readout = Readout.EveryStep)] public partial class LanesGruSeq : IGruCase;
[Lstm(4, 6, 2, 5)] public partial class LanesH0Lstm : ILstmCase;
[Lstm(4, 6, 2, 5, Readout = Readout.FinalState)] public partial class LanesH0LstmFinal : ILstmCase;
[Lstm(4, 6, 2, 5, Readout = Readout.EveryStep)] public partial class LanesH0LstmSeq : ILstmCase;
[Lstm(16, 32, 3, 9, NumLayers = 2)] public partial class BlocksLstm2 : ILstmCase;
[Lstm(16, 32, 3, 9, NumLayers = 2, Readout = Readout.FinalState)] public partial class BlocksLstm2Final : ILstmCase;
[Lstm(16, 32, 3, 9, NumLayers = 2, Readout = Readout.EveryStep)] public partial class BlocksLstm2Seq : ILstmCase;
[Gru(4, 6, 3, 8, NumLayers = 2, Bidirectional = true)] public partial class LegacyBiGru2 : IGruCase;
[Gru(4, 6, 3, 8, NumLayers = 2, Bidirectional = true, Readout = Readout.FinalState)] public partial class LegacyBiGru2Final : IGruCase;
[Gru(4, 6, 3, 8, NumLayers = 2, Bidirectional = true, Readout = Readout.EveryStep)] public partial class LegacyBiGru2Seq : IGruCase;
[Lstm(3, 10, 2, 6, ProjSize = 4)] public partial class LegacyProjLstm : ILstmCase;
[Lstm(3, 10, 2, 6, ProjSize = 4, Readout = Readout.FinalState)] public partial class LegacyProjLstmFinal : ILstmCase;
[Lstm(3, 10, 2, 6, ProjSize = 4, Readout = Readout.EveryStep)] public partial class LegacyProjLstmSeq : ILstmCase;
[Lstm(2, 5, 1, 4, NumLayers = 2)] public partial class LegacyViewsLstm2 : ILstmCase;
[Lstm(2, 5, 1, 4, NumLayers = 2, Readout = Readout.FinalState)] public partial class LegacyViewsLstm2Final : ILstmCase;
[Lstm(2, 5, 1, 4, NumLayers = 2, Readout = Readout.EveryStep)] public partial class LegacyViewsLstm2Seq : ILstmCase;
[Lstm(2, 24, 2, 300, Bidirectional = true)] public partial class LongBiLstm : ILstmCase;
[Lstm(2, 24, 2, 300, Bidirectional = true, Readout = Readout.FinalState)] public partial class LongBiLstmFinal : ILstmCase;
[Lstm(2, 24, 2, 300, Bidirectional = true, Readout = Readout.EveryStep)] public partial class LongBiLstmSeq : ILstmCase;

/// <summary>Bidirectional and projected generated models against real PyTorch, through every overload and readout.</summary>
public partial class OptionsParityTests
{
    /// <summary>A generated model's overloads, whatever its cell: c is ignored by a GRU.</summary>
    private sealed record Runner(
        Action<string> Load,
        Action<float[], float[]> One,
        Action<float[], float[], int> Batch,
        Action<float[], float[], int[]> Padded,
        Action<float[], float[], int, float[], float[]> BatchStates,
        Action<float[], float[], int[], float[], float[]> PaddedStates,
        Func<Tensor, Tensor> Tensor,
        Func<Tensor, int[], Tensor> TensorPadded,
        Func<Tensor, Tensor, Tensor?, (Tensor Output, Tensor H, Tensor? C)> TensorStates);

    private static Runner Lstm(ILstmCase m) => new(m.LoadSafetensors, (x, y) => m.Forward(x, y), (x, y, b) => m.Forward(x, y, b),
        (x, y, l) => m.Forward(x, y, l), (x, y, b, h, c) => m.Forward(x, y, b, h, c), (x, y, l, h, c) => m.Forward(x, y, l, h, c), m.Forward,
        (x, l) => m.Forward(x, l), (x, h0, c0) => m.Forward(x, h0, c0!));

    private static Runner Gru(IGruCase m) => new(m.LoadSafetensors, (x, y) => m.Forward(x, y), (x, y, b) => m.Forward(x, y, b),
        (x, y, l) => m.Forward(x, y, l), (x, y, b, h, _) => m.Forward(x, y, b, h), (x, y, l, h, _) => m.Forward(x, y, l, h), m.Forward,
        (x, l) => m.Forward(x, l), (x, h0, _) => m.Forward(x, h0) is var (y, h) ? (y, h, null) : default);

    // Per case: its models reading out LastStep, FinalState and EveryStep.
    private static Dictionary<string, Runner[]> OptionModels() => new()
    {
            ["bi_lstm"] = [Lstm(new BiLstm()), Lstm(new BiLstmFinal()), Lstm(new BiLstmSeq())],
            ["bi_lstm2"] = [Lstm(new BiLstm2()), Lstm(new BiLstm2Final()), Lstm(new BiLstm2Seq())],
            ["bi_gru"] = [Gru(new BiGru()), Gru(new BiGruFinal()), Gru(new BiGruSeq())],
            ["bi_gru2"] = [Gru(new BiGru2()), Gru(new BiGru2Final()), Gru(new BiGru2Seq())],
            ["proj_lstm"] = [Lstm(new ProjLstm()), Lstm(new ProjLstmFinal()), Lstm(new ProjLstmSeq())],
            ["proj_bi_lstm2"] = [Lstm(new ProjBiLstm2()), Lstm(new ProjBiLstm2Final()), Lstm(new ProjBiLstm2Seq())],
            ["lens_bi_gru2"] = [Gru(new LensBiGru2()), Gru(new LensBiGru2Final()), Gru(new LensBiGru2Seq())],
            ["h0_bi_gru"] = [Gru(new H0BiGru()), Gru(new H0BiGruFinal()), Gru(new H0BiGruSeq())],
            ["bare_gru"] = [Gru(new BareGru()), Gru(new BareGruFinal()), Gru(new BareGruSeq())],
            ["all_lstm2"] = [Lstm(new AllLstm2()), Lstm(new AllLstm2Final()), Lstm(new AllLstm2Seq())],
            ["long_bi_lstm"] = [Lstm(new LongBiLstm()), Lstm(new LongBiLstmFinal()), Lstm(new LongBiLstmSeq())],
            ["proj_wide_lstm2"] = [Lstm(new ProjWideLstm2()), Lstm(new ProjWideLstm2Final()), Lstm(new ProjWideLstm2Seq())],
            ["lanes_lstm2"] = [Lstm(new LanesLstm2()), Lstm(new LanesLstm2Final()), Lstm(new LanesLstm2Seq())],
            ["lanes_gru"] = [Gru(new LanesGru()), Gru(new LanesGruFinal()), Gru(new LanesGruSeq())],
            ["lanes_h0_lstm"] = [Lstm(new LanesH0Lstm()), Lstm(new LanesH0LstmFinal()), Lstm(new LanesH0LstmSeq())],
            ["blocks_lstm2"] = [Lstm(new BlocksLstm2()), Lstm(new BlocksLstm2Final()), Lstm(new BlocksLstm2Seq())],
            ["legacy_bi_gru2"] = [Gru(new LegacyBiGru2()), Gru(new LegacyBiGru2Final()), Gru(new LegacyBiGru2Seq())],
            ["legacy_proj_lstm"] = [Lstm(new LegacyProjLstm()), Lstm(new LegacyProjLstmFinal()), Lstm(new LegacyProjLstmSeq())],
            ["legacy_views_lstm2"] = [Lstm(new LegacyViewsLstm2()), Lstm(new LegacyViewsLstm2Final()), Lstm(new LegacyViewsLstm2Seq())],
    };

    [Fact]
    public void Bidirectional_and_projected_models_match_pytorch_through_every_overload_and_readout()
    {
        foreach ((string name, Runner[] models) in OptionModels())
        {
            SafetensorsFile io = Io(name);
            Tensor x = io.ReadTensor("x");
            int batch = x.Shape[0], steps = x.Shape[1], inputs = x.Shape[2];
            int[]? lengths = io.Metadata["lengths"].Length == 0 ? null : Lengths(io);
            bool initial = io.Metadata["initial_state"] == "1", lstm = io.Metadata["model"] == "lstm";
            float[] xs = x.ToArray();
            foreach ((Runner model, string key) in models.Zip(new[] { "y_last", "y_final", "y_seq" }))
            {
                model.Load(Weights(name));
                float[] expected = io.ReadTensor(key).ToArray();
                int perSequence = expected.Length / batch;
                var y = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
                string where = $"{name} {key}";

                // From the initial states (zero where the case has none), with final states out.
                float[] h = initial ? io.ReadTensor("h0").ToArray() : new float[io.ReadTensor("h_n").Length];
                float[] c = !lstm ? [] : initial ? io.ReadTensor("c0").ToArray() : new float[io.ReadTensor("c_n").Length];
                if (lengths is null) model.BatchStates(xs, y, batch, h, c);
                else model.PaddedStates(xs, y, lengths, h, c);
                Check(where + " with states", expected, y);
                Check(where + " h_n", io.ReadTensor("h_n").ToArray(), h);
                if (lstm) Check(where + " c_n", io.ReadTensor("c_n").ToArray(), c);
                if (lengths is null)
                {
                    Tensor h0 = initial ? io.ReadTensor("h0") : Tensor.Zeros(io.ReadTensor("h_n").Shape);
                    Tensor? c0 = !lstm ? null : initial ? io.ReadTensor("c0") : Tensor.Zeros(io.ReadTensor("c_n").Shape);
                    (Tensor output, Tensor hT, Tensor? cT) = model.TensorStates(x, h0, c0);
                    Check(where + " tensor with states", expected, output.ToArray());
                    Check(where + " tensor h_n", io.ReadTensor("h_n").ToArray(), hT.ToArray());
                    if (lstm) Check(where + " tensor c_n", io.ReadTensor("c_n").ToArray(), cT!.ToArray());
                }
                if (initial) continue; // the overloads below start from zero

                Array.Fill(y, float.NaN);
                if (lengths is null) model.Batch(xs, y, batch);
                else model.Padded(xs, y, lengths);
                Check(where, expected, y);

                // Each sequence alone, over its own steps: its row of the readout (every step's: its valid steps).
                for (int b = 0; b < batch; b++)
                {
                    int length = lengths?[b] ?? steps;
                    bool everyStep = key == "y_seq";
                    var one = new float[everyStep ? length * (perSequence / steps) : perSequence];
                    model.One(xs.AsSpan(b * steps * inputs, length * inputs).ToArray(), one);
                    Check($"{where} sequence {b}", expected.AsSpan(b * perSequence, one.Length).ToArray(), one);
                }
                if (lengths is null)
                    Check(where + " tensor", expected, model.Tensor(x).ToArray());
                else
                    Check(where + " tensor with lengths", expected, model.TensorPadded(x, lengths).ToArray());
            }
        }
    }

    private static void Check(string where, float[] expected, float[] actual)
    {
        Assert.True(expected.Length == actual.Length, $"{where}: expected {expected.Length} values, got {actual.Length}");
        float error = GoldenParity.MaxAbsDifference(actual, expected);
        Assert.True(error <= 1e-6f, $"{where}: max |difference| {error:E2} > 1e-6");
    }

    [Fact]
    public void A_projected_model_streams_with_h_of_proj_size()
    {
        // proj_lstm: Step through each sequence gives every step's head; GetState gives h_n ([1, 3]) and c_n ([1, 8]).
        SafetensorsFile io = Io("proj_lstm");
        Tensor x = io.ReadTensor("x");
        var model = new ProjLstm();
        model.LoadSafetensors(Weights("proj_lstm"));
        float[] ySeq = io.ReadTensor("y_seq").ToArray(), hN = io.ReadTensor("h_n").ToArray(), cN = io.ReadTensor("c_n").ToArray();
        int batch = x.Shape[0];
        var y = new float[ProjLstm.OutputSize];
        float[] h = new float[3], c = new float[8];
        for (int b = 0; b < batch; b++)
        {
            model.ResetState();
            for (int t = 0; t < 7; t++)
            {
                model.Step(x.AsSpan().Slice((b * 7 + t) * 5, 5), y);
                Check($"step {t} of sequence {b}", ySeq.AsSpan((b * 7 + t) * 2, 2).ToArray(), y);
            }
            model.GetState(h, c);
            Check($"h_n of sequence {b}", hN.AsSpan(b * 3, 3).ToArray(), h);
            Check($"c_n of sequence {b}", cN.AsSpan(b * 8, 8).ToArray(), c);
        }

        // SetState resumes: the last sequence's state after its first 6 steps, then its last step.
        model.ResetState();
        for (int t = 0; t < 6; t++)
            model.Step(x.AsSpan().Slice(((batch - 1) * 7 + t) * 5, 5), y);
        model.GetState(h, c);
        var resumed = new ProjLstm();
        resumed.LoadSafetensors(Weights("proj_lstm"));
        resumed.SetState(h, c);
        resumed.Step(x.AsSpan().Slice(((batch - 1) * 7 + 6) * 5, 5), y);
        Check("resumed step", ySeq.AsSpan(((batch - 1) * 7 + 6) * 2, 2).ToArray(), y);

        var error = Assert.Throws<ArgumentException>(() => model.GetState(new float[8], c));
        Assert.Contains("NumLayers × ProjSize = 3 floats; got 8", error.Message);
    }

    [Fact]
    public void A_bidirectional_models_state_sizes_count_both_directions()
    {
        var model = new AllLstm2();
        model.InitializeWeights(seed: 1);
        // h: [NumLayers · 2, batch, ProjSize] = [4, 3, 5]; c: [4, 3, 12].
        var error = Assert.Throws<ArgumentException>(() => model.Forward(new float[3 * 8 * 4], new float[3 * 3], 3, new float[2 * 3 * 5], new float[4 * 3 * 12]));
        Assert.Equal("h", error.ParamName);
        Assert.Contains("NumLayers × 2 × batch × ProjSize = 60 floats; got 30", error.Message);
    }
}
