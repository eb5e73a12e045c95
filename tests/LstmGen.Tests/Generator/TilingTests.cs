using System.Linq;
using System.Text.RegularExpressions;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>
/// Each SIMD path takes the tiling with the fewest vectors per weight column, then the narrowest vectors; an LSTM's
/// units left over by whole tiles share vectors in a rest tile when a quarter or half of a vector holds them. The
/// weights are packed for the tiling of the CPU they run on.
/// </summary>
public class TilingTests
{
    [Theory]
    [InlineData("Lstm", 4, "Vector512:0+4 Vector256:0+4 Vector128:1")] // 4 units' gates in one Vector512, or two Vector256
    [InlineData("Lstm", 8, "Vector512:0+8 Vector256:1 Vector128:2")]
    [InlineData("Lstm", 12, "Vector512:1 Vector256:1+4 Vector128:3")] // 12 units fit no quarter or half of a Vector512
    [InlineData("Lstm", 20, "Vector512:1+4 Vector256:2+4 Vector128:5")]
    [InlineData("Lstm", 40, "Vector512:2+8 Vector256:5 Vector128:10")]
    [InlineData("Lstm", 64, "Vector512:4 Vector256:8 Vector128:16")]
    [InlineData("Gru", 20, "Vector512:2 Vector256:3 Vector128:5")] // GRU tiles stay whole
    [InlineData("Gru", 8, "Vector256:1 Vector128:2")]
    public void Each_path_gets_the_fewest_vectors_per_column(string cell, int hiddenSize, string expected)
    {
        string source = Generate(hiddenSize, cell);

        var tilings = Regex.Matches(source,
                @"private readonly struct (Vector\d+)Tiles : ITiles\s*\{\s*public static int Lanes => \d+;\s*public static int Tiles => (\d+);\s*public static int RestLanes => (\d+);")
            .Select(match => $"{match.Groups[1].Value}:{match.Groups[2].Value}{(match.Groups[3].Value != "0" ? "+" + match.Groups[3].Value : "")}");
        Assert.Equal(expected, string.Join(" ", tilings));
    }

    [Fact]
    public void The_weights_are_packed_for_the_widest_accelerated_path()
    {
        string source = Generate(20);

        Assert.Contains("""
                        if (Vector512.IsHardwareAccelerated)
                            return Pack<Vector512Tiles>(weights);
                        else if (Vector256.IsHardwareAccelerated)
                            return Pack<Vector256Tiles>(weights);
                        else if (Vector128.IsHardwareAccelerated)
                            return Pack<Vector128Tiles>(weights);
                        else
                            return Pack<Vector512Tiles>(weights); // no SIMD: the scalar path reads the tiling the state is padded for
            """, source);
        Assert.Contains("_packedWeights = global::LstmGen.Generated.MKernel.Pack(weights);", source);
        Assert.Contains("RecurrentPacking.Pack(weights, InputSize, HiddenSize, OutputSize, NumLayers, T.Lanes, T.RestLanes),", source);
    }

    private static string Generate(int hiddenSize, string cell = "Lstm")
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($"[LstmGen.{cell}(3, {hiddenSize}, 2, 5)] public partial class M {{ }}");
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        return result.Sources.Single().SourceText.ToString();
    }
}
