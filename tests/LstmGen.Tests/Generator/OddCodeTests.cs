using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using LstmGen.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>
/// The generator against unusual but legal (or partly broken) user code: it never crashes (no CS8785), what it
/// generates compiles, and the same input always gives the same output.
/// </summary>
public class OddCodeTests
{
    /// <summary>
    /// Generator output, the diagnostics of the generator and LstmAnalyzer, and the compiled result of several syntax
    /// trees (User0.cs, User1.cs, …).
    /// </summary>
    private sealed record Run(
        ImmutableArray<Diagnostic> Diagnostics,
        IReadOnlyList<(string HintName, string Text)> Sources,
        ImmutableArray<Diagnostic> CompilationDiagnostics);

    private static Run Generate(params string[] sources) => Generate(compile: true, sources);

    private static Run Generate(bool compile, string[] sources)
    {
        CSharpCompilation input = GeneratorHarness.CreateCompilation(sources[0])
            .RemoveAllSyntaxTrees()
            .AddSyntaxTrees(sources.Select((source, n) => CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: $"User{n}.cs")));
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        GeneratorDriverRunResult result = driver.GetRunResult();
        return new Run(
            result.Diagnostics.AddRange(GeneratorHarness.Analyze(output)),
            result.Results.Single().GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).ToList(),
            compile ? output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray() : []);
    }

    // Runs twice from scratch: the generator must not crash, must give identical sources both times, and the
    // output must compile with nothing but the diagnostics listed (the compiler's own, for broken user code).
    private static Run GenerateCleanly(string[] sources, params string[] allowedCompilerIds)
    {
        Run first = Generate(sources);
        Run second = Generate(compile: false, sources);

        Assert.DoesNotContain(first.Diagnostics, d => d.Id == "CS8785");
        Assert.DoesNotContain(first.CompilationDiagnostics, d => d.Id == "CS8785");
        Assert.Equal(first.Sources, second.Sources);
        Assert.Equal(first.Sources.Count, first.Sources.Select(s => s.HintName).Distinct().Count());
        var unexpected = first.CompilationDiagnostics.Where(d => !allowedCompilerIds.Contains(d.Id)).ToList();
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} unexpected diagnostics, the first:\n" + string.Join("\n", unexpected.Take(5)));
        return first;
    }

    private static Run GenerateCleanly(string source, params string[] allowedCompilerIds) => GenerateCleanly([source], allowedCompilerIds);

    private static string Source(Run run, string hintName) => Assert.Single(run.Sources, s => s.HintName == hintName).Text;

    // ------------------------------------------------------------------ legal odd code

    [Fact]
    public void Partial_record_class_gets_a_model()
    {
        Run run = GenerateCleanly("""
            using LstmGen;
            namespace Demo;
            [Lstm(5, 8, 2, 7)] public sealed partial record class Positional(int Tag, string Name);
            [Gru(3, 4, 1, 2, NumLayers = 2)] public partial record Plain { public int Extra { get; init; } }
            """);

        Assert.Empty(run.Diagnostics);
        Assert.Contains("partial record Positional", Source(run, "Demo.Positional.g.cs"));
        string gru = Source(run, "Demo.Plain.g.cs");
        Assert.Contains("partial record Plain", gru);
        Assert.Contains("public const int NumLayers = 2;", gru);
    }

    [Fact]
    public void Key_prefixes_with_line_breaks_and_quotes_stay_inside_strings_and_comments()
    {
        // A prefix reaches string literals and doc comments of the generated code; none of it may end them.
        Run run = GenerateCleanly("""
            using LstmGen;
            [Lstm(5, 8, 2, 7, LstmPrefix = "a\nb\r\"c\\\u2028.", FcPrefix = "<head>&\n\u0085\u2029\0\u001b.")] public partial class Odd { }
            [Lstm(5, 8, 0, 7, LstmPrefix = "")] public partial class Bare { }
            """);

        Assert.Empty(run.Diagnostics);
        Assert.Contains("\"a\\nb\\r\\\"c\\\\\\u2028.\"", Source(run, "Odd.g.cs"));
        // In doc comments, control characters XML cannot hold (a documentation file's writer refuses them) are escaped.
        Assert.Contains("&lt;head&gt;&amp;&#10;&#133;&#8233;\\u0000\\u001b.bias", Source(run, "Odd.g.cs"));
        Assert.DoesNotContain('\0', Source(run, "Odd.g.cs"));
    }

    [Fact]
    public void Key_prefixes_with_lone_surrogates_and_noncharacters_keep_the_doc_comments_well_formed()
    {
        // XML holds neither a lone surrogate nor U+FFFF; a pair (an emoji) is a character like any other.
        var documented = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            [LstmGen.Lstm(5, 8, 2, 7, LstmPrefix = "\uD800.", FcPrefix = "\uFFFF\uD83D\uDE00\uDC00.")] public partial class Odd { }
            """, documented);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(diagnostic => diagnostic.Location.SourceTree?.FilePath != "User.cs"));
        string source = result.Sources.Single().SourceText.ToString();
        Assert.Contains("\\uffff\uD83D\uDE00\\udc00.bias", source);
        Assert.Contains("\"\\ud800.\"", source);
    }

    [Fact]
    public void A_CLS_compliant_assembly_gets_no_warnings_from_the_generated_code()
    {
        // Types of an assembly not marked CLSCompliant are not compliant: every generated member taking a Tensor
        // would warn (CS3001) in such a project, where the user cannot mend it.
        Run run = GenerateCleanly("""
            [assembly: System.CLSCompliant(true)]
            [LstmGen.Lstm(5, 8, 2, 7)] public partial class M { }
            [LstmGen.Gru(5, 8, 0, 7, Bidirectional = true)] public partial class G { }
            """);

        Assert.Empty(run.Diagnostics);
        Assert.Equal(2, run.Sources.Count);
    }

    [Fact]
    public void Record_whose_positional_parameter_is_a_generated_member_is_reported()
    {
        Run run = Generate("using LstmGen;\n[Lstm(5, 8, 2, 7)] public partial record M(int HiddenSize);");

        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("LSTMGEN006", diagnostic.Id);
        Assert.Contains("'HiddenSize'", diagnostic.GetMessage());
        Assert.Empty(run.Sources);
    }

    [Theory]
    [InlineData("[Lstm(5, 8, 2, 7)] public partial struct M { }")]
    [InlineData("[Lstm(5, 8, 2, 7)] public partial record struct M(int A);")]
    [InlineData("[Gru(5, 8, 2, 7, NumLayers = 3)] public readonly partial record struct M;")]
    [InlineData("[Lstm(5, 8, 2, 7)] public partial interface M { }")]
    public void Attribute_on_a_struct_is_only_the_compilers_error(string declaration)
    {
        // [Lstm] and [Gru] are class-only: CS0592 is the whole verdict; the generator neither crashes nor adds errors.
        Run run = GenerateCleanly("using LstmGen;\n" + declaration, "CS0592");

        Assert.Contains(run.CompilationDiagnostics, d => d.Id == "CS0592");
        Assert.All(run.Diagnostics, d => Assert.StartsWith("LSTMGEN", d.Id));
    }

    [Fact]
    public void File_scoped_namespace_and_global_using_in_another_file()
    {
        Run run = GenerateCleanly(
            ["global using LstmGen;", "namespace Deep.Name.Space;\n[Lstm(5, 8, 2, 7)] public partial class M { }\n[Gru(2, 3, 1, 4, NumLayers = 2)] partial class G { }",
             "namespace Other;\nsealed class Use { void Run() { var m = new Deep.Name.Space.M(); m.InitializeWeights(1); _ = Deep.Name.Space.G.NumLayers; } }"]);

        Assert.Empty(run.Diagnostics);
        Assert.Equal(new[] { "Deep.Name.Space.G.g.cs", "Deep.Name.Space.M.g.cs" }, run.Sources.Select(s => s.HintName).Order());
        Assert.Contains("namespace Deep.Name.Space", Source(run, "Deep.Name.Space.M.g.cs"));
    }

    [Fact]
    public void Attribute_spelled_every_way()
    {
        Run run = GenerateCleanly("""
            using L = LstmGen.LstmAttribute;
            using G = LstmGen.GruAttribute;
            [L(seqLen: 7, outputSize: 2, hiddenSize: 8, inputSize: 5)] partial class A { }
            [global::LstmGen.LstmAttribute(outputSize: 3, seqLen: 4, inputSize: 1, hiddenSize: 2, FcPrefix = "head.", NumLayers = 2)] partial class B { }
            [LstmGen.Gru(hiddenSize: 6, seqLen: 9, inputSize: 2, outputSize: 1)] partial class C { }
            [G(4, seqLen: 3, outputSize: 1, hiddenSize: 2)] partial class D { }
            """);

        Assert.Empty(run.Diagnostics);
        (string Hint, int I, int H, int O, int T)[] expected = [("A.g.cs", 5, 8, 2, 7), ("B.g.cs", 1, 2, 3, 4), ("C.g.cs", 2, 6, 1, 9), ("D.g.cs", 4, 2, 1, 3)];
        foreach (var (hint, i, h, o, t) in expected)
        {
            string text = Source(run, hint);
            Assert.Contains($"public const int InputSize = {i};", text);
            Assert.Contains($"public const int HiddenSize = {h};", text);
            Assert.Contains($"public const int OutputSize = {o};", text);
            Assert.Contains($"public const int SeqLen = {t};", text);
        }
        Assert.Contains("public const int NumLayers = 2;", Source(run, "B.g.cs"));
        Assert.Contains("\"head.\"", Source(run, "B.g.cs"));
    }

    [Fact]
    public void Local_and_member_constants_as_sizes()
    {
        // DiagnosticTests covers constants of another class; here: the class's own constants, and a GRU stack.
        Run run = GenerateCleanly("""
            using LstmGen;
            [Lstm(N, 2 * N, 1, N + 3)] partial class M { const int N = 4; }
            [Gru(M2.N, M2.N << 1, (int)3L, sizeof(int), NumLayers = M2.N / 2)] partial class M2 { internal const int N = 4; }
            """);

        Assert.Empty(run.Diagnostics);
        string lstm = Source(run, "M.g.cs");
        Assert.Contains("public const int HiddenSize = 8;", lstm);
        Assert.Contains("public const int SeqLen = 7;", lstm);
        string gru = Source(run, "M2.g.cs");
        Assert.Contains("public const int HiddenSize = 8;", gru);
        Assert.Contains("public const int OutputSize = 3;", gru);
        Assert.Contains("public const int SeqLen = 4;", gru);
        Assert.Contains("public const int NumLayers = 2;", gru);
    }

    [Fact]
    public void Compile_errors_elsewhere_do_not_stop_generation()
    {
        Run run = GenerateCleanly("""
            using LstmGen;
            [Lstm(5, 8, 2, 7, NumLayers = 2)] public partial class Good { }
            [Gru(5, 8, 2, 7)] public partial class AlsoGood { }
            public class Broken { public int X => UndefinedName; public void Y() { int z = "text"; } }
            """, "CS0103", "CS0029");

        Assert.Empty(run.Diagnostics);
        Assert.Equal(new[] { "AlsoGood.g.cs", "Good.g.cs" }, run.Sources.Select(s => s.HintName).Order());
        Assert.Contains(run.CompilationDiagnostics, d => d.Id == "CS0103");
    }

    [Fact]
    public void Hundred_models_in_one_project()
    {
        var source = new StringBuilder("using LstmGen;\n");
        for (int n = 0; n < 100; n++)
        {
            string attribute = n % 3 == 0 ? $"Gru(1 + {n % 7}, 2 + {n % 5}, 1, 3, NumLayers = {1 + n % 4})" : $"Lstm(1 + {n % 7}, 2 + {n % 5}, 1, 3, NumLayers = {1 + n % 4})";
            source.Append(n % 2 == 0 ? $"namespace N{n % 10} {{ [{attribute}] partial class Model{n} {{ }} }}\n" : $"[{attribute}] partial class Model{n} {{ }}\n");
        }

        Run run = GenerateCleanly(source.ToString());

        Assert.Empty(run.Diagnostics);
        Assert.Equal(100, run.Sources.Count);
        for (int n = 0; n < 100; n++)
            Assert.Single(run.Sources, s => s.HintName == (n % 2 == 0 ? $"N{n % 10}.Model{n}.g.cs" : $"Model{n}.g.cs"));
    }

    [Fact]
    public void Same_name_in_two_namespaces_and_two_kinds()
    {
        // DiagnosticTests has two LSTMs; here an LSTM, a GRU stack and a nested model share the name M.
        Run run = GenerateCleanly("""
            namespace A { [LstmGen.Lstm(1, 2, 1, 1)] public partial class M { } }
            namespace A.B { [LstmGen.Gru(1, 2, 1, 1, NumLayers = 2)] public partial class M { } }
            namespace C { public partial class Outer { [LstmGen.Lstm(1, 2, 1, 1)] public partial class M { } } }
            namespace D { sealed class Use { object[] All => [new A.M(), new A.B.M(), new C.Outer.M()]; } }
            """);

        Assert.Equal(new[] { "A.B.M.g.cs", "A.M.g.cs", "C.Outer.M.g.cs" }, run.Sources.Select(s => s.HintName).Order());
    }

    [Fact]
    public void Classes_named_after_runtime_types_compile()
    {
        // The generated model struct is the class's name + "Model": IRecurrent's is IRecurrentModel, the runtime
        // interface's name, so the interface is named in full.
        GenerateCleanly("""
            using LstmGen;
            [Lstm(2, 3, 1, 4)] partial class IRecurrent { }
            [Gru(2, 3, 1, 4)] partial class Recurrent { }
            [Lstm(2, 3, 1, 4)] partial class Tensor { }
            [Lstm(2, 3, 1, 4)] partial class KernelMath { }
            [Lstm(2, 3, 1, 4)] partial class Readout { }
            """);
    }

    [Fact]
    public void Lower_case_type_names_are_warned_of_only_where_the_user_declares_them()
    {
        // CS8981 (a lower-case type name) in the generated file would fail a build with TreatWarningsAsErrors although
        // the user silenced it at their own declaration.
        Run run = Generate("""
            #pragma warning disable CS8981
            partial class outer { [LstmGen.Lstm(2, 3, 1, 4)] partial class model { } }
            """);

        Assert.Single(run.Sources);
        Assert.DoesNotContain(run.CompilationDiagnostics, d => d.Id == "CS8981");
    }

    [Fact]
    public void Nested_three_deep_in_classes_structs_and_records()
    {
        Run run = GenerateCleanly("""
            using LstmGen;
            namespace Demo;
            public partial class Outer
            {
                internal partial record struct Middle
                {
                    private partial record Inner
                    {
                        [Lstm(2, 3, 1, 4, NumLayers = 2)] internal partial class Model { }
                        [Gru(2, 3, 1, 4)] internal sealed partial record class GruModel;
                    }
                    internal static int Size => Inner.Model.HiddenSize + Inner.GruModel.SeqLen;
                }
                public partial struct Value { public partial class Deep { [Gru(1, 1, 1, 1, NumLayers = 3)] public partial class Model { } } }
            }
            """);

        Assert.Empty(run.Diagnostics);
        string lstm = Source(run, "Demo.Outer.Middle.Inner.Model.g.cs");
        Assert.Contains("partial class Outer", lstm);
        Assert.Contains("partial record struct Middle", lstm);
        Assert.Contains("partial record Inner", lstm);
        Assert.Contains("public const int NumLayers = 2;", lstm);
        Assert.Contains("partial record GruModel", Source(run, "Demo.Outer.Middle.Inner.GruModel.g.cs"));
        Assert.Contains("partial struct Value", Source(run, "Demo.Outer.Value.Deep.Model.g.cs"));
    }

    [Fact]
    public void Model_split_over_two_files()
    {
        Run run = GenerateCleanly(
            ["namespace Demo; [LstmGen.Lstm(5, 8, 2, 7)] public partial class M { }",
             "namespace Demo; public partial class M { public float Run(float[] x) { var y = new float[OutputSize]; Forward(x, y); return y[0]; } }"]);

        Assert.Single(run.Sources);
    }

    [Fact]
    public void Unicode_names()
    {
        Run run = GenerateCleanly("""
            namespace Ünïcode.名前
            {
                public partial class Äußere { [LstmGen.Lstm(1, 2, 1, 1)] public partial class Modèle { } }
                [LstmGen.Gru(1, 2, 1, 1, NumLayers = 2)] public partial class Модель { }
            }
            """);

        Assert.Empty(run.Diagnostics);
        Assert.Equal(new[] { "Ünïcode.名前.Äußere.Modèle.g.cs", "Ünïcode.名前.Модель.g.cs" }, run.Sources.Select(s => s.HintName).Order());
    }

    [Theory]
    [InlineData("namespace @namespace { [LstmGen.Lstm(1, 2, 1, 1)] public partial class M { } }")]
    [InlineData("[LstmGen.Lstm(1, 2, 1, 1)] public partial class @class { }")]
    [InlineData("public partial class @struct { [LstmGen.Gru(1, 2, 1, 1)] public partial class M { } }")]
    [InlineData("namespace N { [LstmGen.Gru(1, 2, 1, 1, NumLayers = 2)] public partial record @event; }")]
    public void Keywords_as_names(string source)
    {
        // Escaped identifiers must stay escaped in the generated code ('partial class class' does not compile)
        // and must not reach the hint name as '@'.
        Run run = GenerateCleanly(source);

        Assert.Empty(run.Diagnostics);
        Assert.Single(run.Sources);
    }

    [Fact]
    public void Model_deriving_from_a_base_with_same_named_members()
    {
        // The generated members would hide the inherited ones (warnings inside generated code): LSTMGEN013 instead.
        Run run = Generate("""
            using LstmGen;
            public class Base { public int HiddenSize => 3; public void Forward(System.ReadOnlySpan<float> input, System.Span<float> output) { } public virtual void ResetState() { } private void Step() { } }
            [Lstm(5, 8, 2, 7)] public partial class M : Base { }
            """);

        Assert.Equal(["Forward", "HiddenSize", "ResetState"],
            run.Diagnostics.Select(d => Assert.IsType<string>(d.Id == "LSTMGEN013" ? d.GetMessage().Split('\'')[3] : null)).Order());
        Assert.Empty(run.Sources);
    }

    // ------------------------------------------------------------------ misuse in odd code

    [Theory]
    [InlineData("LSTMGEN003", "public record Outer { [Lstm(5, 8, 2, 7)] public partial class M { } }", "'Outer' contains the model class 'M'")]
    [InlineData("LSTMGEN003", "public partial class A { public struct B { [Gru(5, 8, 2, 7)] public partial class M { } } }", "'B' contains the model class 'M'")]
    [InlineData("LSTMGEN004", "public partial record struct Outer<T> { [Lstm(5, 8, 2, 7, NumLayers = 2)] public partial class M { } }", "'Outer' is generic")]
    [InlineData("LSTMGEN004", "[Gru(5, 8, 2, 7)] public partial record M<T>(T Value);", "'M' is generic")]
    [InlineData("LSTMGEN001", "[Lstm(5, 8, 2, 7)] public sealed record M(int A);", "'M' must be declared 'partial'")]
    [InlineData("LSTMGEN002", "[Lstm(seqLen: 0, outputSize: 2, hiddenSize: 8, inputSize: 5)] public partial class M { }", "seqLen must be between 1 and 65536; got 0")]
    [InlineData("LSTMGEN002", "[Gru(5, N * N * N, 2, 7)] public partial class M { const int N = 11; }", "hiddenSize must be between 1 and 1024; got 1331")]
    [InlineData("LSTMGEN002", "[Lstm(5, 8, 2, 7, NumLayers = -1)] public partial record M;", "NumLayers must be between 1 and 16; got -1")]
    [InlineData("LSTMGEN006", "[Gru(5, 8, 2, 7)] public partial record M { public int SeqLen { get; init; } }", "'M' already declares 'SeqLen'")]
    [InlineData("LSTMGEN006", "[Lstm(5, 8, 2, 7, NumLayers = 2)] public partial class M { public class Forward { } }", "'M' already declares 'Forward'")]
    [InlineData("LSTMGEN007", "[Lstm(5, 8, 2, 7, FcPrefix = null)] public partial class M { }", "FcPrefix must not be null")]
    [InlineData("LSTMGEN009", "[Gru(5, 8, 2, 7)] file sealed partial record M;", "'M' is file-local")]
    public void Misuse_in_odd_code_is_reported(string id, string declaration, string message)
    {
        Run run = Generate("using LstmGen;\n" + declaration);

        Assert.DoesNotContain(run.Diagnostics, d => d.Id == "CS8785");
        Diagnostic diagnostic = Assert.Single(run.Diagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(message, diagnostic.GetMessage());
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void Attribute_on_two_parts_of_one_class_does_not_crash()
    {
        // The compiler reports the repeated attribute (CS0579); the generator must still produce one file, not two.
        Run run = GenerateCleanly(
            ["[LstmGen.Lstm(5, 8, 2, 7)] public partial class M { }", "[LstmGen.Lstm(5, 8, 2, 7)] public partial class M { }"], "CS0579");

        Assert.Single(run.Sources);
    }

    [Fact]
    public void Lstm_and_Gru_on_two_parts_of_one_class_are_reported()
    {
        Run run = GenerateCleanly(
            ["[LstmGen.Lstm(5, 8, 2, 7)] public partial class M { }", "[LstmGen.Gru(5, 8, 2, 7)] public partial class M { }"]);

        Assert.Equal("LSTMGEN010", Assert.Single(run.Diagnostics).Id);
        Assert.Single(run.Sources);
    }
}
