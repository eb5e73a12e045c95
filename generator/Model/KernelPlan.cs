using System.Collections.Generic;
using System.Linq;
using LstmGen.Kernels;

namespace LstmGen.Generator.Model;

/// <summary>
/// What the kernel of one model does, as values: the tiling each SIMD path runs, how a layer's step sweeps it, and the
/// model-wide choices. The emitter prints this plan; names of generated variables exist only there.
/// </summary>
/// <param name="Tilings">The tilings, widest first; <see cref="TilingPlan.Paths"/> says which SIMD widths run each.</param>
/// <param name="BatchOnLanes">Whether batches run groups of sequences on the SIMD lanes. That pays for small models,
/// where one sequence cannot fill the FMA units (the step-to-step dependency chain dominates); larger ones already
/// stream their weights at full width, and their unrolled group code spills (docs/kernel-choices.md).</param>
/// <param name="ReverseOddSteps">Whether odd steps read the weights backwards, starting with what the previous step left in
/// cache: for weights larger than the L1 cache.</param>
/// <param name="PrecomputedSteps">How many steps ahead a sequence's <c>Forward</c> computes layer 0's input part
/// (bias + W_ih · x_t), tile by tile, before their recurrent parts; 0: step by step. A chunk reads W_ih once instead of
/// once per step (a tile's W_ih columns stay in L1 across it), and each step then streams only W_hh, which a precomputing
/// model packs apart from the input rows (<see cref="PackedLayout.SeparateInput"/>). That pays when the weights live well
/// beyond L1 (over 64 KB) and W_ih is large enough (8 KB or more) that the bytes saved outweigh storing and reloading
/// the pre-activations (docs/kernel-choices.md).</param>
/// <param name="InterleavesDirections">Whether a bidirectional layer runs its two directions step by step together, for
/// the CPU to overlap their chains: when both directions' weights fit in L1 beside the rest. Otherwise one direction
/// runs over the whole sequence, then the other, each reading its weights from L1 (docs/kernel-choices.md).</param>
internal sealed record KernelPlan(ModelSpec Spec, Cell Cell, IReadOnlyList<TilingPlan> Tilings, bool BatchOnLanes, bool ReverseOddSteps, int PrecomputedSteps,
    bool InterleavesDirections)
{
    /// <summary>
    /// The most SIMD calls (multiply-adds and broadcasts) a layer method may unroll its columns into. Each inlined call
    /// adds JIT locals, and past 512 locals the JIT inlines nothing more, not even the cell update: such a method ran
    /// several times slower (docs/kernel-choices.md). Columns beyond it stay loops over pairs of columns.
    /// </summary>
    public const int UnrollBudget = 200;

    /// <summary>Every SIMD width, widest first.</summary>
    public static readonly VectorWidth[] AllWidths = [new(512), new(256), new(128)];

    /// <summary>The tiling a SIMD path runs.</summary>
    public TilingPlan TilingOf(VectorWidth path) => Tilings.First(tiling => tiling.Paths.Contains(path));

    /// <summary>
    /// Floats per state buffer: the hidden units padded for the widest path's tiling, to whole cache lines. That tiling
    /// pads most (narrower paths' tiles and rest tiles are narrower), and the scalar path, which the runtime runs on it,
    /// reads the state with its stride.
    /// </summary>
    public int StateStride => TilingOf(AllWidths[0]).Layout.StateStride;

    /// <summary>Whether batches run on the SIMD lanes: for small models, reading out at the last step.</summary>
    public bool LanesRunBatches => BatchOnLanes && Spec.Readout != Readout.EveryStep;

    /// <summary>
    /// Whether other batches run in blocks of <see cref="PackedLayout.BlockSequences"/> sequences, each weight vector loaded once for
    /// the block instead of once per sequence: for unidirectional, unprojected models whose tilings all have whole
    /// tiles only (their layer code is one generic body).
    /// </summary>
    public bool BlocksRunBatches => !LanesRunBatches && !Spec.Bidirectional && Spec.ProjSize == 0 && Tilings.All(tiling => !tiling.HasRest);

    /// <summary>Whether layer 0's W_hh rows are packed apart from its input rows (for the input precomputed ahead).</summary>
    public bool SeparateInput => PrecomputedSteps > 0;

    /// <summary>The tilings whose layers are printed once, generic over the SIMD width: those without a rest tile.</summary>
    public IEnumerable<TilingPlan> GenericTilings => Tilings.Where(tiling => !tiling.HasRest);

    /// <summary>
    /// Whether printed code of the layers above 0 loops over some of its columns, naming their count (unrolled columns
    /// have it in their offsets): the generic body's (planned for the first generic tiling) or a rest-tile tiling's.
    /// </summary>
    public bool UpperLayersLoopColumns => Spec.NumLayers > 1 &&
        GenericTilings.Take(1).Concat(Tilings.Where(tiling => tiling.HasRest))
            .Any(tiling => tiling.LayerSweeps(Cell, LayerShape.Upper(this), SweepCopies).Whole.Unrolling is not { Input: true, Hidden: true });

    public static KernelPlan For(ModelSpec spec)
    {
        Cell cell = Cell.For(spec.Cell);
        // Bytes of recurrent weights as packed (halved by bfloat16): every direction's W_ih, W_hh, biases and W_hr, of the
        // widest layer and of them all; what a step streams decides the choices below.
        int widestInput = spec.NumLayers > 1 ? System.Math.Max(spec.InputSize, spec.FeatureSize) : spec.InputSize;
        long layer = spec.LayerWeightBytes(widestInput, spec.PanelWeightBytes);
        long weights = spec.RecurrentWeightBytes(spec.PanelWeightBytes);
        long inputWeights = (long)spec.PanelWeightBytes * 4 * spec.HiddenSize * spec.InputSize;

        // Each path takes the tiling with the fewest vectors per weight column (the multiply-adds are the work), on a
        // tie the narrowest vectors, which pad less. A narrower path never picks a wider tiling than a wider path does.
        VectorWidth TileVectorOf(VectorWidth path) => AllWidths
            .Where(width => width.Lanes <= path.Lanes)
            .OrderBy(width => TilingPlan.VectorsPerColumnFor(width, spec))
            .ThenBy(width => width.Lanes)
            .First();
        VectorWidth[][] groups = AllWidths.GroupBy(TileVectorOf).Select(group => group.ToArray()).ToArray();

        // Up to 8 steps, with the chunk's pre-activations (4 · hidden size floats per step) within 32 KB of stack.
        int paddedHidden = groups.Max(group => TilingPlan.For(TileVectorOf(group[0]), spec, group, separateInput: false).Layout.PaddedHidden);
        // What a step streams: every layer, or a bidirectional layer's directions, together when they fit in L1 beside
        // the rest, otherwise one at a time.
        bool interleaves = spec.Bidirectional && layer <= 32 * 1024;
        long streamed = !spec.Bidirectional ? weights : interleaves ? layer : layer / 2;

        int precomputedSteps = weights > 64 * 1024 && inputWeights >= 8 * 1024
            ? System.Math.Min(System.Math.Min(8, spec.SeqLen), 8192 / (4 * paddedHidden))
            : 0;
        if (precomputedSteps < 2 || spec.Bidirectional || spec.ProjSize > 0) precomputedSteps = 0;

        TilingPlan[] tilings = groups
            .Select(group => TilingPlan.For(TileVectorOf(group[0]), spec, group, separateInput: precomputedSteps > 0))
            .ToArray();
        // The group kernel and the input precomputed ahead read plain layers: not bidirectional or projected ones, and the
        // group kernel float32 weights.
        bool plain = !spec.Bidirectional && spec.ProjSize == 0;
        return new KernelPlan(spec, cell, tilings,
            BatchOnLanes: plain && !spec.BFloat16 && 4L * spec.HiddenSize * (spec.InputSize + spec.HiddenSize) <= 4096,
            ReverseOddSteps: streamed > 32 * 1024,
            PrecomputedSteps: precomputedSteps,
            InterleavesDirections: interleaves);
    }

    /// <summary>How many times a layer method prints its sweeps: twice when odd steps read the weights backwards.</summary>
    public int SweepCopies => ReverseOddSteps ? 2 : 1;
}

