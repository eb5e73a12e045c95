using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.IO;
using System.Linq;
using LstmGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace LstmGen.Tests.Support;

/// <summary>Compiles a user's source in memory with LstmGen's runtime referenced and its generator running.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    public static readonly MetadataReference[] References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path) is var name && (name.StartsWith("System.") || name is "netstandard.dll" or "mscorlib.dll"))
            .Append(typeof(LstmAttribute).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();

    public sealed record Result(
        ImmutableArray<Diagnostic> GeneratorDiagnostics,
        ImmutableArray<Diagnostic> AnalyzerDiagnostics,
        ImmutableArray<GeneratedSourceResult> Sources,
        ImmutableArray<Diagnostic> CompilationDiagnostics,
        GeneratorDriver Driver,
        Compilation Input,
        Compilation Output)
    {
        /// <summary>Every diagnostic of LstmGen's, as a build reports them: the generator's and the analyzer's.</summary>
        public ImmutableArray<Diagnostic> Diagnostics => GeneratorDiagnostics.AddRange(AnalyzerDiagnostics);
    }

    public static CSharpCompilation CreateCompilation(string source, CSharpParseOptions? parseOptions = null) =>
        CSharpCompilation.Create(
            "UserProject",
            [CSharpSyntaxTree.ParseText(source, parseOptions ?? ParseOptions, path: "User.cs")],
            References,
            // The warning level of a project on the current SDK (AnalysisLevel latest), so the warning waves are on.
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999));

    /// <summary>A weights file as LstmGen.targets passes it on: base64 text tagged with its name in the project.</summary>
    public sealed record WeightsFile(string Name, byte[] Content);

    public static GeneratorDriver CreateDriver(CSharpParseOptions? parseOptions = null, params WeightsFile[] weights) =>
        CSharpGeneratorDriver.Create(
            [new LstmGenerator().AsSourceGenerator()],
            AdditionalTexts(weights),
            parseOptions ?? ParseOptions,
            new WeightsOptionsProvider(weights.ToDictionary(PathOf, file => file.Name)),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>The additional files for <paramref name="weights"/>; a driver from <see cref="CreateDriver"/> takes
    /// them in place of files of the same names (<see cref="GeneratorDriver.ReplaceAdditionalTexts"/>).</summary>
    public static ImmutableArray<AdditionalText> AdditionalTexts(params WeightsFile[] weights) =>
        weights.Select(file => (AdditionalText)new Base64Text(PathOf(file), Convert.ToBase64String(file.Content))).ToImmutableArray();

    private static string PathOf(WeightsFile file) => $"/obj/lstmgen/{file.Name}.b64";

    /// <summary>Runs the generator on <paramref name="source"/> and compiles the result.</summary>
    public static Result Run(string source, CSharpParseOptions? parseOptions = null, params WeightsFile[] weights)
    {
        CSharpCompilation input = CreateCompilation(source, parseOptions);
        GeneratorDriver driver = CreateDriver(parseOptions, weights).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        GeneratorDriverRunResult run = driver.GetRunResult();
        return new Result(
            run.Diagnostics,
            Analyze(output),
            run.Results.Single().GeneratedSources,
            output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray(),
            driver,
            input,
            output);
    }

    /// <summary>
    /// LstmAnalyzer's diagnostics on <paramref name="output"/>, the compilation with the generated files added, as in a
    /// build; an exception in the analyzer would show up as AD0001.
    /// </summary>
    public static ImmutableArray<Diagnostic> Analyze(Compilation output) =>
        output.WithAnalyzers([new LstmAnalyzer()]).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();

    private sealed class Base64Text(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    // The build_metadata that CompilerVisibleItemMetadata gives each AdditionalFile.
    private sealed class WeightsOptionsProvider(Dictionary<string, string> names) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions => Options.Empty;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            names.TryGetValue(textFile.Path, out string? name)
                ? new Options(new() { ["build_metadata.AdditionalFiles.LstmGenWeights"] = name })
                : Options.Empty;

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public static readonly Options Empty = new([]);

            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }

    /// <summary>The version string the generator stamps into [GeneratedCode], scrubbed from snapshots.</summary>
    public static string GeneratorVersion => typeof(LstmGenerator).Assembly.GetName().Version!.ToString();
}
