using System;
using System.IO;
using System.Linq;
using Xunit;

namespace LstmGen.Tests.Parity;

[Lstm(5, 8, 2, 7, LstmPrefix = "rnn.", FcPrefix = "head.")] public partial class RnnHeadModel : ILstmTestModel;

[Lstm(5, 8, 16, 7)] public partial class SixteenOutputsModel;

[Lstm(5, 8, 0, 7, FcPrefix = "")] public partial class FeaturesBesideFcModel;

/// <summary>
/// A file whose recurrent module is under another prefix than the model's (Golden/pt/rnn_head.pt, bare_lstm.pt), or is
/// the other cell: the message says what the file holds and the declaration or arguments that load it, in the same
/// words for torch.save and safetensors, and following it loads the file.
/// </summary>
public class KeyMismatchTests
{
    private static string Pt(string name) => GoldenParity.GoldenPath(Path.Combine("pt", name));

    private static Tensor SeedInput() => SafetensorsFile.Load(GoldenParity.GoldenPath("seed.io.safetensors")).ReadTensor("x");

    private static float[] SeedGolden() => SafetensorsFile.Load(GoldenParity.GoldenPath("seed.io.safetensors")).ReadFloats("y");

    // The file's tensors as safetensors, renamed.
    private static MemoryStream AsSafetensors(string path, Func<string, string>? rename = null)
    {
        ITensorFile file = RecurrentWeights.OpenFile(path, requiredKey: null);
        return new MemoryStream(SafetensorsWriter.Build(file.TensorNames.Select(name =>
            SafetensorsWriter.F32((rename ?? (n => n))(name), file.GetShape(name).ToArray(), file.ReadTensor(name).ToArray()))));
    }

    private static string Refused(Action load) => Assert.Throws<InvalidDataException>(load).Message;

    private static void Load(ITestModel model, string path)
    {
        if (path.EndsWith(".pt", StringComparison.Ordinal)) model.LoadPyTorch(path);
        else model.LoadSafetensors(path);
    }

    [Fact]
    public void Keys_under_other_prefixes_name_the_prefixes_to_declare()
    {
        string path = Pt("rnn_head.pt");
        const string Sized = ": no tensor 'lstm.weight_ih_l0': the file's LSTM is under the prefix \"rnn.\" and its Linear head under \"head.\": " +
            "declare LstmPrefix = \"rnn.\", FcPrefix = \"head.\" (or pass lstmPrefix: \"rnn.\", fcPrefix: \"head.\" to LstmWeights).";
        Assert.Equal(path + Sized, Refused(() => new SeedModel().LoadPyTorch(path)));
        Assert.Equal("<stream>" + Sized, Refused(() => new SeedModel().LoadSafetensors(AsSafetensors(path))));
        Assert.Equal(path + Sized, Refused(() => LstmWeights.LoadPyTorch(path, 5, 8, 2)));

        const string FromFile = ": no tensor 'lstm.weight_ih_l0': the file's LSTM is under the prefix \"rnn.\" and its Linear head under \"head.\": " +
            "pass lstmPrefix: \"rnn.\", fcPrefix: \"head.\".";
        Assert.Equal(path + FromFile, Refused(() => LstmModel.Load(path)));
        Assert.Equal("<stream>" + FromFile, Refused(() => LstmModel.Load(AsSafetensors(path))));

        // What the messages say loads the file, and gives PyTorch's outputs.
        var model = new RnnHeadModel();
        model.LoadPyTorch(path);
        Assert.True(GoldenParity.MaxAbsDifference(model.Forward(SeedInput()).AsSpan(), SeedGolden()) <= GoldenParity.Tolerance);
        LstmModel fromFile = LstmModel.Load(path, lstmPrefix: "rnn.", fcPrefix: "head.");
        Assert.True(GoldenParity.MaxAbsDifference(fromFile.Forward(SeedInput()).AsSpan(), SeedGolden()) <= GoldenParity.Tolerance);
    }

