using System;

namespace LstmGen;

/// <summary>
/// What <see cref="LstmAttribute"/> and <see cref="GruAttribute"/> share: the sizes of a recurrent model followed by
/// an optional <c>nn.Linear</c> head on what <see cref="Readout"/> selects, PyTorch's options, and the key prefix of the head's weights.
/// </summary>
/// <remarks>
/// Supported sizes: <c>inputSize</c> 1..<see cref="MaxInputSize"/>, <c>hiddenSize</c> 1..<see cref="MaxHiddenSize"/>,
/// <c>outputSize</c> 0..<see cref="MaxOutputSize"/> (0: no Linear head; the model outputs the features its
/// <see cref="Readout"/> reads), <c>seqLen</c> 1..<see cref="MaxSeqLen"/> (the length the model is tuned for: every
/// <c>Forward</c> accepts any length), <see cref="NumLayers"/> 1..<see cref="MaxNumLayers"/>.
/// </remarks>
// CS3015: no constructor of this base is accessible outside the assembly, by design (only LstmAttribute and GruAttribute
// derive from it); theirs are CLS-compliant.
#pragma warning disable CS3015
public abstract class RecurrentModelAttribute : Attribute
#pragma warning restore CS3015
{
    /// <summary>The largest supported <c>inputSize</c>.</summary>
    public const int MaxInputSize = 4096;

    /// <summary>The largest supported <c>hiddenSize</c>.</summary>
    public const int MaxHiddenSize = 1024;

    /// <summary>The largest supported <c>outputSize</c>.</summary>
    public const int MaxOutputSize = 4096;

    /// <summary>The largest supported <c>seqLen</c>.</summary>
    public const int MaxSeqLen = 65536;

    /// <summary>The largest supported <see cref="NumLayers"/>.</summary>
    public const int MaxNumLayers = 16;

    private protected RecurrentModelAttribute(int inputSize, int hiddenSize, int outputSize, int seqLen)
    {
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        OutputSize = outputSize;
        SeqLen = seqLen;
    }

    /// <summary>Features per time step (PyTorch <c>input_size</c>).</summary>
    public int InputSize { get; }

    /// <summary>Hidden units per layer (PyTorch <c>hidden_size</c>).</summary>
    public int HiddenSize { get; }

    /// <summary>Outputs of the Linear head (<c>out_features</c>); 0: no head.</summary>
    public int OutputSize { get; }

    /// <summary>The sequence length the model is tuned for; every <c>Forward</c> takes sequences of any length T ≥ 1.</summary>
    public int SeqLen { get; }

    /// <summary>Stacked recurrent layers (PyTorch <c>num_layers</c>); layer k &gt; 0 reads the hidden states of layer k − 1. Default 1.</summary>
    public int NumLayers { get; set; } = 1;

    /// <summary>
    /// Whether the recurrent layers have biases (PyTorch's <c>bias</c>; <c>bias=False</c> saves no <c>bias_ih</c> or
    /// <c>bias_hh</c> keys). Default true.
    /// </summary>
    public bool Bias { get; set; } = true;

    /// <summary>
    /// Whether every layer also runs the sequence backwards (PyTorch's <c>bidirectional=True</c>; the keys gain the
    /// <c>_reverse</c> direction, and layer k &gt; 0 reads both directions of the layer below, concatenated). A
    /// bidirectional model has no <c>Step</c>, <c>GetState</c>, <c>SetState</c> or <c>ResetState</c>: its backward
    /// direction starts from the sequence's end, so it cannot stream. Default false.
    /// </summary>
    public bool Bidirectional { get; set; }

    /// <summary>
    /// How a batch is laid out (PyTorch's <c>batch_first</c>): true (the default), input [batch, T, InputSize] and
    /// <see cref="Readout.EveryStep"/>'s output [batch, T, OutputSize], as <c>nn.LSTM(…, batch_first=True)</c>
    /// takes them; false, time-major [T, batch, InputSize] and [T, batch, OutputSize], as PyTorch's default
    /// <c>batch_first=False</c> does. One sequence ([T, InputSize]), the other readouts ([batch, OutputSize]) and the
    /// states h and c ([NumLayers · D, batch, …]) are laid out alike either way.
    /// </summary>
    public bool BatchFirst { get; set; } = true;

    /// <summary>What the Linear head reads (without a head, what the model outputs). Default <see cref="Readout.LastStep"/>.</summary>
    public Readout Readout { get; set; } = Readout.LastStep;

    /// <summary>
    /// How the recurrent weights are stored: <see cref="WeightPrecision.Float32"/> (the default) or, for models whose
    /// weights outgrow the L2 cache, <see cref="WeightPrecision.BFloat16"/>, half the bytes for an error of about 1e-3.
    /// LSTMGEN018 refuses bfloat16 for weights that fit the L1 cache, where it cannot pay.
    /// </summary>
    public WeightPrecision WeightPrecision { get; set; } = WeightPrecision.Float32;

    /// <summary>
    /// The key prefix of the Linear head's parameters in the state_dict. Default <c>"fc."</c>. With <c>outputSize: 0</c>,
    /// <c>""</c> loads the recurrent module alone where the file's head reads another module (a seq2seq decoder's) or
    /// features you pool over time yourself (<c>fc(out.max(1).values)</c>).
    /// </summary>
    public string FcPrefix { get; set; } = RecurrentWeights.DefaultFcPrefix;

    /// <summary>
    /// A safetensors or torch.save (<c>.pt</c>, <c>.pth</c>) file to compile into the assembly, so that a new instance is ready to run without loading
    /// anything: the path as written in the project's <c>&lt;LstmGenWeights Include="…" /&gt;</c> item (LstmGen.targets
    /// must be imported). Its tensors are checked against the sizes at compile time. Null (the default): none.
    /// </summary>
    public string? Weights { get; set; }
}
