using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

[Lstm(5, 8, 2, 7, LstmPrefix = "encoder.rnn.", FcPrefix = "head.")] public partial class RenamedModel : ILstmTestModel;

/// <summary>Loading PyTorch weights: every dtype, renamed modules, and files that must be refused without harm.</summary>
public class LoadSafetensorsTests
{
    private static readonly string SeedWeights = GoldenParity.GoldenPath("seed.weights.safetensors");

    // The golden seed weights, re-encoded with another dtype or key names.
    private static byte[] SeedWeightsAs(Func<string, float[], int[], SafetensorsWriter.Entry> encode, Func<string, string>? rename = null)
    {
        SafetensorsFile file = SafetensorsFile.Load(SeedWeights);
        return SafetensorsWriter.Build(file.TensorNames.Select(name =>
            encode((rename ?? (n => n))(name), file.ReadFloats(name), file.GetInfo(name).Shape.ToArray())));
    }

    private static float[] Run(ITestModel model)
    {
        SafetensorsFile io = SafetensorsFile.Load(GoldenParity.GoldenPath("seed.io.safetensors"));
        return model.Forward(io.ReadTensor("x")).ToArray();
    }

    private static float[] GoldenY() => SafetensorsFile.Load(GoldenParity.GoldenPath("seed.io.safetensors")).ReadFloats("y");

    [Fact]
    public void Stream_and_path_load_the_same_weights()
    {
        var fromPath = new SeedModel();
        fromPath.LoadSafetensors(SeedWeights);
        var fromStream = new SeedModel();
        using (FileStream stream = File.OpenRead(SeedWeights))
            fromStream.LoadSafetensors(stream);

        Assert.Equal(Run(fromPath), Run(fromStream));
    }

    [Fact]
    public void F64_weights_are_converted()
    {
        var model = new SeedModel();
        model.LoadSafetensors(new MemoryStream(SeedWeightsAs((name, values, shape) =>
            SafetensorsWriter.F64(name, shape, values.Select(v => (double)v).ToArray()))));
        Assert.True(GoldenParity.MaxAbsDifference(Run(model), GoldenY()) <= GoldenParity.Tolerance);
    }

    [Theory]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void Half_precision_weights_are_converted(string dtype)
    {
        ushort Encode(float value) => dtype == "F16"
            ? BitConverter.HalfToUInt16Bits((Half)value)
            : (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16);
        var model = new SeedModel();
        model.LoadSafetensors(new MemoryStream(SeedWeightsAs((name, values, shape) =>
            SafetensorsWriter.Bits16(name, dtype, shape, values.Select(Encode).ToArray()))));

        // Rounding the weights to 16 bits moves the outputs a little, not a lot.
        Assert.True(GoldenParity.MaxAbsDifference(Run(model), GoldenY()) < 2e-2);
    }

    [Fact]
    public void Configured_prefixes_find_renamed_modules()
    {
        var model = new RenamedModel();
        model.LoadSafetensors(new MemoryStream(SeedWeightsAs((name, values, shape) => SafetensorsWriter.F32(name, shape, values),
            name => name.Replace("lstm.", "encoder.rnn.").Replace("fc.", "head."))));
        Assert.True(GoldenParity.MaxAbsDifference(Run(model), GoldenY()) <= GoldenParity.Tolerance);
    }