    [Fact]
    public void A_head_alone_under_another_prefix_is_named()
    {
        MemoryStream file = AsSafetensors(GoldenParity.GoldenPath("seed.weights.pt"), name => name.Replace("fc.", "out.", StringComparison.Ordinal));
        Assert.Equal("<stream>: no tensor 'fc.weight': the file's Linear head is under \"out.\": declare FcPrefix = \"out.\" (or pass fcPrefix: \"out.\" to LstmWeights).",
            Refused(() => new SeedModel().LoadSafetensors(file)));

        // Sizes from the file: without the head, its features would pass for the head's outputs.
        const string FromFile = "<stream>: no tensor 'fc.weight': the file's Linear head is under \"out.\": pass fcPrefix: \"out.\", or fcPrefix: null to output the features.";
        MemoryStream Fresh() => AsSafetensors(GoldenParity.GoldenPath("seed.weights.pt"), name => name.Replace("fc.", "out.", StringComparison.Ordinal));
        Assert.Equal(FromFile, Refused(() => LstmModel.Load(Fresh())));
        Assert.Equal(FromFile, Refused(() => LstmWeights.FromSafetensors(SafetensorsFile.Load(Fresh()))));

        LstmModel withHead = LstmModel.Load(Fresh(), fcPrefix: "out.");
        Assert.True(GoldenParity.MaxAbsDifference(withHead.Forward(SeedInput()).AsSpan(), SeedGolden()) <= GoldenParity.Tolerance);
        LstmModel features = LstmModel.Load(Fresh(), fcPrefix: null);
        Assert.Equal((false, 8), (features.HasHead, features.OutputSize));
    }

    [Fact]
    public void A_head_of_several_layers_is_not_dropped_by_a_load_with_sizes_from_the_file()
    {
        string path = Pt("mlp_head.pt");
        Assert.Equal($"{path}: no tensor 'fc.weight': the file's head is several layers, which LstmGen does not run: the Linear under \"head.0.\" " +
            "reads the LSTM's 8 features, and 'head.2.weight' its outputs. Pass fcPrefix: null to output the features, and apply those layers to them.",
            Refused(() => LstmModel.Load(path)));
        Assert.Equal(8, LstmModel.Load(path, fcPrefix: null).OutputSize);
        Assert.Equal($"{path}: no tensor 'fc.weight': the file's head is several layers, which LstmGen does not run: the Linear under \"head.0.\" " +
            "reads the LSTM's 8 features, and 'head.2.weight' its outputs. Declare outputSize: 0 to output the features, and apply those layers to them.",
            Refused(() => new SeedModel().LoadPyTorch(path)));

        // Two Linear layers reading the features (two heads, say): the caller names one.
        SafetensorsFile seed = SafetensorsFile.Load(GoldenParity.GoldenPath("seed.weights.safetensors"));
        SafetensorsWriter.Entry Copy(string name) => SafetensorsWriter.F32(name, seed.ReadTensor(name).Shape.ToArray(), seed.ReadFloats(name));
        byte[] twoHeads = SafetensorsWriter.Build(seed.TensorNames.Where(name => name.StartsWith("lstm.", StringComparison.Ordinal)).Select(Copy)
            .Concat(from head in new[] { "a.", "b." } from part in new[] { "weight", "bias" }
                    select SafetensorsWriter.F32(head + part, part == "weight" ? [2, 8] : [2], new float[part == "weight" ? 16 : 2])).ToArray());
        Assert.Equal("<stream>: no tensor 'fc.weight': 2 Linear layers read the LSTM's 8 features, under \"a.\", \"b.\": pass the head's as fcPrefix, " +
            "or fcPrefix: null to output the features.", Refused(() => LstmModel.Load(new MemoryStream(twoHeads))));
        Assert.True(LstmModel.Load(new MemoryStream(twoHeads), fcPrefix: "b.").HasHead);
        Assert.Equal("<stream>: no tensor 'fc.weight': 2 Linear layers read the LSTM's 8 features, under \"a.\", \"b.\": declare the head's as FcPrefix, " +
            "or outputSize: 0 to output the features.", Refused(() => new SeedModel().LoadSafetensors(new MemoryStream(twoHeads))));

        // An MLP that keeps the width, nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2)): both layers read 8
        // values, but the second reads the first's outputs: one head of several layers, not two heads.
        byte[] mlp = SafetensorsWriter.Build(seed.TensorNames.Where(name => name.StartsWith("lstm.", StringComparison.Ordinal)).Select(Copy)
            .Concat([SafetensorsWriter.F32("head.0.weight", [8, 8], new float[64]), SafetensorsWriter.F32("head.0.bias", [8], new float[8]),
                SafetensorsWriter.F32("head.2.weight", [2, 8], new float[16]), SafetensorsWriter.F32("head.2.bias", [2], new float[2])]).ToArray());
        Assert.Equal("<stream>: no tensor 'fc.weight': the file's head is several layers, which LstmGen does not run: the Linear under \"head.0.\" " +
            "reads the LSTM's 8 features, and 'head.2.weight' its outputs. Pass fcPrefix: null to output the features, and apply those layers to them.",
            Refused(() => LstmModel.Load(new MemoryStream(mlp))));
        Assert.Contains("a head of several layers", Refused(() => ModelInfo.Read(new MemoryStream(mlp))));
    }

