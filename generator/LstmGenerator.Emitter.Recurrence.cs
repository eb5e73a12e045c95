using System.Collections.Generic;
using System.Linq;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    internal static partial class Emitter
    {
        /// <summary>A layer as the kernel sees it: its method name, its inputs and where its panels start.</summary>
        private sealed record LayerShape(string Method, string Description, int Inputs, string InputsName, string PanelLengthName);

        /// <summary>One accumulator per slot (i, f, g, o or r, z, nx, nh) and its offset in a panel row.</summary>
        private sealed record Accumulator(string Name, int Slot, int Offset)
        {
            public string OddName => Name + "Odd";
        }

        // A tiling's nested class: its layout constants, one sequence, one streaming step, the layer bodies and,
        // for small models, the batch kernels of the paths that run it.
        private static void EmitTiling(SourceWriter writer, ModelSpec spec, KernelLayout layout, Tiling tiling)
        {
            string paths = string.Join(" or ", tiling.Paths.Select(path => path.Type));
            string tiles = tiling.Count == 1 ? "one tile" : $"{tiling.Count} tiles";
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line($"/// The path when {paths} is the widest accelerated vector: the hidden units in {tiles} of {tiling.Lanes},");
            writer.Line($"/// one {tiling.Vector.Type} per {(layout.Cell.Kind == CellKind.Lstm ? "gate" : "slot")} and tile.");
            writer.Line("/// </summary>");
            writer.Open($"private static class {tiling.ClassName}");
            writer.Line($"public const int Lanes = {tiling.Lanes};");
            writer.Line($"private const int Tiles = {tiling.Count};");
            writer.Line($"// A tile's panel holds rows of 4 · Lanes floats ({string.Join(", ", layout.Cell.Slots)} side by side): the bias row,");
            writer.Line("// then one row per layer input (W_ih columns) and per hidden unit (W_hh columns).");
            writer.Line("private const int RowLength = 4 * Lanes;");
            writer.Line("private const int PanelLength = (1 + InputSize + HiddenSize) * RowLength; // layer 0");
            if (spec.NumLayers > 1)
                writer.Line("private const int UpperPanelLength = (1 + 2 * HiddenSize) * RowLength; // layers 1 and up");
            string upper = spec.NumLayers > 1 ? " + (NumLayers - 1) * Tiles * UpperPanelLength" : "";
            writer.Line($"public const int HeadOffset = Tiles * PanelLength{upper}; // fc.weight [OutputSize, HiddenSize], then fc.bias");

            writer.Line();
            writer.Line($"/// <summary>Runs one sequence from the zero state in <paramref name=\"state\"/>, then the head.</summary>");
            writer.Open("public static void Run(ref float weights, ref float input, ref float state, ref float output)");
            writer.Line("for (int t = 0; t < SeqLen; t++)");
            writer.Line("    Layers(ref weights, ref Unsafe.Add(ref input, t * InputSize), ref state, t & 1);");
            writer.Line("// After SeqLen steps, the last layer's h_T is in buffer SeqLen % 2.");
            writer.Line("Head(ref Unsafe.Add(ref weights, HeadOffset), ref Unsafe.Add(ref state, HiddenOffset(NumLayers - 1, SeqLen % 2)), ref output);");
            writer.Close();

            writer.Line();
            writer.Line("/// <summary>One streaming step: h_{t-1} is in buffer <paramref name=\"parity\"/> of each layer, h_t goes to the other.</summary>");
            writer.Open("public static void Step(ref float weights, ref float x, ref float state, int parity, ref float output)");
            writer.Line("Layers(ref weights, ref x, ref state, parity);");
            writer.Line("Head(ref Unsafe.Add(ref weights, HeadOffset), ref Unsafe.Add(ref state, HiddenOffset(NumLayers - 1, parity ^ 1)), ref output);");
            writer.Close();

            var bottom = new LayerShape("Layer", "Layer 0, reading x_t", spec.InputSize, "InputSize", "PanelLength");
            var above = new LayerShape("UpperLayer", "A layer above 0, reading the h_t of the layer below", spec.HiddenSize, "HiddenSize", "UpperPanelLength");
            writer.Line();
            writer.Line("/// <summary>One time step of every layer.</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            writer.Open("private static void Layers(ref float weights, ref float x, ref float state, int parity)");
            writer.Line($"{bottom.Method}(ref weights, ref x, ref state, parity);");
            if (spec.NumLayers > 1)
            {
                writer.Open("for (int layer = 1; layer < NumLayers; layer++)");
                writer.Line($"{above.Method}(");
                writer.Line("    ref Unsafe.Add(ref weights, Tiles * (PanelLength + (layer - 1) * UpperPanelLength)),");
                writer.Line("    ref Unsafe.Add(ref state, HiddenOffset(layer - 1, parity ^ 1)),");
                writer.Line("    ref Unsafe.Add(ref state, layer * LayerStateLength),");
                writer.Line("    parity);");
                writer.Close();
            }
            writer.Close();

            EmitLayer(writer, spec, layout, tiling, bottom);
            if (spec.NumLayers > 1)
                EmitLayer(writer, spec, layout, tiling, above);
            if (layout.GroupKernel)
            {
                foreach (VectorWidth path in tiling.Paths)
                {
                    writer.Line();
                    EmitGroup(writer, spec, layout.Cell, path);
                }
            }
            writer.Close();
        }

        private static void EmitLayer(SourceWriter writer, ModelSpec spec, KernelLayout layout, Tiling tiling, LayerShape shape)
        {
            writer.Line();
            writer.Line($"/// <summary>{shape.Description}; even and odd k accumulate separately, to halve the dependency chains.</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            writer.Open($"private static void {shape.Method}(ref float weights, ref float x, ref float state, int parity)");
            writer.Line("ref float hPrev = ref Unsafe.Add(ref state, parity * PaddedHidden);");
            writer.Line("ref float hNext = ref Unsafe.Add(ref state, (parity ^ 1) * PaddedHidden);");
            if (layout.Cell.HasCellState)
                writer.Line("ref float cell = ref Unsafe.Add(ref state, 2 * PaddedHidden);");
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

        // Every tile of a layer, in memory order or (reverse) backwards.
        private static void EmitTiles(SourceWriter writer, ModelSpec spec, KernelLayout layout, Tiling tiling, LayerShape shape, bool reverse)
        {
            bool gru = layout.Cell.Kind == CellKind.Gru;
            if (tiling.Count == 1)
            {
                writer.Line("ref float panel = ref weights;");
                if (!gru) writer.Line("ref float c = ref cell;");
                writer.Line("ref float h = ref hNext;");
                if (gru) writer.Line("ref float hOld = ref hPrev;");
                EmitTile(writer, spec, layout, tiling, shape, reverse);
                return;
            }
            writer.Open(reverse ? "for (int tile = Tiles - 1; tile >= 0; tile--)" : "for (int tile = 0; tile < Tiles; tile++)");
            writer.Line($"ref float panel = ref Unsafe.Add(ref weights, tile * {shape.PanelLengthName});");
            if (!gru) writer.Line("ref float c = ref Unsafe.Add(ref cell, tile * Lanes);");
            writer.Line("ref float h = ref Unsafe.Add(ref hNext, tile * Lanes);");
            if (gru) writer.Line("ref float hOld = ref Unsafe.Add(ref hPrev, tile * Lanes);");
            EmitTile(writer, spec, layout, tiling, shape, reverse);
            writer.Close();
        }

        // One tile: accumulate its slots over the bias, the layer input and h_{t-1}, then update the cell.
        private static void EmitTile(SourceWriter writer, ModelSpec spec, KernelLayout layout, Tiling tiling, LayerShape shape, bool reverse)
        {
            Cell cell = layout.Cell;
            string vector = tiling.Vector.Type;
            var accumulators = cell.Slots.Select((name, slot) => new Accumulator(name, slot, slot * tiling.Lanes)).ToList();
            writer.Line();
            writer.Line(cell.Kind == CellKind.Lstm
                ? "// gates = b_ih + b_hh (the i, f, o rows are pre-scaled by ½: σ(v) = ½ + ½·tanh(v/2))"
                : "// r, z = b_ih + b_hh; n_x = b_in; n_h = b_hn (the r, z rows are pre-scaled by ½: σ(v) = ½ + ½·tanh(v/2))");
            foreach (Accumulator accumulator in accumulators)
                writer.Line($"var {accumulator.Name} = {vector}.LoadUnsafe(ref panel, {accumulator.Offset});");
            foreach (Accumulator accumulator in accumulators)
                writer.Line($"var {accumulator.OddName} = {vector}<float>.Zero;");

            string inputComment = cell.Kind == CellKind.Lstm ? "// gates += W_ih · x_t" : "// r, z, n_x += W_ih · x_t";
            string hiddenComment = cell.Kind == CellKind.Lstm ? "// gates += W_hh · h_{t-1}" : "// r, z, n_h += W_hh · h_{t-1}";
            var parts = new[]
            {
                (Comment: inputComment, Accumulators: accumulators.Where(a => cell.ReadsInput(a.Slot)).ToList(),
                    Count: shape.Inputs, FirstRow: 1, FirstRowName: "1", CountName: shape.InputsName, Source: "x"),
                (Comment: hiddenComment, Accumulators: accumulators.Where(a => cell.ReadsHidden(a.Slot)).ToList(),
                    Count: spec.HiddenSize, FirstRow: 1 + shape.Inputs, FirstRowName: $"1 + {shape.InputsName}", CountName: "HiddenSize", Source: "hPrev"),
            };
            foreach (var part in reverse ? Enumerable.Reverse(parts) : parts)
            {
                writer.Line();
                writer.Line(reverse ? part.Comment + ", last column first" : part.Comment);
                EmitColumns(writer, vector, part.Accumulators, part.Count, part.FirstRow, part.FirstRowName, part.CountName, part.Source, reverse);
            }
            writer.Line();
            foreach (Accumulator accumulator in accumulators)
                writer.Line($"{accumulator.Name} += {accumulator.OddName};");

            writer.Line();
            if (cell.Kind == CellKind.Lstm)
            {
                writer.Line("// c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)");
                writer.Line("KernelMath.LstmCell(i, f, g, o, ref c, ref h);");
            }
            else
            {
                writer.Line("// n = tanh(n_x + r ⊙ n_h);  h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}");
                writer.Line("KernelMath.GruCell(r, z, nx, nh, in hOld, ref h);");
            }
        }

        // slots += W[:, k] · source[k] for every k (descending when reverse), consecutive columns alternating between
        // the even and the odd accumulators: unrolled with literal offsets when that stays within the code budget,
        // otherwise a loop (very large methods lose JIT optimizations).
        private static void EmitColumns(SourceWriter writer, string vector, IReadOnlyList<Accumulator> accumulators,
            int count, int firstRow, string firstRowName, string countName, string source, bool reverse)
        {
            string Target(Accumulator accumulator, int position) => position % 2 == 1 ? accumulator.OddName : accumulator.Name;

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
                        writer.Line($"{target} = KernelMath.MultiplyAdd({vector}.LoadUnsafe(ref panel, {firstRow + k} * RowLength + {accumulator.Offset}), {source}{k}, {target});");
                    }
                }
                return;
            }

            writer.Open(reverse ? $"for (int k = {countName} - 1; k > 0; k -= 2)" : $"for (int k = 0; k + 1 < {countName}; k += 2)");
            writer.Line($"ref float row = ref Unsafe.Add(ref panel, ({firstRowName} + k) * RowLength);");
            for (int chain = 0; chain < 2; chain++)
            {
                string value = chain == 0 ? $"{source}k" : $"{source}k{(reverse ? "Before" : "After")}";
                string index = chain == 0 ? "k" : reverse ? "k - 1" : "k + 1";
                string rowOffset = chain == 0 ? "" : reverse ? "-RowLength + " : "RowLength + ";
                writer.Line($"var {value} = {vector}.Create(Unsafe.Add(ref {source}, {index}));");
                foreach (Accumulator accumulator in accumulators)
                {
                    string target = Target(accumulator, chain);
                    string load = chain == 0
                        ? $"{vector}.LoadUnsafe(ref row, {accumulator.Offset})"
                        : $"{vector}.LoadUnsafe(ref Unsafe.Add(ref row, {rowOffset}{accumulator.Offset}))";
                    writer.Line($"{target} = KernelMath.MultiplyAdd({load}, {value}, {target});");
                }
            }
            writer.Close();
            if (count % 2 == 1)
            {
                int k = reverse ? 0 : count - 1;
                writer.Line($"var {source}Last = {vector}.Create(Unsafe.Add(ref {source}, {k}));");
                foreach (Accumulator accumulator in accumulators)
                    writer.Line($"{accumulator.Name} = KernelMath.MultiplyAdd({vector}.LoadUnsafe(ref panel, {firstRow + k} * RowLength + {accumulator.Offset}), {source}Last, {accumulator.Name});");
            }
        }
    }
}
