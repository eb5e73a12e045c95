using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Packaging;

/// <summary>
/// The generated code's Vector128 path and the run-time-sized models on an ARM64 CPU: tests/LstmGen.Arm64Probe, published
/// self-contained for linux-arm64, runs every golden case through every API and must match libtorch. On an x64 Linux
/// machine it runs under QEMU user-mode emulation (Debian's qemu-user-static and the arm64 cross libraries, installed by
/// this test with apt-get when missing: a machine that cannot install them fails the test, it is not skipped).
/// </summary>
[Collection(Commands.BuildCollection)]
public class Arm64Tests
{
    private static readonly string[] EmulationPackages = ["qemu-user-static", "libc6-arm64-cross", "libstdc++6-arm64-cross", "libgcc-s1-arm64-cross"];
    private const string Qemu = "/usr/bin/qemu-aarch64-static";
    private const string Sysroot = "/usr/aarch64-linux-gnu";

    private readonly ITestOutputHelper _output;

    public Arm64Tests(ITestOutputHelper output) => _output = output;

    [LinuxFact]
    public void Every_golden_case_matches_libtorch_through_every_api_on_arm64()
    {
        bool native = RuntimeInformation.OSArchitecture == Architecture.Arm64;
        string repository = Commands.RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "lstmgen-arm64-" + Guid.NewGuid().ToString("N")[..8]);
        var clock = Stopwatch.StartNew();
        var timings = new List<string>();
        void Lap(string what)
        {
            timings.Add($"{what} {clock.Elapsed.TotalSeconds:F1} s");
            clock.Restart();
        }
        try
        {
            if (!native && !EmulatorInstalled())
            {
                var apt = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
                Commands.Run(repository, "apt-get", ["update"], apt);
                Commands.Run(repository, "apt-get", ["install", "-y", "--no-install-recommends", .. EmulationPackages], apt);
                Assert.True(EmulatorInstalled(), $"apt-get installed {string.Join(", ", EmulationPackages)}, but {Qemu} or the arm64 libraries are still missing");
                Lap("apt-get install");
            }

            // The probe references these builds (see its .csproj).
            Commands.Run(repository, "dotnet", ["build", Path.Combine(repository, "runtime"), "-c", "Release"]);
            Lap("build runtime");
            Commands.Run(repository, "dotnet", ["publish", Path.Combine(repository, "tests", "LstmGen.Arm64Probe"), "-r", "linux-arm64", "-c", "Release", "-o", work]);
            Lap("publish probe for linux-arm64");

            string probe = Path.Combine(work, "LstmGen.Arm64Probe");
            string output = native ? Commands.Run(work, probe, []) : Commands.Run(work, Qemu, ["-L", Sysroot, probe]);
            Lap(native ? "run natively" : "run under QEMU");
            _output.WriteLine(output);
            _output.WriteLine(string.Join("; ", timings));

            Assert.Contains("architecture: Arm64, accelerated: 512=False 256=False 128=True", output);
            // Each golden case: 5 APIs of the generated model, 5 checks of the run-time-sized one; then each bfloat16
            // model against its float32 twin; all within the bar.
            int checks = Regex.Matches(output, @"^\S+ \S+ \S+: \S+ ok$", RegexOptions.Multiline).Count;
            Assert.Equal(GoldenParity.Cases.Count * (Enum.GetValues<GoldenParity.Api>().Length + 5) + BFloat16Parity.Names().Count(), checks);
            Assert.DoesNotContain("FAIL", output);
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    private static bool EmulatorInstalled() =>
        File.Exists(Qemu) && new[] { "ld-linux-aarch64.so.1", "libc.so.6", "libstdc++.so.6", "libgcc_s.so.1" }
            .All(library => File.Exists(Path.Combine(Sysroot, "lib", library)));
}
