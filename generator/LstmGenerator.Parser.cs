using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using LstmGen.Generator.Helpers;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generator;

public sealed partial class LstmGenerator
{
    /// <summary>Turns one <c>[Lstm]</c> or <c>[Gru]</c> class into a spec, or into the problems that say why it can't be generated.</summary>
    internal static class Parser
    {
        /// <summary>
        /// A misuse to report at the attribute: its descriptor and message arguments, and for the ones a code fix
        /// repairs, the identifier of the declaration it changes.
        /// </summary>
        internal readonly record struct Problem(DiagnosticDescriptor Descriptor, string[] Arguments, Location? FixTarget);

        // The size limits of LstmGen.RecurrentModelAttribute (Max*), in the order of the attributes' constructor
        // parameters. The generator cannot reference the runtime; ParserFactsTests checks that the copies agree.
        internal static readonly (string Name, int Min, int Max)[] Sizes =
        [
            ("inputSize", 1, 4096),
            ("hiddenSize", 1, 1024),
            ("outputSize", 0, 4096), // 0: no Linear head
            ("seqLen", 1, 65536),
        ];

        internal const int MaxNumLayers = 16;

        // Recurrent weights of at most this many bytes, packed as floats, fit a 32 KB L1 data cache: bfloat16 cannot pay there.
        internal const long BFloat16RefusedUpToBytes = 32 * 1024;

        private static bool SizesInRange(int[] sizes, int numLayers) =>
            Enumerable.Range(0, Sizes.Length).All(i => sizes[i] >= Sizes[i].Min && sizes[i] <= Sizes[i].Max) && numLayers >= 1 && numLayers <= MaxNumLayers;

        // The runtime's default key prefixes (LstmWeights.DefaultLstmPrefix, GruWeights.DefaultGruPrefix,
        // RecurrentWeights.DefaultFcPrefix), which the attributes' properties start with (checked by ParserFactsTests).
        internal const string DefaultLstmPrefix = "lstm.";
        internal const string DefaultGruPrefix = "gru.";
        internal const string DefaultFcPrefix = "fc.";

        /// <summary>The streaming members, which only a unidirectional model has.</summary>
        internal static readonly string[] StreamingMemberNames = ["Step", "ResetState", "GetState", "SetState"];

        // The streaming state's fields, which a bidirectional model lacks with the streaming members.
        private static readonly string[] StreamingFieldNames = ["_streamState", "_streamParity"];

        /// <summary>
        /// The members the generator adds; a class that declares one of them itself can't be generated.
        /// ParserFactsTests checks the lists against the members of generated classes.
        /// </summary>
        internal static readonly string[] GeneratedMemberNames =
        [
            "InputSize", "HiddenSize", "OutputSize", "SeqLen", "NumLayers", "Forward", .. StreamingMemberNames,
            "InitializeWeights", "LoadWeights", "LoadSafetensors", "LoadPyTorch", "_packedWeights", .. StreamingFieldNames,
        ];

        /// <summary>The members the generator adds to a bidirectional model, which cannot stream.</summary>
        internal static readonly string[] BidirectionalMemberNames = [.. GeneratedMemberNames.Except(StreamingMemberNames).Except(StreamingFieldNames)];

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CellKind cell, CancellationToken cancellationToken)
        {
            AttributeData attribute = context.Attributes[0];
            // LstmAnalyzer reports the problems Read finds; here a class with any is just not generated.
            ModelSpec? spec = Read((INamedTypeSymbol)context.TargetSymbol, (TypeDeclarationSyntax)context.TargetNode, attribute, cell,
                context.SemanticModel.Compilation, cancellationToken).Spec;
            Location? location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
            return new ParseResult(spec, LocationInfo.From(location));
        }

