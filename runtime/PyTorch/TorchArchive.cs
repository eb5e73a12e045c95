using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;

// Shared with the generator (compiled into both, see LstmGen.Generator.csproj): netstandard2.0 C#, no spans.
namespace LstmGen.PyTorch;

/// <summary>One tensor of a state_dict: its storage's bytes (shared by views of one storage) and how it reads them.</summary>
internal sealed class TorchTensor
{
    public TorchTensor(string name, TensorRef tensor, byte[]? storage)
    {
        Name = name;
        StorageType = tensor.Storage.Type;
        Shape = tensor.Shape.Select(dimension => (int)dimension).ToArray();
        Strides = tensor.Strides;
        Offset = tensor.Offset;
        Storage = storage;
    }

    public string Name { get; }

    /// <summary>The storage class; tensors of other element types than the four we read keep their shape but no bytes.</summary>
    public PickleGlobal StorageType { get; }

    public TorchDType? DType => StorageType.Kind == GlobalKind.Storage ? StorageType.DType : null;

    public int[] Shape { get; }

    /// <summary>In elements, one per dimension.</summary>
    public long[] Strides { get; }

    /// <summary>Where element [0, …, 0] is in the storage, in elements.</summary>
    public long Offset { get; }

    /// <summary>The storage record's little-endian bytes, checked to hold every element the tensor reads; null when
    /// <see cref="DType"/> is not one we read.</summary>
    public byte[]? Storage { get; }

    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    public static int ElementSize(TorchDType dtype) => dtype switch
    {
        TorchDType.F64 => 8,
        TorchDType.F32 => 4,
        _ => 2,
    };
}

/// <summary>The state_dict a <c>torch.save</c> file holds, with every tensor checked against its storage record.</summary>
internal sealed class TorchStateDict
{
    public TorchStateDict(string location, List<TorchTensor> tensors)
    {
        Location = location;
        Tensors = tensors;
    }

    /// <summary>Where in the file it was found, e.g. <c>the top-level dict</c> or <c>['model_state_dict']</c>.</summary>
    public string Location { get; }

    /// <summary>In the file's order.</summary>
    public List<TorchTensor> Tensors { get; }
}

/// <summary>What weights content is, as its first bytes (<see cref="TorchArchive.SniffLength"/> of them) tell.</summary>
internal enum WeightsFormat
{
    Empty,

    /// <summary>A zip archive ("PK"), as <c>torch.save</c> writes since PyTorch 1.6.</summary>
    TorchSave,

    /// <summary><c>torch.save</c>'s format before PyTorch 1.6 (and with <c>_use_new_zipfile_serialization=False</c>).</summary>
    TorchSaveLegacy,

    /// <summary>An 8-byte little-endian header length, then the JSON header's '{'.</summary>
    Safetensors,

    /// <summary>Printable text (a JSON config, a script), which neither format starts with.</summary>
    Text,

    Unknown,
}

/// <summary>
/// Reads the zip archive <c>torch.save</c> and <c>torch.jit.save</c> write (PyTorch 1.6 and later):
/// <c>&lt;folder&gt;/data.pkl</c>, run by <see cref="PickleMachine"/>, and a <c>&lt;folder&gt;/data/&lt;key&gt;</c> record per
/// storage, stored uncompressed; or <c>torch.save</c>'s legacy format (TorchArchive.Legacy.cs). Then finds the
/// state_dict in what the pickle built: the top-level dict of tensors, the
/// one nested dict of a checkpoint that holds the model's keys, the entry named by a key, a whole pickled module's
/// parameters (its <c>_parameters</c>, <c>_buffers</c> and <c>_modules</c>) or a TorchScript module's tensor attributes,
/// named as <c>state_dict()</c> names them. A TorchScript archive's code records are never read. Every record is checked
/// against the archive's length before it is read, and the bytes read never exceed that length.
/// </summary>
internal static partial class TorchArchive
{
    // The legacy format's magic number 0x1950a86a20f9469cfc6c as a pickle's LONG1 (in its own pickle, after PROTO and,
    // from protocol 4 on, a FRAME).
    private static readonly byte[] LegacyMagic = { 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19 };
    private const int FrameLength = 9;

