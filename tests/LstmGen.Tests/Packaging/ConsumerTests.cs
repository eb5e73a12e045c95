using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using LstmGen.Tests.Parity;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Packaging;

/// <summary>
/// What a user does: pack LstmGen, create a fresh console project outside the repository that references only the
/// package (from a local folder), annotate partial classes, build, run, and compare with libtorch's golden output;
/// and let dotnet format fix the classes that are not yet partial.
/// </summary>
[Collection(Commands.BuildCollection)]
public class ConsumerTests : IClassFixture<PackedPackage>
{
    private const string Program = """
        using System;
        using LstmGen;

        // The generated members must not make a CLS-compliant assembly warn (CS3001), which TreatWarningsAsErrors fails.
        [assembly: CLSCompliant(true)]

        var io = SafetensorsFile.Load("seed.io.safetensors");
        float[] expected = io.ReadFloats("y");

        var loaded = new SeedLstm();
        loaded.LoadSafetensors("seed.weights.safetensors");
        Console.WriteLine($"loaded: {Error(loaded.Forward(io.ReadTensor("x")).AsSpan(), expected):E2}");

        var embedded = new EmbeddedLstm(); // weights compiled in through the package's build targets
        Console.WriteLine($"embedded: {Error(embedded.Forward(io.ReadTensor("x")).AsSpan(), expected):E2}");
        Console.WriteLine($"odd name: {Error(new OddlyNamedLstm().Forward(io.ReadTensor("x")).AsSpan(), expected):E2}");
        Console.WriteLine($"parent folder: {Error(new ParentFolderLstm().Forward(io.ReadTensor("x")).AsSpan(), expected):E2}");
        Console.WriteLine($"legacy: {Error(new LegacyLstm().Forward(io.ReadTensor("x")).AsSpan(), expected):E2}");

        // The same batch time-major, [T, batch, I], for a model declared with PyTorch's default batch_first=False.
        Tensor x = io.ReadTensor("x");
        var timeMajor = new float[x.Length];
        for (int b = 0; b < 3; b++)
            for (int t = 0; t < 7; t++)
                x.AsSpan().Slice((b * 7 + t) * 5, 5).CopyTo(timeMajor.AsSpan((t * 3 + b) * 5));
        Console.WriteLine($"time-major: {Error(new TimeMajorLstm().Forward(new Tensor(timeMajor, [7, 3, 5])).AsSpan(), expected):E2}");

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

        // A folder, spaces, punctuation, a letter beyond ASCII, and what looks like a culture (".de"): the resource's name
        // is the item's as written, and the file is no satellite resource.
        [Lstm(5, 8, 2, 7, Weights = "weights dir/bob's seed, v1 (ü).de.safetensors")]
        public partial class OddlyNamedLstm;

        // Outside the project's folder: the copy the generator reads stays in obj/.
        [Lstm(5, 8, 2, 7, Weights = "../shared weights/seed.weights.safetensors")]
        public partial class ParentFolderLstm;

        // torch.save's format before PyTorch 1.6.
        [Lstm(5, 8, 2, 7, Weights = "seed.legacy.pt")]
        public partial class LegacyLstm;

        // The same compiled-in file as EmbeddedLstm's.
        [Lstm(5, 8, 2, 7, BatchFirst = false, Weights = "seed.weights.safetensors")]
        public partial class TimeMajorLstm;
        """;

    private readonly PackedPackage _package;

    public ConsumerTests(PackedPackage package) => _package = package;

    [Fact]
    public void A_fresh_project_using_the_package_matches_libtorch()
    {
        string repository = Commands.RepositoryRoot();
        AssertMetadata(_package.Package, repository);

        string app = _package.CreateProjectFolder("app");
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LstmGen" Version="{_package.Version}" />
                <LstmGenWeights Include="seed.weights.safetensors" />
                <LstmGenWeights Include="weights dir\bob's seed, v1 (ü).de.safetensors" />
                <LstmGenWeights Include="../shared weights/seed.weights.safetensors" />
                <LstmGenWeights Include="seed.legacy.pt" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program);
        foreach (string file in new[] { "seed.weights.safetensors", "seed.io.safetensors" })
            File.Copy(GoldenParity.GoldenPath(file), Path.Combine(app, file));
        File.Copy(GoldenParity.GoldenPath(Path.Combine("pt", "seed.legacy.pt")), Path.Combine(app, "seed.legacy.pt"));
        Directory.CreateDirectory(Path.Combine(app, "weights dir"));
        File.Copy(GoldenParity.GoldenPath("seed.weights.safetensors"), Path.Combine(app, "weights dir", "bob's seed, v1 (ü).de.safetensors"));
        string shared = Path.Combine(Path.GetDirectoryName(app)!, "shared weights");
        Directory.CreateDirectory(shared);
        File.Copy(GoldenParity.GoldenPath("seed.weights.safetensors"), Path.Combine(shared, "seed.weights.safetensors"), overwrite: true);

        string output = PackedPackage.Dotnet(app, "run", "-c", "Release");