    public static IEnumerable<object[]> BadFiles()
    {
        SafetensorsFile seed = SafetensorsFile.Load(SeedWeights);
        SafetensorsWriter.Entry Entry(string name) => SafetensorsWriter.F32(name, seed.GetInfo(name).Shape.ToArray(), seed.ReadFloats(name));
        IEnumerable<SafetensorsWriter.Entry> All(params string[] except) => seed.TensorNames.Where(n => !except.Contains(n)).Select(Entry);

        yield return ["missing tensor", SafetensorsWriter.Build(All("fc.weight")), new[] { "missing tensor 'fc.weight'", "outputSize: 2" }];
        yield return ["wrong shape", SafetensorsWriter.Build(All("fc.weight").Append(SafetensorsWriter.F32("fc.weight", [2, 4], new float[8]))),
            new[] { "'fc.weight' has shape [2, 4]", "expects [2, 8]" }];
        yield return ["second layer", File.ReadAllBytes(GoldenParity.GoldenPath("lstm2_small.weights.safetensors")),
            new[] { "2-layer LSTM", "1 layer" }];
        yield return ["bidirectional", SafetensorsWriter.Build(All().Append(SafetensorsWriter.F32("lstm.weight_ih_l0_reverse", [32, 5], new float[160]))),
            new[] { "'lstm.weight_ih_l0_reverse'" }];
        yield return ["integer dtype", SafetensorsWriter.Build(All("fc.bias").Append(SafetensorsWriter.Raw("fc.bias", "I32", [2], new byte[8]))),
            new[] { "I32" }];
        byte[] valid = File.ReadAllBytes(SeedWeights);
        yield return ["truncated", valid[..^10], Array.Empty<string>()];
        yield return ["corrupt header", valid.Select((b, i) => i is > 8 and < 40 ? (byte)'#' : b).ToArray(), Array.Empty<string>()];
        yield return ["empty", Array.Empty<byte>(), new[] { ": the file is empty (0 bytes); expected a safetensors file." }];
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_files_are_refused_and_the_weights_kept(string what, byte[] contents, string[] messageParts)
    {
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, contents);
        try
        {
            var model = new SeedModel();
            model.LoadSafetensors(SeedWeights);
            float[] before = Run(model);

            var error = Assert.Throws<InvalidDataException>(() => model.LoadSafetensors(path));

            Assert.True(error.Message.StartsWith(path), $"{what}: the message should start with the file name: {error.Message}");
            foreach (string part in messageParts)
                Assert.Contains(part, error.Message);
            Assert.Equal(before, Run(model));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ------------------------------------------------------------------ a file of the other format

    [Fact]
    public void A_torch_save_file_is_named_with_the_method_that_reads_it()
    {
        string pt = GoldenParity.GoldenPath("seed.weights.pt");
        string expected = ": this is a torch.save file (a zip archive, starting with 'PK'), not safetensors: load it with LoadPyTorch instead of " +
            "LoadSafetensors (PyTorchFile.Load instead of SafetensorsFile.Load); LstmModel.Load, GruModel.Load and ModelInfo.Read read either format, told apart by content.";
        var model = new SeedModel();
        Assert.Equal(pt + expected, Assert.Throws<InvalidDataException>(() => model.LoadSafetensors(pt)).Message);
        using (FileStream stream = File.OpenRead(pt))
            Assert.Equal("<stream>" + expected, Assert.Throws<InvalidDataException>(() => model.LoadSafetensors(stream)).Message);
        Assert.Equal("<stream>" + expected, Assert.Throws<InvalidDataException>(() =>
            SafetensorsFile.Load(new NonSeekableStream(File.ReadAllBytes(pt), chunk: 100))).Message);
        Assert.Equal(pt + expected, Assert.Throws<InvalidDataException>(() => LstmWeights.LoadSafetensors(pt, 5, 8, 2)).Message);

        string safetensors = GoldenParity.GoldenPath("seed.weights.safetensors");
        Assert.Equal($"{safetensors}: this is a safetensors file (an 8-byte header length, then a JSON header), not a torch.save archive: load it with " +
            "LoadSafetensors instead of LoadPyTorch (SafetensorsFile.Load instead of PyTorchFile.Load); LstmModel.Load, GruModel.Load and ModelInfo.Read " +
            "read either format, told apart by content.", Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(safetensors)).Message);
    }

    [Fact]
    public void An_empty_file_is_called_empty_by_every_loader()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-{Guid.NewGuid():N}.pt");
        File.WriteAllBytes(path, []);
        try
        {
            Assert.Equal($"{path}: the file is empty (0 bytes); expected a torch.save file.",
                Assert.Throws<InvalidDataException>(() => new SeedModel().LoadPyTorch(path)).Message);
            Assert.Equal($"{path}: the file is empty (0 bytes); expected a safetensors file.",
                Assert.Throws<InvalidDataException>(() => new SeedModel().LoadSafetensors(path)).Message);
            string either = $"{path}: the file is empty (0 bytes); expected a torch.save or safetensors file.";
            Assert.Equal(either, Assert.Throws<InvalidDataException>(() => ModelInfo.Read(path)).Message);
            Assert.Equal(either, Assert.Throws<InvalidDataException>(() => LstmModel.Load(path)).Message);
            Assert.Equal(either, Assert.Throws<InvalidDataException>(() => GruModel.Load(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_text_file_is_called_text_by_every_loader()
    {
        // A Hugging Face config.json, or the training script, given where the weights belong.
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{\n  \"hidden_size\": 8,\n  \"num_layers\": 1\n}\n");
        try
        {
            string text = $"{path}: the file starts with text, not with the binary header of a torch.save or safetensors file: is it the weights file, " +
                "or a config or script beside it?";
            Assert.Equal(text, Assert.Throws<InvalidDataException>(() => new SeedModel().LoadPyTorch(path)).Message);
            Assert.Equal(text, Assert.Throws<InvalidDataException>(() => new SeedModel().LoadSafetensors(path)).Message);
            Assert.Equal(text, Assert.Throws<InvalidDataException>(() => ModelInfo.Read(path)).Message);
            Assert.Equal(text, Assert.Throws<InvalidDataException>(() => LstmModel.Load(path)).Message);

            // Compact JSON whose ninth byte is '{', and UTF-8 with a byte-order mark: text too.
            foreach (byte[] content in new[] { "{\"args\":{\"hidden\": 8}}"u8.ToArray(), [0xEF, 0xBB, 0xBF, .. "# Konfiguration: Größe 8\n"u8] })
            {
                File.WriteAllBytes(path, content);
                Assert.Equal(text, Assert.Throws<InvalidDataException>(() => new SeedModel().LoadPyTorch(path)).Message);
                Assert.Equal(text, Assert.Throws<InvalidDataException>(() => LstmModel.Load(path)).Message);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_safetensors_file_whose_header_length_starts_with_PK_is_safetensors()
    {
        // A header of 0x4b50 = 19280 bytes: the file starts with "PK", as a zip does, then '{'.
        byte[] seed = File.ReadAllBytes(SeedWeights);
        int headerLength = (int)BitConverter.ToUInt64(seed, 0);
        byte[] header = [.. seed.AsSpan(8, headerLength), .. Enumerable.Repeat((byte)' ', 0x4b50 - headerLength)];
        byte[] file = SafetensorsWriter.Assemble(header, seed[(8 + headerLength)..]);
        Assert.Equal("PK"u8.ToArray(), file[..2]);

        var model = new SeedModel();
        model.LoadSafetensors(new MemoryStream(file));
        Assert.True(GoldenParity.MaxAbsDifference(Run(model), GoldenY()) <= GoldenParity.Tolerance);
        Tensor x = SafetensorsFile.Load(GoldenParity.GoldenPath("seed.io.safetensors")).ReadTensor("x");
        Assert.True(GoldenParity.MaxAbsDifference(LstmModel.Load(new MemoryStream(file)).Forward(x).AsSpan(), GoldenY()) <= GoldenParity.Tolerance);
        Assert.Contains("this is a safetensors file", Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(new MemoryStream(file))).Message);
    }
}
