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
[Gru(5, 8, 2, 7, Weights = "Golden/gru_seed.weights.pt")] public partial class EmbeddedPtGruModel : IGruTestModel;
[Lstm(5, 8, 2, 7, Weights = "Golden/pt/seed.checkpoint.pt")] public partial class EmbeddedCheckpointModel : ILstmTestModel;

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
    public void Torch_save_files_are_compiled_in_too()
    {
        Assert.True(Error(new EmbeddedPtGruModel(), "gru_seed") <= GoldenParity.Tolerance);
        Assert.True(Error(new EmbeddedCheckpointModel(), "seed") <= GoldenParity.Tolerance); // the state_dict inside a checkpoint
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

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(message, diagnostic.GetMessage());
        Assert.Empty(result.Sources);
    }

    private static readonly byte[] SeedPt = File.ReadAllBytes(GoldenParity.GoldenPath("seed.weights.pt"));

    [Theory]
    [InlineData("[Lstm(5, 9, 2, 7, Weights = \"model.pt\")]", "'lstm.weight_ih_l0' has shape [32, 5] but the model expects [36, 5]")]
    [InlineData("[Lstm(5, 8, 2, 7, NumLayers = 2, Weights = \"model.pt\")]", "holds a 1-layer LSTM")]
    [InlineData("[Gru(5, 8, 2, 7, Weights = \"model.pt\")]", "found no state_dict holding 'gru.weight_ih_l0'")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"truncated.pt\")]", "the zip archive is truncated or corrupt")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"evil.pt\")]", "a call to posix.system (never run)")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"legacy.pt\")]", "legacy format")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"ambiguous.pt\")]", "2 dicts in the file could be the model's state_dict: ['model'], ['ema']")]
    public void Torch_save_files_that_do_not_fit_are_compile_time_errors(string attribute, string message)
    {
        byte[] Pt(string name) => File.ReadAllBytes(GoldenParity.GoldenPath(Path.Combine("pt", name)));
        GeneratorHarness.Result result = GeneratorHarness.Run(
            $"using LstmGen;\n{attribute} public partial class M {{ }}",
            parseOptions: null,
            new GeneratorHarness.WeightsFile("model.pt", SeedPt),
            new GeneratorHarness.WeightsFile("truncated.pt", Pt("seed.truncated.pt")),
            new GeneratorHarness.WeightsFile("evil.pt", Pt("seed.evil.pt")),
            new GeneratorHarness.WeightsFile("legacy.pt", Pt("seed.legacy.pt")),
            new GeneratorHarness.WeightsFile("ambiguous.pt", Pt("ambiguous.pt")));

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("LSTMGEN012", diagnostic.Id);
        Assert.Contains(message, diagnostic.GetMessage());
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void A_torch_save_file_is_embedded_and_read_by_LoadPyTorch()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            "[LstmGen.Lstm(5, 8, 2, 7, Weights = \"model.pt\")] public partial class M { }",
            parseOptions: null,
            new GeneratorHarness.WeightsFile("model.pt", SeedPt));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        string source = result.Sources.Single().SourceText.ToString();
        Assert.Contains($"({SeedPt.Length} bytes)", source);
        Assert.Contains("LstmWeights.LoadPyTorch(new global::System.IO.MemoryStream(WeightsFile.ToArray(), writable: false),", source);
    }

    [Fact]
    public void The_file_is_embedded_byte_for_byte()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            "[LstmGen.Lstm(5, 8, 2, 7, Weights = \"model.safetensors\")] public partial class M { }",
            parseOptions: null,
            new GeneratorHarness.WeightsFile("model.safetensors", SeedWeights));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        string source = result.Sources.Single().SourceText.ToString();
        Assert.Contains($"({SeedWeights.Length} bytes)", source);
        Assert.Contains("private global::LstmGen.Kernels.PackedWeights? _packedWeights = global::LstmGen.Generated.MKernel.EmbeddedWeights;", source);
    }
}
