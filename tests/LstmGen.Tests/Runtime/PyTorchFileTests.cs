using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using LstmGen.Tests.Parity;
using Xunit;

namespace LstmGen.Tests.Runtime;

/// <summary>Hand-made torch.save archives for what the real files don't show: huge claims, views out of bounds, other
/// dtypes, compressed records, opcodes torch.save never writes.</summary>
public class PyTorchFileTests
{
    // ------------------------------------------------------------------ a small pickle assembler

    private static byte[] Int(long value) => [0x8a, 8, .. BitConverter.GetBytes(value)]; // LONG1, 8 bytes

    private static byte[] Str(string text) => [(byte)'X', .. BitConverter.GetBytes(Encoding.UTF8.GetByteCount(text)), .. Encoding.UTF8.GetBytes(text)];

    private static byte[] ShortStr(string text) => [0x8c, (byte)Encoding.UTF8.GetByteCount(text), .. Encoding.UTF8.GetBytes(text)]; // SHORT_BINUNICODE

    private static byte[] Protocol(byte version, params byte[] opcodes) => [0x80, version, .. opcodes];

    private static byte[] Global(string module, string name) => [(byte)'c', .. Encoding.ASCII.GetBytes($"{module}\n{name}\n")];

    private static byte[] Tuple(params byte[][] items) => [(byte)'(', .. items.SelectMany(item => item), (byte)'t'];

    // _rebuild_tensor_v2(('storage', <type>, key, 'cpu', numel), offset, size, stride, False, ())
    private static byte[] TensorOp(string key, long numel, long offset, long[] size, long[] stride, string storageType = "FloatStorage") =>
    [
        .. Global("torch._utils", "_rebuild_tensor_v2"),
        (byte)'(',
        .. Tuple(Str("storage"), Global("torch", storageType), Str(key), Str("cpu"), Int(numel)), (byte)'Q',
        .. Int(offset), .. Tuple(size.Select(Int).ToArray()), .. Tuple(stride.Select(Int).ToArray()), 0x89, (byte)')',
        (byte)'t', (byte)'R',
    ];

    // A state_dict {name: tensor, …}.
    private static byte[] StateDict(params (string Name, byte[] Tensor)[] entries) =>
        [0x80, 2, (byte)'}', (byte)'(', .. entries.SelectMany(e => Str(e.Name).Concat(e.Tensor)), (byte)'u', (byte)'.'];

    private static byte[] Archive(byte[] pickle, params (string Key, byte[] Data)[] storages) => Archive(pickle, CompressionLevel.NoCompression, storages);

