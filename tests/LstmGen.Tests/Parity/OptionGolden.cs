using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.Kernels;

namespace LstmGen.Tests.Parity;

/// <summary>
/// A golden case of Golden/pytorch (every <c>nn.LSTM</c>/<c>nn.GRU</c> option, see its README) and the checks of the
/// run-time-sized models against it: every readout through every overload, <c>out</c>, h_n and c_n.
/// </summary>
public sealed class OptionGolden
{
    // Declared first: static fields initialize in order, and Names reads it.
    /// <summary>The cases of Golden/made: ours, in Golden/pytorch's format (see its make_options.py; make_legacy.py's
    /// .pt files are in torch.save's legacy format).</summary>
    private static readonly string[] Made = ["proj_wide_lstm2", "lanes_lstm2", "lanes_gru", "lanes_h0_lstm", "blocks_lstm2", "legacy_bi_gru2", "legacy_proj_lstm", "legacy_views_lstm2"];

    public static readonly string[] Names =
    [
        "bi_lstm", "bi_lstm2", "bi_gru", "bi_gru2", "proj_lstm", "proj_bi_lstm2", "nobias_lstm", "nobias_gru2",
        "lens_lstm", "lens_bi_gru2", "h0_lstm2", "h0_bi_gru", "nohead_lstm", "bare_gru", "all_lstm2", "long_bi_lstm",
        .. Made,
    ];

    private OptionGolden(string name)
    {
        Name = name;
        Io = SafetensorsFile.Load(PathOf(name + ".io.safetensors"));
        IReadOnlyDictionary<string, string> meta = Io.Metadata;
        IsGru = meta["model"] == "gru";
        Prefix = meta["prefix"];
        FcPrefix = meta["fc_prefix"];
        (Batch, Steps, InputSize) = (int.Parse(meta["batch"]), int.Parse(meta["seq_len"]), int.Parse(meta["input_size"]));
        (HiddenSize, Layers, Directions) = (int.Parse(meta["hidden_size"]), int.Parse(meta["num_layers"]), meta["bidirectional"] == "1" ? 2 : 1);
        ProjSize = int.Parse(meta["proj_size"]);
        OutputSize = int.Parse(meta["output_size"]);
        Features = int.Parse(meta["feature_size"]);
        Lengths = meta["lengths"].Length == 0 ? null : meta["lengths"].Split(',').Select(int.Parse).ToArray();
        X = Io.ReadTensor("x");
    }

    public string Name { get; }
    public SafetensorsFile Io { get; }
    public bool IsGru { get; }
    public string Prefix { get; }
    public string FcPrefix { get; }
    public int Batch { get; }
    public int Steps { get; }
    public int InputSize { get; }
    public int HiddenSize { get; }
    public int Layers { get; }
    public int Directions { get; }
    public int ProjSize { get; }
    public int HiddenOutputSize => ProjSize > 0 ? ProjSize : HiddenSize;
    public int OutputSize { get; }
    public int Features { get; }
    public int[]? Lengths { get; }
    public bool HasInitialState => Io.Contains("h0");
    public Tensor X { get; }

    public int LengthOf(int b) => Lengths?[b] ?? Steps;

    /// <summary>A file of a case (<c>name.weights.pt</c>, …): in Golden/made for <see cref="Made"/>'s, else in Golden/pytorch, the product owner's.</summary>
    public static string PathOf(string fileName) =>
        Path.Combine(AppContext.BaseDirectory, "Golden", Made.Any(name => fileName.StartsWith(name + ".", StringComparison.Ordinal)) ? "made" : "pytorch", fileName);

    public static OptionGolden Load(string name) => new(name);

    /// <summary>The case's run-time-sized model from its .safetensors or .pt weights (head: null fc prefix for none).</summary>
    public RecurrentModel Model(Readout readout, bool fromPyTorch, bool head = true)
    {
        string path = PathOf(Name + (fromPyTorch ? ".weights.pt" : ".weights.safetensors"));
        string? fc = head ? FcPrefix : null;
        return IsGru ? GruModel.Load(path, Prefix, fc, readout) : LstmModel.Load(path, Prefix, fc, readout);
    }

    private Tensor Expected(Readout readout) => Io.ReadTensor(readout switch
    {
        Readout.LastStep => "y_last",
        Readout.FinalState => "y_final",
        _ => "y_seq",
    });

