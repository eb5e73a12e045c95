using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace LstmGen.Tests.Parity;

/// <summary>Files written by PyTorch's torch.save (Golden/*.weights.pt, Golden/pt/, Golden/pytorch/): every case loads to
/// exactly what its safetensors twin gives, every variant gives what its variants.json says, and bad files are refused
/// without harm.</summary>
public class LoadPyTorchTests
{
    private const string Pwned = "/tmp/lstmgen-pwned";

    private static float[] Run(ITestModel model, string caseName) =>
        model.Forward(SafetensorsFile.Load(GoldenParity.GoldenPath(caseName + ".io.safetensors")).ReadTensor("x")).ToArray();

    private static float[] RunFromSafetensors(string caseName, string weightsFile)
    {
        ITestModel model = GoldenParity.Cases[caseName]();
        model.LoadSafetensors(GoldenParity.GoldenPath(weightsFile));
        return Run(model, caseName);
    }

    public static TheoryData<string> Cases() => new(GoldenParity.Cases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_case_gives_exactly_the_outputs_of_its_safetensors(string caseName)
    {
        float[] expected = RunFromSafetensors(caseName, caseName + ".weights.safetensors");
        string path = GoldenParity.GoldenPath(caseName + ".weights.pt");

        ITestModel fromPath = GoldenParity.Cases[caseName]();
        fromPath.LoadPyTorch(path);
        Assert.Equal(expected, Run(fromPath, caseName));

        ITestModel fromStream = GoldenParity.Cases[caseName]();
        using (var stream = new Support.NonSeekableStream(File.ReadAllBytes(path), chunk: 1000))
            fromStream.LoadPyTorch(stream);
        Assert.Equal(expected, Run(fromStream, caseName));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_time_sized_models_load_pt_files_by_content(string caseName)
    {
        string pt = GoldenParity.GoldenPath(caseName + ".weights.pt"), safetensors = GoldenParity.GoldenPath(caseName + ".weights.safetensors");
        Tensor x = SafetensorsFile.Load(GoldenParity.GoldenPath(caseName + ".io.safetensors")).ReadTensor("x");
        RecurrentModel Load(string path) => caseName.StartsWith("gru", StringComparison.Ordinal) ? GruModel.Load(path) : LstmModel.Load(path);

        // The extension says nothing: a copy named .safetensors is still read as torch.save.
        string renamed = Path.Combine(Path.GetTempPath(), $"lstmgen-{Guid.NewGuid():N}.safetensors");
        File.Copy(pt, renamed);
        try
        {
            float[] expected = Load(safetensors).Forward(x).ToArray();
            Assert.Equal(expected, Load(pt).Forward(x).ToArray());
            Assert.Equal(expected, Load(renamed).Forward(x).ToArray());
        }
        finally
        {
            File.Delete(renamed);
        }
    }

    // ------------------------------------------------------------------ variants

    public static TheoryData<string, string, string> Variants(string folder, params string[] cases)
    {
        var data = new TheoryData<string, string, string>();
        foreach (string caseName in cases)
        {
            string json = File.ReadAllText(GoldenParity.GoldenPath(Path.Combine(folder, caseName + ".variants.json")));
            foreach ((string variant, string expected) in JsonSerializer.Deserialize<Dictionary<string, string>>(json)!)
                data.Add(caseName, variant, expected);
        }
        return data;
    }

    public static TheoryData<string, string, string> ModelVariants() => Variants("pt", "seed", "gru_seed");

    public static TheoryData<string, string, string> BidirectionalVariants() => Variants(Path.Combine("pytorch", "pt"), "bi_lstm", "bi_lstm2");

    [Theory]
    [MemberData(nameof(ModelVariants))]
    public void Every_variant_gives_what_variants_json_says(string caseName, string variant, string expected)
    {
        string path = GoldenParity.GoldenPath(Path.Combine("pt", $"{caseName}.{variant}.pt"));
        ITestModel model = GoldenParity.Cases[caseName]();
        model.InitializeWeights(seed: 3);
        float[] before = Run(model, caseName);

        switch (expected)
        {
            case "same" or "module" or "legacy": // a whole module's parameters are recovered (PyTorchFile's remarks); legacy: the format before 1.6
                model.LoadPyTorch(path);
                Assert.Equal(RunFromSafetensors(caseName, caseName + ".weights.safetensors"), Run(model, caseName));
                break;
            case "error":
                var error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(path));
                Assert.StartsWith(path + ": ", error.Message);
                Assert.Equal(before, Run(model, caseName));
                break;
            default: // the weights rounded to the variant's dtype, as F32 in that safetensors file
                model.LoadPyTorch(path);
                Assert.Equal(RunFromSafetensors(caseName, Path.Combine("pt", expected)), Run(model, caseName));
                break;
        }
    }

    // Bidirectional models are not runnable yet: their tensors, read by key, must equal the safetensors file's.
    [Theory]
    [MemberData(nameof(BidirectionalVariants))]
    public void Every_bidirectional_variant_gives_what_variants_json_says(string caseName, string variant, string expected)
    {
        string path = GoldenParity.GoldenPath(Path.Combine("pytorch", "pt", $"{caseName}.{variant}.pt"));
        switch (expected)
        {
            case "same" or "legacy":
                AssertSameTensors(PyTorchFile.Load(path), SafetensorsFile.Load(GoldenParity.GoldenPath(Path.Combine("pytorch", caseName + ".weights.safetensors"))));
                break;
            case "module": // the module's attribute is `rnn`, which the state_dict files store under `lstm.`
                AssertSameTensors(PyTorchFile.Load(path), SafetensorsFile.Load(GoldenParity.GoldenPath(Path.Combine("pytorch", caseName + ".weights.safetensors"))),
                    name => name.StartsWith("rnn.", StringComparison.Ordinal) ? "lstm." + name[4..] : name);
                break;
            case "error":
                var error = Assert.Throws<InvalidDataException>(() => PyTorchFile.Load(path));
                Assert.StartsWith(path + ": ", error.Message);
                break;
            default:
                AssertSameTensors(PyTorchFile.Load(path), SafetensorsFile.Load(GoldenParity.GoldenPath(Path.Combine("pytorch", "pt", expected))));
                break;
        }
    }

    public static TheoryData<string> PyTorchCases() => new(Directory.GetFiles(GoldenParity.GoldenPath("pytorch"), "*.weights.pt")
        .Select(path => Path.GetFileName(path)[..^".weights.pt".Length]).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(PyTorchCases))]
    public void Every_option_case_reads_exactly_the_tensors_of_its_safetensors(string caseName)
    {
        AssertSameTensors(
            PyTorchFile.Load(GoldenParity.GoldenPath(Path.Combine("pytorch", caseName + ".weights.pt"))),
            SafetensorsFile.Load(GoldenParity.GoldenPath(Path.Combine("pytorch", caseName + ".weights.safetensors"))));
    }

