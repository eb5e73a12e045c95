using System.Collections.Generic;
using System.Linq;

namespace LstmGen.Generator.Model;

/// <summary>
/// How the kernel lays out a model. Hidden units are processed in tiles of one vector per slot; each SIMD path has its
/// own tiling (<see cref="Tilings"/>), and the weights are packed at load time for the path of the CPU they run on.
/// One vector per slot and tile keeps each tile's panel streaming through the cache in short rows; with even and odd
/// columns in separate accumulators that is 8 independent FMA chains. Wider tiles (up to 4 vectors per gate,
/// accumulated at once) measured slower on sensor- and mid-sized models and level elsewhere.
/// </summary>
/// <param name="Tilings">The tilings, widest first; <see cref="Tiling.Paths"/> says which SIMD widths run each.</param>
/// <param name="GroupKernel">Whether batches run groups of sequences on the SIMD lanes. That pays for small models,
/// where one sequence cannot fill the FMA units (the step-to-step dependency chain dominates); larger ones already
/// stream their weights at full width, and their unrolled group code spills (measured: 3.5× slower at I 16, H 32).</param>
/// <param name="Snake">Whether odd steps read the weights backwards, starting with what the previous step left in
/// cache: for weights larger than the L1 cache.</param>
/// <param name="ProjectionSteps">How many steps ahead a sequence's <c>Forward</c> computes layer 0's input part
/// (bias + W_ih · x_t), tile by tile, before their recurrent parts; 0: step by step. A chunk reads W_ih once instead of
/// once per step (a tile's W_ih columns stay in L1 across it), and each step then streams only W_hh, which a projecting
/// model packs apart from the input rows (RecurrentPacking's separateInput). That pays when the weights live well
/// beyond L1 (over 64 KB) and W_ih is large enough (8 KB or more) that the bytes saved outweigh storing and reloading
/// the pre-activations. Measured on Zen 5 (48 KB L1, 1 MB L2; Stopwatch, ns per step, step by step → projected):
/// I 16, H 64 (83 KB) 320 → 296; I 8, H 64 (W_ih 8 KB) 284 → 277; I 16, H 128: 1439 → 1294; I 64, H 128: 2202 → 1625;
/// I 48, H 64: 540 → 401; but with W_ih under 8 KB slower: I 1, H 64: 252 → 259; I 4, H 96: 680 → 716; I 8, H 48
/// (43 KB): 133 → 140.</param>
internal sealed record KernelLayout(Cell Cell, IReadOnlyList<Tiling> Tilings, bool GroupKernel, bool Snake, int ProjectionSteps)
{
    /// <summary>The most multiply-adds a loop may unroll into; beyond it the loop stays a loop.</summary>
    public const int UnrollBudget = 128;

    /// <summary>
    /// The independent multiply-add chains each accumulator of a sweep over the columns is split into. Two halve the
    /// chain a step waits for once h_{t-1} is known; a sweep of at most 2 accumulators (a lone rest tile) takes 4, so
    /// that at least 8 multiply-adds are in flight. Measured (Stopwatch): seed model (5, 8, 2, 7), 181 → 176 ns per sequence.
    /// </summary>
    public static int ChainsPerAccumulator(int accumulators) => accumulators <= 2 ? 4 : 2;

    /// <summary>Every SIMD width, widest first.</summary>
    public static readonly VectorWidth[] AllWidths = [new(512), new(256), new(128)];

    /// <summary>The tiling a SIMD path runs.</summary>
    public Tiling TilingOf(VectorWidth path) => Tilings.First(tiling => tiling.Paths.Contains(path));

    /// <summary>
    /// The tiling whose layout the scalar path reads: the one that pads most (the widest), since the state is padded
    /// for it.
    /// </summary>
    public Tiling Scalar => Tilings.OrderByDescending(tiling => tiling.PaddedHidden).First();

    /// <summary>
    /// Floats per state buffer: the hidden units padded to whole tiles of every tiling, then to whole cache lines
    /// (16 floats), so that in the aligned state no full-width store straddles two (RecurrentPacking.StateStride).
    /// </summary>
    public int PaddedHidden => (Scalar.PaddedHidden + 15) / 16 * 16;

