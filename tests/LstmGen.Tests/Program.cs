using System;
using System.Linq;
using System.Runtime.Intrinsics;
using LstmGen.Tests.Parity;

namespace LstmGen.Tests;

/// <summary>
/// Entry point for child processes of <see cref="Parity.SimdPathTests"/>: <c>dotnet LstmGen.Tests.dll golden</c>
/// prints the SIMD widths this process accelerates, then the error of every golden case and of the models that precompute
/// their input ahead (<see cref="PrecomputedInputTests"/>) and of bfloat16 models, generated (<see cref="BFloat16Parity"/>)
/// and run-time-sized (<see cref="RunTimeSizedBFloat16Parity"/>, with the refusal of an undefined precision), and of the
/// run-time-sized models on every option case (<see cref="OptionGolden"/>), then the outcome of every PyTorch option
/// check of generated models (<see cref="OptionsParityTests"/>) and of generated time-major models
/// (<see cref="TimeMajorTests"/>), and exits 0 when all pass.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is not ["golden"])
        {
            Console.Error.WriteLine("usage: LstmGen.Tests golden   (tests run through 'dotnet test')");
            return 2;
        }

        Console.WriteLine($"accelerated: 512={Vector512.IsHardwareAccelerated} 256={Vector256.IsHardwareAccelerated} 128={Vector128.IsHardwareAccelerated}");
        bool allPass = true;
        foreach (string name in GoldenParity.Cases.Keys)
        {
            foreach (GoldenParity.Api api in Enum.GetValues<GoldenParity.Api>())
            {
                float error = GoldenParity.MaxError(name, api);
                bool pass = error <= GoldenParity.Tolerance;
                allPass &= pass;
                Console.WriteLine($"{name} {api}: {error:E2} {(pass ? "ok" : "FAIL")}");
            }
        }
        foreach (object[] row in PrecomputedInputTests.Names())
        {
            string name = (string)row[0];
            float error = PrecomputedInputTests.MaxError(name);
            bool pass = error <= GoldenParity.Tolerance;
            allPass &= pass;
            Console.WriteLine($"projected {name}: {error:E2} {(pass ? "ok" : "FAIL")}");
        }
        foreach (object[] row in BFloat16Parity.Names())
        {
            string name = (string)row[0];
            float error = BFloat16Parity.MaxError(name);
            bool pass = error <= 1e-6f;
            allPass &= pass;
            Console.WriteLine($"bfloat16 {name}: {error:E2} {(pass ? "ok" : "FAIL")}");
        }
        foreach (object[] row in RunTimeSizedBFloat16Parity.Names())
        {
            string name = (string)row[0];
            float error = RunTimeSizedBFloat16Parity.MaxError(name, LstmGen.Kernels.RecurrentVectorKernel.BestPath);
            bool pass = error <= 1e-6f;
            allPass &= pass;
            Console.WriteLine($"run-time-sized bfloat16 {name}: {error:E2} {(pass ? "ok" : "FAIL")}");
        }
        Check("run-time-sized bfloat16 undefined precision refused", RunTimeSizedBFloat16Parity.UndefinedPrecisionIsRefused);
        foreach (string name in OptionGolden.Names)
        {
            // The run-time-sized models on the option cases, on the widest path this process accelerates.
            float error = OptionGolden.Load(name).AllErrors(LstmGen.Kernels.RecurrentVectorKernel.BestPath).Values.Max();
            bool pass = error <= GoldenParity.Tolerance;
            allPass &= pass;
            Console.WriteLine($"run-time-sized {name}: {error:E2} {(pass ? "ok" : "FAIL")}");
        }
        var options = new OptionsParityTests();
        foreach (System.Reflection.MethodInfo check in typeof(OptionsParityTests).GetMethods()
            .Where(method => method.GetParameters().Length == 0 && method.IsDefined(typeof(Xunit.FactAttribute), inherit: false)))
            Check($"options {check.Name}", () => check.Invoke(options, null));
        var timeMajor = new TimeMajorTests();
        foreach (object[] row in TimeMajorTests.Cases())
            Check($"time-major {row[0]}", () => timeMajor.Generated_models_match_PyTorch((string)row[0])); // every overload and readout
        Check("time-major split over cores", timeMajor.A_time_major_tensor_split_over_cores_equals_its_sequences_one_by_one);
        return allPass ? 0 : 1;

        // Runs a check that throws when it fails, and prints its outcome.
        void Check(string name, Action check)
        {
            string? failure = null;
            try
            {
                check();
            }
            catch (Exception error)
            {
                failure = (error as System.Reflection.TargetInvocationException)?.InnerException?.Message ?? error.Message;
            }
            allPass &= failure is null;
            Console.WriteLine($"{name}: {failure ?? "ok"}");
        }
    }
}
