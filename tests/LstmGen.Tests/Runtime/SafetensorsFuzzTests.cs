using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Xunit;
using static LstmGen.Tests.SafetensorsWriter;

namespace LstmGen.Tests.Runtime;

/// <summary>
/// A seeded mutation fuzzer for the safetensors reader and every loader built on it: valid files are mutated
/// (bytes, lengths, header JSON) and fed to <see cref="SafetensorsFile.Load(Stream, string?)"/>, to generated
/// models' <c>LoadSafetensors</c> and to <see cref="LstmModel"/>/<see cref="GruModel"/>.Load. Each outcome must be
/// success or <see cref="InvalidDataException"/>, a refused load must leave the model as it was, and nothing may
/// allocate on the header's word. LSTMGEN_FUZZ_ITERATIONS sets the number of inputs (default 20,000);
/// LSTMGEN_FUZZ_SEED the first iteration's seed (iteration i uses seed + i, so a failure's seed replays it alone
/// with LSTMGEN_FUZZ_ITERATIONS=1).
/// </summary>
public class SafetensorsFuzzTests
{
    private const int DefaultIterations = 20_000;
    private const int DefaultSeed = 20_240_601;

    // Allowance for parsing, exception and packing objects on top of what the file's size justifies.
    private const long AllocationSlack = 1 << 20;

    private static readonly Lazy<Corpus> Shared = new(() => new Corpus());

    // ------------------------------------------------------------------ the fuzz loop

    [Fact]
    public void Mutated_files_are_refused_cleanly_and_leave_models_untouched()
    {
        int iterations = EnvironmentInt("LSTMGEN_FUZZ_ITERATIONS", DefaultIterations);
        int firstSeed = EnvironmentInt("LSTMGEN_FUZZ_SEED", DefaultSeed);
        Corpus corpus = Shared.Value;
        var targets = ModelTarget.All();
        var outcomes = new int[2]; // accepted, refused by SafetensorsFile.Load

        for (int i = 0; i < iterations; i++)
        {
            int seed = firstSeed + i;
            var random = new Random(seed);
            (string origin, byte[] valid) = corpus.Files[random.Next(corpus.Files.Count)];
            var log = new List<string> { origin };
            byte[] bytes = Mutator.Mutate(valid, random, log);
            string Replay() => $"seed {seed} (LSTMGEN_FUZZ_SEED={seed} LSTMGEN_FUZZ_ITERATIONS=1): {string.Join(" | ", log)}";

            bool parsed = Check(Replay, bytes, "SafetensorsFile.Load", () =>
            {
                SafetensorsFile file = SafetensorsFile.Load(new MemoryStream(bytes, writable: false), "fuzz");
                foreach (string name in file.TensorNames)
                {
                    try { file.ReadTensor(name); }
                    catch (InvalidDataException) { }
                }
            });
            outcomes[parsed ? 0 : 1]++;
            if (random.Next(4) == 0)
                Check(Replay, bytes, "SafetensorsFile.Load (non-seekable)", () => SafetensorsFile.Load(new NonSeekableStream(bytes, chunk: 7), "fuzz"));

            // The model made for this file, and the seed model for every other file.
            ModelTarget target = targets.FirstOrDefault(t => origin.StartsWith(t.Origin, StringComparison.Ordinal)) ?? targets[0];
            target.CheckLoad(Replay, bytes);
            if (target != targets[0] && random.Next(2) == 0) targets[0].CheckLoad(Replay, bytes);

            Check(Replay, bytes, "LstmModel.Load", () => LstmModel.Load(new MemoryStream(bytes, writable: false)));
            Check(Replay, bytes, "GruModel.Load", () => GruModel.Load(new MemoryStream(bytes, writable: false)));
        }

        // The mutations must reach past the reader's first checks, and not all inputs may be rejected.
        if (iterations >= 1000)
        {
            Assert.True(outcomes[0] > iterations / 50, $"only {outcomes[0]} of {iterations} mutated files parsed");
            Assert.True(outcomes[1] > iterations / 2, $"only {outcomes[1]} of {iterations} mutated files were refused");
            Assert.All(targets, t => Assert.True(t.Accepted > 0 && t.Refused > 0, $"{t.Origin}: {t.Accepted} accepted, {t.Refused} refused"));
        }
    }

