using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace LstmGen;

/// <summary>
/// The parameters of a one-layer LSTM with a Linear head, in PyTorch's layout and names:
/// <c>weight_ih_l0</c> (4H × I), <c>weight_hh_l0</c> (4H × H), <c>bias_ih_l0</c> (4H), <c>bias_hh_l0</c> (4H),
/// <c>fc.weight</c> (O × H) and <c>fc.bias</c> (O), gate rows in PyTorch's order i, f, g, o.
/// </summary>
public sealed class LstmWeights
{
    /// <summary>The default key prefix of the LSTM's parameters (a module attribute named <c>lstm</c>).</summary>
    public const string DefaultLstmPrefix = "lstm.";

    /// <summary>The default key prefix of the Linear head's parameters (a module attribute named <c>fc</c>).</summary>
    public const string DefaultFcPrefix = "fc.";

    private const int Gates = 4;

    /// <summary>Wraps the six parameter tensors, checking that their shapes agree.</summary>
    /// <exception cref="ArgumentException">A shape is not what the others imply.</exception>
    public LstmWeights(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh, Tensor fcWeight, Tensor fcBias)
    {
        ArgumentNullException.ThrowIfNull(weightIh);
        ArgumentNullException.ThrowIfNull(weightHh);
        ArgumentNullException.ThrowIfNull(biasIh);
        ArgumentNullException.ThrowIfNull(biasHh);
        ArgumentNullException.ThrowIfNull(fcWeight);
        ArgumentNullException.ThrowIfNull(fcBias);

        if (weightHh.Rank != 2 || weightHh.Shape[1] < 1 || weightHh.Shape[0] != Gates * weightHh.Shape[1])
            throw new ArgumentException($"weight_hh must have shape [4·H, H] with H ≥ 1; got {weightHh.ShapeString}.", nameof(weightHh));
        int hidden = weightHh.Shape[1];
        if (weightIh.Rank != 2 || weightIh.Shape[0] != Gates * hidden || weightIh.Shape[1] < 1)
            throw new ArgumentException($"weight_ih must have shape [{Gates * hidden}, I] with I ≥ 1; got {weightIh.ShapeString}.", nameof(weightIh));
        if (fcWeight.Rank != 2 || fcWeight.Shape[1] != hidden || fcWeight.Shape[0] < 1)
            throw new ArgumentException($"fc.weight must have shape [O, {hidden}] with O ≥ 1; got {fcWeight.ShapeString}.", nameof(fcWeight));
        RequireShape(biasIh, [Gates * hidden], nameof(biasIh));
        RequireShape(biasHh, [Gates * hidden], nameof(biasHh));
        RequireShape(fcBias, [fcWeight.Shape[0]], nameof(fcBias));

        (WeightIh, WeightHh, BiasIh, BiasHh, FcWeight, FcBias) = (weightIh, weightHh, biasIh, biasHh, fcWeight, fcBias);
        (InputSize, HiddenSize, OutputSize) = (weightIh.Shape[1], hidden, fcWeight.Shape[0]);
    }

    /// <summary>Features per time step (I).</summary>
    public int InputSize { get; }

    /// <summary>Hidden units (H).</summary>
    public int HiddenSize { get; }

    /// <summary>Outputs of the Linear head (O).</summary>
    public int OutputSize { get; }

    /// <summary>Input-to-gates weights, shape [4H, I].</summary>
    public Tensor WeightIh { get; }

    /// <summary>Hidden-to-gates weights, shape [4H, H].</summary>
    public Tensor WeightHh { get; }

    /// <summary>Input-side gate bias, shape [4H].</summary>
    public Tensor BiasIh { get; }

    /// <summary>Hidden-side gate bias, shape [4H].</summary>
    public Tensor BiasHh { get; }

    /// <summary>Linear head weights, shape [O, H].</summary>
    public Tensor FcWeight { get; }

    /// <summary>Linear head bias, shape [O].</summary>
    public Tensor FcBias { get; }

    /// <summary>
    /// Draws every parameter from U(−1/√H, 1/√H), PyTorch's default for <c>nn.LSTM</c> (and, since its fan-in
    /// is H, for the <c>nn.Linear</c> head), from a generator seeded with <paramref name="seed"/>.
    /// The values are deterministic for a seed but are not those <c>torch.manual_seed</c> gives.
    /// </summary>
    public static LstmWeights CreateRandom(int inputSize, int hiddenSize, int outputSize, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);

        var random = new SeededRandom(seed);
        float bound = 1f / MathF.Sqrt(hiddenSize);
        Tensor Uniform(params int[] shape)
        {
            var tensor = new Tensor(shape);
            foreach (ref float value in tensor.AsSpan())
                value = random.NextUniform(-bound, bound);
            return tensor;
        }

