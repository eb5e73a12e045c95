using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LstmGen.CodeFixes;
using LstmGen.Generator;
using LstmGen.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>
/// The code fixes, applied as an IDE does: LstmAnalyzer's diagnostics on a document in a workspace, the fix the
/// provider registers for each, its changed solution. The fixed source must then generate without a diagnostic.
/// </summary>
public class CodeFixTests
{
    [Theory]
    // LSTMGEN001: 'partial' goes last, right before the keyword.
    [InlineData("[Lstm(5, 8, 2, 7)] public class M { }", "[Lstm(5, 8, 2, 7)] public partial class M { }")]
    [InlineData("[Lstm(5, 8, 2, 7)] public sealed class M { }", "[Lstm(5, 8, 2, 7)] public sealed partial class M { }")]
    [InlineData("[Gru(5, 8, 2, 7)]\nclass M { }", "[Gru(5, 8, 2, 7)]\npartial class M { }")]
    [InlineData("[Lstm(5, 8, 2, 7)] public sealed record M(int A);", "[Lstm(5, 8, 2, 7)] public sealed partial record M(int A);")]
    [InlineData("/// <summary>Doc.</summary>\n[Lstm(5, 8, 2, 7)] class M { }", "/// <summary>Doc.</summary>\n[Lstm(5, 8, 2, 7)] partial class M { }")]
    // LSTMGEN003: every containing type, each with its own diagnostic.
    [InlineData("public class Outer { [Lstm(5, 8, 2, 7)] public partial class M { } }", "public partial class Outer { [Lstm(5, 8, 2, 7)] public partial class M { } }")]
    [InlineData("class A\n{\n    internal struct B\n    {\n        [Gru(5, 8, 2, 7)]\n        class M { }\n    }\n}",
                "partial class A\n{\n    internal partial struct B\n    {\n        [Gru(5, 8, 2, 7)]\n        partial class M { }\n    }\n}")]
    [InlineData("public record Outer { [Lstm(5, 8, 2, 7)] public partial class M { } }", "public partial record Outer { [Lstm(5, 8, 2, 7)] public partial class M { } }")]
    // LSTMGEN005: 'static' goes, and its leading trivia stays.
    [InlineData("[Lstm(5, 8, 2, 7)] public static partial class M { }", "[Lstm(5, 8, 2, 7)] public partial class M { }")]
    [InlineData("[Lstm(5, 8, 2, 7)]\nstatic partial class M { }", "[Lstm(5, 8, 2, 7)]\npartial class M { }")]
    [InlineData("[Lstm(5, 8, 2, 7)]\nstatic class M { }", "[Lstm(5, 8, 2, 7)]\npartial class M { }")]
    // LSTMGEN009: 'file' goes.
    [InlineData("[Lstm(5, 8, 2, 7)] file partial class M { }", "[Lstm(5, 8, 2, 7)] partial class M { }")]
    [InlineData("[Gru(5, 8, 2, 7)] file sealed partial record M;", "[Gru(5, 8, 2, 7)] sealed partial record M;")]
    public async Task Fix_makes_the_class_a_model(string declaration, string expected)
    {
        const string usings = "using LstmGen;\n";
        string fixedSource = await FixAllAsync(usings + declaration);

        Assert.Equal(usings + expected, fixedSource);
        GeneratorHarness.Result result = GeneratorHarness.Run(fixedSource);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Single(result.Sources);
    }

    [Theory]
    [InlineData("[Lstm(0, 8, 2, 7)] public partial class M { }", "LSTMGEN002")]
    [InlineData("[Lstm(5, 8, 2, 7)] public partial class M<T> { }", "LSTMGEN004")]
    [InlineData("[Lstm(5, 8, 2, 7)] public partial class M { public void Forward() { } }", "LSTMGEN006")]
    [InlineData("[Lstm(5, 8, 2, 7)] [Gru(5, 8, 2, 7)] public partial class M { }", "LSTMGEN010")]
    public async Task Misuse_that_needs_a_decision_gets_no_fix(string declaration, string id)
    {
        Document document = CreateDocument("using LstmGen;\n" + declaration);
        Diagnostic diagnostic = Assert.Single(await AnalyzeAsync(document));

        Assert.Equal(id, diagnostic.Id);
        Assert.Empty(await FixesAsync(document, diagnostic));
    }

    // Fixes one diagnostic at a time, re-analyzing after each, until none is left; every one must have a fix.
    private static async Task<string> FixAllAsync(string source)
    {
        Document document = CreateDocument(source);
        for (int round = 0; round < 10; round++)
        {
            ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync(document);
            if (diagnostics.IsEmpty)
                return (await document.GetTextAsync()).ToString();

            CodeAction action = Assert.Single(await FixesAsync(document, diagnostics[0]));
            ApplyChangesOperation apply = Assert.Single((await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>());
            document = apply.ChangedSolution.GetDocument(document.Id)!;
        }
        Assert.Fail("The fixes did not converge.");
        return "";
    }

    private static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(), VersionStamp.Default, "User", "User", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary),
            parseOptions: GeneratorHarness.ParseOptions,
            metadataReferences: GeneratorHarness.References));
        return project.AddDocument("User.cs", source);
    }

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Document document)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        return await compilation.WithAnalyzers([new LstmAnalyzer()]).GetAnalyzerDiagnosticsAsync();
    }

    private static async Task<List<CodeAction>> FixesAsync(Document document, Diagnostic diagnostic)
    {
        var provider = new ModifierCodeFixProvider();
        var actions = new List<CodeAction>();
        if (provider.FixableDiagnosticIds.Contains(diagnostic.Id))
            await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        return actions;
    }
}
