using System.Linq;
using System.Reflection;
using LstmGen.Generator;
using LstmGen.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>
/// Each misuse of [Lstm] gets its LSTMGEN diagnostic at the attribute, and no code is generated. Misuse in source is
/// LstmAnalyzer's to report, the weights file's (EmbeddedWeightsTests) the generator's; no id is reported by both.
/// </summary>
public class DiagnosticTests
{
    [Theory]
    [InlineData("LSTMGEN001", "[Lstm(5, 8, 2, 7)] public class M { }", "'M' must be declared 'partial'")]
    [InlineData("LSTMGEN002", "[Lstm(0, 8, 2, 7)] public partial class M { }", "inputSize must be between 1 and 4096; got 0")]
    [InlineData("LSTMGEN002", "[Lstm(5, 1025, 2, 7)] public partial class M { }", "hiddenSize must be between 1 and 1024; got 1025")]
    [InlineData("LSTMGEN002", "[Lstm(5, 8, -2, 7)] public partial class M { }", "outputSize must be between 0 and 4096; got -2")]
    [InlineData("LSTMGEN002", "[Lstm(5, 8, 2, 70000)] public partial class M { }", "seqLen must be between 1 and 65536; got 70000")]
    [InlineData("LSTMGEN003", "public class Outer { [Lstm(5, 8, 2, 7)] public partial class M { } }", "'Outer' contains the model class 'M'")]
    [InlineData("LSTMGEN004", "[Lstm(5, 8, 2, 7)] public partial class M<T> { }", "'M' is generic")]
    [InlineData("LSTMGEN004", "public partial class Outer<T> { [Lstm(5, 8, 2, 7)] public partial class M { } }", "'Outer' is generic")]
    [InlineData("LSTMGEN005", "[Lstm(5, 8, 2, 7)] public static partial class M { }", "'M' is static")]
    [InlineData("LSTMGEN006", "[Lstm(5, 8, 2, 7)] public partial class M { public void Forward() { } }", "'M' already declares 'Forward'")]
    [InlineData("LSTMGEN006", "[Lstm(5, 8, 2, 7)] public partial class M { public const int HiddenSize = 8; }", "'M' already declares 'HiddenSize'")]
    [InlineData("LSTMGEN007", "[Lstm(5, 8, 2, 7, LstmPrefix = null)] public partial class M { }", "LstmPrefix must not be null")]
    [InlineData("LSTMGEN009", "[Lstm(5, 8, 2, 7)] file partial class M { }", "'M' is file-local")]
    [InlineData("LSTMGEN014", "[Lstm(5, 8, 2, 7, Readout = (Readout)7)] public partial class M { }", "Readout must be Readout.LastStep, Readout.FinalState or Readout.EveryStep; got 7")]
    [InlineData("LSTMGEN015", "[Lstm(5, 8, 2, 7, ProjSize = 8)] public partial class M { }", "ProjSize must be 0 (no projection) or between 1 and HiddenSize − 1 = 7 (PyTorch requires proj_size < hidden_size); got 8 with HiddenSize 8")]
    [InlineData("LSTMGEN015", "[Lstm(5, 8, 2, 7, ProjSize = -1)] public partial class M { }", "got -1 with HiddenSize 8")]
    [InlineData("LSTMGEN002", "[Lstm(5, 8, 2, 7, NumLayers = 0)] public partial class M { }", "NumLayers must be between 1 and 16; got 0")]
    [InlineData("LSTMGEN002", "[Gru(5, 8, 2, 7, NumLayers = 17)] public partial class M { }", "NumLayers must be between 1 and 16; got 17")]
    [InlineData("LSTMGEN001", "[Gru(5, 8, 2, 7)] public class M { }", "'M' must be declared 'partial'")]
    [InlineData("LSTMGEN007", "[Gru(5, 8, 2, 7, GruPrefix = null)] public partial class M { }", "GruPrefix must not be null")]
    [InlineData("LSTMGEN006", "[Gru(5, 8, 2, 7)] public partial class M { public void Step() { } }", "'M' already declares 'Step'")]
    [InlineData("LSTMGEN022", "[Lstm(5, 8, 2, 7)] public partial class Step { }", "'Step' is the name of a member LstmGen generates")]
    [InlineData("LSTMGEN022", "public partial class Outer { [Gru(5, 8, 2, 7, Bidirectional = true)] public partial class Forward { } }", "'Forward' is the name of a member")]
    [InlineData("LSTMGEN016", "[Gru(5, 8, 2, 7, ProjSize = 4)] public partial class M { }", "'M' sets ProjSize on [Gru], but PyTorch's nn.GRU has no proj_size (only nn.LSTM does); remove ProjSize, or for an nn.LSTM(..., proj_size=P) declare [Lstm(..., ProjSize = P)]")]
    [InlineData("LSTMGEN017", "[Lstm(16, 64, 4, 50, WeightPrecision = (WeightPrecision)7)] public partial class M { }", "WeightPrecision must be WeightPrecision.Float32 or WeightPrecision.BFloat16; got 7")]
    [InlineData("LSTMGEN018", "[Lstm(5, 8, 2, 7, WeightPrecision = WeightPrecision.BFloat16)] public partial class M { }", "'M' stores its weights as bfloat16, but packed as floats they take 1.8 KB and fit the 32 KB L1 cache")]
    [InlineData("LSTMGEN018", "[Gru(8, 32, 4, 50, WeightPrecision = WeightPrecision.BFloat16)] public partial class M { }", "packed as floats they take 20.5 KB")]
    public void Misuse_is_reported_at_the_attribute(string id, string declaration, string message)
    {
        string source = "using LstmGen;\n" + declaration;
        GeneratorHarness.Result result = GeneratorHarness.Run(source);

        Assert.Empty(result.GeneratorDiagnostics);
        Diagnostic diagnostic = Assert.Single(result.AnalyzerDiagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(message, diagnostic.GetMessage());
        Assert.Equal("User.cs", diagnostic.Location.GetLineSpan().Path);
        string attributeText = source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
        Assert.Matches(@"^(Lstm|Gru)\(", attributeText);
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void A_class_with_both_attributes_is_reported()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("using LstmGen;\n[Lstm(5, 8, 2, 7)] [Gru(5, 8, 2, 7)] public partial class M { }");

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("LSTMGEN010", diagnostic.Id);
        Assert.Contains("both [Lstm] and [Gru]", diagnostic.GetMessage());
        Assert.Single(result.Sources); // the [Lstm] model, so the rest of the project still compiles
    }

    // nn.GRU refuses proj_size whatever its value, so any ProjSize on [Gru] is the one error: LSTMGEN016, not the
    // range check of LSTMGEN015 nor the compiler's unknown member; and the class gets no code.
    [Theory]
    [InlineData("ProjSize = 4")]
    [InlineData("ProjSize = 0")]
    [InlineData("ProjSize = 8")]
    [InlineData("ProjSize = -1, Bidirectional = true")]
    public void ProjSize_on_a_gru_is_only_LSTMGEN016(string arguments)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($"using LstmGen;\n[Gru(5, 8, 2, 7, {arguments})] public partial class M {{ }}");

        Assert.Equal("LSTMGEN016", Assert.Single(result.Diagnostics).Id);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Empty(result.Sources);
    }

