using System;
using System.IO;
using System.Linq;
using Xunit;

namespace LstmGen.Tests.Parity;

// Compiled in from the project's LstmGenWeights items (see LstmGen.Tests.csproj).
[Lstm(5, 8, 2, 7, Weights = "Golden/pt/seed.traced.pt")] public partial class EmbeddedTracedModel : ILstmTestModel;

/// <summary>
/// Models saved with <c>torch.jit.save</c>, scripted or traced, as they are deployed to LibTorch
/// (Golden/pt/make_torchscript.py): their tensors are the state_dict PyTorch gives them, in its order, and every loader
/// runs them as libtorch does. A frozen module, which keeps no named tensor, is refused with what to do.
/// </summary>
public class TorchScriptTests
{
    private static string Pt(string name) => GoldenParity.GoldenPath(Path.Combine("pt", name));

    private static readonly string[] SeedKeys =
        ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias"];

    // Each file, the state_dict names torch.jit.load(file).state_dict() lists, and the safetensors file of the same weights.
    public static TheoryData<string, string[], string> Files() => new()
    {
        { "seed.scripted.pt", SeedKeys, "seed.weights.safetensors" },
        { "seed.traced.pt", SeedKeys, "seed.weights.safetensors" },
        { "gru_seed.scripted.pt", SeedKeys.Select(key => key.Replace("lstm.", "gru.")).ToArray(), "gru_seed.weights.safetensors" },
        {
            "bi_lstm2.scripted.pt",
            (from layer in new[] { "l0", "l0_reverse", "l1", "l1_reverse" }
             from name in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" }
             select $"lstm.{name}_{layer}").Concat(["fc.weight", "fc.bias"]).ToArray(),
            Path.Combine("pytorch", "bi_lstm2.weights.safetensors")
        },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void A_TorchScript_module_gives_its_state_dict_in_PyTorch_s_order(string file, string[] keys, string twin)
    {
        PyTorchFile script = PyTorchFile.Load(Pt(file));
        Assert.Equal("the TorchScript module", script.StateDictLocation);
        Assert.Equal(keys, script.TensorNames);

        SafetensorsFile safetensors = SafetensorsFile.Load(GoldenParity.GoldenPath(twin));
        foreach (string key in keys)
        {
            Tensor expected = safetensors.ReadTensor(key), actual = script.ReadTensor(key);
            Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
            Assert.Equal(expected.AsSpan().ToArray(), actual.AsSpan().ToArray());
        }
    }

    [Theory]
    [InlineData("seed.scripted.pt", "seed")]
    [InlineData("seed.traced.pt", "seed")]
    [InlineData("gru_seed.scripted.pt", "gru_seed")]
    public void Every_loader_runs_a_TorchScript_model_as_libtorch_does(string file, string caseName)
    {
        SafetensorsFile io = SafetensorsFile.Load(GoldenParity.GoldenPath(caseName + ".io.safetensors"));
        Tensor x = io.ReadTensor("x");
        float[] golden = io.ReadFloats("y");

        ITestModel generated = GoldenParity.Cases[caseName]();
        generated.LoadPyTorch(Pt(file));
        Assert.True(GoldenParity.MaxAbsDifference(generated.Forward(x).AsSpan(), golden) <= GoldenParity.Tolerance);

        RecurrentModel runTimeSized = caseName.StartsWith("gru", StringComparison.Ordinal) ? GruModel.Load(Pt(file)) : LstmModel.Load(Pt(file));
        Assert.True(GoldenParity.MaxAbsDifference(runTimeSized.Forward(x).AsSpan(), golden) <= GoldenParity.Tolerance);

        Assert.Equal(ModelInfo.Read(GoldenParity.GoldenPath(caseName + ".weights.pt")).ToString(), ModelInfo.Read(Pt(file)).ToString());
    }

    [Fact]
    public void Compiled_in_weights_come_from_a_traced_module()
    {
        SafetensorsFile io = SafetensorsFile.Load(GoldenParity.GoldenPath("seed.io.safetensors"));
        float[] actual = new EmbeddedTracedModel().Forward(io.ReadTensor("x")).ToArray();
        Assert.True(GoldenParity.MaxAbsDifference(actual, io.ReadFloats("y")) <= GoldenParity.Tolerance);
    }

    [Fact]
    public void A_scripted_bidirectional_model_matches_libtorch()
    {
        OptionGolden golden = OptionGolden.Load("bi_lstm2");
        LstmModel model = LstmModel.Load(Pt("bi_lstm2.scripted.pt"), readout: Readout.FinalState);
        Assert.True(model.Bidirectional);
        Assert.True(GoldenParity.MaxAbsDifference(model.Forward(golden.X).AsSpan(), golden.Io.ReadFloats("y_final")) <= GoldenParity.Tolerance);
    }

    [Fact]
    public void A_scripted_bare_LSTM_has_keys_without_a_prefix()
    {
        string path = Pt("bare_lstm.scripted.pt");
        Assert.Equal(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"], PyTorchFile.Load(path).TensorNames);

        ModelInfo info = ModelInfo.Read(path);
        Assert.Equal(("", 0), (info.Prefix, info.OutputSize));
        Assert.Equal(ModelInfo.Read(Pt("bare_lstm.pt")).ToString(), info.ToString());
    }

    [Fact]
    public void A_frozen_module_is_refused_with_what_to_save_instead()
    {
        string path = Pt("seed.frozen.pt");
        var model = new SeedModel();
        model.LoadPyTorch(GoldenParity.GoldenPath("seed.weights.pt"));
        float[] before = model.Forward(Tensor.RandN([2, 7, 5], seed: 1)).ToArray();

        var error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains("a TorchScript module without tensors", error.Message);
        Assert.Contains("torch.jit.freeze", error.Message);
        Assert.Equal(before, model.Forward(Tensor.RandN([2, 7, 5], seed: 1)).ToArray());

        Assert.Contains("torch.jit.freeze", Assert.Throws<InvalidDataException>(() => ModelInfo.Read(path)).Message);
        Assert.Contains("torch.jit.freeze", Assert.Throws<InvalidDataException>(() => LstmModel.Load(path)).Message);
    }
}
