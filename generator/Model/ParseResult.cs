using LstmGen.Generator.Helpers;

namespace LstmGen.Generator.Model;

/// <summary>
/// The outcome of parsing one <c>[Lstm]</c> or <c>[Gru]</c> class: a spec when it can be generated, diagnostics,
/// and the attribute's location for diagnostics found later (about its weights file).
/// </summary>
internal sealed record ParseResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? Location);
