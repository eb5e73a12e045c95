using System;
using System.IO;
using System.Runtime.InteropServices;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Packaging;

/// <summary>The seed sample published with NativeAOT: no trim or AOT warnings, and the JIT build's output.</summary>
[Collection(Commands.BuildCollection)]
public class NativeAotTests
{
    [Fact]
    public void The_sample_publishes_natively_without_warnings_and_prints_the_same()
    {
        string sample = Path.Combine(Commands.RepositoryRoot(), "samples", "SimpleLstm");
        string output = Path.Combine(Path.GetTempPath(), "lstmgen-aot-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string publish = Commands.Run(sample, "dotnet", ["publish", "-r", RuntimeInformation.RuntimeIdentifier, "-c", "Release", "-o", output]);
            Assert.DoesNotMatch(@"warning (IL\d+|CS\d+)", publish);

            string native = Commands.Run(sample, Path.Combine(output, "SimpleLstm"), []);
            string jit = Commands.Run(sample, "dotnet", ["run", "-c", "Release"]);
            Assert.Contains("Output shape: [3, 2]", native);
            Assert.Equal(jit, native);
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }
}
