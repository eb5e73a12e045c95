using System;
using System.IO;
using System.Linq;
using LstmGen.Tests.Support;
using Microsoft.CodeAnalysis;
using Xunit;

namespace LstmGen.Tests.Parity;

// Weights compiled in from the project's LstmGenWeights items (see LstmGen.Tests.csproj).
[Lstm(5, 8, 2, 7, Weights = "Golden/seed.weights.safetensors")] public partial class EmbeddedSeedModel : ILstmTestModel;
[Gru(7, 13, 5, 11, NumLayers = 2, Weights = "Golden/gru2_odd.weights.safetensors")] public partial class EmbeddedGruModel : IGruTestModel;

/// <summary>Models with Weights = "…" are ready to run when constructed; bad files are compile-time errors.</summary>
public class EmbeddedWeightsTests
{
    private static float Error(ITestModel model, string caseName)
    {
        SafetensorsFile io = SafetensorsFile.Load(GoldenParity.GoldenPath(caseName + ".io.safetensors"));
        return GoldenParity.MaxAbsDifference(model.Forward(io.ReadTensor("x")).AsSpan(), io.ReadFloats("y"));
    }

    [Fact]
    public void A_new_instance_runs_the_compiled_in_weights()
    {
        Assert.True(Error(new EmbeddedSeedModel(), "seed") <= GoldenParity.Tolerance);
        Assert.True(Error(new EmbeddedGruModel(), "gru2_odd") <= GoldenParity.Tolerance);
    }

    [Fact]
    public void Loading_other_weights_leaves_other_instances_alone()
    {
        var changed = new EmbeddedSeedModel();
        changed.InitializeWeights(seed: 1);
        Assert.True(Error(changed, "seed") > 1e-3f);
        Assert.True(Error(new EmbeddedSeedModel(), "seed") <= GoldenParity.Tolerance);
    }

    private static readonly byte[] SeedWeights = File.ReadAllBytes(GoldenParity.GoldenPath("seed.weights.safetensors"));

    [Theory]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"other.safetensors\")]", "LSTMGEN011", "no <LstmGenWeights Include=\"other.safetensors\" /> item")]
    [InlineData("[Lstm(5, 9, 2, 7, Weights = \"model.safetensors\")]", "LSTMGEN012", "'lstm.weight_ih_l0' has shape [32, 5] but the model expects [36, 5]")]
    [InlineData("[Lstm(5, 8, 3, 7, Weights = \"model.safetensors\")]", "LSTMGEN012", "'fc.weight' has shape [2, 8] but the model expects [3, 8]")]
    [InlineData("[Lstm(5, 8, 2, 7, NumLayers = 2, Weights = \"model.safetensors\")]", "LSTMGEN012", "holds a 1-layer LSTM")]
    [InlineData("[Gru(5, 8, 2, 7, Weights = \"model.safetensors\")]", "LSTMGEN012", "holds a 0-layer GRU")]
    [InlineData("[Lstm(5, 8, 2, 7, LstmPrefix = \"rnn.\", Weights = \"model.safetensors\")]", "LSTMGEN012", "rnn.weight_ih_l0")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"truncated.safetensors\")]", "LSTMGEN012", "outside the")]
    public void Files_that_do_not_fit_are_compile_time_errors(string attribute, string id, string message)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            $"using LstmGen;\n{attribute} public partial class M {{ }}",
            parseOptions: null,
            new GeneratorHarness.WeightsFile("model.safetensors", SeedWeights),
            new GeneratorHarness.WeightsFile("truncated.safetensors", SeedWeights[..^40]));

        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(message, diagnostic.GetMessage());
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void The_file_is_embedded_byte_for_byte()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            "[LstmGen.Lstm(5, 8, 2, 7, Weights = \"model.safetensors\")] public partial class M { }",
            parseOptions: null,
            new GeneratorHarness.WeightsFile("model.safetensors", SeedWeights));

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        string source = result.Sources.Single().SourceText.ToString();
        Assert.Contains($"({SeedWeights.Length} bytes)", source);
        Assert.Contains("private global::LstmGen.Kernels.PackedWeights? _packedWeights = global::LstmGen.Generated.MKernel.EmbeddedWeights;", source);
    }
}