    /// <summary>The key that ends the name of an <c>nn.LSTM</c>'s or <c>nn.GRU</c>'s first parameter, whatever its prefix.</summary>
    internal const string FirstRecurrentKey = "weight_ih_l0";

    // How deep checkpoints (dicts in dicts) and modules (submodules in submodules) are searched.
    private const int MaxSearchDepth = 32;
    private const int MaxNamesInMessage = 10;
    // What finding the state_dict may cost over the whole file. Objects referred to many times over (a submodule shared
    // under many names is listed under each, as state_dict() does) would otherwise let a small file list millions of
    // tensors, or names of millions of characters. A real model has a few thousand tensors with names under 200
    // characters.
    private const int MaxModuleVisits = 10_000;
    private const int MaxListedTensors = 100_000;
    private const int MaxNameLength = 4096;
    private const long MaxNameCharacters = 8_000_000;

    /// <summary>How many leading bytes <see cref="Sniff"/> looks at.</summary>
    public static int SniffLength => 2 + FrameLength + LegacyMagic.Length;

    // Where the legacy format's magic number starts (after PROTO, and FRAME if there is one), or -1 if it is not there.
    private static int LegacyMagicAt(byte[] head, int length)
    {
        if (length < 2 || head[0] != 0x80 || head[1] < 2 || head[1] > PickleMachine.MaxProtocol)
            return -1;
        int at = length > 2 && head[2] == 0x95 ? 2 + FrameLength : 2;
        return length >= at + LegacyMagic.Length && head.Skip(at).Take(LegacyMagic.Length).SequenceEqual(LegacyMagic) ? at : -1;
    }

    /// <summary>What the first <paramref name="length"/> bytes of <paramref name="head"/> say the content is.</summary>
    public static WeightsFormat Sniff(byte[] head, int length)
    {
        if (length == 0) return WeightsFormat.Empty;
        // Text (ASCII or UTF-8, with or without a byte-order mark) has no control byte but tab and line breaks in its
        // first 8 bytes, nor one UTF-8 never uses (C0, C1, F5–FF), where a safetensors header length has zeros (its
        // header is under 2³² bytes), a zip 03 04 and a pickle 02.
        if (head.Take(Math.Min(length, 8)).All(b => b is (byte)'\t' or (byte)'\n' or (byte)'\r' or >= 0x20 and < 0x7F or >= 0x80 and < 0xC0 or >= 0xC2 and < 0xF5))
            return WeightsFormat.Text;
        // Byte 8 is a zip's compression method and a byte of the legacy format's magic number or FRAME length, never
        // '{': a safetensors header of 0x4b50 + k·65536 bytes starts with "PK" too.
        if (length > 8 && head[8] == (byte)'{') return WeightsFormat.Safetensors;
        if (length >= 2 && head[0] == (byte)'P' && head[1] == (byte)'K') return WeightsFormat.TorchSave;
        if (LegacyMagicAt(head, length) >= 0) return WeightsFormat.TorchSaveLegacy;
        return WeightsFormat.Unknown;
    }