    // Runs a load; true if it succeeded, false if it threw InvalidDataException; fails on anything else and on
    // allocating more than the input's size justifies.
    private static bool Check(Func<string> replay, byte[] bytes, string what, Action load)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool ok;
        try
        {
            load();
            ok = true;
        }
        catch (InvalidDataException)
        {
            ok = false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"{what} threw {ex.GetType().Name} for {replay()}\n{ex}");
            throw;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long limit = AllocationSlack + 16L * bytes.Length;
        Assert.True(allocated <= limit, $"{what} allocated {allocated} bytes (limit {limit}) for a {bytes.Length}-byte input, {replay()}");
        return ok;
    }

    /// <summary>A generated model, the valid weights it was made for, and its output on a fixed input with them.</summary>
    private sealed class ModelTarget
    {
        private readonly ITestModel _model;
        private readonly byte[] _weights;
        private readonly float[] _input;
        private readonly float[] _expected;
        private readonly float[] _actual;

        private ModelTarget(string origin, ITestModel model, int inputLength, int outputLength)
        {
            Origin = origin;
            _model = model;
            _weights = File.ReadAllBytes(GoldenParity.GoldenPath(origin + ".weights.safetensors"));
            _model.LoadSafetensors(new MemoryStream(_weights));
            _input = Tensor.RandN([inputLength], seed: 5).ToArray();
            _expected = new float[outputLength];
            _actual = new float[outputLength];
            _model.Forward(_input, _expected);
        }

        public string Origin { get; }

        public int Accepted { get; private set; }

        public int Refused { get; private set; }

        public static List<ModelTarget> All() =>
        [
            new("seed", new SeedModel(), SeedModel.SeqLen * SeedModel.InputSize, SeedModel.OutputSize),
            new("gru_seed", new GruSeedModel(), GruSeedModel.SeqLen * GruSeedModel.InputSize, GruSeedModel.OutputSize),
            new("lstm2_small", new Lstm2SmallModel(), Lstm2SmallModel.SeqLen * Lstm2SmallModel.InputSize, Lstm2SmallModel.OutputSize),
            new("gru2_odd", new Gru2OddModel(), Gru2OddModel.SeqLen * Gru2OddModel.InputSize, Gru2OddModel.OutputSize),
        ];

        public void CheckLoad(Func<string> replay, byte[] bytes)
        {
            bool loaded = Check(replay, bytes, Origin + " model LoadSafetensors", () => _model.LoadSafetensors(new MemoryStream(bytes, writable: false)));
            if (loaded)
            {
                Accepted++;
                _model.Forward(_input, _actual); // whatever the weights, a loaded model runs
                _model.LoadSafetensors(new MemoryStream(_weights));
            }
            else
            {
                Refused++;
            }
            _model.Forward(_input, _actual);
            if (!_actual.AsSpan().SequenceEqual(_expected))
            {
                Assert.Fail($"{Origin} model's output changed from [{string.Join(", ", _expected)}] to [{string.Join(", ", _actual)}] " +
                    $"after a {(loaded ? "restoring" : "refused")} load, {replay()}");
            }
        }
    }

    // ------------------------------------------------------------------ targeted huge claims

    public static TheoryData<string, byte[]> HugeClaims()
    {
        byte[] Length(ulong value, int total)
        {
            var bytes = new byte[total];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            "{}"u8.CopyTo(bytes.AsSpan(8));
            return bytes;
        }
        static byte[] Entry(string json, int dataLength = 64) => FromHeader("{\"t\":" + json + "}", new byte[dataLength]);

        return new TheoryData<string, byte[]>
        {
            { "header length 2^60", Length(1UL << 60, 64) },
            { "header length 2^63", Length(1UL << 63, 64) },
            { "header length 2^64-1", Length(ulong.MaxValue, 64) },
            { "header length 2^31", Length(1UL << 31, 64) },
            { "header length 2^32+2", Length((1UL << 32) + 2, 64) },
            { "header length at the limit", Length((ulong)SafetensorsFile.MaxHeaderLength, 64) },
            { "shape of 2^31 F32 elements", Entry("{\"dtype\":\"F32\",\"shape\":[65536,32768],\"data_offsets\":[0,8589934592]}") },
            { "shape of 2^31 U8 elements, offsets to match", Entry("{\"dtype\":\"U8\",\"shape\":[2147483648],\"data_offsets\":[0,2147483648]}") },
            { "shape of 2^31-1 U8 elements", Entry("{\"dtype\":\"U8\",\"shape\":[2147483647],\"data_offsets\":[0,2147483647]}") },
            { "shape of 2^62 F32 elements", Entry("{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,64]}") },
            { "shape overflowing 64 bits", Entry("{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,64]}") },
            { "offsets at 2^60", Entry("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[1152921504606846976,1152921504606846984]}") },
            { "offsets at long.MaxValue", Entry("{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[9223372036854775807,9223372036854775807]}") },
            { "model tensor claiming 2^31 elements", FromHeader(
                "{\"lstm.weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[65536,32768],\"data_offsets\":[0,8589934592]}}", new byte[64]) },
            { "model tensors of 2^31 rows but no elements", FromHeader(
                "{\"lstm.weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[2147483647,0],\"data_offsets\":[0,0]}," +
                "\"lstm.weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[2147483647,0],\"data_offsets\":[0,0]}}", new byte[64]) },
        };
    }

    [Theory]
    [MemberData(nameof(HugeClaims))]
    public void Huge_claims_are_refused_without_a_big_allocation(string description, byte[] bytes)
    {
        Assert.NotNull(description);
        var model = new SeedModel();
        // The reader may accept a claim that costs nothing (no elements); a model never can.
        var loads = new (string What, bool MayParse, Action Load)[]
        {
            ("SafetensorsFile.Load", true, () => SafetensorsFile.Load(new MemoryStream(bytes)).TensorNames.Select(name => name).ToList()),
            ("SafetensorsFile.Load (non-seekable)", true, () => SafetensorsFile.Load(new NonSeekableStream(bytes, chunk: 7))),
            ("SeedModel.LoadSafetensors", false, () => model.LoadSafetensors(new MemoryStream(bytes))),
            ("LstmModel.Load", false, () => LstmModel.Load(new MemoryStream(bytes))),
            ("GruModel.Load", false, () => GruModel.Load(new MemoryStream(bytes))),
        };
        foreach (var (what, mayParse, load) in loads)
        {
            void Run()
            {
                if (mayParse)
                {
                    try { load(); }
                    catch (InvalidDataException) { }
                }
                else
                {
                    Assert.Throws<InvalidDataException>(load);
                }
            }

            Run(); // warm up: first-call costs are not the file's
            long before = GC.GetAllocatedBytesForCurrentThread();
            Run();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < AllocationSlack, $"{what}: {description} allocated {allocated} bytes for a {bytes.Length}-byte file");
        }
    }

    // ------------------------------------------------------------------ zero sizes (found by the fuzzer)

    [Theory]
    [InlineData("lstm", 4, 0, 1, 1)]
    [InlineData("lstm", 4, 1, 0, 1)]
    [InlineData("lstm", 4, 1, 1, 0)]
    [InlineData("gru", 3, 0, 1, 1)]
    [InlineData("gru", 3, 1, 1, 0)]
    public void Run_time_sized_loaders_refuse_a_zero_size_as_invalid_data(string prefix, int gates, int inputs, int hidden, int outputs)
    {
        // A valid file whose tensors have a 0 dimension: the sizes read from it are 0, which no model can have.
        byte[] bytes = Build(
            F32($"{prefix}.weight_ih_l0", [gates * hidden, inputs], new float[gates * hidden * inputs]),
            F32($"{prefix}.weight_hh_l0", [gates * hidden, hidden], new float[gates * hidden * hidden]),
            F32($"{prefix}.bias_ih_l0", [gates * hidden], new float[gates * hidden]),
            F32($"{prefix}.bias_hh_l0", [gates * hidden], new float[gates * hidden]),
            F32("fc.weight", [outputs, hidden], new float[outputs * hidden]),
            F32("fc.bias", [outputs], new float[outputs]));

        var ex = Assert.Throws<InvalidDataException>(() =>
        {
            if (prefix == "lstm") LstmModel.Load(new MemoryStream(bytes));
            else GruModel.Load(new MemoryStream(bytes));
        });
        Assert.StartsWith("<stream>: ", ex.Message);
    }

    // ------------------------------------------------------------------ the mutator

    /// <summary>Valid starting points: the golden files and small hand-built ones.</summary>
    private sealed class Corpus
    {
        public readonly List<(string Origin, byte[] Bytes)> Files = [];

        public Corpus()
        {
            foreach (string path in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden"), "*.safetensors").Order(StringComparer.Ordinal))
                Files.Add((Path.GetFileNameWithoutExtension(path), File.ReadAllBytes(path)));
            Assert.True(Files.Count >= 20, $"only {Files.Count} golden files in the test output");

            // The seed weights again in every float dtype, so dtype mutations meet models too.
            SafetensorsFile seed = SafetensorsFile.Load(GoldenParity.GoldenPath("seed.weights.safetensors"));
            Entry As(string name, string dtype)
            {
                float[] values = seed.ReadFloats(name);
                int[] shape = seed.GetInfo(name).Shape.ToArray();
                return dtype switch
                {
                    "F16" => Bits16(name, dtype, shape, values.Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray()),
                    "BF16" => Bits16(name, dtype, shape, values.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray()),
                    _ => F64(name, shape, values.Select(v => (double)v).ToArray()),
                };
            }
            foreach (string dtype in new[] { "F16", "BF16", "F64" })
                Files.Add(($"seed.{dtype}", Build(seed.TensorNames.Select(name => As(name, dtype)))));

            Files.Add(("mixed", Build(
                [F32("a", [2, 2], 1, 2, 3, 4), Bits16("b", "F16", [3], 1, 2, 3), F64("c", [1], 0.5), Raw("d", "U8", [5], [1, 2, 3, 4, 5]),
                 Raw("e", "BOOL", [2], [0, 1]), Raw("f", "I64", [1], new byte[8])],
                new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é\"\\" })));
            Files.Add(("scalar-empty", Build(F32("scalar", [], 2.5f), F32("empty", [0, 3]), F32("v", [1], 1))));
            Files.Add(("empty-header", FromHeader("{}")));
        }
    }

    private static class Mutator
    {
        private static readonly byte[] InterestingBytes =
            [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)'"', (byte)',', (byte)':',
             (byte)'-', (byte)'0', (byte)'9', (byte)'e', (byte)'.', (byte)'\\', (byte)' ', 0xC0, 0xED, 0xF4];

        private static readonly ulong[] InterestingLengths =
            [0, 1, 2, 7, 8, 1UL << 31, (1UL << 31) - 1, 1UL << 32, (1UL << 32) + 2, 1UL << 60, 1UL << 63, long.MaxValue, ulong.MaxValue,
             (ulong)SafetensorsFile.MaxHeaderLength, (ulong)SafetensorsFile.MaxHeaderLength + 1];

        private static readonly string[] AnyValue =
            ["null", "true", "0", "-1", "1e308", "-0", "\"\"", "\"F32\"", "[]", "{}", "[[]]", "[null]", "{\"a\":1}", "\"\\u0000\"",
             "\"\\ud800\"", "18446744073709551616", "1.5", new string('[', 70) + new string(']', 70), "[1,]", "{", "\"unterminated"];

        private static readonly string[] Shapes =
            ["[]", "[0]", "[-1]", "[1]", "[2147483647]", "[2147483648]", "[4294967296]", "[65536,32768]", "[32768,65536,2]",
             "[2147483647,2147483647,2147483647]", "[9223372036854775807]", "[9223372036854775807,2]", "[1e3]", "[2.5]", "[-0]",
             "[0,9223372036854775807]", "[2147483647,2147483647,0]", "[\"1\"]", "[null]", "[[1]]", "[1,2,3,4,5,6,7,8,9]"];

        private static readonly string[] Offsets =
            ["[0,0]", "[0]", "[]", "[0,0,0]", "[4,0]", "[-4,0]", "[0,1152921504606846976]", "[1152921504606846976,1152921504606846984]",
             "[9223372036854775807,9223372036854775807]", "[0,18446744073709551615]", "[9223372036854775800,9223372036854775807]",
             "[0,2147483648]", "[2147483647,2147483648]", "[0.0,4]", "[\"0\",\"4\"]"];

        private static readonly string[] DTypes =
            ["\"F32\"", "\"F16\"", "\"BF16\"", "\"F64\"", "\"I8\"", "\"U8\"", "\"BOOL\"", "\"I64\"", "\"U64\"", "\"F8_E4M3\"", "\"I32\"",
             "\"f32\"", "\"Q4_0\"", "\"F32 \"", "\"\"", "\"FLOAT\"", "\"C64\""];

        private static readonly string[] Keys =
            ["__metadata__", "", "lstm.weight_ih_l0", "lstm.weight_hh_l1", "lstm.weight_ih_l1", "lstm.weight_ih_l16", "lstm.weight_ih_reverse",
             "lstm.weight_ih_l0_reverse", "gru.weight_ih_l0", "gru.bias_hh_l1", "fc.weight", "fc.bias", "fc.weight2", "\\u0000", "é", "\\ud83d\\ude00"];

        public static byte[] Mutate(byte[] valid, Random random, List<string> log)
        {
            byte[] bytes = valid;
            int rounds = 1 + (random.Next(3) == 0 ? random.Next(3) : 0);
            for (int round = 0; round < rounds; round++)
            {
                int kind = random.Next(20);
                bytes = kind switch
                {
                    < 8 => MutateHeaderJson(bytes, random, log),
                    < 10 => FlipBits(bytes, random, log),
                    < 12 => Overwrite(bytes, random, log),
                    12 => Truncate(bytes, random, log),
                    13 => Extend(bytes, random, log),
                    14 or 15 => RewriteLength(bytes, random, log),
                    16 => SpliceText(bytes, random, log),
                    17 => CopyRange(bytes, random, log),
                    _ => FlipData(bytes, random, log),
                };
            }
            return bytes;
        }

        private static byte[] FlipBits(byte[] source, Random random, List<string> log)
        {
            byte[] bytes = (byte[])source.Clone();
            if (bytes.Length == 0) return bytes;
            int flips = 1 + random.Next(8);
            // Mostly in the header, where the decisions are.
            int span = random.Next(4) == 0 ? bytes.Length : Math.Min(bytes.Length, 8 + HeaderLength(source));
            for (int n = 0; n < flips; n++)
            {
                int at = random.Next(span);
                int bit = random.Next(8);
                bytes[at] ^= (byte)(1 << bit);
                log.Add($"flip bit {bit} of byte {at}");
            }
            return bytes;
        }

        private static byte[] Overwrite(byte[] source, Random random, List<string> log)
        {
            byte[] bytes = (byte[])source.Clone();
            if (bytes.Length == 0) return bytes;
            int count = 1 + random.Next(4);
            int span = Math.Min(bytes.Length, 8 + HeaderLength(source));
            for (int n = 0; n < count; n++)
            {
                int at = random.Next(span);
                bytes[at] = random.Next(2) == 0 ? InterestingBytes[random.Next(InterestingBytes.Length)] : (byte)random.Next(256);
                log.Add($"byte {at} = 0x{bytes[at]:X2}");
            }
            return bytes;
        }

        // Bit flips in the data section only: these files parse, so the models load (or refuse) altered weights.
        private static byte[] FlipData(byte[] source, Random random, List<string> log)
        {
            byte[] bytes = (byte[])source.Clone();
            int start = 8 + HeaderLength(source);
            if (start >= bytes.Length) return bytes;
            int at = start + random.Next(bytes.Length - start);
            bytes[at] ^= (byte)(1 << random.Next(8));
            log.Add($"data byte {at} ^= ...");
            return bytes;
        }

        private static byte[] Truncate(byte[] source, Random random, List<string> log)
        {
            int length = random.Next(2) == 0 ? random.Next(source.Length + 1) : Math.Max(0, source.Length - 1 - random.Next(16));
            log.Add($"truncate to {length}");
            return source.AsSpan(0, length).ToArray();
        }

        private static byte[] Extend(byte[] source, Random random, List<string> log)
        {
            var extra = new byte[1 + random.Next(random.Next(2) == 0 ? 16 : 4096)];
            if (random.Next(2) == 0) random.NextBytes(extra);
            log.Add($"append {extra.Length} bytes");
            return [.. source, .. extra];
        }

        private static byte[] RewriteLength(byte[] source, Random random, List<string> log)
        {
            byte[] bytes = source.Length >= 8 ? (byte[])source.Clone() : [.. source, .. new byte[8 - source.Length]];
            ulong current = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            ulong value = random.Next(3) switch
            {
                0 => InterestingLengths[random.Next(InterestingLengths.Length)],
                1 => current + (ulong)(random.Next(33) - 16),
                _ => (ulong)random.NextInt64() << random.Next(2),
            };
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            log.Add($"header length {current} -> {value}");
            return bytes;
        }

        // Raw text surgery on the header: a fragment inserted, a range deleted; the length field is kept right or not.
        private static byte[] SpliceText(byte[] source, Random random, List<string> log)
        {
            int header = HeaderLength(source);
            if (header == 0) return source;
            byte[] text = source.AsSpan(8, header).ToArray();
            int at = random.Next(text.Length + 1);
            byte[] edited;
            if (random.Next(2) == 0)
            {
                string fragment = random.Next(2) == 0 ? AnyValue[random.Next(AnyValue.Length)] : Shapes[random.Next(Shapes.Length)];
                edited = [.. text.AsSpan(0, at), .. Encoding.UTF8.GetBytes(fragment), .. text.AsSpan(at)];
                log.Add($"insert {fragment} at header char {at}");
            }
            else
            {
                int length = random.Next(Math.Min(16, text.Length - at) + 1);
                edited = [.. text.AsSpan(0, at), .. text.AsSpan(at + length)];
                log.Add($"delete header chars [{at}, {at + length})");
            }
            return Reassemble(edited, source.AsSpan(8 + header), random, log);
        }

        private static byte[] CopyRange(byte[] source, Random random, List<string> log)
        {
            if (source.Length < 2) return source;
            int from = random.Next(source.Length), to = random.Next(source.Length);
            int length = 1 + random.Next(Math.Min(64, source.Length - Math.Max(from, to)));
            byte[] bytes = (byte[])source.Clone();
            Array.Copy(source, from, bytes, to, length);
            log.Add($"copy {length} bytes from {from} to {to}");
            return bytes;
        }

        // Structural edits of the header's JSON: a field's value replaced (wrong type, negative or huge dims and offsets,
        // unknown dtypes, another tensor's offsets), fields or entries removed or doubled, keys renamed.
        private static byte[] MutateHeaderJson(byte[] source, Random random, List<string> log)
        {
            int header = HeaderLength(source);
            if (header == 0) return FlipBits(source, random, log);
            List<(string Key, string Value)> entries;
            try
            {
                using JsonDocument document = JsonDocument.Parse(source.AsMemory(8, header));
                if (document.RootElement.ValueKind != JsonValueKind.Object) return FlipBits(source, random, log);
                entries = document.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())).ToList();
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return FlipBits(source, random, log); // an earlier round broke the JSON
            }

            int edits = 1 + (random.Next(4) == 0 ? 1 : 0);
            for (int e = 0; e < edits; e++)
            {
                var tensors = entries.Select((entry, index) => (entry, index)).Where(x => x.entry.Value.StartsWith('{') && x.entry.Key != "__metadata__").ToList();
                int op = random.Next(13);
                if (tensors.Count == 0 || op >= 11)
                {
                    EditEntries(entries, random, log);
                    continue;
                }
                var (chosen, index) = tensors[random.Next(tensors.Count)];
                List<(string Key, string Value)> fields;
                try
                {
                    fields = ParseFields(chosen.Value);
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException)
                {
                    EditEntries(entries, random, log); // an earlier edit left this entry broken
                    continue;
                }
                string field = random.Next(8) switch { < 3 => "shape", < 6 => "data_offsets", 6 => "dtype", _ => fields.Count > 0 ? fields[random.Next(fields.Count)].Key : "shape" };
                string? value = fields.FirstOrDefault(f => f.Key == field).Value;
                switch (op)
                {
                    case < 6:
                        string replacement = field switch
                        {
                            "shape" => random.Next(3) == 0 && value is not null ? PerturbArray(value, random) : Shapes[random.Next(Shapes.Length)],
                            "data_offsets" => random.Next(3) switch
                            {
                                0 when value is not null => PerturbArray(value, random),
                                1 => fields.Count > 0 ? OtherOffsets(entries, index, random) : "[0,4]",
                                _ => Offsets[random.Next(Offsets.Length)],
                            },
                            "dtype" => DTypes[random.Next(DTypes.Length)],
                            _ => AnyValue[random.Next(AnyValue.Length)],
                        };
                        if (random.Next(6) == 0) replacement = AnyValue[random.Next(AnyValue.Length)];
                        Set(fields, field, replacement);
                        log.Add($"'{chosen.Key}'.{field} = {replacement}");
                        break;
                    case 6:
                        fields.RemoveAll(f => f.Key == field);
                        log.Add($"'{chosen.Key}' without {field}");
                        break;
                    case 7:
                        fields.Add((field, value ?? "1"));
                        log.Add($"'{chosen.Key}'.{field} twice");
                        break;
                    case 8:
                        fields.Insert(random.Next(fields.Count + 1), ("extra" + random.Next(3), AnyValue[random.Next(AnyValue.Length)]));
                        log.Add($"'{chosen.Key}' gets an unknown field");
                        break;
                    case 10:
                        // No elements: one dimension 0 and an empty byte range, still a valid file.
                        string emptied = EmptyShape(value, random);
                        Set(fields, "shape", emptied);
                        string? offsets = fields.FirstOrDefault(f => f.Key == "data_offsets").Value;
                        string begin = offsets is not null && offsets.StartsWith('[') ? offsets[1..].Split(',')[0] : "0";
                        Set(fields, "data_offsets", $"[{begin},{begin}]");
                        log.Add($"'{chosen.Key}' emptied: shape {emptied}, data_offsets [{begin},{begin}]");
                        break;
                    default:
                        // Another tensor's bytes exactly: same range twice, shape and dtype kept.
                        Set(fields, "data_offsets", OtherOffsets(entries, index, random));
                        log.Add($"'{chosen.Key}' takes another tensor's data_offsets");
                        break;
                }
                entries[index] = (chosen.Key, "{" + string.Join(",", fields.Select(f => Quote(f.Key) + ":" + f.Value)) + "}");
            }

            string json = "{" + string.Join(",", entries.Select(entry => Quote(entry.Key) + ":" + entry.Value)) + "}";
            return Reassemble(Encoding.UTF8.GetBytes(json), source.AsSpan(8 + header), random, log);
        }

        private static void EditEntries(List<(string Key, string Value)> entries, Random random, List<string> log)
        {
            int op = random.Next(5);
            if (entries.Count == 0) op = 4;
            int index = entries.Count == 0 ? 0 : random.Next(entries.Count);
            switch (op)
            {
                case 0:
                    log.Add($"without '{entries[index].Key}'");
                    entries.RemoveAt(index);
                    break;
                case 1:
                    entries.Insert(random.Next(entries.Count + 1), entries[index]);
                    log.Add($"'{entries[index].Key}' twice");
                    break;
                case 2:
                    string key = random.Next(2) == 0 ? entries[random.Next(entries.Count)].Key : Unescape(Keys[random.Next(Keys.Length)]);
                    log.Add($"'{entries[index].Key}' renamed '{key}'");
                    entries[index] = (key, entries[index].Value);
                    break;
                case 3:
                    string value = AnyValue[random.Next(AnyValue.Length)];
                    log.Add($"'{entries[index].Key}' = {value}");
                    entries[index] = (entries[index].Key, value);
                    break;
                default:
                    string name = Unescape(Keys[random.Next(Keys.Length)]);
                    string entry = random.Next(2) == 0
                        ? $"{{\"dtype\":{DTypes[random.Next(DTypes.Length)]},\"shape\":{Shapes[random.Next(Shapes.Length)]},\"data_offsets\":{Offsets[random.Next(Offsets.Length)]}}}"
                        : "{\"a\":\"b\"}";
                    entries.Insert(random.Next(entries.Count + 1), (name, entry));
                    log.Add($"new entry '{name}' = {entry}");
                    break;
            }
        }

        private static List<(string Key, string Value)> ParseFields(string json)
        {
            using JsonDocument document = JsonDocument.Parse(json);
            return document.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())).ToList();
        }

        private static void Set(List<(string Key, string Value)> fields, string key, string value)
        {
            int at = fields.FindIndex(f => f.Key == key);
            if (at < 0) fields.Add((key, value));
            else fields[at] = (key, value);
        }

        // One element of an integer array moved by a small amount, doubled, negated or made huge.
        private static string PerturbArray(string json, Random random)
        {
            long[] values;
            try
            {
                values = JsonSerializer.Deserialize<long[]>(json) ?? [];
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return json;
            }
            if (values.Length == 0) return "[1]";
            int at = random.Next(values.Length);
            values[at] = random.Next(5) switch
            {
                0 => values[at] + random.Next(1, 9),
                1 => values[at] - random.Next(1, 9),
                2 => values[at] * 2,
                3 => -values[at],
                _ => values[at] + (1L << random.Next(31, 62)),
            };
            return "[" + string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";
        }

        private static string EmptyShape(string? json, Random random)
        {
            long[] dims;
            try
            {
                dims = json is null ? [] : JsonSerializer.Deserialize<long[]>(json) ?? [];
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                dims = [];
            }
            if (dims.Length == 0) return "[0]";
            dims[random.Next(dims.Length)] = 0;
            return "[" + string.Join(",", dims.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";
        }

        private static string OtherOffsets(List<(string Key, string Value)> entries, int except, Random random)
        {
            var others = entries.Where((entry, index) => index != except && entry.Value.Contains("\"data_offsets\"", StringComparison.Ordinal)).ToList();
            if (others.Count == 0) return "[0,4]";
            try
            {
                var fields = ParseFields(others[random.Next(others.Count)].Value);
                return fields.FirstOrDefault(f => f.Key == "data_offsets").Value ?? "[0,4]";
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return "[0,4]";
            }
        }

        // The edited header with the original data; the length field mostly right, sometimes a little off; padding sometimes.
        private static byte[] Reassemble(byte[] header, ReadOnlySpan<byte> data, Random random, List<string> log)
        {
            if (random.Next(3) == 0)
            {
                int pad = random.Next(8);
                header = [.. header, .. Enumerable.Repeat((byte)' ', pad)];
            }
            byte[] bytes = Assemble(header, data.ToArray());
            if (random.Next(8) == 0)
            {
                long delta = random.Next(-3, 4);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(header.Length + delta));
                log.Add($"header length off by {delta}");
            }
            return bytes;
        }

        // The header's length as the file says, clamped to what is there (0 if the file has no usable header).
        private static int HeaderLength(byte[] bytes)
        {
            if (bytes.Length < 8) return 0;
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            return length <= (ulong)(bytes.Length - 8) ? (int)length : 0;
        }

        private static string Quote(string key) => JsonSerializer.Serialize(key);

        private static string Unescape(string key) => JsonSerializer.Deserialize<string>("\"" + key + "\"")!;
    }

    private static int EnvironmentInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;
}
