using System;
using BenchmarkDotNet.Attributes;
using LstmGen.Benchmarks.Peers;

namespace LstmGen.Benchmarks;

/// <summary>The peers of one benchmark process, created and checked against the generated model in GlobalSetup.</summary>
public sealed class PeerSet<TCase> : IDisposable where TCase : struct, ILstmCase<TCase>
{
    public PeerSet(int batch)
    {
        Info = TCase.Info;
        Batch = batch;
        Weights = Cases.Weights(Info);
        Input = Cases.Input(Info, batch);
        Output = new float[batch * Info.OutputSize];
        Generated = TCase.Create(Weights);
        Expected = new float[Output.Length];
        Generated.Forward(Input, Expected, batch);
    }

    public CaseInfo Info { get; }
    public int Batch { get; }
    public LstmWeights Weights { get; }
    public float[] Input { get; }
    public float[] Output { get; }
    public float[] Expected { get; }
    public TCase Generated;
    public LstmModel? RunTimeSized;
    public ScalarLstm? Scalar;
    public TensorPrimitivesLstm? TensorPrimitives;
    public OnnxLstm? Onnx;
#if TORCHSHARP
    public TorchSharpLstm? Torch;
#endif

    /// <summary>Creates <paramref name="peer"/>, runs it once and checks it against the generated model; returns the max |diff|.</summary>
    public float Add(string peer)
    {
        float[] actual;
        switch (peer)
        {
            case "Generated":
                actual = new float[Output.Length];
                if (Batch == 1) Generated.Forward(Input, actual); else Generated.Forward(Input, actual, Batch);
                break;
            case "RunTimeSized":
                RunTimeSized = new LstmModel(Weights);
                actual = new float[Output.Length];
                if (Batch == 1) RunTimeSized.Forward(Input, actual); else RunTimeSized.Forward(Input, actual, Batch);
                break;
            case "Scalar":
                Scalar = new ScalarLstm(Weights);
                actual = new float[Output.Length];
                if (Batch == 1) Scalar.Forward(Input, actual); else Scalar.Forward(Input, actual, Batch);
                break;
            case "TensorPrimitives":
                TensorPrimitives = new TensorPrimitivesLstm(Weights);
                actual = new float[Output.Length];
                if (Batch == 1) TensorPrimitives.Forward(Input, actual); else TensorPrimitives.Forward(Input, actual, Batch);
                break;
            case "OnnxRuntime":
                Onnx = new OnnxLstm(Weights, Info.SeqLen, Batch);
                Input.CopyTo(Onnx.Input, 0);
                Onnx.Run();
                actual = Onnx.Output;
                break;
#if TORCHSHARP
            case "TorchSharp":
                if (!TorchSharpLstm.TryLoad(out string error))
                    throw new InvalidOperationException("TorchSharp cannot load libtorch: " + error);
                Torch = new TorchSharpLstm(Weights, Info.SeqLen, Batch, Input);
                Torch.Run();
                actual = Torch.Output;
                break;
#endif
            default:
                throw new ArgumentException($"unknown peer {peer}", nameof(peer));
        }
        float diff = Validation.Require($"{peer} vs generated, {Info.Name}, batch {Batch}", Expected, actual, Validation.PeerTolerance);
        return diff;
    }

    /// <summary>
    /// Runs <paramref name="peer"/> until tiered compilation has had its chance (at least 60 calls and 400 ms, at most
    /// 3 s), so that even a short job measures optimized code, then checks its output again.
    /// </summary>
    public void WarmUp(string peer)
    {
        Action run = peer switch
        {
            "Generated" when Batch == 1 => () => Generated.Forward(Input, Output),
            "Generated" => () => Generated.Forward(Input, Output, Batch),
            "RunTimeSized" when Batch == 1 => () => RunTimeSized!.Forward(Input, Output),
            "RunTimeSized" => () => RunTimeSized!.Forward(Input, Output, Batch),
            "Scalar" when Batch == 1 => () => Scalar!.Forward(Input, Output),
            "Scalar" => () => Scalar!.Forward(Input, Output, Batch),
            "TensorPrimitives" when Batch == 1 => () => TensorPrimitives!.Forward(Input, Output),
            "TensorPrimitives" => () => TensorPrimitives!.Forward(Input, Output, Batch),
            "OnnxRuntime" => () => { Onnx!.Run(); Onnx.Output.CopyTo(Output, 0); },
#if TORCHSHARP
            "TorchSharp" => () => { Torch!.Run(); Torch.Output.CopyTo(Output, 0); },
#endif
            _ => throw new ArgumentException($"unknown peer {peer}", nameof(peer)),
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int calls = 0; (calls < 60 || clock.ElapsedMilliseconds < 400) && clock.ElapsedMilliseconds < 3000; calls++)
            run();
        Array.Clear(Output);
        run();
        Validation.Require($"{peer} vs generated after warm-up, {Info.Name}, batch {Batch}", Expected, Output, Validation.PeerTolerance);
    }

    public void Dispose()
    {
        Onnx?.Dispose();
#if TORCHSHARP
        Torch?.Dispose();
#endif
    }
}

