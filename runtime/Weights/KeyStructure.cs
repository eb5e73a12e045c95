using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LstmGen.PyTorch;

namespace LstmGen;

/// <summary>
/// What a state_dict's keys say: its recurrent modules, each one's cell, keys and head, and how a module's layers,
/// directions, projection, biases and head compare with what a model declares, worded with the declaration that fits
/// the file. The one owner of these rules and words: the runtime's loaders and <see cref="ModelInfo"/> use them, and
/// the generator's check of a compiled-in file (LSTMGEN012), which compiles this file in.
/// </summary>
internal static class KeyStructure
{
    /// <summary>A disagreement: the key it is about (null: the layer count), whether the file has it, and why, with the fix.</summary>
    internal readonly record struct Mismatch(string? Key, bool InFile, string Why)
    {
        /// <summary>The key and why, e.g. <c>unexpected tensor 'lstm.weight_hr_l0': the file's LSTM is projected …</c>.</summary>
        public override string ToString() => Key is null ? Why : $"{(InFile ? "unexpected" : "missing")} tensor '{Key}': {Why}";
    }

    /// <summary>The first ten of <paramref name="items"/>, comma-separated, then how many more: a message stays short
    /// whatever a file holds.</summary>
    public static string Listed(IReadOnlyCollection<string> items) =>
        string.Join(", ", items.Take(10)) + (items.Count > 10 ? $" and {items.Count - 10} more" : "");

    /// <summary>The prefix of every recurrent module among <paramref name="keys"/>: of each key ending in weight_ih_l0, in key order.</summary>
    public static string[] Modules(IEnumerable<string> keys) =>
        keys.Where(key => key.EndsWith(TorchArchive.FirstRecurrentKey, StringComparison.Ordinal))
            .Select(key => key.Substring(0, key.Length - TorchArchive.FirstRecurrentKey.Length)).ToArray();

    /// <summary>
    /// Whether the module under <paramref name="prefix"/> is an LSTM (true) or a GRU (false), from its shapes alone:
    /// weight_hh_l0 is [gates · H, H_out], with H from weight_hr_l0 [P, H] when projected; null when they say neither.
    /// </summary>
    public static bool? IsLstm(Func<string, bool> contains, Func<string, IReadOnlyList<long>> shape, string prefix)
    {
        if (!contains(prefix + "weight_hh_l0") || shape(prefix + "weight_hh_l0") is not { Count: 2 } recurrent)
            return null;
        long hidden = contains(prefix + "weight_hr_l0") && shape(prefix + "weight_hr_l0") is { Count: 2 } projection ? projection[1] : recurrent[1];
        return hidden <= 0 ? null : recurrent[0] == 4 * hidden ? true : recurrent[0] == 3 * hidden ? false : null;
    }

    /// <summary>Whether <paramref name="key"/> is a parameter of the recurrent module under <paramref name="prefix"/>: weight_* or bias_*.</summary>
    public static bool IsRecurrentKey(string key, string prefix) =>
        key.StartsWith(prefix, StringComparison.Ordinal) &&
        (string.CompareOrdinal(key, prefix.Length, "weight_", 0, 7) == 0 || string.CompareOrdinal(key, prefix.Length, "bias_", 0, 5) == 0);

