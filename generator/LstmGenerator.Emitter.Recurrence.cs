using System.Collections.Generic;
using System.Linq;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// A layer as the kernel sees it: its method name, its inputs and the name of its panels' length. With
        /// <paramref name="SeparateInput"/> a tile's input rows (bias, W_ih) and W_hh rows are two panels, packed apart
        /// (see EmitTiling); a projected layer reads only the latter, starting from its input part computed ahead
        /// (<see cref="KernelLayout.ProjectionSteps"/>) instead of x_t.
        /// </summary>
        private sealed record LayerShape(string Method, string Description, int Inputs, string InputsName, string PanelLengthName,
            bool SeparateInput = false, bool Projected = false)
        {
            public int HiddenFirstRow => SeparateInput ? 0 : 1 + Inputs;

            public string HiddenFirstRowName => SeparateInput ? "0" : $"1 + {InputsName}";
        }

        /// <summary>
        /// A tile's panel as the code names it: the panel, its row in a column loop, the row length, the units per slot
        /// (the distance between a unit's slots in a row), and its part of a step's projected input.
        /// </summary>
        private sealed record Panel(string Name, string Row, string RowLength, string Lanes, string Projected)
        {
            public static readonly Panel Tile = new("panel", "row", "RowLength", "Lanes", "projected");
            public static readonly Panel Rest = new("restPanel", "restRow", "RestRowLength", "RestLanes", "restProjected");

            private static readonly Panel TileHidden = new("hiddenPanel", "hiddenRow", "RowLength", "Lanes", "projected");
            private static readonly Panel RestHidden = new("restHiddenPanel", "restHiddenRow", "RestRowLength", "RestLanes", "restProjected");

            /// <summary>The same tile's W_hh rows, where they are packed apart from its input rows.</summary>
            public Panel HiddenRows => this == Rest ? RestHidden : TileHidden;

            // A unit's weight of a slot in a panel row (the bias row when row is null), relative to ref w at the unit.
            public string WeightAt(int slot, string? row)
            {
                string column = slot == 0 ? "" : slot == 1 ? Lanes : $"{slot} * {Lanes}";
                string offset = (row, column) switch
                {
                    (null, "") => "",
                    (null, _) => column,
                    (_, "") => $"{row} * {RowLength}",
                    _ => $"{row} * {RowLength} + {column}",
                };
                return offset.Length == 0 ? "w" : $"Unsafe.Add(ref w, {offset})";
            }
        }

        /// <summary>
        /// An accumulator vector: a slot of a whole tile, or a vector of the rest tile's slots side by side. A sweep over
        /// the columns splits it into <paramref name="Chains"/> independent chains (see KernelLayout.ChainsPerAccumulator).
        /// </summary>
        private sealed record Accumulator(string Name, Panel Panel, int Offset, bool ReadsInput, bool ReadsHidden, int Chains = 2)
        {
            /// <summary>A chain's variable: the column at position p of a sweep accumulates into chain p mod Chains.</summary>
            public string ChainName(int chain) => chain == 0 ? Name : Chains == 2 ? Name + "Odd" : $"{Name}Chain{chain}";

            /// <summary>The chains after the first, which start at zero.</summary>
            public IEnumerable<string> ZeroChains => Enumerable.Range(1, Chains - 1).Select(ChainName);

            /// <summary>The statement that adds the chains up into the first, pairwise.</summary>
            public string SumChains => Chains == 2
                ? $"{Name} += {ChainName(1)};"
                : $"{Name} = ({Name} + {ChainName(1)}) + ({ChainName(2)} + {ChainName(3)});";
        }

        // A tiling's nested class: its layout constants, one sequence, one streaming step, the layer bodies and,
        // for small models, the batch kernels of the paths that run it.
        private static void EmitTiling(SourceWriter writer, ModelSpec spec, KernelLayout layout, Tiling tiling)
        {
            string paths = string.Join(" or ", tiling.Paths.Select(path => path.Type));
            string tiles = (tiling.Count, tiling.RestLanes) switch
            {
                (0, _) => $"a rest tile of {tiling.RestLanes}",
                (1, 0) => $"one tile of {tiling.Lanes}",
                (_, 0) => $"{tiling.Count} tiles of {tiling.Lanes}",
                (1, _) => $"one tile of {tiling.Lanes} and a rest tile of {tiling.RestLanes}",
                _ => $"{tiling.Count} tiles of {tiling.Lanes} and a rest tile of {tiling.RestLanes}",
            };
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line($"/// The path when {paths} is the widest accelerated vector: the hidden units in {tiles},");
            writer.Line($"/// one {tiling.Vector.Type} per {(layout.Cell.Kind == CellKind.Lstm ? "gate" : "slot")} and {(tiling.RestLanes > 0 ? "whole " : "")}tile.");
            writer.Line("/// </summary>");
            writer.Open($"private static class {tiling.ClassName}");
            writer.Line($"public const int Lanes = {tiling.Lanes};");
            writer.Line($"private const int Tiles = {tiling.Count};");
            bool rest = tiling.RestLanes > 0;
            if (rest)
            {
                string shared = tiling.RestVectors == 1 ? $"one {tiling.Vector.Type}, a quarter each" : $"{tiling.RestVectors} {tiling.Vector.Type}, half of one each";
                writer.Line($"// The last RestLanes units form a rest tile: their {string.Join(", ", layout.Cell.Slots)} share {shared}.");
                writer.Line($"public const int RestLanes = {tiling.RestLanes};");
            }
            writer.Line($"// A tile's panel holds rows of 4 · Lanes floats ({string.Join(", ", layout.Cell.Slots)} side by side): the bias row,");
            writer.Line("// then one row per layer input (W_ih columns) and per hidden unit (W_hh columns).");
            writer.Line("private const int RowLength = 4 * Lanes;");
            if (rest) writer.Line("private const int RestRowLength = 4 * RestLanes;");
            writer.Line("private const int PanelLength = (1 + InputSize + HiddenSize) * RowLength; // layer 0");
            writer.Line($"private const int LayerLength = Tiles * PanelLength{(rest ? " + (1 + InputSize + HiddenSize) * RestRowLength" : "")};");
            if (spec.NumLayers > 1)
            {
                writer.Line("private const int UpperPanelLength = (1 + 2 * HiddenSize) * RowLength; // layers 1 and up");
                writer.Line($"private const int UpperLayerLength = Tiles * UpperPanelLength{(rest ? " + (1 + 2 * HiddenSize) * RestRowLength" : "")};");
            }
            string upper = spec.NumLayers > 1 ? " + (NumLayers - 1) * UpperLayerLength" : "";
            writer.Line($"public const int HeadOffset = LayerLength{upper}; // fc.weight [OutputSize, HiddenSize], then fc.bias");
            bool projected = layout.ProjectionSteps > 0;
            if (projected)
            {
                writer.Line("// Forward computes layer 0's input part, b + W_ih · x_t, ProjectionSteps steps ahead: one step's pre-activations,");
                writer.Line("// laid out as the panels' bias rows side by side, take ProjectionLength floats.");
                writer.Line($"private const int ProjectionSteps = {layout.ProjectionSteps};");
                writer.Line($"private const int ProjectionLength = Tiles * RowLength{(rest ? " + RestRowLength" : "")};");
                writer.Line("// So layer 0's panels are cut in two: every tile's bias and W_ih rows, then every tile's W_hh rows,");
                writer.Line("// which a projected step reads in one contiguous stream.");
                writer.Line("private const int InputPanelLength = (1 + InputSize) * RowLength;");
                writer.Line("private const int HiddenPanelLength = HiddenSize * RowLength;");
                writer.Line($"private const int HiddenPanelsOffset = Tiles * InputPanelLength{(rest ? " + (1 + InputSize) * RestRowLength" : "")};");
            }

            writer.Line();
            writer.Line("/// <summary>Packs weights in PyTorch's layout for this tiling.</summary>");
            writer.Line("public static PackedWeights Pack(RecurrentWeights weights) =>");
            writer.Line($"    RecurrentPacking.Pack(weights, InputSize, HiddenSize, OutputSize, NumLayers, Lanes, restLanes: {(rest ? "RestLanes" : "Lanes")}{(projected ? ", separateInput: true" : "")});");

            writer.Line();
            writer.Line($"/// <summary>Runs one sequence from the zero state in <paramref name=\"state\"/>, then the head.</summary>");
            writer.Open("public static void Run(ref float weights, ref float input, ref float state, ref float output)");
            if (projected)
            {
                writer.Line("Span<float> buffer = stackalloc float[ProjectionSteps * ProjectionLength + AlignedBuffer.Slack];");
                writer.Line("ref float projection = ref AlignedBuffer.Align(buffer);");
                writer.Open("for (int start = 0; start < SeqLen; start += ProjectionSteps)");
                writer.Line("int steps = Math.Min(ProjectionSteps, SeqLen - start);");
                writer.Line("Project(ref weights, ref Unsafe.Add(ref input, start * InputSize), ref projection, steps);");
                writer.Line("for (int t = start; t < start + steps; t++)");
                writer.Line("    ProjectedLayers(ref weights, ref Unsafe.Add(ref projection, (t - start) * ProjectionLength), ref state, t & 1);");
                writer.Close();
            }
            else
            {
                writer.Line("for (int t = 0; t < SeqLen; t++)");
                writer.Line("    Layers(ref weights, ref Unsafe.Add(ref input, t * InputSize), ref state, t & 1);");
            }
            writer.Line("// After SeqLen steps, the last layer's h_T is in buffer SeqLen % 2.");
            writer.Line("Head(ref Unsafe.Add(ref weights, HeadOffset), ref Unsafe.Add(ref state, HiddenOffset(NumLayers - 1, SeqLen % 2)), ref output);");
            writer.Close();

            writer.Line();
            writer.Line("/// <summary>One streaming step: h_{t-1} is in buffer <paramref name=\"parity\"/> of each layer, h_t goes to the other.</summary>");
            writer.Open("public static void Step(ref float weights, ref float x, ref float state, int parity, ref float output)");
            writer.Line("Layers(ref weights, ref x, ref state, parity);");
            writer.Line("Head(ref Unsafe.Add(ref weights, HeadOffset), ref Unsafe.Add(ref state, HiddenOffset(NumLayers - 1, parity ^ 1)), ref output);");
            writer.Close();

            var bottom = projected
                ? new LayerShape("Layer", "Layer 0, reading x_t", spec.InputSize, "InputSize", "InputPanelLength", SeparateInput: true)
                : new LayerShape("Layer", "Layer 0, reading x_t", spec.InputSize, "InputSize", "PanelLength");
            var above = new LayerShape("UpperLayer", "A layer above 0, reading the h_t of the layer below", spec.HiddenSize, "HiddenSize", "UpperPanelLength");
            EmitLayers(writer, spec, "Layers", "One time step of every layer.", bottom, above);
            // A streaming step reads x_t as it comes: one step's projection would read W_ih just the same, in a second pass.
            if (projected)
            {
                var bottomProjected = bottom with { Method = "ProjectedLayer", Description = "Layer 0, from b + W_ih · x_t projected ahead", Projected = true };
                EmitLayers(writer, spec, "ProjectedLayers", "One time step of every layer, layer 0 from its projected input.", bottomProjected, above);
                EmitProject(writer, spec, layout, tiling, bottom);
                EmitLayer(writer, spec, layout, tiling, bottomProjected);
            }
            EmitLayer(writer, spec, layout, tiling, bottom);
            if (spec.NumLayers > 1)
                EmitLayer(writer, spec, layout, tiling, above);
            if (layout.GroupKernel)
            {
                foreach (VectorWidth path in tiling.Paths)
                {
                    writer.Line();
                    EmitGroup(writer, spec, tiling, layout.Cell, path);
                }
            }
            writer.Close();
        }

        // One time step of every layer: layer 0 (bottom), then the layers above in a loop.
        private static void EmitLayers(SourceWriter writer, ModelSpec spec, string method, string summary, LayerShape bottom, LayerShape above)
        {
            string source = bottom.Projected ? "projection" : "x";
            writer.Line();
            writer.Line($"/// <summary>{summary}</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            writer.Open($"private static void {method}(ref float weights, ref float {source}, ref float state, int parity)");
            writer.Line($"{bottom.Method}(ref weights, ref {source}, ref state, parity);");
            if (spec.NumLayers > 1)
            {
                writer.Open("for (int layer = 1; layer < NumLayers; layer++)");
                writer.Line($"{above.Method}(");
                writer.Line("    ref Unsafe.Add(ref weights, LayerLength + (layer - 1) * UpperLayerLength),");
                writer.Line("    ref Unsafe.Add(ref state, HiddenOffset(layer - 1, parity ^ 1)),");
                writer.Line("    ref Unsafe.Add(ref state, layer * LayerStateLength),");
                writer.Line("    parity);");
                writer.Close();
            }
            writer.Close();
        }

        // Layer 0's input part, b + W_ih · x_t, of `steps` consecutive steps, tile by tile: a tile's W_ih columns are read
        // from memory for the first step and from L1 for the others.
        private static void EmitProject(SourceWriter writer, ModelSpec spec, KernelLayout layout, Tiling tiling, LayerShape shape)
        {
            Cell cell = layout.Cell;
            bool rest = tiling.RestLanes > 0;
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line("/// Layer 0's b + W_ih · x_t for <paramref name=\"steps\"/> steps from <paramref name=\"x\"/>, into ProjectionLength floats per step:");
            writer.Line("/// tile by tile, so that a tile's W_ih columns come from memory once for all the steps.");
            writer.Line("/// </summary>");
            writer.Open("private static void Project(ref float weights, ref float x, ref float projection, int steps)");
            if (tiling.Count > 0)
            {
                writer.Open("for (int tile = 0; tile < Tiles; tile++)");
                writer.Line("ref float panel = ref Unsafe.Add(ref weights, tile * InputPanelLength);");
                writer.Line("ref float projected = ref Unsafe.Add(ref projection, tile * RowLength);");
                EmitProjectSteps(writer, tiling, shape, TileAccumulators(tiling, cell));
                writer.Close();
            }
            if (rest)
            {
                if (tiling.Count > 0) writer.Line();
                writer.Line("ref float restPanel = ref Unsafe.Add(ref weights, Tiles * InputPanelLength);");
                writer.Line("ref float restProjected = ref Unsafe.Add(ref projection, Tiles * RowLength);");
                EmitProjectSteps(writer, tiling, shape, RestAccumulators(tiling));
            }
            writer.Close();
        }

        private static void EmitProjectSteps(SourceWriter writer, Tiling tiling, LayerShape shape, IReadOnlyList<Accumulator> accumulators)
        {
            string vector = tiling.Vector.Type;
            Panel panel = accumulators[0].Panel;
            writer.Open("for (int step = 0; step < steps; step++)");
            writer.Line("ref float xt = ref Unsafe.Add(ref x, step * InputSize);");
            writer.Line($"ref float into = ref Unsafe.Add(ref {panel.Projected}, step * ProjectionLength);");
            foreach (Accumulator accumulator in accumulators)
                writer.Line($"var {accumulator.Name} = {vector}.LoadUnsafe(ref {panel.Name}, {accumulator.Offset});");
            foreach (Accumulator accumulator in accumulators.Where(a => a.ReadsInput))
                foreach (string chain in accumulator.ZeroChains)
                    writer.Line($"var {chain} = {vector}<float>.Zero;");
            EmitColumns(writer, vector, accumulators.Where(a => a.ReadsInput).ToList(), shape.Inputs, 1, "1", shape.InputsName, "xt", reverse: false);
            foreach (Accumulator accumulator in accumulators.Where(a => a.ReadsInput))
                writer.Line(accumulator.SumChains);
            foreach (Accumulator accumulator in accumulators)
                writer.Line($"{accumulator.Name}.StoreUnsafe(ref into, {accumulator.Offset});");
            writer.Close();
        }

        // A whole tile's accumulators: one vector per slot, named after it.
        private static List<Accumulator> TileAccumulators(Tiling tiling, Cell cell) =>
            cell.Slots.Select((name, slot) => new Accumulator(name, Panel.Tile, slot * tiling.Lanes, cell.ReadsInput(slot), cell.ReadsHidden(slot))).ToList();

        // The rest tile's accumulators: rest (a quarter of the vector per gate) or rest0, rest1 (a half each).
        private static List<Accumulator> RestAccumulators(Tiling tiling) =>
            Enumerable.Range(0, tiling.RestVectors).Select(index =>
                new Accumulator(tiling.RestVectors == 1 ? "rest" : "rest" + index, Panel.Rest, index * tiling.Lanes, ReadsInput: true, ReadsHidden: true)).ToList();

        private static void EmitLayer(SourceWriter writer, ModelSpec spec, KernelLayout layout, Tiling tiling, LayerShape shape)
        {
            writer.Line();
            writer.Line($"/// <summary>{shape.Description}; consecutive columns accumulate into separate chains, to shorten the dependency chain.</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            writer.Open($"private static void {shape.Method}(ref float weights, ref float {(shape.Projected ? "projection" : "x")}, ref float state, int parity)");
            writer.Line("ref float hPrev = ref Unsafe.Add(ref state, parity * PaddedHidden);");
            writer.Line("ref float hNext = ref Unsafe.Add(ref state, (parity ^ 1) * PaddedHidden);");
            if (layout.Cell.HasCellState)
                writer.Line("ref float cell = ref Unsafe.Add(ref state, 2 * PaddedHidden);");
            if (shape.SeparateInput)
                writer.Line("ref float hiddenPanels = ref Unsafe.Add(ref weights, HiddenPanelsOffset);");
            if (layout.Snake)
            {
                writer.Line();
                writer.Line("// Even steps stream the weights first to last, odd steps last to first:");
                writer.Line("// each step starts with the weights the previous one left in cache.");
                writer.Open("if (parity == 0)");
                EmitTiles(writer, spec, layout, tiling, shape, reverse: false);
                writer.Close();
                writer.Open("else");
                EmitTiles(writer, spec, layout, tiling, shape, reverse: true);
                writer.Close();
            }
            else
            {
                EmitTiles(writer, spec, layout, tiling, shape, reverse: false);
            }
            writer.Close();
        }

        // Every tile of a layer, in memory order or (reverse) backwards. A rest tile shares its sweep over the
        // columns with the last whole tile, so both use each broadcast of an input or hidden value.
        private static void EmitTiles(SourceWriter writer, ModelSpec spec, KernelLayout layout, Tiling tiling, LayerShape shape, bool reverse)
        {
            bool rest = tiling.RestLanes > 0;
            int looped = rest ? System.Math.Max(tiling.Count - 1, 0) : tiling.Count;
            if (looped == 1 && !rest)
            {
                EmitTileReferences(writer, layout.Cell, "0", shape);
                EmitTile(writer, spec, layout, tiling, shape, reverse, wholeTile: true, restTile: false);
                return;
            }
            if (!reverse) EmitTileLoop(writer, spec, layout, tiling, shape, looped, reverse);
            if (rest)
            {
                bool scoped = looped > 0; // the loop body declares the same names
                if (scoped)
                {
                    writer.Line();
                    writer.Open("// The last whole tile and the rest tile, in one sweep.");
                }
                if (tiling.Count > 0) EmitTileReferences(writer, layout.Cell, tiling.Count == 1 ? "0" : "Tiles - 1", shape);
                if (shape.Projected) writer.Line("ref float restProjected = ref Unsafe.Add(ref projection, Tiles * RowLength);");
                else writer.Line($"ref float restPanel = ref Unsafe.Add(ref weights, Tiles * {shape.PanelLengthName});");
                if (shape.SeparateInput) writer.Line("ref float restHiddenPanel = ref Unsafe.Add(ref hiddenPanels, Tiles * HiddenPanelLength);");
                EmitTile(writer, spec, layout, tiling, shape, reverse, wholeTile: tiling.Count > 0, restTile: true);
                if (scoped) writer.Close();
            }
            if (reverse) EmitTileLoop(writer, spec, layout, tiling, shape, looped, reverse);
        }

        // The first `count` whole tiles, one after the other (backwards when reverse).
        private static void EmitTileLoop(SourceWriter writer, ModelSpec spec, KernelLayout layout, Tiling tiling, LayerShape shape, int count, bool reverse)
        {
            if (count == 0) return;
            string last = count == tiling.Count ? "Tiles" : $"Tiles - {tiling.Count - count}";
            writer.Open(reverse ? $"for (int tile = {last} - 1; tile >= 0; tile--)" : $"for (int tile = 0; tile < {last}; tile++)");
            EmitTileReferences(writer, layout.Cell, "tile", shape);
            EmitTile(writer, spec, layout, tiling, shape, reverse, wholeTile: true, restTile: false);
            writer.Close();
        }

        // The references a whole tile's code uses: its panel (or projected input; and its W_hh panel where packed apart),
        // and its units' c (or previous h) and new h.
        private static void EmitTileReferences(SourceWriter writer, Cell cell, string tile, LayerShape shape)
        {
            string factor = tile.Contains(' ') ? $"({tile})" : tile;
            string At(string buffer, string stride) => tile == "0" ? $"ref {buffer}" : $"ref Unsafe.Add(ref {buffer}, {factor} * {stride})";
            if (shape.Projected) writer.Line($"ref float projected = {At("projection", "RowLength")};");
            else writer.Line($"ref float panel = {At("weights", shape.PanelLengthName)};");
            if (shape.SeparateInput) writer.Line($"ref float hiddenPanel = {At("hiddenPanels", "HiddenPanelLength")};");
            if (cell.HasCellState) writer.Line($"ref float c = {At("cell", "Lanes")};");
            writer.Line($"ref float h = {At("hNext", "Lanes")};");
            if (!cell.HasCellState) writer.Line($"ref float hOld = {At("hPrev", "Lanes")};");
        }

        // One sweep: accumulate the slots of a whole tile and/or the rest tile over the bias, the layer input and
        // h_{t-1}, then update their cells.
        private static void EmitTile(SourceWriter writer, ModelSpec spec, KernelLayout layout, Tiling tiling, LayerShape shape, bool reverse,
            bool wholeTile, bool restTile)
        {
            Cell cell = layout.Cell;
            string vector = tiling.Vector.Type;
            var accumulators = new List<Accumulator>();
            if (wholeTile)
                accumulators.AddRange(TileAccumulators(tiling, cell));
            if (restTile)
                accumulators.AddRange(RestAccumulators(tiling));
            int chains = KernelLayout.ChainsPerAccumulator(accumulators.Count);
            accumulators = accumulators.Select(a => a with { Chains = chains }).ToList();

            writer.Line();
            if (shape.Projected)
                writer.Line(cell.Kind == CellKind.Lstm
                    ? "// gates = b_ih + b_hh + W_ih · x_t, projected ahead (the i, f, o rows are pre-scaled by ½: σ(v) = ½ + ½·tanh(v/2))"
                    : "// r, z, n_x = b + W_ih · x_t; n_h = b_hn, projected ahead (the r, z rows are pre-scaled by ½: σ(v) = ½ + ½·tanh(v/2))");
            else
                writer.Line(cell.Kind == CellKind.Lstm
                    ? "// gates = b_ih + b_hh (the i, f, o rows are pre-scaled by ½: σ(v) = ½ + ½·tanh(v/2))"
                    : "// r, z = b_ih + b_hh; n_x = b_in; n_h = b_hn (the r, z rows are pre-scaled by ½: σ(v) = ½ + ½·tanh(v/2))");
            if (restTile)
                writer.Line($"// {RestDescription(tiling)}");
            foreach (Accumulator accumulator in accumulators)
                writer.Line($"var {accumulator.Name} = {vector}.LoadUnsafe(ref {(shape.Projected ? accumulator.Panel.Projected : accumulator.Panel.Name)}, {accumulator.Offset});");
            // Accumulators that sum columns (with a projected input, the GRU's n_x is complete).
            var summing = accumulators.Where(a => a.ReadsHidden || !shape.Projected).ToList();
            foreach (Accumulator accumulator in summing)
                foreach (string chain in accumulator.ZeroChains)
                    writer.Line($"var {chain} = {vector}<float>.Zero;");

            string inputComment = cell.Kind == CellKind.Lstm ? "// gates += W_ih · x_t" : "// r, z, n_x += W_ih · x_t";
            string hiddenComment = cell.Kind == CellKind.Lstm ? "// gates += W_hh · h_{t-1}" : "// r, z, n_h += W_hh · h_{t-1}";
            var parts = new[]
            {
                (Comment: inputComment, Accumulators: accumulators.Where(a => a.ReadsInput).ToList(),
                    Count: shape.Inputs, FirstRow: 1, FirstRowName: "1", CountName: shape.InputsName, Source: "x"),
                (Comment: hiddenComment, Accumulators: accumulators.Where(a => a.ReadsHidden)
                        .Select(a => shape.SeparateInput ? a with { Panel = a.Panel.HiddenRows } : a).ToList(),
                    Count: spec.HiddenSize, FirstRow: shape.HiddenFirstRow, FirstRowName: shape.HiddenFirstRowName, CountName: "HiddenSize", Source: "hPrev"),
            };
            foreach (var part in (reverse ? Enumerable.Reverse(parts) : parts).Where(part => !shape.Projected || part.Source != "x"))
            {
                writer.Line();
                writer.Line(reverse ? part.Comment + ", last column first" : part.Comment);
                EmitColumns(writer, vector, part.Accumulators, part.Count, part.FirstRow, part.FirstRowName, part.CountName, part.Source, reverse);
            }
            writer.Line();
            foreach (Accumulator accumulator in summing)
                writer.Line(accumulator.SumChains);

            writer.Line();
            if (cell.Kind == CellKind.Lstm)
            {
                writer.Line("// c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)");
                if (wholeTile) writer.Line("KernelMath.LstmCell(i, f, g, o, ref c, ref h);");
                if (restTile)
                {
                    string gates = tiling.RestVectors == 1 ? "LstmCellQuarters(rest" : "LstmCellHalves(rest0, rest1";
                    writer.Line($"KernelMath.{gates}, ref Unsafe.Add(ref cell, Tiles * Lanes), ref Unsafe.Add(ref hNext, Tiles * Lanes));");
                }
            }
            else
            {
                writer.Line("// n = tanh(n_x + r ⊙ n_h);  h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}");
                writer.Line("KernelMath.GruCell(r, z, nx, nh, in hOld, ref h);");
            }
        }

        // How the rest tile's accumulators hold its gates.
        private static string RestDescription(Tiling tiling) => tiling.RestVectors == 1
            ? "rest = [i | f | g | o] of the last RestLanes units, a quarter of the vector each"
            : "rest0 = [i | f], rest1 = [g | o] of the last RestLanes units, half a vector each";

        // Where an accumulator's vector of a panel row starts, relative to the panel.
        private static string RowOffset(Accumulator accumulator, int row) =>
            row == 0 ? accumulator.Offset.ToString() : $"{row} * {accumulator.Panel.RowLength} + {accumulator.Offset}";

        // slots += W[:, k] · source[k] for every k (descending when reverse), consecutive columns going to consecutive
        // chains of each accumulator: unrolled with literal offsets when that stays within the code budget, otherwise
        // a loop over pairs of columns and the first two chains (very large methods lose JIT optimizations).
        private static void EmitColumns(SourceWriter writer, string vector, IReadOnlyList<Accumulator> accumulators,
            int count, int firstRow, string firstRowName, string countName, string source, bool reverse)
        {
            string Target(Accumulator accumulator, int position) => accumulator.ChainName(position % accumulator.Chains);

            if (count * accumulators.Count <= KernelLayout.UnrollBudget)
            {
                for (int position = 0; position < count; position++)
                {
                    int k = reverse ? count - 1 - position : position;
                    string value = k == 0 ? source : $"Unsafe.Add(ref {source}, {k})";
                    writer.Line($"var {source}{k} = {vector}.Create({value});");
                    foreach (Accumulator accumulator in accumulators)
                    {
                        string target = Target(accumulator, position);
                        writer.Line($"{target} = KernelMath.MultiplyAdd({vector}.LoadUnsafe(ref {accumulator.Panel.Name}, {RowOffset(accumulator, firstRow + k)}), {source}{k}, {target});");
                    }
                }
                return;
            }

            writer.Open(reverse ? $"for (int k = {countName} - 1; k > 0; k -= 2)" : $"for (int k = 0; k + 1 < {countName}; k += 2)");
            foreach (Panel panel in accumulators.Select(accumulator => accumulator.Panel).Distinct())
                writer.Line($"ref float {panel.Row} = ref Unsafe.Add(ref {panel.Name}, {(firstRow == 0 ? "k" : $"({firstRowName} + k)")} * {panel.RowLength});");
            for (int chain = 0; chain < 2; chain++)
            {
                string value = chain == 0 ? $"{source}k" : $"{source}k{(reverse ? "Before" : "After")}";
                string index = chain == 0 ? "k" : reverse ? "k - 1" : "k + 1";
                writer.Line($"var {value} = {vector}.Create(Unsafe.Add(ref {source}, {index}));");
                foreach (Accumulator accumulator in accumulators)
                {
                    string target = Target(accumulator, chain);
                    string rowOffset = reverse ? $"-{accumulator.Panel.RowLength} + " : $"{accumulator.Panel.RowLength} + ";
                    string load = chain == 0
                        ? $"{vector}.LoadUnsafe(ref {accumulator.Panel.Row}, {accumulator.Offset})"
                        : $"{vector}.LoadUnsafe(ref Unsafe.Add(ref {accumulator.Panel.Row}, {rowOffset}{accumulator.Offset}))";
                    writer.Line($"{target} = KernelMath.MultiplyAdd({load}, {value}, {target});");
                }
            }
            writer.Close();
            if (count % 2 == 1)
            {
                int k = reverse ? 0 : count - 1;
                writer.Line($"var {source}Last = {vector}.Create(Unsafe.Add(ref {source}, {k}));");
                foreach (Accumulator accumulator in accumulators)
                    writer.Line($"{accumulator.Name} = KernelMath.MultiplyAdd({vector}.LoadUnsafe(ref {accumulator.Panel.Name}, {RowOffset(accumulator, firstRow + k)}), {source}Last, {accumulator.Name});");
            }
        }
    }
}
