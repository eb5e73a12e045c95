using System.Collections.Generic;
using System.Linq;

namespace LstmGen.Generator.Model;

/// <summary>
/// How the kernel lays out a model. Hidden units are processed in tiles of <see cref="Lanes"/> units: 16, 8 or 4
/// floats, the widest whose zero padding stays within a quarter of extra work. One vector per gate and tile keeps
/// each tile's panel streaming through the cache in short rows; with even and odd columns in separate accumulators
/// that is 8 independent FMA chains. Wider tiles (up to 4 vectors per gate, accumulated at once) measured slower on
/// sensor- and mid-sized models and level elsewhere.
/// </summary>
/// <param name="Widths">The SIMD widths to emit: those no wider than a tile.</param>
/// <param name="GroupKernel">Whether batches run groups of sequences on the SIMD lanes. That pays for small models,
/// where one sequence cannot fill the FMA units (the step-to-step dependency chain dominates); larger ones already
/// stream their weights at full width, and their unrolled group code spills (measured: 3.5× slower at I 16, H 32).</param>
/// <param name="Snake">Whether odd steps read the weights backwards, starting with what the previous step left in
/// cache: for weights larger than the L1 cache.</param>
internal sealed record KernelLayout(Cell Cell, int Lanes, int Tiles, IReadOnlyList<VectorWidth> Widths, bool GroupKernel, bool Snake)
{
    /// <summary>The most multiply-adds a loop may unroll into; beyond it the loop stays a loop.</summary>
    public const int UnrollBudget = 128;

    /// <summary>Every SIMD width, widest first.</summary>
    public static readonly VectorWidth[] AllWidths = [new(512), new(256), new(128)];

    public static KernelLayout For(ModelSpec spec)
    {
        // The widest vector unit whose zero padding costs at most a quarter more work than the narrowest.
        int Padded(int lanes) => (spec.HiddenSize + lanes - 1) / lanes * lanes;
        int lanes = new[] { 16, 8, 4 }.First(candidate => Padded(candidate) * 4 <= Padded(4) * 5);
        int tiles = Padded(lanes) / lanes;

        long bottomLayer = (long)tiles * (1 + spec.InputSize + spec.HiddenSize) * 4 * lanes;
        long upperLayers = (spec.NumLayers - 1L) * tiles * (1 + 2 * spec.HiddenSize) * 4 * lanes;
        return new KernelLayout(
            Cell.For(spec.Cell), lanes, tiles,
            AllWidths.Where(width => width.Lanes <= lanes).ToArray(),
            GroupKernel: 4L * spec.HiddenSize * (spec.InputSize + spec.HiddenSize) <= 4096,
            Snake: 4 * (bottomLayer + upperLayers) > 32 * 1024);
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

/// <summary>
/// A run of a tile's vectors (per slot) accumulated together, when a tile is wider than the vectors of a path:
/// at most 3 per slot, so the accumulators fit the 16 vector registers of x64 without AVX-512.
/// </summary>
/// <param name="SplitK">With one vector per slot, even and odd k go to separate accumulators so 8 FMA chains run at once.</param>
internal sealed record Pass(int Index, int First, int Count, bool SplitK, IReadOnlyList<Accumulator> Accumulators)
{
    public static IReadOnlyList<Pass> Split(Cell cell, int vectorsPerSlot, VectorWidth width)
    {
        const int limit = 3;
        int count = (vectorsPerSlot + limit - 1) / limit;
        var passes = new List<Pass>();
        for (int index = 0, first = 0; index < count; index++)
        {
            int size = (vectorsPerSlot - first) / (count - index); // spread evenly
            passes.Add(new Pass(index, first, size, size == 1, Accumulator.For(cell, first, size, vectorsPerSlot, width)));
            first += size;
        }
        return passes;
    }
}

/// <summary>The accumulator of one vector of one slot: its name (i0, f0, …), slot, and offset within a panel row.</summary>
internal sealed record Accumulator(string Name, int Slot, int Offset)
{
    public string OddName => Name + "Odd";

    public static IReadOnlyList<Accumulator> For(Cell cell, int first, int count, int vectorsPerSlot, VectorWidth width)
    {
        var accumulators = new List<Accumulator>();
        for (int slot = 0; slot < cell.Slots.Count; slot++)
        {
            for (int v = first; v < first + count; v++)
                accumulators.Add(new Accumulator($"{cell.Slots[slot]}{v}", slot, (slot * vectorsPerSlot + v) * width.Lanes));
        }
        return accumulators;
    }
}