    private static byte[] Archive(byte[] pickle, CompressionLevel storageCompression, params (string Key, byte[] Data)[] storages)
    {
        var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] data, CompressionLevel level)
            {
                using Stream stream = archive.CreateEntry(name, level).Open();
                stream.Write(data);
            }
            Add("archive/data.pkl", pickle, CompressionLevel.NoCompression);
            foreach (var (key, data) in storages)
                Add("archive/data/" + key, data, storageCompression);
            Add("archive/version", "3\n"u8.ToArray(), CompressionLevel.NoCompression);
        }
        return output.ToArray();
    }

    private static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    private static PyTorchFile Load(byte[] bytes) => PyTorchFile.Load(new MemoryStream(bytes), "test.pt");

    private static string Refused(byte[] bytes, long allowance = 1 << 20)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            PyTorchFile file = Load(bytes);
            foreach (string name in file.TensorNames)
                file.ReadTensor(name);
        });
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < allowance + 16L * bytes.Length, "a claimed size drove an allocation");
        Assert.StartsWith("test.pt: ", error.Message);
        return error.Message;
    }

    // ------------------------------------------------------------------ tensors

    [Fact]
    public void Views_read_through_offsets_and_strides()
    {
        // One storage of 0..11; 'm' is its [3, 4] matrix, 't' the transpose of that, 'row' the middle row, 'col' a column.
        float[] storage = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        PyTorchFile file = Load(Archive(StateDict(
            ("m", TensorOp("0", 12, 0, [3, 4], [4, 1])),
            ("t", TensorOp("0", 12, 0, [4, 3], [1, 4])),
            ("row", TensorOp("0", 12, 4, [4], [1])),
            ("col", TensorOp("0", 12, 2, [3], [4]))), ("0", Floats(storage))));

        Assert.Equal(["m", "t", "row", "col"], file.TensorNames);
        Assert.Equal(storage, file.ReadFloats("m"));
        Assert.Equal([0f, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], file.ReadFloats("t"));
        Assert.Equal([4, 3], file.GetShape("t"));
        Assert.Equal([4f, 5, 6, 7], file.ReadFloats("row"));
        Assert.Equal([2f, 6, 10], file.ReadFloats("col"));
        Assert.Equal("F32", file.GetDType("m"));
        Assert.Equal("the top-level dict", file.StateDictLocation);
    }

    [Fact]
    public void Other_dtypes_keep_their_shape_but_are_not_read_as_floats()
    {
        PyTorchFile file = Load(Archive(StateDict(
            ("w", TensorOp("0", 2, 0, [2], [1])),
            ("steps", TensorOp("1", 1, 0, [], [], "LongStorage"))), ("0", Floats(1, 2))));

        Assert.Equal("torch.LongStorage", file.GetDType("steps"));
        Assert.Empty(file.GetShape("steps"));
        Assert.Contains("stored as torch.LongStorage, which cannot be read as floats", Assert.Throws<InvalidDataException>(() => file.ReadFloats("steps")).Message);
        Assert.Equal([1f, 2], file.ReadFloats("w"));
    }

    public static TheoryData<string, byte[], string> BadArchives()
    {
        byte[] two = Floats(1, 2);
        return new TheoryData<string, byte[], string>
        {
            { "storage of 2^62 elements", Archive(StateDict(("w", TensorOp("0", 1L << 62, 0, [2], [1]))), ("0", two)), "claimed to hold 4611686018427387904" },
            { "shape of 2^62 elements, stride 0", Archive(StateDict(("w", TensorOp("0", 2, 0, [int.MaxValue, int.MaxValue], [0, 0]))), ("0", two)), "more elements than its storage" },
            { "dimension above int", Archive(StateDict(("w", TensorOp("0", 2, 0, [1L << 40], [1]))), ("0", two)), "a dimension above" },
            { "offset past the end", Archive(StateDict(("w", TensorOp("0", 2, 1, [2], [1]))), ("0", two)), "reads element 2 of its storage '0', which holds 2" },
            { "stride past the end", Archive(StateDict(("w", TensorOp("0", 2, 0, [2], [long.MaxValue]))), ("0", two)), "reads element" },
            { "record shorter than claimed", Archive(StateDict(("w", TensorOp("0", 3, 0, [2], [1]))), ("0", two)), "has 8 bytes" },
            { "missing record", Archive(StateDict(("w", TensorOp("7", 2, 0, [2], [1]))), ("0", two)), "no record 'archive/data/7'" },
            { "compressed record", Archive(StateDict(("w", TensorOp("0", 1024, 0, [2], [1]))), CompressionLevel.Optimal, ("0", new byte[4096])), "is compressed" },
            { "huge string", Archive([0x80, 2, (byte)'X', 0xF0, 0xFF, 0xFF, 0xFF, (byte)'.']), "a string claims 4294967280 bytes" },
            { "huge memo index", Archive([0x80, 2, (byte)'j', 0xFF, 0xFF, 0xFF, 0xFF, (byte)'.']), "memo entry 4294967295 is read before it is written" },
            { "protocol 6", Archive(Protocol(6, (byte)'}', (byte)'.')), "pickle protocol 6; torch.save writes protocols 2 (its default) to 5" },
            { "truncated FRAME", Archive(Protocol(4, 0x95, 9, 0, 0)), "the pickle ends inside an opcode's argument (truncated?)" },
            { "FRAME longer than the pickle", Archive(Protocol(4, [0x95, .. BitConverter.GetBytes(1000L), (byte)'}', (byte)'.'])), "a FRAME claims 1000 bytes but 2 remain" },
            { "FRAME of 2^64 - 1 bytes", Archive(Protocol(4, [0x95, .. BitConverter.GetBytes(ulong.MaxValue), (byte)'.'])), "a FRAME claims 18446744073709551615 bytes but 1 remain" },
            { "SHORT_BINUNICODE past the end", Archive(Protocol(4, 0x8c, 200, (byte)'a', (byte)'.')), "a string claims 200 bytes but 2 remain" },
            { "SHORT_BINBYTES past the end", Archive(Protocol(3, (byte)'C', 9, (byte)'.')), "a bytes value claims 9 bytes but 1 remain" },
            { "BINBYTES of 4 GB", Archive(Protocol(3, (byte)'B', 0xFF, 0xFF, 0xFF, 0xFF, (byte)'.')), "a bytes value claims 4294967295 bytes but 1 remain" },
            { "BYTEARRAY8 of 2^63 bytes", Archive(Protocol(5, [0x96, .. BitConverter.GetBytes(1UL << 63), (byte)'.'])), "a bytes value claims 9223372036854775808 bytes but 1 remain" },
            { "MEMOIZE on an empty stack", Archive(Protocol(4, 0x94, (byte)'.')), "the stack is empty" },
            { "MEMOIZE just after a MARK", Archive(Protocol(4, (byte)'}', (byte)'(', 0x94, (byte)'u', (byte)'.')), "the stack is empty" },
            { "STACK_GLOBAL on an empty stack", Archive(Protocol(4, 0x93, (byte)'.')), "the stack is empty" },
            { "STACK_GLOBAL of a number", Archive(Protocol(4, [.. ShortStr("os"), .. Int(7), 0x93, (byte)'.'])),
                "STACK_GLOBAL names the string 'os' and the integer 7; expected a module and a name, two strings" },
            { "STACK_GLOBAL of a long name", Archive(Protocol(4, [.. Str(new string('m', 300)), .. ShortStr("x"), 0x93, (byte)'.'])),
                "a STACK_GLOBAL name is 302 characters long; at most 256 are accepted" },
            { "STACK_GLOBAL of a class not allowed", Archive(Protocol(4, [(byte)'}', .. ShortStr("w"), .. ShortStr("posix"), .. ShortStr("system"), 0x93,
                .. ShortStr("x"), 0x85, (byte)'R', (byte)'s', (byte)'.'])), "'w': a call to posix.system (never run)" },
            { "ADDITEMS on a list", Archive(Protocol(4, [(byte)']', (byte)'(', .. Int(1), 0x90, (byte)'.'])), "ADDITEMS on a list of 0; expected a set" },
            { "ADDITEMS without a MARK", Archive(Protocol(4, 0x8f, 0x90, (byte)'.')), "no MARK to pop to" },
            { "opcode torch.save never writes", Archive([0x80, 2, (byte)'i', (byte)'o', (byte)'s', 10, (byte)'s', 10, (byte)'.']), "opcode 0x69 ('i') is not one torch.save writes" },
            { "deep nesting", Archive([0x80, 2, .. Enumerable.Repeat((byte)'(', 1000), (byte)'.']), "MARKs nested more than 100 deep" },
            { "no STOP", Archive([0x80, 2, (byte)'}']), "ends without a STOP" },
            { "not a dict", Archive([0x80, 2, .. Int(7), (byte)'.']), "it holds the integer 7. Save the model with torch.save(model.state_dict(), path)" },
            { "a call as a value", Archive([0x80, 2, (byte)'}', .. Str("w"), .. Global("os", "system"), .. Str("x"), 0x85, (byte)'R', (byte)'s', (byte)'.']),
                "'w': a call to os.system (never run)" },
            { "empty", [], "test.pt: the file is empty (0 bytes); expected a torch.save file." },
            { "neither format", [1, 2, 3, 4, 5], "expected a torch.save zip archive (starting with 'PK'), but the content starts with 01 02 03 04." },
        };
    }

    [Theory]
    [MemberData(nameof(BadArchives))]
    public void Bad_archives_are_refused_by_name_without_a_big_allocation(string what, byte[] bytes, string message)
    {
        Assert.NotNull(what);
        Assert.Contains(message, Refused(bytes));
    }

    [Fact]
    public void Unknown_globals_stay_inert_records()
    {
        // A module whose _modules hold a subclass nobody defined: its parameters still come out, nothing is looked up.
        byte[] Module(string type, byte[] parameters, byte[] modules) =>
        [
            .. Global("__main__", type), (byte)')', 0x81, (byte)'}', (byte)'(',
            .. Str("_parameters"), .. Global("collections", "OrderedDict"), (byte)')', (byte)'R', (byte)'(', .. parameters, (byte)'u',
            .. Str("_modules"), .. Global("collections", "OrderedDict"), (byte)')', (byte)'R', (byte)'(', .. modules, (byte)'u',
            (byte)'u', (byte)'b',
        ];
        byte[] child = Module("Head", [.. Str("bias"), .. TensorOp("0", 2, 0, [2], [1])], []);
        byte[] root = Module("Net", [], [.. Str("fc"), .. child]);
        PyTorchFile file = Load(Archive([0x80, 2, .. root, (byte)'.'], ("0", Floats(3, 4))));

        Assert.Equal("the pickled module", file.StateDictLocation);
        Assert.Equal(["fc.bias"], file.TensorNames);
        Assert.Equal([3f, 4], file.ReadFloats("fc.bias"));
    }

    [Fact]
    public void A_TorchScript_module_is_walked_once_and_never_into_itself()
    {
        // torch.jit.save writes a module as NEWOBJ of a class under __torch__, then BUILD with its attributes by name.
        // Memo 0 is the root: one attribute refers back to it (a cycle), another holds a submodule twice.
        byte[] root = [.. Global("__torch__", "Net"), (byte)')', 0x81, (byte)'q', 0];
        byte[] shared = [.. Global("__torch__.torch.nn.modules.linear", "Linear"), (byte)')', 0x81, (byte)'q', 1,
            (byte)'}', (byte)'(', .. Str("bias"), .. TensorOp("0", 2, 0, [2], [1]), .. Str("training"), 0x89, (byte)'u', (byte)'b'];
        byte[] Attributes(params byte[][] items) => [(byte)'}', (byte)'(', .. items.SelectMany(item => item), (byte)'u', (byte)'b'];

        byte[] sharedTwice = Attributes([.. Str("a"), .. shared], [.. Str("b"), (byte)'h', 1], [.. Str("flag"), 0x88]);
        PyTorchFile file = Load(Archive([0x80, 2, .. root, .. sharedTwice, (byte)'.'], ("0", Floats(3, 4))));
        Assert.Equal("the TorchScript module", file.StateDictLocation);
        Assert.Equal(["a.bias", "b.bias"], file.TensorNames); // as state_dict() lists a shared submodule: under each name
        Assert.Equal([3f, 4], file.ReadFloats("b.bias"));

        byte[] selfReference = Attributes([.. Str("a"), .. shared], [.. Str("me"), (byte)'h', 0]);
        Assert.Equal("test.pt: the TorchScript module contains itself (at 'me.').", Refused(Archive([0x80, 2, .. root, .. selfReference, (byte)'.'], ("0", Floats(3, 4)))));
    }

    [Fact]
    public void A_submodule_shared_under_many_names_cannot_list_millions_of_tensors()
    {
        // A leaf of 100 attributes naming one tensor, then 12 levels whose two attributes name the level below: state_dict()
        // would list the leaf's tensors 4,096 times over, 409,600 names from a file of 2 KB.
        byte[] Attribute(string name, byte[] value) => [.. Str(name), .. value];
        byte[] Module(string type, byte memo, params byte[][] attributes) =>
            [.. Global("__torch__", type), (byte)')', 0x81, (byte)'}', (byte)'(', .. attributes.SelectMany(a => a), (byte)'u', (byte)'b', (byte)'q', memo];
        byte[] leaf = Module("Leaf", 1, Enumerable.Range(0, 100)
            .Select(i => Attribute($"a{i}", i == 0 ? [.. TensorOp("0", 1, 0, [1], [1]), (byte)'q', 0] : [(byte)'h', 0])).ToArray());
        byte[] levels = Enumerable.Range(2, 12).SelectMany(memo =>
            Module("Level", (byte)memo, Attribute("x", [(byte)'h', (byte)(memo - 1)]), Attribute("y", [(byte)'h', (byte)(memo - 1)]))).ToArray();
        byte[] archive = Archive([0x80, 2, .. leaf, .. levels, (byte)'.'], ("0", Floats(1)));

        Assert.Equal("test.pt: the file lists more than 100000 tensors, counting a shared module's under each of its names.", Refused(archive, ListingAllowance));
    }

    // What listing the most tensors a file may list costs, names included, before the budget refuses the rest.
    private const long ListingAllowance = 32 << 20;

    // Found by a review: small files whose objects refer to each other many times over, each refused without a large
    // allocation (Refused checks it).

    [Fact]
    public void A_storage_claimed_twice_with_sizes_that_wrap_around_is_refused()
    {
        // 4 elements, then 4 + 2^62, whose 4-byte elements wrap around to the same 16 bytes.
        byte[] archive = Archive(StateDict(("a", TensorOp("0", 4, 0, [4], [1])), ("b", TensorOp("0", 4 + (1L << 62), 0, [1000], [1]))), ("0", new byte[16]));
        Assert.Equal("test.pt: storage '0' is claimed with 4611686018427387908 elements by tensor 'b' but holds 16 bytes.", Refused(archive));
    }

    [Fact]
    public void Many_modules_sharing_one_graph_share_one_budget()
    {
        // A leaf of 5,000 attributes naming one tensor, a module listing it 19 times (95,000 names), and 100 modules
        // with that module's state: each alone stays within the limits, together they list 9.5 million names.
        byte[] Attribute(string name, byte[] value) => [.. Str(name), .. value];
        byte[] leaf = [.. Global("__torch__", "Leaf"), (byte)')', 0x81, (byte)'q', 1, (byte)'}', (byte)'(',
            .. Enumerable.Range(0, 5000).SelectMany(i => Attribute($"a{i}", i == 0 ? [.. TensorOp("0", 1, 0, [1], [1]), (byte)'q', 0] : [(byte)'h', 0])),
            (byte)'u', (byte)'b'];
        byte[] fanOut = [(byte)'}', (byte)'(', .. Attribute("c0", leaf), .. Enumerable.Range(1, 18).SelectMany(i => Attribute($"c{i}", [(byte)'h', 1])), (byte)'u', (byte)'q', 2];
        byte[] first = [.. Global("__torch__", "Fan"), (byte)'q', 3, (byte)')', 0x81, .. fanOut, (byte)'b'];
        byte[] modules = [(byte)'}', (byte)'(', .. Attribute("m0", first),
            .. Enumerable.Range(1, 99).SelectMany(i => Attribute($"m{i}", [(byte)'h', 3, (byte)')', 0x81, (byte)'h', 2, (byte)'b'])), (byte)'u'];
        byte[] archive = Archive([0x80, 2, .. modules, (byte)'.'], ("0", Floats(1)));
        Assert.Equal("test.pt: the file lists more than 100000 tensors, counting a shared module's under each of its names.", Refused(archive, ListingAllowance));
    }

    [Fact]
    public void Names_cannot_grow_past_a_bound()
    {
        // 30 modules, each the only child of the one above under one memoized name of 1,000 characters.
        string name = new('n', 1000);
        byte[] opening = Enumerable.Range(0, 30).SelectMany(level => (byte[])[.. Global("__torch__", "Level"), (byte)')', 0x81, (byte)'}', (byte)'(',
            .. level == 0 ? [.. Str(name), (byte)'q', 0] : new byte[] { (byte)'h', 0 }]).ToArray();
        byte[] leaf = [.. Global("__torch__", "Leaf"), (byte)')', 0x81, (byte)'}', (byte)'(', .. Str("w"), .. TensorOp("0", 1, 0, [1], [1]), (byte)'u', (byte)'b'];
        byte[] closing = Enumerable.Repeat(new[] { (byte)'u', (byte)'b' }, 30).SelectMany(bytes => bytes).ToArray();
        string message = Refused(Archive([0x80, 2, .. opening, .. leaf, .. closing, (byte)'.'], ("0", Floats(1))));
        Assert.StartsWith("test.pt: a name of 5005 characters, 'nnnn", message);
        Assert.EndsWith("…'; the longest supported is 4096.", message);
    }

    [Fact]
    public void ModelInfo_takes_no_size_from_a_tensor_of_a_dtype_that_is_not_read()
    {
        // An int64 tensor's storage is never read, so its claimed shape is never checked against bytes.
        byte[] archive = Archive(StateDict(
            ("lstm.weight_ih_l0", TensorOp("0", 4_000_000_000, 0, [4, 1_000_000_000], [1_000_000_000, 1], "LongStorage")),
            ("lstm.weight_hh_l0", TensorOp("1", 4, 0, [4, 1], [1, 1]))),
            ("0", new byte[8]), ("1", Floats(1, 2, 3, 4)));

        var error = Assert.Throws<InvalidDataException>(() => ModelInfo.Read(new MemoryStream(archive)));
        Assert.Contains("'lstm.weight_ih_l0', the recurrent module's input-to-gates weights, holds torch.LongStorage; an nn.LSTM's and nn.GRU's weights are F32", error.Message);
    }

    // ------------------------------------------------------------------ the legacy format (before PyTorch 1.6)

    // _rebuild_tensor_v2 of a legacy persistent id ('storage', <type>, key, 'cpu', numel, None).
    private static byte[] LegacyTensorOp(string key, long numel, long[] size, string storageType = "FloatStorage") =>
    [
        .. Global("torch._utils", "_rebuild_tensor_v2"),
        (byte)'(',
        .. Tuple(Str("storage"), Global("torch", storageType), Str(key), Str("cpu"), Int(numel), [(byte)'N']), (byte)'Q',
        .. Int(0), .. Tuple(size.Select(Int).ToArray()), .. Tuple(size.Select(_ => Int(1)).ToArray()), 0x89, (byte)')',
        (byte)'t', (byte)'R',
    ];

    // The magic number, the protocol version 1001, sys_info, the object, the storage keys; then each storage: its
    // element count (int64) and its elements.
    private static byte[] Legacy(byte[] pickle, string[] keys, params (long Count, byte[] Data)[] storages) =>
    [
        0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, (byte)'.',
        0x80, 2, (byte)'M', 0xe9, 0x03, (byte)'.',
        0x80, 2, (byte)'}', .. Str("little_endian"), 0x88, (byte)'s', (byte)'.',
        .. pickle,
        0x80, 2, (byte)']', (byte)'(', .. keys.SelectMany(Str), (byte)'e', (byte)'.',
        .. storages.SelectMany(storage => BitConverter.GetBytes(storage.Count).Concat(storage.Data)),
    ];

    // A checkpoint's weights beside an int64 step count, whose storage lies between theirs.
    private static byte[] LegacyCheckpoint(long stepCount = 1, string stepType = "LongStorage") => Legacy(
        StateDict(("w", LegacyTensorOp("1", 2, [2])), ("step", LegacyTensorOp("2", stepCount, [1], stepType)), ("v", LegacyTensorOp("3", 3, [3]))),
        ["1", "2", "3"],
        (2, Floats(1, 2)), (stepCount, BitConverter.GetBytes(7L)), (3, Floats(3, 4, 5)));

    [Theory]
    [InlineData("pt/seed.legacy.pt")]
    [InlineData("made/seed.legacy.protocol4.pt")] // pickle protocol 4: each pickle starts with a FRAME
    public void The_legacy_format_reads_as_the_zip_archive_does(string file)
    {
        PyTorchFile legacy = PyTorchFile.Load(GoldenParity.GoldenPath(file));
        PyTorchFile zip = PyTorchFile.Load(GoldenParity.GoldenPath("seed.weights.pt"));

        Assert.Equal(zip.TensorNames.Order(), legacy.TensorNames.Order());
        Assert.All(zip.TensorNames, name => Assert.Equal(zip.ReadFloats(name), legacy.ReadFloats(name)));
    }

    [Fact]
    public void A_legacy_file_may_be_followed_by_another_save_as_torch_load_ignores_it()
    {
        byte[] checkpoint = LegacyCheckpoint();
        PyTorchFile file = Load([.. checkpoint, .. checkpoint]);
        Assert.Equal([3f, 4, 5], file.ReadFloats("v"));
    }

    [Fact]
    public void A_legacy_file_from_Python_2_and_PyTorch_before_0_4_reads()
    {
        // Python 2's str keys are SHORT_BINSTRING and BINSTRING; PyTorch 0.3 rebuilt tensors with _rebuild_tensor.
        static byte[] Py2Str(string text, bool shortForm) => shortForm
            ? [(byte)'U', (byte)text.Length, .. Encoding.ASCII.GetBytes(text)]
            : [(byte)'T', .. BitConverter.GetBytes(text.Length), .. Encoding.ASCII.GetBytes(text)];
        byte[] tensor =
        [
            .. Global("torch._utils", "_rebuild_tensor"), (byte)'(',
            .. Tuple(Py2Str("storage", true), Global("torch", "FloatStorage"), Py2Str("1", false), Py2Str("cpu", true), Int(2), [(byte)'N']), (byte)'Q',
            .. Int(0), .. Tuple(Int(2)), .. Tuple(Int(1)), (byte)'t', (byte)'R',
        ];
        byte[] pickle = [0x80, 2, (byte)'}', (byte)'(', .. Py2Str("w", true), .. tensor, (byte)'u', (byte)'.'];

        Assert.Equal([1f, 2], Load(Legacy(pickle, ["1"], (2, Floats(1, 2)))).ReadFloats("w"));
    }

    [Fact]
    public void A_legacy_file_skips_the_storages_of_types_it_does_not_read()
    {
        PyTorchFile file = Load(LegacyCheckpoint());

        Assert.Equal([1f, 2], file.ReadFloats("w"));
        Assert.Equal([3f, 4, 5], file.ReadFloats("v"));
        Assert.Equal("torch.LongStorage", file.GetDType("step"));
    }

    public static TheoryData<string, byte[], string> BadLegacyFiles()
    {
        byte[] good = LegacyCheckpoint();
        byte[] floatOne = StateDict(("w", LegacyTensorOp("1", 2, [2])));
        return new()
        {
            { "truncated", good[..^4], "test.pt: storage '3' holds 3 elements of 4 bytes, but 8 bytes remain; the file is truncated." },
            { "cut before a count", good[..^16], "test.pt: the file ends before storage '3'; it is truncated." },
            { "a count other than the pickle's", Legacy(floatOne, ["1"], (3, Floats(1, 2, 3))), "test.pt: storage '1' holds 3 elements, but the saved object names it with 2." },
            { "a huge count", LegacyCheckpoint(stepCount: long.MaxValue / 4), $"test.pt: storage '2' holds {long.MaxValue / 4} elements of 8 bytes, but 28 bytes remain; the file is truncated." },
            { "a key never named", Legacy(floatOne, ["1", "9"], (2, Floats(1, 2)), (1, Floats(1))), "test.pt: storage '9' is listed, but the saved object never names it" },
            { "a key listed twice", Legacy(floatOne, ["1", "1"], (2, Floats(1, 2)), (2, Floats(1, 2))), "test.pt: storage '1' is listed twice." },
            { "a storage not listed", Legacy(floatOne, []), "test.pt: tensor 'w' reads storage '1', which the file's list of storages does not hold." },
            { "an unknown storage class", LegacyCheckpoint(stepType: "FancyStorage"), "test.pt: storage '2' is a torch.FancyStorage, whose element size is unknown" },
            // The keys' pickle (12 bytes) and the storage (8 + 8) replaced by a pickle of the number 1.
            { "not a list of keys", [.. Legacy(floatOne, ["1"], (2, Floats(1, 2)))[..^(12 + 8 + 8)], 0x80, 2, (byte)'K', 1, (byte)'.'],
                "test.pt: the legacy format's list of storage keys is " },
        };
    }

    [Theory]
    [MemberData(nameof(BadLegacyFiles))]
    public void Bad_legacy_files_are_refused_by_name_without_a_big_allocation(string what, byte[] bytes, string message)
    {
        _ = what;
        Assert.StartsWith(message, Refused(bytes));
    }

    [Fact]
    public void A_big_endian_legacy_file_is_refused()
    {
        byte[] bytes = LegacyCheckpoint();
        int flag = Array.IndexOf(bytes, (byte)0x88); // NEWTRUE: sys_info's little_endian
        bytes[flag] = 0x89;
        Assert.StartsWith("test.pt: sys_info says the file was written on a big-endian machine", Refused(bytes));
    }
}
