using System;
using System.Diagnostics;
using System.IO;
using LstmGen.Benchmarks.Peers;

namespace LstmGen.Benchmarks;

/// <summary>
/// <c>--stopwatch</c>: a plain Stopwatch loop over every case and peer in this process (no BenchmarkDotNet), a
/// cross-check of the suite's numbers in a few seconds. Median of 7 rounds of ~40 ms each.
/// </summary>
public static class StopwatchCheck
{
    public static void RunAll(TextWriter log)
    {
        log.WriteLine("Stopwatch cross-check (ns per sequence, median of 7 rounds):");
        log.WriteLine($"  {"case",-14}{"Generated",12}{"RunTimeSized",14}{"Scalar",12}{"TensorPrim",12}{"ONNX",12}");
        Run<SeedCase>(1, log);
        Run<Audio20Case>(1, log);
        Run<Audio40Case>(1, log);
        Run<SensorCase>(1, log);
        Run<MidCase>(1, log);
        Run<LargeCase>(1, log);
        Run<SeedCase>(Cases.Batch, log);
        Run<SensorCase>(Cases.Batch, log);
    }

    private static void Run<TCase>(int batch, TextWriter log) where TCase : struct, ILstmCase<TCase>
    {
        using var set = new PeerSet<TCase>(batch);
        set.Add("RunTimeSized");
        set.Add("Scalar");
        set.Add("TensorPrimitives");
        set.Add("OnnxRuntime");
        foreach (string peer in new[] { "Generated", "RunTimeSized", "Scalar", "TensorPrimitives", "OnnxRuntime" })
            set.WarmUp(peer);
        float[] x = set.Input, y = set.Output;
        TCase gen = set.Generated;
        LstmModel runTime = set.RunTimeSized!;
        ScalarLstm scalar = set.Scalar!;
        TensorPrimitivesLstm tp = set.TensorPrimitives!;
        OnnxLstm onnx = set.Onnx!;
        double g = batch == 1 ? Time(() => gen.Forward(x, y)) : Time(() => gen.Forward(x, y, batch));
        double m = batch == 1 ? Time(() => runTime.Forward(x, y)) : Time(() => runTime.Forward(x, y, batch));
        double s = batch == 1 ? Time(() => scalar.Forward(x, y)) : Time(() => scalar.Forward(x, y, batch));
        double t = batch == 1 ? Time(() => tp.Forward(x, y)) : Time(() => tp.Forward(x, y, batch));
        double o = Time(onnx.Run);
        string name = batch == 1 ? TCase.Info.Name : $"{TCase.Info.Name} x{batch}";
        log.WriteLine($"  {name,-14}{g / batch,12:N0}{m / batch,14:N0}{s / batch,12:N0}{t / batch,12:N0}{o / batch,12:N0}");
    }

    private static double Time(Action action)
    {
        for (int i = 0; i < 3; i++) action();
        var sw = Stopwatch.StartNew();
        long n = 0;
        while (sw.ElapsedMilliseconds < 40) { action(); n++; }
        long perRound = Math.Max(1, n);
        var rounds = new double[7];
        for (int r = 0; r < rounds.Length; r++)
        {
            sw.Restart();
            for (long i = 0; i < perRound; i++) action();
            rounds[r] = sw.Elapsed.TotalNanoseconds / perRound;
        }
        Array.Sort(rounds);
        return rounds[rounds.Length / 2];
    }
}
