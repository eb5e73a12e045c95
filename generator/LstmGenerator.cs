using System;
using System.Collections.Immutable;
using System.Linq;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;
using LstmGen.Generator.CompiledWeights;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generator;

/// <summary>
/// Generates a specialized forward pass into every <c>partial</c> class marked <c>[LstmGen.Lstm]</c> or <c>[LstmGen.Gru]</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class LstmGenerator : IIncrementalGenerator
{
    internal const string LstmAttributeName = "LstmGen.LstmAttribute";
    internal const string GruAttributeName = "LstmGen.GruAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // The safetensors files a model may compile in (LstmGenWeights items, passed on by LstmGen.targets).
        IncrementalValueProvider<EquatableArray<WeightsFile>> weightsFiles = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, cancellationToken) => WeightsFile.From(pair.Left, pair.Right, cancellationToken))
            .Where(static file => file is not null)
            .Collect()
            .Select(static (files, _) => new EquatableArray<WeightsFile>(files!))
            .WithTrackingName(TrackingNames.WeightsFiles);

        IncrementalValuesProvider<ParseResult> lstms = Parse(context, LstmAttributeName, CellKind.Lstm);
        IncrementalValuesProvider<ParseResult> grus = Parse(context, GruAttributeName, CellKind.Gru);

        // Every model's full name: Roslyn compares the names of generated files ignoring case, so two models whose names
        // differ only in case need more than their names to tell their files apart.
        IncrementalValueProvider<EquatableArray<string>> modelNames = FullNames(lstms)
            .Combine(FullNames(grus))
            .Select(static (pair, _) => new EquatableArray<string>(pair.Left.Concat(pair.Right).OrderBy(name => name, StringComparer.Ordinal)))
            .WithTrackingName(TrackingNames.ModelNames);

        Register(context, lstms, weightsFiles, modelNames);
        Register(context, grus, weightsFiles, modelNames);
    }

    // 1. Find the classes carrying the attribute and turn each valid one into a value-equatable spec (LstmAnalyzer
    //    reports the invalid ones). Nothing from Roslyn (symbols, syntax, locations) leaves this step, so later stages cache.
    private static IncrementalValuesProvider<ParseResult> Parse(IncrementalGeneratorInitializationContext context, string attributeName, CellKind cell) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attributeName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: (context, cancellationToken) => Parser.Parse(context, cell, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

    private static IncrementalValueProvider<ImmutableArray<string>> FullNames(IncrementalValuesProvider<ParseResult> parsed) =>
        parsed.Where(static result => result.Spec is not null).Select(static (result, _) => result.Spec!.FullName).Collect();

    private static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ParseResult> parsed,
        IncrementalValueProvider<EquatableArray<WeightsFile>> weightsFiles, IncrementalValueProvider<EquatableArray<string>> modelNames)
    {
        // 2. Models with Weights = "…": find the file among the weights files and check it fits. A missing or unfit file
        //    is reported (LSTMGEN011, 012): the check reads the file, which is the generator's input. The spec alone goes
        //    in, without the attribute's location, so an edit that only moves the class does not check the file again.
        IncrementalValuesProvider<WeightsCheck> checks = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .Combine(weightsFiles)
            .Select(static (pair, _) => EmbeddedWeights.Resolve(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Resolve);

        // 3. The models that pass drive the source: the spec and, for a compiled-in file, the manifest resource the
        //    generated code reads it from, values only (no locations, no file content). Edits elsewhere leave them
        //    unchanged, and so does a new version of the file that has the same format and size: the compiler embeds
        //    its bytes, and nothing is printed again.
        IncrementalValuesProvider<ModelSource> sources = checks
            .Where(static check => check.Problem is null)
            .Combine(modelNames)
            .Select(static (pair, _) => new ModelSource(pair.Left.Spec, pair.Left.Resource, pair.Left.Spec.HintName(pair.Right)))
            .WithTrackingName(TrackingNames.Emit);

        // 4. The weights files' diagnostics go out on their own, because their locations move with unrelated edits: each
        //    problem meets the parse results, which hold the attributes' locations, only here.
        IncrementalValuesProvider<DiagnosticInfo> diagnostics = checks
            .Where(static check => check.Problem is not null)
            .Combine(parsed.Collect())
            .Select(static (pair, _) => pair.Left.ToDiagnosticInfo(
                pair.Right.FirstOrDefault(result => Equals(result.Spec, pair.Left.Spec))?.Location))
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(sources, static (context, source) =>
            context.AddSource(source.HintName, Emitter.Emit(source.Spec, source.Weights)));
        context.RegisterSourceOutput(diagnostics, static (context, diagnostic) =>
            context.ReportDiagnostic(diagnostic.ToDiagnostic()));
    }
}
