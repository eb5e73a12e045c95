using System;
using System.IO;
using System.Linq;
using LstmGen.Kernels;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Runtime;

/// <summary>The weights of every option: loading with the options a model expects, mismatches named by key, packing.</summary>
public class OptionWeightsTests
{
    private static string Option(string name) => OptionGolden.PathOf(name + ".weights.safetensors");
    private static string Seed => GoldenParity.GoldenPath("seed.weights.safetensors");

    [Fact]
    public void Each_option_loads_when_expected()
    {
        LstmWeights all = LstmWeights.LoadPyTorch(OptionGolden.PathOf("all_lstm2.weights.pt"), 4, 12, 3, numLayers: 2, bias: true, bidirectional: true, projSize: 5);
        Assert.Equal((true, 2, 5, 5, 10), (all.Bidirectional, all.ReverseLayers.Count, all.ProjSize, all.HiddenOutputSize, all.FeatureSize));
        Assert.Equal([48, 10], all.Layer(1, 1).WeightIh.Shape.ToArray());
        Assert.Equal([5, 12], all.Layer(1, 1).WeightHr!.Shape.ToArray());

        LstmWeights nobias = LstmWeights.LoadSafetensors(Option("nobias_lstm"), 5, 8, 2, bias: false);
        Assert.False(nobias.HasBias);
        Assert.Null(nobias.BiasIh);

        GruWeights bare = GruWeights.LoadSafetensors(Option("bare_gru"), 4, 8, 0, gruPrefix: "", bidirectional: true);
        Assert.Equal((false, 0, 16), (bare.HasHead, bare.OutputSize, bare.FeatureSize));
    }

    [Theory]
    // The file has an option the model lacks …
    [InlineData("bi_lstm", "unexpected tensor 'lstm.weight_ih_l0_reverse': the file's LSTM is bidirectional but the model declares no " +
        "Bidirectional (false, the default): declare Bidirectional = true (or pass bidirectional: true to LstmWeights).")]
    [InlineData("proj_lstm", "unexpected tensor 'lstm.weight_hr_l0': the file's LSTM is projected (proj_size=3) but the model declares no " +
        "ProjSize (0, the default): declare ProjSize = 3 (or pass projSize: 3 to LstmWeights).")]
    // … or lacks one the model has.
    [InlineData("nohead_lstm", "missing tensor 'fc.weight': the model declares outputSize: 2 (a Linear head) but the file has no 'fc.weight': " +
        "declare outputSize: 0 to output the features. The file has: ")]
    [InlineData("nobias_lstm", "missing tensor 'lstm.bias_ih_l0': the model declares bias=True (Bias = true, the default) but the file's LSTM " +
        "has no bias_ih_l0/bias_hh_l0 keys (bias=False): declare Bias = false (or pass bias: false to LstmWeights). The file has: ")]
    public void A_file_with_other_options_names_the_key_and_the_declaration_that_fits(string caseName, string message)
    {
        string path = Option(caseName);
        Assert.StartsWith($"{path}: {message}", Assert.Throws<InvalidDataException>(() => LstmWeights.LoadSafetensors(path, 5, 8, 2)).Message);
        path = OptionGolden.PathOf(caseName + ".weights.pt");
        Assert.StartsWith($"{path}: {message}", Assert.Throws<InvalidDataException>(() => LstmWeights.LoadPyTorch(path, 5, 8, 2)).Message);
    }

    [Fact]
    public void A_model_with_options_the_file_lacks_names_the_key_and_the_declaration_that_fits()
    {
        // The seed file: unidirectional, unprojected, biased, with a head.
        string Refused(Action load) => Assert.Throws<InvalidDataException>(load).Message[(Seed.Length + 2)..];
        Assert.StartsWith("missing tensor 'lstm.weight_ih_l0_reverse': the model declares Bidirectional = true but the file's LSTM has no _reverse " +
            "keys (it is unidirectional): remove Bidirectional = true (or pass bidirectional: false to LstmWeights). The file has: ",
            Refused(() => LstmWeights.LoadSafetensors(Seed, 5, 8, 2, bidirectional: true)));
        Assert.StartsWith("missing tensor 'lstm.weight_hr_l0': the model declares ProjSize = 3 but the file's LSTM has no weight_hr_l0 key " +
            "(no proj_size): remove ProjSize = 3 (or pass projSize: 0 to LstmWeights). The file has: ",
            Refused(() => LstmWeights.LoadSafetensors(Seed, 5, 8, 2, projSize: 3)));
        Assert.Equal("unexpected tensor 'lstm.bias_ih_l0': the file's LSTM has biases (bias=True) but the model declares Bias = false: " +
            "remove Bias = false (or pass bias: true to LstmWeights).",
            Refused(() => LstmWeights.LoadSafetensors(Seed, 5, 8, 2, bias: false)));
        Assert.Equal("unexpected tensor 'fc.weight': the file has a Linear head ('fc.weight' [2, 8]) but the model declares outputSize: 0 (no head): " +
            "declare outputSize: 2, or, where that Linear reads another module (a seq2seq decoder's output, or features you pool over time), FcPrefix = \"\" to load this module without it.",
            Refused(() => LstmWeights.LoadSafetensors(Seed, 5, 8, 0)));
        Assert.False(LstmWeights.LoadSafetensors(Seed, 5, 8, 0, fcPrefix: "").HasHead); // as the message says
        Assert.Contains("unexpected tensor 'gru.weight_ih_l0_reverse': the file's GRU is bidirectional",
            Assert.Throws<InvalidDataException>(() => GruWeights.LoadSafetensors(Option("bi_gru"), 5, 8, 2)).Message);
    }

