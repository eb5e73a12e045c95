using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace LstmGen.Benchmarks;

/// <summary>One measured benchmark: per sequence (batched benchmarks divide by the batch).</summary>
public sealed record ResultRow(string Case, string Shape, int Batch, string Method, double MedianNs, double MeanNs,
    double StdDevNs, long? AllocatedBytesPerSequence, double FlopsPerSequence, int SeqLen);

/// <summary>
/// A measured benchmark that is not a model case: <c>GeneratorCost</c> (Parameter = model), <c>ReadBandwidth</c> (KB),
/// <c>FmaPeak</c> (lanes; ns per vector multiply-add), <c>TanhLatency</c> (lanes; ns per dependent tanh), <c>CellThroughput</c>
/// (lanes; ns per vector of cell updates), <c>Denormals</c> (normal / subnormal) or <c>MultiCoreBatch</c> (Parameter = case, Method = OneThread / AllCores; per call).
/// </summary>
/// <remarks><see cref="Method"/> is absent (null) in results saved before it existed.</remarks>
public sealed record AuxRow(string Benchmark, string Parameter, double MedianNs, double MeanNs, double StdDevNs, long? AllocatedBytes,
    string? Method = null);

/// <summary>What the generator writes for one attribute (UTF-8 bytes of all generated files).</summary>
public sealed record GeneratorFacts(string Model, string Attribute, long SourceBytes, int Files);

/// <summary>A generated model's packed weights: total floats, the head's floats, and the bytes read per time step.</summary>
/// <param name="BytesPerStep">The packed weights without the head: what a step-by-step kernel reads per step.</param>
/// <param name="PrecomputedSteps">The steps for which the generated <c>Forward</c> precomputes layer 0's input part ahead (1: none).</param>
/// <param name="InputBytes">Layer 0's packed W_ih, which a precomputing <c>Forward</c> reads once per <paramref name="PrecomputedSteps"/>.</param>
public sealed record WeightFacts(string Case, int PackedFloats, int HeadFloats, long BytesPerStep, int PrecomputedSteps = 1, long InputBytes = 0)
{
    /// <summary>The bytes of weights the generated <c>Forward</c> reads per step, on average over a sequence.</summary>
    public long GeneratedBytesPerStep => BytesPerStep - InputBytes + InputBytes / Math.Max(PrecomputedSteps, 1);
}

/// <summary>A run's results and environment, saved as JSON so <c>--report</c> can redraw the page.</summary>
/// <remarks>The optional ones are absent (null) in results saved before they existed.</remarks>
public sealed record SuiteResults(string Mode, string JobDescription, DateTime StartedUtc, double ElapsedMinutes,
    List<string> Environment, string VectorIsa, string TorchSharpStatus, List<ResultRow> Rows, List<string> Failed,
    List<AuxRow>? Aux = null, List<GeneratorFacts>? Generator = null, List<WeightFacts>? Weights = null, List<string>? Caches = null,
    List<DenormalFacts>? Denormals = null, int? ProcessorCount = null)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static SuiteResults From(IEnumerable<Summary> summaries, string mode, Job job, TimeSpan elapsed, string torchSharpStatus,
        List<GeneratorFacts> generator, List<WeightFacts> weights, List<string> caches, List<DenormalFacts>? denormals = null)
    {
        var rows = new List<ResultRow>();
        var aux = new List<AuxRow>();
        var failed = new List<string>();
        var env = new List<string>();
        foreach (Summary summary in summaries)
        {
            if (env.Count == 0)
            {
                env.AddRange(summary.HostEnvironmentInfo.ToFormattedString());
                env.AddRange(summary.AllRuntimes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()));
            }
            foreach (BenchmarkReport report in summary.Reports)
            {
                Type type = report.BenchmarkCase.Descriptor.Type;
                if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(MultiCoreBatch<>))
                {
                    CaseInfo split = Cases.InfoOf(type);
                    string how = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                    if (report.ResultStatistics is not { } splitStats)
                    {
                        failed.Add($"{split.Name} batch {Cases.Batch} {how} (multi-core)");
                        continue;
                    }
                    aux.Add(new AuxRow(nameof(MultiCoreBatch<SensorCase>), split.Name, splitStats.Median, splitStats.Mean, splitStats.StandardDeviation,
                        report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase), how));
                    continue;
                }
                if (!type.IsGenericType)
                {
                    // GeneratorCost, ReadBandwidth, FmaPeak, TanhLatency, CellThroughput or Denormals: one parameter each.
                    string parameter = report.BenchmarkCase.Parameters.Items.Count > 0
                        ? Convert.ToString(report.BenchmarkCase.Parameters.Items[0].Value, CultureInfo.InvariantCulture) ?? "" : "";
                    if (report.ResultStatistics is not { } auxStats)
                    {
                        failed.Add($"{type.Name} {parameter}");
                        continue;
                    }
                    aux.Add(new AuxRow(type.Name, parameter, auxStats.Median, auxStats.Mean, auxStats.StandardDeviation,
                        report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase), report.BenchmarkCase.Descriptor.WorkloadMethod.Name));
                    continue;
                }
                CaseInfo info = Cases.InfoOf(type);
                int batch = type.GetGenericTypeDefinition() == typeof(Batch64<>) ? Cases.Batch : 1;
                string method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                if (report.ResultStatistics is not { } stats)
                {
                    failed.Add($"{info.Name} batch {batch} {method}");
                    continue;
                }
                rows.Add(new ResultRow(info.Name, info.Shape, batch, method, stats.Median, stats.Mean, stats.StandardDeviation,
                    report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase), info.FlopsPerSequence, info.SeqLen));
            }
        }
        string jobText = $"{job.Id}: {job.Run.LaunchCount} launch, {job.Run.WarmupCount} warmup + {job.Run.IterationCount} measured iterations of ~{job.Run.IterationTime.ToMilliseconds():F0} ms";
        return new SuiteResults(mode, jobText, DateTime.UtcNow - elapsed, elapsed.TotalMinutes, env, MachineInfo.VectorIsa(), torchSharpStatus, rows, failed,
            aux, generator, weights, caches, denormals, System.Environment.ProcessorCount);
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static SuiteResults Load(string path) =>
        JsonSerializer.Deserialize<SuiteResults>(File.ReadAllText(path), Json) ?? throw new InvalidDataException(path);
}

public static class MachineInfo
{
    public static string VectorIsa()
    {
        var isa = new List<string>();
        if (Avx512F.IsSupported) isa.Add("AVX-512F");
        if (Avx512BW.IsSupported) isa.Add("AVX-512BW");
        if (Avx512DQ.IsSupported) isa.Add("AVX-512DQ");
        if (Avx512Vbmi.IsSupported) isa.Add("AVX-512VBMI");
        if (Avx2.IsSupported) isa.Add("AVX2");
        if (Fma.IsSupported) isa.Add("FMA");
        if (AvxVnni.IsSupported) isa.Add("AVX-VNNI");
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) isa.Add("AdvSimd");
        string widest = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256"
            : Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";
        return $"widest accelerated vector: {widest} (the generated kernel's path); Vector<float>: {System.Numerics.Vector<float>.Count} lanes; ISA: {string.Join(", ", isa)}";
    }
}

