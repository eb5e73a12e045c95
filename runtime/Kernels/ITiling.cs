using System;
using System.ComponentModel;

namespace LstmGen.Kernels;

/// <summary>
/// One tiling of a generated model's hidden units (<see cref="PackedLayout"/>): where its weights sit, and the layer
/// steps generated for it. A SIMD path of <see cref="RecurrentKernel{M, T512, T256, T128}"/> runs one tiling.
/// </summary>
/// <remarks>
/// The members with a default exist only where the model's plan uses them (stacked layers, a projection, input precomputed ahead and its rows
/// packed apart, batch blocks, bidirectional layers); the driver and the generated layer steps read them only then, so
/// their defaults never run.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ITiling
{
    /// <summary>Hidden units per whole tile: one vector per slot.</summary>
    static abstract int Lanes { get; }

    /// <summary>Whole tiles, the last one zero-padded if need be.</summary>
    static abstract int Tiles { get; }

    /// <summary>Units of the rest tile, whose slots share vectors; 0: none.</summary>
    static abstract int RestLanes { get; }

    /// <summary>Where the head's weight [OutputSize, features] starts; its bias follows.</summary>
    static abstract int HeadOffset { get; }

    /// <summary>Floats of the packed weights.</summary>
    static abstract int PackedLength { get; }

    /// <summary>Floats per panel row of a whole tile: its slots side by side.</summary>
    static abstract int RowLength { get; }

    /// <summary>A whole tile's panel in layer 0: bias, W_ih and W_hh rows.</summary>
    static virtual int PanelLength => throw NotPlanned(nameof(PanelLength));

    /// <summary>A whole tile's panel in the layers above 0.</summary>
    static virtual int UpperPanelLength => throw NotPlanned(nameof(UpperPanelLength));

    /// <summary>Floats of layer 0 (of one direction).</summary>
    static virtual int LayerLength => throw NotPlanned(nameof(LayerLength));

    /// <summary>Floats of each layer above 0 (of one direction).</summary>
    static virtual int UpperLayerLength => throw NotPlanned(nameof(UpperLayerLength));

    /// <summary>With layer 0's input rows packed apart (for the input precomputed ahead): a whole tile's bias and W_ih rows.</summary>
    static virtual int InputPanelLength => throw NotPlanned(nameof(InputPanelLength));

    /// <summary>With layer 0's input rows packed apart: a whole tile's W_hh rows.</summary>
    static virtual int HiddenPanelLength => throw NotPlanned(nameof(HiddenPanelLength));

    /// <summary>With layer 0's input rows packed apart: where its W_hh rows start, after every tile's input rows.</summary>
    static virtual int HiddenPanelsOffset => throw NotPlanned(nameof(HiddenPanelsOffset));

    /// <summary>Floats of one step's input part precomputed ahead: every tile's bias row.</summary>
    static virtual int PrecomputedLength => throw NotPlanned(nameof(PrecomputedLength));

    /// <summary>With a projection: floats per row of the packed W_hr, ProjSize rounded up to whole vectors.</summary>
    static virtual int ProjectionWidth => throw NotPlanned(nameof(ProjectionWidth));

    /// <summary>With a projection: where layer 0's W_hr starts, after its panels: HiddenSize rows of <see cref="ProjectionWidth"/> floats, row k holding its column k.</summary>
    static virtual int WeightHrOffset => throw NotPlanned(nameof(WeightHrOffset));

    /// <summary>With a projection: where W_hr starts in a layer above 0.</summary>
    static virtual int UpperWeightHrOffset => throw NotPlanned(nameof(UpperWeightHrOffset));

    /// <summary>One step of layer 0 (of one direction): reads h_{t-1} from buffer <paramref name="parity"/> of its state, writes h_t to the other.</summary>
    static abstract void Layer(ref float weights, ref float x, ref float state, int parity);

    /// <summary>One step of a layer above 0, whose weights start at <paramref name="weights"/>, reading the layer below's h_t at <paramref name="x"/>.</summary>
    static virtual void UpperLayer(ref float weights, ref float x, ref float state, int parity) => throw NotPlanned(nameof(UpperLayer));

    /// <summary>One step of layer 0 whose input part <paramref name="precomputed"/> was computed ahead by <see cref="Precompute"/>.</summary>
    static virtual void PrecomputedLayer(ref float weights, ref float precomputed, ref float state, int parity) => throw NotPlanned(nameof(PrecomputedLayer));

    /// <summary>Layer 0's input parts of <paramref name="steps"/> steps, each <see cref="PrecomputedLength"/> floats.</summary>
    static virtual void Precompute(ref float weights, ref float x, ref float precomputed, int steps) => throw NotPlanned(nameof(Precompute));

    /// <summary>
    /// One step of layer 0 for <see cref="PackedLayout.BlockSequences"/> sequences: sequence g's input at x + g · xStride, its state
    /// at state + g · (the model's state length); <paramref name="gates"/>, room for the step's gates of every sequence
    /// (BlockSequences · Slots · StateStride floats, from a cache line), is the step's working memory.
    /// </summary>
    static virtual void BlockLayer(ref float weights, ref float x, int xStride, ref float state, ref float gates, int parity) => throw NotPlanned(nameof(BlockLayer));

    /// <summary><see cref="BlockLayer"/> for a layer above 0.</summary>
    static virtual void BlockUpperLayer(ref float weights, ref float x, int xStride, ref float state, ref float gates, int parity) => throw NotPlanned(nameof(BlockUpperLayer));

    private static NotSupportedException NotPlanned(string member) =>
        new($"The generated model's plan has no {member}; the LstmGen runtime and the generated code disagree about the plan.");
}
