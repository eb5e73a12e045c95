using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using LstmGen.Generator.Helpers;

namespace LstmGen.Generator.Model;

/// <summary>
/// A diagnostic to report, held as plain values: a <see cref="Location"/> would keep the whole
/// compilation alive and defeat caching.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor, LocationInfo.From(location), new EquatableArray<string>(arguments));

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), System.Linq.Enumerable.ToArray<object>(Arguments));
}

/// <summary>A source location as values.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location) =>
        location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}

/// <summary>
/// The outcome of parsing one <c>[Lstm]</c> or <c>[Gru]</c> class: a spec when it can be generated, and the attribute's
/// location for the diagnostics about its weights file, which resolving adds. Misuse in source is LstmAnalyzer's to report.
/// </summary>
internal sealed record ParseResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? Location);