    [Fact]
    public void A_head_of_several_layers_that_starts_under_fc_is_refused_by_every_load()
    {
        // self.fc = nn.Linear(8, 16), self.out = nn.Linear(16, 2), fc's outputs read by out: they are not the model's.
        byte[] file = SeedLstmWith(SafetensorsWriter.F32("fc.weight", [16, 8], new float[128]), SafetensorsWriter.F32("fc.bias", [16], new float[16]),
            SafetensorsWriter.F32("out.weight", [2, 16], new float[32]), SafetensorsWriter.F32("out.bias", [2], new float[2]));
        const string Found = "<stream>: the file's head is several layers, which LstmGen does not run: the Linear under \"fc.\" reads the LSTM's 8 features, " +
            "and 'out.weight' its outputs. ";
        Assert.Equal(Found + "Pass fcPrefix: null to output the features, and apply those layers to them.", Refused(() => LstmModel.Load(new MemoryStream(file))));
        Assert.Equal(Found + "Declare outputSize: 0 and FcPrefix = \"\" to output the features, and apply those layers to them.",
            Refused(() => new SixteenOutputsModel().LoadSafetensors(new MemoryStream(file))));
        Assert.Contains("Declare the model without a head, [Lstm(inputSize: 5, hiddenSize: 8, outputSize: 0, seqLen: /* your length */ 1, FcPrefix = \"\")]",
            Refused(() => ModelInfo.Read(new MemoryStream(file))));

        // What the messages say loads the features.
        Assert.Equal(8, LstmModel.Load(new MemoryStream(file), fcPrefix: null).OutputSize);
        new FeaturesBesideFcModel().LoadSafetensors(new MemoryStream(file));
    }

    [Fact]
    public void A_Linear_of_another_module_reading_the_heads_outputs_is_not_part_of_the_head()
    {
        // An encoder's LSTM and bridge (encoder.fc: 8 → 2) beside a decoder (generator.…, after them in the file) whose
        // Linear reads 2 values too.
        SafetensorsFile seed = SafetensorsFile.Load(GoldenParity.GoldenPath("seed.weights.safetensors"));
        byte[] file = SafetensorsWriter.Build(seed.TensorNames.Select(name =>
                SafetensorsWriter.F32("encoder." + name, seed.ReadTensor(name).Shape.ToArray(), seed.ReadFloats(name)))
            .Append(SafetensorsWriter.F32("generator.fc.weight", [5, 2], new float[10])).Append(SafetensorsWriter.F32("generator.fc.bias", [5], new float[5])).ToArray());

        LstmModel encoder = LstmModel.Load(new MemoryStream(file), lstmPrefix: "encoder.lstm.", fcPrefix: "encoder.fc.");
        Assert.Equal(2, encoder.OutputSize);
        Assert.Equal(2, ModelInfo.Read(new MemoryStream(file), prefix: "encoder.lstm.").OutputSize);
    }

    [Fact]
    public void A_Linear_under_fc_that_reads_other_values_than_the_features_is_named_as_such()
    {
        // fc(torch.cat((max, mean), 1)): 16 inputs beside the LSTM's 8 features.
        byte[] file = SeedLstmWith(SafetensorsWriter.F32("fc.weight", [2, 16], new float[32]), SafetensorsWriter.F32("fc.bias", [2], new float[2]));
        Assert.Equal("<stream>: the Linear 'fc.weight' [2, 16] reads 16 values, not the LSTM's 8 features: where it reads something else (the features " +
            "pooled over time, another module's output), pass fcPrefix: null to output the features, and apply it yourself.",
            Refused(() => LstmModel.Load(new MemoryStream(file))));
        Assert.Equal(8, LstmModel.Load(new MemoryStream(file), fcPrefix: null).OutputSize);

        ModelInfo info = ModelInfo.Read(new MemoryStream(file));
        Assert.Equal("[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 0, seqLen: /* your length */ 1, FcPrefix = \"\")]", info.ToString());
        new FeaturesBesideFcModel().LoadSafetensors(new MemoryStream(file));
    }

