using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using LstmGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LstmGen.Benchmarks;

/// <summary>
/// The source generator's own cost: a fresh <see cref="CSharpGeneratorDriver"/> running <see cref="LstmGenerator"/> over a
/// pre-built one-class compilation (the compilation is parsed and its references loaded once, in GlobalSetup).
/// </summary>
[BenchmarkCategory("generator")]
public class GeneratorCost
{
    private CSharpCompilation _compilation = null!;

    [Params("seed", "large")] public string Model { get; set; } = "seed";

    [GlobalSetup]
    public void Setup()
    {
        _compilation = GeneratorInput.Compilation(GeneratorInput.Get(Model));
        GeneratorInput.Check(GeneratorInput.Get(Model), Generate());
        // As for the peers (PeerSet.WarmUp): give tiered compilation of Roslyn and the generator its chance first
        // (at least 60 runs and 400 ms, at most 3 s), so that even a short job measures optimized code.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int runs = 0; (runs < 60 || clock.ElapsedMilliseconds < 400) && clock.ElapsedMilliseconds < 3000; runs++)
            Generate();
    }

    [Benchmark]
    public GeneratorDriver Generate() => GeneratorInput.Driver().RunGenerators(_compilation);
}

/// <summary>The attributes the generator benchmark compiles and the size of what it writes for them.</summary>
public static class GeneratorInput
{
    public sealed record Model(string Name, int InputSize, int HiddenSize, int OutputSize, int SeqLen)
    {
        public string Attribute => $"[Lstm({InputSize}, {HiddenSize}, {OutputSize}, {SeqLen})]";
        public string Source => $"using LstmGen;\n\nnamespace User;\n\n{Attribute}\npublic partial class Model {{ }}\n";
    }

    public static readonly Model[] Models = [new("seed", 5, 8, 2, 7), new("large", 64, 256, 10, 100)];

    public static Model Get(string name) => Models.Single(m => m.Name == name);

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    // The framework's assemblies and LstmGen's runtime, as a project referencing the package compiles against.
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path) is var name && (name.StartsWith("System.") || name is "netstandard.dll" or "mscorlib.dll"))
            .Append(typeof(LstmAttribute).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    /// <summary>A fresh driver with a new generator instance, parsing its output like the user's source.</summary>
    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create([new LstmGenerator().AsSourceGenerator()], parseOptions: ParseOptions);

    public static CSharpCompilation Compilation(Model model) =>
        CSharpCompilation.Create(
            "UserProject",
            [CSharpSyntaxTree.ParseText(model.Source, ParseOptions, path: "User.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>Throws unless the run produced source and no diagnostics; returns the generated UTF-8 bytes and files.</summary>
    public static (long Bytes, int Files) Check(Model model, GeneratorDriver driver)
    {
        GeneratorDriverRunResult run = driver.GetRunResult();
        if (run.Diagnostics.Length > 0 || run.Results.Any(r => r.Exception is not null))
        {
            string why = run.Results.Select(r => r.Exception?.Message).FirstOrDefault(m => m != null) ?? run.Diagnostics[0].ToString();
            throw new InvalidOperationException($"VALIDATION FAILED: generator on {model.Attribute}: {why}");
        }
        var sources = run.Results.SelectMany(r => r.GeneratedSources).ToList();
        if (sources.Count == 0)
            throw new InvalidOperationException($"VALIDATION FAILED: generator on {model.Attribute} produced no source.");
        return (sources.Sum(s => (long)Encoding.UTF8.GetByteCount(s.SourceText.ToString())), sources.Count);
    }

    /// <summary>
    /// Runs the generator on every model, checks that its output compiles without errors, and returns the generated
    /// source size (recorded in the report).
    /// </summary>
    public static List<GeneratorFacts> Measure(TextWriter log)
    {
        var facts = new List<GeneratorFacts>();
        foreach (Model model in Models)
        {
            CSharpCompilation input = Compilation(model);
            GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
            (long bytes, int files) = Check(model, driver);
            Diagnostic[] errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            if (errors.Length > 0)
                throw new InvalidOperationException($"VALIDATION FAILED: the generated source for {model.Attribute} does not compile: {errors[0]}");
            facts.Add(new GeneratorFacts(model.Name, model.Attribute, bytes, files));
            log.WriteLine($"  generator {model.Attribute,-24}: {files} file(s), {bytes / 1024.0:F1} KB, compiles without errors  OK");
        }
        return facts;
    }
}
