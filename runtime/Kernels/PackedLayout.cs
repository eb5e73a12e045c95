namespace LstmGen.Kernels;

/// <summary>
/// Where everything sits in the packed weights and in the state of a model run in tiles of <see cref="Lanes"/>
/// hidden units: the one owner of the layout. The runtime compiles this file (its packer and run-time-sized kernels
/// call it) and so does the generator (netstandard2.0), which prints its numbers into generated code as constants.
/// </summary>
/// <remarks>
/// <para>Per layer, the hidden units are split into <see cref="Tiles"/> whole tiles of <see cref="Lanes"/> units (the
/// last one zero-padded if needed), then, when <see cref="RestLanes"/> &gt; 0, a rest tile of that many units whose
/// four slots share fewer vectors. A tile of <c>w</c> units owns a panel of rows of <see cref="Slots"/> · <c>w</c>
/// floats:</para>
/// <code>
/// row 0          the biases
/// row 1 + k      column k of W_ih   (k &lt; the layer's inputs)
/// row 1 + in + k column k of W_hh   (k &lt; H_out)
/// </code>
/// <para>H_out is the values of h: <see cref="ProjSize"/> for a projected LSTM, else H. A layer above 0 reads
/// <see cref="FeatureSize"/> = D · H_out inputs (both directions of the layer below, concatenated).</para>
/// <para>With <see cref="SeparateInput"/>, layer 0's panels are cut in two: first every tile's bias and W_ih rows, then
/// every tile's W_hh rows. A layer's block is its panels, then, when projected, W_hr by columns: H rows of
/// <see cref="ProjectionWidth"/> floats, row k holding column k of W_hr (the ProjSize weights with which
/// o ⊙ tanh(c_t)[k] adds to h_t), zero-padded, so that h_t is a sweep of broadcast multiply-adds like the gates'
/// (<c>KernelMath.Project</c>). The blocks follow each other, layer by
/// layer bottom first, each layer's forward direction before its backward one (<see cref="Directions"/> = 2); after
/// them comes the Linear head: <c>fc.weight</c> (O × FeatureSize, row-major), then <c>fc.bias</c> (O). A
/// unidirectional, unprojected model's numbers are those of layout version 1 before these options existed; version 2
/// stores W_hr by columns instead of PyTorch's rows.</para>
/// <para>With <see cref="BFloat16"/>, the panels hold bfloat16 weights, two to a float: vectors 2j and 2j + 1 of a row
/// (each <see cref="Lanes"/> lanes wide) share the floats of one, vector 2j in the high 16 bits of each lane, 2j + 1 in
/// the low, so rows are half as long and a 32-bit load of either vector widens by one mask or shift. Rows then hold
/// an even number of vectors: whole tiles (4) and a rest tile of half a vector per slot (2). W_hr and the head stay
/// floats.</para>
/// <para>The state holds, per layer, two h buffers (a step reads h_{t-1} from one and writes h_t to the other) and,
/// for an LSTM, c, and with a projection o ⊙ tanh(c_t) before it, each <see cref="StateStride"/> floats.</para>
/// </remarks>
internal readonly struct PackedLayout
{
    /// <summary>
    /// The version of this layout. Raise it with every change to where a weight or a state value sits: generated
    /// code carries the version it was built for and refuses a runtime with another (ModelGuard.RequireLayout).
    /// Options that add a layout without moving anything of the existing ones (directions, projections, bfloat16
    /// panels) keep it: code generated for them needs runtime members that older runtimes lack, so it cannot meet one.
    /// Raise it too when a model struct gains a member the driver must read to run that model right, which an older
    /// driver would ignore: version 3, <see cref="IRecurrentModel.BatchFirst"/> (a time-major model's batches would
    /// run as batch-first ones).
    /// </summary>
    public const int Version = 3;

    /// <summary>Accumulator slots per hidden unit in a panel row.</summary>
    public const int Slots = 4;

    /// <summary>Sequences a batch block runs through each weight vector at once, sequence g's state after g whole states.</summary>
    public const int BlockSequences = 4;

    /// <summary>Floats per cache line: state buffers start on one, so no full-width store straddles two.</summary>
    public const int CacheLineFloats = 16;

    public PackedLayout(int inputSize, int hiddenSize, int outputSize, int numLayers, int lanes, int restLanes, bool separateInput = false,
        int directions = 1, int projSize = 0, bool bfloat16 = false)
    {
        BFloat16 = bfloat16;
        Directions = directions;
        ProjSize = projSize;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        OutputSize = outputSize;
        NumLayers = numLayers;
        Lanes = lanes;
        RestLanes = restLanes;
        SeparateInput = separateInput;
        Tiles = restLanes > 0 ? hiddenSize / lanes : (hiddenSize + lanes - 1) / lanes;
    }

    public int InputSize { get; }
    public int HiddenSize { get; }
    public int OutputSize { get; }
    public int NumLayers { get; }

    /// <summary>Directions per layer: 2 for a bidirectional model.</summary>
    public int Directions { get; }

    /// <summary>An LSTM's proj_size; 0: no projection.</summary>
    public int ProjSize { get; }

    /// <summary>H_out, the values of h per layer and direction (W_hh's columns): ProjSize when projected, else H.</summary>
    public int HiddenOutputSize => ProjSize > 0 ? ProjSize : HiddenSize;

    /// <summary>A layer's values per step, what the layer above and the head read: D · H_out.</summary>
    public int FeatureSize => Directions * HiddenOutputSize;

    /// <summary>Whether the panels hold bfloat16 weights, two to a float (see the remarks).</summary>
    public bool BFloat16 { get; }

    /// <summary>Floats a hidden unit takes in a panel row: one per slot, or half that with bfloat16 weights.</summary>
    public int FloatsPerUnit => BFloat16 ? BFloat16FloatsPerUnit : Slots;

    /// <summary><see cref="FloatsPerUnit"/> with bfloat16 weights: two slots share each float.</summary>
    public const int BFloat16FloatsPerUnit = Slots / 2;

    /// <summary>Hidden units per whole tile.</summary>
    public int Lanes { get; }

    /// <summary>Units of the rest tile; 0 without one (the units left over by whole tiles then fill a padded tile).</summary>
    public int RestLanes { get; }

    /// <summary>Whether layer 0's W_hh rows are packed apart from its input rows.</summary>
    public bool SeparateInput { get; }

    /// <summary>Whole tiles per layer.</summary>
    public int Tiles { get; }

    /// <summary>The hidden units padded to whole tiles and the rest tile.</summary>
    public int PaddedHidden => Tiles * Lanes + RestLanes;

    /// <summary>Floats per panel row of a whole tile.</summary>
    public int RowLength => FloatsPerUnit * Lanes;

    /// <summary>Floats per panel row of the rest tile.</summary>
    public int RestRowLength => FloatsPerUnit * RestLanes;

    /// <summary>The inputs of a layer: InputSize for layer 0, <see cref="FeatureSize"/> above.</summary>
    public int LayerInputs(int layer) => layer == 0 ? InputSize : FeatureSize;

    /// <summary>Panel rows of a layer: the bias, its inputs and h's values.</summary>
    public int PanelRows(int layer) => 1 + LayerInputs(layer) + HiddenOutputSize;

    /// <summary>Floats of one whole tile's panel of a layer (without <see cref="SeparateInput"/>).</summary>
    public int PanelLength(int layer) => checked(PanelRows(layer) * RowLength);

    /// <summary>Floats of the panels of one direction of a layer: where its W_hr starts in its block.</summary>
    public int PanelsLength(int layer) => checked(PanelRows(layer) * FloatsPerUnit * PaddedHidden);

    /// <summary>Floats per row of the packed W_hr: ProjSize rounded up to whole tiles (and so to whole vectors).</summary>
    public int ProjectionWidth => Projection(ProjSize, Lanes);

    /// <summary><see cref="ProjectionWidth"/> for <paramref name="projSize"/> and tiles of <paramref name="lanes"/> units.</summary>
    public static int Projection(int projSize, int lanes) => (projSize + lanes - 1) / lanes * lanes;

    /// <summary>Floats of one direction of a layer: its panels, then W_hr when projected.</summary>
    public int LayerLength(int layer) => checked(PanelsLength(layer) + HiddenSize * ProjectionWidth);

    /// <summary>Where one direction of a layer starts (for <see cref="NumLayers"/>, direction 0: the head).</summary>
    public int BlockOffset(int layer, int direction) =>
        layer == 0 ? checked(direction * LayerLength(0)) : checked(Directions * LayerLength(0) + ((layer - 1) * Directions + direction) * LayerLength(1));

    /// <summary>Where a layer's blocks start (for <see cref="NumLayers"/>: the head).</summary>
    public int LayerOffset(int layer) => BlockOffset(layer, 0);

    /// <summary>Where fc.weight starts; fc.bias follows it.</summary>
    public int HeadOffset => LayerOffset(NumLayers);

    /// <summary>The floats of the packed weights.</summary>
    public int PackedLength => checked(HeadOffset + OutputSize * (FeatureSize + 1));

    /// <summary>With <see cref="SeparateInput"/>: floats of a whole tile's bias and W_ih rows in layer 0.</summary>
    public int InputPanelLength => checked((1 + InputSize) * RowLength);

    /// <summary>With <see cref="SeparateInput"/>: floats of a whole tile's W_hh rows in layer 0.</summary>
    public int HiddenPanelLength => checked(HiddenOutputSize * RowLength);

    /// <summary>With <see cref="SeparateInput"/>: where layer 0's W_hh rows start, after every tile's input rows.</summary>
    public int HiddenPanelsOffset => checked((1 + InputSize) * FloatsPerUnit * PaddedHidden);

    /// <summary>Floats per state buffer: <see cref="PaddedHidden"/> rounded up to whole cache lines.</summary>
    public int StateStride => (PaddedHidden + CacheLineFloats - 1) / CacheLineFloats * CacheLineFloats;

    /// <summary>
    /// Where a panel row keeps the weight of column <paramref name="column"/> (<c>slot · w + lane</c>, its place in a row
    /// of floats): that float, and with <see cref="BFloat16"/> whether in its high 16 bits (see the remarks).
    /// </summary>
    public int ColumnOffset(int column, out bool high)
    {
        if (!BFloat16)
        {
            high = false;
            return column;
        }
        return PairedVector(column / Lanes, out high) * Lanes + column % Lanes;
    }

    /// <summary>
    /// With bfloat16 weights, the vector of floats of a panel row that holds the row's vector <paramref name="vector"/>
    /// (each <see cref="Lanes"/> lanes wide), and whether in the high 16 bits of each lane: the pairing of the remarks.
    /// </summary>
    public static int PairedVector(int vector, out bool high)
    {
        high = vector % 2 == 0;
        return vector / 2;
    }

    /// <summary>
    /// Where a hidden unit's weights sit in its layer: the offsets, from the layer's start, of its tile's input rows
    /// (bias, then W_ih) and hidden rows (W_hh); the tile's width in units and the unit's lane in it.
    /// </summary>
    public PanelPosition Position(int unit, int layer)
    {
        int tile = unit / Lanes;
        bool whole = tile < Tiles;
        int width = whole ? Lanes : RestLanes, lane = whole ? unit % Lanes : unit - Tiles * Lanes;
        int inputRows = checked((1 + LayerInputs(layer)) * FloatsPerUnit), hiddenRows = checked(HiddenOutputSize * FloatsPerUnit);
        if (SeparateInput && layer == 0)
            return new PanelPosition(checked(tile * inputRows * Lanes), checked(HiddenPanelsOffset + tile * hiddenRows * Lanes), width, lane);
        int panelOffset = checked(tile * (inputRows + hiddenRows) * Lanes);
        return new PanelPosition(panelOffset, panelOffset + inputRows * width, width, lane);
    }
}

/// <summary>A hidden unit's place in the packed weights (see <see cref="PackedLayout.Position"/>).</summary>
internal readonly struct PanelPosition
{
    public PanelPosition(int inputOffset, int hiddenOffset, int width, int lane)
    {
        InputOffset = inputOffset;
        HiddenOffset = hiddenOffset;
        Width = width;
        Lane = lane;
    }

    public int InputOffset { get; }
    public int HiddenOffset { get; }
    public int Width { get; }
    public int Lane { get; }
}
