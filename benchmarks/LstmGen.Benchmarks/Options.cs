using System;
using System.Linq;
using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

// The seed and sensor shapes again, with PyTorch's options (issue #13): bidirectional, read out from the final states
// (both directions over the whole sequence) or from the last step (the backward direction's first step only), and
// projected to half the units; and batches laid out time-major (PyTorch's default batch_first=False).
[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: 7, Bidirectional = true, Readout = Readout.FinalState)] public partial class SeedBidirectionalModel : IOptionModel;
[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: 7, Bidirectional = true)] public partial class SeedBidirectionalLastStepModel : IOptionModel;
[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: 7, ProjSize = 4)] public partial class SeedProjectedModel : IOptionModel;
[Lstm(inputSize: 16, hiddenSize: 64, outputSize: 4, seqLen: 50, Bidirectional = true, Readout = Readout.FinalState)] public partial class SensorBidirectionalModel : IOptionModel;
[Lstm(inputSize: 16, hiddenSize: 64, outputSize: 4, seqLen: 50, Bidirectional = true)] public partial class SensorBidirectionalLastStepModel : IOptionModel;
[Lstm(inputSize: 16, hiddenSize: 64, outputSize: 4, seqLen: 50, ProjSize = 32)] public partial class SensorProjectedModel : IOptionModel;
[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: 7, BatchFirst = false)] public partial class SeedTimeMajorModel : IOptionModel;
[Lstm(inputSize: 16, hiddenSize: 64, outputSize: 4, seqLen: 50, BatchFirst = false)] public partial class SensorTimeMajorModel : IOptionModel;
public partial class SeedModel : IOptionModel;
public partial class SensorModel : IOptionModel;

/// <summary>What the options benchmark calls on a generated model; the generated members satisfy it.</summary>
public interface IOptionModel
{
    void InitializeWeights(int seed);
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);
    void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize, Span<float> h, Span<float> c);
}

/// <summary>
/// What PyTorch's options cost on a generated model, against the unidirectional model of the same sizes in the same run:
/// a bidirectional model read out from its final states (two independent chains over the whole sequence, interleaved)
/// and from its last step (where the backward direction runs one step), one projected to half its hidden units (a smaller W_hh
/// and h, plus the W_hr product); against a batch of Cases.Batch sequences, the same batch padded, its sequences' lengths
/// alternating T and T / 2 (it should cost what its valid steps cost: seed's lane groups and sensor's blocks take them
/// longest first), the same batch from given states (chunked streams: each call continues from the last one's final
/// states), and laid out time-major (read in place by seed's lane groups, run as a batch-first copy at sensor's size).
/// </summary>
[BenchmarkCategory("options")]
public class Options
{
    private Action _unidirectional = null!, _bidirectional = null!, _bidirectionalLastStep = null!, _projected = null!;
    private Action _batch = null!, _padded = null!, _fromStates = null!, _timeMajor = null!;

    [Params("seed", "sensor")] public string Case { get; set; } = "seed";

    [GlobalSetup]
    public void Setup()
    {
        CaseInfo info = Case == "seed" ? SeedCase.Info : SensorCase.Info;
        float[] one = Cases.Input(info, 1);
        var output = new float[info.OutputSize];
        (IOptionModel unidirectional, IOptionModel bidirectional, IOptionModel bidirectionalLastStep, IOptionModel projected) = Case == "seed"
            ? (Create<SeedModel>(), Create<SeedBidirectionalModel>(), Create<SeedBidirectionalLastStepModel>(), Create<SeedProjectedModel>())
            : (Create<SensorModel>(), Create<SensorBidirectionalModel>(), Create<SensorBidirectionalLastStepModel>(), Create<SensorProjectedModel>());
        _unidirectional = () => unidirectional.Forward(one, output);
        _bidirectional = () => bidirectional.Forward(one, output);
        _bidirectionalLastStep = () => bidirectionalLastStep.Forward(one, output);
        _projected = () => projected.Forward(one, output);

        // The same batch: [batch, T, I], padded, and [T, batch, I].
        float[] batch = Cases.Input(info, Cases.Batch), timeMajor = new float[batch.Length];
        int[] lengths = [.. Enumerable.Range(0, Cases.Batch).Select(b => b % 2 == 0 ? info.SeqLen : info.SeqLen / 2)];
        for (int b = 0; b < Cases.Batch; b++)
            for (int t = 0; t < info.SeqLen; t++)
                batch.AsSpan((b * info.SeqLen + t) * info.InputSize, info.InputSize).CopyTo(timeMajor.AsSpan((t * Cases.Batch + b) * info.InputSize));
        var outputs = new float[Cases.Batch * info.OutputSize];
        IOptionModel timeMajorModel = Case == "seed" ? Create<SeedTimeMajorModel>() : Create<SensorTimeMajorModel>();
        _batch = () => unidirectional.Forward(batch, outputs, Cases.Batch);
        _padded = () => unidirectional.Forward(batch, outputs, lengths);
        float[] h = new float[Cases.Batch * info.HiddenSize], c = new float[Cases.Batch * info.HiddenSize];
        _fromStates = () => unidirectional.Forward(batch, outputs, Cases.Batch, h, c);
        _timeMajor = () => timeMajorModel.Forward(timeMajor, outputs, Cases.Batch);
    }

    private static IOptionModel Create<T>() where T : IOptionModel, new()
    {
        var model = new T();
        model.InitializeWeights(Cases.Seed);
        return model;
    }

    [Benchmark(Baseline = true)] public void Unidirectional() => _unidirectional();

    [Benchmark] public void Bidirectional() => _bidirectional();

    [Benchmark] public void BidirectionalLastStep() => _bidirectionalLastStep();

    [Benchmark] public void Projected() => _projected();

    [Benchmark] public void Batch() => _batch();

    [Benchmark] public void PaddedBatch() => _padded();

    [Benchmark] public void BatchFromStates() => _fromStates();

    [Benchmark] public void TimeMajorBatch() => _timeMajor();
}
