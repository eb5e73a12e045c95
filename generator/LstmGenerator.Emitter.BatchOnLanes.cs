using System.Linq;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    internal static partial class Emitter
    {
        // Batches: groups of sequences side by side on the SIMD lanes (small models), the rest one by one.
        private static void EmitForwardBatch(SourceWriter writer, KernelPlan plan)
        {
            string outputs = plan.Spec.Readout == Readout.EveryStep ? "steps * OutputSize" : "OutputSize";
            writer.Line("/// <summary>Runs batchSize sequences of <paramref name=\"steps\"/> steps each, from the zero state.</summary>");
            writer.Open("public static void ForwardBatch(ref float weights, ref float input, ref float output, int batchSize, int steps)");
            if (plan.LanesRunBatches)
            {
                writer.Line("int b = 0;");
                writer.Line("// Groups of sequences, one per SIMD lane, so each weight is loaded once for the whole group.");
                string keyword = "if";
                foreach (VectorWidth width in KernelPlan.AllWidths)
                {
                    writer.Open($"{keyword} ({width.Type}.IsHardwareAccelerated)");
                    writer.Line($"for (; b + {width.Lanes} <= batchSize; b += {width.Lanes})");
                    writer.Line($"    BatchOnLanes<{plan.TilingOf(width).Name}, {width.Simd}, {width.Type}<float>>(ref weights, ref Unsafe.Add(ref input, b * steps * InputSize), steps, ref Unsafe.Add(ref output, b * OutputSize));");
                    writer.Close();
                    keyword = "else if";
                }
                writer.Line();
                writer.Line("// The remaining sequences one by one.");
            }
            if (plan.BlocksRunBatches)
                EmitBlocksFirst(writer, plan, $"ref input, ref output, batchSize, steps, default, {(plan.Cell.HasCellState ? "default, default" : "default")}");
            writer.Line(plan.LanesRunBatches || plan.BlocksRunBatches ? "for (; b < batchSize; b++)" : "for (int b = 0; b < batchSize; b++)");
            writer.Line($"    Forward(ref weights, ref Unsafe.Add(ref input, b * steps * InputSize), steps, ref Unsafe.Add(ref output, b * {outputs}));");
            writer.Close();
        }

        private static void EmitBatchOnLanes(SourceWriter writer, KernelPlan plan)
        {
            ModelSpec spec = plan.Spec;
            Cell cell = plan.Cell;
            writer.Line("/// <summary>Runs S.Lanes sequences at once on tiling T, sequence b on lane b: each weight is broadcast once for all of them.</summary>");
            writer.Open($"private static void BatchOnLanes<T, S, V>(ref float weights, ref float input, int steps, ref float output){Code.Generic.Constraints}");
            writer.Line($"// Per layer and hidden unit, a vector over the group: two h buffers{(cell.HasCellState ? " and c" : "")}, all zero at t = 0;");
            writer.Line("// then x_t of the group, transposed to [InputSize, S.Lanes].");
            writer.Line($"int layerState = {cell.StateBuffers} * HiddenSize * S.Lanes;");
            EmitWorkingMemory(writer, plan.LanesScratch, "NumLayers * layerState + InputSize * S.Lanes", "state", "NumLayers * layerState");
            writer.Line("ref float xs = ref Unsafe.Add(ref state, NumLayers * layerState);");
            writer.Line();
            writer.Open("for (int t = 0; t < steps; t++)");
            writer.Open("for (int lane = 0; lane < S.Lanes; lane++)");
            writer.Line("ref float source = ref Unsafe.Add(ref input, (lane * steps + t) * InputSize);");
            writer.Line("for (int k = 0; k < InputSize; k++)");
            writer.Line("    Unsafe.Add(ref xs, k * S.Lanes + lane) = Unsafe.Add(ref source, k);");
            writer.Close();
            writer.Line("int parity = t & 1;");
            writer.Line("BatchOnLanesLayer<T, S, V>(ref weights, ref xs, ref state, parity);");
            if (spec.NumLayers > 1)
            {
                writer.Line("for (int layer = 1; layer < NumLayers; layer++)");
                writer.Line("    BatchOnLanesUpperLayer<T, S, V>(ref Unsafe.Add(ref weights, T.LayerLength + (layer - 1) * T.UpperLayerLength),");
                writer.Line("        ref Unsafe.Add(ref state, (layer - 1) * layerState + (parity ^ 1) * HiddenSize * S.Lanes), ref Unsafe.Add(ref state, layer * layerState), parity);");
            }
            writer.Close();
            writer.Line();
            writer.Line("ref float hLast = ref Unsafe.Add(ref state, (NumLayers - 1) * layerState + (steps & 1) * HiddenSize * S.Lanes);");
            if (spec.HasHead)
            {
                writer.Line("// y = fc.weight · h_T + fc.bias, then each lane back to its sequence's output row.");
                writer.Line("ref float head = ref Unsafe.Add(ref weights, T.HeadOffset);");
                writer.Open("for (int o = 0; o < OutputSize; o++)");
                writer.Line("var y = S.Create(Unsafe.Add(ref head, OutputSize * HiddenSize + o));");
                writer.Line("for (int k = 0; k < HiddenSize; k++)");
                writer.Line("    y = S.MultiplyAdd(S.Create(Unsafe.Add(ref head, o * HiddenSize + k)), S.Load(ref hLast, k * S.Lanes), y);");
                writer.Line("for (int lane = 0; lane < S.Lanes; lane++)");
                writer.Line("    Unsafe.Add(ref output, lane * OutputSize + o) = S.GetElement(y, lane);");
                writer.Close();
            }
            else
            {
                writer.Line("// Each lane's h_T back to its sequence's output row.");
                writer.Line("for (int k = 0; k < HiddenSize; k++)");
                writer.Line("    for (int lane = 0; lane < S.Lanes; lane++)");
                writer.Line("        Unsafe.Add(ref output, lane * OutputSize + k) = Unsafe.Add(ref hLast, k * S.Lanes + lane);");
            }
            writer.Close();

            EmitBatchOnLanesLayer(writer, plan, "BatchOnLanesLayer", "Layer 0 of the group, reading x_t", LayerShape.Bottom(plan));
            if (spec.NumLayers > 1)
                EmitBatchOnLanesLayer(writer, plan, "BatchOnLanesUpperLayer", "A layer above 0 of the group, reading the h_t of the layer below (x)", LayerShape.Upper(plan));
        }

        // One layer for the whole group: per hidden unit j, its slots as vectors over the group.
        private static void EmitBatchOnLanesLayer(SourceWriter writer, KernelPlan plan, string method, string summary, LayerShape shape)
        {
            Cell cell = plan.Cell;
            string panelLength = shape.Layer == 0 ? "T.PanelLength" : "T.UpperPanelLength";
            writer.Line();
            writer.Line($"/// <summary>{summary}.</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            writer.Open($"private static void {method}<T, S, V>(ref float weights, ref float x, ref float state, int parity){Code.Generic.Constraints}");
            writer.Line("ref float hPrev = ref Unsafe.Add(ref state, parity * HiddenSize * S.Lanes);");
            writer.Line("ref float hNext = ref Unsafe.Add(ref state, (parity ^ 1) * HiddenSize * S.Lanes);");
            if (cell.HasCellState)
                writer.Line("ref float cell = ref Unsafe.Add(ref state, 2 * HiddenSize * S.Lanes);");
            // The units of whole tiles and those of a rest tile find their weights with different strides: one loop each, so
            // that the stride is a constant of T in each (a shared loop with the stride as a variable measured slower).
            bool whole = plan.Tilings.Any(tiling => tiling.Tiles > 0), rest = plan.Tilings.Any(tiling => tiling.HasRest);
            if (whole)
                EmitBatchOnLanesUnits(writer, plan, shape, rest ? "Math.Min(T.Tiles * T.Lanes, HiddenSize)" : "HiddenSize", "0", "T.Lanes",
                    $"j / T.Lanes * {panelLength} + j % T.Lanes");
            if (rest)
                EmitBatchOnLanesUnits(writer, plan, shape, "HiddenSize", "T.Tiles * T.Lanes", "T.RestLanes", $"T.Tiles * {panelLength} + (j - T.Tiles * T.Lanes)");
            writer.Close();
        }

        // Units first..end of the group's layer, their slot s at column s · lanes of their tile's panel rows (4 · lanes floats each).
        private static void EmitBatchOnLanesUnits(SourceWriter writer, KernelPlan plan, LayerShape shape, string end, string first, string lanes, string unitOffset)
        {
            Cell cell = plan.Cell;
            writer.Open($"for (int j = {first}; j < {end}; j++)");
            writer.Line($"ref float w = ref Unsafe.Add(ref weights, {unitOffset});");
            for (int slot = 0; slot < cell.Slots.Count; slot++)
                writer.Line($"var {cell.Slots[slot]} = S.Create({WeightAt(slot, null, lanes)});");
            writer.Line();
            EmitBatchOnLanesColumns(writer, cell, firstRowName: "1", countName: shape.InputsName, source: "x", hidden: false, lanes);
            writer.Line();
            EmitBatchOnLanesColumns(writer, cell, firstRowName: $"1 + {shape.InputsName}", countName: "HiddenSize", source: "hPrev", hidden: true, lanes);
            writer.Line();
            writer.Line("// " + cell.UpdateComment);
            writer.Line(cell.UpdateOf("S", $"Unsafe.Add(ref {(cell.HasCellState ? "cell" : "hPrev")}, j * S.Lanes)", "Unsafe.Add(ref hNext, j * S.Lanes)"));
            writer.Close();
        }

        // A unit's weight of a slot in a panel row (the bias row when row is null), relative to ref w at the unit.
        private static string WeightAt(int slot, string? row, string lanes)
        {
            string column = slot == 0 ? "" : slot == 1 ? lanes : $"{slot} * {lanes}";
            string offset = (row, column) switch
            {
                (null, "") => "",
                (null, _) => column,
                (_, "") => $"{row} * 4 * {lanes}",
                _ => $"{row} * 4 * {lanes} + {column}",
            };
            return offset.Length == 0 ? "w" : $"Unsafe.Add(ref w, {offset})";
        }

        // slots += W[:, k] ⊙ source[k] over the group: a broadcast weight times a vector of the group's values. A loop,
        // not unrolled: a group keeps S.Lanes sequences' multiply-adds in flight, so the loop costs nothing measurable
        // (docs/kernel-choices.md) and the code stays short.
        private static void EmitBatchOnLanesColumns(SourceWriter writer, Cell cell, string firstRowName, string countName, string source, bool hidden, string lanes)
        {
            int[] slots = Enumerable.Range(0, cell.Slots.Count).Where(slot => hidden ? cell.ReadsHidden(slot) : cell.ReadsInput(slot)).ToArray();
            writer.Line(hidden ? "// += W_hh · h_{t-1}" : "// += W_ih · input");
            writer.Open($"for (int k = 0; k < {countName}; k++)");
            writer.Line($"var {source}k = S.Load(ref {source}, k * S.Lanes);");
            foreach (int slot in slots)
                writer.Line($"{cell.Slots[slot]} = S.MultiplyAdd(S.Create({WeightAt(slot, $"({firstRowName} + k)", lanes)}), {source}k, {cell.Slots[slot]});");
            writer.Close();
        }
    }
}
