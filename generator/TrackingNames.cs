namespace LstmGen.Generator;

/// <summary>Names of the pipeline stages, so tests can check what was cached.</summary>
public static class TrackingNames
{
    /// <summary>Attribute → parse result (spec and diagnostics).</summary>
    public const string Parse = nameof(Parse);

    /// <summary>The weights files of the project (LstmGenWeights items), as text.</summary>
    public const string WeightsFiles = nameof(WeightsFiles);

    /// <summary>Parse result and weights files → parse result with the model's weights checked and attached.</summary>
    public const string Resolve = nameof(Resolve);

    /// <summary>Parse result → the model spec that drives emission.</summary>
    public const string Spec = nameof(Spec);

    /// <summary>Parse result → the diagnostics to report.</summary>
    public const string Diagnostics = nameof(Diagnostics);
}
