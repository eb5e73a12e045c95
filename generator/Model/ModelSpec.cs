using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Generator.Helpers;
using LstmGen.Kernels;

namespace LstmGen.Generator.Model;

/// <summary>What the head reads: LstmGen.Readout, which the generator cannot reference (ParserFactsTests keeps them equal).</summary>
internal enum Readout
{
    LastStep,
    FinalState,
    EveryStep,
}

/// <summary>How the recurrent weights are stored: LstmGen.WeightPrecision (ParserFactsTests keeps them equal).</summary>
internal enum WeightPrecision
{
    Float32,
    BFloat16,
}

/// <summary>The recurrent cell of a model.</summary>
internal enum CellKind
{
    Lstm,
    Gru,
}

/// <summary>Everything the emitter needs to generate one model: where the class lives, its cell and its sizes.</summary>
/// <param name="Namespace">The class's namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">The types the class is nested in, outermost first.</param>
/// <param name="Name">The class name.</param>
/// <param name="Keyword">How the class is declared: <c>class</c> or <c>record</c>.</param>
/// <param name="Prefix">The safetensors key prefix of the recurrent layers (<c>lstm.</c>, <c>gru.</c>).</param>
/// <param name="FcPrefix">The safetensors key prefix of the Linear head (<c>fc.</c>).</param>
/// <param name="OutputSize">The Linear head's outputs; 0: no head.</param>
/// <param name="Bias">Whether the recurrent layers have biases.</param>
/// <param name="Readout">What the head (or, without one, the output) reads.</param>
/// <param name="Bidirectional">Whether every layer also runs backwards (PyTorch's <c>bidirectional</c>).</param>
/// <param name="ProjSize">An LSTM's <c>proj_size</c>: the values of h; 0: no projection.</param>
/// <param name="WeightsFile">The safetensors or torch.save file to compile in (<c>Weights = "…"</c>), or null. Its content
/// is not in the spec: the assembly embeds it as a manifest resource, whose name reaches the emitter beside the spec
/// (<c>ModelSource</c>), so comparing specs stays cheap.</param>
/// <param name="Precision">How the recurrent weights are stored.</param>
/// <param name="BatchFirst">Whether a batch is [batch, T, …] (PyTorch's <c>batch_first=True</c>) rather than time-major.</param>
internal sealed record ModelSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Name,
    string Keyword,
    CellKind Cell,
    int InputSize,
    int HiddenSize,
    int OutputSize,
    int SeqLen,
    int NumLayers,
    string Prefix,
    string FcPrefix,
    bool Bias,
    Readout Readout,
    bool Bidirectional = false,
    int ProjSize = 0,
    string? WeightsFile = null,
    WeightPrecision Precision = WeightPrecision.Float32,
    bool BatchFirst = true)
{
    /// <summary>Whether the recurrent weights are stored as bfloat16.</summary>
    public bool BFloat16 => Precision == WeightPrecision.BFloat16;

    /// <summary>Bytes per packed weight of the panels: 2 for bfloat16, else 4 (W_hr and the head stay float32).</summary>
    public int PanelWeightBytes => BFloat16 ? 2 : 4;

    /// <summary>
    /// The bytes of one layer's recurrent weights, every direction's biases, W_ih and W_hh (4 slots per hidden unit, as
    /// packed, <paramref name="weightBytes"/> each) and W_hr (float32, its columns padded as the widest tiling packs them),
    /// for a layer of <paramref name="inputs"/> inputs.
    /// </summary>
    public long LayerWeightBytes(int inputs, int weightBytes) =>
        Directions * ((long)weightBytes * 4 * HiddenSize * (1 + inputs + HiddenOutputSize)
            + (ProjSize > 0 ? 4L * HiddenSize * PackedLayout.Projection(ProjSize, KernelPlan.AllWidths[0].Lanes) : 0));

    /// <summary>The bytes of every layer's recurrent weights (see <see cref="LayerWeightBytes"/>).</summary>
    public long RecurrentWeightBytes(int weightBytes) =>
        LayerWeightBytes(InputSize, weightBytes) + (NumLayers - 1L) * LayerWeightBytes(FeatureSize, weightBytes);

    /// <summary>The class's name qualified by its containing types, e.g. <c>Outer.Model</c>.</summary>
    public string NestedName => ContainingTypes.Count == 0
        ? Name
        : string.Join(".", System.Linq.Enumerable.Select(ContainingTypes, type => type.Name)) + "." + Name;

    /// <summary>Whether the model ends in a Linear head.</summary>
    public bool HasHead => OutputSize > 0;

    /// <summary>Directions per layer: 2 when bidirectional.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>H_out, the values of h per layer and direction: ProjSize when projected, else HiddenSize.</summary>
    public int HiddenOutputSize => ProjSize > 0 ? ProjSize : HiddenSize;

    /// <summary>The last layer's values per step: D · H_out, what the head reads.</summary>
    public int FeatureSize => Directions * HiddenOutputSize;

    /// <summary>Values per readout: the head's outputs, or without a head the last layer's features.</summary>
    public int ReadoutSize => HasHead ? OutputSize : FeatureSize;

    /// <summary>The class's full name, e.g. <c>Demo.Outer.Model</c>.</summary>
    public string FullName => (Namespace is null ? "" : Namespace + ".") + NestedName;

    /// <summary>
    /// The file name of the generated source, stable across builds: the full name, and where another of
    /// <paramref name="modelNames"/> (every model's full name) is the same but for case (Roslyn compares file names
    /// ignoring case) or the same for another class (C nested in class A.B, and C in namespace A.B), a hash of
    /// where the class is declared.
    /// </summary>
    public string HintName(IEnumerable<string> modelNames)
    {
        string name = FullName;
        bool twin = modelNames.Count(other => string.Equals(other, name, StringComparison.OrdinalIgnoreCase)) > 1;
        return twin ? $"{name}.{Fnv1a($"{Namespace}|{NestedName}|{Keyword}|{Cell}"):x8}.g.cs" : name + ".g.cs";
    }

    // FNV-1a over the UTF-16 code units: stable across processes, where string.GetHashCode is not.
    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
            hash = (hash ^ c) * 16777619;
        return hash;
    }
}

/// <summary>A type that contains the model class, re-declared as <c>partial</c> around the generated members.</summary>
/// <param name="Keyword">The declaration keyword: <c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c> or <c>interface</c>.</param>
/// <param name="Name">The type's name.</param>
internal sealed record ContainingType(string Keyword, string Name);
