using LstmGen.Generator.Model;
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
        Register(context, LstmAttributeName, CellKind.Lstm);
        Register(context, GruAttributeName, CellKind.Gru);
    }

    private static void Register(IncrementalGeneratorInitializationContext context, string attributeName, CellKind cell)
    {
        // 1. Find the classes carrying the attribute and turn each into a value-equatable spec plus diagnostics.
        //    Nothing from Roslyn (symbols, syntax, locations) leaves this step, so later stages cache.
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attributeName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: (context, cancellationToken) => Parser.Parse(context, cell, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        // 2. The specs drive the source. They hold no locations, so edits elsewhere leave them unchanged.
        IncrementalValuesProvider<ModelSpec> specs = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Spec);

        // 3. Diagnostics go out on their own, because their locations move with unrelated edits.
        IncrementalValuesProvider<DiagnosticInfo> diagnostics = parsed
            .SelectMany(static (result, _) => result.Diagnostics.AsImmutableArray())
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(specs, static (context, spec) =>
            context.AddSource(spec.HintName, Emitter.Emit(spec)));
        context.RegisterSourceOutput(diagnostics, static (context, diagnostic) =>
            context.ReportDiagnostic(diagnostic.ToDiagnostic()));
    }
}
