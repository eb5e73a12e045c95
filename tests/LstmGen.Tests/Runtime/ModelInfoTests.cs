using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Microsoft.CodeAnalysis;
using Xunit;
using Entry = LstmGen.Tests.SafetensorsWriter.Entry;

namespace LstmGen.Tests.Runtime;

/// <summary>ModelInfo works out every golden file's model from its shapes alone, as the cases' metadata records it, and
/// prints a declaration that compiles and loads the file.</summary>
public class ModelInfoTests
{
    /// <summary>A case as its metadata records it: the top-level cases' <c>.io.safetensors</c> (sizes, <c>model</c>,
    /// <c>num_layers</c>), and for Golden/pytorch/ the weights file's own (every option; its io files are not here).</summary>
    private sealed record Truth(RecurrentCell Cell, int InputSize, int HiddenSize, int OutputSize, int NumLayers,
        bool Bidirectional, int ProjSize, bool Bias, string Prefix, string? FcPrefix);

    private static Truth TruthOf(string caseName)
    {
        bool options = caseName.StartsWith("pytorch/", StringComparison.Ordinal);
        var metadata = SafetensorsFile.Load(GoldenParity.GoldenPath(caseName + (options ? ".weights.safetensors" : ".io.safetensors"))).Metadata;
        string model = metadata.GetValueOrDefault("model", "lstm");
        int Number(string key, int absent) => metadata.TryGetValue(key, out string? value) ? int.Parse(value, CultureInfo.InvariantCulture) : absent;
        int outputs = Number("output_size", -1);
        return new Truth(model == "gru" ? RecurrentCell.Gru : RecurrentCell.Lstm, Number("input_size", -1), Number("hidden_size", -1), outputs,
            Number("num_layers", 1), Number("bidirectional", 0) == 1, Number("proj_size", 0), Number("bias", 1) == 1,
            metadata.GetValueOrDefault("prefix", model + "."), outputs == 0 ? null : metadata.GetValueOrDefault("fc_prefix", "fc."));
    }

    private static Truth TruthOf(ModelInfo info) => new(info.Cell, info.InputSize, info.HiddenSize, info.OutputSize, info.NumLayers,
        info.Bidirectional, info.ProjSize, info.Bias, info.Prefix, info.FcPrefix);

    /// <summary>Every case's weights, safetensors and torch.save: "seed", "pytorch/bi_lstm", … with the extension.</summary>
    public static TheoryData<string, string> WeightFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (string folder in new[] { "", "pytorch" })
        {
            foreach (string path in Directory.GetFiles(GoldenParity.GoldenPath(folder), "*.weights.*").Order(StringComparer.Ordinal))
            {
                string file = Path.GetFileName(path);
                string caseName = file[..file.IndexOf(".weights.", StringComparison.Ordinal)];
                data.Add(folder.Length == 0 ? caseName : $"{folder}/{caseName}", file[file.IndexOf(".weights.", StringComparison.Ordinal)..]);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(WeightFiles))]
    public void Every_golden_file_gives_its_case(string caseName, string suffix)
    {
        string path = GoldenParity.GoldenPath(caseName + suffix);
        ModelInfo info = ModelInfo.Read(path);

        Assert.Equal(TruthOf(caseName), TruthOf(info));
        ITensorFile file = RecurrentWeights.OpenFile(path, requiredKey: null);
        Assert.Equal(file.TensorNames, info.Tensors.Select(tensor => tensor.Name));
        Assert.All(info.Tensors, tensor => Assert.Equal(file.GetShape(tensor.Name), tensor.Shape));
        Assert.All(info.Tensors, tensor => Assert.Equal("F32", tensor.DType));
    }

