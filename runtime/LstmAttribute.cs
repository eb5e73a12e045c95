using System;

namespace LstmGen;

/// <summary>
/// Generates, into the annotated <c>partial</c> class, a forward pass specialized for the given sizes:
/// PyTorch's <c>nn.LSTM(inputSize, hiddenSize, num_layers=NumLayers, batch_first=BatchFirst)</c> followed by
/// <c>nn.Linear(D · H_out, outputSize)</c> on what <see cref="RecurrentModelAttribute.Readout"/> selects (the last time step by
/// default; D = 2 when bidirectional, H_out the hidden state's size), or no head with <c>outputSize: 0</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LstmAttribute : RecurrentModelAttribute
{
    /// <summary>Declares the sizes of the model.</summary>
    /// <param name="inputSize">Features per time step (PyTorch <c>input_size</c>).</param>
    /// <param name="hiddenSize">Hidden units per layer (PyTorch <c>hidden_size</c>).</param>
    /// <param name="outputSize">Outputs of the Linear head (<c>out_features</c>); 0: no head.</param>
    /// <param name="seqLen">The sequence length the model is tuned for; every <c>Forward</c> accepts any length.</param>
    public LstmAttribute(int inputSize, int hiddenSize, int outputSize, int seqLen)
        : base(inputSize, hiddenSize, outputSize, seqLen)
    {
    }

    /// <summary>
    /// The key prefix of the LSTM's parameters in the state_dict: the name of the <c>nn.LSTM</c>
    /// attribute in the PyTorch module, followed by a dot. Default <c>"lstm."</c>.
    /// </summary>
    public string LstmPrefix { get; set; } = LstmWeights.DefaultLstmPrefix;

    /// <summary>
    /// PyTorch's <c>proj_size</c>: h_t = W_hr (o ⊙ tanh(c_t)) has this many values (keys <c>weight_hr_l{k}</c>), c
    /// keeps HiddenSize; 1 ≤ ProjSize &lt; HiddenSize, as PyTorch requires (else error LSTMGEN015). Default 0: no
    /// projection. <c>nn.LSTM</c> only: <c>[Gru]</c> with ProjSize is error LSTMGEN016.
    /// </summary>
    public int ProjSize { get; set; }
}