    // The seed LSTM's tensors (lstm.…) and the given ones, as safetensors.
    private static byte[] SeedLstmWith(params SafetensorsWriter.Entry[] others)
    {
        SafetensorsFile seed = SafetensorsFile.Load(GoldenParity.GoldenPath("seed.weights.safetensors"));
        return SafetensorsWriter.Build(seed.TensorNames.Where(name => name.StartsWith("lstm.", StringComparison.Ordinal))
            .Select(name => SafetensorsWriter.F32(name, seed.ReadTensor(name).Shape.ToArray(), seed.ReadFloats(name))).Concat(others).ToArray());
    }

    [Fact]
    public void Other_sizes_name_the_file_s_sizes()
    {
        string path = GoldenParity.GoldenPath("h16.weights.pt");
        var model = new SeedModel();
        Assert.Equal($"{path}: tensor 'lstm.weight_ih_l0' has shape [64, 3] but a model with InputSize 5, HiddenSize 8, OutputSize 2 expects [32, 5]: " +
            "the file's model has inputSize: 3, hiddenSize: 16, outputSize: 1.", Refused(() => model.LoadPyTorch(path)));
        Assert.Equal($"{path}: tensor 'fc.weight' has shape [1, 16] but a model with InputSize 3, HiddenSize 16, OutputSize 4 expects [4, 16]: " +
            "the file's model has outputSize: 1.", Refused(() => LstmWeights.LoadPyTorch(path, 3, 16, 4)));
    }

    [Fact]
    public void An_LSTM_saved_on_its_own_asks_for_the_empty_prefix()
    {
        string path = Pt("bare_lstm.pt");
        Assert.Equal($"{path}: no tensor 'lstm.weight_ih_l0': the file's LSTM is under the prefix \"\" (an nn.LSTM saved on its own): " +
            "declare LstmPrefix = \"\" (or pass lstmPrefix: \"\" to LstmWeights).", Refused(() => new SeedModel().LoadPyTorch(path)));
        Assert.Equal($"{path}: no tensor 'lstm.weight_ih_l0': the file's LSTM is under the prefix \"\" (an nn.LSTM saved on its own): pass lstmPrefix: \"\".",
            Refused(() => LstmModel.Load(path)));

        LstmModel encoder = LstmModel.Load(path, lstmPrefix: "");
        Assert.Equal((5, 8, 8), (encoder.InputSize, encoder.HiddenSize, encoder.OutputSize));
        Assert.Equal(8, LstmWeights.LoadPyTorch(path, 5, 8, 0, lstmPrefix: "").HiddenSize);
    }

    [Fact]
    public void A_GRU_loaded_as_an_LSTM_and_the_reverse_say_what_the_file_holds()
    {
        foreach (string path in new[] { "gru_seed.weights.pt", "gru_seed.weights.safetensors" }.Select(GoldenParity.GoldenPath))
        {
            Assert.Equal($"{path}: the file holds a GRU at prefix \"gru.\" (3·H = 24 gate rows for hidden size 8), not an LSTM: " +
                "declare it as [Gru(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: /* your length */ 1)].", Refused(() => Load(new SeedModel(), path)));
            Assert.Equal($"{path}: the file holds a GRU at prefix \"gru.\" (3·H = 24 gate rows for hidden size 8), not an LSTM: load it with GruModel.Load.",
                Refused(() => LstmModel.Load(path)));
        }
        foreach (string path in new[] { "seed.weights.pt", "seed.weights.safetensors" }.Select(GoldenParity.GoldenPath))
        {
            Assert.Equal($"{path}: the file holds an LSTM at prefix \"lstm.\" (4·H = 32 gate rows for hidden size 8), not a GRU: " +
                "declare it as [Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: /* your length */ 1)].", Refused(() => Load(new GruSeedModel(), path)));
            Assert.Equal($"{path}: the file holds an LSTM at prefix \"lstm.\" (4·H = 32 gate rows for hidden size 8), not a GRU: load it with LstmModel.Load.",
                Refused(() => GruModel.Load(path)));
        }
    }

