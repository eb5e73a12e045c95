using System;
using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

/// <summary>
/// The streaming API as an audio effect or a sensor service uses it: one <c>Step</c> per sample (InputSize values in, OutputSize out),
/// the state carried in the instance, on the generated model and on the run-time-sized <see cref="LstmModel"/> made
/// from the same weights. Each call feeds the next value of the case's input sequence, cycling through it.
/// </summary>
[BenchmarkCategory("streaming")]
public class Streaming
{
    private IStreamingModel _generated = null!;
    private LstmModel _runTimeSized = null!;
    private float[] _input = null!, _output = null!;
    private int _t;

    [Params("audio20", "audio40", "sensor")] public string Case { get; set; } = "audio20";

    [GlobalSetup]
    public void Setup()
    {
        CaseInfo info = Info;
        LstmWeights weights = Cases.Weights(info);
        _generated = Case switch
        {
            "audio20" => new Audio20Model(),
            "audio40" => new Audio40Model(),
            _ => new SensorModel(),
        };
        _generated.LoadWeights(weights);
        _runTimeSized = new LstmModel(weights);
        _input = Cases.Input(info, 1);
        _output = new float[info.OutputSize];
        Check();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int calls = 0; (calls < 10_000 || clock.ElapsedMilliseconds < 400) && clock.ElapsedMilliseconds < 3000; calls++)
        {
            GeneratedStep();
            RunTimeSizedStep();
        }
    }

    private CaseInfo Info => Case switch
    {
        "audio20" => Audio20Case.Info,
        "audio40" => Audio40Case.Info,
        "sensor" => SensorCase.Info,
        _ => throw new ArgumentException($"unknown streaming case {Case}"),
    };

    [Benchmark(Baseline = true)] public void GeneratedStep() => _generated.Step(NextInput(), _output);

    [Benchmark] public void RunTimeSizedStep() => _runTimeSized.Step(NextInput(), _output);

    private ReadOnlySpan<float> NextInput()
    {
        int inputSize = Info.InputSize;
        if (++_t == Info.SeqLen) _t = 0;
        return _input.AsSpan(_t * inputSize, inputSize);
    }

    // A whole sequence step by step: both end at the sequence Forward's output.
    private void Check()
    {
        CaseInfo info = Info;
        var expected = new float[info.OutputSize];
        _generated.Forward(_input, expected);
        foreach (Action<int> step in new Action<int>[] { t => _generated.Step(_input.AsSpan(t * info.InputSize, info.InputSize), _output),
                                                         t => _runTimeSized.Step(_input.AsSpan(t * info.InputSize, info.InputSize), _output) })
        {
            for (int t = 0; t < info.SeqLen; t++) step(t);
            Validation.Require($"{info.Name}: {info.SeqLen} Steps vs Forward", expected, _output, Validation.PeerTolerance);
        }
        _generated.ResetState();
        _runTimeSized.ResetState();
        _t = 0;
    }
}

/// <summary>What <see cref="Streaming"/> calls on a generated model.</summary>
public interface IStreamingModel
{
    void LoadWeights(LstmWeights weights);
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Step(ReadOnlySpan<float> input, Span<float> output);
    void ResetState();
}

public partial class Audio20Model : IStreamingModel;
public partial class Audio40Model : IStreamingModel;
public partial class SensorModel : IStreamingModel;
