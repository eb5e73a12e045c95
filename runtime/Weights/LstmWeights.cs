using System.Collections.Generic;
using System.IO;

namespace LstmGen;

/// <summary>
/// The parameters of PyTorch's <c>nn.LSTM</c> (any <c>num_layers</c>) and its <c>nn.Linear</c> head, in PyTorch's
/// layout and names: per layer k, <c>weight_ih_l{k}</c> (4H × in), <c>weight_hh_l{k}</c> (4H × H), <c>bias_ih_l{k}</c>
/// and <c>bias_hh_l{k}</c> (4H), gate rows in the order i, f, g, o; then <c>fc.weight</c> (O × H) and <c>fc.bias</c> (O).
/// </summary>
public sealed class LstmWeights : RecurrentWeights
{
    /// <summary>The default key prefix of the LSTM's parameters (a module attribute named <c>lstm</c>).</summary>
    public const string DefaultLstmPrefix = "lstm.";

    private const int Gates = 4;
    private const string Kind = "LSTM";

    /// <summary>A one-layer LSTM's four tensors and the head, checked for consistent shapes.</summary>
    /// <exception cref="System.ArgumentException">A shape is not what the others imply.</exception>
    public LstmWeights(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh, Tensor fcWeight, Tensor fcBias)
        : this([new RecurrentLayer(weightIh, weightHh, biasIh, biasHh)], fcWeight, fcBias)
    {
    }

    /// <summary>Stacked layers (bottom first) and the head, checked for consistent shapes.</summary>
    /// <exception cref="System.ArgumentException">A shape is not what the others imply.</exception>
    public LstmWeights(IReadOnlyList<RecurrentLayer> layers, Tensor fcWeight, Tensor fcBias)
        : base(Gates, Kind, layers, fcWeight, fcBias)
    {
    }

    private LstmWeights((RecurrentLayer[] Layers, Tensor FcWeight, Tensor FcBias) parts)
        : this(parts.Layers, parts.FcWeight, parts.FcBias)
    {
    }

    /// <summary>
    /// Draws every parameter from U(−1/√H, 1/√H), PyTorch's default for <c>nn.LSTM</c> (and, since its fan-in
    /// is H, for the <c>nn.Linear</c> head), from a generator seeded with <paramref name="seed"/>.
    /// The values are deterministic for a seed but are not those <c>torch.manual_seed</c> gives.
    /// </summary>
    public static LstmWeights CreateRandom(int inputSize, int hiddenSize, int outputSize, int seed, int numLayers = 1) =>
        new(CreateRandom(Gates, inputSize, hiddenSize, outputSize, numLayers, seed));

    /// <summary>Reads the weights of a model of the given sizes from a safetensors file.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, or a tensor is missing, has another shape or an
    /// unsupported dtype, or the file holds another number of layers.</exception>
    public static LstmWeights LoadSafetensors(string path, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1) =>
        FromSafetensors(SafetensorsFile.Load(path), inputSize, hiddenSize, outputSize, lstmPrefix, fcPrefix, numLayers);

    /// <inheritdoc cref="LoadSafetensors(string, int, int, int, string, string, int)"/>
    public static LstmWeights LoadSafetensors(Stream stream, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1) =>
        FromSafetensors(SafetensorsFile.Load(stream), inputSize, hiddenSize, outputSize, lstmPrefix, fcPrefix, numLayers);

    /// <summary>Takes the weights of a model of the given sizes from a parsed safetensors file.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, has another shape or an unsupported dtype, or the
    /// file holds another number of layers.</exception>
    public static LstmWeights FromSafetensors(SafetensorsFile file, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1) =>
        new(Read(file, Gates, Kind, lstmPrefix, fcPrefix, new ExpectedSizes(inputSize, hiddenSize, outputSize, numLayers)));

    /// <summary>Takes the weights from a parsed safetensors file, with every size read from the file's shapes.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or the shapes disagree.</exception>
    public static LstmWeights FromSafetensors(SafetensorsFile file, string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix) =>
        new(Read(file, Gates, Kind, lstmPrefix, fcPrefix, expected: null));

    /// <summary>Reads the weights of a model of the given sizes from a file written by PyTorch's <c>torch.save</c>: a
    /// <c>state_dict</c>, a checkpoint holding one, or a whole module (see <see cref="PyTorchFile"/>). In a checkpoint,
    /// <c>stateDictKey</c> names the entry holding the state_dict; without it, the one dict holding the model's keys is used.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, holds no state_dict or several that fit, or a tensor
    /// is missing, has another shape or an unsupported dtype, or the file holds another number of layers.</exception>
    public static LstmWeights LoadPyTorch(string path, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1, string? stateDictKey = null) =>
        FromPyTorch(PyTorchFile.Load(path, stateDictKey, FirstKey(lstmPrefix)), inputSize, hiddenSize, outputSize, lstmPrefix, fcPrefix, numLayers);

    /// <inheritdoc cref="LoadPyTorch(string, int, int, int, string, string, int, string?)"/>
    public static LstmWeights LoadPyTorch(Stream stream, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1, string? stateDictKey = null) =>
        FromPyTorch(PyTorchFile.Load(stream, null, stateDictKey, FirstKey(lstmPrefix)), inputSize, hiddenSize, outputSize, lstmPrefix, fcPrefix, numLayers);

    /// <summary>Takes the weights of a model of the given sizes from a parsed torch.save file.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, has another shape or an unsupported dtype, or the
    /// file holds another number of layers.</exception>
    public static LstmWeights FromPyTorch(PyTorchFile file, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1) =>
        new(Read(file, Gates, Kind, lstmPrefix, fcPrefix, new ExpectedSizes(inputSize, hiddenSize, outputSize, numLayers)));

    /// <summary>Takes the weights from a parsed torch.save file, with every size read from the file's shapes.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or the shapes disagree.</exception>
    public static LstmWeights FromPyTorch(PyTorchFile file, string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix) =>
        new(Read(file, Gates, Kind, lstmPrefix, fcPrefix, expected: null));

    // What LstmModel.Load reads: safetensors or torch.save, told apart by content.
    internal static LstmWeights Load(string path, string lstmPrefix, string fcPrefix) =>
        new(Read(OpenFile(path, FirstKey(lstmPrefix)), Gates, Kind, lstmPrefix, fcPrefix, expected: null));

    internal static LstmWeights Load(Stream stream, string lstmPrefix, string fcPrefix) =>
        new(Read(OpenFile(stream, null, FirstKey(lstmPrefix)), Gates, Kind, lstmPrefix, fcPrefix, expected: null));
}
