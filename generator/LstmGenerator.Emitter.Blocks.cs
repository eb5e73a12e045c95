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

        // The whole blocks of a batch first, on the SIMD path's tiling (the sequences left over then run one by one).
        private static void EmitBlocksFirst(SourceWriter writer, KernelPlan plan, string arguments)
        {
            writer.Line("// Blocks of BlockSequences sequences, each weight vector loaded once for a whole block; then the rest (without SIMD,");
            writer.Line("// all of them) one by one.");
            writer.Line("int b = 0;");
            EmitDispatch(writer, plan, tiling => $"b = Blocks<{tiling.Name}>(ref weights, {arguments});");
        }

        // Whole blocks of a batch on tiling T, and the steps of one block.
        private static void EmitBlocks(SourceWriter writer, KernelPlan plan)
        {
            bool everyStep = plan.Spec.Readout == Readout.EveryStep;
            bool cellState = plan.Cell.HasCellState;
            string states = cellState ? "Span<float> h, Span<float> c" : "Span<float> h";
            string stateArguments = cellState ? "h, c" : "h";
            string outputs = everyStep ? "steps * OutputSize" : "OutputSize";
            writer.Line("/// <summary>");
            writer.Line("/// Runs the whole blocks of BlockSequences sequences of a batch on tiling T, as ForwardPadded does; returns how many");
            writer.Line("/// sequences they took.");
            writer.Line("/// </summary>");
            writer.Open($"private static int Blocks<T>(ref float weights, ref float input, ref float output, int batchSize, int steps, ReadOnlySpan<int> lengths, {states}) where T : ITiles");
            writer.Line("int blocks = batchSize / BlockSequences;");
            writer.Line("Span<float> states = KernelScratch.Rent(BlockSequences * StateLength);");
            writer.Open("for (int block = 0; block < blocks; block++)");
            writer.Line("int b = block * BlockSequences;");
            writer.Line("states.Clear();");
            writer.Line("if (!h.IsEmpty)");
            writer.Line("    for (int g = 0; g < BlockSequences; g++)");
            writer.Line($"        CopyState(ref Unsafe.Add(ref MemoryMarshal.GetReference(states), g * StateLength), 0, {stateArguments}, b + g, batchSize, toState: true);");
            writer.Line($"BlockRun<T>(ref weights, ref Unsafe.Add(ref input, b * steps * InputSize), steps, ref MemoryMarshal.GetReference(states), ref Unsafe.Add(ref output, b * {outputs}),");
            writer.Line($"    lengths.IsEmpty ? default : lengths.Slice(b, BlockSequences), {stateArguments}, b, batchSize);");
            writer.Close();
            writer.Line("return blocks * BlockSequences;");
            writer.Close();
            writer.Line();

            writer.Line("/// <summary>");
            writer.Line("/// Runs BlockSequences sequences together on tiling T, sequence g's state at states + g · StateLength, up to the longest");
            writer.Line("/// of them: each is read out, and its final state kept, at its own last step; a shorter one's later steps are discarded.");
            writer.Line("/// </summary>");
            writer.Open($"private static void BlockRun<T>(ref float weights, ref float input, int steps, ref float states, ref float output, ReadOnlySpan<int> lengths, {states}, int b, int batchSize) where T : ITiles");
            writer.Line("int longest = lengths.IsEmpty ? steps : 0;");
            writer.Line("for (int g = 0; g < lengths.Length; g++)");
            writer.Line("    longest = Math.Max(longest, lengths[g]);");
            writer.Open("for (int t = 0; t < longest; t++)");
            writer.Line("T.BlockLayer(ref weights, ref Unsafe.Add(ref input, t * InputSize), steps * InputSize, ref states, t & 1);");
            if (plan.Spec.NumLayers > 1)
            {
                writer.Line("for (int layer = 1; layer < NumLayers; layer++)");
                writer.Line("    T.BlockUpperLayer(ref Unsafe.Add(ref weights, T.LayerLength + (layer - 1) * T.UpperLayerLength), ref Unsafe.Add(ref states, HiddenOffset(layer - 1, (t & 1) ^ 1)),");
                writer.Line("        StateLength, ref Unsafe.Add(ref states, layer * LayerStateLength), t & 1);");
            }
            writer.Open("for (int g = 0; g < BlockSequences; g++)");
            writer.Line("int length = lengths.IsEmpty ? steps : lengths[g];");
            writer.Line("ref float state = ref Unsafe.Add(ref states, g * StateLength);");
            if (everyStep)
            {
                writer.Line("if (t < length)");
                writer.Line("    " + ReadoutCall(plan, "T.HeadOffset", "(t + 1) & 1", "ref Unsafe.Add(ref output, (g * steps + t) * OutputSize)"));
                writer.Line("if (t == length - 1 && !h.IsEmpty)");
                writer.Line($"    CopyState(ref state, (t + 1) & 1, {stateArguments}, b + g, batchSize, toState: false);");
            }
            else
            {
                writer.Open("if (t == length - 1)");
                writer.Line(ReadoutCall(plan, "T.HeadOffset", "(t + 1) & 1", "ref Unsafe.Add(ref output, g * OutputSize)"));
                writer.Line("if (!h.IsEmpty)");
                writer.Line($"    CopyState(ref state, (t + 1) & 1, {stateArguments}, b + g, batchSize, toState: false);");
                writer.Close();
            }
            writer.Close();
            writer.Close();
            if (everyStep)
            {
                writer.Line("for (int g = 0; g < BlockSequences && !lengths.IsEmpty; g++)");
                writer.Line("    MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, (g * steps + lengths[g]) * OutputSize), (steps - lengths[g]) * OutputSize).Clear(); // padded steps");
            }
            writer.Close();
        }

        // A layer's step for BlockSequences sequences, once for every tiling (blocks run only where no tiling has a rest tile).
        private static void EmitBlockLayer(SourceWriter writer, KernelPlan plan, string method, string description, LayerShape shape)
        {
            Cell cell = plan.Cell;
            int[] sequences = Enumerable.Range(0, KernelPlan.BlockSequences).ToArray();
            int[] inputSlots = Enumerable.Range(0, PackedLayout.Slots).Where(cell.ReadsInput).ToArray();
            int[] hiddenSlots = Enumerable.Range(0, PackedLayout.Slots).Where(cell.ReadsHidden).ToArray();

            writer.Line();
            writer.Line($"/// <summary>{description}, for BlockSequences sequences at once: sequence g's input at x + g · xStride, its state at");
            writer.Line("/// state + g · StateLength. Each weight vector, loaded once, feeds every sequence, which divides the weight traffic.</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            writer.Open($"private static void Tiles{method}<T, S, V>(ref float weights, ref float x, int xStride, ref float state, int parity){Code.Generic.Constraints}");
            writer.Line("int lanes = T.Lanes, rowLength = T.RowLength; // constants once inlined");
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
            writer.Line("int unit = tile * lanes;");

            writer.Line();
            writer.Line($"// {cell.BiasComment}, the same for every sequence");
            foreach (int slot in Enumerable.Range(0, PackedLayout.Slots))
                writer.Line($"V {cell.Slots[slot]}0 = S.Load(ref panel, {Code.Generic.VectorOffset(slot)});");
            foreach (int s in sequences.Skip(1))
                writer.Line("V " + string.Join(", ", cell.Slots.Select(slot => $"{slot}{s} = {slot}0")) + ";");

            EmitBlockColumns(writer, cell, sequences, inputSlots, cell.InputComment, shape.InputsName, "panel", "1 + k", "x");
            EmitBlockColumns(writer, cell, sequences, hiddenSlots, cell.HiddenComment, shape.HiddenColumnsName,
                shape.SeparateInput ? "hiddenPanel" : "panel", shape.SeparateInput ? "k" : $"1 + {shape.InputsName} + k", "hPrev");

            writer.Line();
            writer.Line("// " + cell.UpdateComment);
            foreach (int s in sequences)
            {
                string units = $"Unsafe.Add(ref state{s}, {(cell.HasCellState ? "2 * StateStride" : "parity * StateStride")} + unit)";
                string newH = $"Unsafe.Add(ref state{s}, (parity ^ 1) * StateStride + unit)";
                writer.Line(cell.UpdateOf("S", units, newH, s.ToString()));
            }
            writer.Close();
            writer.Close();
        }

        // slots += W[:, k] · source[k] for every k, each sequence into its own accumulators: one load per slot and
        // one broadcast per sequence for slots × sequences multiply-adds.
        private static void EmitBlockColumns(SourceWriter writer, Cell cell, IReadOnlyList<int> sequences, IReadOnlyList<int> slots,
            string comment, string count, string panel, string row, string source)
        {
            writer.Line();
            writer.Line("// " + comment);
            writer.Open($"for (int k = 0; k < {count}; k++)");
            writer.Line($"ref float row = ref Unsafe.Add(ref {panel}, {(row == "k" ? row : $"({row})")} * rowLength);");
            writer.Line("V " + string.Join(", ", slots.Select(slot => $"w{cell.Slots[slot]} = S.Load(ref row, {Code.Generic.VectorOffset(slot)})")) + ";");
            writer.Line("V " + string.Join(", ", sequences.Select(s => $"{source}{s}k = S.Create(Unsafe.Add(ref {source}{s}, k))")) + ";");
            foreach (int s in sequences)
                writer.Line(string.Join(" ", slots.Select(slot => $"{cell.Slots[slot]}{s} = S.MultiplyAdd(w{cell.Slots[slot]}, {source}{s}k, {cell.Slots[slot]}{s});")));
            writer.Close();
        }
    }
}
