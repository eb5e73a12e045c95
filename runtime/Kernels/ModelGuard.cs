using System;
using System.ComponentModel;

namespace LstmGen.Kernels;

/// <summary>Argument checks shared by every generated model, with messages that name expected and actual sizes.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ModelGuard
{
    /// <summary>Throws unless a span holds exactly <paramref name="expected"/> floats.</summary>
    /// <exception cref="ArgumentException"/>
    /// <remarks><paramref name="expected"/> is a <see cref="long"/>: a product of a caller's sizes that passes
    /// <see cref="int.MaxValue"/> fits no span and is refused, rather than wrapping around to a length that fits.</remarks>
    public static void RequireLength(int actual, long expected, string parameterName, string description)
    {
        if (actual != expected)
            throw new ArgumentException($"{parameterName} must hold {description} = {expected} floats; got {actual}.", parameterName);
    }

    /// <summary>Throws if <paramref name="output"/> shares memory with <paramref name="input"/>, which the kernel reads while it writes.</summary>
    /// <exception cref="ArgumentException"/>
    public static void RequireDisjoint(ReadOnlySpan<float> input, ReadOnlySpan<float> output)
    {
        if (output.Overlaps(input))
            throw Overlap(nameof(output), nameof(input));
    }

    /// <summary>Throws if any two of a call's spans share memory: the kernel reads one while it writes another.</summary>
    /// <exception cref="ArgumentException"/>
    public static void RequireDisjoint(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> h, ReadOnlySpan<float> c)
    {
        RequireDisjoint(input, output);
        if (h.Overlaps(input) || h.Overlaps(output))
            throw Overlap(nameof(h), h.Overlaps(input) ? nameof(input) : nameof(output));
        if (c.Overlaps(input) || c.Overlaps(output) || c.Overlaps(h))
            throw Overlap(nameof(c), c.Overlaps(input) ? nameof(input) : c.Overlaps(output) ? nameof(output) : nameof(h));
    }

    private static ArgumentException Overlap(string parameterName, string other) =>
        new($"{parameterName} must not overlap {other}: a call reads its input and initial states while it writes its outputs and final states.", parameterName);

    /// <summary>
    /// Returns the steps T of <paramref name="batchSize"/> sequences in an input of <paramref name="inputLength"/> floats,
    /// [batchSize, T, inputSize] row-major (time-major unless <paramref name="batchFirst"/>: [T, batchSize, inputSize]),
    /// after checking that such a T ≥ 1 exists (an empty batch: empty input, T 0).
    /// </summary>
    /// <exception cref="ArgumentException"/>
    public static int RequireSteps(int inputLength, int batchSize, int inputSize, bool batchFirst)
    {
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must not be negative.");
        if (batchSize == 0)
        {
            RequireLength(inputLength, 0, "input", "an empty batch");
            return 0;
        }
        long perStep = (long)batchSize * inputSize;
        if (inputLength == 0 || inputLength % perStep != 0)
        {
            throw new ArgumentException(
                $"input must hold {(batchSize == 1 ? "T" : batchFirst ? "batch × T" : "T × batch")} × InputSize floats for some T ≥ 1, a positive multiple of {batchSize} × {inputSize} = {perStep}; got {inputLength}.", "input");
        }
        return (int)(inputLength / perStep);
    }

    /// <summary>Throws unless every sequence length is between 1 and <paramref name="steps"/>, the padded length.</summary>
    /// <exception cref="ArgumentException"/>
    public static void RequireLengths(ReadOnlySpan<int> lengths, int steps)
    {
        for (int b = 0; b < lengths.Length; b++)
        {
            if (lengths[b] < 1 || lengths[b] > steps)
                throw new ArgumentException($"lengths[{b}] must be between 1 and the padded length T = {steps}; got {lengths[b]}.", nameof(lengths));
        }
    }

    /// <summary>Returns (batch, T) of an input of shape [batch, T, <paramref name="inputSize"/>] (time-major unless
    /// <paramref name="batchFirst"/>: [T, batch, <paramref name="inputSize"/>]) with T ≥ 1.</summary>
    /// <exception cref="ArgumentException"/>
    public static (int BatchSize, int Steps) RequireSequenceBatch(Tensor input, int inputSize, bool batchFirst)
    {
        ArgumentNullException.ThrowIfNull(input);
        (int batchAxis, int stepAxis) = batchFirst ? (0, 1) : (1, 0);
        if (input.Rank != 3 || input.Shape[stepAxis] < 1 || input.Shape[2] != inputSize)
        {
            string shape = batchFirst ? "batch, T" : "T, batch";
            throw new ArgumentException(
                $"input must have shape [{shape}, {inputSize}] ([{shape}, InputSize], T ≥ 1); got {input.ShapeString}.", nameof(input));
        }
        return (input.Shape[batchAxis], input.Shape[stepAxis]);
    }

    /// <summary>Returns (batch, T) of a padded batch in a tensor [batch, T, <paramref name="inputSize"/>] (or time-major),
    /// after checking that there is one length per sequence (the lengths themselves are checked by the span overload
    /// it calls).</summary>
    /// <exception cref="ArgumentException"/>
    public static (int BatchSize, int Steps) RequirePaddedBatch(Tensor input, int inputSize, bool batchFirst, int lengthCount)
    {
        (int batchSize, int steps) = RequireSequenceBatch(input, inputSize, batchFirst);
        if (lengthCount != batchSize)
            throw new ArgumentException($"lengths must hold one length per sequence of input {input.ShapeString}: {batchSize}; got {lengthCount}.", "lengths");
        return (batchSize, steps);
    }

    /// <summary>
    /// Copies of <paramref name="h0"/> and <paramref name="c0"/> (null for a GRU), after checking them against PyTorch's
    /// layouts for a batch of <paramref name="batchSize"/>: h [NumLayers · D, batch, H_out], c [NumLayers · D, batch,
    /// HiddenSize]. A forward pass turns the copies into h_n and c_n, leaving the caller's tensors as they were.
    /// </summary>
    /// <exception cref="ArgumentNullException"/>
    /// <exception cref="ArgumentException"/>
    public static (Tensor H, Tensor? C) CopyStates(Tensor h0, Tensor? c0, bool gru, int numLayers, bool bidirectional, int batchSize, int hiddenSize, int projSize)
    {
        int rows = (bidirectional ? 2 : 1) * numLayers;
        string layers = bidirectional ? "NumLayers · 2" : "NumLayers";
        RequireState(h0, nameof(h0), rows, batchSize, projSize > 0 ? projSize : hiddenSize, $"{layers}, batch, {(projSize > 0 ? "ProjSize" : "HiddenSize")}");
        if (gru)
            return (new Tensor(h0.ToArray(), h0.Shape), null);
        RequireState(c0!, nameof(c0), rows, batchSize, hiddenSize, $"{layers}, batch, HiddenSize");
        return (new Tensor(h0.ToArray(), h0.Shape), new Tensor(c0!.ToArray(), c0.Shape));
    }

    private static void RequireState(Tensor state, string parameterName, int rows, int batchSize, int width, string layout)
    {
        ArgumentNullException.ThrowIfNull(state, parameterName);
        if (state.Rank != 3 || state.Shape[0] != rows || state.Shape[1] != batchSize || state.Shape[2] != width)
            throw new ArgumentException($"{parameterName} must have shape [{rows}, {batchSize}, {width}] ([{layout}]); got {state.ShapeString}.", parameterName);
    }

    /// <summary>
    /// Throws unless this runtime lays out weights and state as the calling generated code reads them: code generated
    /// by LstmGen <paramref name="generatorVersion"/> for layout <paramref name="layoutVersion"/>. Called when a
    /// unidirectional model (its streaming state) or one with compiled-in weights is constructed, and whenever weights are
    /// packed; never on the forward path.
    /// </summary>
    /// <exception cref="InvalidOperationException">The runtime packs another layout version.</exception>
    public static void RequireLayout(int layoutVersion, string generatorVersion)
    {
        if (layoutVersion != PackedLayout.Version)
        {
            throw new InvalidOperationException(
                $"This model was generated by LstmGen {generatorVersion} for packed layout version {layoutVersion}, but the LstmGen runtime it runs with " +
                $"({typeof(ModelGuard).Assembly.GetName().Version}) packs layout version {PackedLayout.Version}. Rebuild the model's project against the " +
                "LstmGen package version the application references.");
        }
    }

    /// <summary>Returns <paramref name="packed"/> after checking it holds the <paramref name="expectedLength"/> floats the generated code reads.</summary>
    /// <exception cref="InvalidOperationException">The runtime packed another length.</exception>
    public static PackedWeights RequirePackedLength(PackedWeights packed, int expectedLength)
    {
        ArgumentNullException.ThrowIfNull(packed);
        if (packed.Length != expectedLength)
        {
            throw new InvalidOperationException(
                $"The LstmGen runtime packed {packed.Length} floats of weights, but the generated model reads {expectedLength}: the model's code and the " +
                "runtime come from different LstmGen versions. Rebuild the model's project against the LstmGen package version the application references.");
        }
        return packed;
    }

    /// <summary>The exception for a forward pass before any weights were set.</summary>
    public static InvalidOperationException NoWeights(object model) =>
        new($"{model.GetType().Name} has no weights yet: call InitializeWeights(seed), LoadPyTorch(path), LoadSafetensors(path) or LoadWeights(weights) first.");
}
