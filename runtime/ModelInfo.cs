using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using LstmGen.PyTorch;

namespace LstmGen;

/// <summary>The recurrent cell of a model: PyTorch's <c>nn.LSTM</c> or <c>nn.GRU</c>.</summary>
public enum RecurrentCell
{
    /// <summary><c>nn.LSTM</c>: 4 gates (i, f, g, o), declared with <see cref="LstmAttribute"/>.</summary>
    Lstm,

    /// <summary><c>nn.GRU</c>: 3 gates (r, z, n), declared with <see cref="GruAttribute"/>.</summary>
    Gru,
}

/// <summary>One tensor of a state_dict as the file describes it: name, element type and shape.</summary>
public sealed class TensorDescription
{
    internal TensorDescription(string name, string dtype, IReadOnlyList<int> shape)
    {
        (Name, DType, Shape) = (name, dtype, shape);
    }

    /// <summary>The state_dict key.</summary>
    public string Name { get; }

    /// <summary>The element type as the file names it: <c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>F64</c>, or another
    /// type that cannot be read as floats (e.g. <c>I64</c>, <c>torch.LongStorage</c>).</summary>
    public string DType { get; }

    /// <summary>The size of each dimension, outermost first.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary><c>name  dtype  [shape]</c>, with control characters in the name escaped (names come from the file).</summary>
    public override string ToString() => $"{ModelInfo.Escape(Name)}  {ModelInfo.Escape(DType)}  {Tensor.FormatShape(Shape.ToArray())}";
}

/// <summary>
/// What a weights file holds, worked out from its tensors' names and shapes alone: the cell, the sizes and options of the
/// recurrent module, the key prefixes, and the Linear head if there is one. <see cref="ToString"/> prints the
/// <see cref="LstmAttribute"/> or <see cref="GruAttribute"/> declaration that runs the file, batch-first: the file
/// cannot tell <c>batch_first</c> (add <c>BatchFirst = false</c> for a module built without <c>batch_first=True</c>).
/// </summary>
/// <remarks>
/// <para>The recurrent module is the one whose keys end in <c>weight_ih_l0</c>, at any prefix (also none); an
/// <c>nn.LSTMCell</c> or <c>nn.GRUCell</c> (<c>weight_ih</c>, <c>weight_hh</c>, …) reads as the one-layer module it equals. Its
/// <c>weight_hh_l0</c> decides the cell: [4H, H] is an LSTM and [3H, H] a GRU; with <c>weight_hr_l0</c> [P, H] it is an
/// LSTM with <c>proj_size</c> P, whose <c>weight_hh</c> is [4H, P]. <c>_reverse</c> keys mean bidirectional, missing
/// <c>bias_ih</c>/<c>bias_hh</c> mean <c>bias=False</c>, and every key of every layer and direction is checked against
/// the shape these imply.</para>
/// <para>The head is the <c>nn.Linear</c> that reads the recurrent features: a <c>{p}weight</c> [O, D·H_out] beside a
/// <c>{p}bias</c> [O], or, where no such pair exists, a <c>{p}weight</c> [O, D·H_out] without a bias after the recurrent
/// module's keys or under <c>fc.</c> (<c>nn.Linear(…, bias=False)</c>). Without one the model has no head (<c>outputSize: 0</c>). A head
/// whose outputs another Linear after it reads (an MLP, fc1 → fc2) is refused: LstmGen runs one Linear.</para>
/// <para>The file is read with the same hardened readers as the models (<see cref="SafetensorsFile"/>,
/// <see cref="PyTorchFile"/>, told apart by content); no tensor's data is converted.</para>
/// </remarks>
/// <example>
/// <code>
/// Console.WriteLine(ModelInfo.Read("model.pt"));
/// // [Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: /* your length */ 1, NumLayers = 2, Bidirectional = true)]
/// </code>
/// </example>
public sealed class ModelInfo
{
    private const string Reverse = "_reverse";

    private ModelInfo(RecurrentCell cell, string prefix, int inputSize, int hiddenSize, int numLayers, bool bidirectional,
        int projSize, bool bias, IReadOnlyList<TensorDescription> tensors)
    {
        Cell = cell;
        Prefix = prefix;
        (InputSize, HiddenSize, NumLayers, Bidirectional, ProjSize, Bias) = (inputSize, hiddenSize, numLayers, bidirectional, projSize, bias);
        Tensors = tensors;
    }

