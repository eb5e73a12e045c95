using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using LstmGen.Benchmarks;
using Perfolizer.Horology;

// LstmGen benchmark suite. Usage (from the repository root; benchmarks/run.sh wraps it):
//   dotnet run -c Release --project benchmarks/LstmGen.Benchmarks -- [--quick] [--filter TEXT] [--torchsharp] [--out FILE]
//   (no option)           the full suite; writes docs/benchmarks.md
//   ... -- --quick        a short job (smoke test); writes benchmarks/BenchmarkDotNet.Artifacts/benchmarks-quick.md
//   ... -- --filter TEXT  only benchmarks whose name contains TEXT, or one of several comma-separated texts
//                         (e.g. Sensor, Batch64, OnnxRuntime, RunTimeSized, Streaming, Denormals, MultiCore,
//                         GeneratorCost, ReadBandwidth, FmaPeak); report as --quick
//   ... -- --validate     only the numerical checks
//   ... -- --stopwatch    the checks, then a plain Stopwatch loop over every case (a quick cross-check)
//   ... -- --report       rewrite docs/benchmarks.md and .svg from the last run's saved results (weights per step from this build)
//   ... -- --chart        redraw docs/benchmarks.svg from the tables in docs/benchmarks.md (when the saved results are gone)
const string Usage = "usage: LstmGen.Benchmarks [--quick | --validate | --stopwatch | --report | --chart] [--filter TEXT] [--torchsharp] [--out FILE]";

bool quick = args.Contains("--quick");
bool reportOnly = args.Contains("--report");
bool validateOnly = args.Contains("--validate");
bool wantTorch = args.Contains("--torchsharp");
int outIndex = Array.IndexOf(args, "--out");
int filterIndex = Array.IndexOf(args, "--filter");
if (args.Contains("--help") || args.Contains("-h") || (outIndex >= 0 && outIndex == args.Length - 1)
    || (filterIndex >= 0 && filterIndex == args.Length - 1))
{
    Console.WriteLine(Usage);
    return 0;
}

string root = RepoPaths.FindRoot();
string? filter = filterIndex >= 0 ? args[filterIndex + 1] : null;
string[] filterTexts = filter?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
// Only the full, unfiltered suite writes docs/benchmarks.md; a smoke test or a subset reports beside the artifacts.
bool partial = quick || filter != null;
string artifacts = Path.Combine(root, "benchmarks", "BenchmarkDotNet.Artifacts");
string resultsPath = Path.Combine(artifacts, partial ? "lstmgen-results-quick.json" : "lstmgen-results.json");
string docPath = outIndex >= 0 ? Path.GetFullPath(args[outIndex + 1])
    : partial ? Path.Combine(artifacts, "benchmarks-quick.md") : Path.Combine(root, "docs", "benchmarks.md");

if (reportOnly)
{
    if (!File.Exists(resultsPath))
    {
        Console.Error.WriteLine($"No saved results at {resultsPath}: run the suite first (benchmarks/run.sh).");
        return 1;
    }
    // The weights read per step are facts of this build's generated code, not measurements: recomputed.
    SuiteResults saved = SuiteResults.Load(resultsPath) with { Weights = WeightStreaming.All() };
    Report.Write(saved, docPath);
    Console.WriteLine($"Wrote {docPath}");
    return 0;
}

if (args.Contains("--chart"))
{
    // The saved results stay on the machine that ran the suite (BenchmarkDotNet.Artifacts is not committed); the
    // report's tables are, so the chart can be redrawn from them anywhere, e.g. after a change to Chart.cs.
    var (bars, caption) = Chart.ReadReport(File.ReadAllText(docPath));
    string chartPath = Path.ChangeExtension(docPath, ".svg");
    Chart.Write(bars, caption, chartPath);
    Console.WriteLine($"Wrote {chartPath} ({bars.Count} bars, from {docPath})");
    return 0;
}

Console.WriteLine("LstmGen benchmarks: " + MachineInfo.VectorIsa());

