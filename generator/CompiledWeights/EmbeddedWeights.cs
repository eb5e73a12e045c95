using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;
using LstmGen.PyTorch;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace LstmGen.Generator.CompiledWeights;

/// <summary>
/// A safetensors or torch.save file compiled into the assembly, as the generator sees it to check it. LstmGen.targets
/// embeds each <c>&lt;LstmGenWeights Include="…"/&gt;</c> as a manifest resource (<see cref="WeightsResource"/>), which the
/// generated code reads, and copies it to obj/ as base64 text for the check (Roslyn hands generators additional files only
/// as text), tagged with its name as written in the project, which is what <c>Weights = "…"</c> refers to.
/// </summary>
/// <remarks>
/// The pipeline compares it by name and checksum alone, so a build or keystroke that leaves the file as it was compares
/// a few dozen characters, not megabytes. The checksum is the one the compiler keeps for every text it reads (SHA-256 of
/// the obj/ copy's bytes in a build, computed as the file is read). The text itself rides along outside equality: it is
/// the compiler's own <see cref="SourceText"/>, no copy, and is decoded only for a model's check, which runs again when
/// the file or the model changes.
/// </remarks>
internal sealed class WeightsFile : IEquatable<WeightsFile>
{
    /// <summary>The item metadata LstmGen.targets sets on the base64 copies.</summary>
    public const string MetadataKey = "build_metadata.AdditionalFiles.LstmGenWeights";

    private readonly SourceText _text;

    private WeightsFile(string name, string checksum, SourceText text) => (Name, Checksum, _text) = (name, checksum, text);

    /// <summary>The file's name as written in the project (<c>/</c>-separated).</summary>
    public string Name { get; }

    /// <summary>The checksum of the base64 copy's text, in hex: equal checksums, equal content.</summary>
    public string Checksum { get; }

    public static WeightsFile? From(AdditionalText text, AnalyzerConfigOptionsProvider options, CancellationToken cancellationToken)
    {
        if (!options.GetOptions(text).TryGetValue(MetadataKey, out string? name) || string.IsNullOrEmpty(name))
            return null;
        SourceText? content = text.GetText(cancellationToken);
        return content is null ? null : new WeightsFile(Normalize(name), Hex(content.GetChecksum()), content);
    }

    /// <summary>The file's bytes, decoded from the base64 copy.</summary>
    /// <exception cref="FormatException">The copy is not valid base64.</exception>
    public byte[] ReadBytes() => Convert.FromBase64String(_text.ToString().Trim());

    public static string Normalize(string name) => name.Replace('\\', '/');

    public bool Equals(WeightsFile? other) =>
        other is not null && Name == other.Name && Checksum == other.Checksum;

    public override bool Equals(object? obj) => Equals(obj as WeightsFile);

    public override int GetHashCode() => unchecked(Name.GetHashCode() * 31 + Checksum.GetHashCode());

    private static string Hex(IEnumerable<byte> bytes) => string.Concat(bytes.Select(b => b.ToString("x2")));
}

/// <summary>
/// A model's <c>Weights</c> file checked against its spec: no problem and, for a file that fits, what the generated code
/// needs of it; or LSTMGEN011/012's descriptor and arguments. The attribute's location is not here, so an edit that only
/// moves the class leaves the check cached; it is attached when the diagnostic is reported.
/// </summary>
internal sealed record WeightsCheck(ModelSpec Spec, DiagnosticDescriptor? Problem, EquatableArray<string> Arguments, WeightsResource? Resource = null)
{
    public DiagnosticInfo ToDiagnosticInfo(LocationInfo? location) => new(Problem!, location, Arguments);
}

/// <summary>
/// A compiled-in file as the generated code reads it: the manifest resource LstmGen.targets embeds it as, how to parse it,
/// its size, and whether its head has a bias (for the generated header). Values only: retraining a model changes the file's content but none of these, so it checks the file
/// again but prints nothing again (the compiler embeds the new bytes).
/// </summary>
/// <param name="File">The file's name as <c>Weights = "…"</c> and the project give it (<c>/</c>-separated).</param>
/// <param name="IsPyTorch">A torch.save file, read with LoadPyTorch; else safetensors.</param>
/// <param name="Length">The file's size in bytes.</param>
/// <param name="HeadBias">Whether the file's Linear head has a bias (<c>nn.Linear(…, bias=False)</c> has none); true without a head.</param>
internal sealed record WeightsResource(string File, bool IsPyTorch, int Length, bool HeadBias)
{
    /// <summary>What LstmGen.targets puts before a file's name to name its resource. The name's folders stay <c>/</c>, not
    /// <c>.</c> as in the SDK's own resource names, so that distinct names stay distinct (<c>a.b/c</c> and <c>a/b.c</c>).</summary>
    public const string Prefix = "LstmGen.Weights/";

