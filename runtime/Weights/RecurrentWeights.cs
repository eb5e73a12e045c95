using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.PyTorch;

namespace LstmGen;

/// <summary>
/// The parameters of a stack of recurrent layers (<c>nn.LSTM</c> or <c>nn.GRU</c> with <c>num_layers</c> = L, optionally
/// bidirectional, bias-free or, for an LSTM, projected) followed by an optional <c>nn.Linear</c> head, in PyTorch's
/// layout. <see cref="LstmWeights"/> and <see cref="GruWeights"/> are the two kinds.
/// </summary>
public abstract class RecurrentWeights
{
    /// <summary>The default key prefix of the Linear head's parameters (a module attribute named <c>fc</c>).</summary>
    public const string DefaultFcPrefix = "fc.";

    private protected RecurrentWeights(int gates, string kind, IReadOnlyList<RecurrentLayer> layers, IReadOnlyList<RecurrentLayer>? reverseLayers,
        Tensor? fcWeight, Tensor? fcBias)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
            throw new ArgumentException($"An {kind} needs at least one layer.", nameof(layers));
        if (fcWeight is null && fcBias is not null)
            throw new ArgumentException("fc.bias was given without fc.weight: a head needs its weight (a head without bias, nn.Linear(..., bias=False), passes a null fcBias).", nameof(fcBias));
        if (reverseLayers is not null && reverseLayers.Count != layers.Count)
            throw new ArgumentException($"A bidirectional {kind} has a reverse layer per layer: {layers.Count}; got {reverseLayers.Count}.", nameof(reverseLayers));

        RecurrentLayer first = layers[0] ?? throw new ArgumentNullException(nameof(layers), "Layer 0 is null.");
        int directions = reverseLayers is null ? 1 : 2;
        int features = directions * first.HiddenOutputSize;
        for (int direction = 0; direction < directions; direction++)
        {
            IReadOnlyList<RecurrentLayer> stack = direction == 0 ? layers : reverseLayers!;
            string name = direction == 0 ? nameof(layers) : nameof(reverseLayers);
            string suffix = direction == 0 ? "" : " (reverse)";
            for (int k = 0; k < stack.Count; k++)
            {
                RecurrentLayer layer = stack[k] ?? throw new ArgumentNullException(name, $"Layer {k}{suffix} is null.");
                if (layer.Gates != gates)
                    throw new ArgumentException($"Layer {k}{suffix} has {layer.Gates} gates (weight rows {layer.WeightHh.ShapeString}); an {kind} layer has {gates}.", name);
                if (layer.HiddenSize != first.HiddenSize || layer.ProjSize != first.ProjSize)
                    throw new ArgumentException($"Layer {k}{suffix} has hidden size {layer.HiddenSize} and proj_size {layer.ProjSize}; layer 0 has {first.HiddenSize} and {first.ProjSize}.", name);
                if (layer.HasBias != first.HasBias)
                    throw new ArgumentException($"Layer {k}{suffix} {(layer.HasBias ? "has" : "has no")} biases; layer 0 {(first.HasBias ? "has" : "has none")}.", name);
                int inputs = k == 0 ? first.InputSize : features;
                if (layer.InputSize != inputs)
                {
                    throw new ArgumentException(k == 0
                        ? $"Layer 0{suffix} reads {layer.InputSize} inputs; layer 0 reads {inputs}."
                        : $"Layer {k}{suffix} reads the {features} outputs of layer {k - 1} ({directions} × {first.HiddenOutputSize}), so its weight_ih must be [{layer.WeightIh.Shape[0]}, {features}]; got {layer.WeightIh.ShapeString}.", name);
                }
            }
        }
        if (fcWeight is not null && (fcWeight.Rank != 2 || fcWeight.Shape[1] != features || fcWeight.Shape[0] < 1))
            throw new ArgumentException($"fc.weight must have shape [O, {features}] with O ≥ 1; got {fcWeight.ShapeString}.", nameof(fcWeight));
        if (fcBias is not null && (fcBias.Rank != 1 || fcBias.Shape[0] != fcWeight!.Shape[0]))
            throw new ArgumentException($"fc.bias must have shape [{fcWeight!.Shape[0]}]; got {fcBias.ShapeString}.", nameof(fcBias));