    [Fact]
    public void A_GRU_under_the_LSTM_prefix_is_named_by_its_shapes()
    {
        // The keys are the model's, the gate rows a GRU's.
        Func<MemoryStream> file = () => AsSafetensors(GoldenParity.GoldenPath("gru_seed.weights.pt"), name => name.Replace("gru.", "lstm.", StringComparison.Ordinal));
        Assert.Equal("<stream>: the file holds a GRU at prefix \"lstm.\" (3·H = 24 gate rows for hidden size 8), not an LSTM: " +
            "declare it as [Gru(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: /* your length */ 1, GruPrefix = \"lstm.\")].", Refused(() => new SeedModel().LoadSafetensors(file())));
        Assert.Equal("<stream>: the file holds a GRU at prefix \"lstm.\" (3·H = 24 gate rows for hidden size 8), not an LSTM: " +
            "load it with GruModel.Load, passing gruPrefix: \"lstm.\".", Refused(() => LstmModel.Load(file())));
    }

    // An encoder and a decoder (each nn.LSTM(…, 8) or nn.GRU(5, 8)) and a head, as a seq2seq state_dict holds them.
    private static MemoryStream EncoderDecoder(bool gruEncoder = false)
    {
        int encoderRows = gruEncoder ? 24 : 32;
        return new MemoryStream(SafetensorsWriter.Build(
            SafetensorsWriter.F32("enc.weight_ih_l0", [encoderRows, 5], new float[encoderRows * 5]), SafetensorsWriter.F32("enc.weight_hh_l0", [encoderRows, 8], new float[encoderRows * 8]),
            SafetensorsWriter.F32("enc.bias_ih_l0", [encoderRows], new float[encoderRows]), SafetensorsWriter.F32("enc.bias_hh_l0", [encoderRows], new float[encoderRows]),
            SafetensorsWriter.F32("dec.weight_ih_l0", [32, 5], new float[160]), SafetensorsWriter.F32("dec.weight_hh_l0", [32, 8], new float[256]),
            SafetensorsWriter.F32("dec.bias_ih_l0", [32], new float[32]), SafetensorsWriter.F32("dec.bias_hh_l0", [32], new float[32]),
            SafetensorsWriter.F32("fc.weight", [2, 8], new float[16]), SafetensorsWriter.F32("fc.bias", [2], new float[2])));
    }

    [Fact]
    public void Several_modules_of_the_models_cell_are_named_for_the_user_to_choose()
    {
        Assert.Equal("<stream>: no tensor 'lstm.weight_ih_l0': the file holds 2 LSTMs, under the prefixes \"enc.\", \"dec.\": declare the one to run, " +
            "as LstmPrefix = \"enc.\" (or pass lstmPrefix: \"enc.\" to LstmWeights).", Refused(() => new SeedModel().LoadSafetensors(EncoderDecoder())));
        Assert.Equal("<stream>: no tensor 'lstm.weight_ih_l0': the file holds 2 LSTMs, under the prefixes \"enc.\", \"dec.\": pass the one to run, " +
            "as lstmPrefix: \"enc.\".", Refused(() => LstmModel.Load(EncoderDecoder())));
        Assert.Equal(8, LstmModel.Load(EncoderDecoder(), lstmPrefix: "dec.").HiddenSize);
    }

    [Fact]
    public void The_one_module_of_the_models_cell_is_named_beside_one_of_the_other()
    {
        Assert.Equal("<stream>: no tensor 'lstm.weight_ih_l0': the file's LSTM is under the prefix \"dec.\": declare LstmPrefix = \"dec.\" " +
            "(or pass lstmPrefix: \"dec.\" to LstmWeights).", Refused(() => new SeedModel().LoadSafetensors(EncoderDecoder(gruEncoder: true))));
    }

    [Fact]
    public void A_projection_in_a_GRU_file_is_not_advised_as_ProjSize()
    {
        // A GRU has no proj_size: the advice must not be the LSTM's "declare ProjSize".
        ITensorFile gru = RecurrentWeights.OpenFile(GoldenParity.GoldenPath("gru_seed.weights.pt"), requiredKey: null);
        var projected = new MemoryStream(SafetensorsWriter.Build(gru.TensorNames
            .Select(name => SafetensorsWriter.F32(name, gru.GetShape(name).ToArray(), gru.ReadTensor(name).ToArray()))
            .Append(SafetensorsWriter.F32("gru.weight_hr_l0", [4, 8], new float[32]))));
        Assert.Equal("<stream>: unexpected tensor 'gru.weight_hr_l0': a GRU has no projection (proj_size belongs to nn.LSTM): check that the file is the GRU's.",
            Refused(() => new GruSeedModel().LoadSafetensors(projected)));
    }
}
