using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using LstmGen.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace LstmGen.Tests.Parity;

// Weights compiled in from the project's LstmGenWeights items (see LstmGen.Tests.csproj).
[Lstm(5, 8, 2, 7, Weights = "Golden/seed.weights.safetensors")] public partial class EmbeddedSeedModel : ILstmTestModel;
[Gru(7, 13, 5, 11, NumLayers = 2, Weights = "Golden/gru2_odd.weights.safetensors")] public partial class EmbeddedGruModel : IGruTestModel;
[Gru(5, 8, 2, 7, Weights = "Golden/gru_seed.weights.pt")] public partial class EmbeddedPtGruModel : IGruTestModel;
[Gru(4, 6, 3, 8, NumLayers = 2, Bidirectional = true, Weights = "Golden/made/legacy_bi_gru2.weights.pt")] public partial class EmbeddedLegacyCheckpointGru;
[Lstm(5, 8, 2, 7, Weights = "Golden/pt/seed.checkpoint.pt")] public partial class EmbeddedCheckpointModel : ILstmTestModel;

/// <summary>Models with Weights = "…" are ready to run when constructed; bad files are compile-time errors.</summary>
public class EmbeddedWeightsTests
{
    private static float Error(ITestModel model, string caseName) => Error(model.Forward, caseName);