    /// <summary>The manifest resource's name, e.g. <c>LstmGen.Weights/models/seed.safetensors</c>.</summary>
    public string Name => Prefix + File;
}

/// <summary>What the emitter prints one model from: its spec and, for <c>Weights = "…"</c>, the file's resource; and the file name to print it to.</summary>
internal sealed record ModelSource(ModelSpec Spec, WeightsResource? Weights, string HintName);

/// <summary>Checks a model's <c>Weights</c> file at compile time.</summary>
internal static class EmbeddedWeights
{
    /// <summary>The largest file that can be compiled in (the compiler reads it as base64 text for the check on every build).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    private static readonly Dictionary<string, int> DTypeSizes = new()
    {
        ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["F64"] = 8,
    };

    /// <summary>The file <paramref name="spec"/> compiles in, or null when it names none or the project lacks it.</summary>
    public static WeightsFile? Find(ModelSpec spec, EquatableArray<WeightsFile> files) =>
        spec.WeightsFile is { } name ? files.FirstOrDefault(candidate => candidate.Name == WeightsFile.Normalize(name)) : null;

    public static WeightsCheck Resolve(ModelSpec spec, EquatableArray<WeightsFile> files)
    {
        if (spec.WeightsFile is not { } name)
            return new WeightsCheck(spec, null, EquatableArray<string>.Empty);

        WeightsFile? file = Find(spec, files);
        if (file is null)
        {
            // MSBuild splits item lists at ';', and the analyzer config that hands item metadata to generators ends a value
            // at '#' or ';': such a name never reaches the generator whole, whatever the project lists.
            string why = name.IndexOfAny(['#', ';']) >= 0
                ? "a weights file whose path holds '#' or ';' cannot be compiled in (the analyzer config that carries the name to the generator ends it there); rename the file"
                : $"the project has no <LstmGenWeights Include=\"{name}\" /> item (Weights names the item as written, relative to the project); " + (files.Count == 0
                    ? "it has none (the package adds the item type; a project that references LstmGen's projects instead imports runtime/build/LstmGen.targets)"
                    : $"its items are {KeyStructure.Listed(files.Select(item => $"\"{item.Name}\"").ToList())}");
            return new WeightsCheck(spec, DiagnosticDescriptors.WeightsFileNotFound, new EquatableArray<string>([spec.Name, name, why]));
        }
        byte[] bytes;
        try
        {
            bytes = file.ReadBytes();
        }
        catch (FormatException)
        {
            return Mismatch("its obj/ copy is not valid base64; rebuild to regenerate it");
        }
        string? problem = Check(bytes, file.Name, spec, out bool headBias);
        return problem is null
            ? new WeightsCheck(spec, null, EquatableArray<string>.Empty, new WeightsResource(file.Name, IsPyTorch(bytes), bytes.Length, headBias))
            : Mismatch(problem);

        WeightsCheck Mismatch(string problem) =>
            new(spec, DiagnosticDescriptors.WeightsFileMismatch, new EquatableArray<string>([spec.Name, name, problem]));
    }

    /// <summary>Null when the file <paramref name="fileName"/> holds exactly the model's tensors, else what is wrong;
    /// <paramref name="headBias"/>: whether its head has a bias (true without a head).</summary>
    private static string? Check(byte[] bytes, string fileName, ModelSpec spec, out bool headBias)
    {
        headBias = true;
        if (bytes.Length > MaxBytes)
            return $"it has {bytes.Length} bytes; at most {MaxBytes} can be compiled in (load larger files with LoadSafetensors or LoadPyTorch)";

        Dictionary<string, (string DType, long[] Shape)> tensors;
        try
        {
            TorchArchive.CheckFormat(fileName, TorchArchive.Sniff(bytes, bytes.Length), expected: null); // empty or text, as a load says
            tensors = IsPyTorch(bytes) ? ReadPyTorch(bytes, fileName, spec) : ReadHeader(bytes);
            // An nn.LSTMCell or nn.GRUCell reads as the one-layer module that computes the same, as the runtime reads it.
            Dictionary<string, string> aliases = KeyStructure.CellAliases(tensors.Keys);
            tensors = tensors.ToDictionary(pair => aliases.TryGetValue(pair.Key, out string? alias) ? alias : pair.Key, pair => pair.Value, StringComparer.Ordinal);
        }
        catch (FormatException error)
        {
            return error.Message;
        }
        catch (InvalidDataException error)
        {
            // The shared reader starts its messages with the file's name, which the diagnostic already gives.
            return error.Message.StartsWith(fileName + ": ", StringComparison.Ordinal) ? error.Message.Substring(fileName.Length + 2) : error.Message;
        }

        Cell cell = Cell.For(spec.Cell);
        int gates = cell.Gates;
        if (Structure(tensors, spec, cell) is { } structure)
            return structure;

        var expected = new List<(string Name, long[] Shape)>();
        int hOut = spec.HiddenOutputSize;
        for (int k = 0; k < spec.NumLayers; k++)
        {
            int inputs = k == 0 ? spec.InputSize : spec.FeatureSize;
            foreach (string direction in spec.Bidirectional ? new[] { "", "_reverse" } : new[] { "" })
            {
                expected.Add(($"{spec.Prefix}weight_ih_l{k}{direction}", [gates * spec.HiddenSize, inputs]));
                expected.Add(($"{spec.Prefix}weight_hh_l{k}{direction}", [gates * spec.HiddenSize, hOut]));
                if (spec.Bias)
                {
                    expected.Add(($"{spec.Prefix}bias_ih_l{k}{direction}", [gates * spec.HiddenSize]));
                    expected.Add(($"{spec.Prefix}bias_hh_l{k}{direction}", [gates * spec.HiddenSize]));
                }
                if (spec.ProjSize > 0)
                    expected.Add(($"{spec.Prefix}weight_hr_l{k}{direction}", [spec.ProjSize, spec.HiddenSize]));
            }
        }
        if (spec.HasHead)
        {
            expected.Add(($"{spec.FcPrefix}weight", [spec.OutputSize, spec.FeatureSize]));
            headBias = tensors.ContainsKey($"{spec.FcPrefix}bias"); // nn.Linear(…, bias=False) has none
            if (headBias)
                expected.Add(($"{spec.FcPrefix}bias", [spec.OutputSize]));
        }

        foreach (var (name, shape) in expected)
        {
            if (!tensors.TryGetValue(name, out var tensor))
                return $"tensor '{name}' is missing (expected shape {Format(shape)})";
            if (!tensor.Shape.SequenceEqual(shape))
            {
                string sizes = KeyStructure.FileSizes(tensors.ContainsKey, key => tensors[key].Shape, spec.Prefix, spec.FcPrefix + "weight",
                    spec.InputSize, spec.HiddenSize, spec.ProjSize, spec.OutputSize) is { } differ ? ": " + differ : "";
                return $"tensor '{name}' has shape {Format(tensor.Shape)} but the model expects {Format(shape)}{sizes}";
            }
            if (!DTypeSizes.ContainsKey(tensor.DType))
                return $"tensor '{name}' has dtype {tensor.DType}; supported: F32, F16, BF16, F64";
        }
        string? unexpected = tensors.Keys.FirstOrDefault(name => KeyStructure.IsRecurrentKey(name, spec.Prefix) && !expected.Any(e => e.Name == name));
        return unexpected is null ? null : unexpected.Substring(spec.Prefix.Length).StartsWith("bias_")
            ? $"tensor '{unexpected}' is a bias, but the model has none (Bias = false)"
            : unexpected.Contains("_reverse") ? $"tensor '{unexpected}' is a backward direction, but the model is unidirectional (Bidirectional = true?)"
            : $"tensor '{unexpected}' is a projection, but the model has none (ProjSize = …?)";
    }

    // What the file's keys say about the recurrent layer, against what the model declares: where it is, which cell, how
    // many layers and which options. Checked before any shape, whose mismatch these would explain.
    private static string? Structure(Dictionary<string, (string DType, long[] Shape)> tensors, ModelSpec spec, Cell cell)
    {
        string p = spec.Prefix, kind = cell.Name;
        string prefixOption = cell == Cell.Lstm ? "LstmPrefix" : "GruPrefix";
        if (!tensors.ContainsKey(p + "weight_ih_l0"))
        {
            string[] prefixes = KeyStructure.Modules(tensors.Keys);
            if (prefixes.Length == 0)
                return $"it holds no recurrent layer (no key ends in weight_ih_l0, nor in an nn.LSTMCell's or nn.GRUCell's weight_ih beside weight_hh; the model expects {p}weight_ih_l0, …)";
            // Modules of the model's cell (an encoder and a decoder): one is the model's, several are the user's to choose from.
            string[] sameCell = prefixes.Where(candidate => FileCell(tensors, candidate) == cell).ToArray();
            if (sameCell.Length > 1)
                return $"it holds {sameCell.Length} {kind}s, under the prefixes {KeyStructure.Listed(sameCell.Select(Quoted).ToList())}, none under {Quoted(p)}: declare the one to run, as {prefixOption} = {Quoted(sameCell[0])}";
            string prefix = sameCell.Length == 1 ? sameCell[0] : prefixes[0];
            string found = prefix + "weight_ih_l0";
            string head = HeadPrefix(tensors, spec) is { } headPrefix ? $", FcPrefix = {Quoted(headPrefix)}" : "";
            if (FileCell(tensors, prefix) is { } other && other != cell)
            {
                (string option, string otherDefault) = other == Cell.Lstm
                    ? ("LstmPrefix", LstmGenerator.Parser.DefaultLstmPrefix)
                    : ("GruPrefix", LstmGenerator.Parser.DefaultGruPrefix);
                string otherPrefix = prefix == otherDefault ? "" : $", {option} = {Quoted(prefix)}";
                return $"it holds an {other.Module} (keys {prefix}weight_ih_l0, …), not an {cell.Module}: declare [{other.Attribute}(…{otherPrefix})]";
            }
            return $"its {kind}'s keys start with {Quoted(prefix)} ({found}, …), not {Quoted(p)}: declare {prefixOption} = {Quoted(prefix)}{head}";
        }
        if (FileCell(tensors, p) is { } fileCell && fileCell != cell)
            return $"it holds an {fileCell.Module} ({p}weight_hh_l0 has {fileCell.Gates} gates' rows), not an {cell.Module}: declare [{fileCell.Attribute}(…)]";

        // Every option the keys disagree with, so that one build names all the model needs, in the runtime's words.
        bool Contains(string key) => tensors.ContainsKey(key);
        IReadOnlyList<long> Shape(string key) => tensors[key].Shape;
        List<KeyStructure.Mismatch> mismatches = KeyStructure.Options(Contains, Shape, p, lstm: cell == Cell.Lstm, spec.NumLayers, spec.Bidirectional,
            spec.ProjSize, spec.Bias, withArguments: false);
        // The head's shape follows from the options, so it is looked for once they agree: first under another prefix.
        if (mismatches.Count == 0 && HeadPrefix(tensors, spec) is { } elsewhere)
        {
            long[] head = tensors[elsewhere + "weight"].Shape;
            return KeyStructure.FollowingLinear(tensors.Keys, Shape, p, elsewhere, head[0]) is { } next
                ? KeyStructure.SeveralLayers(kind, spec.FeatureSize, Quoted(elsewhere), next, sized: true, underFcPrefix: false)
                : $"its Linear head is under {Quoted(elsewhere)} ({elsewhere}weight {Format(head)}), not {Quoted(spec.FcPrefix)}: declare FcPrefix = {Quoted(elsewhere)}";
        }
        if (mismatches.Count == 0 && KeyStructure.Head(Contains, Shape, spec.FcPrefix + "weight", spec.OutputSize) is { } headMismatch)
            mismatches.Add(headMismatch);
        // The head under FcPrefix, read in turn by another Linear (fc → out): its outputs are not the model's.
        if (mismatches.Count == 0 && spec.HasHead && KeyStructure.FollowingLinear(tensors.Keys, Shape, p, spec.FcPrefix, spec.OutputSize) is { } following)
            return KeyStructure.SeveralLayers(kind, spec.FeatureSize, Quoted(spec.FcPrefix), following, sized: true, underFcPrefix: true);
        return mismatches.Count == 0 ? null : string.Join("; ", mismatches.Select(mismatch => mismatch.ToString()));
    }

    // Where the model's head is when not under its FcPrefix: the prefix of the one Linear that reads the features, as a
    // load's advice finds it (KeyStructure.Heads), or null.
    private static string? HeadPrefix(Dictionary<string, (string DType, long[] Shape)> tensors, ModelSpec spec)
    {
        if (!spec.HasHead || tensors.ContainsKey(spec.FcPrefix + "weight"))
            return null;
        List<(string Prefix, long Outputs)> heads = KeyStructure.Heads(tensors.Keys, tensors.ContainsKey, key => tensors[key].Shape, spec.Prefix,
            spec.FeatureSize, LstmGenerator.Parser.DefaultFcPrefix);
        return heads.Count == 1 ? heads[0].Prefix : null;
    }

    // The cell the recurrent layer under the prefix is, from its shapes, or null when they say neither.
    private static Cell? FileCell(Dictionary<string, (string DType, long[] Shape)> tensors, string prefix) =>
        KeyStructure.IsLstm(tensors.ContainsKey, key => tensors[key].Shape, prefix) switch
        {
            true => Cell.Lstm,
            false => Cell.Gru,
            null => null,
        };

    private static string Quoted(string text) => "\"" + text + "\"";

    /// <summary>A torch.save file (a zip archive, or the legacy format before PyTorch 1.6), told apart from
    /// safetensors by content, as the runtime does.</summary>
    public static bool IsPyTorch(byte[] bytes) => TorchArchive.Sniff(bytes, bytes.Length) is WeightsFormat.TorchSave or WeightsFormat.TorchSaveLegacy;

    // The model's state_dict in a torch.save file, read by the runtime's own reader (compiled in from runtime/PyTorch).
    private static Dictionary<string, (string DType, long[] Shape)> ReadPyTorch(byte[] bytes, string name, ModelSpec spec)
    {
        TorchStateDict stateDict = TorchArchive.Read(new MemoryStream(bytes, writable: false), name, stateDictKey: null, spec.Prefix + TorchArchive.FirstRecurrentKey);
        var tensors = new Dictionary<string, (string, long[])>(StringComparer.Ordinal);
        foreach (TorchTensor tensor in stateDict.Tensors)
            tensors[tensor.Name] = (tensor.DType?.ToString() ?? tensor.StorageType.FullName, tensor.Shape.Select(dimension => (long)dimension).ToArray());
        return tensors;
    }

    // The tensor entries of a safetensors header, with their offsets checked against the data section.
    private static Dictionary<string, (string DType, long[] Shape)> ReadHeader(byte[] bytes)
    {
        if (bytes.Length < 8)
            throw new FormatException($"it has {bytes.Length} bytes, fewer than the 8-byte header length");
        ulong headerLength = BitConverter.ToUInt64(bytes, 0);
        if (!BitConverter.IsLittleEndian) headerLength = ReverseBytes(headerLength);
        if (headerLength > (ulong)(bytes.Length - 8))
            throw new FormatException($"its header length ({headerLength} bytes) runs past the end of the file ({bytes.Length} bytes)");
        long dataLength = bytes.Length - 8 - (long)headerLength;

        if (JsonReader.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength)) is not Dictionary<string, object?> header)
            throw new FormatException("its header is not a JSON object");

        var tensors = new Dictionary<string, (string, long[])>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> entry in header)
        {
            if (entry.Key == "__metadata__") continue;
            if (entry.Value is not Dictionary<string, object?> tensor ||
                !(tensor.TryGetValue("dtype", out object? dtype) && dtype is string dtypeName) ||
                !(tensor.TryGetValue("shape", out object? shapeValue) && shapeValue is List<object?> shapeList) ||
                !(tensor.TryGetValue("data_offsets", out object? offsetsValue) && offsetsValue is List<object?> { Count: 2 } offsets))
                throw new FormatException($"tensor '{entry.Key}' lacks a string dtype, a shape array or two data_offsets");

            long[] shape = shapeList.Select(dimension => ToCount(dimension, entry.Key)).ToArray();
            long begin = ToCount(offsets[0], entry.Key), end = ToCount(offsets[1], entry.Key);
            if (begin > end || end > dataLength)
                throw new FormatException($"tensor '{entry.Key}' has data_offsets [{begin}, {end}] outside the {dataLength}-byte data section");
            if (DTypeSizes.TryGetValue(dtypeName, out int size) && shape.Aggregate(1.0, (product, d) => product * d) * size != end - begin)
                throw new FormatException($"tensor '{entry.Key}' has {end - begin} bytes of data but dtype {dtypeName} and shape {Format(shape)} need {shape.Aggregate(1L, (product, d) => product * d) * size}");
            tensors[entry.Key] = (dtypeName, shape);
        }
        return tensors;
    }

    private static long ToCount(object? value, string tensor) =>
        value is double number && number >= 0 && number <= int.MaxValue && Math.Floor(number) == number
            ? (long)number
            : throw new FormatException($"tensor '{tensor}' has a shape or offset that is not a non-negative integer");

    private static ulong ReverseBytes(ulong value)
    {
        ulong result = 0;
        for (int i = 0; i < 8; i++, value >>= 8) result = (result << 8) | (value & 0xFF);
        return result;
    }

    private static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