    [Fact]
    public void A_wrong_weight_hr_shape_names_the_key()
    {
        // A projected LSTM (I 2, H 4, P 2) whose weight_hr has 3 columns instead of H = 4.
        byte[] file = SafetensorsWriter.Build(
            SafetensorsWriter.F32("lstm.weight_ih_l0", [16, 2], new float[32]),
            SafetensorsWriter.F32("lstm.weight_hh_l0", [16, 2], new float[32]),
            SafetensorsWriter.F32("lstm.bias_ih_l0", [16], new float[16]),
            SafetensorsWriter.F32("lstm.bias_hh_l0", [16], new float[16]),
            SafetensorsWriter.F32("lstm.weight_hr_l0", [2, 3], new float[6]),
            SafetensorsWriter.F32("fc.weight", [1, 2], new float[2]),
            SafetensorsWriter.F32("fc.bias", [1], new float[1]));
        var error = Assert.Throws<InvalidDataException>(() => LstmWeights.LoadSafetensors(new MemoryStream(file), 2, 4, 1, projSize: 2));
        Assert.Contains("'lstm.weight_hr_l0' has shape [2, 3]", error.Message);
        Assert.Contains("expects [2, 4]", error.Message);
    }

    [Fact]
    public void Bias_free_weights_pack_as_zero_biases_and_headless_ones_without_a_head()
    {
        LstmWeights biased = LstmWeights.CreateRandom(3, 20, 2, seed: 4, numLayers: 2);
        var zeroBiases = biased.Layers.Select(l => new RecurrentLayer(l.WeightIh, l.WeightHh, new Tensor([80]), new Tensor([80]))).ToArray();
        var noBiases = biased.Layers.Select(l => new RecurrentLayer(l.WeightIh, l.WeightHh, null, null)).ToArray();
        float[] expected = RecurrentPacking.Pack(new LstmWeights(zeroBiases, biased.FcWeight, biased.FcBias), 3, 20, 2, 2, 16, 4).Span.ToArray();
        float[] actual = RecurrentPacking.Pack(new LstmWeights(noBiases, biased.FcWeight, biased.FcBias), 3, 20, 2, 2, 16, 4).Span.ToArray();
        Assert.Equal(expected, actual);

        PackedWeights headless = RecurrentPacking.Pack(new LstmWeights(noBiases, null, null), 3, 20, 0, 2, 16, 4);
        Assert.Equal(new PackedLayout(3, 20, 0, 2, 16, 4).PackedLength, headless.Length);
        Assert.Equal(expected.AsSpan(0, headless.Length).ToArray(), headless.Span.ToArray());

        var bidirectional = LstmWeights.CreateRandom(3, 20, 2, seed: 4, bidirectional: true);
        Assert.Contains("The weights are for (bidirectional, no projection) but the model expects (unidirectional, no projection)",
            Assert.Throws<ArgumentException>(() => RecurrentPacking.Pack(bidirectional, 3, 20, 2, 1, 16, 4)).Message);
    }

    [Fact]
    public void CreateRandom_keeps_its_values_and_adds_options()
    {
        // The default options draw what they drew before the options existed: the same tensors in the same order.
        LstmWeights plain = LstmWeights.CreateRandom(5, 8, 2, seed: 3);
        LstmWeights projected = LstmWeights.CreateRandom(5, 8, 2, seed: 3, projSize: 3);
        Assert.Equal(plain.WeightIh.AsSpan().ToArray(), projected.WeightIh.AsSpan().ToArray());
        Assert.Equal([32, 3], projected.WeightHh.Shape.ToArray());
        Assert.Equal([2, 3], projected.FcWeight!.Shape.ToArray());

        GruWeights gru = GruWeights.CreateRandom(5, 8, 0, seed: 3, numLayers: 2, bias: false, bidirectional: true);
        Assert.Equal((false, false, true), (gru.HasHead, gru.HasBias, gru.Bidirectional));
        Assert.Equal([24, 16], gru.Layer(1, 1).WeightIh.Shape.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => LstmWeights.CreateRandom(5, 8, 2, seed: 3, projSize: 8));
    }

    [Fact]
    public void Inconsistent_option_tensors_are_refused()
    {
        var wih = new Tensor([32, 5]);
        Assert.Equal("biasHh", Assert.Throws<ArgumentException>(() => new RecurrentLayer(wih, new Tensor([32, 8]), new Tensor([32]), null)).ParamName);
        Assert.Equal("weightHh", Assert.Throws<ArgumentException>(() => new RecurrentLayer(wih, new Tensor([32, 8]), null, null, new Tensor([3, 8]))).ParamName);
        Assert.Equal("weightHr", Assert.Throws<ArgumentException>(() => new RecurrentLayer(wih, new Tensor([32, 8]), null, null, new Tensor([8, 8]))).ParamName);
        var layer = new RecurrentLayer(wih, new Tensor([32, 8]), null, null);
        var error = Assert.Throws<ArgumentException>(() => new LstmWeights([layer], [layer], new Tensor([2, 8]), new Tensor([2])));
        Assert.Equal("fcWeight", error.ParamName);
        Assert.Contains("[O, 16]", error.Message);
    }
}
