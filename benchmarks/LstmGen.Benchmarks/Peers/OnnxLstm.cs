using System;
using LstmGen;
using Microsoft.ML.OnnxRuntime;

namespace LstmGen.Benchmarks.Peers;

/// <summary>
/// ONNX Runtime (CPU execution provider, one intra-op and one inter-op thread) running the model that
/// <see cref="OnnxModelBuilder"/> writes. Input and output are OrtValues over pinned arrays, bound once with an
/// IoBinding, so a timed <see cref="Run"/> allocates no tensors.
/// </summary>
public sealed class OnnxLstm : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _inputValue, _outputValue;
    private readonly OrtIoBinding _binding;

    public OnnxLstm(LstmWeights weights, int seqLen, int batch)
    {
        Input = new float[batch * seqLen * weights.InputSize];
        Output = new float[batch * weights.OutputSize];
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(OnnxModelBuilder.Build(weights, seqLen, batch), options);
        _inputValue = OrtValue.CreateTensorValueFromMemory(Input, [batch, seqLen, weights.InputSize]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(Output, [batch, weights.OutputSize]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(OnnxModelBuilder.InputName, _inputValue);
        _binding.BindOutput(OnnxModelBuilder.OutputName, _outputValue);
    }

    /// <summary>The bound input, [B, T, I]: write the sequences here before <see cref="Run"/>.</summary>
    public float[] Input { get; }

    /// <summary>The bound output, [B, O].</summary>
    public float[] Output { get; }

    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    /// <summary>Copies <paramref name="input"/> in, runs, copies the result out (for validation, not timing).</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        input.CopyTo(Input);
        Run();
        Output.CopyTo(output);
    }

    public void Dispose()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
