using System.IO;
using System.Linq;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>The generated code, reviewed like hand-written code: any change shows up as a snapshot diff.</summary>
public class SnapshotTests
{
    [Fact]
    public void Seed_sizes() => Verify("SeedLstm", """
        using LstmGen;

        namespace Demo;

        [Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: 7)]
        public partial class SimpleLstm { }
        """);

    [Fact]
    public void Hidden_size_needing_padding() => Verify("PaddedLstm", """
        namespace Demo
        {
            [LstmGen.Lstm(7, 13, 5, 11)]
            internal sealed partial class OddLstm { }
        }
        """);

    [Fact]
    public void Large_model_keeps_loops() => Verify("LargeLstm", """
        [LstmGen.Lstm(64, 256, 10, 100)]
        public partial class LargeLstm { }
        """);

    [Fact]
    public void Global_namespace() => Verify("GlobalLstm", """
        [LstmGen.Lstm(1, 1, 1, 1)]
        partial class TinyLstm { }
        """);

    [Fact]
    public void Nested_in_partial_types() => Verify("NestedLstm", """
        namespace Demo.Models;

        public static partial class Registry
        {
            internal partial struct Holder
            {
                [LstmGen.Lstm(3, 20, 1, 9, LstmPrefix = "rnn.", FcPrefix = "head.")]
                public partial record AudioLstm;
            }
        }
        """);

    [Fact]
    public void Stacked_lstm() => Verify("StackedLstm", """
        namespace Demo;

        [LstmGen.Lstm(5, 8, 2, 7, NumLayers = 2)]
        public partial class StackedLstm { }
        """);

    [Fact]
    public void Gru() => Verify("SeedGru", """
        namespace Demo;

        [LstmGen.Gru(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: 7)]
        public partial class SimpleGru { }
        """);

    [Fact]
    public void Stacked_gru_with_tiles() => Verify("StackedGru", """
        namespace Demo;

        [LstmGen.Gru(7, 80, 5, 11, NumLayers = 2, GruPrefix = "rnn.")]
        public partial class StackedGru { }
        """);

    [Fact]
    public void Bias_free_gru() => Verify("BiasFreeGru", """
        namespace Demo;

        [LstmGen.Gru(3, 12, 2, 8, NumLayers = 2, Bias = false)]
        public partial class BiasFreeGru { }
        """);

    [Fact]
    public void Headless_lstm_read_out_at_every_step() => Verify("HeadlessTagger", """
        namespace Demo;

        [LstmGen.Lstm(5, 8, 0, 7, Readout = LstmGen.Readout.EveryStep, LstmPrefix = "")]
        public partial class HeadlessTagger { }
        """);

    [Fact]
    public void Bidirectional_gru_classifier_over_final_states() => Verify("BidirectionalGru", """
        namespace Demo;

        [LstmGen.Gru(4, 16, 3, 12, NumLayers = 2, Bidirectional = true, Readout = LstmGen.Readout.FinalState)]
        public partial class BidirectionalGru { }
        """);

    [Fact]
    public void Projected_lstm() => Verify("ProjectedLstm", """
        namespace Demo;

        [LstmGen.Lstm(5, 8, 2, 7, ProjSize = 3)]
        public partial class ProjectedLstm { }
        """);

    // PyTorch's default batch_first=False: batches time-major, [T, batch, …].
    [Fact]
    public void Time_major_tagger() => Verify("TimeMajorTagger", """
        namespace Demo;

        [LstmGen.Lstm(5, 8, 2, 7, BatchFirst = false, Readout = LstmGen.Readout.EveryStep)]
        public partial class TimeMajorTagger { }
        """);

    // A rest tile of halves (H = 136 on Vector512) and layer 0's input part precomputed ahead, both reading bfloat16 pairs.
    [Fact]
    public void Bfloat16_weights() => Verify("BFloat16Lstm", """
        using LstmGen;
        namespace Demo;
        [Lstm(inputSize: 16, hiddenSize: 136, outputSize: 4, seqLen: 20, WeightPrecision = WeightPrecision.BFloat16)]
        public partial class HalfWeightLstm { }
        """);

    [Fact]
    public void Compiled_in_weights() => Verify("CompiledInLstm", """
        namespace Demo;

        [LstmGen.Lstm(5, 8, 2, 7, Weights = "models/seed.safetensors")]
        public partial class CompiledInLstm { }
        """, new GeneratorHarness.WeightsFile("models/seed.safetensors", File.ReadAllBytes(GoldenParity.GoldenPath("seed.weights.safetensors"))));

    // Compiled as a project that generates documentation compiles it: a wrong cref or param in the generated XML docs
    // would warn in users' builds (CS15xx).
    private static void Verify(string name, string source, params GeneratorHarness.WeightsFile[] weights)
    {
        var documented = GeneratorHarness.ParseOptions.WithDocumentationMode(Microsoft.CodeAnalysis.DocumentationMode.Diagnose);
        GeneratorHarness.Result result = GeneratorHarness.Run(source, documented, weights);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(diagnostic => diagnostic.Location.SourceTree?.FilePath != "User.cs"));
        Snapshot.Verify(name, result.Sources.Single().SourceText.ToString());
    }
}
