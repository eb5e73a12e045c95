using System;
using System.Collections.Generic;
using System.IO;

namespace LstmGen.Tests.Parity;

/// <summary>Runs a generated model on a golden case and measures its distance from libtorch's output.</summary>
public static class GoldenParity
{
    /// <summary>The bar: every output within this of libtorch.</summary>
    public const float Tolerance = 1e-5f;

    public static readonly IReadOnlyDictionary<string, Func<ITestModel>> Cases = new Dictionary<string, Func<ITestModel>>
    {
        ["seed"] = () => new SeedModel(),
        ["tiny"] = () => new TinyModel(),
        ["wide_in"] = () => new WideInModel(),
        ["odd"] = () => new OddModel(),
        ["h16"] = () => new H16Model(),
        ["h64"] = () => new H64Model(),
        ["h128"] = () => new H128Model(),
        ["long"] = () => new LongModel(),
        ["lstm2_small"] = () => new Lstm2SmallModel(),
        ["lstm3_mid"] = () => new Lstm3MidModel(),
        ["gru_seed"] = () => new GruSeedModel(),
        ["gru2_odd"] = () => new Gru2OddModel(),
        ["gru_audio"] = () => new GruAudioModel(),
    };

    /// <summary>The ways to call Forward that must all agree with libtorch.</summary>
    public enum Api { Single, Batched, Tensor, LargeBatch, Streaming }

    /// <summary>Sequences in a <see cref="Api.LargeBatch"/> run: enough for whole SIMD groups and a remainder.</summary>
    public const int LargeBatchSize = 37;

    public static string GoldenPath(string fileName) => Path.Combine(AppContext.BaseDirectory, "Golden", fileName);

    /// <summary>Loads the case's weights through LoadSafetensors, runs its input, returns max |y − y_torch|.</summary>
    public static float MaxError(string caseName, Api api)
    {
        ITestModel model = Cases[caseName]();
        model.LoadSafetensors(GoldenPath(caseName + ".weights.safetensors"));
        SafetensorsFile io = SafetensorsFile.Load(GoldenPath(caseName + ".io.safetensors"));
        Tensor x = io.ReadTensor("x");
        Tensor expected = io.ReadTensor("y");
        int batch = x.Shape[0], sequence = x.Shape[1] * x.Shape[2], outputs = expected.Shape[1];

        var actual = new float[expected.Length];
        switch (api)
        {
            case Api.Single:
                for (int b = 0; b < batch; b++)
                    model.Forward(x.AsSpan().Slice(b * sequence, sequence), actual.AsSpan(b * outputs, outputs));
                break;
            case Api.Batched:
                model.Forward(x.AsSpan(), actual, batch);
                break;
            case Api.LargeBatch:
                // The golden sequences repeated, so batches run through the group kernels.
                var repeatedX = new float[LargeBatchSize * sequence];
                var repeatedY = new float[LargeBatchSize * outputs];
                for (int b = 0; b < LargeBatchSize; b++)
                    x.AsSpan().Slice(b % batch * sequence, sequence).CopyTo(repeatedX.AsSpan(b * sequence));
                model.Forward(repeatedX, repeatedY, LargeBatchSize);
                float worst = 0f;
                for (int b = 0; b < LargeBatchSize; b++)
                    worst = MathF.Max(worst, MaxAbsDifference(repeatedY.AsSpan(b * outputs, outputs), expected.AsSpan().Slice(b % batch * outputs, outputs)));
                return worst;
            case Api.Streaming:
                return StreamingError(model, io, x, expected);
            case Api.Tensor:
                Tensor y = model.Forward(x);
                if (!y.Shape.SequenceEqual(expected.Shape))
                    throw new InvalidOperationException($"Forward(Tensor) returned shape {y.ShapeString}, expected {expected.ShapeString}.");
                y.AsSpan().CopyTo(actual);
                break;
        }
        return MaxAbsDifference(actual, expected.AsSpan());
    }

    // Step over every sequence: each step's output against y_seq where the case has it (else the last against y),
    // and the final state against h_n (and c_n).
    private static float StreamingError(ITestModel model, SafetensorsFile io, Tensor x, Tensor expected)
    {
        int batch = x.Shape[0], steps = x.Shape[1], inputs = x.Shape[2], outputs = expected.Shape[1];
        Tensor? ySeq = io.Contains("y_seq") ? io.ReadTensor("y_seq") : null;
        Tensor hN = io.ReadTensor("h_n");
        int layers = hN.Rank == 3 ? hN.Shape[0] : 1, hidden = hN.Shape[^1];
        var y = new float[outputs];
        var h = new float[layers * hidden];
        var c = new float[layers * hidden];
        float worst = 0f;
        for (int b = 0; b < batch; b++)
        {
            model.ResetState();
            for (int t = 0; t < steps; t++)
            {
                model.Step(x.AsSpan().Slice((b * steps + t) * inputs, inputs), y);
                if (ySeq is not null)
                    worst = MathF.Max(worst, MaxAbsDifference(y, ySeq.AsSpan().Slice((b * steps + t) * outputs, outputs)));
            }
            worst = MathF.Max(worst, MaxAbsDifference(y, expected.AsSpan().Slice(b * outputs, outputs)));

            if (model is ILstmTestModel lstm) lstm.GetState(h, c);
            else ((IGruTestModel)model).GetState(h);
            for (int layer = 0; layer < layers; layer++)
            {
                // h_n is [L, B, H] (or [B, H] for the one-layer cases), likewise c_n.
                int at = (layer * batch + b) * hidden;
                worst = MathF.Max(worst, MaxAbsDifference(h.AsSpan(layer * hidden, hidden), hN.AsSpan().Slice(at, hidden)));
                if (model is ILstmTestModel)
                    worst = MathF.Max(worst, MaxAbsDifference(c.AsSpan(layer * hidden, hidden), io.ReadTensor("c_n").AsSpan().Slice(at, hidden)));
            }
        }
        return worst;
    }

