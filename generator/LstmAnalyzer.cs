using System.Collections.Immutable;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LstmGen.Generator;

/// <summary>
/// Reports misuse of <c>[Lstm]</c> and <c>[Gru]</c> that the user fixes in source (LSTMGEN001–010, 013–022). IDEs and
/// <c>dotnet format</c> look for fixable diagnostics here, not in generators, and the generator's pipeline stays free of
/// locations. The checks of a declaration are the parser's (<see cref="LstmGenerator.Parser.Read"/>), so a class is
/// either generated or reported, never both; LSTMGEN021 is reported where a generated model is used. The weights file's
/// diagnostics (LSTMGEN011, 012) stay in the generator, which reads the file.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LstmAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ClassNotPartial,
        DiagnosticDescriptors.SizeOutOfRange,
        DiagnosticDescriptors.ContainingTypeNotPartial,
        DiagnosticDescriptors.GenericType,
        DiagnosticDescriptors.StaticClass,
        DiagnosticDescriptors.MemberConflict,
        DiagnosticDescriptors.InvalidPrefix,
        DiagnosticDescriptors.PrefixWithoutDot,
        DiagnosticDescriptors.UnsupportedTarget,
        DiagnosticDescriptors.FileLocalClass,
        DiagnosticDescriptors.TwoModelAttributes,
        DiagnosticDescriptors.InheritedMemberConflict,
        DiagnosticDescriptors.ModelDerivesFromModel,
        DiagnosticDescriptors.InvalidReadout,
        DiagnosticDescriptors.ProjSizeOutOfRange,
        DiagnosticDescriptors.ProjSizeOnGru,
        DiagnosticDescriptors.InvalidWeightPrecision,
        DiagnosticDescriptors.BFloat16CannotPay,
        DiagnosticDescriptors.BidirectionalCannotStream,
        DiagnosticDescriptors.ClassNamedAsMember);

    private static readonly ImmutableHashSet<string> StreamingMembers = ImmutableHashSet.Create(LstmGenerator.Parser.StreamingMemberNames);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        // The generator also sees models declared in files marked generated, so they are checked too.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            INamedTypeSymbol? lstm = start.Compilation.GetTypeByMetadataName(LstmGenerator.LstmAttributeName);
            INamedTypeSymbol? gru = start.Compilation.GetTypeByMetadataName(LstmGenerator.GruAttributeName);
            // A project without the runtime has no models.
            if (lstm is null && gru is null)
                return;
            start.RegisterSymbolAction(symbol => Analyze(symbol, lstm, gru), SymbolKind.NamedType);
            start.RegisterSyntaxNodeAction(node => AnalyzeStreamingAccess(node, lstm, gru), SyntaxKind.SimpleMemberAccessExpression, SyntaxKind.MemberBindingExpression);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol? lstm, INamedTypeSymbol? gru)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            CellKind cell;
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, lstm)) cell = CellKind.Lstm;
            else if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, gru)) cell = CellKind.Gru;
            else continue;

            // The attribute sits in an attribute list of the declaration it applies to.
            if (attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax { Parent.Parent: TypeDeclarationSyntax declaration } syntax)
                continue;

            foreach (LstmGenerator.Parser.Problem problem in LstmGenerator.Parser.Read(type, declaration, attribute, cell, context.Compilation, context.CancellationToken).Problems)
            {
                context.ReportDiagnostic(Diagnostic.Create(problem.Descriptor, syntax.GetLocation(),
                    problem.FixTarget is null ? null : [problem.FixTarget], problem.Arguments));
            }
        }
    }

    // model.Step(…) (or model?.Step(…)) on a bidirectional model: the compiler says only that there is no Step (CS1061),
    // this says why.
    private static void AnalyzeStreamingAccess(SyntaxNodeAnalysisContext context, INamedTypeSymbol? lstm, INamedTypeSymbol? gru)
    {
        // model.Step: the access names its receiver; model?.Step: the conditional access around the binding does.
        (SimpleNameSyntax name, ExpressionSyntax? receiver) = context.Node is MemberAccessExpressionSyntax access
            ? (access.Name, access.Expression)
            : (((MemberBindingExpressionSyntax)context.Node).Name, context.Node.FirstAncestorOrSelf<ConditionalAccessExpressionSyntax>()?.Expression);
        string member = name.Identifier.ValueText;
        if (receiver is null || !StreamingMembers.Contains(member))
            return;
        // A member of that name the user declared (or an extension) binds, if only as a candidate: theirs to call.
        SymbolInfo bound = context.SemanticModel.GetSymbolInfo(context.Node, context.CancellationToken);
        if (bound.Symbol is not null || !bound.CandidateSymbols.IsEmpty)
            return;
        if (context.SemanticModel.GetTypeInfo(receiver, context.CancellationToken).Type is not INamedTypeSymbol type)
            return;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            bool model = SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, lstm) || SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, gru);
            if (model && LstmGenerator.Parser.NamedArgument(attribute, "Bidirectional") is { Value: true })
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BidirectionalCannotStream, name.GetLocation(), type.Name, member));
                return;
            }
        }
    }
}
