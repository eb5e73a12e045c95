using System;
using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

// The mid and large shapes with bfloat16 weights (WeightPrecision.BFloat16).
[Lstm(inputSize: 32, hiddenSize: 128, outputSize: 10, seqLen: 100, WeightPrecision = WeightPrecision.BFloat16)] public partial class MidBFloat16Model : IPrecisionModel;
[Lstm(inputSize: 64, hiddenSize: 256, outputSize: 10, seqLen: 100, WeightPrecision = WeightPrecision.BFloat16)] public partial class LargeBFloat16Model : IPrecisionModel;
public partial class MidModel : IPrecisionModel;
public partial class LargeModel : IPrecisionModel;

/// <summary>What the weight-precision benchmark calls on a generated model; the generated members satisfy it.</summary>
public interface IPrecisionModel
{
    void LoadWeights(LstmWeights weights);
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);
}

/// <summary>
/// What bfloat16 weights buy the models whose weights outgrow L2: the mid and large shapes with float32 and with
/// bfloat16 weights, one sequence and a batch of <see cref="Cases.Batch"/> (per call; the report divides by the batch),
/// and the run-time-sized <see cref="LstmModel"/> made from the same weights in either precision, one sequence.
/// </summary>
[BenchmarkCategory("precision")]
public class WeightPrecisionCases
{
    private Action _float32 = null!, _bfloat16 = null!, _float32Batch = null!, _bfloat16Batch = null!;
    private Action _runTimeSizedFloat32 = null!, _runTimeSizedBFloat16 = null!;

    [Params("mid", "large")] public string Case { get; set; } = "mid";

    [GlobalSetup]
    public void Setup()
    {
        CaseInfo info = Case == "mid" ? MidCase.Info : LargeCase.Info;
        var weights = LstmWeights.CreateRandom(info.InputSize, info.HiddenSize, info.OutputSize, Cases.Seed);
        (IPrecisionModel full, IPrecisionModel half) = Case == "mid"
            ? ((IPrecisionModel)new MidModel(), (IPrecisionModel)new MidBFloat16Model())
            : (new LargeModel(), new LargeBFloat16Model());
        full.LoadWeights(weights);
        half.LoadWeights(weights);
        float[] one = Cases.Input(info, 1), batch = Cases.Input(info, Cases.Batch);
        var output = new float[Cases.Batch * info.OutputSize];
        _float32 = () => full.Forward(one, output.AsSpan(0, info.OutputSize));
        _bfloat16 = () => half.Forward(one, output.AsSpan(0, info.OutputSize));
        _float32Batch = () => full.Forward(batch, output, Cases.Batch);
        _bfloat16Batch = () => half.Forward(batch, output, Cases.Batch);
        var runTimeFull = new LstmModel(weights);
        var runTimeHalf = new LstmModel(weights, Readout.LastStep, WeightPrecision.BFloat16);
        _runTimeSizedFloat32 = () => runTimeFull.Forward(one, output.AsSpan(0, info.OutputSize));
        _runTimeSizedBFloat16 = () => runTimeHalf.Forward(one, output.AsSpan(0, info.OutputSize));

        // bfloat16 rounds the weights: the outputs move by about 1e-3 (tests/…/BFloat16Tests measure it against PyTorch).
        var expected = new float[info.OutputSize];
        full.Forward(one, expected);
        Check(_bfloat16, "generated bfloat16", 1e-2f);
        Check(_runTimeSizedFloat32, "run-time-sized float32", 1e-5f);
        Check(_runTimeSizedBFloat16, "run-time-sized bfloat16", 1e-2f);

        void Check(Action forward, string what, float tolerance)
        {
            forward();
            for (int o = 0; o < info.OutputSize; o++)
            {
                if (Math.Abs(output[o] - expected[o]) > tolerance)
                    throw new InvalidOperationException($"VALIDATION FAILED: {Case} {what} output {o}: {output[o]}, generated float32 {expected[o]}.");
            }
        }
    }

    [Benchmark(Baseline = true)] public void Float32() => _float32();

    [Benchmark] public void BFloat16() => _bfloat16();

    [Benchmark] public void Float32Batch() => _float32Batch();

    [Benchmark] public void BFloat16Batch() => _bfloat16Batch();

    [Benchmark] public void RunTimeSizedFloat32() => _runTimeSizedFloat32();

    [Benchmark] public void RunTimeSizedBFloat16() => _runTimeSizedBFloat16();
}