    /// <summary>The run-time-sized model (<see cref="LstmModel"/> or <see cref="GruModel"/>) of a golden case, from its weights file.</summary>
    public static RecurrentModel LoadRunTimeSized(string caseName)
    {
        string path = GoldenPath(caseName + ".weights.safetensors");
        return caseName.StartsWith("gru", StringComparison.Ordinal) ? GruModel.Load(path) : LstmModel.Load(path);
    }

    /// <summary>A run-time-sized model's max |y − y_torch| on a golden case, per API.</summary>
    /// <param name="State">The final h (and c) of every layer after stepping each sequence, against h_n (and c_n).</param>
    public readonly record struct RunTimeSizedErrors(float Single, float Batched, float Tensor, float Step, float State)
    {
        public float Max => MathF.Max(MathF.Max(MathF.Max(Single, Batched), MathF.Max(Tensor, Step)), State);

        public override string ToString() => $"single {Single:E2}, batched {Batched:E2}, tensor {Tensor:E2}, step {Step:E2}, state {State:E2}";
    }

    /// <summary>
    /// Runs a golden case's input through every API of a run-time-sized model loaded with its weights: Forward one
    /// sequence at a time, batched and on a tensor, and Step, each output against y_seq where the case has it (else the
    /// last against y), the final state against h_n and c_n.
    /// </summary>
    public static RunTimeSizedErrors RunTimeSizedMaxErrors(RecurrentModel model, string caseName)
    {
        SafetensorsFile io = SafetensorsFile.Load(GoldenPath(caseName + ".io.safetensors"));
        Tensor x = io.ReadTensor("x"), y = io.ReadTensor("y"), hN = io.ReadTensor("h_n");
        int batch = x.Shape[0], steps = x.Shape[1], inputs = x.Shape[2], outputs = y.Shape[1];
        int layers = hN.Rank == 3 ? hN.Shape[0] : 1, hidden = hN.Shape[^1];
        if ((inputs, hidden, outputs, layers) != (model.InputSize, model.HiddenSize, model.OutputSize, model.NumLayers))
            throw new InvalidOperationException($"{caseName}: the model's sizes differ from the golden case's.");
        int sequence = steps * inputs;

        var single = new float[y.Length];
        for (int b = 0; b < batch; b++)
            model.Forward(x.AsSpan().Slice(b * sequence, sequence), single.AsSpan(b * outputs, outputs));
        float singleError = MaxAbsDifference(single, y.AsSpan());

        var batched = new float[y.Length];
        model.Forward(x.AsSpan(), batched, batch);
        float batchedError = MaxAbsDifference(batched, y.AsSpan());
        Tensor fromTensor = model.Forward(x);
        if (!fromTensor.Shape.SequenceEqual(y.Shape))
            throw new InvalidOperationException($"{caseName}: Forward(Tensor) returned shape {fromTensor.ShapeString}, expected {y.ShapeString}.");
        float tensorError = MaxAbsDifference(fromTensor.AsSpan(), y.AsSpan());

        Tensor? ySeq = io.Contains("y_seq") ? io.ReadTensor("y_seq") : null;
        Tensor? cN = io.Contains("c_n") ? io.ReadTensor("c_n") : null;
        if ((model is LstmModel) != (cN is not null))
            throw new InvalidOperationException($"{caseName}: c_n is stored exactly for LSTM cases.");
        var h = new float[layers * hidden];
        var c = new float[layers * hidden];
        var stepped = new float[steps * outputs];
        float stepError = 0f, stateError = 0f;
        for (int b = 0; b < batch; b++)
        {
            model.ResetState();
            for (int t = 0; t < steps; t++)
                model.Step(x.AsSpan().Slice((b * steps + t) * inputs, inputs), stepped.AsSpan(t * outputs, outputs));
            if (ySeq is not null)
                stepError = MathF.Max(stepError, MaxAbsDifference(stepped, ySeq.AsSpan().Slice(b * steps * outputs, steps * outputs)));
            stepError = MathF.Max(stepError, MaxAbsDifference(stepped.AsSpan((steps - 1) * outputs), y.AsSpan().Slice(b * outputs, outputs)));

            if (model is LstmModel lstm) lstm.GetState(h, c);
            else ((GruModel)model).GetState(h);
            for (int layer = 0; layer < layers; layer++)
            {
                // h_n is [L, B, H] ([B, H] in the one-layer SimpleLSTM cases), likewise c_n.
                int at = (layer * batch + b) * hidden;
                stateError = MathF.Max(stateError, MaxAbsDifference(h.AsSpan(layer * hidden, hidden), hN.AsSpan().Slice(at, hidden)));
                if (cN is not null)
                    stateError = MathF.Max(stateError, MaxAbsDifference(c.AsSpan(layer * hidden, hidden), cN.AsSpan().Slice(at, hidden)));
            }
        }
        return new RunTimeSizedErrors(singleError, batchedError, tensorError, stepError, stateError);
    }

    public static float MaxAbsDifference(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        float max = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            float difference = MathF.Abs(actual[i] - expected[i]);
            if (!(difference <= max)) max = float.IsNaN(difference) ? float.PositiveInfinity : difference;
        }
        return max;
    }
}
