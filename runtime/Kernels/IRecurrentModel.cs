using System.ComponentModel;

namespace LstmGen.Kernels;

/// <summary>
/// A generated model's sizes and kernel plan, for <see cref="RecurrentKernel{M, T512, T256, T128}"/>. Generated code
/// implements it with a struct whose properties return literals, so the JIT compiles the driver for each model with
/// these values as constants and folds away every branch the model does not take.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IRecurrentModel
{
    /// <summary>Features per time step (PyTorch <c>input_size</c>).</summary>
    static abstract int InputSize { get; }

    /// <summary>Hidden units per layer and direction (PyTorch <c>hidden_size</c>).</summary>
    static abstract int HiddenSize { get; }

    /// <summary>PyTorch's <c>proj_size</c>: the values of h when positive; 0: no projection.</summary>
    static abstract int ProjSize { get; }

    /// <summary>The values of each readout: the head's outputs, or the last layer's features without a head.</summary>
    static abstract int OutputSize { get; }

    /// <summary>Whether a Linear head follows the readout.</summary>
    static abstract bool HasHead { get; }

    /// <summary>Stacked layers (PyTorch <c>num_layers</c>).</summary>
    static abstract int NumLayers { get; }

    /// <summary>Whether the cell is a GRU (h only) rather than an LSTM (h and c).</summary>
    static abstract bool Gru { get; }

    /// <summary>PyTorch's <c>bidirectional</c>.</summary>
    static abstract bool Bidirectional { get; }

    /// <summary>What the head is applied to.</summary>
    static abstract Readout Readout { get; }

    /// <summary>Whether a batch is [batch, T, …] (PyTorch's <c>batch_first=True</c>) rather than time-major; generated only when it is not.</summary>
    static virtual bool BatchFirst => true;

    /// <summary>Whether the panels hold bfloat16 weights (<see cref="WeightPrecision.BFloat16"/>); generated only when they do.</summary>
    static virtual bool BFloat16Weights => false;

    /// <summary>Floats per state buffer: the hidden units padded for every tiling, to whole cache lines.</summary>
    static abstract int StateStride { get; }

    /// <summary>
    /// How many steps ahead a sequence computes layer 0's input part (bias + W_ih · x_t) before the recurrent parts;
    /// 0: step by step.
    /// </summary>
    static abstract int PrecomputedSteps { get; }

    /// <summary>Whether batches run groups of sequences on the SIMD lanes (small models, reading out at the end).</summary>
    static abstract bool LanesRunBatches { get; }

    /// <summary>Whether batches run in blocks of <see cref="PackedLayout.BlockSequences"/> sequences through each weight vector.</summary>
    static abstract bool BlocksRunBatches { get; }

    /// <summary>Whether a bidirectional layer steps both directions together (they fit in L1) rather than one after the other.</summary>
    static abstract bool InterleavesDirections { get; }

    /// <summary>The packed layout version the generated code reads (<see cref="PackedLayout.Version"/> when it was generated).</summary>
    static abstract int LayoutVersion { get; }

    /// <summary>The LstmGen version that generated the code, for error messages.</summary>
    static abstract string GeneratorVersion { get; }
}
