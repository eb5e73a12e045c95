using System;
using System.IO;
using System.Linq;
using System.Reflection;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Microsoft.CodeAnalysis;
using Xunit;
using LstmGen.Generator;

namespace LstmGen.Tests.Generator;

/// <summary>
/// The generator cannot reference the runtime, so the parser keeps copies of its facts: the size limits, the default
/// key prefixes and the members that a generated class gets. These tests keep the copies equal to the originals.
/// </summary>
public class ParserFactsTests
{
    // The parser is internal to the generator; read its facts by reflection (the generator's internals stay hidden
    // from the tests, which also see the runtime's internal types of the same names).
    private static class Parser
    {
        private static readonly Type Type = typeof(LstmGenerator).GetNestedType("Parser", BindingFlags.NonPublic)!;

        public static (string Name, int Min, int Max)[] Sizes => Fact<(string, int, int)[]>(nameof(Sizes));
        public static int MaxNumLayers => Fact<int>(nameof(MaxNumLayers));
        public static string DefaultLstmPrefix => Fact<string>(nameof(DefaultLstmPrefix));
        public static string DefaultGruPrefix => Fact<string>(nameof(DefaultGruPrefix));
        public static string DefaultFcPrefix => Fact<string>(nameof(DefaultFcPrefix));
        public static string[] GeneratedMemberNames => Fact<string[]>(nameof(GeneratedMemberNames));
        public static string[] StreamingMemberNames => Fact<string[]>(nameof(StreamingMemberNames));
        public static string[] BidirectionalMemberNames => Fact<string[]>(nameof(BidirectionalMemberNames));

        private static T Fact<T>(string name) =>
            (T)(Type.GetField(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                ?? throw new MissingFieldException(Type.FullName, name)).GetValue(null)!;
    }

    [Fact]
    public void Size_limits_are_the_attributes_limits_in_constructor_order()
    {
        foreach (Type attribute in new[] { typeof(LstmAttribute), typeof(GruAttribute) })
        {
            string[] parameters = attribute.GetConstructors().Single().GetParameters().Select(parameter => parameter.Name!).ToArray();
            Assert.Equal(parameters, Parser.Sizes.Select(size => size.Name));
        }

        // Every Max* constant of the attribute, so a new limit in the runtime needs a copy here too.
        var runtimeLimits = typeof(RecurrentModelAttribute).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.Name.StartsWith("Max", StringComparison.Ordinal))
            .ToDictionary(field => field.Name, field => (int)field.GetRawConstantValue()!);
        var parserLimits = Parser.Sizes
            .Select(size => ("Max" + char.ToUpperInvariant(size.Name[0]) + size.Name[1..], size.Max))
            .Append(("MaxNumLayers", Parser.MaxNumLayers))
            .ToDictionary(limit => limit.Item1, limit => limit.Item2);
        Assert.Equal(runtimeLimits.OrderBy(limit => limit.Key), parserLimits.OrderBy(limit => limit.Key));
    }

    [Fact]
    public void Default_prefixes_are_the_runtimes()
    {
        Assert.Equal(LstmWeights.DefaultLstmPrefix, Parser.DefaultLstmPrefix);
        Assert.Equal(GruWeights.DefaultGruPrefix, Parser.DefaultGruPrefix);
        Assert.Equal(RecurrentWeights.DefaultFcPrefix, Parser.DefaultFcPrefix);
    }

    // The attribute's enums travel to the parser as their values; its copies must give each value the same name.
    [Theory]
    [InlineData(typeof(Readout))]
    [InlineData(typeof(WeightPrecision))]
    public void Option_enums_are_the_runtimes(Type runtime)
    {
        Type copy = typeof(LstmGenerator).Assembly.GetType("LstmGen.Generator.Model." + runtime.Name, throwOnError: true)!;
        Assert.Equal(Enum.GetNames(runtime), Enum.GetNames(copy));
        Assert.Equal(Enum.GetValues(runtime).Cast<object>().Select(Convert.ToInt32), Enum.GetValues(copy).Cast<object>().Select(Convert.ToInt32));
    }

    private static readonly GeneratorHarness.WeightsFile SeedWeights =
        new("model.safetensors", File.ReadAllBytes(GoldenParity.GoldenPath("seed.weights.safetensors")));

    // The user's part of M is empty, so every member M has that the compiler did not make up came from the generator.
    [Theory]
    [InlineData("[LstmGen.Lstm(5, 8, 2, 7)]")]
    [InlineData("[LstmGen.Lstm(64, 256, 10, 100, NumLayers = 3)]")]
    [InlineData("[LstmGen.Lstm(5, 8, 2, 7, Weights = \"model.safetensors\")]")]
    [InlineData("[LstmGen.Gru(5, 8, 2, 7)]")]
    [InlineData("[LstmGen.Gru(7, 80, 5, 11, NumLayers = 2)]")]
    [InlineData("[LstmGen.Lstm(5, 8, 2, 7, Bidirectional = true)]")]
    [InlineData("[LstmGen.Gru(5, 8, 0, 7, NumLayers = 2, Bidirectional = true)]")]
    public void Generated_member_names_are_the_members_a_generated_class_declares(string attribute)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($"{attribute} public partial class M {{ }}", parseOptions: null, SeedWeights);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);

        string[] declared = result.Output.GetTypeByMetadataName("M")!.GetMembers()
            .Where(member => !member.IsImplicitlyDeclared && member is not IMethodSymbol { AssociatedSymbol: not null })
            .Select(member => member.Name)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
        string[] expected = attribute.Contains("Bidirectional") ? Parser.BidirectionalMemberNames : Parser.GeneratedMemberNames;
        Assert.Equal(expected.Order(StringComparer.Ordinal), declared);
    }

    [Fact]
    public void Streaming_member_names_are_the_public_methods_a_bidirectional_model_lacks()
    {
        // LSTMGEN021 explains a call to any of them on a bidirectional model.
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            [LstmGen.Lstm(5, 8, 2, 7)] public partial class Uni { }
            [LstmGen.Lstm(5, 8, 2, 7, Bidirectional = true)] public partial class Bi { }
            """);
        Assert.Empty(result.CompilationDiagnostics);
        string[] PublicMethods(string type) => result.Output.GetTypeByMetadataName(type)!.GetMembers()
            .OfType<IMethodSymbol>().Where(method => method.DeclaredAccessibility == Accessibility.Public && method.MethodKind == MethodKind.Ordinary)
            .Select(method => method.Name).Distinct().ToArray();
        Assert.Equal(Parser.StreamingMemberNames.Order(StringComparer.Ordinal), PublicMethods("Uni").Except(PublicMethods("Bi")).Order(StringComparer.Ordinal));
    }
}
