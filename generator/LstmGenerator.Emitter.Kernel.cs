using System;
using System.Linq;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;
using LstmGen.Kernels;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    internal static partial class Emitter
    {
        // ---- the kernel class: constants, entry points, the code shared by every tiling, and the tilings ----

        private static void EmitKernelClass(SourceWriter writer, KernelPlan plan, byte[]? weights)
        {
            ModelSpec spec = plan.Spec;
            Cell cell = plan.Cell;
            writer.Open("namespace LstmGen.Generated");
            foreach (string name in new[] { "System", "System.Runtime.CompilerServices", "System.Runtime.InteropServices", "System.Runtime.Intrinsics", "LstmGen.Kernels" })
                writer.Line($"using global::{name};");
            writer.Line();
            writer.Line($"/// <summary>The forward pass of <see cref=\"{FullName(spec)}\"/>, specialized for its sizes.</summary>");
            writer.Line(GeneratedCodeAttribute);
            writer.Open($"file static class {KernelName(spec)}");
            writer.Line($"private const int InputSize = {spec.InputSize};");
            writer.Line($"private const int HiddenSize = {spec.HiddenSize};");
            if (spec.ProjSize > 0)
                writer.Line($"private const int ProjSize = {spec.ProjSize}; // the values of h: h_t = W_hr · (o ⊙ tanh(c_t))");
            if (spec.Bidirectional)
                writer.Line($"private const int FeatureSize = 2 * {LayerShape.HiddenOutputName(spec)}; // a layer's values per step: [forward h_t, backward h_t]");
            writer.Line(spec.HasHead
                ? $"private const int OutputSize = {spec.OutputSize};"
                : spec.Bidirectional ? "private const int OutputSize = FeatureSize; // values per readout: no head, the last layer's features"
                : $"private const int OutputSize = {LayerShape.HiddenOutputName(spec)}; // values per readout: no head, the last layer's h");
            writer.Line($"private const int NumLayers = {spec.NumLayers};");
            if (plan.ProjectionSteps > 0)
                writer.Line($"private const int ProjectionSteps = {plan.ProjectionSteps}; // Forward computes layer 0's b + W_ih · x_t this many steps ahead");
            writer.Line();
            writer.Line("// The packed layout this code reads (LstmGen.Kernels.PackedLayout); the runtime must write the same.");
            writer.Line($"private const int LayoutVersion = {PackedLayout.Version};");
            writer.Line($"private const string GeneratorVersion = \"{GeneratorVersion}\";");
            writer.Line();
            writer.Line($"// The state: per {(spec.Bidirectional ? "direction" : "layer")} two h buffers (a step reads h_{{t-1}} from one and writes h_t to the other)" +
                (cell.HasCellState ? " and c," : ",") + (spec.ProjSize > 0 ? " then o ⊙ tanh(c_t) before the projection," : ""));
            writer.Line("// each padded to whole tiles of every tiling and to whole cache lines, so no full-width store straddles two.");
            writer.Line($"private const int StateStride = {plan.StateStride};");
            writer.Line($"private const int LayerStateLength = {plan.StateBuffers} * StateStride;");
            writer.Line(spec.Bidirectional
                ? "public const int StateLength = 2 * LayerStateLength; // both directions of the layer that runs"
                : "public const int StateLength = NumLayers * LayerStateLength;");
            if (plan.BlocksRunBatches)
                writer.Line($"private const int BlockSequences = {KernelPlan.BlockSequences}; // sequences a batch block runs through each weight vector at once");
            writer.Line();
            if (!spec.Bidirectional && spec.ProjSize == 0)
            {
                writer.Line("/// <summary>The multiply-adds of one step: gates × hidden units × (inputs + hidden units), per layer.</summary>");
                writer.Line($"public const long MultiplyAddsPerStep = (long){cell.Gates} * HiddenSize * (InputSize + HiddenSize + (NumLayers - 1) * 2 * HiddenSize);");
            }
            else
            {
                string hOut = LayerShape.HiddenOutputName(spec), features = LayerShape.FeatureName(spec);
                writer.Line("/// <summary>The multiply-adds of one step: per layer and direction gates × hidden units × (inputs + h's values)" + (spec.ProjSize > 0 ? ", and W_hr's." : ".") + "</summary>");
                writer.Line($"public const long MultiplyAddsPerStep = (long){spec.Directions} * ({cell.Gates} * HiddenSize * (InputSize + {hOut} + (NumLayers - 1) * ({features} + {hOut}))" +
                    (spec.ProjSize > 0 ? " + NumLayers * ProjSize * HiddenSize);" : ");"));
            }
            writer.Line();
            writer.Line("/// <summary>Where the h buffer <paramref name=\"parity\"/> of a layer starts in the state.</summary>");
            writer.Line("public static int HiddenOffset(int layer, int parity) => layer * LayerStateLength + parity * StateStride;");
            if (cell.HasCellState)
            {
                writer.Line();
                writer.Line("/// <summary>Where the c of a layer starts in the state.</summary>");
                writer.Line("public static int CellOffset(int layer) => layer * LayerStateLength + 2 * StateStride;");
            }
            writer.Line();
            if (!spec.Bidirectional)
            {
                writer.Line("/// <summary>A model's streaming state, zero, once the runtime is known to lay out state and weights as this code reads them.</summary>");
                writer.Open("public static AlignedBuffer CreateState()");
                writer.Line("ModelGuard.RequireLayout(LayoutVersion, GeneratorVersion);");
                writer.Line("return new AlignedBuffer(StateLength);");
                writer.Close();
                writer.Line();
            }
            EmitPack(writer, plan);
            if (weights is not null)
            {
                writer.Line();
                EmitEmbeddedWeights(writer, spec, cell, weights);
            }
            writer.Line();
            EmitForward(writer, plan);
            writer.Line();
            if (!plan.LayerByLayer)
            {
                EmitStep(writer, plan);
                writer.Line();
            }
            EmitForwardBatch(writer, plan);
            writer.Line();
            if (plan.LayerByLayer)
                EmitLayerByLayerRun(writer, plan);
            else
                EmitRun(writer, plan);
            writer.Line();
            EmitHead(writer, plan);
            if (plan.LanesRunBatches)
            {
                writer.Line();
                EmitBatchOnLanes(writer, plan);
            }
            if (plan.BlocksRunBatches)
            {
                writer.Line();
                EmitBlocks(writer, plan);
            }
            if (plan.GenericTilings.Any())
                EmitLayerCode(writer, plan, Code.Generic);
            writer.Line();
            EmitTilesInterface(writer, plan);
            foreach (TilingPlan tiling in plan.Tilings)
            {
                writer.Line();
                EmitTiling(writer, plan, tiling);
            }
            writer.Close();
            writer.Close();
        }

        // The SIMD dispatch: one branch per tiling, widest first, then the scalar path (none: nothing to do without SIMD). The JIT folds the
        // IsHardwareAccelerated checks to constants and keeps only the widest accelerated branch.
        private static void EmitDispatch(SourceWriter writer, KernelPlan plan, Func<TilingPlan, string> statement, params string[] scalar)
        {
            string keyword = "if";
            foreach (TilingPlan tiling in plan.Tilings)
            {
                writer.Line($"{keyword} ({tiling.Vector.Type}.IsHardwareAccelerated)");
                writer.Line($"    {statement(tiling)}");
                keyword = "else if";
            }
            if (scalar.Length == 0) return;
            if (scalar.Length == 1)
            {
                writer.Line("else");
                writer.Line("    " + scalar[0]);
                return;
            }
            writer.Open("else");
            foreach (string line in scalar) writer.Line(line);
            writer.Close();
        }

        private static void EmitPack(SourceWriter writer, KernelPlan plan)
        {
            writer.Line("/// <summary>Packs weights in PyTorch's layout for the tiling of this CPU's path.</summary>");
            writer.Open("public static PackedWeights Pack(RecurrentWeights weights)");
            writer.Line("ModelGuard.RequireLayout(LayoutVersion, GeneratorVersion);");
            EmitDispatch(writer, plan, tiling => $"return Pack<{tiling.Name}>(weights);",
                $"return Pack<{plan.ScalarTiling.Name}>(weights); // no SIMD: the scalar path reads the tiling the state is padded for");
            writer.Close();
            writer.Line();
            writer.Line("// The runtime packs; the length it packed must be the one this code reads.");
            writer.Line("private static PackedWeights Pack<T>(RecurrentWeights weights) where T : ITiles =>");
            writer.Line("    ModelGuard.RequirePackedLength(");
            writer.Line($"        RecurrentPacking.Pack(weights, InputSize, HiddenSize, {HeadOutputs(plan.Spec)}, NumLayers, T.Lanes, T.RestLanes{(plan.SeparateInput ? ", separateInput: true" : "")}{PackOptions(plan.Spec)}),");
            writer.Line("        T.PackedLength);");
        }

        // The named arguments that pack a bidirectional or projected model's weights.
        private static string PackOptions(ModelSpec spec) =>
            (spec.Bidirectional ? ", bidirectional: true" : "") + (spec.ProjSize > 0 ? ", projSize: ProjSize" : "");

        private static void EmitForward(SourceWriter writer, KernelPlan plan)
        {
            ModelSpec spec = plan.Spec;
            bool cellState = plan.Cell.HasCellState;
            string states = cellState ? "Span<float> h, Span<float> c" : "Span<float> h";
            string stateArguments = cellState ? "h, c" : "h";
            writer.Line("/// <summary>Runs one sequence of <paramref name=\"steps\"/> steps from the zero state: input [steps, InputSize].</summary>");
            writer.Line("public static void Forward(ref float weights, ref float input, int steps, ref float output) =>");
            writer.Line($"    Sequence(ref weights, ref input, steps, ref output, {(cellState ? "default, default" : "default")}, 0, 1);");
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line("/// Runs a batch of <paramref name=\"steps\"/> steps per sequence, sequence b for its first lengths[b] steps (all of them");
            writer.Line("/// without lengths), from the zero state or from h_0 (and c_0) in h (and c), [NumLayers, batchSize, HiddenSize], where");
            writer.Line("/// each sequence's final state goes.");
            writer.Line("/// </summary>");
            writer.Open($"public static void ForwardPadded(ref float weights, ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, int batchSize, int steps, {states})");
            writer.Line($"int outputs = {(spec.Readout == Readout.EveryStep ? "steps * OutputSize" : "OutputSize")};");
            if (plan.BlocksRunBatches)
            {
                EmitBlocksFirst(writer, plan, "ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(output), batchSize, steps, lengths, " + stateArguments);
                writer.Open("for (; b < batchSize; b++)");
            }
            else
            {
                writer.Open("for (int b = 0; b < batchSize; b++)");
            }
            writer.Line("int length = lengths.IsEmpty ? steps : lengths[b];");
            writer.Line("Sequence(ref weights, ref MemoryMarshal.GetReference(input.Slice(b * steps * InputSize)), length,");
            writer.Line($"    ref MemoryMarshal.GetReference(output.Slice(b * outputs)), {stateArguments}, b, batchSize);");
            if (spec.Readout == Readout.EveryStep)
                writer.Line("output.Slice(b * outputs + length * OutputSize, (steps - length) * OutputSize).Clear(); // padded steps");
            writer.Close();
            writer.Close();
            writer.Line();
            if (plan.LayerByLayer)
            {
                EmitLayerByLayerSequence(writer, plan);
                return;
            }

            string scalar = plan.ScalarTiling.Name;
            writer.Line("/// <summary>");
            writer.Line("/// Runs sequence <paramref name=\"b\"/> of a batch for <paramref name=\"steps\"/> steps, from the zero state or, when h is");
            writer.Line("/// given, from its h_0 (and c_0) there, where its final state goes.");
            writer.Line("/// </summary>");
            writer.Open($"private static void Sequence(ref float weights, ref float input, int steps, ref float output, {states}, int b, int batchSize)");
            EmitWorkingMemory(writer, plan.SequenceScratch, plan.ProjectionSteps > 0 ? "StateLength + ProjectionSteps * 4 * StateStride" : "StateLength",
                "state", "StateLength");
            if (plan.ProjectionSteps > 0)
                writer.Line("ref float projection = ref Unsafe.Add(ref state, StateLength); // the chunk's projected inputs, after the state");
            writer.Line("if (!h.IsEmpty)");
            writer.Line($"    CopyState(ref state, 0, {stateArguments}, b, batchSize, toState: true);");
            var scalarSteps = new System.Collections.Generic.List<string>
            {
                "for (int t = 0; t < steps; t++)",
                "{",
                "    ScalarLayers(ref weights, ref Unsafe.Add(ref input, t * InputSize), ref state, t & 1);",
            };
            if (spec.Readout == Readout.EveryStep)
                scalarSteps.Add("    " + ReadoutCall(plan, $"{scalar}.HeadOffset", "(t + 1) & 1", "ref Unsafe.Add(ref output, t * OutputSize)"));
            scalarSteps.Add("}");
            if (spec.Readout != Readout.EveryStep)
                scalarSteps.Add(ReadoutCall(plan, $"{scalar}.HeadOffset", "steps & 1", "ref output"));
            string projection = plan.ProjectionSteps > 0 ? ", ref projection" : "";
            EmitDispatch(writer, plan, tiling => $"Run<{tiling.Name}>(ref weights, ref input, steps, ref state{projection}, ref output);", scalarSteps.ToArray());
            writer.Line("if (!h.IsEmpty)");
            writer.Line($"    CopyState(ref state, steps & 1, {stateArguments}, b, batchSize, toState: false);");
            writer.Close();
            writer.Line();

            string hOut = LayerShape.HiddenOutputName(spec);
            writer.Line($"/// <summary>Copies sequence b's h (and c) of every layer between the state (h in buffer parity) and PyTorch's [NumLayers, batch, {hOut}{(cellState && spec.ProjSize > 0 ? "] (c: [NumLayers, batch, HiddenSize]" : "")}].</summary>");
            writer.Open($"private static void CopyState(ref float state, int parity, {states}, int b, int batchSize, bool toState)");
            writer.Open("for (int layer = 0; layer < NumLayers; layer++)");
            EmitStateCopy(writer, cellState, hOut, stateIndex: "layer", row: "layer * batchSize + b");
            writer.Close();
            writer.Close();
        }

        // A method's working memory of `length` floats, from a cache line, its first `cleared` floats zero: on the stack
        // within the budget, else in this thread's scratch (LstmGen.Kernels.KernelScratch).
        private static void EmitWorkingMemory(SourceWriter writer, int floats, string length, string name, string cleared)
        {
            if (floats <= KernelPlan.StackBudgetFloats)
            {
                writer.Line("// On the stack, from a cache line, zeroed from there (see AlignedBuffer.ClearAligned).");
                writer.Line($"Span<float> buffer = stackalloc float[{length} + AlignedBuffer.Slack];");
                writer.Line($"ref float {name} = ref AlignedBuffer.ClearAligned(buffer, {cleared});");
            }
            else
            {
                writer.Line($"// {floats * 4 / 1024} KB: beyond the stack budget, in this thread's scratch (see KernelScratch).");
                writer.Line($"Span<float> scratch = KernelScratch.Rent({length});");
                writer.Line($"scratch.Slice(0, {cleared}).Clear();");
                writer.Line($"ref float {name} = ref MemoryMarshal.GetReference(scratch);");
            }
        }

        // One state's copy between the kernel's state (buffers of `stateIndex`, h in buffer parity) and row `row` of
        // PyTorch's h [rows, H_out] (and c [rows, HiddenSize]), in the direction toState says.
        private static void EmitStateCopy(SourceWriter writer, bool cellState, string hOut, string stateIndex, string row)
        {
            writer.Line($"int row = {row};");
            writer.Line($"Span<float> stateH = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref state, HiddenOffset({stateIndex}, parity)), {hOut});");
            writer.Line($"Span<float> givenH = h.Slice(row * {hOut}, {hOut});");
            writer.Line("(toState ? givenH : stateH).CopyTo(toState ? stateH : givenH);");
            if (!cellState) return;
            writer.Line($"Span<float> stateC = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref state, CellOffset({stateIndex})), HiddenSize);");
            writer.Line("Span<float> givenC = c.Slice(row * HiddenSize, HiddenSize);");
            writer.Line("(toState ? givenC : stateC).CopyTo(toState ? stateC : givenC);");
        }

        // The readout of the last layer's h in buffer `parity`: the head, or the features themselves without one.
        private static string ReadoutCall(KernelPlan plan, string headOffset, string parity, string output)
        {
            string h = $"ref Unsafe.Add(ref state, HiddenOffset(NumLayers - 1, {parity}))";
            return plan.Spec.HasHead
                ? $"Head(ref Unsafe.Add(ref weights, {headOffset}), {h}, {output});"
                : $"Features({h}, {output});";
        }

        private static void EmitStep(SourceWriter writer, KernelPlan plan)
        {
            string scalar = plan.ScalarTiling.Name;
            writer.Line("/// <summary>One streaming step: reads h_{t-1} from buffer parity of each layer, writes h_t to the other, then the readout.</summary>");
            writer.Open("public static void Step(ref float weights, ref float input, ref float state, int parity, ref float output)");
            EmitDispatch(writer, plan, tiling => $"Step<{tiling.Name}>(ref weights, ref input, ref state, parity, ref output);",
                "ScalarLayers(ref weights, ref input, ref state, parity);",
                ReadoutCall(plan, $"{scalar}.HeadOffset", "parity ^ 1", "ref output"));
            writer.Close();
            writer.Line();
            writer.Line($"/// <summary>One step of every layer without SIMD, for CPUs where no vector width is accelerated, on the {scalar} layout.</summary>");
            writer.Line("private static void ScalarLayers(ref float weights, ref float input, ref float state, int parity) =>");
            writer.Line($"    RecurrentScalarKernel.Step(MemoryMarshal.CreateReadOnlySpan(ref weights, {scalar}.HeadOffset), MemoryMarshal.CreateReadOnlySpan(ref input, InputSize),");
            writer.Line($"        MemoryMarshal.CreateSpan(ref state, StateLength), InputSize, HiddenSize, NumLayers, {scalar}.Lanes, {scalar}.RestLanes, " +
                $"gru: {(plan.Cell.HasCellState ? "false" : "true")}, parity{(plan.SeparateInput ? ", separateInput: true" : "")}{(plan.Spec.ProjSize > 0 ? ", projSize: ProjSize" : "")});");
        }

        // A sequence and a step of every layer, once for every tiling: T says where the tiling's weights are.
        private static void EmitRun(SourceWriter writer, KernelPlan plan)
        {
            const string Constraint = " where T : ITiles";
            string layers = plan.Spec.NumLayers == 1 ? "T.Layer" : "Layers<T>";
            bool everyStep = plan.Spec.Readout == Readout.EveryStep;
            string stepReadout = ReadoutCall(plan, "T.HeadOffset", "(t + 1) & 1", "ref Unsafe.Add(ref output, t * OutputSize)");
            writer.Line($"/// <summary>Runs one sequence on tiling T from the state in <paramref name=\"state\"/>, then {(everyStep ? "reads out every step" : "the readout")}.</summary>");
            writer.Open($"private static void Run<T>(ref float weights, ref float input, int steps, ref float state{(plan.ProjectionSteps > 0 ? ", ref float projection" : "")}, ref float output){Constraint}");
            if (plan.ProjectionSteps > 0)
            {
                writer.Line("// Layer 0's input parts, b + W_ih · x_t, ProjectionSteps steps at a time (reading W_ih once for them), then the steps.");
                writer.Open("for (int start = 0; start < steps; start += ProjectionSteps)");
                writer.Line("int chunk = Math.Min(ProjectionSteps, steps - start);");
                writer.Line("T.Project(ref weights, ref Unsafe.Add(ref input, start * InputSize), ref projection, chunk);");
                writer.Open("for (int t = start; t < start + chunk; t++)");
                writer.Line($"{(plan.Spec.NumLayers == 1 ? "T.ProjectedLayer" : "ProjectedLayers<T>")}(ref weights, ref Unsafe.Add(ref projection, (t - start) * T.ProjectionLength), ref state, t & 1);");
                if (everyStep) writer.Line(stepReadout);
                writer.Close();
                writer.Close();
            }
            else
            {
                writer.Open("for (int t = 0; t < steps; t++)");
                writer.Line($"{layers}(ref weights, ref Unsafe.Add(ref input, t * InputSize), ref state, t & 1);");
                if (everyStep) writer.Line(stepReadout);
                writer.Close();
            }
            if (!everyStep)
            {
                writer.Line("// After the last step, the last layer's h_T is in buffer steps % 2.");
                writer.Line(ReadoutCall(plan, "T.HeadOffset", "steps & 1", "ref output"));
            }
            writer.Close();
            writer.Line();
            writer.Line("/// <summary>One streaming step on tiling T: h_{t-1} is in buffer <paramref name=\"parity\"/> of each layer, h_t goes to the other.</summary>");
            writer.Open($"private static void Step<T>(ref float weights, ref float x, ref float state, int parity, ref float output){Constraint}");
            writer.Line($"{layers}(ref weights, ref x, ref state, parity);");
            writer.Line(ReadoutCall(plan, "T.HeadOffset", "parity ^ 1", "ref output"));
            writer.Close();

            if (plan.Spec.NumLayers == 1) return;
            EmitLayers(writer, "Layers", "T.Layer", "x", "One time step of every layer on tiling T.");
            if (plan.ProjectionSteps > 0)
                EmitLayers(writer, "ProjectedLayers", "T.ProjectedLayer", "projection", "One time step of every layer, layer 0 from its input part projected ahead.");
        }

        // One time step of every layer: layer 0, then the layers above it in a loop.
        private static void EmitLayers(SourceWriter writer, string method, string bottom, string source, string summary)
        {
            writer.Line();
            writer.Line($"/// <summary>{summary}</summary>");
            writer.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            writer.Open($"private static void {method}<T>(ref float weights, ref float {source}, ref float state, int parity) where T : ITiles");
            writer.Line($"{bottom}(ref weights, ref {source}, ref state, parity);");
            writer.Line("for (int layer = 1; layer < NumLayers; layer++)");
            writer.Line("    T.UpperLayer(ref Unsafe.Add(ref weights, T.LayerLength + (layer - 1) * T.UpperLayerLength), ref Unsafe.Add(ref state, HiddenOffset(layer - 1, parity ^ 1)),");
            writer.Line("        ref Unsafe.Add(ref state, layer * LayerStateLength), parity);");
            writer.Close();
        }

        private static void EmitHead(SourceWriter writer, KernelPlan plan)
        {
            ModelSpec spec = plan.Spec;
            if (spec.Bidirectional)
            {
                EmitBidirectionalHead(writer, spec);
                return;
            }
            string features = LayerShape.FeatureName(spec);
            if (!spec.HasHead)
            {
                writer.Line("/// <summary>Without a head, the readout is the last layer's h itself.</summary>");
                writer.Line("private static void Features(ref float h, ref float output) =>");
                writer.Line($"    MemoryMarshal.CreateReadOnlySpan(ref h, {features}).CopyTo(MemoryMarshal.CreateSpan(ref output, {features}));");
                return;
            }
            writer.Line($"/// <summary>y = fc.weight · h + fc.bias, with <paramref name=\"head\"/> at fc.weight ([OutputSize, {features}]) and fc.bias after it.</summary>");
            writer.Open("private static void Head(ref float head, ref float h, ref float output)");
            writer.Line("for (int o = 0; o < OutputSize; o++)");
            writer.Line($"    Unsafe.Add(ref output, o) = Unsafe.Add(ref head, OutputSize * {features} + o)");
            writer.Line($"        + KernelMath.Dot(ref Unsafe.Add(ref head, o * {features}), ref h, {features});");
            writer.Close();
        }

        // The constants and layer code the shared code reads from a tiling: one interface, one struct per tiling.
        private static void EmitTilesInterface(SourceWriter writer, KernelPlan plan)
        {
            writer.Line("/// <summary>A tiling of the hidden units: where its weights sit (numbers from LstmGen.Kernels.PackedLayout) and its layers' steps.</summary>");
            writer.Open("private interface ITiles");
            foreach ((string name, string comment, _) in TilingConstants(plan, plan.Tilings[0]))
                writer.Line($"static abstract int {name} {{ get; }} // {comment}");
            foreach (LayerMethod method in TilingMethods(plan))
                writer.Line($"static abstract void {method.Signature};");
            writer.Close();
        }

        private static void EmitTiling(SourceWriter writer, KernelPlan plan, TilingPlan tiling)
        {
            string paths = string.Join(" or ", tiling.Paths.Select(path => path.Type));
            string tiles = (tiling.Tiles, tiling.RestLanes) switch
            {
                (0, _) => $"a rest tile of {tiling.RestLanes}",
                (1, 0) => $"one tile of {tiling.Lanes}",
                (_, 0) => $"{tiling.Tiles} tiles of {tiling.Lanes}",
                (1, _) => $"one tile of {tiling.Lanes} and a rest tile of {tiling.RestLanes}",
                _ => $"{tiling.Tiles} tiles of {tiling.Lanes} and a rest tile of {tiling.RestLanes}",
            };
            string shared = tiling.RestVectors == 1 ? $"one {tiling.Vector.Type}, a quarter each" : $"two {tiling.Vector.Type}, half of one each";
            writer.Line($"/// <summary>The path when {paths} is the widest accelerated vector: the hidden units in {tiles}.</summary>");
            if (tiling.HasRest)
                writer.Line($"/// <remarks>The rest tile's {string.Join(", ", plan.Cell.Slots)} share {shared}.</remarks>");
            writer.Open($"private readonly struct {tiling.Name} : ITiles");
            foreach ((string name, _, int value) in TilingConstants(plan, tiling))
                writer.Line($"public static int {name} => {value};");
            if (tiling.HasRest)
            {
                writer.Line($"private static int RestRowLength => {tiling.Layout.RestRowLength}; // floats per panel row of the rest tile");
                EmitLayerCode(writer, plan, Code.Concrete(tiling));
            }
            else
            {
                string arguments = $"<{tiling.Name}, {tiling.Vector.Simd}, {tiling.Vector.Type}<float>>";
                foreach (LayerMethod method in TilingMethods(plan))
                    writer.Line($"public static void {method.Signature} => {method.Generic}{arguments}({method.Arguments});");
            }
            writer.Close();
        }

        // The numbers a tiling gives the shared code, with what each is.
        private static (string Name, string Comment, int Value)[] TilingConstants(KernelPlan plan, TilingPlan tiling)
        {
            PackedLayout layout = tiling.Layout;
            var constants = new System.Collections.Generic.List<(string, string, int)>
            {
                ("Lanes", "hidden units per whole tile: one vector per slot", layout.Lanes),
                ("Tiles", "whole tiles, the last one zero-padded if need be", layout.Tiles),
                ("RestLanes", "units of the rest tile, whose slots share vectors; 0: none", layout.RestLanes),
                ("RowLength", "floats per panel row of a whole tile: 4 slots side by side", layout.RowLength),
                (plan.SeparateInput ? "InputPanelLength" : "PanelLength",
                    plan.SeparateInput ? "a whole tile's bias and W_ih rows in layer 0" : "a whole tile's panel in layer 0: bias, W_ih and W_hh rows",
                    plan.SeparateInput ? layout.InputPanelLength : layout.PanelLength(0)),
            };
            if (plan.SeparateInput)
            {
                constants.Add(("HiddenPanelLength", "a whole tile's W_hh rows in layer 0", layout.HiddenPanelLength));
                constants.Add(("HiddenPanelsOffset", "where layer 0's W_hh rows start, after every tile's input rows", layout.HiddenPanelsOffset));
                constants.Add(("ProjectionLength", "floats of a step's projected input: every tile's bias row", PackedLayout.Slots * layout.PaddedHidden));
            }
            string direction = plan.Spec.Bidirectional ? " (one direction)" : "";
            if (plan.Spec.NumLayers > 1)
                constants.Add(("UpperPanelLength", "a whole tile's panel in the layers above 0", layout.PanelLength(1)));
            if (plan.Spec.NumLayers > 1 || plan.Spec.Bidirectional)
                constants.Add(("LayerLength", "floats of layer 0" + direction, layout.LayerLength(0)));
            if (plan.Spec.NumLayers > 1)
                constants.Add(("UpperLayerLength", "floats of each layer above 0" + direction, layout.LayerLength(1)));
            if (plan.Spec.ProjSize > 0)
            {
                constants.Add(("WeightHrOffset", "where layer 0's W_hr [ProjSize, HiddenSize] starts, after its panels", layout.PanelsLength(0)));
                if (plan.Spec.NumLayers > 1)
                    constants.Add(("UpperWeightHrOffset", "where W_hr starts in a layer above 0", layout.PanelsLength(1)));
            }
            constants.Add(("HeadOffset", $"where fc.weight [OutputSize, {LayerShape.FeatureName(plan.Spec)}] starts; fc.bias follows", layout.HeadOffset));
            constants.Add(("PackedLength", "floats of the packed weights", layout.PackedLength));
            return constants.ToArray();
        }

        /// <summary>A layer method every tiling provides; tilings without a rest tile forward it to one generic body.</summary>
        private sealed record LayerMethod(string Name, string Source, string Last, bool Block = false)
        {
            private string Stride => Block ? "int xStride, " : "";

            public string Signature => $"{Name}(ref float weights, ref float {Source}, {Stride}ref float {(Name == "Project" ? "projection" : "state")}, int {Last})";

            public string Arguments => $"ref weights, ref {Source}, {(Block ? "xStride, " : "")}ref {(Name == "Project" ? "projection" : "state")}, {Last}";

            /// <summary>The generic body, written once for every tiling without a rest tile.</summary>
            public string Generic => "Tiles" + Name;
        }

        // The layer methods of a tiling.
        private static LayerMethod[] TilingMethods(KernelPlan plan)
        {
            var methods = new System.Collections.Generic.List<LayerMethod> { new("Layer", "x", "parity") };
            if (plan.Spec.NumLayers > 1)
                methods.Add(new("UpperLayer", "x", "parity"));
            if (plan.ProjectionSteps > 0)
            {
                methods.Add(new("ProjectedLayer", "projection", "parity"));
                methods.Add(new("Project", "x", "steps"));
            }
            if (plan.BlocksRunBatches)
            {
                methods.Add(new("BlockLayer", "x", "parity", Block: true));
                if (plan.Spec.NumLayers > 1)
                    methods.Add(new("BlockUpperLayer", "x", "parity", Block: true));
            }
            return methods.ToArray();
        }

        // The weights file, byte for byte (a ReadOnlySpan<byte> over a constant array lives in the assembly's
        // data, no copy), and the packed weights made from it once, shared by every instance.
        private static void EmitEmbeddedWeights(SourceWriter writer, ModelSpec spec, Cell cell, byte[] bytes)
        {
            string file = Literal(spec.WeightsFile!);
            writer.Line($"/// <summary>The packed weights of {Xml(spec.WeightsFile!)}, compiled in; read-only, shared by every instance.</summary>");
            writer.Line("public static readonly PackedWeights EmbeddedWeights = Pack(");
            // A torch.save file is read as LoadPyTorch reads it: the model's keys pick its state_dict, as they did at compile time.
            writer.Line(CompiledWeights.EmbeddedWeights.IsPyTorch(bytes)
                ? $"    {cell.Weights}.LoadPyTorch(new global::System.IO.MemoryStream(WeightsFile.ToArray(), writable: false),"
                : $"    {cell.Weights}.FromSafetensors(SafetensorsFile.Load(new global::System.IO.MemoryStream(WeightsFile.ToArray(), writable: false), {file}),");
            writer.Line($"        InputSize, HiddenSize, {HeadOutputs(spec)}, {Literal(spec.Prefix)}, {Literal(spec.FcPrefix)}, NumLayers{OptionArguments(spec)}));");
            writer.Line();
            writer.Line($"/// <summary>{Xml(spec.WeightsFile!)} ({bytes.Length} bytes), checked against the model's sizes when it was compiled.</summary>");
            writer.Open("private static ReadOnlySpan<byte> WeightsFile => new byte[]");
            var line = new System.Text.StringBuilder();
            for (int i = 0; i < bytes.Length; i++)
            {
                line.Append("0x").Append(bytes[i].ToString("X2")).Append(',');
                if (i % 16 == 15 || i == bytes.Length - 1)
                {
                    writer.Line(line.ToString());
                    line.Clear();
                }
                else
                {
                    line.Append(' ');
                }
            }
            writer.Close("};");
        }
    }
}