        Assert.Matches(@"loaded: \d\.\d\dE-0(0[6-9]|[1-9]\d)", output);   // ≤ 1e-5
        Assert.Matches(@"embedded: \d\.\d\dE-0(0[6-9]|[1-9]\d)", output);
        Assert.Matches(@"odd name: \d\.\d\dE-0(0[6-9]|[1-9]\d)", output);
        Assert.Matches(@"time-major: \d\.\d\dE-0(0[6-9]|[1-9]\d)", output);
        Assert.Matches(@"parent folder: \d\.\d\dE-0(0[6-9]|[1-9]\d)", output);
        Assert.Matches(@"legacy: \d\.\d\dE-0(0[6-9]|[1-9]\d)", output);
        // The base64 copies for the generator, "../" included, all stay in obj/Release/net10.0/lstmgen/.
        string copies = Path.Combine(app, "obj", "Release", "net10.0", "lstmgen") + Path.DirectorySeparatorChar;
        string[] written = Directory.GetFiles(Path.GetDirectoryName(app)!, "*.b64", SearchOption.AllDirectories);
        Assert.Equal(4, written.Length);
        Assert.All(written, file => Assert.StartsWith(copies, file));
        Assert.False(Directory.Exists(Path.Combine(app, "bin", "Release", "net10.0", "de")), "The weights became a satellite assembly.");
    }

    [Fact]
    public void Dotnet_format_applies_the_packages_code_fixes()
    {
        // What README's "Diagnostics and fixes" says to run: the package's analyzer finds the misuse, its code fixes
        // (LstmGen.CodeFixes.dll beside the generator) repair it, and the project then builds with the models generated.
        string app = _package.CreateProjectFolder("format");
        File.WriteAllText(Path.Combine(app, "Models.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LstmGen" Version="{_package.Version}" />
              </ItemGroup>
            </Project>
            """);
        string models = Path.Combine(app, "Models.cs");
        const string Unfixed = """
            namespace Demo;

            public class Outer
            {
                [LstmGen.Lstm(5, 8, 2, 7)]
                public class Nested { }
            }

            [LstmGen.Gru(5, 8, 2, 7)]
            public sealed class Plain { }

            public static class Use
            {
                public const int Sizes = Plain.HiddenSize + Outer.Nested.SeqLen;
            }
            """;
        File.WriteAllText(models, Unfixed);

        PackedPackage.Dotnet(app, "format", "analyzers", "--diagnostics", "LSTMGEN001");
        string afterFirst = File.ReadAllText(models);
        Assert.Contains("public partial class Nested", afterFirst);
        Assert.Contains("public sealed partial class Plain", afterFirst);
        Assert.Contains("public class Outer", afterFirst); // LSTMGEN003 was not asked for

        PackedPackage.Dotnet(app, "format", "analyzers", "--diagnostics", "LSTMGEN003");
        Assert.Contains("public partial class Outer", File.ReadAllText(models));
        PackedPackage.Dotnet(app, "build");

        // The README's one command fixes both at once.
        File.WriteAllText(models, Unfixed);
        PackedPackage.Dotnet(app, "format", "analyzers", "--diagnostics", "LSTMGEN001", "LSTMGEN003");
        string fixedAtOnce = File.ReadAllText(models);
        Assert.Contains("public partial class Outer", fixedAtOnce);
        Assert.Contains("public partial class Nested", fixedAtOnce);
        Assert.Contains("public sealed partial class Plain", fixedAtOnce);
        PackedPackage.Dotnet(app, "build");
    }

    [Fact]
    public void A_weights_item_naming_no_file_is_reported_with_its_id()
    {
        string app = _package.CreateProjectFolder("missing");
        File.WriteAllText(Path.Combine(app, "Missing.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LstmGen" Version="{_package.Version}" />
                <LstmGenWeights Include="models/gone.safetensors" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Model.cs"), "[LstmGen.Lstm(5, 8, 2, 7, Weights = \"models/gone.safetensors\")] public partial class Model;");

        (int exitCode, string output) = PackedPackage.TryDotnet(app, "build");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("error LSTMGEN011: <LstmGenWeights Include=\"models/gone.safetensors\" /> names a file that does not exist", output);
        Assert.DoesNotContain("MSB4018", output); // a task that failed with an exception
        Assert.DoesNotContain("error CS", output); // the build stops there: no errors about the copy that is not there
        Assert.DoesNotContain("has no <LstmGenWeights", output);
    }

    /// <summary>What a NuGet user sees of the package: icon, search tags, and release notes taken from CHANGELOG.md.</summary>
    private static void AssertMetadata(string package, string repository)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        XDocument nuspec;
        using (Stream stream = zip.GetEntry("LstmGen.nuspec")!.Open()) nuspec = XDocument.Load(stream);
        XElement metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

        Assert.Equal("MIT", Field("license"));
        Assert.Equal("icon.png", Field("icon"));
        ZipArchiveEntry icon = Assert.Single(zip.Entries, e => e.FullName == "icon.png");
        using (Stream png = icon.Open())
        {
            byte[] signature = new byte[8];
            png.ReadExactly(signature);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, signature);
        }
        string[] tags = Field("tags").Split(' ');
        foreach (string tag in new[] { "lstm", "gru", "rnn", "pytorch", "inference", "simd", "source-generator" })
            Assert.Contains(tag, tags);
        // No public repository yet: no address is invented for one.
        Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "projectUrl");
        Assert.Null(metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "repository")?.Attribute("url"));

        // A prerelease of 0.1.0 carries the notes of CHANGELOG.md's "## 0.1.0" section: its first and last lines.
        string[] section = File.ReadAllText(Path.Combine(repository, "CHANGELOG.md")).Replace("\r", "").Split("\n## ")[1].Split('\n');
        string notes = Field("releaseNotes");
        Assert.StartsWith(section.Skip(1).First(l => l.Length > 0), notes);
        Assert.EndsWith(section.Last(l => l.Length > 0), notes);
    }
}
