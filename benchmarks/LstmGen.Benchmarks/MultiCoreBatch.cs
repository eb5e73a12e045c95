using System;
using System.IO;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

/// <summary>
/// Whether splitting a large batch across the machine's cores pays: the generated batched <c>Forward</c> on all
/// <see cref="Cases.Batch"/> sequences on one thread, against the same sequences cut into
/// <see cref="Environment.ProcessorCount"/> contiguous chunks run with <c>Parallel.For</c>, each chunk one batched
/// <c>Forward</c> on its slice of the input and output. One model instance serves every thread: the generated
/// <c>Forward</c> keeps its state on the stack. Times are per call (all 64 sequences); the report divides by 64.
/// </summary>
[BenchmarkCategory("multicore")]
public class MultiCoreBatch<TCase> where TCase : struct, ILstmCase<TCase>
{
    private TCase _model;
    private float[] _input = null!, _output = null!;
    private int[] _starts = null!;
    private Action<int> _chunk = null!;

    /// <summary>Chunks the batch is cut into: the logical core count, at most the batch.</summary>
    public static int Chunks => Math.Clamp(Environment.ProcessorCount, 1, Cases.Batch);

    [GlobalSetup]
    public void Setup()
    {
        CaseInfo info = TCase.Info;
        _model = TCase.Create(Cases.Weights(info));
        _input = Cases.Input(info, Cases.Batch);
        _output = new float[Cases.Batch * info.OutputSize];
        _starts = new int[Chunks + 1];
        for (int k = 0; k <= Chunks; k++) _starts[k] = k * Cases.Batch / Chunks;
        _chunk = RunChunk;   // one delegate, created once: the timed call allocates only what Parallel.For itself does

        var expected = new float[_output.Length];
        _model.Forward(_input, expected, Cases.Batch);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int calls = 0; (calls < 60 || clock.ElapsedMilliseconds < 400) && clock.ElapsedMilliseconds < 3000; calls++)
        {
            OneThread();
            AllCores();
        }
        Array.Clear(_output);
        AllCores();
        Validation.Require($"{info.Name} batch {Cases.Batch}: {Chunks} chunks on Parallel.For vs one batched call", expected, _output, Validation.PeerTolerance);
    }

    [Benchmark(Baseline = true)] public void OneThread() => _model.Forward(_input, _output, Cases.Batch);

    [Benchmark] public void AllCores() => Parallel.For(0, _starts.Length - 1, _chunk);

    private void RunChunk(int k)
    {
        int first = _starts[k], count = _starts[k + 1] - first;
        int inLen = TCase.Info.SeqLen * TCase.Info.InputSize, outLen = TCase.Info.OutputSize;
        _model.Forward(_input.AsSpan(first * inLen, count * inLen), _output.AsSpan(first * outLen, count * outLen), count);
    }

    /// <summary>For <c>--validate</c>: the split run gives the single call's output; prints what a call allocates.</summary>
    public static void Check(TextWriter log)
    {
        var bench = new MultiCoreBatch<TCase>();
        bench.Setup();   // throws on a mismatch
        long before = GC.GetTotalAllocatedBytes(precise: true);
        const int Calls = 20;
        for (int i = 0; i < Calls; i++) bench.AllCores();
        long perCall = (GC.GetTotalAllocatedBytes(precise: true) - before) / Calls;
        log.WriteLine($"  {TCase.Info.Name,-8} batch {Cases.Batch}: {Chunks} chunks on Parallel.For match one batched call; ~{perCall} B allocated per split call  OK");
    }
}
