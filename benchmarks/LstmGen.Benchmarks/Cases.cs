using System;
using System.Collections.Generic;
using LstmGen;

namespace LstmGen.Benchmarks;

// One [Lstm] class per benchmarked shape: the generator specializes each one for its sizes.
[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: 7)] public partial class SeedModel;
[Lstm(inputSize: 1, hiddenSize: 20, outputSize: 1, seqLen: 2048)] public partial class Audio20Model;
[Lstm(inputSize: 1, hiddenSize: 40, outputSize: 1, seqLen: 2048)] public partial class Audio40Model;
[Lstm(inputSize: 16, hiddenSize: 64, outputSize: 4, seqLen: 50)] public partial class SensorModel;
[Lstm(inputSize: 32, hiddenSize: 128, outputSize: 10, seqLen: 100)] public partial class MidModel;
[Lstm(inputSize: 64, hiddenSize: 256, outputSize: 10, seqLen: 100)] public partial class LargeModel;

/// <summary>
/// A benchmark case: a struct wrapping one generated model, so that the generic benchmark classes are
/// specialized per case by the JIT and call the generated <c>Forward</c> directly (no interface dispatch).
/// </summary>
public interface ILstmCase<TSelf> where TSelf : struct, ILstmCase<TSelf>
{
    static abstract CaseInfo Info { get; }
    static abstract TSelf Create(LstmWeights weights);
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);
}

/// <summary>Sizes and name of a case; <see cref="Batch"/> is the batch of the batched benchmarks (1 otherwise).</summary>
public sealed record CaseInfo(string Name, int InputSize, int HiddenSize, int OutputSize, int SeqLen)
{
    /// <summary>FLOPs of one sequence of the LSTM: two per multiply-add, T·2·4H·(I+H) for the gates, 2·H·O for the head.</summary>
    public double FlopsPerSequence => 2 * MultiplyAddsPerSequence(gates: 4);

    /// <summary>Multiply-adds of one sequence: T·gates·H·(I+H) for the gates (LSTM 4, GRU 3), H·O for the head.</summary>
    public double MultiplyAddsPerSequence(int gates) => (double)SeqLen * gates * HiddenSize * (InputSize + HiddenSize) + (double)HiddenSize * OutputSize;
    public string Shape => $"I={InputSize}, H={HiddenSize}, O={OutputSize}, T={SeqLen}";
}

public readonly struct SeedCase(SeedModel m) : ILstmCase<SeedCase>
{
    public static CaseInfo Info { get; } = new("seed", SeedModel.InputSize, SeedModel.HiddenSize, SeedModel.OutputSize, SeedModel.SeqLen);
    public static SeedCase Create(LstmWeights w) { var m = new SeedModel(); m.LoadWeights(w); return new(m); }
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => m.Forward(input, output);
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) => m.Forward(input, output, batchSize);
}

public readonly struct Audio20Case(Audio20Model m) : ILstmCase<Audio20Case>
{
    public static CaseInfo Info { get; } = new("audio20", Audio20Model.InputSize, Audio20Model.HiddenSize, Audio20Model.OutputSize, Audio20Model.SeqLen);
    public static Audio20Case Create(LstmWeights w) { var m = new Audio20Model(); m.LoadWeights(w); return new(m); }
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => m.Forward(input, output);
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) => m.Forward(input, output, batchSize);
}

public readonly struct Audio40Case(Audio40Model m) : ILstmCase<Audio40Case>
{
    public static CaseInfo Info { get; } = new("audio40", Audio40Model.InputSize, Audio40Model.HiddenSize, Audio40Model.OutputSize, Audio40Model.SeqLen);
    public static Audio40Case Create(LstmWeights w) { var m = new Audio40Model(); m.LoadWeights(w); return new(m); }
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => m.Forward(input, output);
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) => m.Forward(input, output, batchSize);
}

public readonly struct SensorCase(SensorModel m) : ILstmCase<SensorCase>
{
    public static CaseInfo Info { get; } = new("sensor", SensorModel.InputSize, SensorModel.HiddenSize, SensorModel.OutputSize, SensorModel.SeqLen);
    public static SensorCase Create(LstmWeights w) { var m = new SensorModel(); m.LoadWeights(w); return new(m); }
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => m.Forward(input, output);
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) => m.Forward(input, output, batchSize);
}

public readonly struct MidCase(MidModel m) : ILstmCase<MidCase>
{
    public static CaseInfo Info { get; } = new("mid", MidModel.InputSize, MidModel.HiddenSize, MidModel.OutputSize, MidModel.SeqLen);
    public static MidCase Create(LstmWeights w) { var m = new MidModel(); m.LoadWeights(w); return new(m); }
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => m.Forward(input, output);
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) => m.Forward(input, output, batchSize);
}

public readonly struct LargeCase(LargeModel m) : ILstmCase<LargeCase>
{
    public static CaseInfo Info { get; } = new("large", LargeModel.InputSize, LargeModel.HiddenSize, LargeModel.OutputSize, LargeModel.SeqLen);
    public static LargeCase Create(LstmWeights w) { var m = new LargeModel(); m.LoadWeights(w); return new(m); }
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => m.Forward(input, output);
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) => m.Forward(input, output, batchSize);
}

/// <summary>The suite's cases, in report order.</summary>
public static class Cases
{
    /// <summary>Sequences per call in the batched benchmarks.</summary>
    public const int Batch = 64;

    /// <summary>Seed of the random weights (<see cref="LstmWeights.CreateRandom"/>) and, +1, of the inputs.</summary>
    public const int Seed = 2024;

    public static LstmWeights Weights(CaseInfo c) => LstmWeights.CreateRandom(c.InputSize, c.HiddenSize, c.OutputSize, Seed);

    public static float[] Input(CaseInfo c, int batch) =>
        Tensor.RandN([batch, c.SeqLen, c.InputSize], Seed + 1).ToArray();

    /// <summary>The single-sequence benchmark types, one per case.</summary>
    public static readonly Type[] Single =
    [
        typeof(SingleSequence<SeedCase>), typeof(SingleSequence<Audio20Case>), typeof(SingleSequence<Audio40Case>),
        typeof(SingleSequence<SensorCase>), typeof(SingleSequence<MidCase>), typeof(SingleSequence<LargeCase>),
    ];

    /// <summary>The batch-64 benchmark types.</summary>
    public static readonly Type[] Batched = [typeof(Batch64<SeedCase>), typeof(Batch64<SensorCase>), typeof(Batch64<MidCase>), typeof(Batch64<LargeCase>)];

    /// <summary>
    /// The extra measurements: streaming, PyTorch's options, GRU models, denormal inputs (sensor) and a batch of 64 split
    /// across the cores (sensor, mid).
    /// </summary>
    public static readonly Type[] Extra = [typeof(Streaming), typeof(Options), typeof(GruCases), typeof(WeightPrecisionCases), typeof(Denormals), typeof(MultiCoreBatch<SensorCase>), typeof(MultiCoreBatch<MidCase>)];

    /// <summary>The case a benchmark type measures (its generic argument's <c>Info</c>).</summary>
    public static CaseInfo InfoOf(Type benchmarkType)
    {
        Type caseType = benchmarkType.GetGenericArguments()[0];
        return (CaseInfo)caseType.GetProperty("Info")!.GetValue(null)!;
    }

    public static IEnumerable<CaseInfo> All =>
        [SeedCase.Info, Audio20Case.Info, Audio40Case.Info, SensorCase.Info, MidCase.Info, LargeCase.Info];
}
