using System.Linq;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    internal static partial class Emitter
    {
        // ---- a bidirectional model: layer by layer, each layer's two directions over the whole sequence ----

        private static void EmitLayerByLayerSequence(SourceWriter writer, KernelPlan plan)
        {
            bool cellState = plan.Cell.HasCellState;
            string states = cellState ? "Span<float> h, Span<float> c" : "Span<float> h";
            string stateArguments = cellState ? "h, c" : "h";
            string hOut = LayerShape.HiddenOutputName(plan.Spec);
            writer.Line("/// <summary>");
            writer.Line("/// Runs sequence <paramref name=\"b\"/> of a batch for <paramref name=\"steps\"/> steps, layer by layer: both directions of a");
            writer.Line("/// layer over the whole sequence (the backward one from its last step), their h_t side by side in a [steps, FeatureSize]");
            writer.Line("/// sequence that the layer above reads. From the zero state or, when h is given, from its h_0 (and c_0) there, where its");
            writer.Line("/// final state goes.");
            writer.Line("/// </summary>");
            writer.Open($"private static void Sequence(ref float weights, ref float input, int steps, ref float output, {states}, int b, int batchSize)");
            if (plan.PassesSequences)
            {
                writer.Line("// Both directions' state, then two sequences (a layer's output and the one below it): their length depends on steps,");
                writer.Line("// so they live in this thread's scratch (see KernelScratch), never on the stack.");
            }
            else
            {
                writer.Line("// Both directions' state, then the row the readout reads besides the final states: in this thread's scratch");
                writer.Line("// (see KernelScratch), where they ran faster than on the stack (docs/kernel-choices.md).");
            }
            writer.Line($"Span<float> scratch = KernelScratch.Rent(StateLength + {(plan.PassesSequences ? "2 * steps * FeatureSize" : "FeatureSize")});");
            writer.Line("ref float state = ref MemoryMarshal.GetReference(scratch);");
            writer.Line("ref float sequences = ref Unsafe.Add(ref state, StateLength);");
            string arguments = $"ref weights, ref input, steps, ref state, ref sequences, {stateArguments}, b, batchSize, ref output";
            EmitDispatch(writer, plan, tiling => $"Run<{tiling.Name}>({arguments});", $"ScalarRun({arguments});");
            writer.Close();
            writer.Line();

            writer.Line($"/// <summary>Copies sequence b's h (and c) of both directions of a layer between the state (h in buffer parity) and PyTorch's [NumLayers · 2, batch, {hOut}{(cellState && plan.Spec.ProjSize > 0 ? "] (c: [NumLayers · 2, batch, HiddenSize]" : "")}].</summary>");
            writer.Open($"private static void CopyState(ref float state, int parity, {states}, int layer, int b, int batchSize, bool toState)");
            writer.Open("for (int direction = 0; direction < 2; direction++)");
            EmitStateCopy(writer, cellState, hOut, stateIndex: "direction", row: "(layer * 2 + direction) * batchSize + b");
            writer.Close();
            writer.Close();
        }

        private static void EmitLayerByLayerRun(SourceWriter writer, KernelPlan plan)
        {
            bool cellState = plan.Cell.HasCellState;
            string states = cellState ? "Span<float> h, Span<float> c" : "Span<float> h";
            string stateArguments = cellState ? "h, c" : "h";
            string hOut = LayerShape.HiddenOutputName(plan.Spec);
            string parameters = $"ref float weights, ref float input, int steps, ref float state, ref float sequences, {states}, int b, int batchSize, ref float output";

            writer.Line("/// <summary>Runs one sequence on tiling T, layer by layer, then the readout of the last layer's output sequence.</summary>");
            writer.Open($"private static void Run<T>({parameters}) where T : ITiles");
            EmitLayerByLayerBody(writer, plan, "T.", (layer, block, x, state) => $"T.{(layer == "0" ? "Layer" : "UpperLayer")}(ref {block}, ref {x}, ref {state}, s & 1);", stateArguments);
            writer.Close();
            writer.Line();

            string scalar = plan.ScalarTiling.Name;
            writer.Line($"/// <summary><see cref=\"Run{{T}}\"/> without SIMD, for CPUs where no vector width is accelerated, on the {scalar} layout.</summary>");
            writer.Open($"private static void ScalarRun({parameters})");
            EmitLayerByLayerBody(writer, plan, scalar + ".", (layer, block, x, state) => $"ScalarLayer(ref {block}, ref {x}, ref {state}, {layer}, s & 1);", stateArguments);
            writer.Close();
            writer.Line();

            writer.Line("/// <summary>One step of one direction of a layer without SIMD, whose weights start at <paramref name=\"block\"/>.</summary>");
            writer.Line("private static void ScalarLayer(ref float block, ref float x, ref float state, int layer, int parity) =>");
            string blockLength = plan.Spec.NumLayers > 1 ? $"layer == 0 ? {scalar}.LayerLength : {scalar}.UpperLayerLength" : $"{scalar}.LayerLength";
            writer.Line($"    RecurrentScalarKernel.Layer(MemoryMarshal.CreateReadOnlySpan(ref block, {blockLength}),");
            writer.Line("        MemoryMarshal.CreateReadOnlySpan(ref x, layer == 0 ? InputSize : FeatureSize), MemoryMarshal.CreateSpan(ref state, LayerStateLength),");
            writer.Line($"        InputSize, HiddenSize, NumLayers, {scalar}.Lanes, {scalar}.RestLanes, bidirectional: true, projSize: {(plan.Spec.ProjSize > 0 ? "ProjSize" : "0")}, " +
                $"gru: {(cellState ? "false" : "true")}, layer, parity);");
            writer.Line();

            writer.Line("/// <summary>Copies a direction's new h_t (in the buffer after <paramref name=\"parity\"/>) to its place in a layer's output sequence.</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            writer.Line("private static void Keep(ref float direction, int parity, ref float into) =>");
            writer.Line($"    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref direction, (parity ^ 1) * StateStride), {hOut}).CopyTo(MemoryMarshal.CreateSpan(ref into, {hOut}));");
            writer.Line();

            writer.Line("/// <summary>Both directions' state of a layer: zero, or sequence b's h_0 (and c_0) of that layer when h is given.</summary>");
            writer.Open($"private static void StartLayer(ref float state, {states}, int layer, int b, int batchSize)");
            writer.Line("MemoryMarshal.CreateSpan(ref state, StateLength).Clear();");
            writer.Line("if (!h.IsEmpty)");
            writer.Line($"    CopyState(ref state, 0, {stateArguments}, layer, b, batchSize, toState: true);");
            writer.Close();
            writer.Line();

            if (plan.Spec.Readout != Readout.EveryStep) return;
            writer.Line("/// <summary>The readout of the last layer's output sequence ([steps, FeatureSize]): every step's [forward h_t, backward h_t].</summary>");
            writer.Open("private static void ReadOut(ref float head, ref float sequence, int steps, ref float output)");
            writer.Line("for (int t = 0; t < steps; t++)");
            writer.Line("    " + DirectionsReadoutCall(plan.Spec, "Unsafe.Add(ref sequence, t * FeatureSize)", $"Unsafe.Add(ref sequence, t * FeatureSize + {hOut})", "Unsafe.Add(ref output, t * OutputSize)"));
            writer.Close();
        }

        // The head (or the features without one) of one readout: [forward h, backward h] at the given references (the
        // unidirectional kernel's ReadoutCall reads one h from the state).
        private static string DirectionsReadoutCall(ModelSpec spec, string forward, string backward, string output) => spec.HasHead
            ? $"Head(ref head, ref {forward}, ref {backward}, ref {output});"
            : $"Features(ref {forward}, ref {backward}, ref {output});";

        // The layers of one sequence, for tiling `of` ("T." or a tiling's name): layer 0 over x, each layer above over
        // the sequence below; `step` prints one direction's step (layer, its weights, its input, its state).
        private static void EmitLayerByLayerBody(SourceWriter writer, KernelPlan plan, string of,
            System.Func<string, string, string, string, string> step, string stateArguments)
        {
            string hOut = LayerShape.HiddenOutputName(plan.Spec);
            writer.Line("ref float backwardState = ref Unsafe.Add(ref state, LayerStateLength);");
            writer.Line("ref float into = ref sequences;");
            string keeps = plan.PassesSequences ? "true" : "false";
            EmitDirections(writer, plan.Spec.Readout, plan.InterleavesDirections, keeps, "0", "weights", $"Unsafe.Add(ref weights, {of}LayerLength)", "input", "InputSize", hOut, step, stateArguments);
            if (plan.Spec.NumLayers > 1)
            {
                writer.Open("for (int layer = 1; layer < NumLayers; layer++)");
                writer.Line("// Layer k reads sequence (k − 1) % 2 and writes sequence k % 2.");
                writer.Line("ref float below = ref Unsafe.Add(ref sequences, ((layer - 1) & 1) * steps * FeatureSize);");
                writer.Line("into = ref Unsafe.Add(ref sequences, (layer & 1) * steps * FeatureSize);");
                writer.Line($"ref float upper = ref Unsafe.Add(ref weights, 2 * {of}LayerLength + (layer - 1) * 2 * {of}UpperLayerLength);");
                string upperKeeps = "true";
                if (plan.Spec.Readout != Readout.EveryStep)
                {
                    writer.Line("bool keepsSequence = layer < NumLayers - 1; // the layer above reads it");
                    upperKeeps = "keepsSequence";
                }
                EmitDirections(writer, plan.Spec.Readout, plan.InterleavesDirections, upperKeeps, "layer", "upper", $"Unsafe.Add(ref upper, {of}UpperLayerLength)", "below", "FeatureSize", hOut, step, stateArguments);
                writer.Close();
            }
            if (plan.Spec.HasHead && plan.Spec.Readout != Readout.EveryStep) writer.Line($"ref float head = ref Unsafe.Add(ref weights, {of}HeadOffset);");
            writer.Line(plan.Spec.Readout switch
            {
                Readout.EveryStep => $"ReadOut(ref Unsafe.Add(ref weights, {of}HeadOffset), ref into, steps, ref output);",
                // The forward direction's final h is in buffer steps % 2; so is the backward one's, after step 0.
                Readout.FinalState => DirectionsReadoutCall(plan.Spec, "Unsafe.Add(ref state, (steps & 1) * StateStride)", "Unsafe.Add(ref backwardState, (steps & 1) * StateStride)", "output"),
                _ => DirectionsReadoutCall(plan.Spec, "Unsafe.Add(ref state, (steps & 1) * StateStride)", $"Unsafe.Add(ref into, {hOut})", "output"),
            });
        }

        // Both directions of a layer, step by step. A layer keeps its whole output sequence when `keeps` (a condition, or
        // "true"/"false") holds; otherwise only what the readout reads besides the final states: for LastStep the backward
        // direction's first h.
        private static void EmitDirections(SourceWriter writer, Readout readout, bool interleaved, string keeps, string layer, string forward, string backward,
            string source, string sourceStride, string hOut, System.Func<string, string, string, string, string> step, string stateArguments)
        {
            writer.Line();
            writer.Line($"StartLayer(ref state, {stateArguments}, {layer}, b, batchSize);");
            writer.Line($"ref float backward{(layer == "0" ? "" : "Upper")} = ref {backward};");
            string backwardWeights = layer == "0" ? "backward" : "backwardUpper";
            var directions = new[]
            {
                (Backward: false, Weights: forward, Step: "s", State: "state", Row: "s * FeatureSize"),
                (Backward: true, Weights: backwardWeights, Step: "t", State: "backwardState", Row: $"t * FeatureSize + {hOut}"),
            };
            void Loop(params (bool Backward, string Weights, string Step, string State, string Row)[] running)
            {
                writer.Open("for (int s = 0; s < steps; s++)");
                if (running.Any(direction => direction.Backward)) writer.Line("int t = steps - 1 - s; // the backward direction's step");
                foreach (var direction in running)
                    writer.Line(step(layer, direction.Weights, $"Unsafe.Add(ref {source}, {direction.Step} * {sourceStride})", direction.State));
                foreach (var direction in running)
                {
                    string keep = $"Keep(ref {direction.State}, s & 1, ref Unsafe.Add(ref into, {direction.Row}));";
                    // LastStep's backward h is the backward direction's first: kept in the first row's backward half.
                    string? first = direction.Backward && readout == Readout.LastStep ? $"Keep(ref backwardState, 0, ref Unsafe.Add(ref into, {hOut}));" : null;
                    if (keeps == "true") writer.Line(keep);
                    else if (keeps != "false") writer.Line($"if ({keeps}) {keep}");
                    if (first is not null && keeps != "true") writer.Line($"{(keeps == "false" ? "" : "else ")}if (s == 0) {first}");
                }
                writer.Close();
            }
            if (interleaved)
            {
                writer.Line("// The two directions are independent chains: a step of each per iteration, for the CPU to overlap.");
                Loop(directions);
            }
            else
            {
                writer.Line("// One direction after the other, so that each reads its weights from L1.");
                Loop(directions[0]);
                Loop(directions[1]);
            }
            writer.Line("if (!h.IsEmpty)");
            writer.Line($"    CopyState(ref state, steps & 1, {stateArguments}, {layer}, b, batchSize, toState: false);");
        }

        // A bidirectional model's readout of [forward h, backward h], which sit apart in the output sequence.
        private static void EmitBidirectionalHead(SourceWriter writer, ModelSpec spec)
        {
            string hOut = LayerShape.HiddenOutputName(spec);
            if (!spec.HasHead)
            {
                writer.Line("/// <summary>Without a head, the readout is the features themselves: [forward h, backward h].</summary>");
                writer.Open("private static void Features(ref float forward, ref float backward, ref float output)");
                writer.Line($"MemoryMarshal.CreateReadOnlySpan(ref forward, {hOut}).CopyTo(MemoryMarshal.CreateSpan(ref output, {hOut}));");
                writer.Line($"MemoryMarshal.CreateReadOnlySpan(ref backward, {hOut}).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, {hOut}), {hOut}));");
                writer.Close();
                return;
            }
            writer.Line("/// <summary>");
            writer.Line("/// y = fc.weight · [forward h, backward h] + fc.bias, with <paramref name=\"head\"/> at fc.weight ([OutputSize, FeatureSize])");
            writer.Line("/// and fc.bias after it.");
            writer.Line("/// </summary>");
            writer.Open("private static void Head(ref float head, ref float forward, ref float backward, ref float output)");
            writer.Open("for (int o = 0; o < OutputSize; o++)");
            writer.Line("ref float row = ref Unsafe.Add(ref head, o * FeatureSize);");
            writer.Line("Unsafe.Add(ref output, o) = Unsafe.Add(ref head, OutputSize * FeatureSize + o)");
            writer.Line($"    + KernelMath.Dot(ref row, ref forward, {hOut}) + KernelMath.Dot(ref Unsafe.Add(ref row, {hOut}), ref backward, {hOut});");
            writer.Close();
            writer.Close();
        }
    }
}