    /// <summary>Refuses content whose first bytes already show that a reader of <paramref name="expected"/> (null: of
    /// either format) cannot read it: it is empty, text, or in the other format, whose loading method the message names.</summary>
    /// <exception cref="InvalidDataException">The content is one of those.</exception>
    public static void CheckFormat(string source, WeightsFormat found, WeightsFormat? expected)
    {
        const string EitherFormat = "LstmModel.Load, GruModel.Load and ModelInfo.Read read either format, told apart by content";
        switch (found)
        {
            case WeightsFormat.Empty:
                string wanted = expected switch
                {
                    WeightsFormat.TorchSave => "a torch.save file",
                    WeightsFormat.Safetensors => "a safetensors file",
                    _ => "a torch.save or safetensors file",
                };
                throw Fail(source, $"the file is empty (0 bytes); expected {wanted}.");
            case WeightsFormat.Text:
                throw Fail(source, "the file starts with text, not with the binary header of a torch.save or safetensors file: is it the weights file, " +
                    "or a config or script beside it?");
            case WeightsFormat.TorchSave or WeightsFormat.TorchSaveLegacy when expected == WeightsFormat.Safetensors:
                string what = found == WeightsFormat.TorchSave ? "a zip archive, starting with 'PK'" : "PyTorch's legacy format, before 1.6";
                throw Fail(source, $"this is a torch.save file ({what}), not safetensors: load it with LoadPyTorch " +
                    $"instead of LoadSafetensors (PyTorchFile.Load instead of SafetensorsFile.Load); {EitherFormat}.");
            case WeightsFormat.Safetensors when expected == WeightsFormat.TorchSave:
                throw Fail(source, "this is a safetensors file (an 8-byte header length, then a JSON header), not a torch.save archive: load it " +
                    $"with LoadSafetensors instead of LoadPyTorch (SafetensorsFile.Load instead of PyTorchFile.Load); {EitherFormat}.");
        }
    }

    /// <summary>Reads the state_dict of the torch.save file in <paramref name="stream"/> (seekable, from position 0).
    /// <paramref name="source"/> begins every error message; <paramref name="stateDictKey"/>, if not null, is the top-level
    /// key whose value is the state_dict; <paramref name="requiredKey"/>, if not null, a key the model's state_dict holds
    /// (e.g. <c>lstm.weight_ih_l0</c>), which chooses among the dicts of tensors of a checkpoint.</summary>
    /// <exception cref="InvalidDataException">The file is not a torch.save archive, is malformed, or holds no (or more
    /// than one) state_dict that fits.</exception>
    public static TorchStateDict Read(Stream stream, string source, string? stateDictKey, string? requiredKey)
    {
        long length = stream.Length;
        var head = new byte[SniffLength];
        int headLength = ReadAtMost(stream, head);
        stream.Position = 0;
        WeightsFormat format = Sniff(head, headLength);
        CheckFormat(source, format, WeightsFormat.TorchSave);
        if (format == WeightsFormat.TorchSaveLegacy)
            return ReadLegacy(stream, source, stateDictKey, requiredKey);
        if (format != WeightsFormat.TorchSave)
        {
            throw Fail(source, $"expected a torch.save zip archive (starting with 'PK'), but the content starts with " +
                $"{string.Join(" ", head.Take(Math.Min(headLength, 4)).Select(b => b.ToString("x2")))}.");
        }

        using ZipArchive archive = OpenArchive(stream, source);
        var budget = new ReadBudget(length);
        // The pickle is data.pkl in a folder of any name (the file's stem, 'archive').
        var pickles = archive.Entries.Where(entry => entry.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) &&
            entry.FullName.IndexOf('/') == entry.FullName.Length - "/data.pkl".Length).ToList();
        if (pickles.Count != 1)
        {
            throw Fail(source, pickles.Count == 0
                ? $"the archive has no '<folder>/data.pkl' record, so it is not a torch.save file; it has {Names(archive.Entries.Select(e => e.FullName).ToList())}."
                : $"the archive has {pickles.Count} '<folder>/data.pkl' records ({Names(pickles.Select(e => e.FullName).ToList())}); expected one.");
        }
        string folder = pickles[0].FullName.Substring(0, pickles[0].FullName.Length - "data.pkl".Length);
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (ZipArchiveEntry entry in archive.Entries)
        {
            if (entries.ContainsKey(entry.FullName))
                throw Fail(source, $"the archive has two records named '{entry.FullName}'; expected each once.");
            entries[entry.FullName] = entry;
        }

        if (entries.TryGetValue(folder + "byteorder", out ZipArchiveEntry? byteOrder))
        {
            string order = System.Text.Encoding.ASCII.GetString(ReadEntry(byteOrder, source, budget));
            if (order != "little")
                throw Fail(source, $"record 'byteorder' says '{order}'; only little-endian storages ('little') are supported.");
        }