/// <summary>
/// The hidden units in whole tiles of one <see cref="Vector"/> per slot, then maybe a narrow rest tile: the layout and
/// code of the <see cref="Paths"/>, the SIMD widths that run it (the widest accelerated one picks it at run time).
/// </summary>
/// <remarks>
/// When a quarter or a half of a vector can hold the units that whole tiles leave over, their four slots share vectors,
/// side by side: <see cref="RestVectors"/> vectors instead of 4 (H = 20 on Vector512: one tile of 16, then the last 4
/// units' gates [i | f | g | o] in one vector). Otherwise the last tile is a whole, zero-padded one.
/// </remarks>
internal sealed record TilingPlan(VectorWidth Vector, PackedLayout Layout, IReadOnlyList<VectorWidth> Paths)
{
    public int Lanes => Layout.Lanes;

    /// <summary>Whole tiles.</summary>
    public int Tiles => Layout.Tiles;

    public int RestLanes => Layout.RestLanes;

    public bool HasRest => RestLanes > 0;

    /// <summary>The vectors the rest tile's slots fill: 1 (a quarter each) or 2 (a half each); 0 without a rest tile.</summary>
    public int RestVectors => PackedLayout.Slots * RestLanes / Lanes;

    /// <summary>Whole tiles swept one by one in a loop; the last whole one shares its sweep with a rest tile.</summary>
    public int LoopedTiles => HasRest ? System.Math.Max(Tiles - 1, 0) : Tiles;

