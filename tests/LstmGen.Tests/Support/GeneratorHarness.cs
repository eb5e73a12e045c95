using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using LstmGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LstmGen.Tests.Support;

/// <summary>Compiles a user's source in memory with LstmGen's runtime referenced and its generator running.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    private static readonly MetadataReference[] References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path) is var name && (name.StartsWith("System.") || name is "netstandard.dll" or "mscorlib.dll"))
            .Append(typeof(LstmAttribute).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();

    public sealed record Result(
        ImmutableArray<Diagnostic> GeneratorDiagnostics,
        ImmutableArray<GeneratedSourceResult> Sources,
        ImmutableArray<Diagnostic> CompilationDiagnostics,
        GeneratorDriver Driver,
        Compilation Input);

    public static CSharpCompilation CreateCompilation(string source, CSharpParseOptions? parseOptions = null) =>
        CSharpCompilation.Create(
            "UserProject",
            [CSharpSyntaxTree.ParseText(source, parseOptions ?? ParseOptions, path: "User.cs")],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(CSharpParseOptions? parseOptions = null) =>
        CSharpGeneratorDriver.Create(
            [new LstmGenerator().AsSourceGenerator()],
            parseOptions: parseOptions ?? ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator on <paramref name="source"/> and compiles the result.</summary>
    public static Result Run(string source, CSharpParseOptions? parseOptions = null)
    {
        CSharpCompilation input = CreateCompilation(source, parseOptions);
        GeneratorDriver driver = CreateDriver(parseOptions).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        GeneratorDriverRunResult run = driver.GetRunResult();
        return new Result(
            run.Diagnostics,
            run.Results.Single().GeneratedSources,
            output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray(),
            driver,
            input);
    }

    /// <summary>The version string the generator stamps into [GeneratedCode], scrubbed from snapshots.</summary>
    public static string GeneratorVersion => typeof(LstmGenerator).Assembly.GetName().Version!.ToString();
}
