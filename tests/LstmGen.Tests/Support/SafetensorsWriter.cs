using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace LstmGen.Tests;

/// <summary>
/// Builds safetensors bytes for tests: valid files from entries (tensors laid out back to back, header padded
/// with spaces to a multiple of 8 like the reference writer), or arbitrary header text for corruption tests.
/// </summary>
internal static class SafetensorsWriter
{
    /// <summary>One tensor: its name, dtype name, shape and raw little-endian bytes.</summary>
    internal sealed record Entry(string Name, string DType, int[] Shape, byte[] Data);

    /// <summary>An F32 tensor of the given shape and values.</summary>
    public static Entry F32(string name, int[] shape, params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int n = 0; n < values.Length; n++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * n), values[n]);
        return new Entry(name, "F32", shape, bytes);
    }

    /// <summary>An F64 tensor of the given shape and values.</summary>
    public static Entry F64(string name, int[] shape, params double[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int n = 0; n < values.Length; n++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * n), values[n]);
        return new Entry(name, "F64", shape, bytes);
    }

    /// <summary>A 16-bit tensor (F16, BF16, I16, U16) from raw bit patterns.</summary>
    public static Entry Bits16(string name, string dtype, int[] shape, params ushort[] bits)
    {
        var bytes = new byte[bits.Length * 2];
        for (int n = 0; n < bits.Length; n++)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * n), bits[n]);
        return new Entry(name, dtype, shape, bytes);
    }

    /// <summary>A tensor of any dtype from raw bytes.</summary>
    public static Entry Raw(string name, string dtype, int[] shape, byte[] data) => new(name, dtype, shape, data);

    /// <summary>A valid safetensors file holding <paramref name="entries"/> and optional metadata.</summary>
    public static byte[] Build(IEnumerable<Entry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = entries.ToList();
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is not null)
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var entry in list)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", entry.DType);
                writer.WriteStartArray("shape");
                foreach (int dim in entry.Shape) writer.WriteNumberValue(dim);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + entry.Data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += entry.Data.Length;
            }
            writer.WriteEndObject();
        }
        var header = json.ToArray().ToList();
        while (header.Count % 8 != 0) header.Add((byte)' ');
        return Assemble(header.ToArray(), list.SelectMany(e => e.Data).ToArray());
    }

    /// <summary>A valid safetensors file holding <paramref name="entries"/>.</summary>
    public static byte[] Build(params Entry[] entries) => Build((IEnumerable<Entry>)entries);

    /// <summary>A file with the given header text (UTF-8, unchecked) followed by <paramref name="data"/>.</summary>
    public static byte[] FromHeader(string headerJson, byte[]? data = null) =>
        Assemble(Encoding.UTF8.GetBytes(headerJson), data ?? []);

    /// <summary>The 8-byte little-endian length, <paramref name="header"/> and <paramref name="data"/>, as given.</summary>
    public static byte[] Assemble(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }
}