    /// <summary>
    /// Max |actual − torch| of <paramref name="model"/> (loaded with this case's weights and a readout) per overload:
    /// one sequence at a time, batched, on a tensor, padded with lengths, with h and c, and stepping.
    /// </summary>
    public Dictionary<string, float> Errors(RecurrentModel model)
    {
        var errors = new Dictionary<string, float>();
        Readout readout = model.Readout;
        Tensor expected = model.HasHead ? Expected(readout) : readout == Readout.EveryStep ? Io.ReadTensor("out") : Expected(readout);
        bool every = readout == Readout.EveryStep;
        int perReadout = model.OutputSize; // O, or the features without a head
        int perSequence = every ? Steps * perReadout : perReadout;
        int sequence = Steps * InputSize;
        ReadOnlySpan<float> x = X.AsSpan();
        int[] lengths = Lengths ?? Enumerable.Repeat(Steps, Batch).ToArray();

        // From a zero state: only comparable when the case has none of its own.
        if (!HasInitialState)
        {
            var single = new float[Batch * perSequence];
            for (int b = 0; b < Batch; b++)
            {
                int length = LengthOf(b);
                int written = every ? length * perReadout : perReadout;
                model.Forward(x.Slice(b * sequence, length * InputSize), single.AsSpan(b * perSequence, written));
            }
            errors["single"] = GoldenParity.MaxAbsDifference(single, expected.AsSpan());

            var padded = new float[Batch * perSequence];
            Array.Fill(padded, float.NaN); // EveryStep must write its zeros
            model.Forward(x, padded, lengths);
            errors["lengths"] = GoldenParity.MaxAbsDifference(padded, expected.AsSpan());

            if (Lengths is null)
            {
                var batched = new float[Batch * perSequence];
                model.Forward(x, batched, Batch);
                errors["batched"] = GoldenParity.MaxAbsDifference(batched, expected.AsSpan());
                Tensor y = model.Forward(X);
                if (!y.Shape.SequenceEqual(expected.Shape))
                    throw new InvalidOperationException($"{Name}: Forward(Tensor) returned {y.ShapeString}, expected {expected.ShapeString}.");
                errors["tensor"] = GoldenParity.MaxAbsDifference(y.AsSpan(), expected.AsSpan());
            }
        }

        // With h and c: h_0 (zero when the case has none) in, h_n and c_n out.
        Tensor hN = Io.ReadTensor("h_n");
        Tensor? cN = IsGru ? null : Io.ReadTensor("c_n");
        var h = new float[hN.Length];
        var c = new float[cN?.Length ?? 0];
        void Reset()
        {
            if (HasInitialState) Io.ReadTensor("h0").AsSpan().CopyTo(h); else Array.Clear(h);
            if (cN is not null) { if (HasInitialState) Io.ReadTensor("c0").AsSpan().CopyTo(c); else Array.Clear(c); }
        }
        var stated = new float[Batch * perSequence];
        for (int withLengths = 0; withLengths < 2; withLengths++)
        {
            if (withLengths == 0 && Lengths is not null) continue;
            Reset();
            switch (model, withLengths)
            {
                case (LstmModel lstm, 0): lstm.Forward(x, stated, Batch, h, c); break;
                case (LstmModel lstm, _): lstm.Forward(x, stated, lengths, h, c); break;
                case (GruModel gru, 0): gru.Forward(x, stated, Batch, h); break;
                case (GruModel gru, _): gru.Forward(x, stated, lengths, h); break;
            }
            string name = withLengths == 0 ? "state" : "state+lengths";
            errors[name] = GoldenParity.MaxAbsDifference(stated, expected.AsSpan());
            errors[name + " h_n"] = GoldenParity.MaxAbsDifference(h, hN.AsSpan());
            if (cN is not null) errors[name + " c_n"] = GoldenParity.MaxAbsDifference(c, cN.AsSpan());
        }

        // The tensor overloads: a padded batch, and states in and out as PyTorch's (h0 and c0 left unchanged).
        if (!HasInitialState)
            errors["tensor lengths"] = GoldenParity.MaxAbsDifference(model.Forward(X, lengths).AsSpan(), expected.AsSpan());
        if (Lengths is null)
        {
            Tensor h0 = HasInitialState ? Io.ReadTensor("h0") : Tensor.Zeros(hN.Shape);
            Tensor? c0 = cN is null ? null : HasInitialState ? Io.ReadTensor("c0") : Tensor.Zeros(cN.Shape);
            (Tensor y, Tensor hT, Tensor? cT) = model switch
            {
                LstmModel lstm => lstm.Forward(X, h0, c0!),
                GruModel gru => gru.Forward(X, h0) is var (gy, gh) ? (gy, gh, (Tensor?)null) : default,
                _ => throw new InvalidOperationException(model.GetType().Name),
            };
            errors["tensor state"] = GoldenParity.MaxAbsDifference(y.AsSpan(), expected.AsSpan());
            errors["tensor state h_n"] = GoldenParity.MaxAbsDifference(hT.AsSpan(), hN.AsSpan());
            if (cN is not null) errors["tensor state c_n"] = GoldenParity.MaxAbsDifference(cT!.AsSpan(), cN.AsSpan());
        }

        if (Directions == 1) errors["step"] = StepError(model, expected, hN, cN);
        return errors;
    }

