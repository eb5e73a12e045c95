using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Packaging;

/// <summary>What a user does: pack LstmGen.Tool, install it with <c>dotnet tool install --tool-path</c> from the packed
/// folder, and run <c>lstmgen inspect</c> on PyTorch's files.</summary>
[Collection(Commands.BuildCollection)]
public class ToolTests
{
    [Fact]
    public void The_installed_tool_prints_the_declaration_and_every_tensor()
    {
        string repository = Commands.RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "lstmgen-tool-" + Guid.NewGuid().ToString("N")[..8]);
        string feed = Path.Combine(work, "feed"), tools = Path.Combine(work, "tools"), home = Path.Combine(work, "home");
        Directory.CreateDirectory(home);
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Path.Combine(Path.GetTempPath(), "lstmgen-consumer-nuget"),
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            };
            string version = "0.1.0-tool." + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
            Commands.Run(repository, "dotnet", ["pack", Path.Combine(repository, "tools", "LstmGen.Tool"), "-c", "Release", "-o", feed, $"-p:Version={version}"], environment);
            using (ZipArchive package = ZipFile.OpenRead(Path.Combine(feed, $"LstmGen.Tool.{version}.nupkg")))
                Assert.Contains(package.Entries, entry => entry.FullName.EndsWith("/any/LstmGen.dll", StringComparison.Ordinal)); // the same readers, bundled

            // Only the packed folder as a source, so what installs is what was just packed.
            File.WriteAllText(Path.Combine(home, "nuget.config"), "<configuration><packageSources><clear /></packageSources></configuration>");
            Commands.Run(home, "dotnet", ["tool", "install", "--tool-path", tools, "--add-source", feed, "LstmGen.Tool", "--version", version], environment);
            string lstmgen = Path.Combine(tools, OperatingSystem.IsWindows() ? "lstmgen.exe" : "lstmgen");

            string projected = GoldenParity.GoldenPath("pytorch/proj_bi_lstm2.weights.pt");
            var (code, output) = Run(lstmgen, "inspect", projected);
            Assert.Equal(0, code);
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("[Lstm(inputSize: 6, hiddenSize: 20, outputSize: 4, seqLen: /* your length */ 1, NumLayers = 2, Bidirectional = true, ProjSize = 7)]", lines[0]);
            Assert.Equal("// batch_first is not in the file: for a module built without batch_first=True (batches [T, batch, …]), add BatchFirst = false.", lines[1]);
            Assert.Equal("22 tensors:", lines[2]);
            PyTorchFile pt = PyTorchFile.Load(projected);
            Assert.Equal(pt.TensorNames.Select(name => $"  {name}  F32  {Tensor.FormatShape(pt.GetShape(name).ToArray())}"), lines[3..]);
            Assert.Contains("  lstm.weight_hr_l1_reverse  F32  [7, 20]", lines);

            (code, output) = Run(lstmgen, "inspect", GoldenParity.GoldenPath("pytorch/bare_gru.weights.safetensors"));
            Assert.Equal(0, code);
            Assert.StartsWith("[Gru(inputSize: 4, hiddenSize: 8, outputSize: 0, seqLen: /* your length */ 1, Bidirectional = true, GruPrefix = \"\")]\n", output);
            Assert.Contains("\n  weight_hh_l0_reverse  F32  [24, 8]\n", output);

            (code, output) = Run(lstmgen, "inspect", "--state-dict-key", "ema", GoldenParity.GoldenPath("pt/ambiguous.pt"));
            Assert.Equal(0, code);
            Assert.StartsWith("[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: /* your length */ 1)]\n", output);

            (code, output) = Run(lstmgen, "inspect", GoldenParity.GoldenPath("gru2_odd.weights.pt"), "--prefix", "gru.");
            Assert.Equal(0, code);
            Assert.StartsWith("[Gru(inputSize: 7, hiddenSize: 13, outputSize: 5, seqLen: /* your length */ 1, NumLayers = 2)]\n", output);

            // A tensor the model does not read (an embedding before the LSTM) is marked.
            (code, output) = Run(lstmgen, "inspect", GoldenParity.GoldenPath("pt/embedding_nohead.pt"));
            Assert.Equal(0, code);
            Assert.Contains("\n  embedding.weight  F32  [100, 8]  (not read by the model)\n  lstm.weight_ih_l0  F32  [32, 8]\n", output);

            // Two recurrent modules: the message names the option that chooses one.
            string twoModules = Path.Combine(work, "two_lstms.safetensors");
            File.WriteAllBytes(twoModules, SafetensorsWriter.Build(
                SafetensorsWriter.F32("enc.weight_ih_l0", [32, 5], new float[160]), SafetensorsWriter.F32("enc.weight_hh_l0", [32, 8], new float[256]),
                SafetensorsWriter.F32("dec.weight_ih_l0", [32, 8], new float[256]), SafetensorsWriter.F32("dec.weight_hh_l0", [32, 8], new float[256])));
            (code, output) = Run(lstmgen, "inspect", twoModules);
            Assert.Equal(1, code);
            Assert.Contains("or lstmgen inspect --prefix \"enc.\".", output);
            (code, output) = Run(lstmgen, "inspect", twoModules, "--prefix", "dec.");
            Assert.Equal(0, code);
            Assert.StartsWith("[Lstm(inputSize: 8, hiddenSize: 8, outputSize: 0, seqLen: /* your length */ 1, Bias = false, LstmPrefix = \"dec.\")]\n", output);

            // A file it cannot use: exit code 1 and the reader's message, which names the file.
            string truncated = GoldenParity.GoldenPath("pt/seed.truncated.pt");
            (code, output) = Run(lstmgen, "inspect", truncated);
            Assert.Equal(1, code);
            Assert.StartsWith($"lstmgen: {truncated}: ", output);
            (code, output) = Run(lstmgen, "inspect", Path.Combine(work, "absent.pt"));
            Assert.Equal(1, code);
            Assert.Contains("absent.pt", output);
            (code, output) = Run(lstmgen, "inspect", "");
            Assert.Equal(1, code);
            Assert.StartsWith("lstmgen: ", output);

            // No arguments or bad ones: what is wrong, the usage, and a non-zero exit code.
            (code, output) = Run(lstmgen);
            Assert.Equal(2, code);
            Assert.StartsWith("Usage: lstmgen inspect <file>", output);
            foreach ((string[] arguments, string problem) in new (string[], string)[]
            {
                (["inspect"], "expected a weights file after inspect."),
                (["inspect", projected, "extra.pt"], $"one file at a time: got '{projected}' and 'extra.pt'."),
                (["inspect", projected, "--prefix"], "--prefix needs a value."),
                (["inspect", projected, "--prefix", "a.", "--prefix", "b."], "--prefix is given twice."),
                (["check", projected], "unknown command 'check'; the command is inspect."),
                (["inspect", "--verbose", projected], "unknown option '--verbose'."),
            })
            {
                (code, output) = Run(lstmgen, arguments);
                Assert.True(code == 2, $"lstmgen {string.Join(' ', arguments)} exited with {code}");
                Assert.StartsWith($"lstmgen: {problem}\nUsage: lstmgen inspect <file>", output);
            }
            (code, output) = Run(lstmgen, "--version");
            Assert.Equal(0, code);
            Assert.Matches(@"^lstmgen \d+\.\d+\.\d+", output);
            (code, output) = Run(lstmgen, "--help");
            Assert.Equal(0, code);
            Assert.StartsWith("Usage: lstmgen inspect <file>", output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // The exit code and stdout + stderr of a command that may fail.
    private static (int ExitCode, string Output) Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Replace("\r\n", "\n"));
    }
}
