using System.IO;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Packaging;

/// <summary>The samples the other tests don't publish run as a user runs them (`dotnet run`), to the end.</summary>
[Collection(Commands.BuildCollection)]
public class SampleTests
{
    [Fact]
    public void The_bidirectional_classifier_matches_pytorchs_scores()
    {
        // The sample exits with 1 when a score is more than 1e-5 from PyTorch's, which fails Commands.Run.
        string output = Commands.Run(Sample("BidirectionalClassifier"), "dotnet", ["run", "-c", "Release"]);
        Assert.Contains("Sequence 2 ( 8 steps)", output);
        Assert.Contains("Max difference from PyTorch", output);
    }

    [Fact]
    public void The_streaming_effect_runs_its_second_of_audio_from_compiled_in_weights()
    {
        string output = Commands.Run(Sample("Streaming"), "dotnet", ["run", "-c", "Release"]);
        Assert.Contains("s of audio at 48000 Hz", output);
        Assert.Contains("Hidden state after the stream: 40 values", output);
    }

    private static string Sample(string name) => Path.Combine(Commands.RepositoryRoot(), "samples", name);
}
