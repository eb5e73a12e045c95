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

        yield return ["missing tensor", SafetensorsWriter.Build(All("fc.weight")), new[] { "missing tensor 'fc.weight'", "OutputSize 2" }];
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
        yield return ["empty", Array.Empty<byte>(), Array.Empty<string>()];
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
}