    /// <summary>Whether the rest tile's sweep also carries the last whole tile.</summary>
    public bool RestWithWholeTile => HasRest && Tiles > 0;

    /// <summary>
    /// A layer method's sweeps: each whole tile's that <see cref="LoopedTiles"/> counts, and with a rest tile its sweep,
    /// which carries the last whole tile's slots when there is one. They share one <see cref="Unrolling"/>, since the
    /// method prints them all, <paramref name="copies"/> times.
    /// </summary>
    public (Sweep Whole, Sweep? RestTile) LayerSweeps(Cell cell, LayerShape shape, int copies)
    {
        List<Accumulator> whole = SlotAccumulators(cell);
        List<Accumulator>? rest = null;
        if (HasRest)
        {
            rest = RestWithWholeTile ? SlotAccumulators(cell) : [];
            rest.AddRange(RestAccumulators());
        }
        var printed = new List<List<Accumulator>>();
        if (LoopedTiles > 0) printed.Add(whole);
        if (rest is not null) printed.Add(rest);
        Unrolling unrolling = Unrolling.For(printed, shape, copies);
        return (Sweep.Of(whole, wholeTile: true, restTile: false, shape, unrolling),
            rest is null ? null : Sweep.Of(rest, RestWithWholeTile, restTile: true, shape, unrolling));
    }

    /// <summary>Layer 0's input part of a step, computed ahead: every slot of a whole tile, or the rest tile's vectors.</summary>
    public Sweep PrecomputeSweep(Cell cell, LayerShape shape, bool rest)
    {
        List<Accumulator> accumulators = (rest ? RestAccumulators() : SlotAccumulators(cell)).Select(a => a with { ReadsHidden = false }).ToList();
        shape = shape with { Precomputed = false };
        return Sweep.Of(accumulators, wholeTile: !rest, restTile: rest, shape, Unrolling.For([accumulators], shape, copies: 1), precompute: true);
    }

    private List<Accumulator> RestAccumulators() =>
        Enumerable.Range(0, RestVectors)
            .Select(index => new Accumulator(index, Rest: true, ReadsInput: true, ReadsHidden: true, RestVectors: RestVectors, BFloat16: Layout.BFloat16))
            .ToList();

    private List<Accumulator> SlotAccumulators(Cell cell) =>
        Enumerable.Range(0, PackedLayout.Slots)
            .Select(slot => new Accumulator(slot, Rest: false, cell.ReadsInput(slot), cell.ReadsHidden(slot), BFloat16: Layout.BFloat16))
            .ToList();

    /// <summary>The struct holding this tiling's constants (and code, with a rest tile).</summary>
    public string Name => Vector.Type + "Tiles";

    public static TilingPlan For(VectorWidth vector, ModelSpec spec, IReadOnlyList<VectorWidth> paths, bool separateInput) =>
        new(vector, new PackedLayout(spec.InputSize, spec.HiddenSize, spec.OutputSize, spec.NumLayers, vector.Lanes, RestLanesFor(vector, spec), separateInput,
            spec.Directions, spec.ProjSize, spec.BFloat16), paths);

