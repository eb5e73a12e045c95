using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.PyTorch;

namespace LstmGen;

/// <summary>
/// The parameters of a stack of recurrent layers (<c>nn.LSTM</c> or <c>nn.GRU</c> with <c>num_layers</c> = L)
/// followed by an <c>nn.Linear</c> head, in PyTorch's layout. <see cref="LstmWeights"/> and
/// <see cref="GruWeights"/> are the two kinds.
/// </summary>
public abstract class RecurrentWeights
{
    /// <summary>The default key prefix of the Linear head's parameters (a module attribute named <c>fc</c>).</summary>
    public const string DefaultFcPrefix = "fc.";

    private protected RecurrentWeights(int gates, string kind, IReadOnlyList<RecurrentLayer> layers, Tensor fcWeight, Tensor fcBias)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(fcWeight);
        ArgumentNullException.ThrowIfNull(fcBias);
        if (layers.Count == 0)
            throw new ArgumentException($"An {kind} needs at least one layer.", nameof(layers));

        int hidden = layers[0].HiddenSize;
        for (int k = 0; k < layers.Count; k++)
        {
            RecurrentLayer layer = layers[k] ?? throw new ArgumentNullException(nameof(layers), $"Layer {k} is null.");
            if (layer.Gates != gates)
                throw new ArgumentException($"Layer {k} has {layer.Gates} gates (weight rows {layer.WeightHh.ShapeString}); an {kind} layer has {gates}.", nameof(layers));
            if (layer.HiddenSize != hidden)
                throw new ArgumentException($"Layer {k} has hidden size {layer.HiddenSize}; layer 0 has {hidden}.", nameof(layers));
            if (k > 0 && layer.InputSize != hidden)
                throw new ArgumentException($"Layer {k} reads the {hidden} hidden units of layer {k - 1}, so its weight_ih must be [{gates * hidden}, {hidden}]; got {layer.WeightIh.ShapeString}.", nameof(layers));
        }
        if (fcWeight.Rank != 2 || fcWeight.Shape[1] != hidden || fcWeight.Shape[0] < 1)
            throw new ArgumentException($"fc.weight must have shape [O, {hidden}] with O ≥ 1; got {fcWeight.ShapeString}.", nameof(fcWeight));
        if (fcBias.Rank != 1 || fcBias.Shape[0] != fcWeight.Shape[0])
            throw new ArgumentException($"fc.bias must have shape [{fcWeight.Shape[0]}]; got {fcBias.ShapeString}.", nameof(fcBias));

