using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Reflection;
using LstmGen.Generator;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>The pipeline caches: unrelated edits do not re-emit, attribute and weights edits do.</summary>
public class IncrementalTests
{
    private const string Model = """
        namespace Demo;
        [LstmGen.Lstm(5, 8, 2, 7)]
        public partial class SimpleLstm { }
        """;

    // Something for every stage: a compiled-in weights file, both cells, and a weights file the generator reports missing.
    private const string Models = Model + """

        [LstmGen.Lstm(5, 8, 2, 7, Weights = "model.safetensors")] public partial class EmbeddedLstm { }
        [LstmGen.Gru(5, 8, 2, 7)] public partial class SimpleGru { }
        [LstmGen.Lstm(1, 1, 1, 1, Weights = "missing.safetensors")] public partial class MissingWeights { }
        """;

    // Every stage the generator names (Parse, WeightsFiles, Resolve, Emit, Diagnostics), so a new one is checked too.
    private static readonly string[] Steps = typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (string)field.GetRawConstantValue()!)
        .ToArray();

    private static readonly GeneratorHarness.WeightsFile Weights =
        new("model.safetensors", File.ReadAllBytes(GoldenParity.GoldenPath("seed.weights.safetensors")));

    [Fact]
    public void Unrelated_edit_leaves_every_step_cached()
    {
        var (first, second) = RunTwice(Models, compilation =>
            compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { int X; }", GeneratorHarness.ParseOptions)));

        foreach (string step in Steps)
            AssertNotRerun(second, step);
        AssertNothingPrinted(second);
        Assert.Equal(Sources(first), Sources(second));
        Assert.Equal(3, Sources(second).Length);
        Assert.Equal("LSTMGEN011", Assert.Single(second.Diagnostics).Id);
    }

    [Fact]
    public void A_build_that_reads_the_weights_file_again_prints_nothing_again()
    {
        // The compiler server keeps the driver between builds but hands it new additional files each time: the weights
        // file is read again, and compared by its checksum, not its content.
        Compilation compilation = GeneratorHarness.CreateCompilation(Models);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(parseOptions: null, Weights).RunGenerators(compilation);
        GeneratorDriverRunResult first = driver.GetRunResult();
        GeneratorDriverRunResult second = driver
            .ReplaceAdditionalTexts(GeneratorHarness.AdditionalTexts(Weights with { Content = Weights.Content.ToArray() }))
            .RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { int X; }", GeneratorHarness.ParseOptions)))
            .GetRunResult();

        foreach (string step in Steps)
            AssertNotRerun(second, step);
        AssertNothingPrinted(second);
        Assert.Equal(Sources(first), Sources(second));
    }

    [Fact]
    public void Edit_that_moves_the_classes_keeps_the_specs_unchanged_and_moves_the_diagnostic()
    {
        var (first, second) = RunTwice(Models, compilation =>
        {
            SyntaxTree tree = compilation.SyntaxTrees.Single();
            return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(0, 0, "// a comment\n\n")));
        });

        // The weights file is not checked again (the check holds no location), nothing is printed, and the one
        // diagnostic moves with its class.
        AssertNotRerun(second, TrackingNames.WeightsFiles);
        AssertNotRerun(second, TrackingNames.Resolve);
        AssertNotRerun(second, TrackingNames.Emit);
        AssertNothingPrinted(second);
        Assert.Equal([IncrementalStepRunReason.Modified], StepReasons(second, TrackingNames.Diagnostics));
        Assert.Equal(Line(Assert.Single(first.Diagnostics)) + 2, Line(Assert.Single(second.Diagnostics)));
    }

    [Fact]
    public void Attribute_edit_modifies_the_spec()
    {
        var (_, second) = RunTwice(Model, compilation =>
        {
            SyntaxTree tree = compilation.SyntaxTrees.Single();
            string edited = tree.GetText().ToString().Replace("Lstm(5, 8, 2, 7)", "Lstm(5, 16, 2, 7)");
            return compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, path: tree.FilePath));
        });

        Assert.Contains(IncrementalStepRunReason.Modified, StepReasons(second, TrackingNames.Emit));
        Assert.Contains("HiddenSize = 16", Assert.Single(Sources(second)));
    }

    [Fact]
    public void Weights_edit_checks_the_file_again_and_prints_nothing_again()
    {
        // The last byte is the top of the last float: a different value, still a valid file of the same size.
        byte[] edited = Weights.Content.ToArray();
        edited[^1] ^= 1;
        Compilation compilation = GeneratorHarness.CreateCompilation(Models);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(parseOptions: null, Weights).RunGenerators(compilation);
        GeneratorDriverRunResult first = driver.GetRunResult();
        GeneratorDriverRunResult second = driver
            .ReplaceAdditionalTexts(GeneratorHarness.AdditionalTexts(Weights with { Content = edited }))
            .RunGenerators(compilation)
            .GetRunResult();

        // Every model's check runs again on the new checksum and comes out as before: the file still fits, and its resource
        // (name, format, size) is the same, so no source is printed again. The compiler embeds the new bytes.
        Assert.Equal([IncrementalStepRunReason.Modified], StepReasons(second, TrackingNames.WeightsFiles));
        AssertNotRerun(second, TrackingNames.Parse);
        Assert.All(StepReasons(second, TrackingNames.Resolve), reason => Assert.Equal(IncrementalStepRunReason.Unchanged, reason));
        AssertNotRerun(second, TrackingNames.Emit);
        AssertNotRerun(second, TrackingNames.Diagnostics);
        AssertNothingPrinted(second);
        Assert.Equal(Sources(first), Sources(second));
    }

    [Fact]
    public void Weights_edit_that_no_longer_fits_reports_and_drops_the_model()
    {
        Compilation compilation = GeneratorHarness.CreateCompilation(Models);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(parseOptions: null, Weights).RunGenerators(compilation);
        GeneratorDriverRunResult second = driver
            .ReplaceAdditionalTexts(GeneratorHarness.AdditionalTexts(Weights with { Content = Weights.Content[..^4] }))
            .RunGenerators(compilation)
            .GetRunResult();

        Assert.Single(StepReasons(second, TrackingNames.Resolve), reason => reason == IncrementalStepRunReason.Modified);
        Assert.Contains(IncrementalStepRunReason.Removed, StepReasons(second, TrackingNames.Emit));
        Assert.Equal(["LSTMGEN011", "LSTMGEN012"], second.Diagnostics.Select(diagnostic => diagnostic.Id).Order());
        Assert.Equal(2, Sources(second).Length);
    }

    [Fact]
    public void Step_outputs_hold_no_copy_of_the_weights_file()
    {
        // What the pipeline compares on every edit is small: the file's name and checksum, the specs, the checks. The
        // file's text is the compiler's own, referred to outside equality (no string or array of it is kept).
        const int Limit = 1024;
        Assert.True(Convert.ToBase64String(Weights.Content).Length > Limit, "The test's weights file must be larger than the limit.");
        var (first, _) = RunTwice(Models, compilation => compilation);
        foreach (string name in Steps)
        {
            foreach (var (value, _) in first.Results.Single().TrackedSteps[name].SelectMany(step => step.Outputs))
                AssertHoldsNothingLarge(value, Limit, $"{name}: {value?.GetType().Name}", depth: 0);
        }
    }

    [Fact]
    public void Pipeline_outputs_hold_no_compilation_objects()
    {
        Assert.Contains(TrackingNames.Resolve, Steps);
        Assert.Contains(TrackingNames.WeightsFiles, Steps);
        var (first, _) = RunTwice(Models, compilation => compilation);
        foreach (string name in Steps)
        {
            IncrementalGeneratorRunStep[] steps = first.Results.Single().TrackedSteps[name].ToArray();
            Assert.True(steps.Any(step => step.Outputs.Length > 0), $"Step {name} has no outputs to inspect.");
            foreach (var (value, _) in steps.SelectMany(step => step.Outputs))
                AssertHoldsNoRoslynObjects(value, depth: 0);
        }
    }

    private static (GeneratorDriverRunResult First, GeneratorDriverRunResult Second) RunTwice(
        string source, Func<Compilation, Compilation> edit)
    {
        Compilation compilation = GeneratorHarness.CreateCompilation(source);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(parseOptions: null, Weights).RunGenerators(compilation);
        GeneratorDriverRunResult first = driver.GetRunResult();
        driver = driver.RunGenerators(edit(compilation));
        return (first, driver.GetRunResult());
    }

    // Every output of the step was cached or recomputed equal, and there was at least one, so the check has teeth.
    private static void AssertNotRerun(GeneratorDriverRunResult run, string trackingName)
    {
        IncrementalStepRunReason[] reasons = StepReasons(run, trackingName);
        Assert.NotEmpty(reasons);
        Assert.All(reasons, reason =>
            Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{trackingName}: {reason}"));
    }

    // The source outputs that print models (RegisterSourceOutput of the Emit step; the other reports the diagnostics) were
    // all cached: no generated source was printed again.
    private static void AssertNothingPrinted(GeneratorDriverRunResult run)
    {
        IncrementalStepRunReason[] reasons = OutputReasons(run);
        Assert.NotEmpty(reasons);
        Assert.All(reasons, reason =>
            Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"source output: {reason}"));
    }

    private static IncrementalStepRunReason[] OutputReasons(GeneratorDriverRunResult run) =>
        run.Results.Single().TrackedOutputSteps[WellKnownGeneratorOutputs.SourceOutput]
            .Where(step => step.Inputs.Any(input => input.Source.Name == TrackingNames.Emit))
            .SelectMany(step => step.Outputs)
            .Select(output => output.Reason)
            .ToArray();

    private static IncrementalStepRunReason[] StepReasons(GeneratorDriverRunResult run, string trackingName) =>
        run.Results.Single().TrackedSteps[trackingName]
            .SelectMany(step => step.Outputs)
            .Select(output => output.Reason)
            .ToArray();

    private static int Line(Diagnostic diagnostic) => diagnostic.Location.GetLineSpan().StartLinePosition.Line;

    private static string[] Sources(GeneratorDriverRunResult run) =>
        run.Results.Single().GeneratedSources.OrderBy(source => source.HintName).Select(source => source.SourceText.ToString()).ToArray();

    // A string or an array beyond the limit in a step output, such as a weights file's content, is compared on every edit.
    private static void AssertHoldsNothingLarge(object? value, int limit, string path, int depth)
    {
        if (value is null || depth > 8 || value.GetType().IsPrimitive || value is Enum) return;
        Assert.False(value is string { Length: var length } && length > limit, $"{path} holds a string of {(value as string)?.Length} characters.");
        Assert.False(value is Array { Length: var count } && count > limit, $"{path} holds an array of {(value as Array)?.Length} elements.");
        if (value is string) return;
        if (value is IEnumerable items)
        {
            foreach (object? item in items) AssertHoldsNothingLarge(item, limit, path + "[]", depth + 1);
            return;
        }
        if (value.GetType().Namespace?.StartsWith("LstmGen") != true && !value.GetType().Name.StartsWith("ValueTuple")) return;
        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            AssertHoldsNothingLarge(field.GetValue(value), limit, path + "." + field.Name, depth + 1);
    }

    // A symbol, syntax node or compilation in a step output would pin the compilation and break caching.
    private static void AssertHoldsNoRoslynObjects(object? value, int depth)
    {
        if (value is null || depth > 6 || value is string || value.GetType().IsPrimitive || value is Enum) return;
        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or Location,
            $"Pipeline output holds a {value.GetType().Name}.");
        if (value is IEnumerable items)
        {
            foreach (object? item in items) AssertHoldsNoRoslynObjects(item, depth + 1);
            return;
        }
        if (value.GetType().Namespace?.StartsWith("LstmGen") != true) return;
        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            AssertHoldsNoRoslynObjects(field.GetValue(value), depth + 1);
    }
}
