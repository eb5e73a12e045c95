using System.Collections.Generic;
using System.IO;

namespace LstmGen;

/// <summary>
/// The parameters of PyTorch's <c>nn.LSTM</c> (any <c>num_layers</c>, <c>bidirectional</c>, <c>proj_size</c> and
/// <c>bias</c>) and its optional <c>nn.Linear</c> head, in PyTorch's layout and names: per layer k and direction
/// (suffix <c>_reverse</c> for the backward one), <c>weight_ih_l{k}</c> (4H × in), <c>weight_hh_l{k}</c> (4H × H_out),
/// <c>bias_ih_l{k}</c> and <c>bias_hh_l{k}</c> (4H, absent with <c>bias=False</c>), <c>weight_hr_l{k}</c> (P × H, with
/// <c>proj_size</c> P only), gate rows in the order i, f, g, o; then <c>fc.weight</c> (O × D·H_out) and <c>fc.bias</c>
/// (O), absent without a head.
/// </summary>
public sealed class LstmWeights : RecurrentWeights
{
    /// <summary>The default key prefix of the LSTM's parameters (a module attribute named <c>lstm</c>).</summary>
    public const string DefaultLstmPrefix = "lstm.";

    private const int Gates = 4;
    private const string Kind = "LSTM";

    /// <summary>A one-layer LSTM's four tensors (biases null with <c>bias=False</c>) and the head (both null: none),
    /// checked for consistent shapes.</summary>
    /// <exception cref="System.ArgumentException">A shape is not what the others imply.</exception>
    public LstmWeights(Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, Tensor? fcWeight, Tensor? fcBias)
        : this([new RecurrentLayer(weightIh, weightHh, biasIh, biasHh)], fcWeight, fcBias)
    {
    }

    /// <summary>Stacked layers (bottom first) and the head (both null: none), checked for consistent shapes.</summary>
    /// <exception cref="System.ArgumentException">A shape is not what the others imply.</exception>
    public LstmWeights(IReadOnlyList<RecurrentLayer> layers, Tensor? fcWeight, Tensor? fcBias)
        : this(layers, reverseLayers: null, fcWeight, fcBias)
    {
    }

    /// <summary>Stacked layers of the forward direction and, for a bidirectional LSTM, of the backward one (null:
    /// unidirectional), each bottom first, and the head (both null: none), checked for consistent shapes.</summary>
    /// <exception cref="System.ArgumentException">A shape is not what the others imply.</exception>
    public LstmWeights(IReadOnlyList<RecurrentLayer> layers, IReadOnlyList<RecurrentLayer>? reverseLayers, Tensor? fcWeight, Tensor? fcBias)
        : base(Gates, Kind, layers, reverseLayers, fcWeight, fcBias)
    {
    }

    private LstmWeights(Parts parts)
        : this(parts.Layers, parts.ReverseLayers, parts.FcWeight, parts.FcBias)
    {
    }

    /// <summary>
    /// Draws every parameter from U(−1/√H, 1/√H), PyTorch's default for <c>nn.LSTM</c>, and the head's from
    /// U(−1/√F, 1/√F) with F = D·H_out (<c>nn.Linear</c>'s), from a generator seeded with <paramref name="seed"/>.
    /// <paramref name="outputSize"/> 0 gives no head. The values are deterministic for a seed but are not those
    /// <c>torch.manual_seed</c> gives.
    /// </summary>
    /// <exception cref="System.ArgumentOutOfRangeException">A size is out of range (proj_size must be below hiddenSize).</exception>
    public static LstmWeights CreateRandom(int inputSize, int hiddenSize, int outputSize, int seed, int numLayers = 1,
        bool bias = true, bool bidirectional = false, int projSize = 0) =>
        new(CreateRandom(Gates, inputSize, hiddenSize, outputSize, numLayers, seed, bias, bidirectional, projSize));

    /// <summary>Reads the weights of a model of the given sizes and options from a safetensors file
    /// (<paramref name="outputSize"/> 0: no head expected).</summary>
    /// <exception cref="InvalidDataException">The file is malformed, or a tensor is missing, has another shape or an
    /// unsupported dtype, or the file holds another number of layers, or its keys say bidirectional, projected,
    /// bias-free or headless when the model is not, or the other way round (the message names the key).</exception>
    public static LstmWeights LoadSafetensors(string path, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1,
        bool bias = true, bool bidirectional = false, int projSize = 0) =>
        FromSafetensors(SafetensorsFile.Load(path), inputSize, hiddenSize, outputSize, lstmPrefix, fcPrefix, numLayers, bias, bidirectional, projSize);

    /// <inheritdoc cref="LoadSafetensors(string, int, int, int, string, string, int, bool, bool, int)"/>
    public static LstmWeights LoadSafetensors(Stream stream, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1,
        bool bias = true, bool bidirectional = false, int projSize = 0) =>
        FromSafetensors(SafetensorsFile.Load(stream), inputSize, hiddenSize, outputSize, lstmPrefix, fcPrefix, numLayers, bias, bidirectional, projSize);

