using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace LstmGen.Tests.Parity;

/// <summary>
/// Re-runs every golden case in a child process with SIMD widths switched off, so each path the
/// generator emits (Vector512, Vector256, Vector128, scalar) is checked against libtorch on this machine.
/// </summary>
public class SimdPathTests
{
    [Theory]
    [InlineData("default", "", null)]
    // .NET 8 reads EnableAVX512F, .NET 10 EnableAVX512; set both.
    [InlineData("no AVX-512", "DOTNET_EnableAVX512F=0;DOTNET_EnableAVX512=0", "512=False")]
    [InlineData("no AVX2", "DOTNET_EnableAVX2=0", "256=False")]
    [InlineData("scalar", "DOTNET_EnableHWIntrinsic=0", "128=False")]
    public void Golden_cases_pass_on_every_path(string path, string environment, string? expectedAcceleration)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LstmGen.Tests.dll"));
        start.ArgumentList.Add("golden");
        foreach (string setting in environment.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] pair = setting.Split('=');
            start.Environment[pair[0]] = pair[1];
        }

        using Process child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        string errors = child.StandardError.ReadToEnd();
        child.WaitForExit();

        Assert.True(child.ExitCode == 0, $"{path}: exit code {child.ExitCode}\n{output}\n{errors}");
        if (expectedAcceleration is not null)
            Assert.Contains(expectedAcceleration, output);
    }
}
