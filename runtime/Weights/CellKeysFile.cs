using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace LstmGen;

/// <summary>
/// A state_dict whose nn.LSTMCell and nn.GRUCell parameters go by the names of the one-layer nn.LSTM or nn.GRU that
/// computes the same (<c>cell.weight_ih</c> as <c>cell.weight_ih_l0</c>, <see cref="KeyStructure.CellAliases"/>), so
/// that the loaders and <see cref="ModelInfo"/> read a cell as such a module.
/// </summary>
internal sealed class CellKeysFile : ITensorFile
{
    private readonly ITensorFile _file;
    private readonly Dictionary<string, string> _aliases; // the file's key → the name it goes by here
    private readonly Dictionary<string, string> _keys;    // the reverse

    private CellKeysFile(ITensorFile file, Dictionary<string, string> aliases)
    {
        _file = file;
        _aliases = aliases;
        _keys = aliases.ToDictionary(pair => pair.Value, pair => pair.Key);
        TensorNames = file.TensorNames.Select(name => aliases.TryGetValue(name, out string? alias) ? alias : name).ToList();
    }

    /// <summary><paramref name="file"/> with its cells' keys renamed, or itself if it has no cell.</summary>
    public static ITensorFile Of(ITensorFile file) =>
        KeyStructure.CellAliases(file.TensorNames) is { Count: > 0 } aliases ? new CellKeysFile(file, aliases) : file;

    public string SourceName => _file.SourceName;

    public IReadOnlyList<string> TensorNames { get; }

    public bool Contains(string name) => _keys.ContainsKey(name) || (!_aliases.ContainsKey(name) && _file.Contains(name));

    public IReadOnlyList<int> GetShape(string name) => _file.GetShape(Key(name));

    public string GetDType(string name) => _file.GetDType(Key(name));

    public Tensor ReadTensor(string name) => _file.ReadTensor(Key(name));

    private string Key(string name) =>
        _keys.TryGetValue(name, out string? key) ? key
        : _aliases.TryGetValue(name, out string? alias) ? throw new InvalidDataException($"{SourceName}: tensor '{name}' is read as '{alias}', the one-layer module's name.")
        : name;
}
