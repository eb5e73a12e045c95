using System;
using System.IO;
using System.Linq;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

// Compiled in from the project's LstmGenWeights items (see LstmGen.Tests.csproj).
[Lstm(5, 8, 2, 7, Weights = "Golden/pt/checkpoint_metrics.pt")] public partial class EmbeddedMetricsCheckpointModel : ILstmTestModel;
[Lstm(5, 8, 2, 7, Weights = "Golden/pt/nobias_head.pt")] public partial class EmbeddedBiasFreeHeadModel : ILstmTestModel;

/// <summary>
/// Files as training scripts leave them (Golden/pt/make_checkpoints.py): a checkpoint whose state_dict sits beside
/// tensors of its own (a top-level <c>best_acc</c>, a callback's score), checkpoints and a module saved with pickle
/// protocols 3 to 5, and a Linear head without bias, checked against PyTorch's output through every way of loading.
/// </summary>
public class CheckpointAndHeadTests
{
    private static string Pt(string name) => GoldenParity.GoldenPath(Path.Combine("pt", name));

    private static float[] SeedGolden() =>
        SafetensorsFile.Load(GoldenParity.GoldenPath("seed.io.safetensors")).ReadFloats("y");

    private static Tensor SeedInput() =>
        SafetensorsFile.Load(GoldenParity.GoldenPath("seed.io.safetensors")).ReadTensor("x");

    [Fact]
    public void A_state_dict_beside_other_tensors_is_found_by_every_loader()
    {
        string path = Pt("checkpoint_metrics.pt");
        float[] golden = SeedGolden();

        var model = new SeedModel();
        model.LoadPyTorch(path);
        Assert.True(GoldenParity.MaxAbsDifference(model.Forward(SeedInput()).AsSpan(), golden) <= GoldenParity.Tolerance);
        Assert.True(GoldenParity.MaxAbsDifference(LstmModel.Load(path).Forward(SeedInput()).AsSpan(), golden) <= GoldenParity.Tolerance);
        Assert.True(GoldenParity.MaxAbsDifference(new EmbeddedMetricsCheckpointModel().Forward(SeedInput()).AsSpan(), golden) <= GoldenParity.Tolerance);

        // Without a key of the model's to look for, the dict holding a recurrent layer is the model's.
        Assert.Equal("['state_dict']", PyTorchFile.Load(path).StateDictLocation);
        ModelInfo info = ModelInfo.Read(path);
        Assert.Equal((RecurrentCell.Lstm, 5, 8, 2, "lstm.", "fc."), (info.Cell, info.InputSize, info.HiddenSize, info.OutputSize, info.Prefix, info.FcPrefix));
    }

    [Fact]
    public void The_run_time_sized_models_take_stateDictKey_where_two_dicts_hold_the_model()
    {
        // ambiguous.pt: the seed's state_dict under 'model', and under 'ema' with every weight negated.
        string path = Pt("ambiguous.pt");
        float[] golden = SeedGolden();
        var error = Assert.Throws<InvalidDataException>(() => LstmModel.Load(path));
        Assert.Contains("2 dicts in the file could be the model's state_dict: ['model'], ['ema']; pass stateDictKey", error.Message);

        Assert.True(GoldenParity.MaxAbsDifference(LstmModel.Load(path, stateDictKey: "model").Forward(SeedInput()).AsSpan(), golden) <= GoldenParity.Tolerance);
        using (var stream = File.OpenRead(path))
            Assert.True(GoldenParity.MaxAbsDifference(LstmModel.Load(stream, stateDictKey: "model").Forward(SeedInput()).AsSpan(), golden) <= GoldenParity.Tolerance);
        Assert.True(GoldenParity.MaxAbsDifference(LstmModel.Load(path, stateDictKey: "ema").Forward(SeedInput()).AsSpan(), golden) > 1e-3f);

        error = Assert.Throws<InvalidDataException>(() => GruModel.Load(GoldenParity.GoldenPath("gru_seed.weights.safetensors"), stateDictKey: "model"));
        Assert.Contains("stateDictKey 'model' was given, but this is not a torch.save file", error.Message);
    }