        return new LstmWeights(
            Uniform(Gates * hiddenSize, inputSize), Uniform(Gates * hiddenSize, hiddenSize),
            Uniform(Gates * hiddenSize), Uniform(Gates * hiddenSize),
            Uniform(outputSize, hiddenSize), Uniform(outputSize));
    }

    /// <summary>Reads the weights of a model of the given sizes from a safetensors file.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, or a tensor is missing, has another shape
    /// or an unsupported dtype, or the file holds more LSTM layers than one.</exception>
    public static LstmWeights LoadSafetensors(string path, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix) =>
        FromSafetensors(SafetensorsFile.Load(path), inputSize, hiddenSize, outputSize, lstmPrefix, fcPrefix);

    /// <inheritdoc cref="LoadSafetensors(string, int, int, int, string, string)"/>
    public static LstmWeights LoadSafetensors(Stream stream, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix) =>
        FromSafetensors(SafetensorsFile.Load(stream), inputSize, hiddenSize, outputSize, lstmPrefix, fcPrefix);

    /// <summary>Takes the weights of a model of the given sizes from a parsed safetensors file.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, has another shape or an unsupported dtype,
    /// or the file holds more LSTM layers than one.</exception>
    public static LstmWeights FromSafetensors(SafetensorsFile file, int inputSize, int hiddenSize, int outputSize,
        string lstmPrefix = DefaultLstmPrefix, string fcPrefix = DefaultFcPrefix)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(lstmPrefix);
        ArgumentNullException.ThrowIfNull(fcPrefix);

        var expected = new (string Name, int[] Shape)[]
        {
            (lstmPrefix + "weight_ih_l0", [Gates * hiddenSize, inputSize]),
            (lstmPrefix + "weight_hh_l0", [Gates * hiddenSize, hiddenSize]),
            (lstmPrefix + "bias_ih_l0", [Gates * hiddenSize]),
            (lstmPrefix + "bias_hh_l0", [Gates * hiddenSize]),
            (fcPrefix + "weight", [outputSize, hiddenSize]),
            (fcPrefix + "bias", [outputSize]),
        };
        RejectUnexpectedLstmTensors(file, lstmPrefix, expected.Select(e => e.Name));

        var tensors = new Tensor[expected.Length];
        for (int n = 0; n < expected.Length; n++)
        {
            var (name, shape) = expected[n];
            if (!file.Contains(name))
            {
                throw new InvalidDataException(
                    $"{file.SourceName}: missing tensor '{name}' (expected shape {FormatShape(shape)}). The file has: {string.Join(", ", file.TensorNames)}.");
            }
            int[] actual = file.GetInfo(name).Shape.ToArray();
            if (!actual.AsSpan().SequenceEqual(shape))
            {
                throw new InvalidDataException(
                    $"{file.SourceName}: tensor '{name}' has shape {FormatShape(actual)} but a model with InputSize {inputSize}, " +
                    $"HiddenSize {hiddenSize}, OutputSize {outputSize} expects {FormatShape(shape)}.");
            }
            tensors[n] = file.ReadTensor(name);
        }
        return new LstmWeights(tensors[0], tensors[1], tensors[2], tensors[3], tensors[4], tensors[5]);
    }

    // A PyTorch LSTM parameter under the prefix that the model does not have: a second layer,
    // a reverse direction, projections (proj_size). Loading would silently drop it, so refuse.
    private static void RejectUnexpectedLstmTensors(SafetensorsFile file, string lstmPrefix, IEnumerable<string> expectedNames)
    {
        var expected = new HashSet<string>(expectedNames, StringComparer.Ordinal);
        var unexpected = file.TensorNames
            .Where(name => name.StartsWith(lstmPrefix, StringComparison.Ordinal) && !expected.Contains(name))
            .Where(name => name.AsSpan(lstmPrefix.Length) is var rest && (rest.StartsWith("weight_") || rest.StartsWith("bias_")))
            .ToList();
        if (unexpected.Count == 0) return;

        int layers = 1 + file.TensorNames
            .Where(name => name.StartsWith(lstmPrefix + "weight_ih_l", StringComparison.Ordinal))
            .Select(name => int.TryParse(name.AsSpan(lstmPrefix.Length + "weight_ih_l".Length), out int k) ? k : 0)
            .DefaultIfEmpty(0)
            .Max();
        string what = layers > 1
            ? $"the file holds a {layers}-layer LSTM but the model has 1 layer"
            : "the file's LSTM has parameters this one-layer, unidirectional model does not (bidirectional or proj_size?)";
        throw new InvalidDataException($"{file.SourceName}: unexpected tensor '{unexpected[0]}': {what}.");
    }

    private static void RequireShape(Tensor tensor, int[] shape, string parameterName)
    {
        if (!tensor.Shape.SequenceEqual(shape))
            throw new ArgumentException($"{parameterName} must have shape {FormatShape(shape)}; got {tensor.ShapeString}.", parameterName);
    }

    private static string FormatShape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
