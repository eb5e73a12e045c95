using System.Linq;
using System.Text.RegularExpressions;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>
/// Each SIMD path takes the fewest tiles its vectors allow and, among tilings with that many tiles, the narrowest
/// vectors; the weights are packed for the tiling of the CPU they run on.
/// </summary>
public class TilingTests
{
    [Theory]
    [InlineData(4, "Vector128:1")] // every path: one tile of 4
    [InlineData(8, "Vector256:1 Vector128:2")] // Vector512 gains nothing over one Vector256 tile
    [InlineData(12, "Vector512:1 Vector256:2 Vector128:3")]
    [InlineData(20, "Vector512:2 Vector256:3 Vector128:5")]
    [InlineData(64, "Vector512:4 Vector256:8 Vector128:16")]
    public void Each_path_gets_the_fewest_and_narrowest_tiles(int hiddenSize, string expected)
    {
        string source = Generate(hiddenSize);

        var tilings = Regex.Matches(source, @"private static class (Vector\d+)Tiles\s*\{\s*public const int Lanes = \d+;\s*private const int Tiles = (\d+);")
            .Select(match => $"{match.Groups[1].Value}:{match.Groups[2].Value}");
        Assert.Equal(expected, string.Join(" ", tilings));
    }

    [Fact]
    public void The_weights_are_packed_for_the_widest_accelerated_path()
    {
        string source = Generate(20);

        Assert.Contains("""
                    public static int Lanes =>
                        Vector512.IsHardwareAccelerated ? Vector512Tiles.Lanes
                        : Vector256.IsHardwareAccelerated ? Vector256Tiles.Lanes
                        : Vector128.IsHardwareAccelerated ? Vector128Tiles.Lanes
                        : Vector512Tiles.Lanes; // no SIMD: the scalar path reads the widest tiling
            """, source);
        Assert.Contains("RecurrentPacking.Pack(weights, InputSize, HiddenSize, OutputSize, NumLayers, global::LstmGen.Generated.MKernel.Lanes)", source);
    }

    private static string Generate(int hiddenSize)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($"[LstmGen.Lstm(3, {hiddenSize}, 2, 5)] public partial class M {{ }}");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        return result.Sources.Single().SourceText.ToString();
    }
}
