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
            .WithTrackingName(TrackingNames.Parse)
            // Models with Weights = "…": find the file among the weights files, check it fits, attach its content.
            // A missing or unfit file is reported here (LSTMGEN011, 012): the check reads the file, which is the generator's input.
            .Combine(weightsFiles)
            .Select(static (pair, _) => EmbeddedWeights.Resolve(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Resolve);

        // 2. The specs drive the source. They hold no locations, so edits elsewhere leave them unchanged.
        IncrementalValuesProvider<ModelSpec> specs = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Spec);

        // 3. The weights files' diagnostics go out on their own, because their locations move with unrelated edits.
        IncrementalValuesProvider<DiagnosticInfo> diagnostics = parsed
            .SelectMany(static (result, _) => result.Diagnostics.AsImmutableArray())
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(specs, static (context, spec) =>
            context.AddSource(spec.HintName, Emitter.Emit(spec)));
        context.RegisterSourceOutput(diagnostics, static (context, diagnostic) =>
            context.ReportDiagnostic(diagnostic.ToDiagnostic()));
    }
}
