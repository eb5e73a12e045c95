using System;

namespace LstmGen;

/// <summary>
/// Generates, into the annotated <c>partial</c> class, an LSTM forward pass specialized for the given sizes:
/// PyTorch's <c>nn.LSTM(inputSize, hiddenSize, batch_first=True)</c> followed by
/// <c>nn.Linear(hiddenSize, outputSize)</c> on the last time step.
/// </summary>
/// <remarks>
/// Supported sizes: <c>inputSize</c> 1..<see cref="MaxInputSize"/>, <c>hiddenSize</c> 1..<see cref="MaxHiddenSize"/>,
/// <c>outputSize</c> 1..<see cref="MaxOutputSize"/>, <c>seqLen</c> 1..<see cref="MaxSeqLen"/>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LstmAttribute : Attribute
{
    /// <summary>The largest supported <c>inputSize</c>.</summary>
    public const int MaxInputSize = 4096;

    /// <summary>The largest supported <c>hiddenSize</c>.</summary>
    public const int MaxHiddenSize = 1024;

    /// <summary>The largest supported <c>outputSize</c>.</summary>
    public const int MaxOutputSize = 4096;

    /// <summary>The largest supported <c>seqLen</c>.</summary>
    public const int MaxSeqLen = 65536;

    /// <summary>Declares the sizes of the model.</summary>
    /// <param name="inputSize">Features per time step (PyTorch <c>input_size</c>).</param>
    /// <param name="hiddenSize">Hidden units of the LSTM (PyTorch <c>hidden_size</c>).</param>
    /// <param name="outputSize">Outputs of the Linear head (<c>out_features</c>).</param>
    /// <param name="seqLen">Time steps per sequence.</param>
    public LstmAttribute(int inputSize, int hiddenSize, int outputSize, int seqLen)
    {
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        OutputSize = outputSize;
        SeqLen = seqLen;
    }

    /// <summary>Features per time step.</summary>
    public int InputSize { get; }

    /// <summary>Hidden units of the LSTM.</summary>
    public int HiddenSize { get; }

    /// <summary>Outputs of the Linear head.</summary>
    public int OutputSize { get; }

    /// <summary>Time steps per sequence.</summary>
    public int SeqLen { get; }

    /// <summary>
    /// The key prefix of the LSTM's parameters in a safetensors file: the name of the <c>nn.LSTM</c>
    /// attribute in the PyTorch module, followed by a dot. Default <c>"lstm."</c>.
    /// </summary>
    public string LstmPrefix { get; set; } = LstmWeights.DefaultLstmPrefix;

    /// <summary>
    /// The key prefix of the Linear head's parameters in a safetensors file. Default <c>"fc."</c>.
    /// </summary>
    public string FcPrefix { get; set; } = LstmWeights.DefaultFcPrefix;
}