    /// <summary>LSTM or GRU.</summary>
    public RecurrentCell Cell { get; }

    /// <summary>The key prefix of the recurrent module's parameters (<c>LstmPrefix</c> or <c>GruPrefix</c>): e.g.
    /// <c>"lstm."</c>, <c>"encoder.rnn."</c>, or <c>""</c> for a module saved on its own.</summary>
    public string Prefix { get; }

    /// <summary>Features per time step (PyTorch <c>input_size</c>).</summary>
    public int InputSize { get; }

    /// <summary>Hidden units per layer and direction (PyTorch <c>hidden_size</c>).</summary>
    public int HiddenSize { get; }

    /// <summary>Stacked layers (PyTorch <c>num_layers</c>).</summary>
    public int NumLayers { get; }

    /// <summary>Whether the module has a backward direction (PyTorch <c>bidirectional=True</c>, keys with <c>_reverse</c>).</summary>
    public bool Bidirectional { get; }

    /// <summary>PyTorch's <c>proj_size</c> (LSTM only, keys <c>weight_hr_l{k}</c>); 0 for none.</summary>
    public int ProjSize { get; }

    /// <summary>Whether the module has biases (PyTorch <c>bias=True</c>, keys <c>bias_ih_l{k}</c> and <c>bias_hh_l{k}</c>).</summary>
    public bool Bias { get; }

    /// <summary>The key prefix of the Linear head's parameters; null when the file has no head.</summary>
    public string? FcPrefix { get; private set; }

    /// <summary>Outputs of the Linear head (<c>out_features</c>); 0 when the file has no head.</summary>
    public int OutputSize { get; private set; }

    /// <summary>Every tensor of the state_dict, in the file's order, the recurrent module's and the head's among them.</summary>
    public IReadOnlyList<TensorDescription> Tensors { get; }

    /// <summary>The tensors of <see cref="Tensors"/> that the declared model does not read: other layers of the module's
    /// <c>forward</c> (an embedding before the recurrent module; a normalization or attention after it), buffers and
    /// metrics. LstmGen does not run them: apply such layers yourself, to the inputs or to the features of a model
    /// declared without a head.</summary>
    public IReadOnlyList<TensorDescription> OtherTensors { get; private set; } = [];

    /// <summary>Reads the weights file at <paramref name="path"/>: a safetensors file or a <c>torch.save</c> file (a
    /// state_dict, a checkpoint holding one, or a whole module) or <c>torch.jit.save</c> file, told apart by content.</summary>
    /// <param name="path">The file.</param>
    /// <param name="prefix">The recurrent module's key prefix, to choose one when the file holds several (e.g.
    /// <c>"encoder.rnn."</c>), also among a checkpoint's dicts (as a model's load does); null to find the only one.</param>
    /// <param name="stateDictKey">For a torch.save checkpoint, the entry holding the state_dict; null to find it.</param>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a directory (the message names the weights files in it).</exception>
    /// <exception cref="InvalidDataException">The file is malformed, holds no LSTM or GRU or several, its shapes disagree, or
    /// its head is several Linear layers (the message gives the declaration without a head).</exception>
    public static ModelInfo Read(string path, string? prefix = null, string? stateDictKey = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return From(RecurrentWeights.OpenFile(path, prefix is null ? null : RecurrentWeights.FirstKey(prefix), stateDictKey), prefix);
    }

    /// <summary>Reads weights from the current position of <paramref name="stream"/> to its end (the stream is not
    /// disposed), as <see cref="Read(string, string?, string?)"/> does a file.</summary>
    /// <exception cref="InvalidDataException">The content is malformed, holds no LSTM or GRU or several, or its shapes disagree.</exception>
    /// <exception cref="ArgumentException">The stream is not readable.</exception>
    public static ModelInfo Read(Stream stream, string? prefix = null, string? stateDictKey = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return From(RecurrentWeights.OpenFile(stream, sourceName: null, prefix is null ? null : RecurrentWeights.FirstKey(prefix), stateDictKey), prefix);
    }

