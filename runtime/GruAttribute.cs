using System;
using System.ComponentModel;

namespace LstmGen;

/// <summary>
/// Generates, into the annotated <c>partial</c> class, a forward pass specialized for the given sizes:
/// PyTorch's <c>nn.GRU(inputSize, hiddenSize, num_layers=NumLayers, batch_first=BatchFirst)</c> followed by
/// <c>nn.Linear(D · H_out, outputSize)</c> on what <see cref="RecurrentModelAttribute.Readout"/> selects (the last time step by
/// default; D = 2 when bidirectional, H_out the hidden state's size), or no head with <c>outputSize: 0</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class GruAttribute : RecurrentModelAttribute
{
    /// <summary>Declares the sizes of the model.</summary>
    /// <param name="inputSize">Features per time step (PyTorch <c>input_size</c>).</param>
    /// <param name="hiddenSize">Hidden units per layer (PyTorch <c>hidden_size</c>).</param>
    /// <param name="outputSize">Outputs of the Linear head (<c>out_features</c>); 0: no head.</param>
    /// <param name="seqLen">The sequence length the model is tuned for; every <c>Forward</c> accepts any length.</param>
    public GruAttribute(int inputSize, int hiddenSize, int outputSize, int seqLen)
        : base(inputSize, hiddenSize, outputSize, seqLen)
    {
    }

    /// <summary>
    /// The key prefix of the GRU's parameters in the state_dict: the name of the <c>nn.GRU</c>
    /// attribute in the PyTorch module, followed by a dot. Default <c>"gru."</c>.
    /// </summary>
    public string GruPrefix { get; set; } = GruWeights.DefaultGruPrefix;

    /// <summary>
    /// Not supported: PyTorch's <c>nn.GRU</c> has no <c>proj_size</c> (only <c>nn.LSTM</c> projects h), so setting
    /// <c>ProjSize</c> on <c>[Gru]</c>, to any value, is error LSTMGEN016 and the class is not generated. Remove it; a
    /// projected model is an <c>nn.LSTM(..., proj_size=P)</c>: declare it with <see cref="LstmAttribute.ProjSize"/>.
    /// </summary>
    /// <remarks>
    /// The property exists so that a declaration ported from <c>[Lstm]</c> gets that error, which says what to do,
    /// rather than the compiler's "no such member"; it is hidden from completion because no value is valid.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int ProjSize { get; set; }
}