/// <summary>
/// Writes docs/benchmarks.md (environment, targets, an at-a-glance text chart of ratios, a table per case, the other
/// measurements) and beside it docs/benchmarks.svg (<see cref="Chart"/>), from the same results.
/// </summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly (string Method, string Label)[] Methods =
    [
        ("Generated", "LstmGen (generated)"),
        ("RunTimeSized", "LstmGen run-time-sized"),
        ("Scalar", "Scalar C#"),
        ("TensorPrimitives", "TensorPrimitives"),
        ("OnnxRuntime", "ONNX Runtime"),
        ("TorchSharp", "TorchSharp"),
    ];

    private static string Label(string method) => Methods.FirstOrDefault(m => m.Method == method).Label ?? method;

    public static void Write(SuiteResults r, string path)
    {
        var groups = r.Rows
            .GroupBy(x => (x.Case, x.Batch))
            .OrderBy(g => g.Key.Batch)
            .ThenBy(g => Array.IndexOf(Cases.All.Select(c => c.Name).ToArray(), g.Key.Case))
            .ToList();

        var md = new StringBuilder();
        md.AppendLine("# Benchmarks");
        md.AppendLine();
        md.AppendLine("<!-- Generated by benchmarks/run.sh (LstmGen.Benchmarks); do not edit by hand. -->");
        md.AppendLine();
        AppendTargets(md, r);
        md.AppendLine($"The generated `Forward` against the ways a C# program can run the same `nn.LSTM(I, H, batch_first=True)` + " +
                      "`nn.Linear(H, O)` model, on the same weights and inputs, one thread. Every peer was checked against the " +
                      $"generated model (max |diff| ≤ {Validation.PeerTolerance:0e0}, random weights, every case) and ONNX Runtime " +
                      $"also against libtorch's golden output (≤ {Validation.GoldenTolerance:0e0}) before anything was timed.");
        md.AppendLine();
        md.AppendLine("- **LstmGen (generated)**: `model.Forward(input, output)` of an `[Lstm(I, H, O, T)]` class (batch 64: the batched overload).");
        md.AppendLine("- **LstmGen run-time-sized**: `LstmModel` created from the same `LstmWeights` (sizes as run-time values, " +
                      "same packed layout and vector kernel family); batch 64: its batched `Forward`, which runs the sequences one after another.");
        md.AppendLine("- **Scalar C#**: float loops, `MathF.Exp`/`MathF.Tanh`, sizes known at run time, buffers allocated once.");
        md.AppendLine("- **TensorPrimitives**: System.Numerics.Tensors 10.0 — `TensorPrimitives.Dot` per gate row, vectorized `Sigmoid`/`Tanh`/cell update.");
        md.AppendLine("- **ONNX Runtime**: Microsoft.ML.OnnxRuntime 1.31.1, CPU provider, `IntraOpNumThreads = InterOpNumThreads = 1`, " +
                      "all graph optimizations, input/output OrtValues bound once (IoBinding); the model (Transpose → LSTM → Squeeze → Gemm, " +
                      "opset 14) is written in C# by `OnnxModelBuilder`. Batch 64 runs as one `[64, T, I]` call.");
        md.AppendLine("- **TorchSharp**: " + r.TorchSharpStatus);
        md.AppendLine();
        md.AppendLine($"Run: {r.Mode} mode ({r.JobDescription}), started {r.StartedUtc:yyyy-MM-dd HH:mm} UTC, " +
                      $"{r.ElapsedMinutes.ToString("F1", Inv)} min. Times are BenchmarkDotNet medians, **ns per sequence** " +
                      "(batched rows: per call ÷ 64). Ratio = peer ÷ generated (> 1: the generated code is faster). " +
                      "Allocated = managed bytes per sequence (MemoryDiagnoser; native allocations are not seen). " +
                      "± = standard deviation of the measured iterations, in % of their mean (a few % or more: something else was using the CPU; rerun). GFLOP/s counts T·2·4H·(I+H) + 2·H·O FLOPs per sequence.");
        md.AppendLine();

        md.AppendLine("## Machine");
        md.AppendLine();
        md.AppendLine("```text");
        foreach (string line in r.Environment) md.AppendLine(line);
        md.AppendLine(r.VectorIsa);
        md.AppendLine("```");
        md.AppendLine();

        md.AppendLine("## At a glance");
        md.AppendLine();
        string chart = Path.ChangeExtension(path, ".svg");
        md.AppendLine($"![Median time per sequence of every method on every case, log scale]({Path.GetFileName(chart)})");
        md.AppendLine();
        md.AppendLine("How many times slower each peer is than the generated code (log scale, 3 characters per doubling; " +
                      "a bar to the left of `|`: the peer is faster than the generated code).");
        md.AppendLine();
        md.AppendLine("```text");
        AppendChart(md, groups);
        md.AppendLine("```");
        md.AppendLine();

        md.AppendLine("## Per case");
        foreach (var g in groups)
        {
            ResultRow first = g.First();
            bool audio = first.SeqLen >= 1000;
            md.AppendLine();
            md.AppendLine($"### {first.Case}{(g.Key.Batch > 1 ? $", batch {g.Key.Batch}" : "")} ({first.Shape})");
            md.AppendLine();
            md.Append("| method | median ns/seq | ± |");
            if (audio) md.Append(" ns/step |");
            md.AppendLine(" ratio | allocated B/seq | GFLOP/s |");
            md.Append("| --- | ---: | ---: |");
            if (audio) md.Append(" ---: |");
            md.AppendLine(" ---: | ---: | ---: |");
            ResultRow? gen = g.FirstOrDefault(x => x.Method == "Generated");
            foreach (ResultRow row in Ordered(g))
            {
                string name = row.Method == "Generated" ? $"**{Label(row.Method)}**" : Label(row.Method);
                md.Append($"| {name} | {Ns(row.MedianNs)} | {(row.StdDevNs / row.MeanNs * 100).ToString("F1", Inv)}% |");
                if (audio) md.Append($" {Ns(row.MedianNs / row.SeqLen)} |");
                string ratio = gen is null ? "–" : (row.MedianNs / gen.MedianNs).ToString(row.MedianNs / gen.MedianNs >= 10 ? "F0" : "F2", Inv) + "×";
                string alloc = row.AllocatedBytesPerSequence is { } b ? b.ToString("N0", Inv) : "?";
                string gflops = (row.FlopsPerSequence / row.MedianNs).ToString("F2", Inv);
                md.AppendLine($" {ratio} | {alloc} | {gflops} |");
            }
        }
        AppendWeightStreaming(md, r);
        AppendFmaPeak(md, r);
        AppendGenerator(md, r);
        AppendStreaming(md, r);
        AppendOptions(md, r);
        AppendGru(md, r);
        AppendWeightPrecision(md, r);
        AppendDenormals(md, r);
        AppendMultiCore(md, r);
        if (r.Failed.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Failed benchmarks");
            md.AppendLine();
            foreach (string f in r.Failed) md.AppendLine($"- {f}");
        }
        md.AppendLine();
        md.AppendLine("Reproduce: `benchmarks/run.sh` (full, about 15 minutes on 2 cores) or `benchmarks/run.sh --quick` (smoke test).");

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, md.ToString());
        if (r.Rows.Count == 0) return; // a filtered run of extra measurements only: no case to chart
        Chart.Write([.. r.Rows.Select(x => new ChartBar(x.Case, x.Batch, x.Method, x.MedianNs))],
            Chart.Caption(r.Mode, r.StartedUtc.ToString("yyyy-MM-dd HH:mm", Inv), r.Environment), chart);
    }

    private static IEnumerable<ResultRow> Ordered(IEnumerable<ResultRow> rows) =>
        rows.OrderBy(x => Array.FindIndex(Methods, m => m.Method == x.Method));

    private static void AppendChart(StringBuilder md, List<IGrouping<(string Case, int Batch), ResultRow>> groups)
    {
        const int PerDoubling = 3, Left = 9;
        foreach (var g in groups)
        {
            ResultRow? gen = g.FirstOrDefault(x => x.Method == "Generated");
            if (gen is null) continue;
            string title = g.Key.Batch > 1 ? $"{g.Key.Case} ×{g.Key.Batch}" : g.Key.Case;
            md.AppendLine($"{title,-12} generated: {Ns(gen.MedianNs)} ns/seq");
            foreach (ResultRow row in Ordered(g).Where(x => x.Method != "Generated"))
            {
                double ratio = row.MedianNs / gen.MedianNs;
                int n = (int)Math.Round(Math.Log2(ratio) * PerDoubling);
                string left = n < 0 ? new string('█', Math.Min(-n, Left)).PadLeft(Left) : new string(' ', Left);
                string right = n > 0 ? new string('█', n) : "";
                string text = ratio >= 10 ? ratio.ToString("F0", Inv) : ratio.ToString("F2", Inv);
                md.AppendLine($"  {Label(row.Method),-23}{left}|{right} {text}×");
            }
            md.AppendLine();
        }
    }

    // ---- Targets, weight streaming, generator ----

    private static ResultRow? Row(SuiteResults r, string caseName, int batch, string method) =>
        r.Rows.FirstOrDefault(x => x.Case == caseName && x.Batch == batch && x.Method == method);

    private static AuxRow? Aux(SuiteResults r, string benchmark, string parameter) =>
        r.Aux?.FirstOrDefault(x => x.Benchmark == benchmark && x.Parameter == parameter);

    /// <summary>The L2 (512 KB) and L3 (1.5 MB) read bandwidth in GB/s, if measured.</summary>
    private static (double? L2, double? L3) Bandwidth(SuiteResults r)
    {
        static double? GBps(AuxRow? row, int kb) => row is null ? null : kb * 1024.0 / row.MedianNs;
        return (GBps(Aux(r, nameof(ReadBandwidth), "512"), 512), GBps(Aux(r, nameof(ReadBandwidth), "1536"), 1536));
    }

    /// <summary>This core's fp32 peak in lane multiply-adds per ns (G/s): lanes ÷ ns per vector multiply-add, if measured.</summary>
    private static double? FmaPerNs(SuiteResults r) =>
        r.Aux?.FirstOrDefault(x => x.Benchmark == nameof(FmaPeak)) is { } row ? int.Parse(row.Parameter, Inv) / row.MedianNs : null;

    /// <summary>ns per dependent vector tanh (<see cref="TanhLatency"/>), if measured.</summary>
    private static double? TanhLatencyNs(SuiteResults r) => r.Aux?.FirstOrDefault(x => x.Benchmark == nameof(TanhLatency))?.MedianNs;

    /// <summary>ns per sequence that a case's multiply-adds alone take at the measured peak, if measured.</summary>
    private static double? FmaFloorNs(SuiteResults r, string caseName, int gates) =>
        FmaPerNs(r) is { } peak ? Cases.All.First(c => c.Name == caseName).MultiplyAddsPerSequence(gates) / peak : null;

    /// <summary>ns per sequence of an LSTM case's cell updates (T · H ÷ lanes vectors) at <see cref="CellThroughput"/>'s rate, if measured.</summary>
    private static double? CellUpdatesNs(SuiteResults r, CaseInfo info) =>
        r.Aux?.FirstOrDefault(x => x.Benchmark == nameof(CellThroughput)) is { } row
            ? (double)info.SeqLen * info.HiddenSize / int.Parse(row.Parameter, Inv) * row.MedianNs : null;

    /// <summary>Achieved weight bandwidth of a peer on a case (bytes of weights per step ÷ ns per step), GB/s.</summary>
    private static double? Achieved(SuiteResults r, string caseName, string method)
    {
        WeightFacts? w = r.Weights?.FirstOrDefault(x => x.Case == caseName);
        ResultRow? row = Row(r, caseName, 1, method);
        long bytes = method == "Generated" ? w?.GeneratedBytesPerStep ?? 0 : w?.BytesPerStep ?? 0;
        return w is null || row is null ? null : bytes / (row.MedianNs / row.SeqLen);
    }

    /// <summary>Size of a cache level from sysfs ("L2 1024K" → bytes), if known.</summary>
    private static long? CacheBytes(SuiteResults r, string level)
    {
        string? entry = r.Caches?.FirstOrDefault(c => c.StartsWith(level + " ", StringComparison.Ordinal));
        if (entry is null) return null;
        string size = entry[(level.Length + 1)..].Trim();
        long scale = size.EndsWith('K') ? 1024 : size.EndsWith('M') ? 1024 * 1024 : 1;
        return long.TryParse(size.TrimEnd('K', 'M'), NumberStyles.Integer, Inv, out long n) ? n * scale : null;
    }

    private static string Times(double ratio) => ratio.ToString(ratio >= 10 ? "F0" : "F2", Inv) + "×";
    private static string Kb(long bytes) => (bytes / 1024.0).ToString(bytes >= 100 * 1024 ? "N0" : "F1", Inv) + " KB";
    private static string Gbps(double v) => v.ToString("F0", Inv) + " GB/s";
    private static string Ms(double ns) => (ns / 1e6).ToString(ns >= 1e7 ? "F1" : "F2", Inv) + " ms";

    private static void AppendTargets(StringBuilder md, SuiteResults r)
    {
        var rows = new List<(bool? Met, string Target, string Measured)>();
        var notes = new List<string>();

        void Speedup(string caseName, double aim, bool perStep)
        {
            ResultRow? gen = Row(r, caseName, 1, "Generated"), scalar = Row(r, caseName, 1, "Scalar");
            string target = $"{caseName}: ≥ {aim:0}× plain scalar C#{(perStep ? " per step" : "")}";
            if (gen is null || scalar is null)
            {
                rows.Add((null, target, "not measured in this run"));
                return;
            }
            double ratio = scalar.MedianNs / gen.MedianNs;
            string numbers = perStep
                ? $"{Ns(scalar.MedianNs / scalar.SeqLen)} vs {Ns(gen.MedianNs / gen.SeqLen)} ns/step"
                : $"{Ns(scalar.MedianNs)} vs {Ns(gen.MedianNs)} ns/seq";
            bool met = ratio >= aim;
            rows.Add((met, target, $"{Times(ratio)} ({numbers})"));
            // Evident from the data: the batched path runs the same sequences much faster, so batch 1 waits on
            // something other than arithmetic: weights beyond L1 come from cache at every step (a batch's block of
            // sequences shares each load), smaller models wait on the step-to-step dependency.
            ResultRow? gen64 = Row(r, caseName, Cases.Batch, "Generated");
            if (!met && gen64 is not null && gen.MedianNs / gen64.MedianNs >= 1.5)
            {
                long? weightBytes = r.Weights?.FirstOrDefault(x => x.Case == caseName)?.GeneratedBytesPerStep;
                string cause = weightBytes is { } bytes && CacheBytes(r, "L1d") is { } l1 && bytes > l1
                    ? $"streams its {Kb(bytes)} of weights per step from cache, where the batch's blocks load each weight once for several sequences"
                    : "is latency-bound (each step waits for the previous h), not compute-bound";
                notes.Add($"{caseName}: the generated batch-{Cases.Batch} path takes {Ns(gen64.MedianNs)} ns per sequence against " +
                          $"{Ns(gen.MedianNs)} at batch 1 ({Times(gen.MedianNs / gen64.MedianNs)}): one sequence alone {cause}.");
            }
        }

        Speedup("seed", 20, false);
        Speedup("audio20", 30, true);
        Speedup("audio40", 50, true);
        Speedup("sensor", 35, false);
        Speedup("mid", 25, false);
        Speedup("large", 22, false);

        // large: faster than every peer.
        ResultRow? largeGen = Row(r, "large", 1, "Generated");
        var largePeers = r.Rows.Where(x => x.Case == "large" && x.Batch == 1 && x.Method != "Generated").ToList();
        if (largeGen is null || largePeers.Count == 0)
            rows.Add((null, "large: faster than every peer", "not measured in this run"));
        else
        {
            ResultRow closest = largePeers.MinBy(x => x.MedianNs)!;
            double ratio = closest.MedianNs / largeGen.MedianNs;
            rows.Add((ratio > 1, "large: faster than every peer",
                $"closest: {Label(closest.Method)} at {Times(ratio)} the generated time ({Ns(closest.MedianNs)} vs {Ns(largeGen.MedianNs)} ns/seq)"));
        }

        // A batch goal that allows less time per sequence than the case's multiply-adds take at this core's measured
        // peak cannot be met here by any kernel: say so beside the number.
        string BeyondPeak(string caseName, double goalNs) =>
            FmaFloorNs(r, caseName, gates: 4) is { } floor && goalNs < floor
                ? $"; the goal allows {Ns(goalNs)} ns/seq, under the {Ns(floor)} ns/seq FMA floor: beyond this core's fp32 FMA peak"
                : "";

        // A goal under the multiply-adds at peak plus the cell updates at their measured rate: met only if the updates
        // overlapped the multiply-adds, whose FMA pipes they share. Said beside the number, as a measurement, not a floor.
        string BeyondCells(string caseName, double goalNs) =>
            FmaFloorNs(r, caseName, gates: 4) is { } floor && floor <= goalNs
            && CellUpdatesNs(r, Cases.All.First(c => c.Name == caseName)) is { } cells && goalNs < floor + cells
                ? $"; the goal allows {Ns(goalNs)} ns/seq, under the {Ns(floor + cells)} ns/seq that the multiply-adds at peak and the " +
                  "cell updates at their measured rate take one after the other (Multiply-add peak)"
                : "";

        // The smallest models (issue #15 §2): one seed sequence, a seed batch, and audio40's streaming Step, whose goal
        // may ask for less than the step's multiply-adds take at peak.
        // One sequence's steps wait on each other, and each runs two dependent tanh: a goal under T·2 of the measured
        // tanh latency cannot be met with this tanh, however the multiply-adds are arranged.
        ResultRow? seed = Row(r, "seed", 1, "Generated");
        int seedSteps = Cases.All.First(c => c.Name == "seed").SeqLen;
        double? seedChain = TanhLatencyNs(r) * 2 * seedSteps;
        rows.Add(seed is null
            ? (null, "seed: ≤ 135 ns", "not measured in this run")
            : (seed.MedianNs <= 135, "seed: ≤ 135 ns", $"{Ns(seed.MedianNs)} ns/seq" +
                (seedChain is { } chain && 135 < chain
                    ? $"; the goal allows 135 ns, under the {Ns(chain)} ns that its {seedSteps} steps' {2 * seedSteps} dependent tanh take: beyond this tanh's latency"
                    : "")));
        ResultRow? seed64 = Row(r, "seed", Cases.Batch, "Generated");
        rows.Add(seed64 is null
            ? (null, $"seed, batch {Cases.Batch}: ≤ 50 ns per sequence", "not measured in this run")
            : (seed64.MedianNs <= 50, $"seed, batch {Cases.Batch}: ≤ 50 ns per sequence", $"{Ns(seed64.MedianNs)} ns/seq{BeyondPeak("seed", 50)}{BeyondCells("seed", 50)}"));
        AuxRow? audio40Step = r.Aux?.FirstOrDefault(x => x.Benchmark == nameof(Streaming) && x.Parameter == "audio40" && x.Method == nameof(Streaming.GeneratedStep));
        CaseInfo audio40 = Cases.All.First(c => c.Name == "audio40");
        double? stepFloor = FmaFloorNs(r, "audio40", gates: 4) / audio40.SeqLen;
        rows.Add(audio40Step is null
            ? (null, "audio40: `Step` ≤ 65 ns", "not measured in this run")
            : (audio40Step.MedianNs <= 65, "audio40: `Step` ≤ 65 ns", $"{Ns(audio40Step.MedianNs)} ns/step" +
                (stepFloor is { } floor && 65 < floor
                    ? $"; the goal allows 65 ns/step, under the {Ns(floor)} ns/step FMA floor: beyond this core's fp32 FMA peak"
                    : "")));

        // Batched throughput (issue #15): sensor near the FMA limit; mid and large well ahead of batch 1 and of ONNX
        // Runtime's batched run.
        ResultRow? sensor64 = Row(r, "sensor", Cases.Batch, "Generated");
        rows.Add(sensor64 is null
            ? (null, $"sensor, batch {Cases.Batch}: ≤ 8 µs per sequence", "not measured in this run")
            : (sensor64.MedianNs <= 8000, $"sensor, batch {Cases.Batch}: ≤ 8 µs per sequence", $"{Ns(sensor64.MedianNs)} ns/seq{BeyondPeak("sensor", 8000)}"));
        foreach (string caseName in new[] { "mid", "large" })
        {
            string target = $"{caseName}, batch {Cases.Batch}: ≥ 1.8× faster per sequence than batch 1";
            ResultRow? one = Row(r, caseName, 1, "Generated"), many = Row(r, caseName, Cases.Batch, "Generated");
            rows.Add(one is null || many is null
                ? (null, target, "not measured in this run")
                : (one.MedianNs / many.MedianNs >= 1.8, target, $"{Times(one.MedianNs / many.MedianNs)} ({Ns(many.MedianNs)} vs {Ns(one.MedianNs)} ns/seq)" +
                    BeyondPeak(caseName, one.MedianNs / 1.8) + BeyondCells(caseName, one.MedianNs / 1.8)));
        }
        foreach (string caseName in new[] { "sensor", "mid", "large" })
        {
            string target = $"{caseName}, batch {Cases.Batch}: ≥ 1.8× faster than ONNX Runtime's batched run";
            ResultRow? gen = Row(r, caseName, Cases.Batch, "Generated"), onnx = Row(r, caseName, Cases.Batch, "OnnxRuntime");
            rows.Add(gen is null || onnx is null
                ? (null, target, "not measured in this run")
                : (onnx.MedianNs / gen.MedianNs >= 1.8, target, $"{Times(onnx.MedianNs / gen.MedianNs)} ({Ns(onnx.MedianNs)} vs {Ns(gen.MedianNs)} ns/seq)" +
                    BeyondPeak(caseName, onnx.MedianNs / 1.8)));
        }

        // Issue #15 §3: bfloat16 weights for the models beyond L2.
        {
            AuxRow? PrecisionRow(string caseName, string method) =>
                r.Aux?.FirstOrDefault(x => x.Benchmark == nameof(WeightPrecisionCases) && x.Parameter == caseName && x.Method == method);
            AuxRow? large = PrecisionRow("large", nameof(WeightPrecisionCases.BFloat16));
            rows.Add(large is null
                ? (null, "large, bfloat16 weights: ≤ 0.45 ms", "not measured in this run")
                : (large.MedianNs <= 450_000, "large, bfloat16 weights: ≤ 0.45 ms", $"{Ns(large.MedianNs)} ns/seq{BeyondPeak("large", 450_000)}"));
            AuxRow? mid = PrecisionRow("mid", nameof(WeightPrecisionCases.BFloat16)), midFull = PrecisionRow("mid", nameof(WeightPrecisionCases.Float32));
            rows.Add(mid is null || midFull is null
                ? (null, "mid, bfloat16 weights: faster than float32", "not measured in this run")
                : (mid.MedianNs < midFull.MedianNs, "mid, bfloat16 weights: faster than float32",
                    $"{Times(midFull.MedianNs / mid.MedianNs)} ({Ns(mid.MedianNs)} vs {Ns(midFull.MedianNs)} ns)"));
        }

        (double? l2, double? l3) = Bandwidth(r);
        foreach (string caseName in new[] { "mid", "large" })
        {
            string target = $"{caseName}: within 1.5× of the weight-streaming limit (≥ L2 read bandwidth ÷ 1.5)";
            double? achieved = Achieved(r, caseName, "Generated");
            if (achieved is not { } a || l2 is not { } bw2)
            {
                rows.Add((null, target, "not measured in this run"));
                continue;
            }
            bool met = a >= bw2 / 1.5;
            rows.Add((met, target, $"{Gbps(a)} of weights; L2 reads {Gbps(bw2)} (÷ 1.5 = {Gbps(bw2 / 1.5)}): limit ÷ achieved = {Times(bw2 / a)}"));
            WeightFacts w = r.Weights!.First(x => x.Case == caseName);
            if (!met && CacheBytes(r, "L2") is { } l2Bytes && w.GeneratedBytesPerStep > l2Bytes && l3 is { } bw3)
            {
                notes.Add($"{caseName}: its {Kb(w.GeneratedBytesPerStep)} of weights per step do not fit this machine's {Kb(l2Bytes)} L2, so each step " +
                          $"reads at least part of them from L3; the 1.5 MB buffer reads at {Gbps(bw3)}, and the generated code reaches {Times(a / bw3)} of that.");
            }
        }

        // The generator's aims are for the large model; the seed model's numbers are in the Generator section.
        {
            GeneratorFacts? facts = r.Generator?.FirstOrDefault(x => x.Model == "large");
            AuxRow? time = Aux(r, nameof(GeneratorCost), "large");
            string attribute = GeneratorInput.Get("large").Attribute;
            rows.Add(time is null
                ? (null, $"generator, `{attribute}`: < 50 ms", "not measured in this run")
                : (time.MedianNs < 50e6, $"generator, `{attribute}`: < 50 ms", $"{Ms(time.MedianNs)} per run"));
            rows.Add(facts is null
                ? (null, $"generator, `{attribute}`: < 200 KB of source", "not measured in this run")
                : (facts.SourceBytes < 200 * 1024, $"generator, `{attribute}`: < 200 KB of source", $"{Kb(facts.SourceBytes)} ({facts.Files} file{(facts.Files == 1 ? "" : "s")})"));
        }

        int metCount = rows.Count(x => x.Met == true), measured = rows.Count(x => x.Met != null);
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine($"From this run's numbers: **{metCount} of {measured}** targets met{(measured < rows.Count ? $" ({rows.Count - measured} not measured)" : "")}. " +
                      "Speed-ups are plain scalar C# ÷ generated, both measured in this run (batch 1, median ns per sequence); " +
                      "the weight-streaming and generator targets are explained in their sections below, and the FMA floor of the " +
                      "batch goals in Multiply-add peak.");
        md.AppendLine();
        md.AppendLine("| | target | measured |");
        md.AppendLine("| :---: | --- | --- |");
        foreach ((bool? m, string target, string measuredText) in rows)
            md.AppendLine($"| {(m is null ? "–" : m.Value ? "✔" : "✘")} | {target} | {measuredText} |");
        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (string note in notes) md.AppendLine($"- {note}");
        }
        md.AppendLine();
    }

    private static void AppendWeightStreaming(StringBuilder md, SuiteResults r)
    {
        AuxRow? small = Aux(r, nameof(ReadBandwidth), "512"), big = Aux(r, nameof(ReadBandwidth), "1536");
        if (small is null && big is null && r.Weights is null) return;
        (double? l2, double? l3) = Bandwidth(r);
        md.AppendLine();
        md.AppendLine("## Weight streaming");
        md.AppendLine();
        md.AppendLine("At every time step the recurrent matrix-vector products read all of a layer's packed weights once, so for " +
                      "mid and large the physical limit is how fast this core reads them from cache. `ReadBandwidth` measures that: " +
                      $"one pass summing a 64-byte-aligned float buffer with {ReadBandwidth.LoadWidth} loads into 8 accumulators, " +
                      "the buffer read again and again so it stays in cache. 512 KB is taken as the L2 figure and 1.5 MB as the L3 one: " +
                      "more than an L2 of up to 1 MB holds, though part of each pass may still come from L2." +
                      (r.Caches is { Count: > 0 } ? $" This machine's caches, per core as Linux reports them: {string.Join(", ", r.Caches)}." : "") +
                      " GB/s = 10⁹ bytes per second; KB = 1024 bytes.");
        md.AppendLine();
        md.AppendLine("| buffer | median ns/pass | ± | read bandwidth |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        foreach ((AuxRow? row, string name, int kb) in new[] { (small, "512 KB (L2)", 512), (big, "1.5 MB (L3)", 1536) })
        {
            if (row is null) { md.AppendLine($"| {name} | – | – | not measured |"); continue; }
            md.AppendLine($"| {name} | {Ns(row.MedianNs)} | {(row.StdDevNs / row.MeanNs * 100).ToString("F1", Inv)}% | {Gbps(kb * 1024.0 / row.MedianNs)} |");
        }
        md.AppendLine();
        md.AppendLine("Weights read per step = the generated model's `_packedWeights` (read by reflection) minus the Linear head " +
                      "(O·H + O floats, read once per sequence), × 4 bytes: per layer 4 · PaddedHidden · (1 + I + H) floats, " +
                      "PaddedHidden = H rounded up to a multiple of 16. Where the generated kernel precomputes its input part (its `PrecomputedSteps` " +
                      "constant, read by reflection; here mid and large), `Forward` computes layer 0's input part that many steps ahead and so " +
                      "reads W_ih (4 · PaddedHidden · I floats) once per chunk: its bytes per step count W_ih ÷ PrecomputedSteps " +
                      "(the run-time-sized model reads every weight every step). " +
                      "Achieved = bytes per step ÷ (median ns per sequence ÷ T). " +
                      "Limit ÷ achieved ≤ 1.5× is the target for mid and large.");
        md.AppendLine();
        md.AppendLine("| case | weights per step: generated | run-time-sized | generated ns/step | achieved | L2 ÷ achieved | L3 ÷ achieved | run-time-sized: achieved |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (WeightFacts w in r.Weights ?? [])
        {
            ResultRow? gen = Row(r, w.Case, 1, "Generated");
            double? a = Achieved(r, w.Case, "Generated"), rt = Achieved(r, w.Case, "RunTimeSized");
            md.AppendLine($"| {w.Case} | {Kb(w.GeneratedBytesPerStep)} | {Kb(w.BytesPerStep)} | {(gen is null ? "–" : Ns(gen.MedianNs / gen.SeqLen))} | " +
                          $"{(a is { } x ? Gbps(x) : "–")} | {(a is { } y && l2 is { } b2 ? Times(b2 / y) : "–")} | " +
                          $"{(a is { } z && l3 is { } b3 ? Times(b3 / z) : "–")} | {(rt is { } q ? Gbps(q) : "–")} |");
        }
    }

    private static void AppendFmaPeak(StringBuilder md, SuiteResults r)
    {
        AuxRow? peakRow = r.Aux?.FirstOrDefault(x => x.Benchmark == nameof(FmaPeak));
        double? peak = FmaPerNs(r);
        md.AppendLine();
        md.AppendLine("## Multiply-add peak");
        md.AppendLine();
        md.AppendLine($"`{nameof(FmaPeak)}`: {FmaPeak.Chains} independent chains `acc = a · b + acc` of the widest accelerated vector, through " +
                      "the runtime's `ISimd.MultiplyAdd`, the fused multiply-add the generated kernel's sweeps issue; enough chains that " +
                      $"every FMA pipe has a new one each cycle despite the latency. {FmaPeak.Iterations:N0} rounds per call; " +
                      "time per vector multiply-add = time per call ÷ (chains × rounds); peak = lanes ÷ that time, in lane multiply-adds per second.");
        md.AppendLine();
        md.AppendLine("| vector | median ns per vector multiply-add | ± | peak |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        if (peakRow is null)
            md.AppendLine("| not measured in this run | – | – | – |");
        else
        {
            int lanes = int.Parse(peakRow.Parameter, Inv);
            md.AppendLine($"| Vector{lanes * 32} ({lanes} lanes) | {peakRow.MedianNs.ToString("F3", Inv)} | {Pct(peakRow)} | " +
                          $"{(lanes / peakRow.MedianNs).ToString("F1", Inv)} G multiply-adds/s |");
        }
        md.AppendLine();
        AuxRow? cellRow = r.Aux?.FirstOrDefault(x => x.Benchmark == nameof(CellThroughput));
        md.AppendLine($"`{nameof(CellThroughput)}`: {CellThroughput.Vectors} independent LSTM cell updates of the widest accelerated vector " +
                      "through the runtime's `LstmCell`, as a block step runs them after its multiply-adds (five `tanh` and the cell's " +
                      "arithmetic per vector of units); time per vector of updates.");
        md.AppendLine();
        md.AppendLine("| vector | median ns per vector of cell updates | ± |");
        md.AppendLine("| --- | ---: | ---: |");
        md.AppendLine(cellRow is null
            ? "| not measured in this run | – | – |"
            : $"| Vector{int.Parse(cellRow.Parameter, Inv) * 32} ({cellRow.Parameter} lanes) | {cellRow.MedianNs.ToString("F2", Inv)} | {Pct(cellRow)} |");
        md.AppendLine();
        md.AppendLine($"Per batched case (batch {Cases.Batch}, the generated `Forward`, ns per sequence from this run): multiply-adds per sequence " +
                      "= T · gates · H · (I + H) + H · O (LSTM 4 gates, GRU 3; the model's sizes, not the kernel's padded ones); " +
                      "FMA floor = multiply-adds ÷ peak, the time the multiply-adds alone take at peak; fraction of peak = floor ÷ measured; " +
                      "cell updates = T · H ÷ lanes vectors at the rate measured above (LSTM only). The updates share the FMA pipes with " +
                      "the multiply-adds, so floor + updates is what a kernel takes that overlaps nothing else; loads come on top.");
        md.AppendLine();
        md.AppendLine("| case | multiply-adds per sequence | generated ns/seq | FMA floor ns/seq | fraction of peak | cell updates ns/seq | floor + updates ns/seq |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        void Line(string label, CaseInfo info, int gates, double? measuredNs)
        {
            double multiplyAdds = info.MultiplyAddsPerSequence(gates);
            double? floor = peak is { } p ? multiplyAdds / p : null;
            string fraction = floor is { } f && measuredNs is { } m ? (f / m * 100).ToString("F0", Inv) + "%" : "–";
            double? cells = gates == 4 ? CellUpdatesNs(r, info) : null;
            md.AppendLine($"| {label} ({info.Shape}) | {multiplyAdds.ToString("N0", Inv)} | {(measuredNs is { } n ? Ns(n) : "not measured in this run")} | " +
                          $"{(floor is { } x ? Ns(x) : "–")} | {fraction} | {(cells is { } y ? Ns(y) : "–")} | " +
                          $"{(floor is { } z && cells is { } w ? Ns(z + w) : "–")} |");
        }
        foreach (CaseInfo info in Cases.Batched.Select(Cases.InfoOf))
            Line(info.Name, info, gates: 4, Row(r, info.Name, Cases.Batch, "Generated")?.MedianNs);
        foreach (string caseName in GruCaseNames)
        {
            double? batchNs = r.Aux?.FirstOrDefault(x => x.Benchmark == nameof(GruCases) && x.Parameter == caseName
                && x.Method == nameof(GruCases.GeneratedBatch))?.MedianNs / Cases.Batch;
            Line($"{caseName} GRU", Cases.All.First(c => c.Name == caseName), gates: 3, batchNs);
        }

        AuxRow? tanhRow = r.Aux?.FirstOrDefault(x => x.Benchmark == nameof(TanhLatency));
        md.AppendLine();
        md.AppendLine($"`{nameof(TanhLatency)}`: one chain `x = tanh(x)` of the widest accelerated vector through the runtime's `tanh`, " +
                      $"each call waiting for the one before, {TanhLatency.Iterations:N0} calls per call of the benchmark: the latency of one " +
                      "`tanh`. A sequence's steps wait on each other and each LSTM step runs two dependent `tanh` (a gate's, then c_t's), " +
                      "so one sequence of T steps takes at least 2·T of them, whatever the sizes.");
        md.AppendLine();
        md.AppendLine("| vector | median ns per dependent tanh | ± | seed's floor (2·T tanh) |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        if (tanhRow is null)
            md.AppendLine("| not measured in this run | – | – | – |");
        else
        {
            int lanes = int.Parse(tanhRow.Parameter, Inv);
            int seedSteps = Cases.All.First(c => c.Name == "seed").SeqLen;
            md.AppendLine($"| Vector{lanes * 32} ({lanes} lanes) | {tanhRow.MedianNs.ToString("F2", Inv)} | {Pct(tanhRow)} | " +
                          $"{Ns(2 * seedSteps * tanhRow.MedianNs)} ns |");
        }
    }

    private static void AppendGenerator(StringBuilder md, SuiteResults r)
    {
        if (r.Generator is null && !(r.Aux?.Any(x => x.Benchmark == nameof(GeneratorCost)) ?? false)) return;
        md.AppendLine();
        md.AppendLine("## Generator");
        md.AppendLine();
        md.AppendLine("`GeneratorCost`: each call creates a fresh `CSharpGeneratorDriver` with a new `LstmGenerator` and runs it " +
                      "(`RunGenerators`) on a pre-built compilation of one `[Lstm]` class (parsed, framework and LstmGen references " +
                      "loaded once); Roslyn 4.14.0, the version BenchmarkDotNet requires (the generator itself is built against 4.8.0). " +
                      "Steady state: the generator and Roslyn are JIT-compiled and the compilation has bound its symbols before timing; " +
                      "a compiler process's first run also pays for that. Source = UTF-8 bytes of the generated files; before timing, " +
                      "the output was compiled and had no errors. Aims for the large model: < 50 ms, < 200 KB.");
        md.AppendLine();
        md.AppendLine("| model | attribute | median time per run | ± | allocated per run | generated source |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (GeneratorInput.Model model in GeneratorInput.Models)
        {
            GeneratorFacts? facts = r.Generator?.FirstOrDefault(x => x.Model == model.Name);
            AuxRow? time = Aux(r, nameof(GeneratorCost), model.Name);
            string alloc = time?.AllocatedBytes is { } b ? Kb(b) : "–";
            md.AppendLine($"| {model.Name} | `{facts?.Attribute ?? model.Attribute}` | {(time is null ? "–" : Ms(time.MedianNs))} | " +
                          $"{(time is null ? "–" : (time.StdDevNs / time.MeanNs * 100).ToString("F1", Inv) + "%")} | {alloc} | " +
                          $"{(facts is null ? "–" : $"{Kb(facts.SourceBytes)} ({facts.Files} file{(facts.Files == 1 ? "" : "s")})")} |");
        }
    }

    private static string Pct(AuxRow row) => (row.StdDevNs / row.MeanNs * 100).ToString("F1", Inv) + "%";

    private static void AppendDenormals(StringBuilder md, SuiteResults r)
    {
        AuxRow? normal = Aux(r, nameof(Denormals), "normal"), sub = Aux(r, nameof(Denormals), "subnormal");
        md.AppendLine();
        md.AppendLine("## Denormals");
        md.AppendLine();
        md.AppendLine("`Denormals`: the generated sensor model's batch-1 `Forward` (I=16, H=64, O=4, T=50) on its normal weights and " +
                      $"inputs, and on the same ones scaled so that every gate pre-activation is subnormal (non-zero, " +
                      $"|x| < 2⁻¹²⁶ ≈ 1.18e-38), and so would be the whole state in exact arithmetic: the weight matrices and the input × {Denormals.Scale.ToString("0.#e0", Inv)}, the biases × " +
                      $"{((double)Denormals.Scale * Denormals.Scale).ToString("0.#e0", Inv)} (scaling them by the same factor would leave biases of ~1e-21 that keep everything normal). " +
                      $"Then the input part of each pre-activation is {((double)Denormals.Scale * Denormals.Scale).ToString("0.#e0", Inv)} × the original one, σ gives ½ and " +
                      "tanh(z) = z, so c and h stay subnormal for the whole sequence. .NET runs with the CPU's flush-to-zero and denormals-are-zero " +
                      "modes off; the kernel flushes instead (`tanh` is 0 below 2⁻¹⁰⁰ and an LSTM stores a subnormal c as 0). Before timing, a float64 " +
                      "recurrence ran the sequence, and so did the streaming `Step`, with `GetState` read after every step:");
        md.AppendLine();
        if (r.Denormals is { Count: 2 } facts)
        {
            md.AppendLine($"- normal: {facts[0].Describe()}.");
            md.AppendLine($"- scaled: {facts[1].Describe()}.");
        }
        else
            md.AppendLine("- (the check's numbers were not saved with these results)");
        md.AppendLine();
        md.AppendLine("| weights and inputs | median ns/seq | ± | ratio |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        foreach ((AuxRow? row, string name) in new[] { (normal, "normal"), (sub, "subnormal (scaled)") })
        {
            if (row is null) { md.AppendLine($"| {name} | not measured | – | – |"); continue; }
            string ratio = normal is null ? "–" : Times(row.MedianNs / normal.MedianNs);
            md.AppendLine($"| {name} | {Ns(row.MedianNs)} | {Pct(row)} | {ratio} |");
        }
        if (normal is not null && sub is not null)
        {
            double ratio = sub.MedianNs / normal.MedianNs;
            md.AppendLine();
            md.AppendLine(ratio >= 1.1
                ? $"Subnormal values make the generated kernel {Times(ratio)} slower on this CPU."
                : ratio <= 0.9
                    ? $"The subnormal run is {Times(ratio)} the normal time: faster, so subnormals cost nothing measurable here."
                    : $"Subnormal values cost nothing measurable on this CPU ({Times(ratio)} the normal time, within ±10%).");
        }
    }

    private static void AppendStreaming(StringBuilder md, SuiteResults r)
    {
        string name = nameof(Streaming);
        md.AppendLine();
        md.AppendLine("## Streaming");
        md.AppendLine();
        md.AppendLine($"`{name}`: one `Step` per call, as an audio effect or a sensor service runs a model sample by sample (the state carried in the instance), " +
                      "on the generated model and on the run-time-sized `LstmModel` made from the same weights; each call feeds the next " +
                      "value of the case's input. Before timing, a whole sequence of `Step`s was checked against the sequence `Forward`. " +
                      "Ratio = run-time-sized ÷ generated.");
        md.AppendLine();
        md.AppendLine("| case | generated ns/step | ± | run-time-sized ns/step | ± | ratio | allocated |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (string caseName in new[] { "audio20", "audio40", "sensor" })
        {
            AuxRow? generated = r.Aux?.FirstOrDefault(x => x.Benchmark == name && x.Parameter == caseName && x.Method == nameof(Streaming.GeneratedStep));
            AuxRow? runTimeSized = r.Aux?.FirstOrDefault(x => x.Benchmark == name && x.Parameter == caseName && x.Method == nameof(Streaming.RunTimeSizedStep));
            string Cell(AuxRow? row) => row is null ? "not measured | –" : $"{Ns(row.MedianNs)} | {Pct(row)}";
            string ratio = generated is null || runTimeSized is null ? "–" : Times(runTimeSized.MedianNs / generated.MedianNs);
            string alloc = generated?.AllocatedBytes is { } g && runTimeSized?.AllocatedBytes is { } t ? $"{g} B / {t} B" : "–";
            CaseInfo info = Cases.All.First(c => c.Name == caseName);
            md.AppendLine($"| {caseName} ({info.Shape}) | {Cell(generated)} | {Cell(runTimeSized)} | {ratio} | {alloc} |");
        }
    }

    private static void AppendOptions(StringBuilder md, SuiteResults r)
    {
        string name = nameof(Options);
        md.AppendLine();
        md.AppendLine("## PyTorch's options");
        md.AppendLine();
        md.AppendLine($"`{name}`: generated models of the seed and sensor shapes with PyTorch's options, against the unidirectional model of the " +
                      "same sizes in the same run (ns per call). Bidirectional: read out from the final states, both directions over the whole " +
                      "sequence, interleaved (goal ≤ 1.3× where the weights fit L1, ≤ 2.1× beyond); read out from the last step, where the " +
                      "backward direction runs only its first step (goal: none; (T + 1) / T of the work); projected: `ProjSize` = H / 2 (goal: faster than unprojected). " +
                      $"Against a batch of {Cases.Batch} laid out [batch, T, I]: the same batch padded, its sequences' lengths alternating T and T / 2 " +
                      "(goal: the valid steps' cost, (T + ⌊T / 2⌋) / 2T: 0.71× seed, 0.75× sensor; seed's lane groups and sensor's blocks take the sequences " +
                      "longest first); from given states (each call continuing from the last one's final states, as chunked streams do; goal: none); and laid out [T, batch, I] (`BatchFirst = false`: seed's lane groups read it in place, sensor's runs as a batch-first " +
                      "copy; goal: none, the copy's cost).");
        md.AppendLine();
        md.AppendLine("| case | unidirectional | bidirectional | ratio | bidirectional, last step | ratio | projected | ratio | batch | padded batch | ratio | " +
                      "from states | ratio | time-major batch | ratio |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (string caseName in new[] { "seed", "sensor" })
        {
            AuxRow? Row(string method) => r.Aux?.FirstOrDefault(x => x.Benchmark == name && x.Parameter == caseName && x.Method == method);
            string Cell(AuxRow? row) => row is null ? "not measured" : Ns(row.MedianNs);
            string Ratio(AuxRow? a, AuxRow? b) => a is null || b is null ? "–" : Times(a.MedianNs / b.MedianNs);
            AuxRow? uni = Row(nameof(Options.Unidirectional)), bi = Row(nameof(Options.Bidirectional)), projected = Row(nameof(Options.Projected));
            AuxRow? biLastStep = Row(nameof(Options.BidirectionalLastStep));
            AuxRow? batch = Row(nameof(Options.Batch)), padded = Row(nameof(Options.PaddedBatch)), fromStates = Row(nameof(Options.BatchFromStates));
            AuxRow? timeMajor = Row(nameof(Options.TimeMajorBatch));
            CaseInfo info = Cases.All.First(c => c.Name == caseName);
            md.AppendLine($"| {caseName} ({info.Shape}) | {Cell(uni)} | {Cell(bi)} | {Ratio(bi, uni)} | {Cell(biLastStep)} | {Ratio(biLastStep, uni)} | " +
                          $"{Cell(projected)} | {Ratio(projected, uni)} | " +
                          $"{Cell(batch)} | {Cell(padded)} | {Ratio(padded, batch)} | {Cell(fromStates)} | {Ratio(fromStates, batch)} | " +
                          $"{Cell(timeMajor)} | {Ratio(timeMajor, batch)} |");
        }
    }

    /// <summary>The shapes <see cref="GruCases"/> runs (its <c>Case</c> parameter).</summary>
    private static readonly string[] GruCaseNames = ["seed", "sensor"];

    private static void AppendGru(StringBuilder md, SuiteResults r)
    {
        string name = nameof(GruCases);
        md.AppendLine();
        md.AppendLine("## GRU models");
        md.AppendLine();
        md.AppendLine($"`{name}`: `[Gru]` models of the seed and sensor shapes, the generated model against the run-time-sized `GruModel` with the " +
                      $"same weights (ns per sequence; a batch is {Cases.Batch} sequences in one `Forward`, divided by {Cases.Batch}).");
        md.AppendLine();
        md.AppendLine("| case | generated | run-time-sized | ratio | generated, batch | run-time-sized, batch | ratio | generated: batch ÷ one |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (string caseName in GruCaseNames)
        {
            double? PerSequence(string method, int sequences) =>
                r.Aux?.FirstOrDefault(x => x.Benchmark == name && x.Parameter == caseName && x.Method == method)?.MedianNs / sequences;
            string Cell(double? ns) => ns is { } v ? Ns(v) : "not measured";
            string Ratio(double? a, double? b) => a is { } x && b is { } y ? Times(x / y) : "–";
            double? one = PerSequence(nameof(GruCases.Generated), 1), oneRunTimeSized = PerSequence(nameof(GruCases.RunTimeSized), 1);
            double? batch = PerSequence(nameof(GruCases.GeneratedBatch), Cases.Batch), batchRunTimeSized = PerSequence(nameof(GruCases.RunTimeSizedBatch), Cases.Batch);
            CaseInfo info = Cases.All.First(c => c.Name == caseName);
            md.AppendLine($"| {caseName} ({info.Shape}) | {Cell(one)} | {Cell(oneRunTimeSized)} | {Ratio(oneRunTimeSized, one)} | {Cell(batch)} | " +
                          $"{Cell(batchRunTimeSized)} | {Ratio(batchRunTimeSized, batch)} | {Ratio(batch, one)} |");
        }
    }

    private static void AppendWeightPrecision(StringBuilder md, SuiteResults r)
    {
        string name = nameof(WeightPrecisionCases);
        md.AppendLine();
        md.AppendLine("## bfloat16 weights");
        md.AppendLine();
        md.AppendLine($"`{name}`: the mid and large shapes with `WeightPrecision = WeightPrecision.BFloat16` against float32 weights, same weights, " +
                      $"same run (ns per sequence; a batch is {Cases.Batch} sequences in one `Forward`, divided by {Cases.Batch}). Half the bytes per step " +
                      "for an error of about 1e-3 (docs/weight-precision.md). Run-time-sized: `LstmModel` made from the same weights with " +
                      "`WeightPrecision.Float32` and `WeightPrecision.BFloat16`, one sequence.");
        md.AppendLine();
        md.AppendLine("| case | float32 | bfloat16 | speed-up | float32, batch | bfloat16, batch | speed-up | run-time-sized float32 | run-time-sized bfloat16 | speed-up |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (string caseName in new[] { "mid", "large" })
        {
            double? PerSequence(string method, int sequences) =>
                r.Aux?.FirstOrDefault(x => x.Benchmark == name && x.Parameter == caseName && x.Method == method)?.MedianNs / sequences;
            string Cell(double? ns) => ns is { } v ? Ns(v) : "not measured";
            string Ratio(double? a, double? b) => a is { } x && b is { } y ? Times(x / y) : "–";
            double? full = PerSequence(nameof(WeightPrecisionCases.Float32), 1), half = PerSequence(nameof(WeightPrecisionCases.BFloat16), 1);
            double? fullBatch = PerSequence(nameof(WeightPrecisionCases.Float32Batch), Cases.Batch);
            double? halfBatch = PerSequence(nameof(WeightPrecisionCases.BFloat16Batch), Cases.Batch);
            double? runTimeFull = PerSequence(nameof(WeightPrecisionCases.RunTimeSizedFloat32), 1);
            double? runTimeHalf = PerSequence(nameof(WeightPrecisionCases.RunTimeSizedBFloat16), 1);
            CaseInfo info = Cases.All.First(c => c.Name == caseName);
            md.AppendLine($"| {caseName} ({info.Shape}) | {Cell(full)} | {Cell(half)} | {Ratio(full, half)} | {Cell(fullBatch)} | {Cell(halfBatch)} | " +
                          $"{Ratio(fullBatch, halfBatch)} | {Cell(runTimeFull)} | {Cell(runTimeHalf)} | {Ratio(runTimeFull, runTimeHalf)} |");
        }
    }

    private static void AppendMultiCore(StringBuilder md, SuiteResults r)
    {
        string name = nameof(MultiCoreBatch<SensorCase>);
        // Older results did not record Environment.ProcessorCount: take BenchmarkDotNet's "N logical and M physical cores".
        int? cores = r.ProcessorCount ?? r.Environment
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"(\d+) logical and \d+ physical cores?"))
            .Where(m => m.Success).Select(m => (int?)int.Parse(m.Groups[1].Value, Inv)).FirstOrDefault();
        md.AppendLine();
        md.AppendLine("## Multi-core batches");
        md.AppendLine();
        md.AppendLine($"`{name}`: {Cases.Batch} sequences per call, the generated batched `Forward(input, output, {Cases.Batch})` on one thread, " +
                      $"against the same {Cases.Batch} sequences cut into `Environment.ProcessorCount` contiguous chunks run with `Parallel.For`, " +
                      "each chunk one batched `Forward` on its slice of the input and output spans; one model instance serves every thread " +
                      "(the generated `Forward` keeps its state on the stack), and the split output was checked against the single call's. " +
                      $"This machine: **{(cores is { } n ? $"{n} logical core{(n == 1 ? "" : "s")}" : "core count not recorded with these results")}** " +
                      $"(`Environment.ProcessorCount`{(cores is { } m ? $", so {Math.Min(m, Cases.Batch)} chunk{(m == 1 ? "" : "s")}" : "")}). " +
                      $"Times are medians per sequence (per call ÷ {Cases.Batch}); speed-up = one thread ÷ split; efficiency = speed-up ÷ chunks. " +
                      "Allocated = managed bytes per call of the split version (MemoryDiagnoser counts every thread's allocations; the " +
                      "`Parallel.For` body is one delegate created once, so this is what `Parallel.For` itself allocates).");
        md.AppendLine();
        md.AppendLine("| case | one thread ns/seq | ± | split ns/seq | ± | speed-up | efficiency | split: allocated per call |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (string caseName in new[] { "sensor", "mid" })
        {
            AuxRow? one = r.Aux?.FirstOrDefault(x => x.Benchmark == name && x.Parameter == caseName && x.Method == "OneThread");
            AuxRow? all = r.Aux?.FirstOrDefault(x => x.Benchmark == name && x.Parameter == caseName && x.Method == "AllCores");
            string Cell(AuxRow? row) => row is null ? "not measured | –" : $"{Ns(row.MedianNs / Cases.Batch)} | {Pct(row)}";
            string speedup = one is null || all is null ? "–" : Times(one.MedianNs / all.MedianNs);
            string efficiency = one is null || all is null || cores is null ? "–"
                : (one.MedianNs / all.MedianNs / Math.Min(cores.Value, Cases.Batch) * 100).ToString("F0", Inv) + "%";
            string alloc = all?.AllocatedBytes is { } b ? b.ToString("N0", Inv) + " B" : "–";
            CaseInfo info = Cases.All.First(c => c.Name == caseName);
            md.AppendLine($"| {caseName} ({info.Shape}) | {Cell(one)} | {Cell(all)} | {speedup} | {efficiency} | {alloc} |");
        }
    }

    private static string Ns(double ns) => ns >= 100 ? ns.ToString("N0", Inv) : ns.ToString("F1", Inv);
}
