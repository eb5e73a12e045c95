namespace LstmGen.Generator;

/// <summary>Names of the pipeline stages, so tests can check what was cached.</summary>
public static class TrackingNames
{
    /// <summary>Attribute → parse result (spec and diagnostics).</summary>
    public const string Parse = nameof(Parse);

    /// <summary>The weights files of the project (LstmGenWeights items), compared by name and checksum.</summary>
    public const string WeightsFiles = nameof(WeightsFiles);

    /// <summary>The full names of every valid model, to tell apart generated files whose names differ only in case.</summary>
    public const string ModelNames = nameof(ModelNames);

    /// <summary>The parse result's spec and the weights files → the model's weights file checked (no location, no content).</summary>
    public const string Resolve = nameof(Resolve);

    /// <summary>A check that passed → the spec and its weights file's resource (name, format, size): what is printed.</summary>
    public const string Emit = nameof(Emit);

    /// <summary>Checks that found a problem and the parse results' locations → the diagnostics to report.</summary>
    public const string Diagnostics = nameof(Diagnostics);
}
