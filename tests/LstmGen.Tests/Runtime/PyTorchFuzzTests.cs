using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using LstmGen.Tests.Parity;
using Xunit;

namespace LstmGen.Tests.Runtime;

/// <summary>
/// A seeded mutation fuzzer for the torch.save reader: real .pt files are mutated (opcodes of the pickle changed,
/// dropped, doubled or given huge arguments; bytes of zip headers flipped or given huge sizes; entries dropped or
/// doubled; the file truncated) and fed to <see cref="PyTorchFile.Load(Stream, string?, string?)"/>, a generated model's
/// <c>LoadPyTorch</c> and <see cref="LstmModel"/>/<see cref="GruModel"/>.Load. Each outcome must be success or
/// <see cref="InvalidDataException"/>, a refused load must leave the model as it was, no load may allocate more than the
/// input's size justifies, and none may take long. LSTMGEN_FUZZ_ITERATIONS sets the number of inputs (default 12,000);
/// LSTMGEN_FUZZ_SEED the first iteration's seed (iteration i uses seed + i).
/// </summary>
public class PyTorchFuzzTests
{
    private const int DefaultIterations = 12_000;
    private const int DefaultSeed = 20_241_114;
    private const long AllocationSlack = 1 << 20;
    private static readonly TimeSpan SlowLoad = TimeSpan.FromSeconds(2);

    private static readonly string[] CorpusFiles =
    [
        "seed.weights.pt", "gru_seed.weights.pt", "lstm2_small.weights.pt",
        "pt/seed.checkpoint.pt", "pt/seed.views.pt", "pt/seed.newer.pt", "pt/seed.module.pt", "pt/seed.f16.pt", "pt/gru_seed.bf16.pt",
        "pt/checkpoint_metrics.pt", "pt/seed.protocol3.pt", "pt/seed.protocol4.pt", "pt/gru_seed.protocol5.pt", "pt/seed.module.protocol4.pt",
        "pt/seed.scripted.pt", "pt/seed.traced.pt", "pt/seed.legacy.pt", "made/legacy_bi_gru2.weights.pt", "made/legacy_proj_lstm.weights.pt",
    ];

    [Fact]
    public void Mutated_pt_files_are_refused_cleanly_and_leave_models_untouched()
    {
        int iterations = EnvironmentInt("LSTMGEN_FUZZ_ITERATIONS", DefaultIterations);
        int firstSeed = EnvironmentInt("LSTMGEN_FUZZ_SEED", DefaultSeed);
        var corpus = CorpusFiles.Select(name => (Name: name, Bytes: File.ReadAllBytes(GoldenParity.GoldenPath(name)))).ToList();

        var model = new SeedModel();
        model.LoadPyTorch(GoldenParity.GoldenPath("seed.weights.pt"));
        float[] input = Tensor.RandN([SeedModel.SeqLen * SeedModel.InputSize], seed: 5).ToArray();
        float[] expected = new float[SeedModel.OutputSize], actual = new float[SeedModel.OutputSize];
        model.Forward(input, expected);
        int parsed = 0, loaded = 0;

        for (int i = 0; i < iterations; i++)
        {
            int seed = firstSeed + i;
            var random = new Random(seed);
            var (origin, valid) = corpus[random.Next(corpus.Count)];
            var log = new List<string> { origin };
            byte[] bytes = valid;
            for (int round = 1 + (random.Next(4) == 0 ? 1 : 0); round > 0; round--)
                bytes = Mutate(bytes, random, log);
            string Replay() => $"seed {seed} (LSTMGEN_FUZZ_SEED={seed} LSTMGEN_FUZZ_ITERATIONS=1): {string.Join(" | ", log)}";

            if (Check(Replay, bytes, "PyTorchFile.Load", () =>
                {
                    PyTorchFile file = PyTorchFile.Load(new MemoryStream(bytes, writable: false), "fuzz");
                    foreach (string name in file.TensorNames)
                    {
                        try { file.ReadTensor(name); }
                        catch (InvalidDataException) { } // a tensor of a dtype we do not read
                    }
                }))
            {
                parsed++;
            }

            bool accepted = Check(Replay, bytes, "SeedModel.LoadPyTorch", () => model.LoadPyTorch(new MemoryStream(bytes, writable: false)));
            if (accepted)
            {
                loaded++;
                model.Forward(input, actual); // whatever the weights, a loaded model runs
                model.LoadPyTorch(GoldenParity.GoldenPath("seed.weights.pt"));
            }
            model.Forward(input, actual);
            Assert.True(actual.AsSpan().SequenceEqual(expected), $"the model's output changed after a {(accepted ? "restoring" : "refused")} load, {Replay()}");

            Check(Replay, bytes, "LstmModel.Load", () => LstmModel.Load(new MemoryStream(bytes, writable: false)));
            if (random.Next(4) == 0)
                Check(Replay, bytes, "GruModel.Load", () => GruModel.Load(new Support.NonSeekableStream(bytes, chunk: 512)));
        }

        // The mutations must reach past the reader's first checks, and not all inputs may be refused.
        if (iterations >= 1000)
        {
            Assert.True(parsed > iterations / 20, $"only {parsed} of {iterations} mutated files parsed");
            Assert.True(loaded > iterations / 50, $"only {loaded} of {iterations} mutated files loaded into the seed model");
            Assert.True(parsed < iterations * 3 / 4, $"{parsed} of {iterations} mutated files parsed: the mutations are too mild");
        }
    }

