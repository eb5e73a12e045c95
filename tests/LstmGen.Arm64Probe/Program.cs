using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LstmGen;
using LstmGen.Tests.Parity;

// Every golden case through every API of its generated model and of the run-time-sized LstmModel/GruModel, against
// libtorch's output; then bfloat16 models against float32 twins with the weights rounded (BFloat16Parity, within 1e-6). Prints one line per check ("<model> <case> <api>: <error> ok|FAIL"), then the largest error and
// the time taken; exits 0 only if the process runs on ARM64 with Vector128 accelerated and every error is within
// GoldenParity.Tolerance. Arguments: the golden cases to run (default: all).

string[] cases = args.Length > 0 ? args : [.. GoldenParity.Cases.Keys];
var clock = Stopwatch.StartNew();
bool pass = true;

Console.WriteLine($"architecture: {RuntimeInformation.ProcessArchitecture}, accelerated: 512={Vector512.IsHardwareAccelerated} " +
                  $"256={Vector256.IsHardwareAccelerated} 128={Vector128.IsHardwareAccelerated}");
if (RuntimeInformation.ProcessArchitecture != Architecture.Arm64 || !Vector128.IsHardwareAccelerated)
{
    Console.WriteLine("FAIL: not an ARM64 process with Vector128 (NEON) accelerated");
    pass = false;
}

float worst = 0f;
void Report(string model, string caseName, string api, float error)
{
    bool ok = error <= GoldenParity.Tolerance;
    pass &= ok;
    worst = MathF.Max(worst, error);
    Console.WriteLine($"{model} {caseName} {api}: {error:E2} {(ok ? "ok" : "FAIL")}");
}

foreach (string name in cases)
{
    foreach (GoldenParity.Api api in Enum.GetValues<GoldenParity.Api>())
        Report("generated", name, api.ToString(), GoldenParity.MaxError(name, api));

    RecurrentModel runTimeSized = GoldenParity.LoadRunTimeSized(name);
    GoldenParity.RunTimeSizedErrors errors = GoldenParity.RunTimeSizedMaxErrors(runTimeSized, name);
    string kind = runTimeSized.GetType().Name;
    Report(kind, name, "Single", errors.Single);
    Report(kind, name, "Batched", errors.Batched);
    Report(kind, name, "Tensor", errors.Tensor);
    Report(kind, name, "Step", errors.Step);
    Report(kind, name, "State", errors.State);
}

foreach (object[] row in BFloat16Parity.Names())
{
    string name = (string)row[0];
    float error = BFloat16Parity.MaxError(name);
    pass &= error <= 1e-6f;
    Console.WriteLine($"bfloat16 {name}: {error:E2} {(error <= 1e-6f ? "ok" : "FAIL")}");
}

Console.WriteLine($"max error: {worst:E2} (bar {GoldenParity.Tolerance:E0}); {clock.Elapsed.TotalSeconds:F1} s");
return pass ? 0 : 1;
