using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Packaging;

/// <summary>Samples published with NativeAOT: no trim or AOT warnings, and the JIT build's output.</summary>
[Collection(Commands.BuildCollection)]
public class NativeAotTests
{
    [Fact]
    public void The_sample_publishes_natively_without_warnings_and_prints_the_same()
    {
        var (native, jit) = PublishAndRun("SimpleLstm");
        Assert.Contains("Output shape: [3, 2]", native);
        Assert.Equal(jit, native);
    }

    [Fact]
    public void Compiled_in_weights_are_read_from_the_native_executable()
    {
        // The streaming sample's model reads its weights from a manifest resource, which ILC keeps. Only the time differs.
        static string[] Results(string output) => output.Split('\n').Where(line => !line.StartsWith("Time per sample")).ToArray();
        var (native, jit) = PublishAndRun("Streaming");
        Assert.Contains("Hidden state after the stream: 40 values", native);
        Assert.Equal(Results(jit), Results(native));
    }

    // Publishes a sample natively and runs the executable, then the sample with the JIT: both outputs.
    private static (string Native, string Jit) PublishAndRun(string name)
    {
        string sample = Path.Combine(Commands.RepositoryRoot(), "samples", name);
        string output = Path.Combine(Path.GetTempPath(), "lstmgen-aot-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string publish = Commands.Run(sample, "dotnet", ["publish", "-r", RuntimeInformation.RuntimeIdentifier, "-c", "Release", "-o", output]);
            Assert.DoesNotMatch(@"warning (IL\d+|CS\d+)", publish);
            return (Commands.Run(sample, Path.Combine(output, name), []), Commands.Run(sample, "dotnet", ["run", "-c", "Release"]));
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }
}
