namespace LstmGen.Generator.Model;

/// <summary>
/// The outcome of parsing one <c>[Lstm]</c> or <c>[Gru]</c> class: a spec when it can be generated, and the attribute's
/// location for the diagnostics about its weights file (LSTMGEN011, 012). Misuse in source is LstmAnalyzer's to report.
/// </summary>
internal sealed record ParseResult(ModelSpec? Spec, LocationInfo? Location);