    [Theory]
    [InlineData("seed", 3)]
    [InlineData("seed", 4)]
    [InlineData("seed", 5)]
    [InlineData("gru_seed", 3)]
    [InlineData("gru_seed", 4)]
    [InlineData("gru_seed", 5)]
    public void Checkpoints_saved_with_pickle_protocols_3_to_5_match_PyTorch(string caseName, int protocol)
    {
        // torch.save(..., pickle_protocol=N): frames, memoized values, globals from the stack, numpy's bytes.
        string path = Pt($"{caseName}.protocol{protocol}.pt");
        SafetensorsFile io = SafetensorsFile.Load(GoldenParity.GoldenPath(caseName + ".io.safetensors"));
        Tensor x = io.ReadTensor("x");
        float[] golden = io.ReadFloats("y");

        ITestModel model = GoldenParity.Cases[caseName]();
        model.LoadPyTorch(path);
        float[] actual = model.Forward(x).ToArray();
        ITestModel protocol2 = GoldenParity.Cases[caseName]();
        protocol2.LoadPyTorch(GoldenParity.GoldenPath(caseName + ".weights.pt"));
        Assert.Equal(protocol2.Forward(x).ToArray(), actual);
        Assert.True(GoldenParity.MaxAbsDifference(actual, golden) <= GoldenParity.Tolerance);

        RecurrentModel runTimeSized = caseName.StartsWith("gru", StringComparison.Ordinal) ? GruModel.Load(path) : LstmModel.Load(path);
        Assert.True(GoldenParity.MaxAbsDifference(runTimeSized.Forward(x).AsSpan(), golden) <= GoldenParity.Tolerance);
        Assert.Equal("['state_dict']", PyTorchFile.Load(path).StateDictLocation);
        Assert.Equal(ModelInfo.Read(GoldenParity.GoldenPath(caseName + ".weights.pt")).ToString(), ModelInfo.Read(path).ToString());
    }

    [Fact]
    public void A_module_saved_with_protocol_4_leaves_out_its_non_persistent_buffer()
    {
        // A set in protocol 4 is EMPTY_SET and ADDITEMS: the buffer 'scale' it names is not in state_dict().
        string path = Pt("seed.module.protocol4.pt");
        PyTorchFile file = PyTorchFile.Load(path);
        Assert.Equal("the pickled module", file.StateDictLocation);
        Assert.Equal(["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias"], file.TensorNames);

        var model = new SeedModel();
        model.LoadPyTorch(path);
        Assert.True(GoldenParity.MaxAbsDifference(model.Forward(SeedInput()).AsSpan(), SeedGolden()) <= GoldenParity.Tolerance);
    }

    [Fact]
    public void A_head_without_bias_matches_PyTorch_through_every_loader()
    {
        string path = Pt("nobias_head.pt");
        PyTorchFile io = PyTorchFile.Load(Pt("nobias_head.io.pt"));
        Tensor input = io.ReadTensor("input");
        float[] expected = io.ReadFloats("output");

        var model = new SeedModel();
        model.LoadPyTorch(path);
        Assert.True(GoldenParity.MaxAbsDifference(model.Forward(input).AsSpan(), expected) <= GoldenParity.Tolerance);
        Assert.True(GoldenParity.MaxAbsDifference(new EmbeddedBiasFreeHeadModel().Forward(input).AsSpan(), expected) <= GoldenParity.Tolerance);
        LstmModel runTimeSized = LstmModel.Load(path);
        Assert.True(GoldenParity.MaxAbsDifference(runTimeSized.Forward(input).AsSpan(), expected) <= GoldenParity.Tolerance);

        LstmWeights weights = LstmWeights.LoadPyTorch(path, inputSize: 5, hiddenSize: 8, outputSize: 2);
        Assert.True(weights.HasHead);
        Assert.Null(weights.FcBias);

        ModelInfo info = ModelInfo.Read(path);
        Assert.Equal((2, "fc."), (info.OutputSize, info.FcPrefix));
        Assert.Contains("outputSize: 2", info.ToString());
    }

