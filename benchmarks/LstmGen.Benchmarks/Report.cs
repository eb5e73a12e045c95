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

/// <summary>A run's results and environment, saved as JSON so <c>--report</c> can redraw the page.</summary>
public sealed record SuiteResults(string Mode, string JobDescription, DateTime StartedUtc, double ElapsedMinutes,
    List<string> Environment, string VectorIsa, string TorchSharpStatus, List<ResultRow> Rows, List<string> Failed)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static SuiteResults From(IEnumerable<Summary> summaries, string mode, Job job, TimeSpan elapsed, string torchSharpStatus)
    {
        var rows = new List<ResultRow>();
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
        return new SuiteResults(mode, jobText, DateTime.UtcNow - elapsed, elapsed.TotalMinutes, env, MachineInfo.VectorIsa(), torchSharpStatus, rows, failed);
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

/// <summary>Writes docs/benchmarks.md: environment, an at-a-glance chart of ratios, a table per case.</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly (string Method, string Label)[] Methods =
    [
        ("Generated", "LstmGen (generated)"),
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
        md.AppendLine($"The generated `Forward` against the ways a C# program can run the same `nn.LSTM(I, H, batch_first=True)` + " +
                      "`nn.Linear(H, O)` model, on the same weights and inputs, one thread. Every peer was checked against the " +
                      $"generated model (max |diff| ≤ {Validation.PeerTolerance:0e0}, random weights, every case) and ONNX Runtime " +
                      $"also against libtorch's golden output (≤ {Validation.GoldenTolerance:0e0}) before anything was timed.");
        md.AppendLine();
        md.AppendLine("- **LstmGen (generated)**: `model.Forward(input, output)` of an `[Lstm(I, H, O, T)]` class (batch 64: the batched overload).");
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
        if (r.Failed.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Failed benchmarks");
            md.AppendLine();
            foreach (string f in r.Failed) md.AppendLine($"- {f}");
        }
        md.AppendLine();
        md.AppendLine("Reproduce: `benchmarks/run.sh` (full, about 5 minutes on 2 cores) or `benchmarks/run.sh --quick` (smoke test).");

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, md.ToString());
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
                md.AppendLine($"  {Label(row.Method),-17}{left}|{right} {text}×");
            }
            md.AppendLine();
        }
    }

    private static string Ns(double ns) => ns >= 100 ? ns.ToString("N0", Inv) : ns.ToString("F1", Inv);
}