        /// <summary>
        /// Checks one application of <c>[Lstm]</c> or <c>[Gru]</c> on the class <paramref name="declaration"/> declares:
        /// the spec when the class can be generated, else the problems that say why. Both are empty when the compiler
        /// reports the misuse itself. The generator and the analyzer share this, so they agree on which classes get code.
        /// </summary>
        public static (ModelSpec? Spec, List<Problem> Problems) Read(INamedTypeSymbol type, TypeDeclarationSyntax declaration,
            AttributeData attribute, CellKind cell, Compilation compilation, CancellationToken cancellationToken)
        {
            var problems = new List<Problem>();
            void Report(DiagnosticDescriptor descriptor, params string[] arguments) =>
                problems.Add(new Problem(descriptor, arguments, FixTarget: null));

            // The compiler reports these itself: an attribute it could not bind (wrong argument count or types), the
            // attribute on a struct (it is for classes), or the attribute repeated on another part of a partial class
            // (only the first is generated, so two parts don't generate the same file).
            ImmutableArray<TypedConstant> arguments = attribute.ConstructorArguments;
            if (attribute.AttributeConstructor is null || arguments.Length != Sizes.Length ||
                arguments.Any(argument => argument.Kind != TypedConstantKind.Primitive || argument.Value is not int) ||
                type.TypeKind != TypeKind.Class || !IsFirstApplication(type, attribute))
            {
                return (null, problems);
            }

            // The fixable problems carry the declaration a code fix changes (LstmGen.CodeFixes).
            string name = type.Name;
            Location identifier = declaration.Identifier.GetLocation();
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                problems.Add(new Problem(DiagnosticDescriptors.ClassNotPartial, [name], identifier));
            if (type.IsStatic)
                problems.Add(new Problem(DiagnosticDescriptors.StaticClass, [name], identifier));
            if (type.TypeParameters.Length > 0)
                Report(DiagnosticDescriptors.GenericType, name);
            if (type.IsFileLocal)
                problems.Add(new Problem(DiagnosticDescriptors.FileLocalClass, [name], identifier));

            var containingTypes = new List<ContainingType>();
            for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                if (outer.TypeParameters.Length > 0)
                    Report(DiagnosticDescriptors.GenericType, outer.Name);
                if (NonPartialDeclaration(outer, cancellationToken) is { } nonPartial)
                    problems.Add(new Problem(DiagnosticDescriptors.ContainingTypeNotPartial, [outer.Name, name], nonPartial.Identifier.GetLocation()));
                // The generated members go into a partial declaration of every containing type in another file, which
                // would declare a second type beside a file-local one.
                if (outer.IsFileLocal && DeclarationWith(outer, SyntaxKind.FileKeyword, cancellationToken) is { } fileLocal)
                    problems.Add(new Problem(DiagnosticDescriptors.FileLocalClass, [outer.Name], fileLocal.Identifier.GetLocation()));
                containingTypes.Insert(0, new ContainingType(Keyword(outer), outer.Name));
            }

            int[] sizes = arguments.Select(argument => (int)argument.Value!).ToArray();
            for (int i = 0; i < Sizes.Length; i++)
            {
                if (sizes[i] < Sizes[i].Min || sizes[i] > Sizes[i].Max)
                    Report(DiagnosticDescriptors.SizeOutOfRange, Sizes[i].Name, Sizes[i].Min.ToString(), Sizes[i].Max.ToString(), sizes[i].ToString());
            }

            int numLayers = NamedArgument(attribute, "NumLayers") is { Value: int layers } ? layers : 1;
            if (numLayers < 1 || numLayers > MaxNumLayers)
                Report(DiagnosticDescriptors.SizeOutOfRange, "NumLayers", "1", MaxNumLayers.ToString(), numLayers.ToString());

            string prefixName = cell == CellKind.Lstm ? "LstmPrefix" : "GruPrefix";
            string? prefix = NamedArgument(attribute, prefixName) is { } named ? named.Value as string : cell == CellKind.Lstm ? DefaultLstmPrefix : DefaultGruPrefix;
            string? fcPrefix = NamedArgument(attribute, "FcPrefix") is { } fc ? fc.Value as string : DefaultFcPrefix;
            if (prefix is null) Report(DiagnosticDescriptors.InvalidPrefix, prefixName);
            if (fcPrefix is null) Report(DiagnosticDescriptors.InvalidPrefix, "FcPrefix");
            if (prefix is { Length: > 0 } && !prefix.EndsWith(".", StringComparison.Ordinal))
                Report(DiagnosticDescriptors.PrefixWithoutDot, prefixName, prefix, "weight_ih_l0");
            if (fcPrefix is { Length: > 0 } && !fcPrefix.EndsWith(".", StringComparison.Ordinal) && sizes[2] > 0)
                Report(DiagnosticDescriptors.PrefixWithoutDot, "FcPrefix", fcPrefix, "weight");