    /// <summary>
    /// The units of a rest tile on <paramref name="vector"/>: its gates split a vector into blocks of at least a
    /// Vector128, so the cell update reads them as whole vectors (see <see cref="Cell.HasRestTiles"/>). With bfloat16
    /// weights only halves: a row's vectors pair up (see <see cref="PackedLayout.BFloat16"/>).
    /// </summary>
    public static int RestLanesFor(VectorWidth vector, ModelSpec spec)
    {
        int lanes = vector.Lanes, left = spec.HiddenSize % lanes;
        int[] blocks = spec.BFloat16 ? [lanes / 2] : [lanes / 4, lanes / 2];
        return left == 0 || !Cell.For(spec.Cell).HasRestTiles ? 0 : blocks.FirstOrDefault(block => block >= 4 && block >= left);
    }

    /// <summary>Vectors multiply-added per weight column, over all tiles: a tiling's work.</summary>
    public static int VectorsPerColumnFor(VectorWidth vector, ModelSpec spec)
    {
        int rest = RestLanesFor(vector, spec);
        int tiles = rest > 0 ? spec.HiddenSize / vector.Lanes : (spec.HiddenSize + vector.Lanes - 1) / vector.Lanes;
        return PackedLayout.Slots * tiles + PackedLayout.Slots * rest / vector.Lanes;
    }
}

/// <summary>A SIMD width the kernel can run on.</summary>
internal sealed record VectorWidth(int Bits)
{
    public int Lanes => Bits / 32;

    public string Type => "Vector" + Bits;

    /// <summary>The runtime's <c>ISimd</c> implementation for this width.</summary>
    public string Simd => "Simd" + Bits;
}

/// <summary>
/// An accumulator vector of a sweep: slot <see cref="Index"/> of a whole tile, or vector <see cref="Index"/> of the
/// rest tile's slots side by side. Its weights are vector <see cref="WeightVector"/> of its panel's rows.
/// </summary>
/// <param name="Chains">The independent chains a sweep splits it into (see <see cref="Sweep.Of"/>); 0 until planned.</param>
/// <param name="RestVectors">For the rest tile's accumulators: how many vectors its slots fill.</param>
/// <param name="BFloat16">Whether its weights are bfloat16, sharing each float of a row with the accumulator beside it.</param>
internal sealed record Accumulator(int Index, bool Rest, bool ReadsInput, bool ReadsHidden, int Chains = 0, int RestVectors = 0, bool BFloat16 = false)
{
    /// <summary>The vector of a panel row that holds its weights: vector <see cref="Index"/>, or with bfloat16 the pair's.</summary>
    public int WeightVector => WeightOf(Index, BFloat16).Vector;

    /// <summary>
    /// The suffix of the <c>ISimd</c> calls that read its weights: none for floats; with bfloat16 <c>High</c> for the first
    /// of a pair (the high 16 bits of each lane), <c>Low</c> for the second.
    /// </summary>
    public string WeightHalf => WeightOf(Index, BFloat16).Half;

    /// <summary>Where vector <paramref name="index"/> of a panel row sits (see <see cref="PackedLayout.BFloat16"/>): the vector and the call suffix.</summary>
    public static (int Vector, string Half) WeightOf(int index, bool bfloat16) =>
        !bfloat16 ? (index, "") : (PackedLayout.PairedVector(index, out bool high), high ? "High" : "Low");
}

/// <summary>One sweep over a layer's columns: the accumulators of a whole tile and/or of the rest tile.</summary>
internal sealed record Sweep(IReadOnlyList<Accumulator> Accumulators, bool WholeTile, bool RestTile, Unrolling Unrolling)
{
    /// <summary>
    /// A sweep of <paramref name="accumulators"/> over a layer's columns, consecutive columns going to consecutive
    /// chains of each accumulator, so that enough multiply-adds are in flight: two chains halve the chain a step waits
    /// for once h_{t-1} is known; a sweep of at most 2 accumulators (a lone rest tile) takes 4. A column loop takes two
    /// at a time, and so does the precomputed input; no accumulator gets a chain no column reaches.
    /// </summary>
    public static Sweep Of(List<Accumulator> accumulators, bool wholeTile, bool restTile, LayerShape shape, Unrolling unrolling, bool precompute = false)
    {
        int wanted = accumulators.Count <= 2 && !precompute ? 4 : 2;
        int Used(int columns, bool unrolled) => System.Math.Min(unrolled ? wanted : 2, columns);
        return new Sweep(
            accumulators.Select(a => a with
            {
                Chains = System.Math.Max(1, System.Math.Max(
                    a.ReadsInput ? Used(shape.InputColumns, unrolling.Input) : 0,
                    a.ReadsHidden ? Used(shape.HiddenColumns, unrolling.Hidden) : 0)),
            }).ToList(),
            wholeTile, restTile, unrolling);
    }