        Layers = layers.ToArray();
        ReverseLayers = reverseLayers?.ToArray() ?? [];
        (FcWeight, FcBias) = (fcWeight, fcBias);
        (InputSize, HiddenSize, ProjSize, OutputSize) = (first.InputSize, first.HiddenSize, first.ProjSize, fcWeight?.Shape[0] ?? 0);
    }

    /// <summary>The recurrent layers (the forward direction), bottom first.</summary>
    public IReadOnlyList<RecurrentLayer> Layers { get; }

    /// <summary>The backward direction's layers (<c>..._reverse</c>), bottom first; empty when unidirectional.</summary>
    public IReadOnlyList<RecurrentLayer> ReverseLayers { get; }

    /// <summary>Whether the layers run in both directions (PyTorch <c>bidirectional=True</c>).</summary>
    public bool Bidirectional => ReverseLayers.Count > 0;

    /// <summary>Directions D: 2 when bidirectional, else 1.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>The number of stacked layers (PyTorch <c>num_layers</c>).</summary>
    public int NumLayers => Layers.Count;

    /// <summary>Features per time step (I).</summary>
    public int InputSize { get; }

    /// <summary>Hidden units per layer (H).</summary>
    public int HiddenSize { get; }

    /// <summary>PyTorch's <c>proj_size</c> (an LSTM's h has that many values); 0 without a projection.</summary>
    public int ProjSize { get; }

    /// <summary>H_out, the values of h per direction: <see cref="ProjSize"/> when projected, else <see cref="HiddenSize"/>.</summary>
    public int HiddenOutputSize => ProjSize > 0 ? ProjSize : HiddenSize;

    /// <summary>The last layer's outputs per step, what the head reads: D · H_out.</summary>
    public int FeatureSize => Directions * HiddenOutputSize;

    /// <summary>Whether the layers have biases (PyTorch <c>bias=True</c>).</summary>
    public bool HasBias => Layers[0].HasBias;

    /// <summary>Whether a Linear head follows the layers.</summary>
    public bool HasHead => FcWeight is not null;

    /// <summary>Outputs of the Linear head (O); 0 without a head.</summary>
    public int OutputSize { get; }

    /// <summary>Linear head weights, shape [O, D · H_out]; null without a head.</summary>
    public Tensor? FcWeight { get; }

    /// <summary>Linear head bias, shape [O]; null without a head, or for a head without one (<c>nn.Linear(…, bias=False)</c>).</summary>
    public Tensor? FcBias { get; }

    /// <summary>Input-to-gates weights of layer 0.</summary>
    public Tensor WeightIh => Layers[0].WeightIh;

    /// <summary>Hidden-to-gates weights of layer 0.</summary>
    public Tensor WeightHh => Layers[0].WeightHh;

    /// <summary>Input-side gate bias of layer 0; null with <c>bias=False</c>.</summary>
    public Tensor? BiasIh => Layers[0].BiasIh;

    /// <summary>Hidden-side gate bias of layer 0; null with <c>bias=False</c>.</summary>
    public Tensor? BiasHh => Layers[0].BiasHh;

    /// <summary>The layer of a direction (0: forward, 1: backward).</summary>
    public RecurrentLayer Layer(int layer, int direction) => direction == 0 ? Layers[layer] : ReverseLayers[layer];

    /// <summary>What a model expects of a file: the sizes and options its attribute names (OutputSize 0: no head).</summary>
    private protected readonly record struct ExpectedSizes(int InputSize, int HiddenSize, int OutputSize, int NumLayers,
        bool Bias = true, bool Bidirectional = false, int ProjSize = 0);

    /// <summary>What <see cref="Read"/> and <see cref="CreateRandom"/> give a constructor.</summary>
    private protected readonly record struct Parts(RecurrentLayer[] Layers, RecurrentLayer[]? ReverseLayers, Tensor? FcWeight, Tensor? FcBias);

    // Every parameter from U(−1/√H, 1/√H), PyTorch's default for nn.LSTM and nn.GRU, and the head's from
    // U(−1/√F, 1/√F) (nn.Linear's, fan-in F = D·H_out). Draws follow the state_dict's order.
    private protected static Parts CreateRandom(int gates, int inputSize, int hiddenSize, int outputSize, int numLayers, int seed,
        bool bias, bool bidirectional, int projSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(outputSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(projSize);
        if (projSize > 0 && (gates != 4 || projSize >= hiddenSize))
            throw new ArgumentOutOfRangeException(nameof(projSize), projSize, $"proj_size must be below hiddenSize ({hiddenSize}), and only an LSTM has one.");

        var random = new SeededRandom(seed);
        Tensor Uniform(float bound, params int[] shape)
        {
            var tensor = new Tensor(shape);
            foreach (ref float value in tensor.AsSpan())
                value = random.NextUniform(-bound, bound);
            return tensor;
        }

        float recurrentBound = 1f / MathF.Sqrt(hiddenSize);
        int hOut = projSize > 0 ? projSize : hiddenSize, directions = bidirectional ? 2 : 1;
        var layers = new RecurrentLayer[numLayers];
        var reverse = bidirectional ? new RecurrentLayer[numLayers] : null;
        for (int k = 0; k < numLayers; k++)
        {
            for (int direction = 0; direction < directions; direction++)
            {
                int inputs = k == 0 ? inputSize : directions * hOut;
                var layer = new RecurrentLayer(
                    Uniform(recurrentBound, gates * hiddenSize, inputs), Uniform(recurrentBound, gates * hiddenSize, hOut),
                    bias ? Uniform(recurrentBound, gates * hiddenSize) : null, bias ? Uniform(recurrentBound, gates * hiddenSize) : null,
                    projSize > 0 ? Uniform(recurrentBound, projSize, hiddenSize) : null);
                if (direction == 0) layers[k] = layer;
                else reverse![k] = layer;
            }
        }
        if (outputSize == 0) return new Parts(layers, reverse, null, null);
        float headBound = 1f / MathF.Sqrt(directions * hOut);
        return new Parts(layers, reverse, Uniform(headBound, outputSize, directions * hOut), Uniform(headBound, outputSize));
    }

    /// <summary>The key a model's state_dict always has: what picks it among the dicts of a checkpoint.</summary>
    internal static string FirstKey(string prefix) => prefix + TorchArchive.FirstRecurrentKey;

    // Safetensors or torch.save, told apart by content, not by extension (TorchArchive.Sniff): anything that is not a
    // torch.save file is read as safetensors, whose reader says what is wrong with it.
    internal static ITensorFile OpenFile(string path, string? requiredKey, string? stateDictKey = null)
    {
        using FileStream stream = WeightsPath.Open(path, bufferSize: 4096, FileOptions.RandomAccess);
        return OpenFile(stream, path, requiredKey, stateDictKey);
    }

    // stateDictKey names a torch.save checkpoint's entry (PyTorchFile.Load); a safetensors file holds one flat dict.
    internal static ITensorFile OpenFile(Stream stream, string? sourceName, string? requiredKey, string? stateDictKey = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream must be readable.", nameof(stream));
        string source = sourceName ?? "<stream>";
        Stream content = stream.CanSeek ? stream : PyTorchFile.CopyToMemory(stream, source);
        long start = content.Position;
        var head = new byte[TorchArchive.SniffLength];
        int length = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        content.Position = start;
        WeightsFormat format = TorchArchive.Sniff(head, length);
        TorchArchive.CheckFormat(source, format, expected: null);
        if (format is WeightsFormat.TorchSave or WeightsFormat.TorchSaveLegacy)
            return PyTorchFile.Load(content, source, stateDictKey, requiredKey);
        if (stateDictKey is not null)
            throw new InvalidDataException($"{source}: stateDictKey '{stateDictKey}' was given, but this is not a torch.save file (safetensors holds one flat dict of tensors).");
        return SafetensorsFile.Load(content, source);
    }

    // Reads the layers and the head from a state_dict, the one owner of its keys. With expected sizes the file must
    // have exactly the structure they name (directions, projection, biases, head) and every tensor their shape;
    // without, the structure and sizes come from the file (fcPrefix null: no head, whatever the file holds).
    private protected static Parts Read(ITensorFile file, int gates, string kind, string prefix, string? fcPrefix, ExpectedSizes? expected)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(prefix);
        if (expected is not null) ArgumentNullException.ThrowIfNull(fcPrefix);
        file = CellKeysFile.Of(file);
        try
        {
            return ReadParts(file, gates, kind, prefix, fcPrefix, expected);
        }
        catch (InvalidDataException error) when (Misfit(file, gates, kind, prefix, fcPrefix, expected) is { } misfit)
        {
            throw new InvalidDataException($"{file.SourceName}: {misfit}", error);
        }
    }

    private static Parts ReadParts(ITensorFile file, int gates, string kind, string prefix, string? fcPrefix, ExpectedSizes? expected)
    {
        int layersInFile = KeyStructure.Layers(file.Contains, prefix);
        if (layersInFile == 0)
        {
            throw new InvalidDataException(
                $"{file.SourceName}: no {kind} found: missing tensor '{prefix}weight_ih_l0'. The file has: {Describe(file)}.");
        }
        // The structure the keys say, then (for a sized model) against what the model was built for: the first
        // disagreement, which names the declaration (and the LstmWeights or GruWeights argument) that fits the file.
        string projectionKey = $"{prefix}weight_hr_l0";
        string? headKey = fcPrefix is null ? null : $"{fcPrefix}weight";
        bool bidirectional = file.Contains($"{prefix}weight_ih_l0_reverse"), projected = file.Contains(projectionKey), bias = file.Contains($"{prefix}bias_ih_l0");
        bool head = headKey is not null && file.Contains(headKey);
        if (expected is { } wanted)
        {
            IReadOnlyList<long> Shape(string key) => LongShape(file, key);
            KeyStructure.Mismatch? mismatch = KeyStructure.Options(file.Contains, Shape, prefix, lstm: gates == 4, wanted.NumLayers, wanted.Bidirectional,
                wanted.ProjSize, wanted.Bias, withArguments: true) is [var first, ..] ? first : KeyStructure.Head(file.Contains, Shape, headKey!, wanted.OutputSize);
            if (mismatch is { } found)
            {
                if (found.Key == headKey && !found.InFile)
                    RefuseHeadElsewhere(file, kind, prefix, fcPrefix!, (wanted.Bidirectional ? 2 : 1) * (wanted.ProjSize > 0 ? wanted.ProjSize : wanted.HiddenSize), sized: true);
                throw Structure(file, found);
            }
        }
        else if (projected && gates != 4)
        {
            throw Structure(file, KeyStructure.GruProjection(prefix));
        }

        int hidden = expected?.HiddenSize ?? (projected
            ? SizeOf(file, projectionKey, kind, dimension: 1, "hidden size")
            : SizeOf(file, $"{prefix}weight_hh_l0", kind, dimension: 1, "hidden size"));
        int projection = expected?.ProjSize ?? (projected ? SizeOf(file, projectionKey, kind, dimension: 0, "proj_size") : 0);
        int inputs = expected?.InputSize ?? SizeOf(file, FirstKey(prefix), kind, dimension: 1, "input size");
        if (expected is null && file.GetShape(FirstKey(prefix))[0] != (long)gates * hidden)
        {
            // Sizes read from a wrong (e.g. transposed) weight_ih would make every later message name a wrong model.
            throw new InvalidDataException($"{file.SourceName}: tensor '{FirstKey(prefix)}' has shape {Tensor.FormatShape(file.GetShape(FirstKey(prefix)).ToArray())}; " +
                $"with hidden size {hidden} (from '{prefix}{(projected ? "weight_hr_l0" : "weight_hh_l0")}'), the {kind}'s weight_ih_l0 must be [{(long)gates * hidden}, input size].");
        }
        int outputs = expected?.OutputSize ?? (head ? SizeOf(file, headKey!, "Linear head", dimension: 0, "output size") : 0);
        int directions = bidirectional ? 2 : 1, hOut = projection > 0 ? projection : hidden, features = directions * hOut;
        if (expected is null && headKey is not null && !head)
            RefuseHeadElsewhere(file, kind, prefix, fcPrefix!, features, sized: false);
        if (head)
            RefuseOtherHead(file, kind, prefix, fcPrefix!, outputs, features, sized: expected is not null);
        string Sizes() =>
            $"a model with InputSize {inputs}, HiddenSize {hidden}, OutputSize {outputs}" + (layersInFile > 1 ? $", NumLayers {layersInFile}" : "") +
            (bidirectional ? ", bidirectional" : "") + (projection > 0 ? $", ProjSize {projection}" : "") + (bias ? "" : ", without biases");
        // A model of fixed sizes that are not the file's: the sizes that are.
        string FileSizes() => expected is not null && KeyStructure.FileSizes(file.Contains, key => LongShape(file, key), prefix, headKey!,
            inputs, hidden, projection, outputs) is { } sizes ? ": " + sizes : "";

        var expectedNames = new HashSet<string>(StringComparer.Ordinal);
        Tensor Take(string name, params int[] shape)
        {
            expectedNames.Add(name);
            if (!file.Contains(name))
                throw new InvalidDataException($"{file.SourceName}: missing tensor '{name}' (expected shape {Tensor.FormatShape(shape)}). The file has: {Describe(file)}.");
            int[] actual = file.GetShape(name).ToArray();
            if (!actual.AsSpan().SequenceEqual(shape))
                throw new InvalidDataException($"{file.SourceName}: tensor '{name}' has shape {Tensor.FormatShape(actual)} but {Sizes()} expects {Tensor.FormatShape(shape)}{FileSizes()}.");
            return file.ReadTensor(name);
        }

        var layers = new RecurrentLayer[layersInFile];
        var reverse = bidirectional ? new RecurrentLayer[layersInFile] : null;
        for (int k = 0; k < layersInFile; k++)
        {
            for (int direction = 0; direction < directions; direction++)
            {
                string suffix = direction == 0 ? $"l{k}" : $"l{k}_reverse";
                int rows = gates * hidden, layerInputs = k == 0 ? inputs : features;
                var layer = new RecurrentLayer(
                    Take($"{prefix}weight_ih_{suffix}", rows, layerInputs),
                    Take($"{prefix}weight_hh_{suffix}", rows, hOut),
                    bias ? Take($"{prefix}bias_ih_{suffix}", rows) : null,
                    bias ? Take($"{prefix}bias_hh_{suffix}", rows) : null,
                    projection > 0 ? Take($"{prefix}weight_hr_{suffix}", projection, hidden) : null);
                if (direction == 0) layers[k] = layer;
                else reverse![k] = layer;
            }
        }

        // A parameter under the prefix that the structure above does not read (a direction or projection of only some
        // layers, a bias of only some) would be silently dropped: refuse it.
        string? unexpected = file.TensorNames.FirstOrDefault(name => KeyStructure.IsRecurrentKey(name, prefix) && !expectedNames.Contains(name));
        if (unexpected is not null)
        {
            throw new InvalidDataException(
                $"{file.SourceName}: unexpected tensor '{unexpected}': {Sizes()} has no such parameter.");
        }

        return head
            ? new Parts(layers, reverse, Take($"{fcPrefix}weight", outputs, features), file.Contains($"{fcPrefix}bias") ? Take($"{fcPrefix}bias", outputs) : null)
            : new Parts(layers, reverse, null, null);
    }

    // A tensor's shape as KeyStructure, which the generator shares, takes it.
    internal static IReadOnlyList<long> LongShape(ITensorFile file, string key) => file.GetShape(key).Select(dimension => (long)dimension).ToArray();

    // A file whose keys disagree with the model's declaration: the key (or the layer count), then why; a missing key
    // with what the file has instead.
    private static InvalidDataException Structure(ITensorFile file, KeyStructure.Mismatch mismatch) => new(mismatch.InFile
        ? $"{file.SourceName}: {mismatch}."
        : $"{file.SourceName}: {mismatch}. The file has: {Describe(file)}.");

    // No head under fcPrefix, where a Linear elsewhere reads the features: the file has a head the caller has not named.
    // With sizes from the file (not sized) the model would output the features as if they were its outputs; a model of
    // fixed sizes that declares a head would be told to declare none. Refused with what loads the head (Misfit words a
    // single one under another prefix, with the other prefixes the file may need) or asks for the features.
    private static void RefuseHeadElsewhere(ITensorFile file, string kind, string prefix, string fcPrefix, int features, bool sized)
    {
        IReadOnlyList<long> Shape(string key) => LongShape(file, key);
        if (KeyStructure.Heads(file.TensorNames, file.Contains, Shape, prefix, features, fcPrefix) is not [var (headPrefix, outputs), ..] heads)
            return;
        string missing = $"{file.SourceName}: no tensor '{fcPrefix}weight'";
        string headless = sized ? "outputSize: 0 to output the features" : Headless;
        if (heads.Count > 1)
        {
            throw new InvalidDataException($"{missing}: {heads.Count} Linear layers read the {kind}'s {features} features, under " +
                $"{KeyStructure.Listed(heads.Select(h => ModelInfo.Literal(h.Prefix)).ToList())}: {(sized ? "declare the head's as FcPrefix" : "pass the head's as fcPrefix")}, or {headless}.");
        }
        if (KeyStructure.FollowingLinear(file.TensorNames, Shape, prefix, headPrefix, outputs) is { } next)
            throw new InvalidDataException($"{missing}: {KeyStructure.SeveralLayers(kind, features, ModelInfo.Literal(headPrefix), next, sized, underFcPrefix: false)}.");
        if (!sized)
            throw new InvalidDataException($"{missing}: the file's Linear head is under {ModelInfo.Literal(headPrefix)}: pass fcPrefix: {ModelInfo.Literal(headPrefix)}, or {headless}.");
    }

    // The Linear under fcPrefix, where it is not the model's head: with sizes from the file, one reading other values than
    // the features (their pooling over time, another module's output); and any that a further Linear reads (fc → out),
    // whose outputs are not the model's.
    private static void RefuseOtherHead(ITensorFile file, string kind, string prefix, string fcPrefix, int outputs, int features, bool sized)
    {
        string headKey = fcPrefix + "weight";
        IReadOnlyList<long> shape = LongShape(file, headKey);
        if (!sized && shape is [_, var reads] && reads != features)
        {
            throw new InvalidDataException($"{file.SourceName}: the Linear '{headKey}' [{string.Join(", ", shape)}] reads {reads} values, not the {kind}'s " +
                $"{features} features: where it reads something else (the features pooled over time, another module's output), pass {Headless}, and apply it yourself.");
        }
        if (KeyStructure.FollowingLinear(file.TensorNames, key => LongShape(file, key), prefix, fcPrefix, outputs) is { } next)
            throw new InvalidDataException($"{file.SourceName}: {KeyStructure.SeveralLayers(kind, features, ModelInfo.Literal(fcPrefix), next, sized, underFcPrefix: true)}.");
    }

    // The argument of a load with sizes from the file that asks for the features instead of a head.
    private const string Headless = "fcPrefix: null to output the features";

    // Why a file does not load, where ModelInfo's reading of it explains that better than the key that failed: its
    // recurrent module is the other cell, or it (or its head) is under another prefix than the model's. With the
    // declaration (a model of fixed sizes) or the arguments (sizes from the file) that load it; null otherwise.
    private static string? Misfit(ITensorFile file, int gates, string kind, string prefix, string? fcPrefix, ExpectedSizes? expected)
    {
        bool sized = expected is not null;
        RecurrentCell cell = gates == 4 ? RecurrentCell.Lstm : RecurrentCell.Gru;
        IReadOnlyList<long> Shape(string key) => LongShape(file, key);
        string? readPrefix = file.Contains(FirstKey(prefix)) ? prefix : null;
        if (readPrefix is null)
        {
            // Modules of the model's cell elsewhere (an encoder and a decoder): one is the model's, several are the
            // user's to choose from.
            string[] candidates = KeyStructure.Modules(file.TensorNames)
                .Where(candidate => KeyStructure.IsLstm(file.Contains, Shape, candidate) == (cell == RecurrentCell.Lstm)).ToArray();
            if (candidates.Length > 1)
            {
                return $"no tensor '{FirstKey(prefix)}': the file holds {candidates.Length} {kind}s, under the prefixes " +
                    $"{KeyStructure.Listed(candidates.Select(ModelInfo.Literal).ToList())}: {(sized ? "declare" : "pass")} the one to run, as " +
                    $"{Settings(cell, candidates[0], null, sized)}.";
            }
            readPrefix = candidates.Length == 1 ? candidates[0] : null;
        }
        if (ModelInfo.TryRead(file, readPrefix) is not { } info)
            return null;
        if (info.Cell != cell)
        {
            (string fileKind, int fileGates, string other) = info.Cell == RecurrentCell.Lstm ? ("an LSTM", 4, "a GRU") : ("a GRU", 3, "an LSTM");
            string defaultPrefix = info.Cell == RecurrentCell.Lstm ? LstmWeights.DefaultLstmPrefix : GruWeights.DefaultGruPrefix;
            string arguments = Settings(info.Cell, info.Prefix == defaultPrefix ? null : info.Prefix,
                info.FcPrefix == DefaultFcPrefix ? null : info.FcPrefix, sized: false);
            string load = sized
                ? $"declare it as {info}"
                : $"load it with {(info.Cell == RecurrentCell.Lstm ? "LstmModel" : "GruModel")}.Load{(arguments.Length == 0 ? "" : ", passing " + arguments)}";
            return $"the file holds {fileKind} at prefix {ModelInfo.Literal(info.Prefix)} ({fileGates}·H = {fileGates * info.HiddenSize} gate rows for " +
                $"hidden size {info.HiddenSize}), not {other}: {load}.";
        }
        string? recurrentPrefix = info.Prefix == prefix ? null : info.Prefix;
        bool wantsHead = fcPrefix is not null && expected is not { OutputSize: 0 };
        string? headPrefix = wantsHead && info.FcPrefix is { } found && found != fcPrefix && !file.Contains(fcPrefix + "weight") ? found : null;
        if (recurrentPrefix is null && headPrefix is null)
            return null;

        var where = new List<string>();
        if (recurrentPrefix is not null)
            where.Add($"the file's {kind} is under the prefix {ModelInfo.Literal(recurrentPrefix)}{(recurrentPrefix.Length == 0 ? $" (an nn.{kind} saved on its own)" : "")}");
        if (headPrefix is not null)
            where.Add($"{(recurrentPrefix is null ? "the file's Linear head is" : "its Linear head")} under {ModelInfo.Literal(headPrefix)}");
        string missing = recurrentPrefix is not null ? FirstKey(prefix) : fcPrefix + "weight";
        string features = !sized && recurrentPrefix is null ? ", or " + Headless : "";
        return $"no tensor '{missing}': {string.Join(" and ", where)}: {(sized ? "declare " : "pass ")}{Settings(cell, recurrentPrefix, headPrefix, sized)}{features}.";
    }

    // Prefixes (null: not given) as a declaration's named arguments, with LstmWeights' or GruWeights' arguments beside
    // (LstmPrefix = "rnn." (or pass lstmPrefix: "rnn." to LstmWeights)), or as Load's arguments alone (lstmPrefix: "rnn.").
    private static string Settings(RecurrentCell cell, string? recurrentPrefix, string? headPrefix, bool sized)
    {
        string name = cell == RecurrentCell.Lstm ? "Lstm" : "Gru";
        var declared = new List<string>();
        var arguments = new List<string>();
        if (recurrentPrefix is not null)
        {
            declared.Add($"{name}Prefix = {ModelInfo.Literal(recurrentPrefix)}");
            arguments.Add($"{name.ToLowerInvariant()}Prefix: {ModelInfo.Literal(recurrentPrefix)}");
        }
        if (headPrefix is not null)
        {
            declared.Add($"FcPrefix = {ModelInfo.Literal(headPrefix)}");
            arguments.Add($"fcPrefix: {ModelInfo.Literal(headPrefix)}");
        }
        return sized
            ? $"{string.Join(", ", declared)} (or pass {string.Join(", ", arguments)} to {name}Weights)"
            : string.Join(", ", arguments);
    }

    // A size read from a tensor's shape, for weights whose sizes the file decides.
    private static int SizeOf(ITensorFile file, string name, string what, int dimension, string size)
    {
        if (!file.Contains(name))
            throw new InvalidDataException($"{file.SourceName}: missing tensor '{name}' of the {what}. The file has: {Describe(file)}.");
        int[] shape = file.GetShape(name).ToArray();
        if (shape.Length != 2)
            throw new InvalidDataException($"{file.SourceName}: tensor '{name}' has shape {Tensor.FormatShape(shape)}; expected a matrix.");
        if (shape[dimension] < 1)
            throw new InvalidDataException($"{file.SourceName}: tensor '{name}' has shape {Tensor.FormatShape(shape)}, a {size} of {shape[dimension]}; it must be at least 1.");
        return shape[dimension];
    }

    private static string Describe(ITensorFile file) => file.TensorNames.Count switch
    {
        0 => "no tensors",
        <= 20 => string.Join(", ", file.TensorNames),
        _ => string.Join(", ", file.TensorNames.Take(20)) + $" and {file.TensorNames.Count - 20} more",
    };
}