    private static void AssertSameTensors(PyTorchFile pt, SafetensorsFile safetensors, Func<string, string>? rename = null)
    {
        rename ??= name => name;
        Assert.Equal(safetensors.TensorNames.Order(StringComparer.Ordinal), pt.TensorNames.Select(rename).Order(StringComparer.Ordinal));
        foreach (string name in pt.TensorNames)
        {
            Tensor expected = safetensors.ReadTensor(rename(name)), actual = pt.ReadTensor(name);
            Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
            Assert.Equal(expected.ToArray(), actual.ToArray());
        }
    }

    // ------------------------------------------------------------------ checkpoints and refusals

    [Fact]
    public void A_checkpoint_loads_with_and_without_its_key()
    {
        string path = GoldenParity.GoldenPath(Path.Combine("pt", "seed.checkpoint.pt"));
        float[] expected = RunFromSafetensors("seed", "seed.weights.safetensors");
        var model = new SeedModel();

        model.LoadPyTorch(path);
        Assert.Equal(expected, Run(model, "seed"));

        model.InitializeWeights(seed: 1);
        model.LoadPyTorch(path, stateDictKey: "state_dict");
        Assert.Equal(expected, Run(model, "seed"));
        Assert.Equal("['state_dict']", PyTorchFile.Load(path, "state_dict").StateDictLocation);

        var error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(path, stateDictKey: "model_state_dict"));
        Assert.Contains("no top-level key 'model_state_dict'", error.Message);
        Assert.Contains("'epoch', 'state_dict', 'optimizer'", error.Message);
        error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(path, stateDictKey: "epoch"));
        Assert.Contains("'epoch' holds the integer 7; expected a state_dict", error.Message);
        Assert.Equal(expected, Run(model, "seed"));
    }

    [Fact]
    public void Several_fitting_dicts_are_listed_and_stateDictKey_chooses()
    {
        string path = GoldenParity.GoldenPath(Path.Combine("pt", "ambiguous.pt"));
        var model = new SeedModel();
        model.LoadPyTorch(GoldenParity.GoldenPath("seed.weights.pt"));
        float[] golden = Run(model, "seed");

        var error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(path));
        Assert.StartsWith(path + ": 2 dicts in the file could be the model's state_dict: ['model'], ['ema']; pass stateDictKey", error.Message);
        Assert.Equal(golden, Run(model, "seed"));

        model.LoadPyTorch(path, stateDictKey: "ema"); // every weight negated
        Assert.NotEqual(golden, Run(model, "seed"));
        model.LoadPyTorch(path, stateDictKey: "model");
        Assert.Equal(golden, Run(model, "seed"));
    }

    [Fact]
    public void The_evil_file_is_refused_and_nothing_runs()
    {
        File.Delete(Pwned);
        foreach (string path in new[] { Path.Combine("pt", "seed.evil.pt"), Path.Combine("pt", "gru_seed.evil.pt"), Path.Combine("pytorch", "pt", "bi_lstm.evil.pt") }
            .Select(GoldenParity.GoldenPath))
        {
            var model = new SeedModel();
            var error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(path));
            Assert.Contains("a call to posix.system (never run)", error.Message);
            Assert.Throws<InvalidDataException>(() => PyTorchFile.Load(path));
            Assert.Throws<InvalidDataException>(() => LstmModel.Load(path));
        }
        Assert.False(File.Exists(Pwned));
    }

    [Fact]
    public void Errors_name_what_was_expected_and_what_came()
    {
        var model = new SeedModel();
        string gru = GoldenParity.GoldenPath("gru_seed.weights.pt");
        var error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(gru));
        Assert.Equal($"{gru}: the file holds a GRU at prefix \"gru.\" (3·H = 24 gate rows for hidden size 8), not an LSTM: " +
            "declare it as [Gru(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: /* your length */ 1)].", error.Message);

        string missing = GoldenParity.GoldenPath(Path.Combine("pt", "seed.missing.pt"));
        error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(missing));
        Assert.Contains("reads storage '1', but the archive has no record 'seed.weights/data/1'", error.Message);

        string safetensors = GoldenParity.GoldenPath("seed.weights.safetensors");
        error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(safetensors));
        Assert.StartsWith($"{safetensors}: this is a safetensors file (an 8-byte header length, then a JSON header), not a torch.save archive: " +
            "load it with LoadSafetensors instead of LoadPyTorch", error.Message);

        string other = GoldenParity.GoldenPath("lstm2_small.weights.pt");
        error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(other));
        Assert.EndsWith("holds a 2-layer LSTM but the model has 1 layer: declare NumLayers = 2 (or pass numLayers: 2 to LstmWeights).", error.Message);
    }
}