    /// <summary>The accumulators that sum columns: with a precomputed input part, the GRU's n_x is complete already.</summary>
    public IEnumerable<Accumulator> Summing(LayerShape shape) => Accumulators.Where(a => a.ReadsHidden || !shape.Precomputed);
}

/// <summary>Which column parts a layer method's sweeps unroll; the others are loops over pairs of columns.</summary>
internal sealed record Unrolling(bool Input, bool Hidden)
{
    /// <summary>
    /// The parts <paramref name="sweeps"/> (each printed <paramref name="copies"/> times) unroll within
    /// <see cref="KernelPlan.UnrollBudget"/>: h_{t-1}'s columns first, since they are on the step-to-step chain, then
    /// the input's. An unrolled column costs a broadcast and a multiply-add per accumulator reading it.
    /// </summary>
    public static Unrolling For(IReadOnlyList<IReadOnlyList<Accumulator>> sweeps, LayerShape shape, int copies)
    {
        int Cost(int columns, bool hidden, bool unrolled) => copies * sweeps.Sum(accumulators =>
        {
            int reading = accumulators.Count(a => hidden ? a.ReadsHidden : a.ReadsInput);
            int calls = reading == 0 ? 0 : reading + 1;
            return unrolled ? columns * calls : (2 + columns % 2) * calls;
        });
        bool hidden = Cost(shape.HiddenColumns, hidden: true, unrolled: true) + Cost(shape.InputColumns, hidden: false, unrolled: false) <= KernelPlan.UnrollBudget;
        bool input = Cost(shape.HiddenColumns, hidden: true, hidden) + Cost(shape.InputColumns, hidden: false, unrolled: true) <= KernelPlan.UnrollBudget;
        return new Unrolling(input, hidden);
    }
}

/// <summary>A layer's step as the kernel runs it.</summary>
/// <param name="Layer">0 for the bottom layer, 1 for every layer above it (they share code).</param>
/// <param name="Inputs">The layer's inputs: InputSize, or D · H_out above layer 0.</param>
/// <param name="InputsName">The constant that names them in generated code.</param>
/// <param name="HiddenColumns">W_hh's columns: H_out, the values of h.</param>
/// <param name="HiddenColumnsName">The constant that names them.</param>
/// <param name="SeparateInput">Whether its W_hh rows are packed apart from the input rows.</param>
/// <param name="Precomputed">Whether it starts from its input part computed ahead instead of x_t.</param>
internal sealed record LayerShape(int Layer, int Inputs, string InputsName, int HiddenColumns, string HiddenColumnsName, bool SeparateInput, bool Precomputed)
{
    public static LayerShape Bottom(KernelPlan plan) =>
        new(0, plan.Spec.InputSize, "InputSize", plan.Spec.HiddenOutputSize, HiddenOutputName(plan.Spec), plan.SeparateInput, Precomputed: false);

    public static LayerShape Upper(KernelPlan plan) =>
        new(1, plan.Spec.FeatureSize, FeatureName(plan.Spec), plan.Spec.HiddenOutputSize, HiddenOutputName(plan.Spec), SeparateInput: false, Precomputed: false);

    /// <summary>The constant naming H_out in generated code: HiddenSize, or ProjSize when projected.</summary>
    public static string HiddenOutputName(ModelSpec spec) => spec.ProjSize > 0 ? "ProjSize" : "HiddenSize";

    /// <summary>The constant naming a layer's values per step (D · H_out): H_out's name when unidirectional.</summary>
    public static string FeatureName(ModelSpec spec) => spec.Bidirectional ? "FeatureSize" : HiddenOutputName(spec);

    public LayerShape AsPrecomputed => this with { Precomputed = true };

