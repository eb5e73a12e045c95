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

        // Per SIMD width: the time loop, one step of every layer, and the layer bodies.
        private static void EmitRecurrence(SourceWriter writer, ModelSpec spec, KernelLayout layout, VectorWidth width)
        {
            var bottom = new LayerShape("Layer", "Layer 0, reading x_t", spec.InputSize, "InputSize", "PanelLength");
            var above = new LayerShape("UpperLayer", "A layer above 0, reading the h_t of the layer below", spec.HiddenSize, "HiddenSize", "UpperPanelLength");

            writer.Line();
            writer.Line($"/// <summary>Runs every step of one sequence on {width.Type}.</summary>");
            writer.Open($"private static void Run{width.Bits}(ref float weights, ref float input, ref float state)");
            writer.Line("for (int t = 0; t < SeqLen; t++)");
            writer.Line($"    Step{width.Bits}(ref weights, ref Unsafe.Add(ref input, t * InputSize), ref state, t & 1);");
            writer.Close();

            writer.Line();
            writer.Line($"/// <summary>One time step of every layer on {width.Type}.</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            writer.Open($"private static void Step{width.Bits}(ref float weights, ref float x, ref float state, int parity)");
            writer.Line($"{bottom.Method}{width.Bits}(ref weights, ref x, ref state, parity);");
            if (spec.NumLayers > 1)
            {
                writer.Open("for (int layer = 1; layer < NumLayers; layer++)");
                writer.Line($"{above.Method}{width.Bits}(");
                writer.Line("    ref Unsafe.Add(ref weights, Tiles * (PanelLength + (layer - 1) * UpperPanelLength)),");
                writer.Line("    ref Unsafe.Add(ref state, HiddenOffset(layer - 1, parity ^ 1)),");
                writer.Line("    ref Unsafe.Add(ref state, layer * LayerStateLength),");
                writer.Line("    parity);");
                writer.Close();
            }
            writer.Close();

            EmitLayer(writer, spec, layout, width, bottom);
            if (spec.NumLayers > 1)
                EmitLayer(writer, spec, layout, width, above);
        }

        private static void EmitLayer(SourceWriter writer, ModelSpec spec, KernelLayout layout, VectorWidth width, LayerShape shape)
        {
            IReadOnlyList<Pass> passes = Pass.Split(layout.Cell, layout.Lanes / width.Lanes, width);
            writer.Line();
            writer.Line($"/// <summary>{shape.Description}, on {width.Type}: {Describe(passes)}.</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            writer.Open($"private static void {shape.Method}{width.Bits}(ref float weights, ref float x, ref float state, int parity)");
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
                EmitTiles(writer, spec, layout, width, shape, passes, reverse: false);
                writer.Close();
                writer.Open("else");
                EmitTiles(writer, spec, layout, width, shape, passes, reverse: true);
                writer.Close();
            }
            else
            {
                EmitTiles(writer, spec, layout, width, shape, passes, reverse: false);
            }
            writer.Close();
        }

        private static string Describe(IReadOnlyList<Pass> passes)
        {
            int vectors = passes.Sum(pass => pass.Count);
            string perTile = vectors == 1 ? "one vector per gate" : $"{vectors} vectors per gate";
            string split = passes.Count == 1 ? "" : $", in {passes.Count} passes to keep the accumulators in registers";
            string chains = passes[0].SplitK ? ", even and odd k in separate accumulators to halve the dependency chain" : "";
            return $"a tile holds {perTile}{split}{chains}";
        }

        // Every tile of a layer, in memory order or (reverse) backwards.
        private static void EmitTiles(SourceWriter writer, ModelSpec spec, KernelLayout layout, VectorWidth width,
            LayerShape shape, IReadOnlyList<Pass> passes, bool reverse)
        {
            bool gru = layout.Cell.Kind == CellKind.Gru;
            if (layout.Tiles == 1)
            {
                writer.Line("ref float panel = ref weights;");
                if (!gru) writer.Line("ref float c = ref cell;");
                writer.Line("ref float h = ref hNext;");
                if (gru) writer.Line("ref float hOld = ref hPrev;");
                EmitTile(writer, spec, layout, width, shape, passes, reverse);
                return;
            }
            writer.Open(reverse ? "for (int tile = Tiles - 1; tile >= 0; tile--)" : "for (int tile = 0; tile < Tiles; tile++)");
            writer.Line($"ref float panel = ref Unsafe.Add(ref weights, tile * {shape.PanelLengthName});");
            if (!gru) writer.Line("ref float c = ref Unsafe.Add(ref cell, tile * Lanes);");
            writer.Line("ref float h = ref Unsafe.Add(ref hNext, tile * Lanes);");
            if (gru) writer.Line("ref float hOld = ref Unsafe.Add(ref hPrev, tile * Lanes);");
            EmitTile(writer, spec, layout, width, shape, passes, reverse);
            writer.Close();
        }

        // One tile: for each pass, accumulate its slots over the bias, the layer input and h_{t-1}, then update the cell.
        private static void EmitTile(SourceWriter writer, ModelSpec spec, KernelLayout layout, VectorWidth width,
            LayerShape shape, IReadOnlyList<Pass> passes, bool reverse)
        {
            foreach (Pass pass in reverse ? Enumerable.Reverse(passes) : passes)
            {
                writer.Line();
                if (passes.Count > 1)
                    writer.Open($"// Pass {pass.Index + 1} of {passes.Count}: lanes {pass.First * width.Lanes}..{(pass.First + pass.Count) * width.Lanes - 1} of the tile.");
                EmitPass(writer, spec, layout.Cell, width, shape, pass, reverse);
                if (passes.Count > 1)
                    writer.Close();
            }
        }

        private static void EmitPass(SourceWriter writer, ModelSpec spec, Cell cell, VectorWidth width, LayerShape shape, Pass pass, bool reverse)
        {
            IReadOnlyList<Accumulator> accumulators = pass.Accumulators;
            writer.Line(cell.Kind == CellKind.Lstm
                ? "// gates = b_ih + b_hh (the i, f, o rows are pre-scaled by ½: σ(v) = ½ + ½·tanh(v/2))"
                : "// r, z = b_ih + b_hh; n_x = b_in; n_h = b_hn (the r, z rows are pre-scaled by ½: σ(v) = ½ + ½·tanh(v/2))");
            foreach (Accumulator accumulator in accumulators)
                writer.Line($"var {accumulator.Name} = {width.Type}.LoadUnsafe(ref panel, {accumulator.Offset});");
            if (pass.SplitK)
            {
                foreach (Accumulator accumulator in accumulators)
                    writer.Line($"var {accumulator.OddName} = {width.Type}<float>.Zero;");
            }

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
                EmitColumns(writer, width, pass.SplitK, part.Accumulators, part.Count, part.FirstRow, part.FirstRowName, part.CountName, part.Source, reverse);
            }
            if (pass.SplitK)
            {
                writer.Line();
                foreach (Accumulator accumulator in accumulators)
                    writer.Line($"{accumulator.Name} += {accumulator.OddName};");
            }

            writer.Line();
            EmitCellUpdate(writer, cell, width, pass);
        }

        // The cell update of the pass's vectors (KernelMath.LstmCell / GruCell): new c (LSTM) and h from the slots.
        private static void EmitCellUpdate(SourceWriter writer, Cell cell, VectorWidth width, Pass pass)
        {
            static string At(string buffer, int offset) => offset == 0 ? buffer : $"Unsafe.Add(ref {buffer}, {offset})";
            writer.Line(cell.Kind == CellKind.Lstm
                ? "// c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)"
                : "// n = tanh(n_x + r ⊙ n_h);  h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}");
            for (int v = pass.First; v < pass.First + pass.Count; v++)
            {
                int offset = v * width.Lanes;
                writer.Line(cell.Kind == CellKind.Lstm
                    ? $"KernelMath.LstmCell(i{v}, f{v}, g{v}, o{v}, ref {At("c", offset)}, ref {At("h", offset)});"
                    : $"KernelMath.GruCell(r{v}, z{v}, nx{v}, nh{v}, in {At("hOld", offset)}, ref {At("h", offset)});");
            }
        }

        // slots += W[:, k] · source[k] for every k (descending when reverse): unrolled with literal offsets when
        // that stays within the code budget, otherwise a loop (very large methods lose JIT optimizations).
        // With splitK, consecutive columns alternate between the even and the odd accumulators.
        private static void EmitColumns(SourceWriter writer, VectorWidth width, bool splitK, IReadOnlyList<Accumulator> accumulators,
            int count, int firstRow, string firstRowName, string countName, string source, bool reverse)
        {
            string Target(Accumulator accumulator, int position) => splitK && position % 2 == 1 ? accumulator.OddName : accumulator.Name;

            if (count * accumulators.Count <= KernelLayout.UnrollBudget)
            {
                for (int position = 0; position < count; position++)
                {
                    int k = reverse ? count - 1 - position : position;
                    string value = k == 0 ? source : $"Unsafe.Add(ref {source}, {k})";
                    writer.Line($"var {source}{k} = {width.Type}.Create({value});");
                    foreach (Accumulator accumulator in accumulators)
                    {
                        string target = Target(accumulator, position);
                        writer.Line($"{target} = KernelMath.MultiplyAdd({width.Type}.LoadUnsafe(ref panel, {firstRow + k} * RowLength + {accumulator.Offset}), {source}{k}, {target});");
                    }
                }
                return;
            }

            int step = splitK ? 2 : 1;
            string header = (reverse, splitK) switch
            {
                (false, false) => $"for (int k = 0; k < {countName}; k++)",
                (false, true) => $"for (int k = 0; k + 1 < {countName}; k += 2)",
                (true, false) => $"for (int k = {countName} - 1; k >= 0; k--)",
                (true, true) => $"for (int k = {countName} - 1; k > 0; k -= 2)",
            };
            writer.Open(header);
            writer.Line($"ref float row = ref Unsafe.Add(ref panel, ({firstRowName} + k) * RowLength);");
            for (int chain = 0; chain < step; chain++)
            {
                string value = chain == 0 ? $"{source}k" : $"{source}k{(reverse ? "Before" : "After")}";
                string index = chain == 0 ? "k" : reverse ? "k - 1" : "k + 1";
                string rowOffset = chain == 0 ? "" : reverse ? "-RowLength + " : "RowLength + ";
                writer.Line($"var {value} = {width.Type}.Create(Unsafe.Add(ref {source}, {index}));");
                foreach (Accumulator accumulator in accumulators)
                {
                    string target = Target(accumulator, chain);
                    string load = chain == 0
                        ? $"{width.Type}.LoadUnsafe(ref row, {accumulator.Offset})"
                        : $"{width.Type}.LoadUnsafe(ref Unsafe.Add(ref row, {rowOffset}{accumulator.Offset}))";
                    writer.Line($"{target} = KernelMath.MultiplyAdd({load}, {value}, {target});");
                }
            }
            writer.Close();
            if (splitK && count % 2 == 1)
            {
                int k = reverse ? 0 : count - 1;
                writer.Line($"var {source}Last = {width.Type}.Create(Unsafe.Add(ref {source}, {k}));");
                foreach (Accumulator accumulator in accumulators)
                    writer.Line($"{accumulator.Name} = KernelMath.MultiplyAdd({width.Type}.LoadUnsafe(ref panel, {firstRow + k} * RowLength + {accumulator.Offset}), {source}Last, {accumulator.Name});");
            }
        }
    }
}
