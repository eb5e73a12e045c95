using System;
using System.Collections.Generic;
using System.IO;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Packaging;

/// <summary>
/// What a user does: pack LstmGen, create a fresh console project outside the repository that references only the
/// package (from a local folder), annotate partial classes, build, run, and compare with libtorch's golden output.
/// </summary>
[Collection(Commands.BuildCollection)]
public class ConsumerTests
{
    private const string Program = """
        using System;
        using LstmGen;

        var io = SafetensorsFile.Load("seed.io.safetensors");
        float[] expected = io.ReadFloats("y");

        var loaded = new SeedLstm();
        loaded.LoadSafetensors("seed.weights.safetensors");
        Console.WriteLine($"loaded: {Error(loaded.Forward(io.ReadTensor("x")).AsSpan(), expected):E2}");

        var embedded = new EmbeddedLstm(); // weights compiled in through the package's build targets
        Console.WriteLine($"embedded: {Error(embedded.Forward(io.ReadTensor("x")).AsSpan(), expected):E2}");

        static float Error(ReadOnlySpan<float> actual, float[] expected)
        {
            float max = 0;
            for (int i = 0; i < expected.Length; i++) max = MathF.Max(max, MathF.Abs(actual[i] - expected[i]));
            return max;
        }

        [Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: 7)]
        public partial class SeedLstm;

        [Lstm(5, 8, 2, 7, Weights = "seed.weights.safetensors")]
        public partial class EmbeddedLstm;
        """;

    [Fact]
    public void A_fresh_project_using_the_package_matches_libtorch()
    {
        string repository = Commands.RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "lstmgen-consumer-" + Guid.NewGuid().ToString("N")[..8]);
        string feed = Path.Combine(work, "feed"), app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        try
        {
            string version = "0.1.0-consumer." + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
            Dotnet(repository, "pack", Path.Combine(repository, "runtime"), "-c", "Release", "-o", feed, $"-p:Version={version}");

            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="LstmGen" Version="{version}" />
                    <LstmGenWeights Include="seed.weights.safetensors" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), Program);
            foreach (string file in new[] { "seed.weights.safetensors", "seed.io.safetensors" })
                File.Copy(GoldenParity.GoldenPath(file), Path.Combine(app, file));

            string output = Dotnet(app, "run", "-c", "Release");

            Assert.Matches(@"loaded: \d\.\d\dE-0(0[6-9]|[1-9]\d)", output);   // ≤ 1e-5
            Assert.Matches(@"embedded: \d\.\d\dE-0(0[6-9]|[1-9]\d)", output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // A private NuGet cache, so the freshly packed version is what restores.
    private static string Dotnet(string directory, params string[] arguments) =>
        Commands.Run(directory, "dotnet", arguments, new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(Path.GetTempPath(), "lstmgen-consumer-nuget"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        });
}