    [Fact]
    public void A_model_with_a_biased_head_then_loads_a_bias_free_one_and_forgets_the_old_bias()
    {
        var model = new SeedModel();
        model.LoadPyTorch(GoldenParity.GoldenPath("seed.weights.pt"));
        PyTorchFile io = PyTorchFile.Load(Pt("nobias_head.io.pt"));
        model.LoadPyTorch(Pt("nobias_head.pt"));
        Assert.True(GoldenParity.MaxAbsDifference(model.Forward(io.ReadTensor("input")).AsSpan(), io.ReadFloats("output")) <= GoldenParity.Tolerance);
    }

    [Theory]
    [InlineData("seed.quantized.pt", "torch._utils._rebuild_qtensor")]
    [InlineData("seed.quantized.scripted.pt", "__torch__.torch.ao.nn.quantized.dynamic.modules.rnn.LSTM")]
    [InlineData("seed.quantized_head.pt", "torch.ao.nn.quantized.dynamic.modules.linear.Linear")]
    public void A_quantized_model_is_refused_by_every_loader_with_what_to_save_instead(string file, string name)
    {
        // Golden/pt/make_quantized.py: quantize_dynamic of the seed model (its head alone in seed.quantized_head.pt,
        // whose LSTM would otherwise load without the head).
        string path = Pt(file);
        string expected = $"{path}: the model is quantized (the file names {name}): its quantized layers hold integers packed for PyTorch's own " +
            "kernels, and LstmGen runs float weights. Save the float model's state_dict, before quantize_dynamic or convert: torch.save(model.state_dict(), path).";
        var model = new SeedModel();
        model.LoadPyTorch(GoldenParity.GoldenPath("seed.weights.pt"));
        Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(path)).Message);
        Assert.True(GoldenParity.MaxAbsDifference(model.Forward(SeedInput()).AsSpan(), SeedGolden()) <= GoldenParity.Tolerance);
        Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => LstmModel.Load(path)).Message);
        Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => ModelInfo.Read(path)).Message);
    }

    [Fact]
    public void An_embedding_as_wide_as_the_features_is_not_taken_for_a_head()
    {
        ModelInfo info = ModelInfo.Read(Pt("embedding_nohead.pt"));
        Assert.Equal((8, 8, 0, null), (info.InputSize, info.HiddenSize, info.OutputSize, info.FcPrefix));
        Assert.Equal(["embedding.weight"], info.OtherTensors.Select(tensor => tensor.Name));
        Assert.Empty(ModelInfo.Read(Pt("nobias_head.pt")).OtherTensors);
    }

    [Fact]
    public void A_head_of_several_Linear_layers_is_refused_with_the_declaration_without_a_head()
    {
        var error = Assert.Throws<InvalidDataException>(() => ModelInfo.Read(Pt("mlp_head.pt")));
        Assert.Contains("the Linear at \"head.0.\" turns the recurrent module's 8 features into 16 values", error.Message);
        Assert.Contains("'head.2.weight' [2, 16]", error.Message);
        Assert.Contains("[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 0, seqLen: /* your length */ 1)]", error.Message);
    }

    [Fact]
    public void A_head_bias_needs_its_weight()
    {
        LstmWeights seed = LstmWeights.LoadPyTorch(GoldenParity.GoldenPath("seed.weights.pt"), inputSize: 5, hiddenSize: 8, outputSize: 2);
        var error = Assert.Throws<ArgumentException>(() => new LstmWeights(seed.Layers, fcWeight: null, seed.FcBias));
        Assert.Equal("fcBias", error.ParamName);
        Assert.Contains("fc.bias was given without fc.weight", error.Message);
    }

    [Fact]
    public void A_transposed_input_weight_is_named_before_any_size_is_read_from_it()
    {
        // weight_ih_l0 saved as [I, 4H] = [5, 32] instead of [32, 5].
        byte[] file = SafetensorsWriter.Build(
            SafetensorsWriter.F32("lstm.weight_ih_l0", [5, 32], new float[160]),
            SafetensorsWriter.F32("lstm.weight_hh_l0", [32, 8], new float[256]));
        var error = Assert.Throws<InvalidDataException>(() => LstmModel.Load(new MemoryStream(file)));
        Assert.Contains("tensor 'lstm.weight_ih_l0' has shape [5, 32]; with hidden size 8 (from 'lstm.weight_hh_l0'), the LSTM's weight_ih_l0 must be [32, input size]", error.Message);
    }
}
