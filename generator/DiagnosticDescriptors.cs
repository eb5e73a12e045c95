using Microsoft.CodeAnalysis;

namespace LstmGen.Generator;

/// <summary>
/// Every diagnostic of LstmGen, one descriptor per id: LstmAnalyzer reports those about the source, LstmGenerator those
/// about a compiled-in weights file. Ids are listed in AnalyzerReleases.*.md and the README.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "LstmGen";

    public static readonly DiagnosticDescriptor ClassNotPartial = new DiagnosticDescriptor(
        "LSTMGEN001", "The [Lstm] or [Gru] class must be partial",
        "'{0}' must be declared 'partial' so that LstmGen can add the forward pass to it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SizeOutOfRange = new DiagnosticDescriptor(
        "LSTMGEN002", "Model size out of range",
        "{0} must be between {1} and {2}; got {3}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new DiagnosticDescriptor(
        "LSTMGEN003", "A type containing a model class must be partial",
        "'{0}' contains the model class '{1}' and must also be declared 'partial'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericType = new DiagnosticDescriptor(
        "LSTMGEN004", "Generic types are not supported",
        "'{0}' is generic; LstmGen needs a non-generic class that is not nested in a generic type",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor StaticClass = new DiagnosticDescriptor(
        "LSTMGEN005", "A model class must not be static",
        "'{0}' is static, but a model holds its weights in instance fields; remove 'static'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MemberConflict = new DiagnosticDescriptor(
        "LSTMGEN006", "A member of a model class has a generated name",
        "'{0}' already declares '{1}', which LstmGen generates; rename or remove it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidPrefix = new DiagnosticDescriptor(
        "LSTMGEN007", "Invalid safetensors key prefix",
        "{0} must not be null; use \"\" for keys without a prefix",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedTarget = new DiagnosticDescriptor(
        "LSTMGEN008", "LstmGen needs .NET 8 or later and C# 11 or later",
        "'{0}' cannot be generated: {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor FileLocalClass = new DiagnosticDescriptor(
        "LSTMGEN009", "File-local classes are not supported",
        "'{0}' is file-local; LstmGen generates its members in another file, so declare the class without 'file'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor TwoModelAttributes = new DiagnosticDescriptor(
        "LSTMGEN010", "A class can be only one model",
        "'{0}' carries both [Lstm] and [Gru]; keep one, or declare a class per model",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WeightsFileNotFound = new DiagnosticDescriptor(
        "LSTMGEN011", "Weights file not found",
        "'{0}' compiles in the weights file '{1}', but {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WeightsFileMismatch = new DiagnosticDescriptor(
        "LSTMGEN012", "Weights file does not fit the model",
        "'{1}' cannot be compiled into '{0}': {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InheritedMemberConflict = new DiagnosticDescriptor(
        "LSTMGEN013", "A base class has a member with a generated name",
        "'{0}' inherits '{1}' from '{2}', and the member LstmGen generates would hide it; rename the base class's member",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ModelDerivesFromModel = new DiagnosticDescriptor(
        "LSTMGEN019", "A model class cannot derive from another model class",
        "'{0}' derives from the model class '{1}': both would declare the generated members (Forward, Step, …); derive it from a class without [Lstm] or [Gru], or hold the other model in a field",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor PrefixWithoutDot = new DiagnosticDescriptor(
        "LSTMGEN020", "Key prefix does not end with '.'",
        "{0} = \"{1}\" does not end with '.', so the keys read are '{1}{2}', …; PyTorch's keys separate a module's name with '.': did you mean \"{1}.\"?",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidReadout = new DiagnosticDescriptor(
        "LSTMGEN014", "Unknown readout",
        "Readout must be Readout.LastStep, Readout.FinalState or Readout.EveryStep; got {0}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ProjSizeOutOfRange = new DiagnosticDescriptor(
        "LSTMGEN015", "ProjSize out of range",
        "ProjSize must be 0 (no projection) or between 1 and HiddenSize − 1 = {0} (PyTorch requires proj_size < hidden_size); got {1} with HiddenSize {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    // nn.GRU refuses a proj_size argument of any value ("only supported for LSTM"), and so does [Gru].
    public static readonly DiagnosticDescriptor ProjSizeOnGru = new DiagnosticDescriptor(
        "LSTMGEN016", "ProjSize on [Gru]",
        "'{0}' sets ProjSize on [Gru], but PyTorch's nn.GRU has no proj_size (only nn.LSTM does); remove ProjSize, or for an nn.LSTM(..., proj_size=P) declare [Lstm(..., ProjSize = P)]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidWeightPrecision = new DiagnosticDescriptor(
        "LSTMGEN017", "Unknown weight precision",
        "WeightPrecision must be WeightPrecision.Float32 or WeightPrecision.BFloat16; got {0}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    // bfloat16 halves the bytes a step reads; weights that fit the L1 cache are read at full speed already, and the
    // widening costs instructions on a step whose time is its dependency chain.
    public static readonly DiagnosticDescriptor BFloat16CannotPay = new DiagnosticDescriptor(
        "LSTMGEN018", "bfloat16 weights cannot pay for this model",
        "'{0}' stores its weights as bfloat16, but packed as floats they take {1} KB and fit the 32 KB L1 cache, so halving them cannot make it faster and only costs accuracy; remove WeightPrecision = WeightPrecision.BFloat16",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    // The compiler's own error for such a call is CS1061 ("no definition for 'Step'"), which does not say why.
    public static readonly DiagnosticDescriptor BidirectionalCannotStream = new DiagnosticDescriptor(
        "LSTMGEN021", "A bidirectional model cannot stream",
        "'{0}' is bidirectional, so it has no {1}: its backward direction runs each sequence from the last step, which a stream has not seen yet; pass whole sequences to Forward, or stream with a unidirectional model",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ClassNamedAsMember = new DiagnosticDescriptor(
        "LSTMGEN022", "A model class has the name of a generated member",
        "'{0}' is the name of a member LstmGen generates, and C# does not let a member have its class's name (CS0542); rename the class",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
