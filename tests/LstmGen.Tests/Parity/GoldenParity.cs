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
