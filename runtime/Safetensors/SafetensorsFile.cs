// TEMPORARY STUB (replaced by the helper's implementation)
#pragma warning disable CS1591
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
namespace LstmGen;
public sealed class SafetensorsFile
{
    private readonly Dictionary<string, (string DType, int[] Shape, long Begin, long End)> _t = new();
    private byte[] _data = [];
    public string SourceName { get; private set; } = "<stream>";
    public IReadOnlyList<string> TensorNames => _t.Keys.ToList();
    public bool Contains(string name) => _t.ContainsKey(name);
    public SafetensorsTensorInfo GetInfo(string name) => new(_t[name].Shape);
    public static SafetensorsFile Load(string path) { using var s = File.OpenRead(path); var f = Load(s); f.SourceName = path; return f; }
    public static SafetensorsFile Load(Stream stream, string? sourceName = null)
    {
        var ms = new MemoryStream(); stream.CopyTo(ms); var bytes = ms.ToArray();
        long n = BitConverter.ToInt64(bytes, 0);
        var f = new SafetensorsFile();
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__") continue;
            var o = p.Value.GetProperty("data_offsets");
            f._t[p.Name] = (p.Value.GetProperty("dtype").GetString()!, p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(), o[0].GetInt64(), o[1].GetInt64());
        }
        f._data = bytes.AsSpan(8 + (int)n).ToArray();
        return f;
    }
    public float[] ReadFloats(string name) { var t = _t[name]; return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_data.AsSpan((int)t.Begin, (int)(t.End - t.Begin))).ToArray(); }
    public Tensor ReadTensor(string name) => new(ReadFloats(name), _t[name].Shape);
}
public sealed record SafetensorsTensorInfo(int[] Shape);