        object? root = PickleMachine.Run(ReadEntry(pickles[0], source, budget), $"{source}: {pickles[0].FullName}", out PickleGlobal? quantized);
        RefuseQuantized(source, quantized);
        (string location, List<KeyValuePair<string, TensorRef>> found) = Select(root, source, stateDictKey, requiredKey);
        return StateDict(location, found, source, (tensor, storage) =>
        {
            if (!entries.TryGetValue(folder + "data/" + storage.Key, out ZipArchiveEntry? record))
                throw Fail(source, $"tensor '{tensor}' reads storage '{storage.Key}', but the archive has no record '{folder}data/{storage.Key}'.");
            return ReadStorage(record, storage, source, budget);
        });
    }

    private static void RefuseQuantized(string source, PickleGlobal? quantized)
    {
        if (quantized is not null)
        {
            throw Fail(source, $"the model is quantized (the file names {quantized.FullName}): its quantized layers hold integers packed for " +
                "PyTorch's own kernels, and LstmGen runs float weights. Save the float model's state_dict, before quantize_dynamic or convert: " +
                "torch.save(model.state_dict(), path).");
        }
    }

    // The tensors found, each with its storage's bytes (from readStorage, given the tensor's name and its storage,
    // once however many tensors view it) checked to hold every element it reads.
    private static TorchStateDict StateDict(string location, List<KeyValuePair<string, TensorRef>> found, string source,
        Func<string, StorageRef, byte[]> readStorage)
    {
        var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var tensors = new List<TorchTensor>(found.Count);
        foreach (KeyValuePair<string, TensorRef> pair in found)
        {
            TensorRef tensor = pair.Value;
            byte[]? bytes = null;
            if (tensor.Storage.Type.Kind == GlobalKind.Storage)
            {
                string key = tensor.Storage.Key;
                if (!storages.TryGetValue(key, out bytes))
                {
                    storages[key] = bytes = readStorage(pair.Key, tensor.Storage);
                }
                else if (!Holds(bytes.Length, tensor.Storage.ElementCount, TorchTensor.ElementSize(tensor.Storage.Type.DType)))
                {
                    throw Fail(source, $"storage '{key}' is claimed with {tensor.Storage.ElementCount} elements by tensor '{pair.Key}' but holds {bytes.Length} bytes.");
                }
            }
            CheckBounds(pair.Key, tensor, source);
            tensors.Add(new TorchTensor(pair.Key, tensor, bytes));
        }
        return new TorchStateDict(location, tensors);
    }

    // ------------------------------------------------------------------ the archive

    private static ZipArchive OpenArchive(Stream stream, string source)
    {
        try
        {
            var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            _ = archive.Entries.Count; // the central directory is read here, on first use
            return archive;
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{source}: the zip archive is truncated or corrupt: {ex.Message}", ex);
        }
        // The BCL reports some malformed directories with these rather than InvalidDataException.
        catch (Exception ex) when (ex is IOException or ArgumentException or NotSupportedException or OverflowException)
        {
            throw new InvalidDataException($"{source}: the zip archive is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>The bytes the archive may still hand out: each record is checked against it before it is read, so the
    /// total read never exceeds the file's length, however the directory lies.</summary>
    private sealed class ReadBudget
    {
        public ReadBudget(long remaining) => Remaining = remaining;

        public long Remaining { get; set; }
    }

    private static byte[] ReadStorage(ZipArchiveEntry record, StorageRef storage, string source, ReadBudget budget)
    {
        int size = TorchTensor.ElementSize(storage.Type.DType);
        if (!Holds(record.Length, storage.ElementCount, size))
        {
            throw Fail(source, $"storage '{storage.Key}' is claimed to hold {storage.ElementCount} {storage.Type.FullName} elements " +
                $"({storage.ElementCount}×{size} bytes) but its record '{record.FullName}' has {record.Length} bytes.");
        }
        return ReadEntry(record, source, budget);
    }

    // Whether `bytes` are exactly `count` elements of `size` bytes; by division first, so a huge count cannot overflow.
    private static bool Holds(long bytes, long count, int size) => count <= bytes / size && count * size == bytes;

    private static byte[] ReadEntry(ZipArchiveEntry entry, string source, ReadBudget budget)
    {
        long length = entry.Length;
        // torch.save stores every record: a compressed one is refused before anything is inflated.
        if (entry.CompressedLength != length)
            throw Fail(source, $"record '{entry.FullName}' is compressed ({entry.CompressedLength} bytes for {length}); torch.save stores records uncompressed.");
        if (length > budget.Remaining)
        {
            throw Fail(source, $"record '{entry.FullName}' claims {length} bytes, more than the {budget.Remaining} bytes " +
                "of the file not yet read; the archive is truncated or corrupt.");
        }
        budget.Remaining -= length;

        var bytes = new byte[length];
        try
        {
            using Stream data = entry.Open();
            int read = 0;
            while (read < bytes.Length)
            {
                int count = data.Read(bytes, read, bytes.Length - read);
                if (count == 0)
                    throw Fail(source, $"record '{entry.FullName}' ends after {read} of its {length} bytes; the archive is truncated.");
                read += count;
            }
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith(source + ":", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source}: record '{entry.FullName}' is corrupt: {ex.Message}", ex);
        }
        // The BCL reports some malformed local headers with these rather than InvalidDataException.
        catch (Exception ex) when (ex is IOException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            throw new InvalidDataException($"{source}: record '{entry.FullName}' cannot be read: {ex.Message}", ex);
        }
        return bytes;
    }

    private static int ReadAtMost(Stream stream, byte[] buffer)
    {
        int read = 0, count;
        while (read < buffer.Length && (count = stream.Read(buffer, read, buffer.Length - read)) > 0)
            read += count;
        return read;
    }

    // Every element the tensor reads lies in its storage, and it has no more elements than the storage (so nothing
    // is allocated for it beyond the file's size).
    private static void CheckBounds(string name, TensorRef tensor, string source)
    {
        string Describe() => $"tensor '{name}' (size ({string.Join(", ", tensor.Shape)}), stride ({string.Join(", ", tensor.Strides)}), storage offset {tensor.Offset})";
        long count = tensor.Storage.ElementCount;
        long elements = 1;
        foreach (long dimension in tensor.Shape)
        {
            if (dimension > int.MaxValue)
                throw Fail(source, $"{Describe()} has a dimension above {int.MaxValue}.");
            // Saturates at count + 1: the product of huge claims cannot overflow.
            elements = dimension == 0 || elements == 0 ? 0 : elements > count / dimension ? count + 1 : elements * dimension;
        }
        if (elements > count)
            throw Fail(source, $"{Describe()} has more elements than its storage '{tensor.Storage.Key}' ({count}).");
        if (elements == 0)
            return;

        long last = tensor.Offset;
        try
        {
            for (int i = 0; i < tensor.Shape.Length; i++)
                last = checked(last + (tensor.Shape[i] - 1) * tensor.Strides[i]);
        }
        catch (OverflowException)
        {
            last = long.MaxValue;
        }
        if (last >= count)
            throw Fail(source, $"{Describe()} reads element {last} of its storage '{tensor.Storage.Key}', which holds {count}.");
    }

    // ------------------------------------------------------------------ finding the state_dict

    private static (string Location, List<KeyValuePair<string, TensorRef>> Tensors) Select(
        object? root, string source, string? stateDictKey, string? requiredKey)
    {
        if (stateDictKey is not null)
        {
            if (root is not PickleDict top)
                throw Fail(source, $"stateDictKey '{stateDictKey}' was given, but the file holds {PickleMachine.Describe(root)}, not a dict.");
            if (!top.TryGet(stateDictKey, out object? entry))
                throw Fail(source, $"the file has no top-level key '{stateDictKey}'; its keys are {Names(top.Keys.Select(KeyText).ToList())}.");
            var chosen = AsStateDict(entry, new SearchBudget(source));
            if (chosen is null)
                throw Fail(source, $"'{stateDictKey}' holds {PickleMachine.Describe(entry)}; expected a state_dict (a dict of tensors) or a module.");
            return ($"['{stateDictKey}']", chosen);
        }

        // Every dict of tensors and every module in the file, outermost first. Without a key of the model's to look for,
        // or where no dict holds it, the one holding a recurrent layer is the model's among several (a checkpoint's
        // metrics are tensors too); the model's loader then names how its keys differ (another prefix, another cell).
        var candidates = new List<(string Location, List<KeyValuePair<string, TensorRef>> Tensors)>();
        var visited = new HashSet<object>(ReferenceComparer.Instance);
        Search(root, root is PickleObject module ? ModuleLocation(module) : "the top-level dict", 0, candidates, visited, new SearchBudget(source));
        // The dicts holding the model's first key, else those where a cell's key reads as it (weight_ih for weight_ih_l0).
        var fitting = requiredKey is null ? candidates : candidates.Where(c => c.Tensors.Any(t => t.Key == requiredKey)).ToList();
        if (requiredKey is not null && fitting.Count == 0)
            fitting = candidates.Where(c => KeyStructure.CellAliases(c.Tensors.Select(t => t.Key).ToList()).ContainsValue(requiredKey)).ToList();
        bool byKey = requiredKey is not null && fitting.Count > 0;
        if (!byKey)
        {
            var recurrent = candidates.Where(c => KeyStructure.HasRecurrentModule(c.Tensors.Select(t => t.Key).ToList())).ToList();
            fitting = recurrent.Count > 0 ? recurrent : candidates;
        }
        if (fitting.Count == 1)
            return fitting[0];
        if (fitting.Count > 1 && (byKey || requiredKey is null))
        {
            throw Fail(source, $"{fitting.Count} dicts in the file could be the model's state_dict: {Names(fitting.Select(c => c.Location).ToList())}; " +
                "pass stateDictKey to choose one (lstmgen inspect: --state-dict-key; compiled-in weights cannot: save that state_dict " +
                "alone with torch.save(checkpoint[key], path)).");
        }

        string wanted = requiredKey is null ? "state_dict (a dict of tensors)" : $"state_dict holding '{requiredKey}'";
        string found = candidates.Count == 0
            ? root is PickleObject script && IsScriptModule(script)
                ? $"it holds {Outline(root)}, a TorchScript module without tensors. A module frozen with torch.jit.freeze (or " +
                  "optimize_for_inference) keeps its weights as unnamed constants of its code. Save the model before freezing it, or its " +
                  "state_dict with torch.save(model.state_dict(), path)"
                : $"it holds {Outline(root)}. Save the model with torch.save(model.state_dict(), path)"
            : "its dicts of tensors are " + string.Join("; ", candidates.Take(MaxNamesInMessage).Select(c => $"{c.Location} ({Names(c.Tensors.Select(t => t.Key).ToList())})")) +
              (candidates.Count > MaxNamesInMessage ? $"; and {candidates.Count - MaxNamesInMessage} more" : "");
        throw Fail(source, $"found no {wanted}: {found}.");
    }

    // Collects the dicts of tensors and the modules in a checkpoint, outermost first. A module is not searched further;
    // a dict is, through its other entries: {"model": state_dict, "best_acc": tensor} holds tensors at both levels.
    private static void Search(object? value, string location, int depth, List<(string, List<KeyValuePair<string, TensorRef>>)> found,
        HashSet<object> visited, SearchBudget budget)
    {
        if (value is null || depth > MaxSearchDepth || !visited.Add(value))
            return;
        var tensors = AsStateDict(value, budget);
        if (tensors is { Count: > 0 })
        {
            found.Add((location, tensors));
            if (value is PickleObject) return;
        }
        // Only through string keys: a state_dict sits under a name, while an optimizer's per-parameter state (dicts of
        // tensors too) sits under parameter numbers.
        if (value is PickleDict dict)
        {
            string prefix = depth == 0 ? "" : location;
            for (int i = 0; i < dict.Count; i++)
            {
                if (dict.Keys[i] is string)
                    Search(dict.Values[i], budget.Name(prefix, $"[{KeyText(dict.Keys[i])}]", tensor: false), depth + 1, found, visited, budget);
            }
        }
    }

    // A dict's tensors under string keys, or a module's parameters and buffers; null for anything else.
    private static List<KeyValuePair<string, TensorRef>>? AsStateDict(object? value, SearchBudget budget)
    {
        if (value is PickleDict dict)
        {
            var tensors = new List<KeyValuePair<string, TensorRef>>();
            for (int i = 0; i < dict.Count; i++)
            {
                if (dict.Keys[i] is string name && dict.Values[i] is TensorRef tensor)
                    tensors.Add(new KeyValuePair<string, TensorRef>(budget.Name("", name, tensor: true), tensor));
            }
            return tensors;
        }
        if (value is PickleObject module && (IsPickledModule(module) || IsScriptModule(module)))
        {
            var tensors = new List<KeyValuePair<string, TensorRef>>();
            ModuleTensors(module, "", 0, tensors, new HashSet<object>(ReferenceComparer.Instance), budget);
            return tensors;
        }
        return null;
    }

    // torch.save(model): an nn.Module, its __dict__ holding _parameters, _buffers and _modules.
    private static bool IsPickledModule(PickleObject value) =>
        value.Instantiated && value.State is PickleDict state && state.TryGet("_parameters", out object? parameters) && parameters is PickleDict;

    // torch.jit.save (scripted or traced): an instance of a class TorchScript compiled, named under __torch__, its
    // state holding every attribute by name: tensors (parameters and buffers), submodules, and values such as flags.
    private static bool IsScriptModule(PickleObject value) =>
        value.Instantiated && value.State is PickleDict && value.Type.FullName.StartsWith("__torch__.", StringComparison.Ordinal);

    private static string ModuleLocation(PickleObject module) => IsScriptModule(module) ? "the TorchScript module" : "the pickled module";

    // As state_dict(): a module's own tensors, then each submodule's, prefixed with the submodule's name.
    // A submodule may appear under two names (state_dict() lists it under both), so the walk tracks the modules on
    // its path (a cycle is an error), and the budget bounds what a graph of shared submodules could multiply.
    private static void ModuleTensors(PickleObject module, string prefix, int depth, List<KeyValuePair<string, TensorRef>> tensors,
        HashSet<object> path, SearchBudget budget)
    {
        string source = budget.Source;
        if (depth > MaxSearchDepth)
            throw Fail(source, $"{ModuleLocation(module)} nests submodules more than {MaxSearchDepth} deep (at '{prefix}').");
        budget.Visit();
        if (!path.Add(module))
            throw Fail(source, $"{ModuleLocation(module)} contains itself (at '{prefix}').");
        var state = (PickleDict)module.State!;
        var submodules = new List<KeyValuePair<string, PickleObject>>();
        if (IsScriptModule(module))
            ScriptMembers(state, tensors, submodules, prefix, budget);
        else
            PickledMembers(state, tensors, submodules, prefix, budget);
        foreach (KeyValuePair<string, PickleObject> child in submodules)
            ModuleTensors(child.Value, budget.Name(prefix, child.Key + ".", tensor: false), depth + 1, tensors, path, budget);
        path.Remove(module);
    }

    // nn.Module.state_dict(): the parameters, then the persistent buffers; the submodules are in _modules.
    private static void PickledMembers(PickleDict state, List<KeyValuePair<string, TensorRef>> tensors,
        List<KeyValuePair<string, PickleObject>> submodules, string prefix, SearchBudget budget)
    {
        string source = budget.Source;
        var nonPersistent = new HashSet<string>(StringComparer.Ordinal);
        if (state.TryGet("_non_persistent_buffers_set", out object? set) && set is PickleSet names)
        {
            foreach (object? name in names.Items)
                if (name is string text) nonPersistent.Add(text);
        }
        foreach (string field in new[] { "_parameters", "_buffers" })
        {
            if (!state.TryGet(field, out object? value) || value is not PickleDict members)
                continue;
            for (int i = 0; i < members.Count; i++)
            {
                if (members.Keys[i] is not string name || members.Values[i] is null || (field == "_buffers" && nonPersistent.Contains(name)))
                    continue;
                if (members.Values[i] is not TensorRef tensor)
                    throw Fail(source, $"module parameter '{prefix}{name}' is {PickleMachine.Describe(members.Values[i])}; expected a tensor.");
                tensors.Add(new KeyValuePair<string, TensorRef>(budget.Name(prefix, name, tensor: true), tensor));
            }
        }
        if (state.TryGet("_modules", out object? children) && children is PickleDict modules)
        {
            for (int i = 0; i < modules.Count; i++)
            {
                if (modules.Values[i] is null)
                    continue;
                if (modules.Keys[i] is not string name || modules.Values[i] is not PickleObject child || !IsPickledModule(child))
                    throw Fail(source, $"submodule '{prefix}{KeyText(modules.Keys[i])}' is {PickleMachine.Describe(modules.Values[i])}; expected a module.");
                submodules.Add(new KeyValuePair<string, PickleObject>(name, child));
            }
        }
    }

    // ScriptModule.state_dict(): the tensor attributes in the order the class declares them, then the submodules'.
    // Other attributes (flags, TorchScript's typed lists such as an RNN's _flat_weights, which hold the same tensors
    // again) are not state.
    private static void ScriptMembers(PickleDict state, List<KeyValuePair<string, TensorRef>> tensors,
        List<KeyValuePair<string, PickleObject>> submodules, string prefix, SearchBudget budget)
    {
        for (int i = 0; i < state.Count; i++)
        {
            if (state.Keys[i] is not string name)
                continue;
            if (state.Values[i] is TensorRef tensor)
                tensors.Add(new KeyValuePair<string, TensorRef>(budget.Name(prefix, name, tensor: true), tensor));
            else if (state.Values[i] is PickleObject child && IsScriptModule(child))
                submodules.Add(new KeyValuePair<string, PickleObject>(name, child));
        }
    }

    private static string Outline(object? root)
    {
        if (root is not PickleDict dict)
            return PickleMachine.Describe(root);
        var entries = new List<string>();
        for (int i = 0; i < dict.Count && i < MaxNamesInMessage; i++)
            entries.Add($"{KeyText(dict.Keys[i])}: {PickleMachine.Describe(dict.Values[i])}");
        return "a dict {" + string.Join(", ", entries) + (dict.Count > MaxNamesInMessage ? $", and {dict.Count - MaxNamesInMessage} more" : "") + "}";
    }

    private static string KeyText(object key) => key is string text ? "'" + text + "'" : Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture)!;

    private static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "none" : KeyStructure.Listed(names);

    private static InvalidDataException Fail(string source, string message) => new InvalidDataException($"{source}: {message}");

    // What finding the state_dict has spent so far, over every dict and module it looks at (see MaxModuleVisits).
    private sealed class SearchBudget
    {
        private int _visits, _tensors;
        private long _characters;

        public SearchBudget(string source) => Source = source;

        public string Source { get; }

        /// <summary>A module walked, under each name it has.</summary>
        public void Visit()
        {
            if (++_visits > MaxModuleVisits)
                throw Fail(Source, $"the file's modules have more than {MaxModuleVisits} submodules, counting a shared one under each of its names.");
        }

        /// <summary><paramref name="prefix"/> + <paramref name="name"/>: a tensor's name, or a module's or dict's, once it fits.</summary>
        public string Name(string prefix, string name, bool tensor)
        {
            long length = (long)prefix.Length + name.Length;
            if (length > MaxNameLength)
                throw Fail(Source, $"a name of {length} characters, '{(prefix + name).Substring(0, 40)}…'; the longest supported is {MaxNameLength}.");
            if ((_characters += length) > MaxNameCharacters)
                throw Fail(Source, $"the file's names add up to more than {MaxNameCharacters} characters, counting a shared module under each of its names.");
            if (tensor && ++_tensors > MaxListedTensors)
                throw Fail(Source, $"the file lists more than {MaxListedTensors} tensors, counting a shared module's under each of its names.");
            return prefix + name;
        }
    }

    // Identity, so that a graph with cycles (a dict holding itself through the memo) is walked once.
    private sealed class ReferenceComparer : IEqualityComparer<object>
    {
        public static readonly ReferenceComparer Instance = new ReferenceComparer();

        public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);

        public int GetHashCode(object obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }
}