/// <summary>One sequence per call (batch 1): ns per sequence.</summary>
[BenchmarkCategory("single")]
public class SingleSequence<TCase> where TCase : struct, ILstmCase<TCase>
{
    private PeerSet<TCase> _p = null!;
    private TCase _generated;
    private LstmModel _runTime = null!;
    private ScalarLstm _scalar = null!;
    private TensorPrimitivesLstm _tp = null!;
    private OnnxLstm _onnx = null!;
    private float[] _input = null!, _output = null!;
#if TORCHSHARP
    private TorchSharpLstm _torch = null!;
#endif

    private void Setup(string peer)
    {
        _p = new PeerSet<TCase>(batch: 1);
        _p.Add(peer);
        _p.WarmUp(peer);
        (_generated, _input, _output) = (_p.Generated, _p.Input, _p.Output);
        _runTime = _p.RunTimeSized!;
        _scalar = _p.Scalar!;
        _tp = _p.TensorPrimitives!;
        _onnx = _p.Onnx!;
#if TORCHSHARP
        _torch = _p.Torch!;
#endif
    }

    [GlobalSetup(Target = nameof(Generated))] public void SetupGenerated() => Setup(nameof(Generated));
    [GlobalSetup(Target = nameof(RunTimeSized))] public void SetupRunTimeSized() => Setup(nameof(RunTimeSized));
    [GlobalSetup(Target = nameof(Scalar))] public void SetupScalar() => Setup(nameof(Scalar));
    [GlobalSetup(Target = nameof(TensorPrimitives))] public void SetupTensorPrimitives() => Setup(nameof(TensorPrimitives));
    [GlobalSetup(Target = nameof(OnnxRuntime))] public void SetupOnnx() => Setup(nameof(OnnxRuntime));
    [GlobalCleanup] public void Cleanup() => _p?.Dispose();

    [Benchmark(Baseline = true)] public void Generated() => _generated.Forward(_input, _output);
    [Benchmark] public void RunTimeSized() => _runTime.Forward(_input, _output);
    [Benchmark] public void Scalar() => _scalar.Forward(_input, _output);
    [Benchmark] public void TensorPrimitives() => _tp.Forward(_input, _output);
    [Benchmark] public void OnnxRuntime() => _onnx.Run();
#if TORCHSHARP
    [GlobalSetup(Target = nameof(TorchSharp))] public void SetupTorch() => Setup(nameof(TorchSharp));
    [Benchmark] public void TorchSharp() => _torch.Run();
#endif
}

/// <summary>64 sequences per call, each peer on its natural batched path: ns per sequence (amortized).</summary>
[BenchmarkCategory("batch64")]
public class Batch64<TCase> where TCase : struct, ILstmCase<TCase>
{
    private PeerSet<TCase> _p = null!;
    private TCase _generated;
    private LstmModel _runTime = null!;
    private ScalarLstm _scalar = null!;
    private TensorPrimitivesLstm _tp = null!;
    private OnnxLstm _onnx = null!;
    private float[] _input = null!, _output = null!;
#if TORCHSHARP
    private TorchSharpLstm _torch = null!;
#endif

    private void Setup(string peer)
    {
        _p = new PeerSet<TCase>(batch: Cases.Batch);
        _p.Add(peer);
        _p.WarmUp(peer);
        (_generated, _input, _output) = (_p.Generated, _p.Input, _p.Output);
        _runTime = _p.RunTimeSized!;
        _scalar = _p.Scalar!;
        _tp = _p.TensorPrimitives!;
        _onnx = _p.Onnx!;
#if TORCHSHARP
        _torch = _p.Torch!;
#endif
    }

    [GlobalSetup(Target = nameof(Generated))] public void SetupGenerated() => Setup(nameof(Generated));
    [GlobalSetup(Target = nameof(RunTimeSized))] public void SetupRunTimeSized() => Setup(nameof(RunTimeSized));
    [GlobalSetup(Target = nameof(Scalar))] public void SetupScalar() => Setup(nameof(Scalar));
    [GlobalSetup(Target = nameof(TensorPrimitives))] public void SetupTensorPrimitives() => Setup(nameof(TensorPrimitives));
    [GlobalSetup(Target = nameof(OnnxRuntime))] public void SetupOnnx() => Setup(nameof(OnnxRuntime));
    [GlobalCleanup] public void Cleanup() => _p?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Cases.Batch)] public void Generated() => _generated.Forward(_input, _output, Cases.Batch);
    [Benchmark(OperationsPerInvoke = Cases.Batch)] public void RunTimeSized() => _runTime.Forward(_input, _output, Cases.Batch);
    [Benchmark(OperationsPerInvoke = Cases.Batch)] public void Scalar() => _scalar.Forward(_input, _output, Cases.Batch);
    [Benchmark(OperationsPerInvoke = Cases.Batch)] public void TensorPrimitives() => _tp.Forward(_input, _output, Cases.Batch);
    [Benchmark(OperationsPerInvoke = Cases.Batch)] public void OnnxRuntime() => _onnx.Run();
#if TORCHSHARP
    [GlobalSetup(Target = nameof(TorchSharp))] public void SetupTorch() => Setup(nameof(TorchSharp));
    [Benchmark(OperationsPerInvoke = Cases.Batch)] public void TorchSharp() => _torch.Run();
#endif
}
