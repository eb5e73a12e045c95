using System;
using System.Collections;
using System.Linq;
using System.Reflection;
using LstmGen.Generator;
using LstmGen.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>The pipeline caches: unrelated edits do not re-emit, attribute edits do.</summary>
public class IncrementalTests
{
    private const string Model = """
        namespace Demo;
        [LstmGen.Lstm(5, 8, 2, 7)]
        public partial class SimpleLstm { }
        """;

    [Fact]
    public void Unrelated_edit_leaves_the_spec_cached()
    {
        var (first, second) = RunTwice(Model, compilation =>
            compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { int X; }", GeneratorHarness.ParseOptions)));

        Assert.All(StepReasons(second, TrackingNames.Spec), reason =>
            Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));
        Assert.Equal(Source(first), Source(second));
    }

    [Fact]
    public void Edit_that_moves_the_class_keeps_the_spec_unchanged()
    {
        var (_, second) = RunTwice(Model, compilation =>
        {
            SyntaxTree tree = compilation.SyntaxTrees.Single();
            return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(0, 0, "// a comment\n\n")));
        });

        Assert.All(StepReasons(second, TrackingNames.Spec), reason =>
            Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));
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

        Assert.Contains(IncrementalStepRunReason.Modified, StepReasons(second, TrackingNames.Spec));
        Assert.Contains("HiddenSize = 16", Source(second));
    }

    [Fact]
    public void Pipeline_outputs_hold_no_compilation_objects()
    {
        // One valid model and one misuse, so every stage has outputs to inspect.
        var (first, _) = RunTwice(Model + "\n[LstmGen.Lstm(1, 1, 1, 1)] public class NotPartial { }", compilation => compilation);
        var ours = new[] { TrackingNames.Parse, TrackingNames.Spec, TrackingNames.Diagnostics };
        foreach (var step in ours.SelectMany(name => first.Results.Single().TrackedSteps[name]))
        {
            foreach (var (value, _) in step.Outputs)
                AssertHoldsNoRoslynObjects(value, depth: 0);
        }
    }

    private static (GeneratorDriverRunResult First, GeneratorDriverRunResult Second) RunTwice(
        string source, Func<Compilation, Compilation> edit)
    {
        Compilation compilation = GeneratorHarness.CreateCompilation(source);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        GeneratorDriverRunResult first = driver.GetRunResult();
        driver = driver.RunGenerators(edit(compilation));
        return (first, driver.GetRunResult());
    }

    private static IncrementalStepRunReason[] StepReasons(GeneratorDriverRunResult run, string trackingName) =>
        run.Results.Single().TrackedSteps[trackingName]
            .SelectMany(step => step.Outputs)
            .Select(output => output.Reason)
            .ToArray();

    private static string Source(GeneratorDriverRunResult run) =>
        run.Results.Single().GeneratedSources.Single().SourceText.ToString();

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
