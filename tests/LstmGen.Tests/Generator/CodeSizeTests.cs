using System.Linq;
using System.Text.RegularExpressions;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>
/// The generated kernel stays small enough for the JIT to optimize fully (very large methods fall back to
/// minimal optimization), however large the model.
/// </summary>
public class CodeSizeTests
{
    [Theory]
    [InlineData("Lstm(64, 256, 10, 100)")]
    [InlineData("Lstm(4096, 1024, 4096, 65536)")]
    [InlineData("Lstm(32, 32, 1, 10)")]
    [InlineData("Lstm(96, 32, 1, 10)")]
    [InlineData("Lstm(28, 20, 1, 10)")]
    [InlineData("Lstm(16, 64, 4, 50, ProjSize = 32)")]
    [InlineData("Lstm(32, 33, 4, 50, NumLayers = 2, Bidirectional = true)")]
    [InlineData("Gru(32, 33, 4, 50)")]
    public void Each_layer_method_stays_within_the_unroll_budget(string attribute)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($"[LstmGen.{attribute}] public partial class M {{ }}");
        Assert.Empty(result.CompilationDiagnostics);
        string source = result.Sources.Single().SourceText.ToString();

        // Every SIMD path has its own tiling, and a model whose weights exceed the L1 cache gets each layer twice
        // (odd steps read backwards); (96, 32) also projects its input, so its layer 0 comes twice more.
        Assert.True(source.Length < 300_000, $"{source.Length} characters of generated source");
        string[] methods = Regex.Split(source, @"static void ").Skip(1).ToArray();
        Assert.Contains(methods, method => method.StartsWith("Layer") || method.StartsWith("TilesLayer"));
        foreach (string method in methods)
        {
            // Each inlined SIMD call adds JIT locals; past 512 the JIT inlines nothing more. A layer method of 288 such
            // calls lost its cell update's inlining in a probe (docs/kernel-choices.md), one of 240 did not.
            int calls = Regex.Matches(method, @"\.(MultiplyAdd|Create)\(").Count;
            Assert.True(calls <= 240, $"{method[..method.IndexOf('(')]} has {calls} broadcasts and multiply-adds");
        }
    }
}
