using System.Linq;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace LstmGen.Generator;

/// <summary>
/// Generates a specialized LSTM forward pass into every <c>partial</c> class marked <c>[LstmGen.Lstm]</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class LstmGenerator : IIncrementalGenerator
{
    internal const string LstmAttributeName = "LstmGen.LstmAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Find the classes carrying [Lstm] and turn each into a value-equatable spec plus diagnostics.
        //    Nothing from Roslyn (symbols, syntax, locations) leaves this step, so later stages cache.
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                LstmAttributeName,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.RecordDeclarationSyntax,
                transform: static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        // 2. The specs drive the source. They hold no locations, so edits elsewhere leave them unchanged.
        IncrementalValuesProvider<LstmSpec> specs = parsed
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
