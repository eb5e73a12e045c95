namespace LstmGen.Generator;

/// <summary>Names of the pipeline stages, so tests can check what was cached.</summary>
public static class TrackingNames
{
    /// <summary>Attribute → parse result (spec and diagnostics).</summary>
    public const string Parse = nameof(Parse);

    /// <summary>Parse result → the model spec that drives emission.</summary>
    public const string Spec = nameof(Spec);

    /// <summary>Parse result → the diagnostics to report.</summary>
    public const string Diagnostics = nameof(Diagnostics);
}