    [Theory]
    [InlineData("seed", "[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: /* your length */ 1)]")]
    [InlineData("lstm3_mid", "[Lstm(inputSize: 16, hiddenSize: 32, outputSize: 4, seqLen: /* your length */ 1, NumLayers = 3)]")]
    [InlineData("gru2_odd", "[Gru(inputSize: 7, hiddenSize: 13, outputSize: 5, seqLen: /* your length */ 1, NumLayers = 2)]")]
    [InlineData("pytorch/bi_lstm2", "[Lstm(inputSize: 7, hiddenSize: 13, outputSize: 3, seqLen: /* your length */ 1, NumLayers = 2, Bidirectional = true)]")]
    [InlineData("pytorch/proj_lstm", "[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: /* your length */ 1, ProjSize = 3)]")]
    [InlineData("pytorch/nobias_gru2", "[Gru(inputSize: 3, hiddenSize: 12, outputSize: 2, seqLen: /* your length */ 1, NumLayers = 2, Bias = false)]")]
    [InlineData("pytorch/nohead_lstm", "[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 0, seqLen: /* your length */ 1)]")]
    [InlineData("pytorch/bare_gru", "[Gru(inputSize: 4, hiddenSize: 8, outputSize: 0, seqLen: /* your length */ 1, Bidirectional = true, GruPrefix = \"\")]")]
    [InlineData("pytorch/all_lstm2", "[Lstm(inputSize: 4, hiddenSize: 12, outputSize: 3, seqLen: /* your length */ 1, NumLayers = 2, Bidirectional = true, ProjSize = 5)]")]
    public void Prints_the_declaration_with_the_arguments_that_are_not_defaults(string caseName, string declaration)
    {
        Assert.Equal(declaration, ModelInfo.Read(GoldenParity.GoldenPath(caseName + ".weights.pt")).ToString());
        Assert.Equal(declaration, ModelInfo.Read(GoldenParity.GoldenPath(caseName + ".weights.safetensors")).ToString());
    }

