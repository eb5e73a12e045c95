using System;
using System.ComponentModel;

namespace LstmGen.Kernels;

/// <summary>Argument checks shared by every generated model, with messages that name expected and actual sizes.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ModelGuard
{
    /// <summary>Throws unless a span holds exactly <paramref name="expected"/> floats.</summary>
    /// <exception cref="ArgumentException"/>
    public static void RequireLength(int actual, int expected, string parameterName, string description)
    {
        if (actual != expected)
            throw new ArgumentException($"{parameterName} must hold {description} = {expected} floats; got {actual}.", parameterName);
    }

    /// <summary>Throws unless the spans hold <paramref name="batchSize"/> sequences and outputs.</summary>
    /// <exception cref="ArgumentException"/>
    public static void RequireBatch(int batchSize, int inputLength, int outputLength, int sequenceLength, int outputSize)
    {
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must not be negative.");
        long expectedInput = (long)batchSize * sequenceLength;
        if (inputLength != expectedInput)
        {
            throw new ArgumentException(
                $"input must hold batchSize × SeqLen × InputSize = {batchSize} × {sequenceLength} = {expectedInput} floats; got {inputLength}.", "input");
        }
        long expectedOutput = (long)batchSize * outputSize;
        if (outputLength != expectedOutput)
        {
            throw new ArgumentException(
                $"output must hold batchSize × OutputSize = {batchSize} × {outputSize} = {expectedOutput} floats; got {outputLength}.", "output");
        }
    }

    /// <summary>Throws unless <paramref name="input"/> has shape [batch, seqLen, inputSize]; returns the batch size.</summary>
    /// <exception cref="ArgumentException"/>
    public static int RequireSequenceBatch(Tensor input, int seqLen, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 3 || input.Shape[1] != seqLen || input.Shape[2] != inputSize)
        {
            throw new ArgumentException(
                $"input must have shape [batch, {seqLen}, {inputSize}] ([batch, SeqLen, InputSize]); got {input.ShapeString}.", nameof(input));
        }
        return input.Shape[0];
    }

    /// <summary>The exception for a forward pass before any weights were set.</summary>
    public static InvalidOperationException NoWeights(object model) =>
        new($"{model.GetType().Name} has no weights yet: call InitializeWeights(seed), LoadSafetensors(path) or LoadWeights(weights) first.");
}