// TorchSharp: compiled in only with -p:WithTorchSharp=true, run only with --torchsharp, and only if libtorch loads.
bool runTorch = false;
string torchStatus = "not run (pass --torchsharp; benchmarks/run.sh --torchsharp builds it in).";
#if TORCHSHARP
if (wantTorch)
{
    if (LstmGen.Benchmarks.Peers.TorchSharpLstm.TryLoad(out string torchError))
    {
        runTorch = true;
        torchStatus = "TorchSharp-cpu 0.107.0 (libtorch 2.10), torch.set_num_threads(1), no_grad, input tensor created once.";
    }
    else
    {
        Console.WriteLine("TorchSharp: SKIPPED - libtorch could not be loaded on this machine. The error was:");
        Console.WriteLine(string.Join(Environment.NewLine, torchError.Split('\n').Take(12).Select(l => "    " + l.TrimEnd())));
        string cause = torchError.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("GLIBC") || l.Contains("not found")) ?? torchError.Split('\n')[0].Trim();
        torchStatus = "requested but skipped: libtorch failed to load on this machine (" + cause + ").";
    }
}
#else
if (wantTorch)
{
    Console.WriteLine("TorchSharp: SKIPPED - this build has no TorchSharp peer; build with -p:WithTorchSharp=true (benchmarks/run.sh --torchsharp does).");
    torchStatus = "requested but skipped: built without -p:WithTorchSharp=true.";
}
#endif

List<GeneratorFacts> generatorFacts;
List<DenormalFacts> denormalFacts;
try
{
    generatorFacts = Validation.RunAll(runTorch, Console.Out, out denormalFacts);
}
catch (Exception e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Benchmarks NOT run: a peer does not compute the same function as the generated model, or the generator check failed.");
    return 1;
}
if (args.Contains("--stopwatch"))
{
    StopwatchCheck.RunAll(Console.Out);
    return 0;
}
if (validateOnly)
    return 0;

Job job = quick
    ? Job.Default.WithId("Quick").WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(3)
        .WithIterationTime(TimeInterval.FromMilliseconds(100))
    : Job.Default.WithId("Full").WithLaunchCount(1).WithWarmupCount(6).WithIterationCount(20)
        .WithIterationTime(TimeInterval.FromMilliseconds(250));
#if TORCHSHARP
job = job.WithArguments([new MsBuildArgument("/p:WithTorchSharp=true")]);
#endif

IConfig config = ManualConfig.CreateEmpty()
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
    .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
    .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
    .AddFilter(new SimpleFilter(b => runTorch || b.Descriptor.WorkloadMethod.Name != "TorchSharp"))
    .AddFilter(new SimpleFilter(b => filter == null || filterTexts.Any(t => b.Descriptor.DisplayInfo.Contains(t, StringComparison.OrdinalIgnoreCase))))
    .WithArtifactsPath(artifacts)
    .WithOptions(ConfigOptions.DisableLogFile);

var started = DateTime.UtcNow;
// The model cases, then the generator's cost, the cache read bandwidth and the multiply-add peak that the report's
// Targets use, then the denormal-input and multi-core-batch measurements.
Summary[] summaries = BenchmarkRunner.Run([.. Cases.Single, .. Cases.Batched, typeof(GeneratorCost), typeof(ReadBandwidth), typeof(FmaPeak), typeof(TanhLatency), typeof(CellThroughput), .. Cases.Extra], config);
var elapsed = DateTime.UtcNow - started;

SuiteResults results = SuiteResults.From(summaries, (quick ? "quick" : "full") + (filter != null ? $", filter \"{filter}\"" : ""), job, elapsed, torchStatus,
    generatorFacts, WeightStreaming.All(), WeightStreaming.CacheSizes(), denormalFacts);
if (results.Rows.Count == 0 && (results.Aux?.Count ?? 0) == 0)
{
    Console.Error.WriteLine("No benchmark produced a result.");
    return 1;
}
Directory.CreateDirectory(artifacts);
results.Save(resultsPath);
Report.Write(results, docPath);
Console.WriteLine($"Wrote {docPath} ({results.Rows.Count + (results.Aux?.Count ?? 0)} results, {elapsed.TotalMinutes:F1} min)");
bool anyFailed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
return anyFailed ? 2 : 0;

/// <summary>Locates the repository root (the folder holding benchmarks/LstmGen.Benchmarks).</summary>
internal static class RepoPaths
{
    public static string FindRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "benchmarks", "LstmGen.Benchmarks")))
                    return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