    // An unrelated problem does not hide LSTMGEN018: a class that is not partial and refuses bfloat16 hears of both.
    [Fact]
    public void Bfloat16_on_small_weights_is_reported_beside_other_problems()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("using LstmGen;\n[Lstm(5, 8, 2, 7, WeightPrecision = WeightPrecision.BFloat16)] public class M { }");

        Assert.Equal(["LSTMGEN001", "LSTMGEN018"], result.AnalyzerDiagnostics.Select(d => d.Id).Order());
        Assert.Empty(result.Sources);
    }

    [Fact]
    public void Every_id_has_one_descriptor_and_one_reporter()
    {
        string[] ids = typeof(LstmGenerator).Assembly.GetType("LstmGen.Generator.DiagnosticDescriptors")!
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => ((DiagnosticDescriptor)field.GetValue(null)!).Id)
            .ToArray();
        string[] analyzerIds = new LstmAnalyzer().SupportedDiagnostics.Select(descriptor => descriptor.Id).ToArray();

        Assert.Equal(ids.Length, ids.Distinct().Count());
        // The generator keeps the two about the weights file, which it reads (EmbeddedWeightsTests).
        Assert.Equal(ids.Order(), analyzerIds.Append("LSTMGEN011").Append("LSTMGEN012").Order());
    }

    [Fact]
    public void A_model_deriving_from_a_model_is_reported()
    {
        // Both would declare the generated members; the derived one's would hide the base's (CS0108 in generated code).
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            using LstmGen;
            [Lstm(5, 8, 2, 7)] public partial class A { }
            public class Plain : A { }
            [Lstm(5, 8, 2, 7)] public partial class B : Plain { }
            """);

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("LSTMGEN019", diagnostic.Id);
        Assert.Contains("'B' derives from the model class 'A'", diagnostic.GetMessage());
        Assert.Equal("A.g.cs", Assert.Single(result.Sources).HintName);
    }

    [Fact]
    public void Streaming_a_bidirectional_model_is_explained_beside_the_compilers_error()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            using LstmGen;
            [Lstm(5, 8, 2, 7, Bidirectional = true)] public partial class Bi { }
            [Gru(5, 8, 2, 7)] public partial class Uni { }
            [Gru(5, 8, 2, 7, Bidirectional = true)] public partial class BiGru { }
            public static class Use
            {
                public static void Run(Bi bi, Uni uni, BiGru biGru, float[] x, float[] y)
                {
                    bi.Step(x, y);
                    bi.ResetState();
                    bi?.SetState(x, y);
                    bi.GetState(1); // the user's own extension: theirs to call
                    biGru.GetState(x);
                    uni.Step(x, y);
                }

                public static void GetState(this Bi bi, int layer) { }
            }
            """);

        Assert.Equal(
            [
                "LSTMGEN021: 'Bi' is bidirectional, so it has no Step: its backward direction runs each sequence from the last step, which a stream has not seen yet; pass whole sequences to Forward, or stream with a unidirectional model",
                "LSTMGEN021: 'Bi' is bidirectional, so it has no ResetState: its backward direction runs each sequence from the last step, which a stream has not seen yet; pass whole sequences to Forward, or stream with a unidirectional model",
                "LSTMGEN021: 'Bi' is bidirectional, so it has no SetState: its backward direction runs each sequence from the last step, which a stream has not seen yet; pass whole sequences to Forward, or stream with a unidirectional model",
                "LSTMGEN021: 'BiGru' is bidirectional, so it has no GetState: its backward direction runs each sequence from the last step, which a stream has not seen yet; pass whole sequences to Forward, or stream with a unidirectional model",
            ],
            result.Diagnostics.Select(diagnostic => $"{diagnostic.Id}: {diagnostic.GetMessage()}"));
        // BiGru.GetState: CS1929, as the user's extension on Bi is the compiler's best candidate.
        Assert.Equal(["CS1061", "CS1061", "CS1061", "CS1929"], result.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id));
        Assert.Equal(3, result.Sources.Length);
    }

    [Fact]
    public void A_hidden_size_out_of_range_is_not_reported_again_through_ProjSize()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("[LstmGen.Lstm(5, -3, 2, 7, ProjSize = 2)] public partial class M { }");

        Assert.Equal("LSTMGEN002", Assert.Single(result.Diagnostics).Id);
    }

    [Theory]
    [InlineData("LstmPrefix = \"rnn\"", "LstmPrefix = \"rnn\" does not end with '.', so the keys read are 'rnnweight_ih_l0', …; PyTorch's keys separate a module's name with '.': did you mean \"rnn.\"?")]
    [InlineData("FcPrefix = \"head\"", "FcPrefix = \"head\" does not end with '.', so the keys read are 'headweight', …")]
    public void A_prefix_without_a_dot_is_a_warning_and_the_model_is_generated(string property, string message)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($"[LstmGen.Lstm(5, 8, 2, 7, {property})] public partial class M {{ }}");

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(("LSTMGEN020", DiagnosticSeverity.Warning), (diagnostic.Id, diagnostic.Severity));
        Assert.Equal(message, diagnostic.GetMessage()[..message.Length]);
        Assert.Single(result.Sources);
    }

    [Fact]
    public void Empty_and_dotted_prefixes_get_no_warning()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            [LstmGen.Lstm(5, 8, 0, 7, LstmPrefix = "")] public partial class A { }
            [LstmGen.Gru(5, 8, 2, 7, GruPrefix = "encoder.rnn.", FcPrefix = "")] public partial class B { }
            """);

        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void A_file_local_containing_type_is_reported_with_its_declaration_to_fix()
    {
        // The generated members go into a partial declaration of the containing type in another file, which would be
        // a second type beside the file-local one.
        const string source = "file partial class Outer { [LstmGen.Lstm(5, 8, 2, 7)] internal partial class M { } }";
        GeneratorHarness.Result result = GeneratorHarness.Run(source);

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("LSTMGEN009", diagnostic.Id);
        Assert.Contains("'Outer' is file-local", diagnostic.GetMessage());
        // Reported at the attribute, as every LSTMGEN id; the code fix removes 'file' where the additional location points.
        Location declaration = Assert.Single(diagnostic.AdditionalLocations);
        Assert.Equal("Outer", source.Substring(declaration.SourceSpan.Start, declaration.SourceSpan.Length));
        Assert.Empty(result.Sources);
    }

    [Theory]
    [InlineData("namespace Acme.Audio { [LstmGen.Lstm(5, 8, 2, 7)] partial class Net { } } namespace Acme.audio { [LstmGen.Lstm(5, 8, 2, 7)] partial class Net { } }")]
    [InlineData("#pragma warning disable CS8981\n[LstmGen.Lstm(5, 8, 2, 7)] partial class Model { } [LstmGen.Gru(5, 8, 2, 7)] partial class model { }")]
    public void Models_whose_names_differ_only_in_case_get_two_files(string source)
    {
        // Roslyn compares the names of generated files ignoring case; before, the second file failed the generator.
        GeneratorHarness.Result result = GeneratorHarness.Run(source);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Equal(2, result.Sources.Length);
        Assert.All(result.Sources, s => Assert.Matches(@"\.[0-9a-f]{8}\.g\.cs$", s.HintName));
    }

    [Fact]
    public void Models_whose_full_names_coincide_get_two_files()
    {
        // C nested in class A.B, and C in namespace A.B: the user's code is in error (CS0101), the generator is not.
        GeneratorHarness.Result result = GeneratorHarness.Run(
            "namespace A { public partial class B { [LstmGen.Lstm(5, 8, 2, 7)] public partial class C { } } } namespace A.B { [LstmGen.Gru(5, 8, 2, 7)] public partial class C { } }");

        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.Sources.Select(s => s.HintName).Distinct().Count());
        Assert.All(result.Sources, s => Assert.Matches(@"^A\.B\.C\.[0-9a-f]{8}\.g\.cs$", s.HintName));
    }

    [Fact]
    public void A_bidirectional_model_may_declare_the_streaming_members_it_lacks()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            public class Base { public void ResetState() { } }
            [LstmGen.Lstm(5, 8, 2, 7, Bidirectional = true)]
            public partial class M : Base { public void Step(float[] sample) { } private int _streamState = 1; public int State => _streamState; }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Single(result.Sources);
    }

    [Fact]
    public void Misuse_in_a_file_marked_generated_is_reported()
    {
        // Roslyn skips such files unless an analyzer asks for them; the generator sees them like any other.
        GeneratorHarness.Result result = GeneratorHarness.Run("// <auto-generated/>\n[LstmGen.Lstm(5, 8, 2, 7)] public class M { }");

        Assert.Equal("LSTMGEN001", Assert.Single(result.Diagnostics).Id);
    }

    [Fact]
    public void Old_language_version_is_reported()
    {
        var csharp10 = new CSharpParseOptions(LanguageVersion.CSharp10);
        GeneratorHarness.Result result = GeneratorHarness.Run("[LstmGen.Lstm(5, 8, 2, 7)] public partial class M { }", csharp10);

        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("LSTMGEN008", diagnostic.Id);
        Assert.Contains("C# 11 or later", diagnostic.GetMessage());
    }

    [Fact]
    public void The_generated_code_compiles_as_CSharp_11_the_oldest_version_taken()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            using LstmGen;
            [Lstm(5, 8, 2, 7)] public partial class Seed { }
            [Lstm(16, 64, 0, 50, NumLayers = 2, Bidirectional = true, ProjSize = 32, Readout = Readout.EveryStep)] public partial class Options { }
            [Gru(3, 20, 4, 9, Bias = false, BatchFirst = false, Readout = Readout.FinalState)] public partial class TimeMajorGru { }
            [Lstm(64, 256, 10, 100, WeightPrecision = WeightPrecision.BFloat16)] public partial class Large { }
            namespace Outer { public partial class Container { [Lstm(1, 40, 1, 100)] public partial record Audio; } }
            """, new CSharpParseOptions(LanguageVersion.CSharp11));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        Assert.Equal(5, result.Sources.Length);
    }

    [Theory]
    [InlineData("[Lstm(5, 8, 2)] public partial class M { }")]
    [InlineData("[Lstm(\"5\", 8, 2, 7)] public partial class M { }")]
    [InlineData("[Lstm(5, 8, 2, 7, Unknown = 1)] public partial class M { }")]
    [InlineData("[Lstm(5, 8, 2, 7)] public partial class M { void Broken( }")]
    [InlineData("[Lstm(int.MaxValue, int.MinValue, 2, 7)] public partial class M { }")]
    public void Broken_code_never_crashes_the_generator(string declaration)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("using LstmGen;\n" + declaration);

        // A generator exception surfaces as warning CS8785, an analyzer's as AD0001; everything else is the
        // compiler's own report or ours.
        Assert.DoesNotContain(result.Diagnostics, d => d.Id is "CS8785" or "AD0001");
        Assert.All(result.Diagnostics, d => Assert.StartsWith("LSTMGEN", d.Id));
    }

    [Fact]
    public void Constant_expressions_are_accepted_as_sizes()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            using LstmGen;
            static class Sizes { public const int N = 4; }
            [Lstm(Sizes.N, 2 * Sizes.N, seqLen: 3, outputSize: 1)] public partial class M { }
            """);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics);
        string source = result.Sources.Single().SourceText.ToString();
        Assert.Contains("public const int InputSize = 4;", source);
        Assert.Contains("public const int HiddenSize = 8;", source);
        Assert.Contains("public const int OutputSize = 1;", source);
        Assert.Contains("public const int SeqLen = 3;", source);
    }

    [Fact]
    public void Same_class_name_in_two_namespaces_gets_two_files()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            namespace A { [LstmGen.Lstm(1, 2, 1, 1)] public partial class M { } }
            namespace B { [LstmGen.Lstm(1, 2, 1, 1)] public partial class M { } }
            """);

        Assert.Empty(result.CompilationDiagnostics);
        Assert.Equal(new[] { "A.M.g.cs", "B.M.g.cs" }, result.Sources.Select(s => s.HintName).OrderBy(n => n));
    }
}
