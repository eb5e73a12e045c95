using System.Linq;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;
using LstmGen.Generator.CompiledWeights;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generator;

/// <summary>
/// Generates a specialized forward pass into every <c>partial</c> class marked <c>[LstmGen.Lstm]</c> or <c>[LstmGen.Gru]</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class LstmGenerator : IIncrementalGenerator
{
    internal const string LstmAttributeName = "LstmGen.LstmAttribute";
    internal const string GruAttributeName = "LstmGen.GruAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // The safetensors files a model may compile in (LstmGenWeights items, passed on by LstmGen.targets).
        IncrementalValueProvider<EquatableArray<WeightsFile>> weightsFiles = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, cancellationToken) => WeightsFile.From(pair.Left, pair.Right, cancellationToken))
            .Where(static file => file is not null)
            .Collect()
            .Select(static (files, _) => new EquatableArray<WeightsFile>(files!))
            .WithTrackingName(TrackingNames.WeightsFiles);

        Register(context, LstmAttributeName, CellKind.Lstm, weightsFiles);
        Register(context, GruAttributeName, CellKind.Gru, weightsFiles);
    }

    private static void Register(IncrementalGeneratorInitializationContext context, string attributeName, CellKind cell,
        IncrementalValueProvider<EquatableArray<WeightsFile>> weightsFiles)
    {
        // 1. Find the classes carrying the attribute and turn each valid one into a value-equatable spec (LstmAnalyzer
        //    reports the invalid ones). Nothing from Roslyn (symbols, syntax, locations) leaves this step, so later stages cache.
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attributeName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: (context, cancellationToken) => Parser.Parse(context, cell, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        // 2. Models with Weights = "…": find the file among the weights files and check it fits. A missing or unfit file
        //    is reported (LSTMGEN011, 012): the check reads the file, which is the generator's input. The spec alone goes
        //    in, without the attribute's location, so an edit that only moves the class does not check the file again.
        IncrementalValuesProvider<WeightsCheck> checks = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .Combine(weightsFiles)
            .Select(static (pair, _) => EmbeddedWeights.Resolve(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Resolve);

        // 3. The models that pass drive the source: the spec and, for a compiled-in file, the manifest resource the
        //    generated code reads it from, values only (no locations, no file content). Edits elsewhere leave them
        //    unchanged, and so does a new version of the file that has the same format and size: the compiler embeds
        //    its bytes, and nothing is printed again.
        IncrementalValuesProvider<ModelSource> sources = checks
            .Where(static check => check.Problem is null)
            .Select(static (check, _) => new ModelSource(check.Spec, check.Resource))
            .WithTrackingName(TrackingNames.Emit);

        // 4. The weights files' diagnostics go out on their own, because their locations move with unrelated edits: each
        //    problem meets the parse results, which hold the attributes' locations, only here.
        IncrementalValuesProvider<DiagnosticInfo> diagnostics = checks
            .Where(static check => check.Problem is not null)
            .Combine(parsed.Collect())
            .Select(static (pair, _) => pair.Left.ToDiagnosticInfo(
                pair.Right.FirstOrDefault(result => Equals(result.Spec, pair.Left.Spec))?.Location))
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(sources, static (context, source) =>
            context.AddSource(source.Spec.HintName, Emitter.Emit(source.Spec, source.Weights)));
        context.RegisterSourceOutput(diagnostics, static (context, diagnostic) =>
            context.ReportDiagnostic(diagnostic.ToDiagnostic()));
    }
}