    // Streams each sequence over its valid steps from h_0: every step's output against y_seq (or `out` without a head),
    // the last against the readout of a per-sequence model, the final state against h_n and c_n.
    private float StepError(RecurrentModel model, Tensor expected, Tensor hN, Tensor? cN)
    {
        Tensor perStep = model.HasHead ? Io.ReadTensor("y_seq") : Io.ReadTensor("out");
        int perReadout = model.OutputSize;
        int hOut = HiddenOutputSize;
        var y = new float[perReadout];
        var h = new float[Layers * hOut];
        var c = new float[Layers * HiddenSize];
        float worst = 0f;
        for (int b = 0; b < Batch; b++)
        {
            model.ResetState();
            if (HasInitialState)
            {
                // h0 is [L, B, H_out]: sequence b's rows.
                for (int layer = 0; layer < Layers; layer++)
                {
                    Io.ReadTensor("h0").AsSpan().Slice((layer * Batch + b) * hOut, hOut).CopyTo(h.AsSpan(layer * hOut));
                    if (cN is not null) Io.ReadTensor("c0").AsSpan().Slice((layer * Batch + b) * HiddenSize, HiddenSize).CopyTo(c.AsSpan(layer * HiddenSize));
                }
                if (model is LstmModel lstm) lstm.SetState(h, c); else ((GruModel)model).SetState(h);
            }
            for (int t = 0; t < LengthOf(b); t++)
            {
                model.Step(X.AsSpan().Slice((b * Steps + t) * InputSize, InputSize), y);
                worst = MathF.Max(worst, GoldenParity.MaxAbsDifference(y, perStep.AsSpan().Slice((b * Steps + t) * perReadout, perReadout)));
            }
            if (model.Readout != Readout.EveryStep)
                worst = MathF.Max(worst, GoldenParity.MaxAbsDifference(y, expected.AsSpan().Slice(b * perReadout, perReadout)));

            if (model is LstmModel streaming) streaming.GetState(h, c); else ((GruModel)model).GetState(h);
            for (int layer = 0; layer < Layers; layer++)
            {
                worst = MathF.Max(worst, GoldenParity.MaxAbsDifference(h.AsSpan(layer * hOut, hOut), hN.AsSpan().Slice((layer * Batch + b) * hOut, hOut)));
                if (cN is not null)
                    worst = MathF.Max(worst, GoldenParity.MaxAbsDifference(c.AsSpan(layer * HiddenSize, HiddenSize), cN.AsSpan().Slice((layer * Batch + b) * HiddenSize, HiddenSize)));
            }
        }
        return worst;
    }

    /// <summary>Every check of this case on one kernel path: each readout from both weight files, and `out` without
    /// the head; keys are "readout source overload".</summary>
    internal Dictionary<string, float> AllErrors(KernelPath path)
    {
        var all = new Dictionary<string, float>();
        foreach (bool fromPyTorch in new[] { false, true })
        {
            string source = fromPyTorch ? "pt" : "safetensors";
            var readouts = new List<(Readout Readout, bool Head)> { (Readout.LastStep, true), (Readout.FinalState, true), (Readout.EveryStep, true), (Readout.EveryStep, false) };
            foreach ((Readout readout, bool head) in readouts)
            {
                if (head && OutputSize == 0) continue; // the case has no head: the headless run covers it
                RecurrentModel model = Model(readout, fromPyTorch, head);
                model.Path = path;
                foreach ((string what, float error) in Errors(model))
                    all[$"{readout}{(head ? "" : " (out)")} {source} {what}"] = error;
            }
            if (OutputSize == 0)
            {
                // Headless cases: the readouts are the features themselves.
                foreach (Readout readout in new[] { Readout.LastStep, Readout.FinalState })
                {
                    RecurrentModel model = Model(readout, fromPyTorch);
                    model.Path = path;
                    foreach ((string what, float error) in Errors(model))
                        all[$"{readout} (features) {source} {what}"] = error;
                }
            }
        }
        return all;
    }
}
