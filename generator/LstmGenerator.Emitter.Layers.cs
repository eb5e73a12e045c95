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
        /// How layer code is printed: <see cref="Generic"/> once for every tiling without a rest tile, with the tiling
        /// (T) and the SIMD width (S, vector V) as type arguments; or for one tiling with a rest tile, in its struct.
        /// </summary>
        private sealed record Code(string Ops, string Of, string Suffix, TilingPlan? Tiling)
        {
            public static readonly Code Generic = new("S", "T.", "<T, S, V>(", null);

            public static Code Concrete(TilingPlan tiling) => new(tiling.Vector.Simd, "", "(", tiling);

            public bool IsGeneric => this == Generic;

            public string Constraints => IsGeneric ? " where T : ITiling where S : ISimd<V> where V : struct" : "";

            /// <summary>The type arguments of a runtime method generic over the SIMD width: <c>S, V</c>, or e.g. <c>Simd512, Vector512&lt;float&gt;</c>.</summary>
            public string SimdArguments => IsGeneric ? "S, V" : $"{Ops}, {Tiling!.Vector.Type}<float>";

            /// <summary>The n-th vector of a panel row: n · Lanes.</summary>
            public string VectorOffset(int n) => n == 0 ? "0" : n == 1 ? "lanes" : $"{n} * lanes";
        }

        // A layer step's attribute: inlined into the driver's loop where the JIT can; where it cannot (a step past the
        // JIT's locals limit, the input precomputed ahead), fully optimized from its first call rather than after tiering up,
        // which kept a model's first ~200 calls many times slower.
        private const string LayerMethodAttribute = "[MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]";

        // The layer steps of one tiling (concrete) or of every tiling without a rest tile (generic).
        private static void EmitLayerCode(SourceWriter writer, KernelPlan plan, Code code)
        {
            LayerShape bottom = LayerShape.Bottom(plan);
            EmitLayer(writer, plan, code, "Layer", $"Layer 0, reading x_t", bottom);
            if (plan.Spec.NumLayers > 1)
                EmitLayer(writer, plan, code, "UpperLayer", "A layer above 0, reading the h_t of the layer below (x)", LayerShape.Upper(plan));
            if (plan.PrecomputedSteps > 0)
            {
                EmitLayer(writer, plan, code, "PrecomputedLayer", "Layer 0, from b + W_ih · x_t precomputed ahead", bottom.AsPrecomputed);
                EmitPrecompute(writer, plan, code, bottom);
            }
            if (plan.BlocksRunBatches)
            {
                EmitBlockLayer(writer, plan, "BlockLayer", "Layer 0, reading x_t", bottom);
                if (plan.Spec.NumLayers > 1)
                    EmitBlockLayer(writer, plan, "BlockUpperLayer", "A layer above 0, reading the h_t of the layer below (x)", LayerShape.Upper(plan));
            }
        }

        private static string Header(Code code, string method, string parameters) =>
            code.IsGeneric ? $"private static void Tiles{method}{code.Suffix}{parameters}){code.Constraints}" : $"public static void {method}({parameters})";

        private static void EmitLayer(SourceWriter writer, KernelPlan plan, Code code, string method, string description, LayerShape shape)
        {
            writer.Line();
            writer.Line($"/// <summary>{description}.</summary>");
            writer.Line(LayerMethodAttribute);
            writer.Open(Header(code, method, $"ref float weights, ref float {(shape.Precomputed ? "precomputed" : "x")}, ref float state, int parity"));
            EmitSweepLengths(writer, code, code.Tiling);
            writer.Line("ref float hPrev = ref Unsafe.Add(ref state, parity * StateStride);");
            writer.Line("ref float hNext = ref Unsafe.Add(ref state, (parity ^ 1) * StateStride);");
            if (plan.Cell.HasCellState)
                writer.Line("ref float cell = ref Unsafe.Add(ref state, 2 * StateStride);");
            if (plan.Spec.ProjSize > 0)
                writer.Line("ref float cellOutput = ref Unsafe.Add(ref state, 3 * StateStride); // o ⊙ tanh(c_t), which W_hr projects to h_t");
            if (shape.SeparateInput)
                writer.Line($"ref float hiddenPanels = ref Unsafe.Add(ref weights, {code.Of}HiddenPanelsOffset);");
            if (plan.ReverseOddSteps)
            {
                writer.Line();
                writer.Line("// Even steps stream the weights first to last, odd steps last to first:");
                writer.Line("// each step starts with the weights the previous one left in cache.");
                writer.Open("if (parity == 0)");
                EmitTiles(writer, plan, code, shape, reverse: false);
                writer.Close();
                writer.Open("else");
                EmitTiles(writer, plan, code, shape, reverse: true);
                writer.Close();
            }
            else
            {
                EmitTiles(writer, plan, code, shape, reverse: false);
            }
            if (plan.Spec.ProjSize > 0)
            {
                writer.Line();
                writer.Line("// h_t = W_hr · (o ⊙ tanh(c_t)): W_hr follows the panels, by columns");
                writer.Line($"ref float weightHr = ref Unsafe.Add(ref weights, {code.Of}{(shape.Layer == 0 ? "WeightHrOffset" : "UpperWeightHrOffset")});");
                writer.Line($"KernelMath.Project<{code.SimdArguments}>(ref weightHr, ref cellOutput, ref hNext, HiddenSize, {code.Of}ProjectionWidth);");
            }
            writer.Close();
        }

        // Where a layer's cells write: h_t itself, or with a projection o ⊙ tanh(c_t), which W_hr then projects; and the
        // name of a tile's part of it.
        private static string CellOutputName(KernelPlan plan) => plan.Spec.ProjSize > 0 ? "cellOutput" : "hNext";

        private static string CellOutputLocal(KernelPlan plan) => plan.Spec.ProjSize > 0 ? "output" : "h";

        // What a sweep's accumulators start from: the biases, or zero without them.
        private static string BiasComment(KernelPlan plan) => plan.Spec.Bias
            ? plan.Cell.BiasComment
            : $"{string.Join(", ", plan.Cell.Slots)} = 0: Bias = false, so the panels' bias rows hold zeros";

        // The cell update; with a projection, the cells write o ⊙ tanh(c_t), not h_t.
        private static string UpdateComment(KernelPlan plan) => plan.Spec.ProjSize > 0
            ? "c_t = f ⊙ c_{t-1} + i ⊙ g;  output = o ⊙ tanh(c_t), which W_hr projects to h_t below"
            : plan.Cell.UpdateComment;

        // Every tile of a layer, in memory order or (reverse) backwards: the whole tiles one by one, then the rest
        // tile, which shares its sweep over the columns with the last whole tile, so both use each broadcast value.
        private static void EmitTiles(SourceWriter writer, KernelPlan plan, Code code, LayerShape shape, bool reverse)
        {
            TilingPlan? tiling = code.Tiling;
            int looped = tiling?.LoopedTiles ?? -1; // generic: T.Tiles, unknown here
            bool rest = tiling?.HasRest ?? false;
            (Sweep whole, Sweep? restSweep) = (tiling ?? plan.GenericTilings.First()).LayerSweeps(plan.Cell, shape, plan.SweepCopies);
            if (looped == 1 && !rest)
            {
                EmitTileReferences(writer, plan, code, "0", shape);
                EmitSweep(writer, plan, code, shape, whole, reverse);
                return;
            }
            if (!reverse) EmitTileLoop(writer, plan, code, shape, whole, looped, reverse);
            if (rest)
            {
                bool scoped = looped > 0; // the loop body declares the same names
                if (scoped)
                {
                    writer.Line();
                    writer.Open("// The last whole tile and the rest tile, in one sweep.");
                }
                if (tiling!.RestWithWholeTile) EmitTileReferences(writer, plan, code, tiling.Tiles == 1 ? "0" : "Tiles - 1", shape);
                if (shape.Precomputed) writer.Line($"ref float restInputPart = ref Unsafe.Add(ref precomputed, Tiles * {PrecomputedTileLength});");
                else writer.Line($"ref float restPanel = ref Unsafe.Add(ref weights, Tiles * {PanelLengthName(shape)});");
                if (shape.SeparateInput) writer.Line("ref float restHiddenPanel = ref Unsafe.Add(ref hiddenPanels, Tiles * HiddenPanelLength);");
                EmitSweep(writer, plan, code, shape, restSweep!, reverse, tiling);
                if (scoped) writer.Close();
            }
            if (reverse) EmitTileLoop(writer, plan, code, shape, whole, looped, reverse);
        }

        // The whole tiles swept one at a time: all of them (generic), or all but the one the rest tile's sweep takes.
        private static void EmitTileLoop(SourceWriter writer, KernelPlan plan, Code code, LayerShape shape, Sweep whole, int looped, bool reverse)
        {
            if (looped == 0) return;
            string count = code.IsGeneric ? "T.Tiles" : looped == code.Tiling!.Tiles ? "Tiles" : "Tiles - 1";
            writer.Open(reverse ? $"for (int tile = {count} - 1; tile >= 0; tile--)" : $"for (int tile = 0; tile < {count}; tile++)");
            EmitTileReferences(writer, plan, code, "tile", shape);
            EmitSweep(writer, plan, code, shape, whole, reverse);
            writer.Close();
        }

        private static string PanelLengthName(LayerShape shape) =>
            shape.Layer > 0 ? "UpperPanelLength" : shape.SeparateInput ? "InputPanelLength" : "PanelLength";

        // The references a whole tile's code uses: its panel (or precomputed input part; and its W_hh panel where packed apart),
        // and its units' c (or previous h) and new h.
        private static void EmitTileReferences(SourceWriter writer, KernelPlan plan, Code code, string tile, LayerShape shape)
        {
            Cell cell = plan.Cell;
            string factor = tile.Contains(' ') ? $"({tile})" : tile;
            string At(string buffer, string stride) => tile == "0" ? $"ref {buffer}" : $"ref Unsafe.Add(ref {buffer}, {factor} * {code.Of}{stride})";
            if (shape.Precomputed) writer.Line($"ref float inputPart = {(tile == "0" ? "ref precomputed" : $"ref Unsafe.Add(ref precomputed, {factor} * {PrecomputedTileLength})")};");
            else writer.Line($"ref float panel = {At("weights", PanelLengthName(shape))};");
            if (shape.SeparateInput) writer.Line($"ref float hiddenPanel = {At("hiddenPanels", "HiddenPanelLength")};");
            if (cell.HasCellState) writer.Line($"ref float c = {At("cell", "Lanes")};");
            writer.Line($"ref float {CellOutputLocal(plan)} = {At(CellOutputName(plan), "Lanes")};");
            if (!cell.HasCellState) writer.Line($"ref float hOld = {At("hPrev", "Lanes")};");
        }

        // One sweep: accumulate the slots of a whole tile and/or the rest tile over the bias, the layer input and
        // h_{t-1}, then update their cells.
        private static void EmitSweep(SourceWriter writer, KernelPlan plan, Code code, LayerShape shape, Sweep sweep, bool reverse, TilingPlan? restTiling = null)
        {
            Cell cell = plan.Cell;
            writer.Line();
            writer.Line("// " + (shape.Precomputed ? cell.PrecomputedComment : BiasComment(plan)));
            if (restTiling is not null)
                writer.Line($"// {RestDescription(restTiling)}");
            foreach (Accumulator accumulator in sweep.Accumulators)
            {
                writer.Line(shape.Precomputed
                    ? $"var {Name(cell, accumulator)} = {code.Ops}.Load(ref {PrecomputedName(accumulator)}, {code.VectorOffset(accumulator.Index)});"
                    : $"var {Name(cell, accumulator)} = {LoadWeights(code, accumulator, PanelName(accumulator, hiddenRows: false))};");
            }
            List<Accumulator> summing = sweep.Summing(shape).ToList();
            if (summing.Any(a => a.Chains > 1))
                writer.Line("// consecutive columns accumulate into separate chains, summed before the cell update: shorter chains of dependent multiply-adds");
            foreach (Accumulator accumulator in summing)
                foreach (int chain in Enumerable.Range(1, accumulator.Chains - 1))
                    writer.Line($"var {ChainName(cell, accumulator, chain)} = {code.Ops}.Zero;");

            var parts = new[]
            {
                (Comment: cell.InputComment, Accumulators: sweep.Accumulators.Where(a => a.ReadsInput).ToList(), Count: shape.Inputs, Unrolled: sweep.Unrolling.Input,
                    FirstRow: 1, FirstRowName: "1", HiddenRows: false, Source: "x", CountName: shape.InputsName),
                (Comment: cell.HiddenComment, Accumulators: sweep.Accumulators.Where(a => a.ReadsHidden).ToList(), Count: shape.HiddenColumns, Unrolled: sweep.Unrolling.Hidden,
                    FirstRow: shape.HiddenFirstRow, FirstRowName: shape.SeparateInput ? "0" : $"1 + {shape.InputsName}", HiddenRows: shape.SeparateInput, Source: "hPrev", CountName: shape.HiddenColumnsName),
            };
            foreach (var part in (reverse ? Enumerable.Reverse(parts) : parts).Where(part => !shape.Precomputed || part.Source != "x"))
            {
                writer.Line();
                writer.Line("// " + (reverse ? part.Comment + ", last column first" : part.Comment));
                EmitColumns(writer, cell, code, part.Accumulators, part.Count, part.Unrolled, part.FirstRow, part.FirstRowName, part.HiddenRows, part.CountName, part.Source, reverse);
            }
            if (summing.Any(a => a.Chains > 1))
            {
                writer.Line();
                foreach (Accumulator accumulator in summing.Where(a => a.Chains > 1))
                    writer.Line(SumChains(cell, code, accumulator));
            }

            writer.Line();
            writer.Line("// " + UpdateComment(plan));
            if (sweep.WholeTile)
            {
                writer.Line(cell.UpdateOf(code.Ops, cell.HasCellState ? "c" : "hOld", CellOutputLocal(plan)));
            }
            if (sweep.RestTile)
            {
                string gates = restTiling!.RestVectors == 1 ? "LstmCellQuarters(rest" : "LstmCellHalves(rest0, rest1";
                writer.Line($"KernelMath.{gates}, ref Unsafe.Add(ref cell, Tiles * Lanes), ref Unsafe.Add(ref {CellOutputName(plan)}, Tiles * Lanes));");
            }
        }

        // Layer 0's input part, b + W_ih · x_t, of `steps` consecutive steps, tile by tile: a tile's W_ih columns are read
        // from memory for the first step and from L1 for the others.
        private static void EmitPrecompute(SourceWriter writer, KernelPlan plan, Code code, LayerShape shape)
        {
            TilingPlan tiling = code.Tiling ?? plan.GenericTilings.First();
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line("/// Layer 0's b + W_ih · x_t for <paramref name=\"steps\"/> steps from <paramref name=\"x\"/>, into PrecomputedLength floats per step:");
            writer.Line("/// tile by tile, so that a tile's W_ih columns come from memory once for all the steps.");
            writer.Line("/// </summary>");
            writer.Line(LayerMethodAttribute);
            writer.Open(Header(code, "Precompute", "ref float weights, ref float x, ref float precomputed, int steps"));
            EmitSweepLengths(writer, code, code.IsGeneric ? null : tiling);
            if (code.IsGeneric || tiling.Tiles > 0)
            {
                writer.Open($"for (int tile = 0; tile < {code.Of}Tiles; tile++)");
                writer.Line($"ref float panel = ref Unsafe.Add(ref weights, tile * {code.Of}InputPanelLength);");
                writer.Line($"ref float inputPart = ref Unsafe.Add(ref precomputed, tile * {PrecomputedTileLength});");
                EmitPrecomputeSteps(writer, plan, code, shape, tiling.PrecomputeSweep(plan.Cell, shape, rest: false));
                writer.Close();
            }
            if (tiling.HasRest && !code.IsGeneric)
            {
                if (tiling.Tiles > 0) writer.Line();
                writer.Line("ref float restPanel = ref Unsafe.Add(ref weights, Tiles * InputPanelLength);");
                writer.Line($"ref float restInputPart = ref Unsafe.Add(ref precomputed, Tiles * {PrecomputedTileLength});");
                EmitPrecomputeSteps(writer, plan, code, shape, tiling.PrecomputeSweep(plan.Cell, shape, rest: true));
            }
            writer.Close();
        }

        private static void EmitPrecomputeSteps(SourceWriter writer, KernelPlan plan, Code code, LayerShape shape, Sweep sweep)
        {
            Cell cell = plan.Cell;
            string inputPart = PrecomputedName(sweep.Accumulators[0]);
            writer.Open("for (int step = 0; step < steps; step++)");
            writer.Line("ref float xt = ref Unsafe.Add(ref x, step * InputSize);");
            writer.Line($"ref float into = ref Unsafe.Add(ref {inputPart}, step * {code.Of}PrecomputedLength);");
            writer.Line($"// {BiasComment(plan)}; then the input part of every gate, += W_ih · x_t, stored for PrecomputedLayer");
            foreach (Accumulator accumulator in sweep.Accumulators)
                writer.Line($"var {Name(cell, accumulator)} = {LoadWeights(code, accumulator, PanelName(accumulator, hiddenRows: false))};");
            List<Accumulator> summing = sweep.Accumulators.Where(a => a.ReadsInput).ToList();
            foreach (Accumulator accumulator in summing)
                foreach (int chain in Enumerable.Range(1, accumulator.Chains - 1))
                    writer.Line($"var {ChainName(cell, accumulator, chain)} = {code.Ops}.Zero;");
            EmitColumns(writer, cell, code, summing, shape.Inputs, sweep.Unrolling.Input, 1, "1", hiddenRows: false, "InputSize", "xt", reverse: false);
            foreach (Accumulator accumulator in summing.Where(a => a.Chains > 1))
                writer.Line(SumChains(cell, code, accumulator));
            foreach (Accumulator accumulator in sweep.Accumulators)
                writer.Line($"{code.Ops}.Store({Name(cell, accumulator)}, ref into, {code.VectorOffset(accumulator.Index)});");
            writer.Close();
        }

        // How the rest tile's accumulators hold its gates.
        private static string RestDescription(TilingPlan tiling) => tiling.RestVectors == 1
            ? "rest = [i | f | g | o] of the last RestLanes units, a quarter of the vector each"
            : "rest0 = [i | f], rest1 = [g | o] of the last RestLanes units, half a vector each";

        // An accumulator's variable: its slot's name, or rest (rest0, rest1 when the rest tile fills two vectors).
        private static string Name(Cell cell, Accumulator accumulator) =>
            !accumulator.Rest ? cell.Slots[accumulator.Index] : accumulator.RestVectors == 1 ? "rest" : "rest" + accumulator.Index;

        // A chain's variable: the column at position p of a sweep accumulates into chain p mod Chains.
        private static string ChainName(Cell cell, Accumulator accumulator, int chain) =>
            chain == 0 ? Name(cell, accumulator) : accumulator.Chains == 2 ? Name(cell, accumulator) + "Odd" : $"{Name(cell, accumulator)}Chain{chain}";

        // The statement that adds an accumulator's chains up into the first, pairwise.
        private static string SumChains(Cell cell, Code code, Accumulator accumulator)
        {
            string Chain(int chain) => ChainName(cell, accumulator, chain);
            string Add(string a, string b) => $"{code.Ops}.Add({a}, {b})";
            string name = Name(cell, accumulator);
            return accumulator.Chains switch
            {
                2 => $"{name} = {Add(name, Chain(1))};",
                3 => $"{name} = {Add(Add(name, Chain(1)), Chain(2))};",
                _ => $"{name} = {Add(Add(name, Chain(1)), Add(Chain(2), Chain(3)))};",
            };
        }

        private static string PanelName(Accumulator accumulator, bool hiddenRows) =>
            (accumulator.Rest, hiddenRows) switch
            {
                (false, false) => "panel",
                (false, true) => "hiddenPanel",
                (true, false) => "restPanel",
                (true, true) => "restHiddenPanel",
            };

        // Floats of a tile's precomputed input part in a step: a float per slot and lane, also with bfloat16 weights.
        private static readonly string PrecomputedTileLength = $"{LstmGen.Kernels.PackedLayout.Slots} * lanes";

        private static string PrecomputedName(Accumulator accumulator) => accumulator.Rest ? "restInputPart" : "inputPart";

        // An accumulator's vector of a panel's first row (its bias), widened from bfloat16 where the panel holds that.
        private static string LoadWeights(Code code, Accumulator accumulator, string panel) =>
            $"{code.Ops}.Load{accumulator.WeightHalf}(ref {panel}, {code.VectorOffset(accumulator.WeightVector)})";

        private static string RowLength(Code code, Accumulator accumulator) => accumulator.Rest ? "restRowLength" : "rowLength";

        // The tiling's lengths a sweep's offsets use, read once into locals: each read of a tiling's property is an
        // inlined call, and a sweep has hundreds of offsets; the JIT's inlining budget must last to the cell update.
        // A concrete tiling of a rest tile alone has no whole tile's rows.
        private static void EmitSweepLengths(SourceWriter writer, Code code, TilingPlan? concrete)
        {
            string rows = concrete is { Tiles: 0 } ? "" : $", rowLength = {code.Of}RowLength";
            string rest = concrete is { HasRest: true } ? ", restRowLength = RestRowLength" : "";
            writer.Line($"int lanes = {code.Of}Lanes{rows}{rest}; // read once: each read is an inlined call, and hundreds would spend the JIT's inlining budget");
        }

        // Where an accumulator's vector of a panel row starts, relative to the panel.
        private static string RowOffset(Code code, Accumulator accumulator, int row)
        {
            string vector = code.VectorOffset(accumulator.WeightVector);
            string start = row == 0 ? "" : row == 1 ? RowLength(code, accumulator) : $"{row} * {RowLength(code, accumulator)}";
            return start.Length == 0 ? vector : vector == "0" ? start : $"{start} + {vector}";
        }

        // slots += W[:, k] · source[k] for every k (descending when reverse), consecutive columns going to consecutive
        // chains of each accumulator: unrolled with literal offsets when the plan says so (see KernelPlan.UnrollBudget),
        // otherwise a loop over pairs of columns and the first two chains.
        private static void EmitColumns(SourceWriter writer, Cell cell, Code code, IReadOnlyList<Accumulator> accumulators,
            int count, bool unrolled, int firstRow, string firstRowName, bool hiddenRows, string countName, string source, bool reverse)
        {
            string Target(Accumulator accumulator, int position) => ChainName(cell, accumulator, position % accumulator.Chains);

            if (unrolled)
            {
                for (int position = 0; position < count; position++)
                {
                    int k = reverse ? count - 1 - position : position;
                    string value = k == 0 ? source : $"Unsafe.Add(ref {source}, {k})";
                    writer.Line($"var {source}{k} = {code.Ops}.Create({value});");
                    foreach (Accumulator accumulator in accumulators)
                    {
                        string target = Target(accumulator, position);
                        writer.Line($"{target} = {code.Ops}.MultiplyAdd{accumulator.WeightHalf}(ref {PanelName(accumulator, hiddenRows)}, {RowOffset(code, accumulator, firstRow + k)}, {source}{k}, {target});");
                    }
                }
                return;
            }

            writer.Open(reverse ? $"for (int k = {countName} - 1; k > 0; k -= 2)" : $"for (int k = 0; k + 1 < {countName}; k += 2)");
            foreach (Accumulator accumulator in accumulators.GroupBy(a => a.Rest).Select(group => group.First()))
            {
                string row = accumulator.Rest ? "restRow" : "row";
                writer.Line($"ref float {row} = ref Unsafe.Add(ref {PanelName(accumulator, hiddenRows)}, {(firstRow == 0 ? "k" : $"({firstRowName} + k)")} * {RowLength(code, accumulator)});");
            }
            for (int chain = 0; chain < 2; chain++)
            {
                string value = chain == 0 ? $"{source}k" : $"{source}k{(reverse ? "Before" : "After")}";
                string index = chain == 0 ? "k" : reverse ? "k - 1" : "k + 1";
                writer.Line($"var {value} = {code.Ops}.Create(Unsafe.Add(ref {source}, {index}));");
                foreach (Accumulator accumulator in accumulators)
                {
                    string target = Target(accumulator, chain);
                    string row = accumulator.Rest ? "restRow" : "row";
                    string weights = chain == 0 ? $"ref {row}" : $"ref Unsafe.Add(ref {row}, {(reverse ? "-" : "")}{RowLength(code, accumulator)})";
                    writer.Line($"{target} = {code.Ops}.MultiplyAdd{accumulator.WeightHalf}({weights}, {code.VectorOffset(accumulator.WeightVector)}, {value}, {target});");
                }
            }
            writer.Close();
            if (count % 2 == 1)
            {
                int k = reverse ? 0 : count - 1;
                writer.Line($"var {source}Last = {code.Ops}.Create(Unsafe.Add(ref {source}, {k}));");
                foreach (Accumulator accumulator in accumulators)
                    writer.Line($"{Name(cell, accumulator)} = {code.Ops}.MultiplyAdd{accumulator.WeightHalf}(ref {PanelName(accumulator, hiddenRows)}, {RowOffset(code, accumulator, firstRow + k)}, {source}Last, {Name(cell, accumulator)});");
            }
        }
    }
}
