using System.Collections.Generic;
using System.IO;

namespace LstmGen;

/// <summary>
/// The parameters of PyTorch's <c>nn.GRU</c> (any <c>num_layers</c>) and its <c>nn.Linear</c> head, in PyTorch's
/// layout and names: per layer k, <c>weight_ih_l{k}</c> (3H × in), <c>weight_hh_l{k}</c> (3H × H), <c>bias_ih_l{k}</c>
/// and <c>bias_hh_l{k}</c> (3H), gate rows in the order r, z, n; then <c>fc.weight</c> (O × H) and <c>fc.bias</c> (O).
/// </summary>
public sealed class GruWeights : RecurrentWeights
{
    /// <summary>The default key prefix of the GRU's parameters (a module attribute named <c>gru</c>).</summary>
    public const string DefaultGruPrefix = "gru.";

    private const int Gates = 3;
    private const string Kind = "GRU";

    /// <summary>A one-layer GRU's four tensors and the head, checked for consistent shapes.</summary>
    /// <exception cref="System.ArgumentException">A shape is not what the others imply.</exception>
    public GruWeights(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh, Tensor fcWeight, Tensor fcBias)
        : this([new RecurrentLayer(weightIh, weightHh, biasIh, biasHh)], fcWeight, fcBias)
    {
    }

    /// <summary>Stacked layers (bottom first) and the head, checked for consistent shapes.</summary>
    /// <exception cref="System.ArgumentException">A shape is not what the others imply.</exception>
    public GruWeights(IReadOnlyList<RecurrentLayer> layers, Tensor fcWeight, Tensor fcBias)
        : base(Gates, Kind, layers, fcWeight, fcBias)
    {
    }

    private GruWeights((RecurrentLayer[] Layers, Tensor FcWeight, Tensor FcBias) parts)
        : this(parts.Layers, parts.FcWeight, parts.FcBias)
    {
    }

    /// <summary>
    /// Draws every parameter from U(−1/√H, 1/√H), PyTorch's default for <c>nn.GRU</c> (and, since its fan-in
    /// is H, for the <c>nn.Linear</c> head), from a generator seeded with <paramref name="seed"/>.
    /// The values are deterministic for a seed but are not those <c>torch.manual_seed</c> gives.
    /// </summary>
    public static GruWeights CreateRandom(int inputSize, int hiddenSize, int outputSize, int seed, int numLayers = 1) =>
        new(CreateRandom(Gates, inputSize, hiddenSize, outputSize, numLayers, seed));

    /// <summary>Reads the weights of a model of the given sizes from a safetensors file.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, or a tensor is missing, has another shape or an
    /// unsupported dtype, or the file holds another number of layers.</exception>
    public static GruWeights LoadSafetensors(string path, int inputSize, int hiddenSize, int outputSize,
        string gruPrefix = DefaultGruPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1) =>
        FromSafetensors(SafetensorsFile.Load(path), inputSize, hiddenSize, outputSize, gruPrefix, fcPrefix, numLayers);

    /// <inheritdoc cref="LoadSafetensors(string, int, int, int, string, string, int)"/>
    public static GruWeights LoadSafetensors(Stream stream, int inputSize, int hiddenSize, int outputSize,
        string gruPrefix = DefaultGruPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1) =>
        FromSafetensors(SafetensorsFile.Load(stream), inputSize, hiddenSize, outputSize, gruPrefix, fcPrefix, numLayers);

    /// <summary>Takes the weights of a model of the given sizes from a parsed safetensors file.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, has another shape or an unsupported dtype, or the
    /// file holds another number of layers.</exception>
    public static GruWeights FromSafetensors(SafetensorsFile file, int inputSize, int hiddenSize, int outputSize,
        string gruPrefix = DefaultGruPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1) =>
        new(Read(file, Gates, Kind, gruPrefix, fcPrefix, new ExpectedSizes(inputSize, hiddenSize, outputSize, numLayers)));

    /// <summary>Takes the weights from a parsed safetensors file, with every size read from the file's shapes.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or the shapes disagree.</exception>
    public static GruWeights FromSafetensors(SafetensorsFile file, string gruPrefix = DefaultGruPrefix, string fcPrefix = DefaultFcPrefix) =>
        new(Read(file, Gates, Kind, gruPrefix, fcPrefix, expected: null));

    /// <summary>Reads the weights of a model of the given sizes from a file written by PyTorch's <c>torch.save</c>: a
    /// <c>state_dict</c>, a checkpoint holding one, or a whole module (see <see cref="PyTorchFile"/>). In a checkpoint,
    /// <c>stateDictKey</c> names the entry holding the state_dict; without it, the one dict holding the model's keys is used.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, holds no state_dict or several that fit, or a tensor
    /// is missing, has another shape or an unsupported dtype, or the file holds another number of layers.</exception>
    public static GruWeights LoadPyTorch(string path, int inputSize, int hiddenSize, int outputSize,
        string gruPrefix = DefaultGruPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1, string? stateDictKey = null) =>
        FromPyTorch(PyTorchFile.Load(path, stateDictKey, FirstKey(gruPrefix)), inputSize, hiddenSize, outputSize, gruPrefix, fcPrefix, numLayers);

    /// <inheritdoc cref="LoadPyTorch(string, int, int, int, string, string, int, string?)"/>
    public static GruWeights LoadPyTorch(Stream stream, int inputSize, int hiddenSize, int outputSize,
        string gruPrefix = DefaultGruPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1, string? stateDictKey = null) =>
        FromPyTorch(PyTorchFile.Load(stream, null, stateDictKey, FirstKey(gruPrefix)), inputSize, hiddenSize, outputSize, gruPrefix, fcPrefix, numLayers);

    /// <summary>Takes the weights of a model of the given sizes from a parsed torch.save file.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, has another shape or an unsupported dtype, or the
    /// file holds another number of layers.</exception>
    public static GruWeights FromPyTorch(PyTorchFile file, int inputSize, int hiddenSize, int outputSize,
        string gruPrefix = DefaultGruPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1) =>
        new(Read(file, Gates, Kind, gruPrefix, fcPrefix, new ExpectedSizes(inputSize, hiddenSize, outputSize, numLayers)));

    /// <summary>Takes the weights from a parsed torch.save file, with every size read from the file's shapes.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or the shapes disagree.</exception>
    public static GruWeights FromPyTorch(PyTorchFile file, string gruPrefix = DefaultGruPrefix, string fcPrefix = DefaultFcPrefix) =>
        new(Read(file, Gates, Kind, gruPrefix, fcPrefix, expected: null));

    // What GruModel.Load reads: safetensors or torch.save, told apart by content.
    internal static GruWeights Load(string path, string gruPrefix, string fcPrefix) =>
        new(Read(OpenFile(path, FirstKey(gruPrefix)), Gates, Kind, gruPrefix, fcPrefix, expected: null));

    internal static GruWeights Load(Stream stream, string gruPrefix, string fcPrefix) =>
        new(Read(OpenFile(stream, null, FirstKey(gruPrefix)), Gates, Kind, gruPrefix, fcPrefix, expected: null));
}
