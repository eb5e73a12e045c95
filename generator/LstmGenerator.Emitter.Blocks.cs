using System.Collections.Generic;
using System.Linq;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;
using LstmGen.Kernels;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    internal static partial class Emitter
    {
        // ---- batches in blocks: BlockSequences sequences through each weight vector at once ----

        // A layer's step for BlockSequences sequences, once for every tiling (blocks run only where no tiling has a rest tile).
        private static void EmitBlockLayer(SourceWriter writer, KernelPlan plan, string method, string description, LayerShape shape)
        {
            Cell cell = plan.Cell;
            int[] sequences = Enumerable.Range(0, PackedLayout.BlockSequences).ToArray();
            int[] inputSlots = Enumerable.Range(0, PackedLayout.Slots).Where(cell.ReadsInput).ToArray();
            int[] hiddenSlots = Enumerable.Range(0, PackedLayout.Slots).Where(cell.ReadsHidden).ToArray();

            writer.Line();
            writer.Line($"/// <summary>{description}, for {PackedLayout.BlockSequences} sequences at once (BlockSequences): sequence g reads x + g · xStride and its state at");
            writer.Line($"/// state + g · StateLength; <paramref name=\"gates\"/> holds their gates from the multiply-adds to the cell updates. Each weight vector");
            writer.Line($"/// is loaded once for all {PackedLayout.BlockSequences}, dividing the weight traffic by {PackedLayout.BlockSequences}.</summary>");
            writer.Line(LayerMethodAttribute);
            writer.Open($"private static void Tiles{method}<T, S, V>(ref float weights, ref float x, int xStride, ref float state, ref float gates, int parity){Code.Generic.Constraints}");
            EmitSweepLengths(writer, Code.Generic, concrete: null);
            writer.Line($"int gatesPerTile = {PackedLayout.BlockSequences * PackedLayout.Slots} * lanes; // a vector per sequence and slot");
            if (shape.SeparateInput)
                writer.Line("ref float hiddenPanels = ref Unsafe.Add(ref weights, T.HiddenPanelsOffset);");
            foreach (int s in sequences)
            {
                string times = s == 1 ? "" : $"{s} * ";
                writer.Line(s == 0 ? "ref float state0 = ref state;" : $"ref float state{s} = ref Unsafe.Add(ref state, {times}StateLength);");
                writer.Line(s == 0 ? "ref float x0 = ref x;" : $"ref float x{s} = ref Unsafe.Add(ref x, {times}xStride);");
                writer.Line($"ref float hPrev{s} = ref Unsafe.Add(ref state{s}, parity * StateStride);");
            }
            writer.Open("for (int tile = 0; tile < T.Tiles; tile++)");
            writer.Line($"ref float panel = ref Unsafe.Add(ref weights, tile * T.{PanelLengthName(shape)});");
            if (shape.SeparateInput)
                writer.Line("ref float hiddenPanel = ref Unsafe.Add(ref hiddenPanels, tile * T.HiddenPanelLength);");

            writer.Line();
            writer.Line($"// {BiasComment(plan)}, the same for every sequence");
            bool bfloat16 = plan.Spec.BFloat16;
            foreach (int slot in Enumerable.Range(0, PackedLayout.Slots))
                writer.Line($"V {cell.Slots[slot]}0 = {LoadSlot(slot, bfloat16, "panel")};");
            foreach (int s in sequences.Skip(1))
                writer.Line("V " + string.Join(", ", cell.Slots.Select(slot => $"{slot}{s} = {slot}0")) + ";");

            EmitBlockColumns(writer, cell, bfloat16, sequences, inputSlots, cell.InputComment, shape.InputsName, "panel", "1 + k", "x");
            EmitBlockColumns(writer, cell, bfloat16, sequences, hiddenSlots, cell.HiddenComment, shape.HiddenColumnsName,
                shape.SeparateInput ? "hiddenPanel" : "panel", shape.SeparateInput ? "k" : $"1 + {shape.InputsName} + k", "hPrev");

            writer.Line();
            writer.Line("// kept for the cell updates after every tile's multiply-adds: a tile's updates, long chains of dependent operations,");
            writer.Line("// filled the reorder window and kept the next tile's multiply-adds waiting");
            writer.Line("ref float tileGates = ref Unsafe.Add(ref gates, tile * gatesPerTile);");
            foreach (int s in sequences)
                writer.Line(string.Join(" ", cell.Slots.Select((slot, i) => $"S.Store({slot}{s}, ref tileGates, {Code.Generic.VectorOffset(s * PackedLayout.Slots + i)});")));
            writer.Close();

            // Apart from the multiply-adds: each update is a long chain of dependent operations, and the four after every
            // tile filled the CPU's reorder window, which kept the next tile's multiply-adds waiting; after all of them,
            // the updates of all tiles overlap one another (docs/kernel-choices.md).
            writer.Line();
            writer.Line("// " + UpdateComment(plan) + ", once every tile's gates are known");
            writer.Open("for (int tile = 0; tile < T.Tiles; tile++)");
            writer.Line("ref float tileGates = ref Unsafe.Add(ref gates, tile * gatesPerTile);");
            writer.Line("int unit = tile * lanes;");
            foreach (int s in sequences)
            {
                writer.Line("V " + string.Join(", ", cell.Slots.Select((slot, i) => $"{slot}{s} = S.Load(ref tileGates, {Code.Generic.VectorOffset(s * PackedLayout.Slots + i)})")) + ";");
                string units = $"Unsafe.Add(ref state{s}, {(cell.HasCellState ? "2 * StateStride" : "parity * StateStride")} + unit)";
                string newH = $"Unsafe.Add(ref state{s}, (parity ^ 1) * StateStride + unit)";
                writer.Line(cell.UpdateOf("S", units, newH, s.ToString()));
            }
            writer.Close();
            writer.Close();
        }

        // slots += W[:, k] · source[k] for every k, each sequence into its own accumulators: one load per slot and
        // one broadcast per sequence for slots × sequences multiply-adds.
        private static void EmitBlockColumns(SourceWriter writer, Cell cell, bool bfloat16, IReadOnlyList<int> sequences, IReadOnlyList<int> slots,
            string comment, string count, string panel, string row, string source)
        {
            writer.Line();
            writer.Line("// " + comment);
            writer.Open($"for (int k = 0; k < {count}; k++)");
            writer.Line($"ref float row = ref Unsafe.Add(ref {panel}, {(row == "k" ? row : $"({row})")} * rowLength);");
            writer.Line("V " + string.Join(", ", slots.Select(slot => $"w{cell.Slots[slot]} = {LoadSlot(slot, bfloat16, "row")}")) + ";");
            writer.Line("V " + string.Join(", ", sequences.Select(s => $"{source}{s}k = S.Create(Unsafe.Add(ref {source}{s}, k))")) + ";");
            foreach (int s in sequences)
                writer.Line(string.Join(" ", slots.Select(slot => $"{cell.Slots[slot]}{s} = S.MultiplyAdd(w{cell.Slots[slot]}, {source}{s}k, {cell.Slots[slot]}{s});")));
            writer.Close();
        }

        // A whole tile's slot vector of a panel row, widened from bfloat16 where the panel holds that (two slots to a vector).
        private static string LoadSlot(int slot, bool bfloat16, string row)
        {
            (int vector, string half) = Accumulator.WeightOf(slot, bfloat16);
            return $"S.Load{half}(ref {row}, {Code.Generic.VectorOffset(vector)})";
        }
    }
}
