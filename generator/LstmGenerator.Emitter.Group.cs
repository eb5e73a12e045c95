using System.Linq;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    internal static partial class Emitter
    {
        // Batches: groups of sequences side by side on the SIMD lanes (small models), the rest one by one.
        private static void EmitForwardBatch(SourceWriter writer, KernelLayout layout)
        {
            writer.Line("/// <summary>Runs batchSize sequences: input [batchSize, SeqLen, InputSize] → output [batchSize, OutputSize].</summary>");
            writer.Open("public static void ForwardBatch(ref float weights, ref float input, ref float output, int batchSize)");
            writer.Line("int b = 0;");
            if (layout.GroupKernel)
            {
                writer.Line("// Groups of sequences, one per SIMD lane, so each weight is loaded once for the whole group.");
                string keyword = "if";
                foreach (VectorWidth width in KernelLayout.AllWidths)
                {
                    writer.Open($"{keyword} ({width.Type}.IsHardwareAccelerated)");
                    writer.Line($"for (; b + {width.Lanes} <= batchSize; b += {width.Lanes})");
                    writer.Line($"    {layout.TilingOf(width).ClassName}.Group{width.Bits}(ref weights, ref Unsafe.Add(ref input, b * (SeqLen * InputSize)), ref Unsafe.Add(ref output, b * OutputSize));");
                    writer.Close();
                    keyword = "else if";
                }
                writer.Line();
                writer.Line("// The remaining sequences one by one.");
            }
            writer.Line("for (; b < batchSize; b++)");
            writer.Line("    Forward(ref weights, ref Unsafe.Add(ref input, b * (SeqLen * InputSize)), ref Unsafe.Add(ref output, b * OutputSize));");
            writer.Close();
        }

        private static void EmitGroup(SourceWriter writer, ModelSpec spec, Tiling tiling, Cell cell, VectorWidth width)
        {
            string vector = width.Type;
            writer.Line($"/// <summary>Runs {width.Lanes} sequences at once, sequence b on lane b of {vector}: each weight is broadcast once for all of them.</summary>");
            writer.Open($"public static void Group{width.Bits}(ref float weights, ref float input, ref float output)");
            writer.Line($"const int Group = {width.Lanes};");
            writer.Line($"// Per layer and hidden unit, a vector over the group: two h buffers{(cell.HasCellState ? " and c" : "")}, all zero at t = 0;");
            writer.Line("// then x_t of the group, transposed to [InputSize, Group].");
            writer.Line($"const int GroupLayerState = {cell.StateBuffers} * HiddenSize * Group;");
            writer.Line("Span<float> buffer = stackalloc float[NumLayers * GroupLayerState + InputSize * Group + AlignedBuffer.Slack];");
            writer.Line("ref float state = ref AlignedBuffer.ClearAligned(buffer, NumLayers * GroupLayerState);");
            writer.Line("ref float xs = ref Unsafe.Add(ref state, NumLayers * GroupLayerState);");
            writer.Line();
            writer.Open("for (int t = 0; t < SeqLen; t++)");
            writer.Open("for (int lane = 0; lane < Group; lane++)");
            writer.Line("ref float source = ref Unsafe.Add(ref input, lane * (SeqLen * InputSize) + t * InputSize);");
            writer.Line("for (int k = 0; k < InputSize; k++)");
            writer.Line("    Unsafe.Add(ref xs, k * Group + lane) = Unsafe.Add(ref source, k);");
            writer.Close();
            writer.Line("int parity = t & 1;");
            writer.Line();
            writer.Line("// Layer 0 reads x_t.");
            EmitGroupLayer(writer, spec, cell, tiling, width, inputs: spec.InputSize, inputsName: "InputSize", panelLength: "PanelLength",
                weights: "weights", x: "xs", state: "state");
            if (spec.NumLayers > 1)
            {
                writer.Line();
                writer.Line("// Each layer above reads the h_t just computed below it.");
                writer.Open("for (int layer = 1; layer < NumLayers; layer++)");
                writer.Line("ref float layerWeights = ref Unsafe.Add(ref weights, LayerLength + (layer - 1) * UpperLayerLength);");
                writer.Line("ref float below = ref Unsafe.Add(ref state, (layer - 1) * GroupLayerState + (parity ^ 1) * HiddenSize * Group);");
                writer.Line("ref float layerState = ref Unsafe.Add(ref state, layer * GroupLayerState);");
                EmitGroupLayer(writer, spec, cell, tiling, width, inputs: spec.HiddenSize, inputsName: "HiddenSize", panelLength: "UpperPanelLength",
                    weights: "layerWeights", x: "below", state: "layerState");
                writer.Close();
            }
            writer.Close();
            writer.Line();
            writer.Line("// y = fc.weight · h_T + fc.bias, then each lane back to its sequence's output row.");
            writer.Line("ref float head = ref Unsafe.Add(ref weights, HeadOffset);");
            writer.Line("ref float hLast = ref Unsafe.Add(ref state, (NumLayers - 1) * GroupLayerState + SeqLen % 2 * HiddenSize * Group);");
            writer.Open("for (int o = 0; o < OutputSize; o++)");
            writer.Line($"var y = {vector}.Create(Unsafe.Add(ref head, OutputSize * HiddenSize + o));");
            writer.Line("for (int k = 0; k < HiddenSize; k++)");
            writer.Line($"    y = KernelMath.MultiplyAdd({vector}.Create(Unsafe.Add(ref head, o * HiddenSize + k)), {vector}.LoadUnsafe(ref hLast, (nuint)(k * Group)), y);");
            writer.Line("for (int lane = 0; lane < Group; lane++)");
            writer.Line("    Unsafe.Add(ref output, lane * OutputSize + o) = y.GetElement(lane);");
            writer.Close();
            writer.Close();
        }

        // One layer for the whole group: per hidden unit j, its slots as vectors over the group. The units of whole
        // tiles and those of a rest tile find their weights with different strides, so each has its own loop.
        private static void EmitGroupLayer(SourceWriter writer, ModelSpec spec, Cell cell, Tiling tiling, VectorWidth width,
            int inputs, string inputsName, string panelLength, string weights, string x, string state)
        {
            bool rest = tiling.RestLanes > 0;
            if (tiling.Count > 0)
            {
                EmitGroupUnits(writer, spec, cell, width, "0", rest ? "Tiles * Lanes" : "HiddenSize", $"j / Lanes * {panelLength} + j % Lanes",
                    Panel.Tile, inputs, inputsName, weights, x, state);
            }
            if (rest)
            {
                EmitGroupUnits(writer, spec, cell, width, "Tiles * Lanes", "HiddenSize", $"Tiles * {panelLength} + (j - Tiles * Lanes)",
                    Panel.Rest, inputs, inputsName, weights, x, state);
            }
        }

        private static void EmitGroupUnits(SourceWriter writer, ModelSpec spec, Cell cell, VectorWidth width, string first, string end,
            string unitOffset, Panel weight, int inputs, string inputsName, string weights, string x, string state)
        {
            string vector = width.Type;
            writer.Open($"for (int j = {first}; j < {end}; j++)");
            writer.Line($"// Hidden unit j's weights: slot s sits at column s · {weight.Lanes} of its tile's panel rows.");
            writer.Line($"ref float w = ref Unsafe.Add(ref {weights}, {unitOffset});");
            writer.Line($"ref float hPrev = ref Unsafe.Add(ref {state}, parity * HiddenSize * Group);");
            for (int slot = 0; slot < cell.Slots.Count; slot++)
                writer.Line($"var {cell.Slots[slot]} = {vector}.Create({weight.WeightAt(slot, row: null)});");
            writer.Line();
            EmitGroupColumns(writer, cell, width, weight, inputs, firstRow: 1, firstRowName: "1", countName: inputsName, source: x, hidden: false);
            writer.Line();
            EmitGroupColumns(writer, cell, width, weight, spec.HiddenSize, firstRow: 1 + inputs, firstRowName: $"1 + {inputsName}", countName: "HiddenSize", source: "hPrev", hidden: true);
            writer.Line();
            writer.Line($"ref float hNext = ref Unsafe.Add(ref {state}, (parity ^ 1) * HiddenSize * Group);");
            if (cell.Kind == CellKind.Lstm)
            {
                writer.Line($"ref float cell = ref Unsafe.Add(ref {state}, 2 * HiddenSize * Group);");
                writer.Line("// c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)");
                writer.Line("KernelMath.LstmCell(i, f, g, o, ref Unsafe.Add(ref cell, j * Group), ref Unsafe.Add(ref hNext, j * Group));");
            }
            else
            {
                writer.Line("// n = tanh(n_x + r ⊙ n_h);  h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}");
                writer.Line("KernelMath.GruCell(r, z, nx, nh, in Unsafe.Add(ref hPrev, j * Group), ref Unsafe.Add(ref hNext, j * Group));");
            }
            writer.Close();
        }

        // slots += W[:, k] ⊙ source[k] over the group: a broadcast weight times a vector of the group's values.
        private static void EmitGroupColumns(SourceWriter writer, Cell cell, VectorWidth width, Panel weight, int count, int firstRow,
            string firstRowName, string countName, string source, bool hidden)
        {
            string vector = width.Type;
            int[] slots = Enumerable.Range(0, cell.Slots.Count).Where(slot => hidden ? cell.ReadsHidden(slot) : cell.ReadsInput(slot)).ToArray();
            writer.Line(hidden ? "// += W_hh · h_{t-1}" : "// += W_ih · input");
            if (count * slots.Length <= KernelLayout.UnrollBudget)
            {
                for (int k = 0; k < count; k++)
                {
                    string value = $"{source}{k}";
                    writer.Line($"var {value} = {vector}.LoadUnsafe(ref {source}, {k} * Group);");
                    foreach (int slot in slots)
                        writer.Line($"{cell.Slots[slot]} = KernelMath.MultiplyAdd({vector}.Create({weight.WeightAt(slot, $"{firstRow + k}")}), {value}, {cell.Slots[slot]});");
                }
                return;
            }

            writer.Open($"for (int k = 0; k < {countName}; k++)");
            writer.Line($"var {source}k = {vector}.LoadUnsafe(ref {source}, (nuint)(k * Group));");
            foreach (int slot in slots)
                writer.Line($"{cell.Slots[slot]} = KernelMath.MultiplyAdd({vector}.Create({weight.WeightAt(slot, $"({firstRowName} + k)")}), {source}k, {cell.Slots[slot]});");
            writer.Close();
        }
    }
}