    /// <summary>
    /// The Linear layers that read the <paramref name="features"/> values of the module under <paramref name="module"/>,
    /// each as its prefix and outputs: a '…weight' [O, features] beside a '…bias' [O], or, where no such pair exists, one
    /// without a bias (<c>nn.Linear(…, bias=False)</c>) that comes after the module's keys, as a head is declared after
    /// what it reads, or is under <paramref name="defaultHeadPrefix"/>, where the loaders look by default (safetensors
    /// sorts keys by name, so fc.weight comes before lstm.weight_ih_l0 there). A bias-free matrix elsewhere may be an
    /// embedding table. Where the first one's outputs are as wide as the features and another reads them (an MLP that
    /// keeps the width, head.0 → head.2), that first layer alone: it is a head of several layers, not one of two heads.
    /// </summary>
    public static List<(string Prefix, long Outputs)> Heads(IEnumerable<string> keys, Func<string, bool> contains, Func<string, IReadOnlyList<long>> shape,
        string module, long features, string defaultHeadPrefix)
    {
        var biased = new List<(string, long)>();
        var biasFree = new List<(string, long)>();
        bool afterModule = false;
        foreach (string key in keys)
        {
            if (IsRecurrentKey(key, module))
            {
                afterModule = true;
                continue;
            }
            if (!key.EndsWith("weight", StringComparison.Ordinal) || shape(key) is not { Count: 2 } weight || weight[0] < 1 || weight[1] != features)
                continue;
            string prefix = key.Substring(0, key.Length - "weight".Length);
            if (contains(prefix + "bias"))
            {
                if (shape(prefix + "bias") is { Count: 1 } bias && bias[0] == weight[0]) biased.Add((prefix, weight[0]));
            }
            else if (afterModule || prefix == defaultHeadPrefix)
            {
                biasFree.Add((prefix, weight[0]));
            }
        }
        List<(string Prefix, long Outputs)> heads = biased.Count > 0 ? biased : biasFree;
        return heads.Count > 1 && FollowingLinear(keys, shape, module, heads[0].Prefix, heads[0].Outputs) is not null ? [heads[0]] : heads;
    }

    // An nn.LSTMCell's or nn.GRUCell's parameters: a one-layer nn.LSTM's or nn.GRU's without the layer's suffix.
    private const string CellInputWeights = "weight_ih", CellHiddenWeights = "weight_hh", LayerZero = "_l0";
    private static readonly string[] CellParameters = { CellInputWeights, CellHiddenWeights, "bias_ih", "bias_hh" };