    /// <summary>
    /// The declaration that runs this file, with the named arguments that differ from their defaults, e.g.
    /// <c>[Lstm(inputSize: 5, hiddenSize: 8, outputSize: 2, seqLen: /* your length */ 1, NumLayers = 2, Bidirectional = true, LstmPrefix = "encoder.rnn.")]</c>.
    /// The file does not say the sequence length (every <c>Forward</c> takes any) nor the readout: choose them.
    /// </summary>
    public override string ToString()
    {
        bool lstm = Cell == RecurrentCell.Lstm;
        var text = new StringBuilder(lstm ? "[Lstm(" : "[Gru(");
        text.Append(CultureInfo.InvariantCulture,
            $"inputSize: {InputSize}, hiddenSize: {HiddenSize}, outputSize: {OutputSize}, seqLen: /* your length */ 1");
        if (NumLayers != 1) text.Append(CultureInfo.InvariantCulture, $", NumLayers = {NumLayers}");
        if (Bidirectional) text.Append(", Bidirectional = true");
        if (ProjSize != 0) text.Append(CultureInfo.InvariantCulture, $", ProjSize = {ProjSize}");
        if (!Bias) text.Append(", Bias = false");
        string defaultPrefix = lstm ? LstmWeights.DefaultLstmPrefix : GruWeights.DefaultGruPrefix;
        if (Prefix != defaultPrefix) text.Append(lstm ? ", LstmPrefix = " : ", GruPrefix = ").Append(Literal(Prefix));
        if (FcPrefix is not null && FcPrefix != RecurrentWeights.DefaultFcPrefix) text.Append(", FcPrefix = ").Append(Literal(FcPrefix));
        // A Linear under the default prefix that is not the model's head (it reads pooled features, or is one layer of
        // several): a declaration without a head must not take it for one.
        else if (FcPrefix is null && Tensors.Any(tensor => tensor.Name == RecurrentWeights.DefaultFcPrefix + "weight")) text.Append(", FcPrefix = \"\"");
        return text.Append(")]").ToString();
    }

