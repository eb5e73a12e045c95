using System;
using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

// The seed and sensor shapes as GRUs (nn.GRU: three gates, h only).
[Gru(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: 7)] public partial class SeedGruModel : IGruModel;
[Gru(inputSize: 16, hiddenSize: 64, outputSize: 4, seqLen: 50)] public partial class SensorGruModel : IGruModel;

/// <summary>What the GRU benchmark calls on a generated model; the generated members satisfy it.</summary>
public interface IGruModel
{
    void LoadWeights(GruWeights weights);
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);
}

/// <summary>
/// GRU models of the seed and sensor shapes: the generated model one sequence at a time and in a batch of
/// <see cref="Cases.Batch"/> (per call; the report divides by the batch), against the run-time-sized <see cref="GruModel"/>
/// with the same weights.
/// </summary>
[BenchmarkCategory("gru")]
public class GruCases
{
    private Action _generated = null!, _runTimeSized = null!, _generatedBatch = null!, _runTimeSizedBatch = null!;

    [Params("seed", "sensor")] public string Case { get; set; } = "seed";

    [GlobalSetup]
    public void Setup()
    {
        CaseInfo info = Case == "seed" ? SeedCase.Info : SensorCase.Info;
        var weights = GruWeights.CreateRandom(info.InputSize, info.HiddenSize, info.OutputSize, Cases.Seed);
        float[] one = Cases.Input(info, 1), batch = Cases.Input(info, Cases.Batch);
        var output = new float[Cases.Batch * info.OutputSize];
        var runTimeSized = new GruModel(weights);
        IGruModel generated = Case == "seed" ? new SeedGruModel() : new SensorGruModel();
        generated.LoadWeights(weights);
        _generated = () => generated.Forward(one, output.AsSpan(0, info.OutputSize));
        _runTimeSized = () => runTimeSized.Forward(one, output.AsSpan(0, info.OutputSize));
        _generatedBatch = () => generated.Forward(batch, output, Cases.Batch);
        _runTimeSizedBatch = () => runTimeSized.Forward(batch, output, Cases.Batch);

        // Both give the same outputs (the golden tests check each against PyTorch).
        var expected = new float[info.OutputSize];
        runTimeSized.Forward(one, expected);
        _generated();
        for (int o = 0; o < info.OutputSize; o++)
        {
            if (Math.Abs(output[o] - expected[o]) > 1e-5f)
                throw new InvalidOperationException($"VALIDATION FAILED: {Case} GRU output {o}: generated {output[o]}, run-time-sized {expected[o]}.");
        }
    }

    [Benchmark(Baseline = true)] public void Generated() => _generated();

    [Benchmark] public void RunTimeSized() => _runTimeSized();

    [Benchmark] public void GeneratedBatch() => _generatedBatch();

    [Benchmark] public void RunTimeSizedBatch() => _runTimeSizedBatch();
}