    private static float Error(Func<Tensor, Tensor> forward, string caseName)
    {
        SafetensorsFile io = SafetensorsFile.Load(GoldenParity.GoldenPath(caseName + ".io.safetensors"));
        return GoldenParity.MaxAbsDifference(forward(io.ReadTensor("x")).AsSpan(), io.ReadFloats("y"));
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
    public void A_checkpoint_in_the_legacy_format_is_compiled_in_too()
    {
        // torch.save before PyTorch 1.6: the state_dict beside Adam's state and an int64 epoch (Golden/made/make_legacy.py).
        OptionGolden golden = OptionGolden.Load("legacy_bi_gru2");
        var output = new float[golden.Batch * golden.OutputSize];
        float[] h = golden.Io.ReadFloats("h0");
        new EmbeddedLegacyCheckpointGru().Forward(golden.X.AsSpan(), output, golden.Lengths!, h);

        Assert.True(GoldenParity.MaxAbsDifference(output, golden.Io.ReadFloats("y_last")) <= GoldenParity.Tolerance);
        Assert.True(GoldenParity.MaxAbsDifference(h, golden.Io.ReadFloats("h_n")) <= GoldenParity.Tolerance);
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

    // A golden safetensors file rewritten: its tensors renamed (null: left out), then the extra ones.
    private static byte[] Rewritten(string golden, Func<string, string?> rename, params SafetensorsWriter.Entry[] extra)
    {
        SafetensorsFile file = SafetensorsFile.Load(GoldenParity.GoldenPath(golden));
        return SafetensorsWriter.Build(file.TensorNames
            .Where(name => rename(name) is not null)
            .Select(name => SafetensorsWriter.F32(rename(name)!, file.ReadTensor(name).Shape.ToArray(), file.ReadFloats(name))).Concat(extra));
    }

    [Theory]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"other.safetensors\")]", "LSTMGEN011", "no <LstmGenWeights Include=\"other.safetensors\" /> item (Weights names the item as written, relative to the project); its items are \"model.safetensors\", ")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"run#3.safetensors\")]", "LSTMGEN011", "'M' compiles in the weights file 'run#3.safetensors', but a weights file whose path holds '#' or ';' cannot be compiled in")]
    [InlineData("[Lstm(5, 9, 2, 7, Weights = \"model.safetensors\")]", "LSTMGEN012", "'lstm.weight_ih_l0' has shape [32, 5] but the model expects [36, 5]: the file's model has hiddenSize: 8")]
    [InlineData("[Lstm(5, 8, 3, 7, Weights = \"model.safetensors\")]", "LSTMGEN012", "'fc.weight' has shape [2, 8] but the model expects [3, 8]: the file's model has outputSize: 2")]
    [InlineData("[Lstm(5, 8, 2, 7, NumLayers = 2, Weights = \"model.safetensors\")]", "LSTMGEN012", "holds a 1-layer LSTM")]
    [InlineData("[Gru(5, 8, 2, 7, Weights = \"model.safetensors\")]", "LSTMGEN012", "it holds an nn.LSTM (keys lstm.weight_ih_l0, …), not an nn.GRU: declare [Lstm(…)]")]
    [InlineData("[Gru(5, 8, 2, 7, GruPrefix = \"lstm.\", Weights = \"model.safetensors\")]", "LSTMGEN012", "it holds an nn.LSTM (lstm.weight_hh_l0 has 4 gates' rows), not an nn.GRU: declare [Lstm(…)]")]
    [InlineData("[Lstm(5, 8, 2, 7, LstmPrefix = \"rnn.\", Weights = \"model.safetensors\")]", "LSTMGEN012", "its LSTM's keys start with \"lstm.\" (lstm.weight_ih_l0, …), not \"rnn.\": declare LstmPrefix = \"lstm.\"")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"bi.safetensors\")]", "LSTMGEN012", "unexpected tensor 'lstm.weight_ih_l0_reverse': the file's LSTM is bidirectional but the model declares no Bidirectional (false, the default): declare Bidirectional = true")]
    [InlineData("[Lstm(5, 8, 2, 7, Bidirectional = true, Weights = \"model.safetensors\")]", "LSTMGEN012", "missing tensor 'lstm.weight_ih_l0_reverse': the model declares Bidirectional = true but the file's LSTM has no _reverse keys (it is unidirectional): remove Bidirectional = true")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"proj.safetensors\")]", "LSTMGEN012", "unexpected tensor 'lstm.weight_hr_l0': the file's LSTM is projected (proj_size=3) but the model declares no ProjSize (0, the default): declare ProjSize = 3")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"nobias.safetensors\")]", "LSTMGEN012", "missing tensor 'lstm.bias_ih_l0': the model declares bias=True (Bias = true, the default) but the file's LSTM has no bias_ih_l0/bias_hh_l0 keys (bias=False): declare Bias = false")]
    [InlineData("[Gru(4, 16, 3, 12, Weights = \"bi_gru2.safetensors\")]", "LSTMGEN012", "the file holds a 2-layer GRU but the model has 1 layer: declare NumLayers = 2; unexpected tensor 'gru.weight_ih_l0_reverse': the file's GRU is bidirectional but the model declares no Bidirectional (false, the default): declare Bidirectional = true")]
    [InlineData("[Lstm(5, 8, 0, 7, Weights = \"model.safetensors\")]", "LSTMGEN012", "unexpected tensor 'fc.weight': the file has a Linear head ('fc.weight' [2, 8]) but the model declares outputSize: 0 (no head): declare outputSize: 2")]
    [InlineData("[Gru(4, 8, 2, 6, GruPrefix = \"\", Bidirectional = true, Weights = \"bare.safetensors\")]", "LSTMGEN012", "missing tensor 'fc.weight': the model declares outputSize: 2 (a Linear head) but the file has no 'fc.weight': declare outputSize: 0 to output the features")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"seq2seq.safetensors\")]", "LSTMGEN012", "it holds 2 LSTMs, under the prefixes \"enc.\", \"dec.\", none under \"lstm.\": declare the one to run, as LstmPrefix = \"enc.\"")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"config.json\")]", "LSTMGEN012", "'config.json' cannot be compiled into 'M': the file starts with text, not with the binary header of a torch.save or safetensors file")]
    [InlineData("[Lstm(5, 8, 3, 7, Weights = \"classifier.safetensors\")]", "LSTMGEN012", "its Linear head is under \"classifier.\" (classifier.weight [2, 8]), not \"fc.\": declare FcPrefix = \"classifier.\"")]
    [InlineData("[Gru(5, 8, 2, 7, Weights = \"projected_gru.safetensors\")]", "LSTMGEN012", "unexpected tensor 'gru.weight_hr_l0': a GRU has no projection (proj_size belongs to nn.LSTM): check that the file is the GRU's")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"truncated.safetensors\")]", "LSTMGEN012", "outside the")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"huge.safetensors\")]", "LSTMGEN012", "it has 16777217 bytes; at most 16777216 can be compiled in (load larger files with LoadSafetensors or LoadPyTorch)")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"fc_out.safetensors\")]", "LSTMGEN012", "the file's head is several layers, which LstmGen does not run: the Linear " +
        "under \"fc.\" reads the LSTM's 8 features, and 'out.weight' its outputs. Declare outputSize: 0 and FcPrefix = \"\" to output the features")]
    public void Files_that_do_not_fit_are_compile_time_errors(string attribute, string id, string message)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            $"using LstmGen;\n{attribute} public partial class M {{ }}",
            parseOptions: null,
            new GeneratorHarness.WeightsFile("model.safetensors", SeedWeights),
            new GeneratorHarness.WeightsFile("truncated.safetensors", SeedWeights[..^40]),
            new GeneratorHarness.WeightsFile("huge.safetensors", new byte[16 * 1024 * 1024 + 1]),
            new GeneratorHarness.WeightsFile("bi.safetensors", Options("bi_lstm")),
            new GeneratorHarness.WeightsFile("proj.safetensors", Options("proj_lstm")),
            new GeneratorHarness.WeightsFile("nobias.safetensors", Options("nobias_lstm")),
            new GeneratorHarness.WeightsFile("bi_gru2.safetensors", Options("bi_gru2")),
            new GeneratorHarness.WeightsFile("bare.safetensors", Options("bare_gru")),
            new GeneratorHarness.WeightsFile("config.json", System.Text.Encoding.UTF8.GetBytes("{\"hidden_size\": 8}")),
            new GeneratorHarness.WeightsFile("classifier.safetensors", Rewritten("seed.weights.safetensors", name => name.Replace("fc.", "classifier.", StringComparison.Ordinal))),
            new GeneratorHarness.WeightsFile("projected_gru.safetensors", Rewritten("gru_seed.weights.safetensors", name => name, SafetensorsWriter.F32("gru.weight_hr_l0", [4, 8], new float[32]))),
            // self.fc = nn.Linear(8, 2), then self.out = nn.Linear(2, 3) reading its outputs
            new GeneratorHarness.WeightsFile("fc_out.safetensors", Rewritten("seed.weights.safetensors", name => name,
                SafetensorsWriter.F32("out.weight", [3, 2], new float[6]), SafetensorsWriter.F32("out.bias", [3], new float[3]))),
            new GeneratorHarness.WeightsFile("seq2seq.safetensors", SafetensorsWriter.Build(
                SafetensorsWriter.F32("enc.weight_ih_l0", [32, 5], new float[160]), SafetensorsWriter.F32("enc.weight_hh_l0", [32, 8], new float[256]),
                SafetensorsWriter.F32("dec.weight_ih_l0", [32, 8], new float[256]), SafetensorsWriter.F32("dec.weight_hh_l0", [32, 8], new float[256]))));

        static byte[] Options(string name) => File.ReadAllBytes(GoldenParity.GoldenPath(Path.Combine("pytorch", name + ".weights.safetensors")));


        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(message, diagnostic.GetMessage());
        Assert.Empty(result.Sources);
    }

    private static readonly byte[] SeedPt = File.ReadAllBytes(GoldenParity.GoldenPath("seed.weights.pt"));

    [Theory]
    [InlineData("[Lstm(5, 9, 2, 7, Weights = \"model.pt\")]", "'lstm.weight_ih_l0' has shape [32, 5] but the model expects [36, 5]: the file's model has hiddenSize: 8")]
    [InlineData("[Lstm(5, 8, 2, 7, NumLayers = 2, Weights = \"model.pt\")]", "holds a 1-layer LSTM")]
    [InlineData("[Gru(5, 8, 2, 7, Weights = \"model.pt\")]", "it holds an nn.LSTM (keys lstm.weight_ih_l0, …), not an nn.GRU: declare [Lstm(…)]")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"rnn_head.pt\")]", "its LSTM's keys start with \"rnn.\" (rnn.weight_ih_l0, …), not \"lstm.\": declare LstmPrefix = \"rnn.\", FcPrefix = \"head.\"")]
    [InlineData("[Lstm(5, 8, 2, 7, LstmPrefix = \"rnn.\", Weights = \"rnn_head.pt\")]", "its Linear head is under \"head.\" (head.weight [2, 8]), not \"fc.\": declare FcPrefix = \"head.\"")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"mlp_head.pt\")]", "the file's head is several layers, which LstmGen does not run: the Linear under \"head.0.\" reads " +
        "the LSTM's 8 features, and 'head.2.weight' its outputs. Declare outputSize: 0 to output the features, and apply those layers to them")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"quantized.pt\")]", "the model is quantized (the file names torch._utils._rebuild_qtensor)")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"truncated.pt\")]", "the zip archive is truncated or corrupt")]
    [InlineData("[Lstm(5, 8, 2, 7, Weights = \"evil.pt\")]", "a call to posix.system (never run)")]
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
            new GeneratorHarness.WeightsFile("ambiguous.pt", Pt("ambiguous.pt")),
            new GeneratorHarness.WeightsFile("rnn_head.pt", Pt("rnn_head.pt")),
            new GeneratorHarness.WeightsFile("mlp_head.pt", Pt("mlp_head.pt")),
            new GeneratorHarness.WeightsFile("quantized.pt", Pt("seed.quantized.pt")));

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
        Assert.Contains($"({SeedPt.Length} bytes,", source);
        Assert.Contains("return Pack(LstmWeights.LoadPyTorch(file,", source);
        Assert.True(Error(Construct(result, "M", ("LstmGen.Weights/model.pt", SeedPt)), "seed") <= GoldenParity.Tolerance);
    }

    [Fact]
    public void A_head_without_bias_compiles_in_and_the_header_says_so()
    {
        // nn.Linear(8, 2, bias=False): the seed's tensors without fc.bias.
        byte[] biasFree = Rewritten("seed.weights.safetensors", name => name == "fc.bias" ? null : name);
        GeneratorHarness.Result result = GeneratorHarness.Run(
            "[LstmGen.Lstm(5, 8, 2, 7, Weights = \"model.safetensors\")] public partial class M { }",
            parseOptions: null,
            new GeneratorHarness.WeightsFile("model.safetensors", biasFree));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Contains("// PyTorch equivalent: nn.LSTM(5, 8, batch_first=True), then nn.Linear(8, 2, bias=False) on the last time step.",
            result.Sources.Single().SourceText.ToString());
        Assert.Contains("then nn.Linear(8, 2) on the last time step.", GeneratorHarness.Run(
            "[LstmGen.Lstm(5, 8, 2, 7, Weights = \"model.safetensors\")] public partial class M { }",
            parseOptions: null,
            new GeneratorHarness.WeightsFile("model.safetensors", SeedWeights)).Sources.Single().SourceText.ToString());
    }

    [Fact]
    public void The_file_is_a_manifest_resource_not_a_byte_array_in_the_source()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(
            "[LstmGen.Lstm(5, 8, 2, 7, Weights = \"model.safetensors\")] public partial class M { }",
            parseOptions: null,
            new GeneratorHarness.WeightsFile("model.safetensors", SeedWeights));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        string source = result.Sources.Single().SourceText.ToString();
        Assert.Contains($"({SeedWeights.Length} bytes,", source);
        Assert.Contains("private global::LstmGen.Kernels.PackedWeights? _packedWeights = global::LstmGen.Generated.MKernel.EmbeddedWeights;", source);
        Assert.Contains("typeof(MKernel).Assembly.GetManifestResourceStream(\"LstmGen.Weights/model.safetensors\")", source);
        // The 2,520 bytes were 158 lines of 16 hex literals each; none is left.
        Assert.DoesNotContain("new byte[]", source);
        Assert.DoesNotMatch(@"0x[0-9A-F]{2}", source);
        Assert.True(Error(Construct(result, "M", ("LstmGen.Weights/model.safetensors", SeedWeights)), "seed") <= GoldenParity.Tolerance);
    }

    [Fact]
    public void A_missing_resource_throws_naming_it_and_what_embeds_it()
    {
        // An assembly built without LstmGen.targets' resource, as a stale or missing import of the targets would build it.
        GeneratorHarness.Result result = GeneratorHarness.Run(
            "namespace Demo; [LstmGen.Gru(5, 8, 2, 7, Weights = \"models/gru.pt\")] public partial class M { }",
            parseOptions: null,
            new GeneratorHarness.WeightsFile("models/gru.pt", File.ReadAllBytes(GoldenParity.GoldenPath("gru_seed.weights.pt"))));
        Assert.Empty(result.CompilationDiagnostics);

        for (int attempt = 0; attempt < 2; attempt++) // the same exception each time, not a TypeInitializationException after the first
        {
            var error = Assert.Throws<InvalidOperationException>(() => Construct(result, "Demo.M"));
            Assert.Equal(
                "Demo.M compiles in models/gru.pt, but assembly UserProject has no manifest resource 'LstmGen.Weights/models/gru.pt'. " +
                "LstmGen.targets embeds each <LstmGenWeights> item under such a name: build the project with the LstmGen.targets of the " +
                "LstmGen that generated Demo.M (a PackageReference to LstmGen imports it).",
                error.Message);
        }
    }

    [Theory]
    [InlineData("model.safetensors", "LstmGen.Weights/model.safetensors")]
    [InlineData(@"weights\seed.safetensors", "LstmGen.Weights/weights/seed.safetensors")]
    [InlineData("../models/seed.safetensors", "LstmGen.Weights/../models/seed.safetensors")]
    [InlineData("odd dir/bob's \"seed\", v1 (ü).de.safetensors", "LstmGen.Weights/odd dir/bob's \"seed\", v1 (ü).de.safetensors")]
    public void The_resource_is_named_after_the_item_as_written_with_forward_slashes(string item, string resource)
    {
        // What LstmGen.targets names it (the test project's own items are checked below), and the generated code reads.
        GeneratorHarness.Result result = GeneratorHarness.Run(
            $"[LstmGen.Lstm(5, 8, 2, 7, Weights = {SymbolDisplay.FormatLiteral(item, quote: true)})] public partial class M {{ }}",
            parseOptions: null,
            new GeneratorHarness.WeightsFile(item, SeedWeights));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Contains($"GetManifestResourceStream({SymbolDisplay.FormatLiteral(resource, quote: true)})", result.Sources.Single().SourceText.ToString());
        Assert.True(Error(Construct(result, "M", (resource, SeedWeights)), "seed") <= GoldenParity.Tolerance);
    }

    [Fact]
    public void This_projects_weights_items_are_its_resources_byte_for_byte()
    {
        // LstmGen.targets' half of the naming, on this project's <LstmGenWeights> items (LstmGen.Tests.csproj).
        string[] items = ["Golden/seed.weights.safetensors", "Golden/gru2_odd.weights.safetensors", "Golden/gru_seed.weights.pt", "Golden/pt/seed.checkpoint.pt",
            "Golden/pt/checkpoint_metrics.pt", "Golden/pt/nobias_head.pt", "Golden/pt/seed.traced.pt", "Golden/made/legacy_bi_gru2.weights.pt",
            "Golden/made/cell_gru.weights.pt"];
        var assembly = typeof(EmbeddedSeedModel).Assembly;
        Assert.Equal(items.Select(item => "LstmGen.Weights/" + item).Order(), assembly.GetManifestResourceNames().Where(name => name.StartsWith("LstmGen.")).Order());
        foreach (string item in items)
        {
            using Stream resource = assembly.GetManifestResourceStream("LstmGen.Weights/" + item)!;
            using var content = new MemoryStream();
            resource.CopyTo(content);
            Assert.Equal(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, item)), content.ToArray());
        }
    }

    // Emits the generated model as a build would, with these manifest resources, constructs it and returns its Forward(Tensor).
    private static Func<Tensor, Tensor> Construct(GeneratorHarness.Result result, string typeName, params (string Name, byte[] Content)[] resources)
    {
        using var image = new MemoryStream();
        EmitResult emitted = result.Output.Emit(image, manifestResources:
            resources.Select(resource => new ResourceDescription(resource.Name, () => new MemoryStream(resource.Content), isPublic: true)));
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));

        var context = new AssemblyLoadContext("embedded", isCollectible: true);
        try
        {
            image.Position = 0;
            Type type = context.LoadFromStream(image).GetType(typeName)!;
            object model;
            try
            {
                model = Activator.CreateInstance(type)!;
            }
            catch (TargetInvocationException error) when (error.InnerException is not null)
            {
                throw error.InnerException;
            }
            return input => (Tensor)type.GetMethod("Forward", [typeof(Tensor)])!.Invoke(model, [input])!;
        }
        finally
        {
            context.Unload();
        }
    }
}