    // What a loader's message says a file holds when a model cannot load it; null where ModelInfo cannot tell either.
    internal static ModelInfo? TryRead(ITensorFile file, string? prefix)
    {
        try
        {
            return From(file, prefix);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static ModelInfo From(ITensorFile file, string? prefix)
    {
        var tensors = file.TensorNames.Select(name => new TensorDescription(name, file.GetDType(name), file.GetShape(name))).ToArray();
        file = CellKeysFile.Of(file); // an nn.LSTMCell or nn.GRUCell reads as the one-layer module that computes the same
        string module = FindPrefix(file, prefix);

        // The cell and sizes come from layer 0's forward direction; every other key is then checked against them.
        int[] hh = Matrix(file, module + "weight_hh_l0", "the recurrent module's hidden-to-gates weights");
        int[] ih = Matrix(file, module + TorchArchive.FirstRecurrentKey, "the recurrent module's input-to-gates weights");
        int gateRows = hh[0], hiddenSize, projSize = 0;
        RecurrentCell cell;
        if (file.Contains(module + "weight_hr_l0"))
        {
            int[] hr = Matrix(file, module + "weight_hr_l0", "the LSTM's projection");
            (projSize, hiddenSize) = (hr[0], hr[1]);
            if (gateRows != 4L * hiddenSize || hh[1] != projSize || projSize >= hiddenSize)
            {
                throw Fail(file, $"'{module}weight_hr_l0' {Shape(hr)} says an LSTM with hidden size {hiddenSize} and proj_size {projSize}, " +
                    $"whose weight_hh is [{4L * hiddenSize}, {projSize}] with proj_size < hidden size; '{module}weight_hh_l0' is {Shape(hh)}.");
            }
            cell = RecurrentCell.Lstm;
        }
        else
        {
            hiddenSize = hh[1];
            cell = gateRows == 4L * hiddenSize ? RecurrentCell.Lstm
                : gateRows == 3L * hiddenSize ? RecurrentCell.Gru
                : throw Fail(file, $"'{module}weight_hh_l0' has shape {Shape(hh)}; an LSTM's is [4H, H] and a GRU's [3H, H].");
        }
        if (ih[0] != gateRows)
            throw Fail(file, $"'{module}{TorchArchive.FirstRecurrentKey}' has shape {Shape(ih)}; beside '{module}weight_hh_l0' {Shape(hh)} it must be [{gateRows}, input size].");

        int numLayers = KeyStructure.Layers(file.Contains, module);
        bool bidirectional = file.Contains(module + TorchArchive.FirstRecurrentKey + Reverse);
        bool bias = file.Contains(module + "bias_ih_l0");
        var info = new ModelInfo(cell, module, ih[1], hiddenSize, numLayers, bidirectional, projSize, bias, tensors);
        info.CheckRecurrentKeys(file);

        int features = (bidirectional ? 2 : 1) * (projSize > 0 ? projSize : hiddenSize);
        if (FindHead(file, module, features) is { } head)
        {
            if (KeyStructure.FollowingLinear(file.TensorNames, key => FloatShape(file, key), module, head.Prefix, head.OutputSize) is { } next)
            {
                throw Fail(file, $"the Linear at {Literal(head.Prefix)} turns the recurrent module's {features} features into {head.OutputSize} " +
                    $"values, which '{next}' {Shape(file.GetShape(next).ToArray())} reads in turn: a head of several layers, which LstmGen " +
                    $"does not run. Declare the model without a head, {info}, and apply those layers to the {features} features it returns.");
            }
            (info.FcPrefix, info.OutputSize) = head;
        }
        info.OtherTensors = tensors.Where(tensor => !KeyStructure.IsRecurrentKey(tensor.Name, module) &&
            (info.FcPrefix is null || (tensor.Name != info.FcPrefix + "weight" && tensor.Name != info.FcPrefix + "bias"))).ToList();
        return info;
    }

    private const int MaxModulesDescribed = 10;

    // The prefix of the one weight_ih_l0 key, or the given one.
    private static string FindPrefix(ITensorFile file, string? prefix)
    {
        if (prefix is not null)
        {
            if (file.Contains(prefix + TorchArchive.FirstRecurrentKey))
                return prefix;
            string missing = $"no recurrent module at prefix {Literal(prefix)}: no tensor '{prefix}{TorchArchive.FirstRecurrentKey}'";
            string[] modules = KeyStructure.Modules(file.TensorNames);
            throw Fail(file, modules.Length == 0
                ? $"{missing}. The file has: {Describe(file)}."
                : $"{missing}; the file has {(modules.Length == 1 ? "one" : modules.Length.ToString(CultureInfo.InvariantCulture))} at {KeyStructure.Listed(modules.Select(Literal).ToList())}" +
                  (modules.Contains(prefix + ".") ? $": pass {Literal(prefix + ".")}, with the '.' that ends a module's name in its keys." : "."));
        }
        string[] prefixes = KeyStructure.Modules(file.TensorNames);
        return prefixes.Length switch
        {
            1 => prefixes[0],
            0 => throw Fail(file, $"no LSTM or GRU: no tensor named '…{TorchArchive.FirstRecurrentKey}', the first layer of an nn.LSTM or nn.GRU, " +
                $"nor '…weight_ih' beside '…weight_hh', an nn.LSTMCell's or nn.GRUCell's. The file has: {Describe(file)}."),
            // What each is, so that the user can tell the encoder from the decoder; the first few, as each is read whole.
            _ => throw Fail(file, $"{prefixes.Length} recurrent modules: " +
                $"{string.Join("; ", prefixes.Take(MaxModulesDescribed).Select(module => TryRead(file, module)?.Summary() ?? $"one at prefix {Literal(module)}"))}" +
                $"{(prefixes.Length > MaxModulesDescribed ? $"; and {prefixes.Length - MaxModulesDescribed} more" : "")}; " +
                $"a model runs one: choose it with ModelInfo.Read(path, prefix: {Literal(prefixes[0])}) or lstmgen inspect --prefix {Literal(prefixes[0])}."),
        };
    }

    // Every key of every layer and direction, with the shape the sizes imply; and no other weight_*/bias_* key under the
    // prefix (a stray layer or direction would otherwise be silently ignored).
    private void CheckRecurrentKeys(ITensorFile file)
    {
        int gateRows = (Cell == RecurrentCell.Lstm ? 4 : 3) * HiddenSize;
        int hiddenOut = ProjSize > 0 ? ProjSize : HiddenSize;
        string[] directions = Bidirectional ? ["", Reverse] : [""];
        var expected = new Dictionary<string, int[]>(StringComparer.Ordinal);
        for (int k = 0; k < NumLayers; k++)
        {
            foreach (string direction in directions)
            {
                string layer = $"l{k}{direction}";
                expected[$"{Prefix}weight_ih_{layer}"] = [gateRows, k == 0 ? InputSize : (Bidirectional ? 2 : 1) * hiddenOut];
                expected[$"{Prefix}weight_hh_{layer}"] = [gateRows, hiddenOut];
                if (Bias)
                {
                    expected[$"{Prefix}bias_ih_{layer}"] = [gateRows];
                    expected[$"{Prefix}bias_hh_{layer}"] = [gateRows];
                }
                if (ProjSize > 0) expected[$"{Prefix}weight_hr_{layer}"] = [ProjSize, HiddenSize];
            }
        }

        foreach (var (name, shape) in expected)
        {
            if (!file.Contains(name))
                throw Fail(file, $"missing tensor '{name}' (expected shape {Shape(shape)}) of {Summary()}. The file has: {Describe(file)}.");
            int[] actual = file.GetShape(name).ToArray();
            if (!actual.AsSpan().SequenceEqual(shape))
                throw Fail(file, $"tensor '{name}' has shape {Shape(actual)} but {Summary()} has {Shape(shape)}.");
        }
        string? stray = file.TensorNames.FirstOrDefault(name => KeyStructure.IsRecurrentKey(name, Prefix) && !expected.ContainsKey(name));
        if (stray is not null)
            throw Fail(file, $"unexpected tensor '{stray}' beside {Summary()}.");
    }

    // The one Linear that reads the recurrent features (KeyStructure.Heads), or null; several are refused.
    private static (string Prefix, int OutputSize)? FindHead(ITensorFile file, string module, int features)
    {
        List<(string Prefix, long Outputs)> heads = KeyStructure.Heads(file.TensorNames, file.Contains,
            key => FloatShape(file, key), module, features, RecurrentWeights.DefaultFcPrefix);
        if (heads.Count > 1)
        {
            throw Fail(file, $"{heads.Count} Linear layers read the recurrent module's {features} features, at prefixes " +
                $"{KeyStructure.Listed(heads.Select(head => Literal(head.Prefix)).ToList())}; a model has one head.");
        }
        return heads.Count == 1 ? (heads[0].Prefix, (int)heads[0].Outputs) : null;
    }

    private string Summary()
    {
        var options = new List<string>();
        if (NumLayers > 1) options.Add($"{NumLayers}-layer");
        if (Bidirectional) options.Add("bidirectional");
        string cell = Cell == RecurrentCell.Lstm ? "LSTM" : "GRU";
        string projection = ProjSize > 0 ? $", proj_size {ProjSize}" : "";
        string article = options.Count > 0 || Cell == RecurrentCell.Gru ? "a" : "an";
        return $"{string.Join(" ", options.Prepend(article))} {cell} with input size {InputSize}, hidden size {HiddenSize}{projection}, " +
            $"{(Bias ? "with" : "without")} biases at prefix {Literal(Prefix)}";
    }

    private static int[] Matrix(ITensorFile file, string name, string what)
    {
        if (!IsFloat(file, name))
            throw Fail(file, $"'{name}', {what}, holds {file.GetDType(name)}; an nn.LSTM's and nn.GRU's weights are {string.Join(", ", SafetensorsFile.FloatDTypes)}.");
        int[] shape = file.GetShape(name).ToArray();
        if (shape.Length != 2 || shape[0] < 1 || shape[1] < 1)
            throw Fail(file, $"'{name}', {what}, has shape {Shape(shape)}; expected a matrix of at least [1, 1].");
        return shape;
    }

    // Sizes come only from tensors of the dtypes the loaders read, whose shapes were checked against their bytes;
    // another's (an int64 step count, a storage class unknown here) is whatever the file claims.
    private static bool IsFloat(ITensorFile file, string key) => SafetensorsFile.FloatDTypes.Contains(file.GetDType(key));

    private static IReadOnlyList<long> FloatShape(ITensorFile file, string key) =>
        IsFloat(file, key) ? RecurrentWeights.LongShape(file, key) : Array.Empty<long>();

    private static string Shape(int[] shape) => Tensor.FormatShape(shape);

    private static InvalidDataException Fail(ITensorFile file, string message) => new($"{file.SourceName}: {message}");

    private static string Describe(ITensorFile file) =>
        file.TensorNames.Count == 0 ? "no tensors"
        : string.Join(", ", file.TensorNames.Take(20).Select(name => $"'{name}'")) + (file.TensorNames.Count > 20 ? $" and {file.TensorNames.Count - 20} more" : "");

    // A C# string literal: the prefixes come from the file, and the declaration must compile as printed.
    internal static string Literal(string value) => "\"" + Escape(value).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    // Backslashes and control characters escaped as in C#, so that a hostile name cannot break a literal or drive a terminal.
    internal static string Escape(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            if (c == '\\') text.Append(@"\\");
            else if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029') text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else text.Append(c);
        }
        return text.ToString();
    }
}
