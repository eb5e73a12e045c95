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
    [InlineData(64, 256, 10, 100)]
    [InlineData(4096, 1024, 4096, 65536)]
    [InlineData(32, 32, 1, 10)]
    [InlineData(96, 32, 1, 10)]
    public void Each_recurrence_stays_within_the_unroll_budget(int inputSize, int hiddenSize, int outputSize, int seqLen)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($"[LstmGen.Lstm({inputSize}, {hiddenSize}, {outputSize}, {seqLen})] public partial class M {{ }}");
        Assert.Empty(result.CompilationDiagnostics);
        string source = result.Sources.Single().SourceText.ToString();

        // Every SIMD path has its own tiling, and a model whose weights exceed the L1 cache gets each layer twice
        // (odd steps read backwards): (32, 32) unrolls both column loops of 3 tilings × 2 directions, about 245 KB;
        // (96, 32) also projects its input, so its layer 0 comes twice more, without the W_ih columns.
        Assert.True(source.Length < 300_000, $"{source.Length} characters of generated source");
        string[] methods = Regex.Split(source, @"static void ").Skip(1).ToArray();
        Assert.Contains(methods, method => method.StartsWith("Run"));
        foreach (string method in methods)
        {
            int multiplyAdds = Regex.Matches(method, @"KernelMath\.MultiplyAdd\(").Count;
            // Two unrolled loops (W_ih, W_hh) at most, plus the cell update; twice over when odd steps run backwards.
            Assert.True(multiplyAdds <= 2 * (2 * 128 + 16), $"{method[..method.IndexOf('(')]} has {multiplyAdds} multiply-adds");
        }
    }
}