    /// <summary>The input columns its sweep reads: none when it starts from the input part computed ahead.</summary>
    public int InputColumns => Precomputed ? 0 : Inputs;

    /// <summary>The panel row of W_hh's first column: after the bias and input rows, or 0 where packed apart.</summary>
    public int HiddenFirstRow => SeparateInput ? 0 : 1 + Inputs;
}

/// <summary>
/// What differs between the LSTM and the GRU, as data: its accumulator slots per hidden unit in the packed row order
/// (see RecurrentPacking), which of them read the layer's input and h_{t-1}, its state, its names and the comments
/// its code carries. The LSTM's slots are the gates i, f, g, o; the GRU's r, z and the input and hidden parts of n,
/// which the reset gate keeps apart.
/// </summary>
/// <param name="InputOnlySlot">The slot that accumulates over the input only (the GRU's n_x); -1: none.</param>
/// <param name="HiddenOnlySlot">The slot that accumulates over h_{t-1} only (the GRU's n_h); -1: none.</param>
/// <param name="HasRestTiles">Whether left-over units may share vectors in a rest tile. Only LSTMs: a GRU's n_h must not
/// meet the input columns, where a zero weight times an infinite input would give NaN.</param>
/// <param name="Update">The cell update of a vector of units, {0}: the SIMD type, {1}: the units' c (LSTM) or h_{t-1}
/// (GRU), {2}: their new h, {3}: the suffix of the slots' variables.</param>
internal sealed record Cell(
    string Name, string Attribute, string Module, string Weights, int Gates, IReadOnlyList<string> Slots,
    int InputOnlySlot, int HiddenOnlySlot, bool HasCellState, bool HasRestTiles,
    string BiasComment, string PrecomputedComment, string InputComment, string HiddenComment, string UpdateComment, string Update)
{
    public static readonly Cell Lstm = new("LSTM", "Lstm", "nn.LSTM", "LstmWeights", Gates: 4, ["i", "f", "g", "o"],
        InputOnlySlot: -1, HiddenOnlySlot: -1, HasCellState: true, HasRestTiles: true,
        BiasComment: "gates = b_ih + b_hh (the i, f, o rows are pre-scaled by ½: σ(v) = ½ + ½·tanh(v/2))",
        PrecomputedComment: "gates = b_ih + b_hh + W_ih · x_t, precomputed ahead (the i, f, o rows are pre-scaled by ½)",
        InputComment: "gates += W_ih · x_t",
        HiddenComment: "gates += W_hh · h_{t-1}",
        UpdateComment: "c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)",
        Update: "{0}.LstmCell(i{3}, f{3}, g{3}, o{3}, ref {1}, ref {2});");

    public static readonly Cell Gru = new("GRU", "Gru", "nn.GRU", "GruWeights", Gates: 3, ["r", "z", "nx", "nh"],
        InputOnlySlot: 2, HiddenOnlySlot: 3, HasCellState: false, HasRestTiles: false,
        BiasComment: "r, z = b_ih + b_hh; n_x = b_in; n_h = b_hn (the r, z rows are pre-scaled by ½: σ(v) = ½ + ½·tanh(v/2))",
        PrecomputedComment: "r, z, n_x = b + W_ih · x_t; n_h = b_hn, precomputed ahead (the r, z rows are pre-scaled by ½)",
        InputComment: "r, z, n_x += W_ih · x_t",
        HiddenComment: "r, z, n_h += W_hh · h_{t-1}",
        UpdateComment: "n = tanh(n_x + r ⊙ n_h);  h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}",
        Update: "{0}.GruCell(r{3}, z{3}, nx{3}, nh{3}, in {1}, ref {2});");

    public static Cell For(CellKind kind) => kind == CellKind.Lstm ? Lstm : Gru;

    /// <summary>Whether a slot accumulates over the layer's input.</summary>
    public bool ReadsInput(int slot) => slot != HiddenOnlySlot;

    /// <summary>Whether a slot accumulates over h_{t-1}.</summary>
    public bool ReadsHidden(int slot) => slot != InputOnlySlot;

    /// <summary>The cell update of the units whose c (or h_{t-1}) and new h are at the given references.</summary>
    public string UpdateOf(string simd, string cellOrPrevious, string hidden, string slotSuffix = "") =>
        string.Format(Update, simd, cellOrPrevious, hidden, slotSuffix);
}