    /// <summary>
    /// The keys of every nn.LSTMCell and nn.GRUCell among <paramref name="keys"/> (weight_ih and weight_hh under one
    /// prefix, no weight_ih_l0 beside them), each with the name the one-layer nn.LSTM or nn.GRU that computes the same
    /// gives it (weight_ih → weight_ih_l0, …): the file's key → that name.
    /// </summary>
    public static Dictionary<string, string> CellAliases(IReadOnlyCollection<string> keys)
    {
        var present = new HashSet<string>(keys, StringComparer.Ordinal);
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string key in keys)
        {
            if (!key.EndsWith(CellInputWeights, StringComparison.Ordinal))
                continue;
            string prefix = key.Substring(0, key.Length - CellInputWeights.Length);
            if (!present.Contains(prefix + CellHiddenWeights) || present.Contains(prefix + TorchArchive.FirstRecurrentKey))
                continue;
            foreach (string parameter in CellParameters.Where(parameter => present.Contains(prefix + parameter)))
                aliases[prefix + parameter] = prefix + parameter + LayerZero;
        }
        return aliases;
    }

    /// <summary>Whether <paramref name="keys"/> hold a recurrent module: an nn.LSTM's or nn.GRU's layer 0, or a cell.</summary>
    public static bool HasRecurrentModule(IReadOnlyCollection<string> keys) => Modules(keys).Length > 0 || CellAliases(keys).Count > 0;

    /// <summary>The layers under <paramref name="prefix"/>: weight_ih_l0, weight_ih_l1, … counted until the first gap.</summary>
    public static int Layers(Func<string, bool> contains, string prefix)
    {
        int count = 0;
        while (contains($"{prefix}weight_ih_l{count}")) count++;
        return count;
    }

    /// <summary>
    /// Every way the keys under <paramref name="prefix"/> disagree with the declared layers and options, in the order
    /// layers, Bidirectional, ProjSize, Bias; empty when they agree. The file must hold the module's layer 0;
    /// <paramref name="contains"/> says whether it has a key, <paramref name="shape"/> the shape of one it has. With
    /// <paramref name="withArguments"/>, each fix also names the LstmWeights or GruWeights argument that fits the file.
    /// </summary>
    public static List<Mismatch> Options(Func<string, bool> contains, Func<string, IReadOnlyList<long>> shape, string prefix, bool lstm,
        int numLayers, bool bidirectional, int projSize, bool bias, bool withArguments)
    {
        string kind = lstm ? "LSTM" : "GRU";
        string Or(string argument) => withArguments ? $" (or pass {argument} to {(lstm ? "LstmWeights" : "GruWeights")})" : "";
        var mismatches = new List<Mismatch>();

        int layers = Layers(contains, prefix);
        if (layers != numLayers)
        {
            mismatches.Add(new Mismatch(null, true, $"the file holds a {layers}-layer {kind} but the model has {numLayers} layer{(numLayers == 1 ? "" : "s")}: " +
                $"declare NumLayers = {layers}{Or($"numLayers: {layers}")}"));
        }

        string reverseKey = $"{prefix}weight_ih_l0_reverse";
        if (contains(reverseKey) != bidirectional)
        {
            mismatches.Add(new Mismatch(reverseKey, !bidirectional, bidirectional
                ? $"the model declares Bidirectional = true but the file's {kind} has no _reverse keys (it is unidirectional): remove Bidirectional = true{Or("bidirectional: false")}"
                : $"the file's {kind} is bidirectional but the model declares no Bidirectional (false, the default): declare Bidirectional = true{Or("bidirectional: true")}"));
        }

        string projectionKey = $"{prefix}weight_hr_l0";
        if (!lstm && contains(projectionKey))
        {
            mismatches.Add(GruProjection(prefix));
        }
        else if (contains(projectionKey) != projSize > 0)
        {
            string size = projSize == 0 && shape(projectionKey) is { Count: 2 } projection ? projection[0].ToString(CultureInfo.InvariantCulture) : "P";
            mismatches.Add(new Mismatch(projectionKey, projSize == 0, projSize > 0
                ? $"the model declares ProjSize = {projSize} but the file's {kind} has no weight_hr_l0 key (no proj_size): remove ProjSize = {projSize}{Or("projSize: 0")}"
                : $"the file's {kind} is projected (proj_size={size}) but the model declares no ProjSize (0, the default): declare ProjSize = {size}{Or($"projSize: {size}")}"));
        }

        string biasKey = $"{prefix}bias_ih_l0";
        if (contains(biasKey) != bias)
        {
            mismatches.Add(new Mismatch(biasKey, !bias, bias
                ? $"the model declares bias=True (Bias = true, the default) but the file's {kind} has no bias_ih_l0/bias_hh_l0 keys (bias=False): declare Bias = false{Or("bias: false")}"
                : $"the file's {kind} has biases (bias=True) but the model declares Bias = false: remove Bias = false{Or("bias: true")}"));
        }
        return mismatches;
    }

    /// <summary>
    /// The first '…weight' after the head's (<paramref name="headPrefix"/>) in key order, outside the module, of a layer
    /// beside the head (in the same parent module: fc and out, head.0 and head.2) that reads the head's
    /// <paramref name="headOutputs"/> values, or null: where there is one, the head is the first layer of several (an MLP,
    /// fc1 → fc2), which LstmGen does not run, and its outputs are not the model's. Layers of other modules (a decoder's
    /// beside an encoder's head) are another model's.
    /// </summary>
    public static string? FollowingLinear(IEnumerable<string> keys, Func<string, IReadOnlyList<long>> shape, string module, string headPrefix, long headOutputs)
    {
        string parent = Parent(headPrefix);
        bool afterHead = false;
        foreach (string key in keys)
        {
            if (key == headPrefix + "weight")
                afterHead = true;
            else if (afterHead && key.EndsWith("weight", StringComparison.Ordinal) && !IsRecurrentKey(key, module)
                && Parent(key.Substring(0, key.Length - "weight".Length)) == parent
                && shape(key) is { Count: 2 } weight && weight[0] >= 1 && weight[1] == headOutputs)
                return key;
        }
        return null;
    }

    // The module that holds the layer under prefix: "encoder." for "encoder.fc.", "" for "fc.".
    private static string Parent(string prefix)
    {
        int dot = prefix.LastIndexOf('.', Math.Max(prefix.Length - 2, 0));
        return dot < 0 ? "" : prefix.Substring(0, dot + 1);
    }

    /// <summary>Why a head of several layers cannot be the model's, and what to declare (<paramref name="sized"/>) or pass
    /// instead; <paramref name="headPrefix"/> is quoted as the caller quotes prefixes. Where that head starts under the
    /// model's FcPrefix (<paramref name="underFcPrefix"/>: fc → out), a declaration without a head must not look for it there.</summary>
    public static string SeveralLayers(string kind, long features, string headPrefix, string next, bool sized, bool underFcPrefix) =>
        $"the file's head is several layers, which LstmGen does not run: the Linear under {headPrefix} reads the {kind}'s {features} features, " +
        $"and '{next}' its outputs. {(!sized ? "Pass fcPrefix: null" : underFcPrefix ? "Declare outputSize: 0 and FcPrefix = \"\"" : "Declare outputSize: 0")} " +
        "to output the features, and apply those layers to them";

    /// <summary>
    /// Where a file has the declared structure but other sizes: the sizes its shapes give that differ from the declared
    /// ones, as the declaration names them (<c>inputSize: 3, hiddenSize: 16</c>); null when the shapes do not say.
    /// </summary>
    public static string? FileSizes(Func<string, bool> contains, Func<string, IReadOnlyList<long>> shape, string prefix, string headKey,
        int inputSize, int hiddenSize, int projSize, int outputSize)
    {
        IReadOnlyList<long>? Matrix(string key) => contains(key) && shape(key) is { Count: 2 } matrix ? matrix : null;
        if (Matrix(prefix + "weight_ih_l0") is not { } input || Matrix(prefix + "weight_hh_l0") is not { } recurrent)
            return null;
        IReadOnlyList<long>? projection = projSize > 0 ? Matrix(prefix + "weight_hr_l0") : null;
        long hidden = projection?[1] ?? recurrent[1], outputs = outputSize > 0 && Matrix(headKey) is { } head ? head[0] : outputSize;
        var differ = new List<string>();
        if (input[1] != inputSize) differ.Add($"inputSize: {input[1]}");
        if (hidden != hiddenSize) differ.Add($"hiddenSize: {hidden}");
        if (outputs != outputSize) differ.Add($"outputSize: {outputs}");
        if (projection is not null && projection[0] != projSize) differ.Add($"ProjSize = {projection[0]}");
        return differ.Count == 0 ? null : "the file's model has " + string.Join(", ", differ);
    }

    /// <summary>A GRU's keys with a projection (<c>weight_hr_l0</c>), which only an LSTM has.</summary>
    public static Mismatch GruProjection(string prefix) =>
        new($"{prefix}weight_hr_l0", true, "a GRU has no projection (proj_size belongs to nn.LSTM): check that the file is the GRU's");

    /// <summary>Null when the file has a head under <paramref name="headKey"/> (its <c>…weight</c>) exactly when the model declares one (<paramref name="outputSize"/> &gt; 0).</summary>
    public static Mismatch? Head(Func<string, bool> contains, Func<string, IReadOnlyList<long>> shape, string headKey, int outputSize)
    {
        if (contains(headKey) == outputSize > 0)
            return null;
        if (outputSize > 0)
            return new Mismatch(headKey, false, $"the model declares outputSize: {outputSize} (a Linear head) but the file has no '{headKey}': declare outputSize: 0 to output the features");
        IReadOnlyList<long> head = shape(headKey);
        return new Mismatch(headKey, true, $"the file has a Linear head ('{headKey}' [{string.Join(", ", head)}]) but the model declares outputSize: 0 (no head): " +
            $"declare outputSize: {(head.Count == 2 ? head[0].ToString(CultureInfo.InvariantCulture) : "O")}, or, where that Linear reads another module " +
            "(a seq2seq decoder's output, or features you pool over time), FcPrefix = \"\" to load this module without it");
    }
}