    /// <summary>Takes the weights of a model of the given sizes and options from a parsed safetensors file.</summary>
    /// <exception cref="InvalidDataException">As <see cref="LoadSafetensors(string, int, int, int, string, string, int, bool, bool, int)"/>.</exception>
    public static LstmWeights FromSafetensors(SafetensorsFile file, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1,
        bool bias = true, bool bidirectional = false, int projSize = 0) =>
        new(Read(file, Gates, Kind, lstmPrefix, fcPrefix, new ExpectedSizes(inputSize, hiddenSize, outputSize, numLayers, bias, bidirectional, projSize)));

    /// <summary>Takes the weights from a parsed safetensors file, with every size and option read from the file's keys
    /// and shapes; no <c>{fcPrefix}weight</c> key (or <paramref name="fcPrefix"/> null) means no head, but a head the
    /// file has elsewhere, a head of several layers and a <c>{fcPrefix}weight</c> that reads other values than the
    /// features are refused (the message names the <paramref name="fcPrefix"/> that loads the file).</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or the shapes disagree.</exception>
    public static LstmWeights FromSafetensors(SafetensorsFile file, string lstmPrefix = DefaultLstmPrefix, string? fcPrefix = DefaultFcPrefix) =>
        new(Read(file, Gates, Kind, lstmPrefix, fcPrefix, expected: null));

    /// <summary>Reads the weights of a model of the given sizes and options from a file written by PyTorch's
    /// <c>torch.save</c>: a <c>state_dict</c>, a checkpoint holding one, or a whole module; or a TorchScript module from <c>torch.jit.save</c> (see <see cref="PyTorchFile"/>).
    /// In a checkpoint, <c>stateDictKey</c> names the entry holding the state_dict; without it, the one dict holding
    /// the model's keys is used.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, holds no state_dict or several that fit, or a tensor
    /// is missing, has another shape or an unsupported dtype, or the file holds another number of layers, or its keys
    /// say bidirectional, projected, bias-free or headless when the model is not, or the other way round.</exception>
    public static LstmWeights LoadPyTorch(string path, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1, string? stateDictKey = null,
        bool bias = true, bool bidirectional = false, int projSize = 0) =>
        FromPyTorch(PyTorchFile.Load(path, stateDictKey, FirstKey(lstmPrefix)), inputSize, hiddenSize, outputSize, lstmPrefix, fcPrefix, numLayers, bias, bidirectional, projSize);

    /// <inheritdoc cref="LoadPyTorch(string, int, int, int, string, string, int, string?, bool, bool, int)"/>
    public static LstmWeights LoadPyTorch(Stream stream, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1, string? stateDictKey = null,
        bool bias = true, bool bidirectional = false, int projSize = 0) =>
        FromPyTorch(PyTorchFile.Load(stream, null, stateDictKey, FirstKey(lstmPrefix)), inputSize, hiddenSize, outputSize, lstmPrefix, fcPrefix, numLayers, bias, bidirectional, projSize);

    /// <summary>Takes the weights of a model of the given sizes and options from a parsed torch.save file.</summary>
    /// <exception cref="InvalidDataException">As <see cref="LoadSafetensors(string, int, int, int, string, string, int, bool, bool, int)"/>.</exception>
    public static LstmWeights FromPyTorch(PyTorchFile file, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix, int numLayers = 1,
        bool bias = true, bool bidirectional = false, int projSize = 0) =>
        new(Read(file, Gates, Kind, lstmPrefix, fcPrefix, new ExpectedSizes(inputSize, hiddenSize, outputSize, numLayers, bias, bidirectional, projSize)));

    /// <summary>Takes the weights from a parsed torch.save file, with every size and option read from the file's keys
    /// and shapes; no <c>{fcPrefix}weight</c> key (or <paramref name="fcPrefix"/> null) means no head, but a head the
    /// file has elsewhere, a head of several layers and a <c>{fcPrefix}weight</c> that reads other values than the
    /// features are refused (the message names the <paramref name="fcPrefix"/> that loads the file).</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or the shapes disagree.</exception>
    public static LstmWeights FromPyTorch(PyTorchFile file, string lstmPrefix = DefaultLstmPrefix, string? fcPrefix = DefaultFcPrefix) =>
        new(Read(file, Gates, Kind, lstmPrefix, fcPrefix, expected: null));

    // What LstmModel.Load reads: safetensors or torch.save, told apart by content.
    internal static LstmWeights Load(string path, string lstmPrefix, string? fcPrefix, string? stateDictKey) =>
        new(Read(OpenFile(path, FirstKey(lstmPrefix), stateDictKey), Gates, Kind, lstmPrefix, fcPrefix, expected: null));

    internal static LstmWeights Load(Stream stream, string lstmPrefix, string? fcPrefix, string? stateDictKey) =>
        new(Read(OpenFile(stream, null, FirstKey(lstmPrefix), stateDictKey), Gates, Kind, lstmPrefix, fcPrefix, expected: null));
}