    /// <summary>The ways real .pt files come (Golden/pt, Golden/pytorch/pt): each variant gives its case, in its dtype,
    /// or is refused as its variants.json says.</summary>
    public static TheoryData<string, string, string> Variants()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (folder, caseFolder) in new[] { ("pt", ""), ("pytorch/pt", "pytorch/") })
        {
            foreach (string json in Directory.GetFiles(GoldenParity.GoldenPath(folder), "*.variants.json").Order(StringComparer.Ordinal))
            {
                string caseName = Path.GetFileName(json)[..^".variants.json".Length];
                foreach (var (variant, expected) in JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(json))!)
                {
                    data.Add($"{folder}/{caseName}.{variant}.pt", caseFolder + caseName, expected);
                    if (expected.EndsWith(".safetensors", StringComparison.Ordinal))
                        data.Add($"{folder}/{expected}", caseFolder + caseName, "same");
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_variant_of_a_pt_file_gives_its_case_or_is_refused(string file, string caseName, string expected)
    {
        string path = GoldenParity.GoldenPath(file);
        if (expected is "error")
        {
            var error = Assert.Throws<InvalidDataException>(() => ModelInfo.Read(path));
            Assert.StartsWith(path, error.Message);
            return;
        }
        ModelInfo info = ModelInfo.Read(path);
        // A whole module's parameters are named as its state_dict() names them: Golden/pytorch's module stores the
        // recurrent module as the attribute `rnn`, which its state_dict files store under the case's prefix.
        Truth truth = TruthOf(caseName);
        Assert.Equal(expected == "module" && caseName.StartsWith("pytorch/", StringComparison.Ordinal) ? truth with { Prefix = "rnn." } : truth, TruthOf(info));
        // A converted state_dict keeps its dtype in the .pt file; the expected safetensors files hold it rounded, as F32.
        string dtype = expected.EndsWith(".safetensors", StringComparison.Ordinal) ? expected.Split('.')[1].ToUpperInvariant() : "F32";
        Assert.All(info.Tensors, tensor => Assert.Equal(dtype, tensor.DType));
    }

    [Fact]
    public void A_checkpoint_with_two_candidate_state_dicts_names_them_and_stateDictKey_chooses()
    {
        string path = GoldenParity.GoldenPath("pt/ambiguous.pt");
        var error = Assert.Throws<InvalidDataException>(() => ModelInfo.Read(path));
        Assert.Contains("['model'], ['ema']; pass stateDictKey to choose one (lstmgen inspect: --state-dict-key;", error.Message);

        Assert.Equal(TruthOf("seed"), TruthOf(ModelInfo.Read(path, stateDictKey: "ema")));
        using var stream = File.OpenRead(path);
        Assert.Equal(TruthOf("seed"), TruthOf(ModelInfo.Read(stream, stateDictKey: "model")));
    }

    [Theory]
    [InlineData("pytorch/proj_bi_lstm2.weights.pt")]
    [InlineData("pytorch/bare_gru.weights.safetensors")]
    public void Reads_a_stream_that_cannot_seek(string file)
    {
        string path = GoldenParity.GoldenPath(file);
        ModelInfo info = ModelInfo.Read(new NonSeekableStream(File.ReadAllBytes(path), chunk: 1000));
        Assert.Equal(TruthOf(ModelInfo.Read(path)), TruthOf(info));
        Assert.Equal(ModelInfo.Read(path).ToString(), info.ToString());
    }

    // ------------------------------------------------------------------ the declaration compiles and loads the file

    /// <summary>Every golden file: the attribute declares each option of issue #13 (Bidirectional, ProjSize,
    /// Bias = false, outputSize: 0).</summary>
    public static TheoryData<string> DeclarableCases()
    {
        var data = new TheoryData<string>();
        foreach (string caseName in WeightFiles().Select(row => (string)row[0]).Distinct())
            data.Add(caseName);
        return data;
    }

    [Theory]
    [MemberData(nameof(DeclarableCases))]
    public void The_printed_declaration_compiles_and_its_model_loads_the_file(string caseName)
    {
        string safetensors = GoldenParity.GoldenPath(caseName + ".weights.safetensors"), pt = GoldenParity.GoldenPath(caseName + ".weights.pt");
        CompileAndLoad(ModelInfo.Read(pt).ToString(), safetensors, pt);
    }

    [Fact]
    public void Finds_any_prefix_and_prints_them_as_literals_that_compile()
    {
        // Key prefixes come from the file: quotes, backslashes and control characters must survive into the declaration.
        const string module = "encoder.\"rnn\\\t.";
        var entries = Rnn(module, gates: 4, inputSize: 3, hiddenSize: 5, numLayers: 2).Append(Zeros("head.weight", 2, 5)).Append(Zeros("head.bias", 2));
        string path = WriteTemporary(SafetensorsWriter.Build(entries));
        try
        {
            ModelInfo info = ModelInfo.Read(path);
            Assert.Equal((module, "head.", 2), (info.Prefix, info.FcPrefix, info.NumLayers));
            Assert.Equal("[Lstm(inputSize: 3, hiddenSize: 5, outputSize: 2, seqLen: /* your length */ 1, NumLayers = 2, " +
                "LstmPrefix = \"encoder.\\\"rnn\\\\\\u0009.\", FcPrefix = \"head.\")]", info.ToString());
            CompileAndLoad(info.ToString(), path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Compiles the declaration on a class with the generator running, then loads each file into an instance.
    private static void CompileAndLoad(string declaration, params string[] files)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($"using LstmGen;\nnamespace Inspected;\n\n{declaration}\npublic partial class Model;\n");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        using var image = new MemoryStream();
        var emitted = result.Output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));

        var context = new AssemblyLoadContext("inspected", isCollectible: true);
        try
        {
            image.Position = 0;
            Type type = context.LoadFromStream(image).GetType("Inspected.Model")!;
            object model = Activator.CreateInstance(type)!;
            foreach (string file in files)
            {
                bool pt = file.EndsWith(".pt", StringComparison.Ordinal);
                MethodInfo load = type.GetMethod(pt ? "LoadPyTorch" : "LoadSafetensors", pt ? [typeof(string), typeof(string)] : [typeof(string)])!;
                try
                {
                    load.Invoke(model, pt ? [file, null] : [file]);
                }
                catch (TargetInvocationException error) when (error.InnerException is not null)
                {
                    throw new Xunit.Sdk.XunitException($"{declaration} does not load {file}: {error.InnerException.Message}");
                }
            }
        }
        finally
        {
            context.Unload();
        }
    }

    // ------------------------------------------------------------------ files that hold no model, several, or bad shapes

    private static Entry Zeros(string name, params int[] shape) => SafetensorsWriter.F32(name, shape, new float[shape.Aggregate(1, (a, b) => a * b)]);

    // Every key of a recurrent module as PyTorch names and shapes them.
    private static IEnumerable<Entry> Rnn(string prefix, int gates, int inputSize, int hiddenSize, int numLayers = 1,
        bool bidirectional = false, int projSize = 0, bool bias = true)
    {
        int hiddenOut = projSize > 0 ? projSize : hiddenSize, directions = bidirectional ? 2 : 1;
        for (int k = 0; k < numLayers; k++)
        {
            foreach (string suffix in bidirectional ? new[] { "", "_reverse" } : [""])
            {
                yield return Zeros($"{prefix}weight_ih_l{k}{suffix}", gates * hiddenSize, k == 0 ? inputSize : directions * hiddenOut);
                yield return Zeros($"{prefix}weight_hh_l{k}{suffix}", gates * hiddenSize, hiddenOut);
                if (bias)
                {
                    yield return Zeros($"{prefix}bias_ih_l{k}{suffix}", gates * hiddenSize);
                    yield return Zeros($"{prefix}bias_hh_l{k}{suffix}", gates * hiddenSize);
                }
                if (projSize > 0) yield return Zeros($"{prefix}weight_hr_l{k}{suffix}", projSize, hiddenSize);
            }
        }
    }

    private static string WriteTemporary(byte[] content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-modelinfo-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, content);
        return path;
    }

    private static ModelInfo Read(IEnumerable<Entry> entries, string? prefix = null) =>
        ModelInfo.Read(new MemoryStream(SafetensorsWriter.Build(entries)), prefix);

    private static void Refused(IEnumerable<Entry> entries, params string[] fragments)
    {
        var error = Assert.Throws<InvalidDataException>(() => Read(entries));
        Assert.StartsWith("<stream>: ", error.Message);
        foreach (string fragment in fragments) Assert.Contains(fragment, error.Message);
    }

    [Fact]
    public void A_file_without_an_LSTM_or_GRU_is_refused_with_what_it_holds() =>
        Refused([Zeros("fc.weight", 2, 8), Zeros("fc.bias", 2), Zeros("lstm_cell.weight_ih", 32, 5)],
            "no LSTM or GRU", "weight_ih_l0", "'fc.weight', 'fc.bias', 'lstm_cell.weight_ih'");

    [Fact]
    public void Several_recurrent_modules_are_named_and_a_prefix_chooses_one()
    {
        var entries = Rnn("encoder.", 4, 3, 5).Concat(Rnn("decoder.", 3, 5, 6, numLayers: 2)).ToArray();
        Refused(entries, "2 recurrent modules: an LSTM with input size 3, hidden size 5, with biases at prefix \"encoder.\"; " +
            "a 2-layer GRU with input size 5, hidden size 6, with biases at prefix \"decoder.\"; a model runs one: choose it with " +
            "ModelInfo.Read(path, prefix: \"encoder.\") or lstmgen inspect --prefix \"encoder.\".");

        ModelInfo decoder = Read(entries, prefix: "decoder.");
        Assert.Equal((RecurrentCell.Gru, 5, 6, 2, 0), (decoder.Cell, decoder.InputSize, decoder.HiddenSize, decoder.NumLayers, decoder.OutputSize));
        var error = Assert.Throws<InvalidDataException>(() => Read(entries, prefix: "rnn."));
        Assert.EndsWith("no recurrent module at prefix \"rnn.\": no tensor 'rnn.weight_ih_l0'; the file has 2 at \"encoder.\", \"decoder.\".", error.Message);
        error = Assert.Throws<InvalidDataException>(() => Read(entries, prefix: "decoder"));
        Assert.EndsWith("no tensor 'decoderweight_ih_l0'; the file has 2 at \"encoder.\", \"decoder.\": pass \"decoder.\", with the '.' that ends " +
            "a module's name in its keys.", error.Message);
    }

    [Fact]
    public void Thousands_of_modules_are_refused_at_a_cost_that_grows_with_the_file_not_its_square()
    {
        // Each module was read whole to describe it, each read describing every tensor: 1.2 GB for this 200 KB file.
        byte[] file = SafetensorsWriter.Build(Enumerable.Range(0, 4000).Select(i => Zeros($"m{i}.weight_ih_l0", 0)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => ModelInfo.Read(new MemoryStream(file)));
        Assert.Contains("4000 recurrent modules: one at prefix \"m0.\"; ", error.Message);
        Assert.Contains("; and 3990 more; a model runs one", error.Message);
        Assert.Throws<InvalidDataException>(() => LstmModel.Load(new MemoryStream(file)));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64L * file.Length);
    }

    [Fact]
    public void A_weight_hh_of_neither_cell_is_refused() =>
        Refused([Zeros("rnn.weight_ih_l0", 10, 3), Zeros("rnn.weight_hh_l0", 10, 4)],
            "'rnn.weight_hh_l0' has shape [10, 4]", "[4H, H]", "[3H, H]");

    [Fact]
    public void A_weight_ih_with_other_gate_rows_is_refused() =>
        Refused([Zeros("rnn.weight_ih_l0", 12, 3), Zeros("rnn.weight_hh_l0", 16, 4)],
            "'rnn.weight_ih_l0' has shape [12, 3]", "[16, input size]");

    [Fact]
    public void A_tensor_of_another_layer_with_the_wrong_shape_is_named_with_the_shape_expected() =>
        Refused(Rnn("lstm.", 4, 3, 5, numLayers: 2).Select(e => e.Name == "lstm.weight_ih_l1" ? Zeros(e.Name, 20, 3) : e),
            "tensor 'lstm.weight_ih_l1' has shape [20, 3]", "a 2-layer LSTM with input size 3, hidden size 5", "[20, 5]");

    [Fact]
    public void A_missing_bias_is_named() =>
        Refused(Rnn("lstm.", 4, 3, 5).Where(e => e.Name != "lstm.bias_hh_l0"), "missing tensor 'lstm.bias_hh_l0' (expected shape [20])");

    [Fact]
    public void A_direction_missing_from_one_layer_is_named() =>
        Refused(Rnn("gru.", 3, 3, 5, numLayers: 2, bidirectional: true).Where(e => !e.Name.EndsWith("l1_reverse", StringComparison.Ordinal)),
            "missing tensor 'gru.weight_ih_l1_reverse' (expected shape [15, 10])", "a 2-layer bidirectional GRU");

    [Fact]
    public void A_stray_layer_is_refused() =>
        Refused(Rnn("lstm.", 4, 3, 5).Append(Zeros("lstm.weight_hh_l2", 20, 5)), "unexpected tensor 'lstm.weight_hh_l2'", "an LSTM");

    [Fact]
    public void Biases_in_only_some_layers_are_refused() =>
        Refused(Rnn("lstm.", 4, 3, 5, numLayers: 2).Where(e => !e.Name.StartsWith("lstm.bias_", StringComparison.Ordinal) || e.Name.EndsWith("l1", StringComparison.Ordinal)),
            "unexpected tensor 'lstm.bias_", "without biases");

    [Fact]
    public void A_projection_that_does_not_fit_weight_hh_is_refused() =>
        Refused(Rnn("gru.", 3, 3, 8).Append(Zeros("gru.weight_hr_l0", 4, 8)),
            "'gru.weight_hr_l0' [4, 8] says an LSTM with hidden size 8 and proj_size 4", "[32, 4]", "'gru.weight_hh_l0' is [24, 8]");

    [Fact]
    public void A_projected_LSTM_reads_its_sizes_from_weight_hr()
    {
        ModelInfo info = Read(Rnn("", 4, 3, 8, numLayers: 2, bidirectional: true, projSize: 2).Append(Zeros("weight", 6, 4)).Append(Zeros("bias", 6)));
        Assert.Equal(new Truth(RecurrentCell.Lstm, 3, 8, 6, 2, true, 2, true, "", ""), TruthOf(info));
        Assert.Equal("[Lstm(inputSize: 3, hiddenSize: 8, outputSize: 6, seqLen: /* your length */ 1, NumLayers = 2, Bidirectional = true, " +
            "ProjSize = 2, LstmPrefix = \"\", FcPrefix = \"\")]", info.ToString());
    }

    [Fact]
    public void The_head_is_the_Linear_with_a_bias_that_reads_the_features()
    {
        // Other matrices of other widths, or of the features' width without a bias, are not heads.
        ModelInfo info = Read(Rnn("lstm.", 4, 3, 5)
            .Append(Zeros("embedding.weight", 10, 3)).Append(Zeros("attention.weight", 5, 5)).Append(Zeros("out.weight", 4, 5)).Append(Zeros("out.bias", 4)));
        Assert.Equal(("out.", 4), (info.FcPrefix, info.OutputSize));
    }

    [Fact]
    public void A_head_without_bias_under_fc_is_the_head_wherever_its_keys_sort()
    {
        // nn.Linear(5, 2, bias=False) saved with safetensors, whose keys sort by name: fc.weight before the LSTM's. The
        // loaders read fc. by default, so ModelInfo must say the model has that head.
        ModelInfo info = Read(new[] { Zeros("fc.weight", 2, 5) }.Concat(Rnn("lstm.", 4, 3, 5)));
        Assert.Equal(("fc.", 2), (info.FcPrefix, info.OutputSize));
        Assert.Equal(2, LstmModel.Load(new MemoryStream(SafetensorsWriter.Build(new[] { Zeros("fc.weight", 2, 5) }.Concat(Rnn("lstm.", 4, 3, 5))))).OutputSize);

        // A matrix of that width under another name before the module may be an embedding table: no head.
        ModelInfo embedded = Read(new[] { Zeros("emb.weight", 10, 5) }.Concat(Rnn("lstm.", 4, 3, 5)));
        Assert.Equal((null, 0), (embedded.FcPrefix, embedded.OutputSize));
    }

    [Fact]
    public void A_head_of_two_Linear_layers_is_refused_with_the_declaration_without_a_head() =>
        // nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 4)) after the LSTM: 32 is not the model's output.
        Refused(Rnn("lstm.", 4, 3, 5).Concat([Zeros("head.0.weight", 32, 5), Zeros("head.0.bias", 32), Zeros("head.2.weight", 4, 32), Zeros("head.2.bias", 4)]),
            "the Linear at \"head.0.\" turns the recurrent module's 5 features into 32 values", "'head.2.weight' [4, 32]", "several layers",
            "[Lstm(inputSize: 3, hiddenSize: 5, outputSize: 0, seqLen: /* your length */ 1)]");

    [Fact]
    public void Two_heads_are_named() =>
        Refused(Rnn("lstm.", 4, 3, 5).Concat([Zeros("fc.weight", 2, 5), Zeros("fc.bias", 2), Zeros("aux.weight", 1, 5), Zeros("aux.bias", 1)]),
            "2 Linear layers read the recurrent module's 5 features", "\"fc.\", \"aux.\"");
}
