using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using LstmGen.Tests.Support;
using Xunit;
using static LstmGen.Tests.SafetensorsWriter;

namespace LstmGen.Tests;

public class SafetensorsFileTests
{
    private const string Source = "model.safetensors";

    private static SafetensorsFile Load(byte[] bytes) => SafetensorsFile.Load(new MemoryStream(bytes), Source);

    private static InvalidDataException LoadFails(byte[] bytes, string expectedFragment)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Load(bytes));
        Assert.StartsWith(Source + ": ", ex.Message);
        Assert.Contains(expectedFragment, ex.Message);
        return ex;
    }

    // ------------------------------------------------------------------ valid files

    [Fact]
    public void F32_RoundTrip()
    {
        var file = Load(Build(
            F32("fc.weight", [2, 3], 1, -2, 3.5f, 0, float.MaxValue, 1e-30f),
            F32("fc.bias", [2], 0.25f, -0.125f)));

        Assert.Equal(Source, file.SourceName);
        Assert.Equal(new[] { "fc.weight", "fc.bias" }, file.TensorNames);
        Assert.True(file.Contains("fc.bias"));
        Assert.False(file.Contains("fc.Bias"));

        var info = file.GetInfo("fc.weight");
        Assert.Equal("fc.weight", info.Name);
        Assert.Equal("F32", info.DType);
        Assert.Equal(new[] { 2, 3 }, info.Shape);
        Assert.Equal(6, info.ElementCount);
        Assert.Equal(24, info.ByteLength);
        Assert.Equal(0, info.DataBegin);
        Assert.Equal(24, file.GetInfo("fc.bias").DataBegin);

        Assert.Equal(new[] { 1, -2, 3.5f, 0, float.MaxValue, 1e-30f }, file.ReadFloats("fc.weight"));
        var tensor = file.ReadTensor("fc.weight");
        Assert.Equal("[2, 3]", tensor.ShapeString);
        Assert.Equal(3.5f, tensor[0, 2]);
        Assert.Equal(new[] { 0.25f, -0.125f }, file.ReadTensor("fc.bias").ToArray());
    }

    [Fact]
    public void F16_ConvertsExactly()
    {
        var file = Load(Build(Bits16("h", "F16", [7], 0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x7C00, 0x8000)));
        float[] values = file.ReadFloats("h");
        Assert.Equal(1.0f, values[0]);
        Assert.Equal(-2.0f, values[1]);
        Assert.Equal(0.333251953125f, values[2]);
        Assert.Equal(65504f, values[3]);
        Assert.Equal(MathF.Pow(2, -24), values[4]);
        Assert.Equal(float.PositiveInfinity, values[5]);
        Assert.True(float.IsNegative(values[6]) && values[6] == 0);
        Assert.Equal("F16", file.GetInfo("h").DType);
        Assert.Equal(14, file.GetInfo("h").ByteLength);
    }

    [Fact]
    public void BF16_ConvertsExactly()
    {
        var file = Load(Build(Bits16("b", "BF16", [2, 2], 0x3F80, 0xC040, 0x3EAB, 0x7F80)));
        Assert.Equal(new[] { 1.0f, -3.0f, 0.333984375f, float.PositiveInfinity }, file.ReadFloats("b"));
        Assert.Equal(-3.0f, file.ReadTensor("b")[0, 1]);
    }

    [Fact]
    public void F64_ConvertsByRounding()
    {
        var file = Load(Build(F64("d", [4], 0.1, -2.5, 1e300, 1e-50)));
        Assert.Equal(new[] { 0.1f, -2.5f, float.PositiveInfinity, 0f }, file.ReadFloats("d"));
        Assert.Equal(32, file.GetInfo("d").ByteLength);
    }

    [Fact]
    public void Metadata_IsExposed()
    {
        var file = Load(Build([F32("x", [1], 1)], new Dictionary<string, string> { ["format"] = "pt", ["note"] = "héllo \"q\"" }));
        Assert.Equal(2, file.Metadata.Count);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("héllo \"q\"", file.Metadata["note"]);
        Assert.Equal(new[] { "x" }, file.TensorNames);
    }

    [Fact]
    public void NoMetadata_GivesEmptyDictionary()
    {
        var file = Load(Build(F32("x", [1], 1)));
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void EmptyHeaderObject_IsAFileWithNoTensors()
    {
        var file = Load(FromHeader("{}"));
        Assert.Empty(file.TensorNames);
        var ex = Assert.Throws<InvalidDataException>(() => file.GetInfo("x"));
        Assert.Contains("no tensors", ex.Message);
    }

    [Fact]
    public void ScalarAndEmptyTensors_AreSupported()
    {
        var file = Load(Build(F32("scalar", [], 2.5f), F32("empty", [0, 3])));
        Assert.Equal(0, file.ReadTensor("scalar").Rank);
        Assert.Equal(2.5f, file.ReadTensor("scalar").AsSpan()[0]);
        Assert.Empty(file.ReadFloats("empty"));
        Assert.Equal("[0, 3]", file.ReadTensor("empty").ShapeString);
    }

    [Fact]
    public void HeaderPaddingGapsAndTrailingBytes_AreAccepted()
    {
        var data = new byte[4 + 8 + 4];
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8), -1f);
        var file = Load(FromHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12],\"extra\":[1,{\"x\":null}]}}      ", data));
        Assert.Equal(new[] { 1.5f, -1f }, file.ReadFloats("a"));
    }

    [Fact]
    public void NonF32Dtypes_AreListedButNotConverted()
    {
        var file = Load(Build(Raw("ids", "I32", [2], new byte[8]), Raw("mask", "BOOL", [3], new byte[3]), Raw("f8", "F8_E4M3", [1], new byte[1])));
        Assert.Equal(8, file.GetInfo("ids").ByteLength);
        var ex = Assert.Throws<InvalidDataException>(() => file.ReadFloats("ids"));
        Assert.StartsWith(Source + ": ", ex.Message);
        Assert.Contains("I32", ex.Message);
        Assert.Contains("F32, F16, BF16, F64", ex.Message);
        Assert.Throws<InvalidDataException>(() => file.ReadTensor("mask"));
    }

    [Fact]
    public void LoadFromPath_UsesPathAsSourceName()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(path, Build(F32("w", [2], 3, 4)));
            var file = SafetensorsFile.Load(path);
            Assert.Equal(path, file.SourceName);
            Assert.Equal(new[] { 3f, 4f }, file.ReadFloats("w"));

            File.WriteAllBytes(path, [1, 2, 3]);
            var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Load(path));
            Assert.StartsWith(path + ": ", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingFile_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Load(Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.safetensors")));

    [Fact]
    public void Directory_IsRefusedNamingTheWeightsFilesInIt()
    {
        // A Hugging Face model folder, passed where its file belongs.
        string folder = Directory.CreateTempSubdirectory("lstmgen-model-").FullName;
        try
        {
            string expectedEmpty = $"{folder} is a directory, not a weights file, and holds no .safetensors, .pt, .pth, .bin file.";
            Assert.Equal(expectedEmpty, Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Load(folder)).Message);

            File.WriteAllText(Path.Combine(folder, "config.json"), "{}");
            File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), []);
            File.WriteAllBytes(Path.Combine(folder, "model.safetensors"), []);
            string expected = $"{folder} is a directory, not a weights file: pass the path of the file in it (model.safetensors, pytorch_model.bin).";
            Assert.Equal(expected, Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Load(folder)).Message);
            Assert.Equal(expected, Assert.Throws<FileNotFoundException>(() => PyTorchFile.Load(folder)).Message);
            Assert.Equal(expected, Assert.Throws<FileNotFoundException>(() => LstmModel.Load(folder)).Message);
            Assert.Equal(expected, Assert.Throws<FileNotFoundException>(() => ModelInfo.Read(folder)).Message);
            Assert.Equal(expected, Assert.Throws<FileNotFoundException>(() => new LstmGen.Tests.Parity.SeedModel().LoadPyTorch(folder)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void StreamWithoutName_IsCalledStream()
    {
        var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Load(new MemoryStream(new byte[3])));
        Assert.StartsWith("<stream>: ", ex.Message);
        Assert.Equal("<stream>", SafetensorsFile.Load(new MemoryStream(FromHeader("{}"))).SourceName);
    }

    [Fact]
    public void NonSeekableStream_Works()
    {
        var bytes = Build([F32("a", [3], 1, 2, 3), Bits16("b", "BF16", [1], 0x3F80)], new Dictionary<string, string> { ["k"] = "v" });
        var file = SafetensorsFile.Load(new NonSeekableStream(bytes), "pipe");
        Assert.Equal("pipe", file.SourceName);
        Assert.Equal(new[] { 1f, 2f, 3f }, file.ReadFloats("a"));
        Assert.Equal(new[] { 1f }, file.ReadFloats("b"));
        Assert.Equal("v", file.Metadata["k"]);
    }

    [Fact]
    public void SeekableStream_IsReadFromItsCurrentPosition()
    {
        var bytes = new byte[] { 9, 9, 9 }.Concat(Build(F32("a", [1], 7))).ToArray();
        var stream = new MemoryStream(bytes) { Position = 3 };
        Assert.Equal(new[] { 7f }, SafetensorsFile.Load(stream, Source).ReadFloats("a"));
    }

    [Fact]
    public void HugeHeaderLength_FailsFast()
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1UL << 60);
        var watch = Stopwatch.StartNew();
        var ex = LoadFails(bytes, "1152921504606846976");
        Assert.Contains("100000000", ex.Message);
        var ex2 = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Load(new NonSeekableStream(bytes), Source));
        Assert.Contains("1152921504606846976", ex2.Message);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        LoadFails(bytes, ulong.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public void HeaderLengthWithinLimitButBeyondTheEnd_FailsWithoutAllocatingIt()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 99_999_999);
        LoadFails(bytes, "only 8 bytes follow");
        var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Load(new NonSeekableStream(bytes), Source));
        Assert.Contains("only 8 bytes follow", ex.Message);
    }

    // ------------------------------------------------------------------ corruption

    private static byte[] TensorEntry(string json, int dataLength = 64) => FromHeader("{\"t\":" + json + "}", new byte[dataLength]);

    public static TheoryData<string, byte[], string> CorruptFiles()
    {
        var data = new TheoryData<string, byte[], string>
        {
            { "empty file", [], "the file is empty (0 bytes); expected a safetensors file." },
            { "shorter than 8 bytes", [1, 2, 3, 4, 5], "5 bytes long" },
            { "header length 0", new byte[16], "header length is 0" },
            { "header length over the limit", LengthPrefix(100_000_001, 16), "100000001" },
            { "header beyond end", LengthPrefix(20, 10), "only 2 bytes follow" },
            { "invalid UTF-8", Assemble([(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []), "not valid UTF-8" },
            { "truncated JSON", FromHeader("{\"t\": {\"dtype\": "), "not valid JSON" },
            { "not an object", FromHeader("[1, 2]"), "must be a JSON object but starts with an array" },
            { "a string", FromHeader("\"hello\""), "must be a JSON object" },
            { "trailing garbage", FromHeader("{} x"), "not valid JSON" },
            { "two objects", FromHeader("{} {}"), "not valid JSON" },
            { "comment", FromHeader("{/* c */}"), "not valid JSON" },
            { "duplicate key", FromHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "key 'a' twice" },
            { "duplicate metadata", FromHeader("{\"__metadata__\":{},\"__metadata__\":{}}"), "key '__metadata__' twice" },
            { "duplicate metadata entry", FromHeader("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}"), "key 'a' twice" },
            { "metadata not an object", FromHeader("{\"__metadata__\":[1]}"), "'__metadata__' must be a JSON object of strings but is an array" },
            { "metadata value not a string", FromHeader("{\"__metadata__\":{\"epochs\":10}}"), "entry 'epochs' must be a string but is a number" },
            { "lone surrogate escape", FromHeader("{\"\\ud800\":{}}"), "header could not be parsed" },
            { "deep nesting", FromHeader("{\"t\":{\"x\":" + new string('[', 100) + new string(']', 100) + "}}"), "not valid JSON" },
            { "entry not an object", TensorEntry("5"), "tensor 't' must be a JSON object" },
            { "missing dtype", TensorEntry("{\"shape\":[1],\"data_offsets\":[0,4]}"), "tensor 't' has no \"dtype\"" },
            { "missing shape", TensorEntry("{\"dtype\":\"F32\",\"data_offsets\":[0,4]}"), "tensor 't' has no \"shape\"" },
            { "missing data_offsets", TensorEntry("{\"dtype\":\"F32\",\"shape\":[1]}"), "tensor 't' has no \"data_offsets\"" },
            { "duplicate field", TensorEntry("{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}"), "\"dtype\" twice" },
            { "dtype not a string", TensorEntry("{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}"), "\"dtype\" that is a number" },
            { "shape not an array", TensorEntry("{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,4]}"), "\"shape\" that is a string" },
            { "shape element not a number", TensorEntry("{\"dtype\":\"F32\",\"shape\":[1,\"x\"],\"data_offsets\":[0,4]}"), "element that is a string" },
            { "shape nested array", TensorEntry("{\"dtype\":\"F32\",\"shape\":[[1]],\"data_offsets\":[0,4]}"), "element that is an array" },
            { "offsets not an array", TensorEntry("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"a\":1}}"), "\"data_offsets\" that is an object" },
            { "negative dim", TensorEntry("{\"dtype\":\"F32\",\"shape\":[2,-3],\"data_offsets\":[0,4]}"), "negative dimension -3" },
            { "fractional dim", TensorEntry("{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,4]}"), "dimension 2.5" },
            { "exponent dim", TensorEntry("{\"dtype\":\"F32\",\"shape\":[1e3],\"data_offsets\":[0,4]}"), "dimension 1e3" },
            { "huge dim", TensorEntry("{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}"), "out of range" },
            { "dim beyond int", TensorEntry("{\"dtype\":\"U8\",\"shape\":[4294967296],\"data_offsets\":[0,4]}"), "4294967296" },
            { "size overflow", TensorEntry("{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}"), "overflows" },
            { "unknown dtype", TensorEntry("{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}"), "unknown dtype \"F128\"" },
            { "lowercase dtype", TensorEntry("{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}"), "known dtypes are BOOL" },
            { "one offset", TensorEntry("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}"), "1 data_offsets; expected exactly 2" },
            { "three offsets", TensorEntry("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}"), "3 data_offsets" },
            { "negative offset", TensorEntry("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}"), "negative offset -4" },
            { "begin after end", TensorEntry("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}"), "[8, 4] with begin > end" },
            { "end beyond data", TensorEntry("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[60,68]}"), "data section is only 64 bytes long" },
            { "huge end", TensorEntry("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]}"), "out of range" },
            {
                "length mismatch",
                FromHeader("{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2,8],\"data_offsets\":[0,40]}}", new byte[64]),
                "model.safetensors: tensor 'fc.weight' has data_offsets [0, 40] (40 bytes) but dtype F32 and shape [2, 8] need 64 bytes"
            },
            {
                "overlap",
                FromHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", new byte[32]),
                "tensors 'a' (data_offsets [0, 16]) and 'b' (data_offsets [12, 20]) overlap"
            },
            {
                "same range twice",
                FromHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                "overlap"
            },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void CorruptContent_ThrowsInvalidDataNamingTheSource(string description, byte[] bytes, string expectedFragment)
    {
        Assert.NotNull(description);
        LoadFails(bytes, expectedFragment);
        // The same verdict when the bytes arrive through a non-seekable stream.
        var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Load(new NonSeekableStream(bytes), Source));
        Assert.StartsWith(Source + ": ", ex.Message);
        Assert.Contains(expectedFragment, ex.Message);
    }

    [Fact]
    public void EmptyTensorInsideAnother_IsNotAnOverlap()
    {
        var file = Load(FromHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", new byte[8]));
        Assert.Equal(2, file.TensorNames.Count);
    }

    [Fact]
    public void MissingTensor_NamesKeyAndListsWhatTheFileHas()
    {
        var file = Load(Build(F32("lstm.weight_ih_l0", [1], 1), F32("fc.bias", [1], 2)));
        var ex = Assert.Throws<InvalidDataException>(() => file.ReadFloats("fc.weight"));
        Assert.StartsWith(Source + ": ", ex.Message);
        Assert.Contains("'fc.weight'", ex.Message);
        Assert.Contains("'lstm.weight_ih_l0', 'fc.bias'", ex.Message);
        Assert.Throws<InvalidDataException>(() => file.GetInfo("fc.weight"));
        Assert.Throws<InvalidDataException>(() => file.ReadTensor("fc.weight"));
    }

    [Fact]
    public void MissingTensor_ListIsTruncatedWhenLong()
    {
        var entries = Enumerable.Range(0, 30).Select(i => F32($"t{i}", [1], i)).ToArray();
        var file = Load(Build(entries));
        var ex = Assert.Throws<InvalidDataException>(() => file.GetInfo("nope"));
        Assert.Contains("'t19'", ex.Message);
        Assert.DoesNotContain("'t20'", ex.Message);
        Assert.Contains("and 10 more", ex.Message);
    }

    [Fact]
    public void ArgumentErrors_AreNotDataErrors()
    {
        Assert.Throws<ArgumentNullException>(() => SafetensorsFile.Load((string)null!));
        Assert.Throws<ArgumentNullException>(() => SafetensorsFile.Load((Stream)null!));
        var file = Load(FromHeader("{}"));
        Assert.Throws<ArgumentNullException>(() => file.Contains(null!));
    }

    [Fact]
    public void RandomCorruption_OnlyEverThrowsInvalidData()
    {
        // Flip bytes of a valid file: every outcome must be success or InvalidDataException.
        byte[] valid = Build([F32("a", [2, 2], 1, 2, 3, 4), Bits16("b", "F16", [3], 1, 2, 3)], new Dictionary<string, string> { ["k"] = "v" });
        var random = new Random(1234);
        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] bytes = (byte[])valid.Clone();
            int flips = 1 + random.Next(3);
            for (int f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            if (random.Next(4) == 0) bytes = bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
            try
            {
                var file = Load(bytes);
                foreach (string name in file.TensorNames)
                {
                    try { file.ReadFloats(name); }
                    catch (InvalidDataException) { }
                }
            }
            catch (InvalidDataException ex)
            {
                Assert.StartsWith(Source + ": ", ex.Message);
            }
        }
    }

    private static byte[] LengthPrefix(ulong headerLength, int totalLength)
    {
        var bytes = new byte[totalLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength);
        return bytes;
    }
}