        Layers = layers.ToArray();
        (FcWeight, FcBias) = (fcWeight, fcBias);
        (InputSize, HiddenSize, OutputSize) = (layers[0].InputSize, hidden, fcWeight.Shape[0]);
    }

    /// <summary>The recurrent layers, bottom first.</summary>
    public IReadOnlyList<RecurrentLayer> Layers { get; }

    /// <summary>The number of stacked layers (PyTorch <c>num_layers</c>).</summary>
    public int NumLayers => Layers.Count;

    /// <summary>Features per time step (I).</summary>
    public int InputSize { get; }

    /// <summary>Hidden units per layer (H).</summary>
    public int HiddenSize { get; }

    /// <summary>Outputs of the Linear head (O).</summary>
    public int OutputSize { get; }

    /// <summary>Linear head weights, shape [O, H].</summary>
    public Tensor FcWeight { get; }

    /// <summary>Linear head bias, shape [O].</summary>
    public Tensor FcBias { get; }

    /// <summary>Input-to-gates weights of layer 0.</summary>
    public Tensor WeightIh => Layers[0].WeightIh;

    /// <summary>Hidden-to-gates weights of layer 0.</summary>
    public Tensor WeightHh => Layers[0].WeightHh;

    /// <summary>Input-side gate bias of layer 0.</summary>
    public Tensor BiasIh => Layers[0].BiasIh;

    /// <summary>Hidden-side gate bias of layer 0.</summary>
    public Tensor BiasHh => Layers[0].BiasHh;

    /// <summary>The sizes a generated model expects of a file.</summary>
    private protected readonly record struct ExpectedSizes(int InputSize, int HiddenSize, int OutputSize, int NumLayers);

    // Every parameter from U(−1/√H, 1/√H), PyTorch's default for nn.LSTM, nn.GRU and (fan-in H) the head.
    private protected static (RecurrentLayer[] Layers, Tensor FcWeight, Tensor FcBias) CreateRandom(
        int gates, int inputSize, int hiddenSize, int outputSize, int numLayers, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);

        var random = new SeededRandom(seed);
        float bound = 1f / MathF.Sqrt(hiddenSize);
        Tensor Uniform(params int[] shape)
        {
            var tensor = new Tensor(shape);
            foreach (ref float value in tensor.AsSpan())
                value = random.NextUniform(-bound, bound);
            return tensor;
        }

        var layers = new RecurrentLayer[numLayers];
        for (int k = 0; k < numLayers; k++)
        {
            int inputs = k == 0 ? inputSize : hiddenSize;
            layers[k] = new RecurrentLayer(
                Uniform(gates * hiddenSize, inputs), Uniform(gates * hiddenSize, hiddenSize),
                Uniform(gates * hiddenSize), Uniform(gates * hiddenSize));
        }
        return (layers, Uniform(outputSize, hiddenSize), Uniform(outputSize));
    }

    /// <summary>The key a model's state_dict always has: what picks it among the dicts of a checkpoint.</summary>
    private protected static string FirstKey(string prefix) => prefix + "weight_ih_l0";

    // Safetensors or torch.save, told apart by content, not by extension: a torch.save archive is a zip ("PK"), and the
    // pre-1.6 format starts with its magic number (PyTorchFile refuses it by name); anything else is safetensors.
    internal static ITensorFile OpenFile(string path, string? requiredKey)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.RandomAccess);
        return OpenFile(stream, path, requiredKey);
    }

    internal static ITensorFile OpenFile(Stream stream, string? sourceName, string? requiredKey)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream must be readable.", nameof(stream));
        string source = sourceName ?? "<stream>";
        Stream content = stream.CanSeek ? stream : PyTorchFile.CopyToMemory(stream, source);
        long start = content.Position;
        var head = new byte[TorchArchive.SniffLength];
        int length = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        content.Position = start;
        return TorchArchive.IsZip(head, length) || TorchArchive.IsLegacy(head, length)
            ? PyTorchFile.Load(content, source, stateDictKey: null, requiredKey)
            : SafetensorsFile.Load(content, source);
    }

    // Reads the layers and the head from a state_dict; with expected sizes every tensor must match them,
    // without, the sizes come from the file's own shapes.
    private protected static (RecurrentLayer[] Layers, Tensor FcWeight, Tensor FcBias) Read(
        ITensorFile file, int gates, string kind, string prefix, string fcPrefix, ExpectedSizes? expected)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(fcPrefix);

        int layersInFile = CountLayers(file, prefix);
        if (layersInFile == 0)
        {
            throw new InvalidDataException(
                $"{file.SourceName}: no {kind} found: missing tensor '{prefix}weight_ih_l0'. The file has: {Describe(file)}.");
        }
        if (expected is { } sizes && layersInFile != sizes.NumLayers)
        {
            throw new InvalidDataException(
                $"{file.SourceName}: the file holds a {layersInFile}-layer {kind} but the model has {sizes.NumLayers} layer{(sizes.NumLayers == 1 ? "" : "s")}.");
        }

        int hidden = expected?.HiddenSize ?? SizeOf(file, $"{prefix}weight_hh_l0", kind, dimension: 1, "hidden size");
        int inputs = expected?.InputSize ?? SizeOf(file, $"{prefix}weight_ih_l0", kind, dimension: 1, "input size");
        int outputs = expected?.OutputSize ?? SizeOf(file, $"{fcPrefix}weight", "Linear head", dimension: 0, "output size");
        string Sizes() => $"a model with InputSize {inputs}, HiddenSize {hidden}, OutputSize {outputs}, NumLayers {layersInFile}";

        var expectedNames = new HashSet<string>(StringComparer.Ordinal);
        Tensor Take(string name, params int[] shape)
        {
            expectedNames.Add(name);
            if (!file.Contains(name))
                throw new InvalidDataException($"{file.SourceName}: missing tensor '{name}' (expected shape {Tensor.FormatShape(shape)}). The file has: {Describe(file)}.");
            int[] actual = file.GetShape(name).ToArray();
            if (!actual.AsSpan().SequenceEqual(shape))
                throw new InvalidDataException($"{file.SourceName}: tensor '{name}' has shape {Tensor.FormatShape(actual)} but {Sizes()} expects {Tensor.FormatShape(shape)}.");
            return file.ReadTensor(name);
        }

        var layers = new RecurrentLayer[layersInFile];
        for (int k = 0; k < layersInFile; k++)
        {
            int layerInputs = k == 0 ? inputs : hidden;
            layers[k] = new RecurrentLayer(
                Take($"{prefix}weight_ih_l{k}", gates * hidden, layerInputs),
                Take($"{prefix}weight_hh_l{k}", gates * hidden, hidden),
                Take($"{prefix}bias_ih_l{k}", gates * hidden),
                Take($"{prefix}bias_hh_l{k}", gates * hidden));
        }

        // A parameter under the prefix that the model does not have (a reverse direction, projections) would
        // be silently dropped: refuse it.
        string? unexpected = file.TensorNames.FirstOrDefault(name =>
            name.StartsWith(prefix, StringComparison.Ordinal) && !expectedNames.Contains(name) &&
            (name.AsSpan(prefix.Length).StartsWith("weight_") || name.AsSpan(prefix.Length).StartsWith("bias_")));
        if (unexpected is not null)
        {
            throw new InvalidDataException(
                $"{file.SourceName}: unexpected tensor '{unexpected}': the file's {kind} has parameters this unidirectional model does not (bidirectional or proj_size?).");
        }

        return (layers, Take($"{fcPrefix}weight", outputs, hidden), Take($"{fcPrefix}bias", outputs));
    }

    // Layers present: weight_ih_l0, weight_ih_l1, … counted until the first gap.
    private static int CountLayers(ITensorFile file, string prefix)
    {
        int count = 0;
        while (file.Contains($"{prefix}weight_ih_l{count}")) count++;
        return count;
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

    private static string Describe(ITensorFile file) =>
        file.TensorNames.Count <= 20 ? string.Join(", ", file.TensorNames) : string.Join(", ", file.TensorNames.Take(20)) + $" and {file.TensorNames.Count - 20} more";
}
