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
                @"internal readonly struct (Vector\d+)Tiles : ITiling\s*\{\s*public static int Lanes => \d+;\s*public static int Tiles => (\d+);\s*public static int RestLanes => (\d+);")
            .Select(match => $"{match.Groups[1].Value}:{match.Groups[2].Value}{(match.Groups[3].Value != "0" ? "+" + match.Groups[3].Value : "")}");
        Assert.Equal(expected, string.Join(" ", tilings));
    }

    [Theory]
    [InlineData("Lstm", 20, "MModel.Vector512Tiles, MModel.Vector256Tiles, MModel.Vector128Tiles")]
    [InlineData("Gru", 8, "MModel.Vector256Tiles, MModel.Vector256Tiles, MModel.Vector128Tiles")] // Vector512 runs Vector256's tiling
    public void Each_path_runs_and_packs_for_its_tiling(string cell, int hiddenSize, string tilings)
    {
        string source = Generate(hiddenSize, cell);

        // The runtime's driver dispatches (and packs) by its type arguments, in path order: Vector512, Vector256, Vector128.
        Assert.Contains($"file sealed class MKernel : RecurrentKernel<MModel, {tilings}> {{ }}", source);
        Assert.Contains("_packedWeights = global::LstmGen.Generated.MKernel.Pack(weights);", source);
    }

    public static TheoryData<int> HiddenSizes() => [.. Enumerable.Range(1, 40), 63, 65, 100, 129, 257];

    [Theory]
    [MemberData(nameof(HiddenSizes))]
    public void The_state_is_padded_for_every_tiling_by_the_widest_paths(int hiddenSize)
    {
        // Without SIMD the runtime runs the Vector512 path's tiling through the scalar kernel, which reads the state with
        // that tiling's stride: so StateStride must be that tiling's, and hold every other tiling's units.
        string source = Generate(hiddenSize);
        int stride = int.Parse(Regex.Match(source, @"public static int StateStride => (\d+);").Groups[1].Value);
        var tilings = Regex.Matches(source,
                @"internal readonly struct (Vector\d+)Tiles : ITiling\s*\{\s*public static int Lanes => (\d+);\s*public static int Tiles => (\d+);\s*public static int RestLanes => (\d+);")
            .ToDictionary(match => match.Groups[1].Value, match => int.Parse(match.Groups[2].Value) * int.Parse(match.Groups[3].Value) + int.Parse(match.Groups[4].Value));
        string widest = Regex.Match(source, @"RecurrentKernel<MModel, MModel\.(Vector\d+)Tiles").Groups[1].Value;
        Assert.Equal((tilings[widest] + 15) / 16 * 16, stride);
        Assert.All(tilings.Values, padded => Assert.True(padded <= stride, $"{padded} units padded, state stride {stride}"));
    }

    private static string Generate(int hiddenSize, string cell = "Lstm")
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($"[LstmGen.{cell}(3, {hiddenSize}, 2, 5)] public partial class M {{ }}");
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        return result.Sources.Single().SourceText.ToString();
    }
}