    // True if the load succeeded, false if it threw InvalidDataException; fails on anything else, on allocating more
    // than the input's size justifies, and on a slow load.
    private static bool Check(Func<string> replay, byte[] bytes, string what, Action load)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        bool ok;
        try
        {
            load();
            ok = true;
        }
        catch (InvalidDataException ex)
        {
            Assert.True(ex.Message.StartsWith("fuzz: ", StringComparison.Ordinal) || ex.Message.StartsWith("<stream>: ", StringComparison.Ordinal),
                $"{what}: the message does not start with the source name: {ex.Message}, {replay()}");
            ok = false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"{what} threw {ex.GetType().Name} for {replay()}\n{ex}");
            throw;
        }
        Assert.True(clock.Elapsed < SlowLoad, $"{what} took {clock.Elapsed} for {replay()}");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long limit = AllocationSlack + 16L * bytes.Length;
        Assert.True(allocated <= limit, $"{what} allocated {allocated} bytes (limit {limit}) for a {bytes.Length}-byte input, {replay()}");
        return ok;
    }

    // ------------------------------------------------------------------ mutations

    private static byte[] Mutate(byte[] source, Random random, List<string> log)
    {
        List<(string Name, byte[] Data)>? entries = ReadEntries(source);
        int choice = random.Next(entries is null ? 3 : 10);
        switch (choice)
        {
            case 0:
                int length = random.Next(2) == 0 ? random.Next(source.Length + 1) : Math.Max(0, source.Length - 1 - random.Next(64));
                log.Add($"truncate to {length}");
                return source[..length];
            case 1:
                return FlipBytes(source, random, log);
            case 2:
                return MutateZipHeader(source, random, log);
        }

        // Structural mutations of a readable archive, rebuilt with stored entries.
        int at = random.Next(entries!.Count);
        int pickle = entries.FindIndex(e => e.Name.EndsWith("/data.pkl", StringComparison.Ordinal));
        switch (choice)
        {
            case 3:
                log.Add($"drop '{entries[at].Name}'");
                entries.RemoveAt(at);
                break;
            case 4:
                log.Add($"duplicate '{entries[at].Name}'");
                entries.Insert(random.Next(entries.Count + 1), entries[at]);
                break;
            case 5:
                // A storage record of another length.
                int cut = random.Next(entries[at].Data.Length + 1);
                log.Add($"'{entries[at].Name}' resized to {cut} (+{cut % 3} zero bytes)");
                entries[at] = (entries[at].Name, [.. entries[at].Data.AsSpan(0, cut), .. new byte[cut % 3]]);
                break;
            default:
                if (pickle < 0) return FlipBytes(source, random, log);
                entries[pickle] = (entries[pickle].Name, MutatePickle(entries[pickle].Data, random, log));
                break;
        }
        return WriteEntries(entries);
    }

    private static byte[] FlipBytes(byte[] source, Random random, List<string> log)
    {
        if (source.Length == 0) return source;
        byte[] bytes = (byte[])source.Clone();
        for (int n = 1 + random.Next(4); n > 0; n--)
        {
            int at = random.Next(bytes.Length);
            bytes[at] ^= (byte)(1 << random.Next(8));
            log.Add($"flip a bit of byte {at}");
        }
        return bytes;
    }

    // A local header (PK 3 4), central directory entry (PK 1 2) or end record (PK 5 6): a byte flipped, or a size,
    // count or offset field made huge.
    private static byte[] MutateZipHeader(byte[] source, Random random, List<string> log)
    {
        var headers = new List<int>();
        for (int i = 0; i + 4 <= source.Length; i++)
        {
            if (source[i] == 'P' && source[i + 1] == 'K' && source[i + 2] is 1 or 3 or 5 && source[i + 3] == source[i + 2] + 1)
                headers.Add(i);
        }
        if (headers.Count == 0) return FlipBytes(source, random, log);
        int header = headers[random.Next(headers.Count)];
        byte[] bytes = (byte[])source.Clone();
        int span = Math.Min(46, bytes.Length - header);
        if (random.Next(2) == 0)
        {
            int at = header + random.Next(span);
            bytes[at] = (byte)random.Next(256);
            log.Add($"zip header at {header}: byte {at - header} = {bytes[at]}");
        }
        else
        {
            int field = header + 4 * random.Next(span / 4);
            uint value = random.Next(3) switch { 0 => uint.MaxValue, 1 => 0x7FFF_FFFF, _ => (uint)random.Next() };
            if (field + 4 <= bytes.Length) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(field), value);
            log.Add($"zip header at {header}: field {field - header} = {value}");
        }
        return bytes;
    }

    // Opcode-level edits of data.pkl: an opcode dropped, doubled or replaced, an integer argument made huge, a string's,
    // bytes value's or frame's length claimed huge, a memo index moved far.
    private static byte[] MutatePickle(byte[] pickle, Random random, List<string> log)
    {
        List<(int Start, int Length)> ops = Opcodes(pickle);
        if (ops.Count == 0) return pickle;
        var (start, length) = ops[random.Next(ops.Count)];
        byte opcode = pickle[start];
        byte[] replacement;
        switch (random.Next(6))
        {
            case 0:
                replacement = [];
                log.Add($"drop opcode 0x{opcode:x2} at {start}");
                break;
            case 1:
                replacement = [.. pickle.AsSpan(start, length), .. pickle.AsSpan(start, length)];
                log.Add($"double opcode 0x{opcode:x2} at {start}");
                break;
            case 2:
                byte other = (byte)random.Next(256);
                replacement = [other, .. pickle.AsSpan(start + 1, length - 1)];
                log.Add($"opcode 0x{opcode:x2} at {start} becomes 0x{other:x2}");
                break;
            default:
                replacement = opcode switch
                {
                    (byte)'K' or (byte)'M' or (byte)'J' or 0x8a => HugeInteger(random),
                    (byte)'X' or (byte)'B' => [opcode, .. BitConverter.GetBytes(random.Next(2) == 0 ? uint.MaxValue - (uint)random.Next(16) : (uint)random.Next(1 << 20)), .. pickle.AsSpan(start + 5, length - 5)],
                    0x8c or (byte)'C' => [opcode, (byte)random.Next(256), .. pickle.AsSpan(start + 2, length - 2)],
                    0x95 or 0x96 => [opcode, .. BitConverter.GetBytes(random.Next(2) == 0 ? ulong.MaxValue - (ulong)random.Next(16) : (ulong)random.Next(1 << 20)), .. pickle.AsSpan(start + 9, length - 9)],
                    (byte)'q' or (byte)'h' => [(byte)(opcode == 'q' ? 'r' : 'j'), .. BitConverter.GetBytes(random.Next(2) == 0 ? uint.MaxValue : (uint)random.Next(300))],
                    _ => [(byte)"(tu\x85\x86\x87Rb}]se."[random.Next(13)]],
                };
                log.Add($"opcode 0x{opcode:x2} at {start} becomes {Convert.ToHexString(replacement.AsSpan(0, Math.Min(replacement.Length, 10)))}");
                break;
        }
        return [.. pickle.AsSpan(0, start), .. replacement, .. pickle.AsSpan(start + length)];
    }

    private static byte[] HugeInteger(Random random) => random.Next(3) switch
    {
        0 => [(byte)'J', .. BitConverter.GetBytes(random.Next(2) == 0 ? int.MaxValue : -random.Next(1, 100))],
        1 => [0x8a, 8, .. BitConverter.GetBytes(random.Next(2) == 0 ? long.MaxValue : 1L << random.Next(31, 63))],
        _ => [0x8a, (byte)(9 + random.Next(4)), .. new byte[9 + random.Next(4)]],
    };

    // Where each opcode of a pickle (protocols 2 to 5) starts and how long it is with its argument.
    private static List<(int Start, int Length)> Opcodes(byte[] pickle)
    {
        var ops = new List<(int, int)>();
        for (int at = 0; at < pickle.Length;)
        {
            int length = pickle[at] switch
            {
                0x80 or (byte)'q' or (byte)'h' or (byte)'K' => 2,
                (byte)'M' => 3,
                (byte)'r' or (byte)'j' or (byte)'J' => 5,
                (byte)'G' or 0x95 => 9,
                (byte)'X' or (byte)'B' when at + 5 <= pickle.Length => 5 + (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(pickle.AsSpan(at + 1)), pickle.Length),
                0x8c or (byte)'C' when at + 2 <= pickle.Length => 2 + pickle[at + 1],
                0x96 when at + 9 <= pickle.Length => 9 + (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(pickle.AsSpan(at + 1)), (ulong)pickle.Length),
                0x8a when at + 1 < pickle.Length => 2 + pickle[at + 1],
                (byte)'c' => NthNewline(pickle, at, 2) - at + 1,
                _ => 1,
            };
            if (length <= 0 || at + length > pickle.Length) break;
            ops.Add((at, length));
            at += length;
        }
        return ops;
    }

    private static int NthNewline(byte[] bytes, int from, int n)
    {
        for (int i = from; i < bytes.Length; i++)
            if (bytes[i] == '\n' && --n == 0) return i;
        return -1;
    }

    private static List<(string Name, byte[] Data)>? ReadEntries(byte[] bytes)
    {
        try
        {
            using var archive = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            return archive.Entries.Select(entry =>
            {
                using var data = new MemoryStream();
                using (Stream stream = entry.Open()) stream.CopyTo(data);
                return (entry.FullName, data.ToArray());
            }).ToList();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            return null; // an earlier round broke the archive: only byte-level mutations apply
        }
    }

    private static byte[] WriteEntries(List<(string Name, byte[] Data)> entries)
    {
        var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using Stream stream = archive.CreateEntry(name, CompressionLevel.NoCompression).Open();
                stream.Write(data);
            }
        }
        return output.ToArray();
    }

    private static int EnvironmentInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;
}
