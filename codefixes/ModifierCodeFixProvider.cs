using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LstmGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.CodeFixes;

/// <summary>
/// Fixes the misuse that one modifier repairs: adds <c>partial</c> to the model class (LSTMGEN001) or to a type
/// containing it (LSTMGEN003), removes <c>static</c> (LSTMGEN005) or <c>file</c> (LSTMGEN009). LstmAnalyzer reports
/// these at the attribute and passes the declaration to change as the diagnostic's additional location.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ModifierCodeFixProvider))]
public sealed class ModifierCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ClassNotPartial.Id,
        DiagnosticDescriptors.ContainingTypeNotPartial.Id,
        DiagnosticDescriptors.StaticClass.Id,
        DiagnosticDescriptors.FileLocalClass.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            // The declaration may be in another document: a containing type's other part.
            if (diagnostic.AdditionalLocations.FirstOrDefault() is not { SourceTree: { } tree } target ||
                context.Document.Project.Solution.GetDocument(tree) is not { } document)
                continue;

            (SyntaxKind modifier, bool add) = diagnostic.Id switch
            {
                "LSTMGEN005" => (SyntaxKind.StaticKeyword, false),
                "LSTMGEN009" => (SyntaxKind.FileKeyword, false),
                _ => (SyntaxKind.PartialKeyword, true),
            };
            // One title per change, shared by 001 and 003, so "fix all" (and dotnet format) adds every missing 'partial'.
            string title = $"{(add ? "Add" : "Remove")} '{SyntaxFacts.GetText(modifier)}'";
            context.RegisterCodeFix(
                CodeAction.Create(title, cancellationToken => ChangeAsync(document, target, modifier, add, cancellationToken), equivalenceKey: title),
                diagnostic);
        }
        return Task.CompletedTask;
    }

    private static async Task<Solution> ChangeAsync(Document document, Location target, SyntaxKind modifier, bool add, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindToken(target.SourceSpan.Start).Parent is not TypeDeclarationSyntax declaration ||
            declaration.Modifiers.Any(modifier) == add)
            return document.Project.Solution;

        TypeDeclarationSyntax changed = add ? AddLast(declaration, modifier) : Remove(declaration, modifier);
        return document.WithSyntaxRoot(root.ReplaceNode(declaration, changed)).Project.Solution;
    }

    // 'partial' must come right before the keyword (class, record, struct). With no modifiers before it, it takes the
    // keyword's leading trivia: the indentation or line break after the attributes.
    private static TypeDeclarationSyntax AddLast(TypeDeclarationSyntax declaration, SyntaxKind modifier)
    {
        SyntaxToken token = SyntaxFactory.Token(modifier).WithTrailingTrivia(SyntaxFactory.Space);
        if (declaration.Modifiers.Count > 0)
            return declaration.WithModifiers(declaration.Modifiers.Add(token));
        return declaration
            .WithModifiers(SyntaxFactory.TokenList(token.WithLeadingTrivia(declaration.Keyword.LeadingTrivia)))
            .WithKeyword(declaration.Keyword.WithLeadingTrivia());
    }

    // The removed keyword's leading trivia moves to what now comes first; its trailing space goes with it.
    private static TypeDeclarationSyntax Remove(TypeDeclarationSyntax declaration, SyntaxKind modifier)
    {
        SyntaxTokenList modifiers = declaration.Modifiers;
        int index = modifiers.IndexOf(modifier);
        SyntaxToken removed = modifiers[index];
        modifiers = modifiers.RemoveAt(index);
        if (index > 0)
            return declaration.WithModifiers(modifiers);
        if (modifiers.Count > 0)
            return declaration.WithModifiers(modifiers.Replace(modifiers[0], modifiers[0].WithLeadingTrivia(removed.LeadingTrivia)));
        return declaration.WithModifiers(modifiers).WithKeyword(declaration.Keyword.WithLeadingTrivia(removed.LeadingTrivia));
    }
}
