using System;
using System.Linq;
using LstmGen.Generator.CompiledWeights;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;
using LstmGen.Kernels;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    internal static partial class Emitter
    {
        // ---- the kernel class (the runtime's driver over the model's types) and the model struct ----

        private static void EmitKernelClass(SourceWriter writer, KernelPlan plan, WeightsResource? weights)
        {
            ModelSpec spec = plan.Spec;
            string model = ModelName(spec);
            writer.Open("namespace LstmGen.Generated");
            foreach (string name in new[] { "System.Runtime.CompilerServices", "System.Runtime.Intrinsics", "LstmGen.Kernels" })
                writer.Line($"using global::{name};");
            writer.Line();
            string tilings = string.Join(", ", KernelPlan.AllWidths.Select(width => $"{model}.{plan.TilingOf(width).Name}"));
            writer.Line($"/// <summary>The forward pass of <see cref=\"{FullName(spec)}\"/>: the runtime's driver, compiled by the JIT for this model's plan and tilings.</summary>");
            writer.Line(GeneratedCodeAttribute);
            string declaration = $"file sealed class {KernelName(spec)} : RecurrentKernel<{model}, {tilings}>";
            if (weights is null)
            {
                writer.Line(declaration + " { }");
            }
            else
            {
                writer.Open(declaration);
                EmitEmbeddedWeights(writer, spec, plan.Cell, model, weights);
                writer.Close();
            }
            writer.Line();
            EmitModelStruct(writer, plan);
            writer.Close();
        }

        // The sizes and plan the driver reads, then the layer steps of every tiling, which read them.
        private static void EmitModelStruct(SourceWriter writer, KernelPlan plan)
        {
            ModelSpec spec = plan.Spec;
            writer.Line($"/// <summary>The sizes and kernel plan of <see cref=\"{FullName(spec)}\"/>, and its layers' steps specialized for them.</summary>");
            writer.Line(GeneratedCodeAttribute);
            // Qualified: the model struct of a class named IRecurrent would be an IRecurrentModel of this namespace.
            writer.Open($"file readonly struct {ModelName(spec)} : global::LstmGen.Kernels.IRecurrentModel");
            writer.Line($"public static int InputSize => {spec.InputSize};");
            writer.Line($"public static int HiddenSize => {spec.HiddenSize};");
            writer.Line($"public static int ProjSize => {spec.ProjSize};" + (spec.ProjSize > 0 ? " // the values of h: h_t = W_hr · (o ⊙ tanh(c_t))" : ""));
            if (spec.Bidirectional && plan.UpperLayersLoopColumns)
                writer.Line($"private static int FeatureSize => 2 * {LayerShape.HiddenOutputName(spec)}; // a layer's values per step: [forward h_t, backward h_t]");
            writer.Line($"public static int OutputSize => {spec.ReadoutSize};" + (spec.HasHead ? "" : " // no head: the last layer's features"));
            writer.Line($"public static bool HasHead => {Bool(spec.HasHead)};");
            writer.Line($"public static int NumLayers => {spec.NumLayers};");
            writer.Line($"public static bool Gru => {Bool(!plan.Cell.HasCellState)};");
            writer.Line($"public static bool Bidirectional => {Bool(spec.Bidirectional)};");
            writer.Line($"public static Readout Readout => Readout.{spec.Readout};");
            if (!spec.BatchFirst)
                writer.Line("public static bool BatchFirst => false; // batches are time-major, [T, batch, …]: " +
                    (plan.LanesRunBatches ? "whole lane groups read them in place, the rest runs as a batch-first copy" : "they run as a batch-first copy"));
            if (spec.BFloat16)
                writer.Line("public static bool BFloat16Weights => true; // the panels hold bfloat16 weights, two to a float: Load/MultiplyAdd High and Low widen them");
            writer.Line($"public static int StateStride => {plan.StateStride}; // floats per state buffer: the units padded for every tiling, to whole cache lines");
            writer.Line($"public static int PrecomputedSteps => {plan.PrecomputedSteps};" +
                (plan.PrecomputedSteps > 0 ? " // a sequence computes layer 0's b + W_ih · x_t this many steps ahead" : ""));
            writer.Line($"public static bool LanesRunBatches => {Bool(plan.LanesRunBatches)};" + (plan.LanesRunBatches ? " // a small model: a batch runs a sequence per SIMD lane" : ""));
            writer.Line($"public static bool BlocksRunBatches => {Bool(plan.BlocksRunBatches)};" +
                (plan.BlocksRunBatches ? " // a batch runs blocks of sequences through each weight vector" : ""));
            writer.Line($"public static bool InterleavesDirections => {Bool(plan.InterleavesDirections)};" +
                (plan.InterleavesDirections ? " // both directions' weights fit in L1: step them together" : ""));
            writer.Line($"public static int LayoutVersion => {PackedLayout.Version}; // the packed layout this code reads; the runtime must write the same");
            writer.Line($"public static string GeneratorVersion => \"{GeneratorVersion}\";");
            if (plan.BlocksRunBatches)
                writer.Line($"private static int StateLength => {KernelName(spec)}.StateLength; // floats of a sequence's state, as the driver lays it out");
            writer.Line();
            writer.Line("// The layer steps below inline into the driver's step loop where the JIT can; where it cannot, AggressiveOptimization");
            writer.Line("// compiles them fully optimized from the first call (tiering kept a model's first ~200 calls many times slower).");
            if (plan.GenericTilings.Any())
                EmitLayerCode(writer, plan, Code.Generic);
            foreach (TilingPlan tiling in plan.Tilings)
            {
                writer.Line();
                EmitTiling(writer, plan, tiling);
            }
            writer.Close();
        }

        private static string Bool(bool value) => value ? "true" : "false";

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
            int padded = tiling.Tiles * tiling.Lanes + tiling.RestLanes - plan.Spec.HiddenSize;
            string padding = padded > 0 ? $" ({padded} lane{(padded == 1 ? "" : "s")} of zeros)" : "";
            string units = plan.Spec.HiddenSize == 1 ? "the hidden unit" : $"the {plan.Spec.HiddenSize} hidden units";
            writer.Line($"/// <summary>The path when {paths} is the widest accelerated vector: {units} in {tiles}{padding}.</summary>");
            if (tiling.HasRest)
                writer.Line($"/// <remarks>The rest tile's {string.Join(", ", plan.Cell.Slots)} share {shared}.</remarks>");
            writer.Open($"internal readonly struct {tiling.Name} : ITiling");
            foreach ((string name, int value) in TilingConstants(plan, tiling))
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

        // A tiling's numbers (LstmGen.Kernels.ITiling documents each): those the model's plan reads.
        private static (string Name, int Value)[] TilingConstants(KernelPlan plan, TilingPlan tiling)
        {
            PackedLayout layout = tiling.Layout;
            ModelSpec spec = plan.Spec;
            var constants = new System.Collections.Generic.List<(string, int)>
            {
                ("Lanes", layout.Lanes),
                ("Tiles", layout.Tiles),
                ("RestLanes", layout.RestLanes),
                ("RowLength", layout.RowLength),
            };
            if (plan.SeparateInput)
            {
                constants.Add(("InputPanelLength", layout.InputPanelLength));
                constants.Add(("HiddenPanelLength", layout.HiddenPanelLength));
                constants.Add(("HiddenPanelsOffset", layout.HiddenPanelsOffset));
                constants.Add(("PrecomputedLength", PackedLayout.Slots * layout.PaddedHidden));
            }
            else
            {
                constants.Add(("PanelLength", layout.PanelLength(0)));
            }
            if (spec.NumLayers > 1)
                constants.Add(("UpperPanelLength", layout.PanelLength(1)));
            if (spec.NumLayers > 1 || spec.Bidirectional)
                constants.Add(("LayerLength", layout.LayerLength(0)));
            if (spec.NumLayers > 1)
                constants.Add(("UpperLayerLength", layout.LayerLength(1)));
            if (spec.ProjSize > 0)
            {
                constants.Add(("ProjectionWidth", layout.ProjectionWidth));
                constants.Add(("WeightHrOffset", layout.PanelsLength(0)));
                if (spec.NumLayers > 1)
                    constants.Add(("UpperWeightHrOffset", layout.PanelsLength(1)));
            }
            constants.Add(("HeadOffset", layout.HeadOffset));
            constants.Add(("PackedLength", layout.PackedLength));
            return constants.ToArray();
        }

        /// <summary>A layer method every tiling provides; tilings without a rest tile forward it to one generic body.</summary>
        private sealed record LayerMethod(string Name, string Source, string Last, bool Block = false)
        {
            private string Stride => Block ? "int xStride, " : "";

            private string Gates => Block ? ", ref float gates" : "";

            public string Signature => $"{Name}(ref float weights, ref float {Source}, {Stride}ref float {(Name == "Precompute" ? "precomputed" : "state")}{Gates}, int {Last})";

            public string Arguments => $"ref weights, ref {Source}, {(Block ? "xStride, " : "")}ref {(Name == "Precompute" ? "precomputed" : "state")}{(Block ? ", ref gates" : "")}, {Last}";

            /// <summary>The generic body, written once for every tiling without a rest tile.</summary>
            public string Generic => "Tiles" + Name;
        }

        // The layer methods of a tiling.
        private static LayerMethod[] TilingMethods(KernelPlan plan)
        {
            var methods = new System.Collections.Generic.List<LayerMethod> { new("Layer", "x", "parity") };
            if (plan.Spec.NumLayers > 1)
                methods.Add(new("UpperLayer", "x", "parity"));
            if (plan.PrecomputedSteps > 0)
            {
                methods.Add(new("PrecomputedLayer", "precomputed", "parity"));
                methods.Add(new("Precompute", "x", "steps"));
            }
            if (plan.BlocksRunBatches)
            {
                methods.Add(new("BlockLayer", "x", "parity", Block: true));
                if (plan.Spec.NumLayers > 1)
                    methods.Add(new("BlockUpperLayer", "x", "parity", Block: true));
            }
            return methods.ToArray();
        }

        // The weights file, read from the manifest resource LstmGen.targets embeds it as, and packed at first use, once for
        // every instance. Lazily, not in a static initializer, so that a missing resource throws its own exception from the
        // model's constructor rather than a TypeInitializationException.
        private static void EmitEmbeddedWeights(SourceWriter writer, ModelSpec spec, Cell cell, string model, WeightsResource weights)
        {
            string kernel = KernelName(spec);
            string name = FullName(spec).Substring("global::".Length);
            writer.Line("private static PackedWeights? s_embeddedWeights;");
            writer.Line();
            writer.Line($"/// <summary>The packed weights of {Xml(weights.File)}, compiled in; read-only, shared by every instance.</summary>");
            writer.Line("public static PackedWeights EmbeddedWeights => global::System.Threading.LazyInitializer.EnsureInitialized(ref s_embeddedWeights, LoadEmbeddedWeights);");
            writer.Line();
            writer.Line($"/// <summary>Packs {Xml(weights.File)} ({weights.Length} bytes, checked against the model's sizes when it was compiled), which the");
            writer.Line("/// assembly holds as a manifest resource.</summary>");
            writer.Line("/// <exception cref=\"global::System.InvalidOperationException\">The assembly was built without the resource.</exception>");
            writer.Open("private static PackedWeights LoadEmbeddedWeights()");
            string missing = Literal($"{name} compiles in {weights.File}, but assembly ");
            string remedy = Literal($" has no manifest resource '{weights.Name}'. LstmGen.targets embeds each <LstmGenWeights> item under such a name: ");
            string how = Literal($"build the project with the LstmGen.targets of the LstmGen that generated {name} (a PackageReference to LstmGen imports it).");
            writer.Line($"using global::System.IO.Stream file = typeof({kernel}).Assembly.GetManifestResourceStream({Literal(weights.Name)})");
            writer.Line($"    ?? throw new global::System.InvalidOperationException({missing} + typeof({kernel}).Assembly.GetName().Name +");
            writer.Line($"        {remedy} +");
            writer.Line($"        {how});");
            // A torch.save file is read as LoadPyTorch reads it: the model's keys pick its state_dict, as they did at compile time.
            writer.Line(weights.IsPyTorch
                ? $"return Pack({cell.Weights}.LoadPyTorch(file,"
                : $"return Pack({cell.Weights}.FromSafetensors(SafetensorsFile.Load(file, {Literal(weights.File)}),");
            writer.Line($"    {model}.InputSize, {model}.HiddenSize, {(spec.HasHead ? model + ".OutputSize" : "outputSize: 0")}, {Literal(spec.Prefix)}, {Literal(spec.FcPrefix)}, " +
                $"{model}.NumLayers{OptionArguments(spec)}));");
            writer.Close();
        }
    }
}