    public static KernelLayout For(ModelSpec spec)
    {
        // Each path takes the tiling with the fewest vectors per weight column (the multiply-adds are the work), on a
        // tie the narrowest vectors, which pad less. A narrower path never picks a wider tiling than a wider path does.
        VectorWidth TileVectorOf(VectorWidth path) => AllWidths
            .Where(width => width.Lanes <= path.Lanes)
            .OrderBy(width => Tiling.For(width, spec, []).VectorsPerColumn)
            .ThenBy(width => width.Lanes)
            .First();

        Tiling[] tilings = AllWidths
            .GroupBy(TileVectorOf)
            .Select(group => Tiling.For(group.Key, spec, group.ToArray()))
            .ToArray();

        long weights = 4L * 4 * spec.HiddenSize * (1 + spec.InputSize + spec.HiddenSize + (spec.NumLayers - 1L) * (1 + 2 * spec.HiddenSize));
        long inputWeights = 4L * 4 * spec.HiddenSize * spec.InputSize;
        // Up to 8 steps, with the chunk's pre-activations (4 · hidden size floats per step) within 32 KB of stack.
        int paddedHidden = tilings.Max(tiling => tiling.PaddedHidden);
        int projectionSteps = weights > 64 * 1024 && inputWeights >= 8 * 1024
            ? System.Math.Min(System.Math.Min(8, spec.SeqLen), 8192 / (4 * paddedHidden))
            : 0;
        return new KernelLayout(
            Cell.For(spec.Cell), tilings,
            GroupKernel: 4L * spec.HiddenSize * (spec.InputSize + spec.HiddenSize) <= 4096,
            Snake: weights > 32 * 1024,
            ProjectionSteps: projectionSteps >= 2 ? projectionSteps : 0);
    }
}

/// <summary>
/// Hidden units in <see cref="Count"/> tiles of one <see cref="Vector"/> per slot, then maybe a narrow rest tile:
/// the layout and code of the <see cref="Paths"/>, the SIMD widths that run it (the widest accelerated one picks it
/// at run time).
/// </summary>
/// <param name="RestLanes">
/// Units in the rest tile, or 0 without one. When a quarter or a half of a vector can hold the units that whole
/// tiles leave over, their four slots share vectors, side by side: <see cref="RestVectors"/> vectors instead of 4
/// (H = 20 on Vector512: one tile of 16, then the last 4 units' gates [i | f | g | o] in one vector). Otherwise the
/// last tile is a whole, zero-padded one, counted in <see cref="Count"/>.
/// </param>
internal sealed record Tiling(VectorWidth Vector, int Count, int RestLanes, IReadOnlyList<VectorWidth> Paths)
{
    public int Lanes => Vector.Lanes;

    /// <summary>The vectors the rest tile's slots fill: 1 (a quarter each) or 2 (a half each); 0 without a rest tile.</summary>
    public int RestVectors => 4 * RestLanes / Lanes;

    /// <summary>Vectors multiply-added per weight column, over all tiles: the tiling's work.</summary>
    public int VectorsPerColumn => 4 * Count + RestVectors;

    /// <summary>The hidden units padded to whole tiles.</summary>
    public int PaddedHidden => Count * Lanes + RestLanes;

    /// <summary>The nested class holding this tiling's constants and code.</summary>
    public string ClassName => Vector.Type + "Tiles";

    /// <summary>
    /// Tiles of <paramref name="vector"/> for the model's hidden units. A rest tile's gates split a vector into blocks
    /// of at least a Vector128, so the cell update reads them as whole vectors. Only LSTMs have rest tiles: a GRU's
    /// n_h must not meet the input columns, where a zero weight times an infinite input would give NaN.
    /// </summary>
    public static Tiling For(VectorWidth vector, ModelSpec spec, IReadOnlyList<VectorWidth> paths)
    {
        int lanes = vector.Lanes, left = spec.HiddenSize % lanes;
        int restLanes = left == 0 || spec.Cell != CellKind.Lstm ? 0
            : new[] { lanes / 4, lanes / 2 }.FirstOrDefault(block => block >= 4 && block >= left);
        int count = spec.HiddenSize / lanes + (left > 0 && restLanes == 0 ? 1 : 0);
        return new Tiling(vector, count, restLanes, paths);
    }
}

/// <summary>A SIMD width the kernel can run on.</summary>
internal sealed record VectorWidth(int Bits)
{
    public int Lanes => Bits / 32;

    public string Type => "Vector" + Bits;
}

/// <summary>
/// A recurrent cell's accumulator slots per hidden unit, in the packed row order (see RecurrentPacking): the LSTM's
/// gates i, f, g, o; the GRU's r, z and the input and hidden parts of n, which the reset gate keeps apart.
/// </summary>
internal sealed record Cell(CellKind Kind, string Name, string Weights, string Prefix, IReadOnlyList<string> Slots, bool HasCellState)
{
    public static readonly Cell Lstm = new(CellKind.Lstm, "LSTM", "LstmWeights", "LstmPrefix", ["i", "f", "g", "o"], HasCellState: true);
    public static readonly Cell Gru = new(CellKind.Gru, "GRU", "GruWeights", "GruPrefix", ["r", "z", "nx", "nh"], HasCellState: false);

    public static Cell For(CellKind kind) => kind == CellKind.Lstm ? Lstm : Gru;

    /// <summary>Whether a slot accumulates over the layer's input (the GRU's n_h does not).</summary>
    public bool ReadsInput(int slot) => Kind == CellKind.Lstm || slot != 3;

    /// <summary>Whether a slot accumulates over h_{t-1} (the GRU's n_x does not).</summary>
    public bool ReadsHidden(int slot) => Kind == CellKind.Lstm || slot != 2;

    /// <summary>Floats of state per layer and padded hidden unit: two h buffers, and the LSTM's c.</summary>
    public int StateBuffers => HasCellState ? 3 : 2;
}
