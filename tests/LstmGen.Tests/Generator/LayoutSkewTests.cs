using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using LstmGen.Kernels;
using LstmGen.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>
/// Generated code reads the runtime's packed buffer without bounds, so a model built with one LstmGen and run with
/// another whose layout changed must fail clearly, at construction and load, never on the forward path.
/// </summary>
public class LayoutSkewTests
{
    private const string Model = "namespace Demo; [LstmGen.Lstm(5, 8, 2, 7)] public partial class Skewed { }";

    [Fact]
    public void Code_generated_for_the_runtimes_layout_runs()
    {
        object model = Construct(source => source);
        model.GetType().GetMethod("InitializeWeights")!.Invoke(model, [3]);
        Assert.NotNull(model);
    }

    [Fact]
    public void Code_generated_for_another_layout_version_fails_at_construction_naming_both()
    {
        int other = PackedLayout.Version + 1;
        var error = Assert.Throws<InvalidOperationException>(() =>
            Construct(source => source.Replace($"public static int LayoutVersion => {PackedLayout.Version};", $"public static int LayoutVersion => {other};")));
        Assert.Contains($"for packed layout version {other}", error.Message);
        Assert.Contains($"packs layout version {PackedLayout.Version}", error.Message);
    }

    [Fact]
    public void Code_that_reads_another_packed_length_fails_at_load()
    {
        object model = Construct(source => source.Replace("public static int PackedLength => ", "public static int PackedLength => 1 + "));
        var error = Assert.Throws<TargetInvocationException>(() => model.GetType().GetMethod("InitializeWeights")!.Invoke(model, [3]));
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Matches(@"packed \d+ floats of weights, but the generated model reads \d+", error.InnerException!.Message);
    }

    // Generates the model, edits its source as an older or newer LstmGen would have written it, and constructs it.
    private static object Construct(Func<string, string> edit)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Model);
        string generated = edit(result.Sources.Single().SourceText.ToString());
        Compilation compilation = result.Input.AddSyntaxTrees(CSharpSyntaxTree.ParseText(generated, GeneratorHarness.ParseOptions));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));

        var context = new AssemblyLoadContext("skew", isCollectible: true);
        try
        {
            image.Position = 0;
            Type type = context.LoadFromStream(image).GetType("Demo.Skewed")!;
            try
            {
                return Activator.CreateInstance(type)!;
            }
            catch (TargetInvocationException error) when (error.InnerException is not null)
            {
                throw error.InnerException;
            }
        }
        finally
        {
            context.Unload();
        }
    }
}