            bool bias = NamedArgument(attribute, "Bias") is not { Value: false };
            bool batchFirst = NamedArgument(attribute, "BatchFirst") is not { Value: false };
            var readout = NamedArgument(attribute, "Readout") is { Value: int value } ? (Readout)value : Readout.LastStep;
            if (readout is < Readout.LastStep or > Readout.EveryStep)
                Report(DiagnosticDescriptors.InvalidReadout, ((int)readout).ToString());

            bool bidirectional = NamedArgument(attribute, "Bidirectional") is { Value: true };
            int projSize = NamedArgument(attribute, "ProjSize") is { Value: int proj } ? proj : 0;
            // GruAttribute.ProjSize exists only to be reported here: a GRU has no projection, so its range is moot.
            if (cell == CellKind.Gru && NamedArgument(attribute, "ProjSize") is not null)
                Report(DiagnosticDescriptors.ProjSizeOnGru, name);
            else if ((projSize < 0 || (projSize > 0 && projSize >= sizes[1])) && sizes[1] >= Sizes[1].Min) // a hiddenSize out of range is reported alone
                Report(DiagnosticDescriptors.ProjSizeOutOfRange, (sizes[1] - 1).ToString(), projSize.ToString(), sizes[1].ToString());

            var precision = NamedArgument(attribute, "WeightPrecision") is { Value: int stored } ? (WeightPrecision)stored : WeightPrecision.Float32;
            if (precision is < WeightPrecision.Float32 or > WeightPrecision.BFloat16)
                Report(DiagnosticDescriptors.InvalidWeightPrecision, ((int)precision).ToString());
            else if (precision == WeightPrecision.BFloat16 && SizesInRange(sizes, numLayers) && projSize >= 0 && projSize < sizes[1])
            {
                long bytes = new ModelSpec(null, default, name, "class", cell, sizes[0], sizes[1], sizes[2], sizes[3], numLayers, "", "", bias, readout,
                    bidirectional, projSize).RecurrentWeightBytes(weightBytes: 4);
                if (bytes <= BFloat16RefusedUpToBytes)
                    Report(DiagnosticDescriptors.BFloat16CannotPay, name, (bytes / 1024.0).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture));
            }

            string? weightsFile = NamedArgument(attribute, "Weights")?.Value as string;
            if (weightsFile is { Length: 0 }) weightsFile = null;

            // A class is one model: with both attributes, the [Lstm] one is generated and [Gru] is reported.
            if (cell == CellKind.Gru && type.GetAttributes().Any(other => other.AttributeClass?.ToDisplayString() == LstmAttributeName))
                Report(DiagnosticDescriptors.TwoModelAttributes, name);

            string[] generatedMembers = bidirectional ? BidirectionalMemberNames : GeneratedMemberNames;
            if (generatedMembers.Contains(type.Name))
                Report(DiagnosticDescriptors.ClassNamedAsMember, name);
            foreach (string member in generatedMembers.Where(member => type.GetMembers(member).Any(IsNotGenerated)))
                Report(DiagnosticDescriptors.MemberConflict, name, member);
            for (INamedTypeSymbol? baseType = type.BaseType; baseType is { SpecialType: not SpecialType.System_Object }; baseType = baseType.BaseType)
            {
                if (IsModel(baseType))
                {
                    Report(DiagnosticDescriptors.ModelDerivesFromModel, name, baseType.Name);
                    break;
                }
                foreach (string member in generatedMembers.Where(member =>
                    baseType.GetMembers(member).Any(symbol => symbol.DeclaredAccessibility != Accessibility.Private && IsNotGenerated(symbol))))
                    Report(DiagnosticDescriptors.InheritedMemberConflict, name, member, baseType.Name);
            }

            // The generated code uses Vector512 (.NET 8) and file-local types (C# 11).
            if (compilation.GetTypeByMetadataName("System.Runtime.Intrinsics.Vector512`1") is null)
                Report(DiagnosticDescriptors.UnsupportedTarget, name, "the project must target .NET 8 or later");
            if (declaration.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: < LanguageVersion.CSharp11 })
                Report(DiagnosticDescriptors.UnsupportedTarget, name, "the project must use C# 11 or later (LangVersion)");

            ModelSpec? spec = problems.Any(problem => problem.Descriptor.DefaultSeverity == DiagnosticSeverity.Error) ? null : new ModelSpec(
                NamespaceOf(type),
                new EquatableArray<ContainingType>(containingTypes),
                name,
                type.IsRecord ? "record" : "class",
                cell,
                sizes[0], sizes[1], sizes[2], sizes[3], numLayers,
                prefix!, fcPrefix!, bias, readout, bidirectional, projSize, weightsFile, precision, batchFirst);
            return (spec, problems);
        }

        // The namespace as unescaped names ("@namespace" is the namespace "namespace"); the emitter escapes them.
        private static string? NamespaceOf(INamedTypeSymbol type)
        {
            var names = new List<string>();
            for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
                names.Insert(0, ns.Name);
            return names.Count == 0 ? null : string.Join(".", names);
        }

        private static bool IsFirstApplication(INamedTypeSymbol type, AttributeData attribute)
        {
            AttributeData first = type.GetAttributes()
                .Where(other => SymbolEqualityComparer.Default.Equals(other.AttributeClass, attribute.AttributeClass))
                .OrderBy(other => other.ApplicationSyntaxReference?.SyntaxTree.FilePath, System.StringComparer.Ordinal)
                .ThenBy(other => other.ApplicationSyntaxReference?.Span.Start)
                .First();
            return first.ApplicationSyntaxReference?.Span == attribute.ApplicationSyntaxReference?.Span
                && first.ApplicationSyntaxReference?.SyntaxTree == attribute.ApplicationSyntaxReference?.SyntaxTree;
        }

        // A declaration of the type without 'partial', or null when every declaration has it.
        private static TypeDeclarationSyntax? NonPartialDeclaration(INamedTypeSymbol type, CancellationToken cancellationToken) =>
            type.DeclaringSyntaxReferences
                .Select(reference => reference.GetSyntax(cancellationToken))
                .OfType<TypeDeclarationSyntax>()
                .FirstOrDefault(declaration => !declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

        // A declaration of the type with the modifier, or null when none has it.
        private static TypeDeclarationSyntax? DeclarationWith(INamedTypeSymbol type, SyntaxKind modifier, CancellationToken cancellationToken) =>
            type.DeclaringSyntaxReferences
                .Select(reference => reference.GetSyntax(cancellationToken))
                .OfType<TypeDeclarationSyntax>()
                .FirstOrDefault(declaration => declaration.Modifiers.Any(modifier));

        private static bool IsModel(INamedTypeSymbol type) =>
            type.GetAttributes().Any(attribute => attribute.AttributeClass?.ToDisplayString() is LstmAttributeName or GruAttributeName);

        // The analyzer sees the compilation with the generated files added; members LstmGen generated there (in files
        // under a folder named after the generator, as Roslyn places them) are not the user's, so they conflict with
        // nothing. The generator itself runs before they exist.
        private static bool IsNotGenerated(ISymbol member) =>
            member.DeclaringSyntaxReferences.IsEmpty ||
            member.DeclaringSyntaxReferences.Any(reference => !IsGeneratorOutput(reference.SyntaxTree.FilePath));

        private static bool IsGeneratorOutput(string path) =>
            System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(path)) == typeof(LstmGenerator).FullName;

        private static string Keyword(INamedTypeSymbol type) => type switch
        {
            { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Interface } => "interface",
            _ => "class",
        };

        // A named argument such as LstmPrefix = "rnn.", or null when it is absent.
        internal static TypedConstant? NamedArgument(AttributeData attribute, string name)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == name)
                    return argument.Value;
            }
            return null;
        }
    }
}
