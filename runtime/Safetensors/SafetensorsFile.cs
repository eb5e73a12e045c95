using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using LstmGen.PyTorch;

namespace LstmGen;

/// <summary>
/// A parsed <see href="https://github.com/huggingface/safetensors">safetensors</see> file, held in memory.
/// The reader is defensive: every inconsistency in the content (header length, JSON, dtypes, shapes,
/// offsets, overlaps) is reported as an <see cref="InvalidDataException"/> whose message starts with
/// <see cref="SourceName"/> and says what was found and what was expected, and no buffer is sized from the
/// header before that size has been checked against the bytes that are really there.
/// </summary>
/// <remarks>
/// Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON (possibly padded with
/// trailing spaces), then the data section. The JSON object maps each tensor name to
/// <c>{"dtype": "F32", "shape": [2, 8], "data_offsets": [begin, end]}</c> (offsets relative to the data section,
/// end exclusive) and may hold a <c>"__metadata__"</c> object of string values. Gaps between tensors and
/// trailing bytes after the last one are accepted. The whole file must fit in one array (about 2 GB).
/// </remarks>
public sealed class SafetensorsFile : ITensorFile
{
    /// <summary>The largest header the format allows (the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";
    /// <summary>The dtypes read as floats, by the names both formats' readers give them (<see cref="ITensorFile.GetDType"/>).</summary>
    internal static readonly string[] FloatDTypes = ["F32", "F16", "BF16", "F64"];
    private const int MaxNamesInMessage = 20;

    private static readonly Dictionary<string, int> DTypeSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    private static readonly string KnownDTypes = string.Join(", ", DTypeSizes.Keys);

    private readonly byte[] _buffer;
    private readonly int _dataStart;
    private readonly int _dataLength;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors;

    private SafetensorsFile(string sourceName, byte[] buffer, int headerStart, int headerLength, int dataStart, int dataLength)
    {
        SourceName = sourceName;
        _buffer = buffer;
        _dataStart = dataStart;
        _dataLength = dataLength;

        var (metadata, infos) = ParseHeader(buffer.AsSpan(headerStart, headerLength));
        CheckOverlaps(infos);
        _tensors = infos.ToDictionary(info => info.Name, StringComparer.Ordinal);
        TensorNames = infos.Select(info => info.Name).ToArray();
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
    }

    /// <summary>Where the content came from: the path, the name given with the stream, or <c>&lt;stream&gt;</c>.
    /// Every error message starts with it.</summary>
    public string SourceName { get; }

    /// <summary>The string pairs of the header's <c>__metadata__</c> entry (empty if there is none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor names in the order the header lists them.</summary>
    public IReadOnlyList<string> TensorNames { get; }

    /// <summary>Reads and validates the safetensors file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a directory (the message names the weights files in it).</exception>
    /// <exception cref="InvalidDataException">The content is not a valid safetensors file.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static SafetensorsFile Load(string path)
    {
        using FileStream stream = WeightsPath.Open(path, bufferSize: 1, FileOptions.SequentialScan);
        return Load(stream, path);
    }

    /// <summary>
    /// Reads and validates safetensors content from the current position of <paramref name="stream"/> to its end.
    /// The stream is not disposed. A non-seekable stream is first copied into memory.
    /// </summary>
    /// <param name="stream">The content; readable.</param>
    /// <param name="sourceName">The name used in error messages (<c>&lt;stream&gt;</c> if null).</param>
    /// <exception cref="InvalidDataException">The content is not valid safetensors.</exception>
    /// <exception cref="ArgumentException">The stream is not readable.</exception>
    /// <exception cref="IOException">The stream could not be read.</exception>
    public static SafetensorsFile Load(Stream stream, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream must be readable.", nameof(stream));
        string source = sourceName ?? "<stream>";
        return stream.CanSeek ? LoadSeekable(stream, source) : LoadNonSeekable(stream, source);
    }

    /// <summary>Whether the file has a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _tensors.ContainsKey(name);
    }

    /// <summary>The dtype, shape and location of the tensor named <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">The file has no such tensor (the message lists the ones it has).</exception>
    public SafetensorsTensorInfo GetInfo(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_tensors.TryGetValue(name, out var info)) return info;
        throw Fail($"no tensor named '{name}'; {DescribeNames()}");
    }

    /// <summary>
    /// The elements of the tensor named <paramref name="name"/> in row-major order, converted to float from
    /// F32, F16, BF16 or F64 (F64 is rounded to the nearest float).
    /// </summary>
    /// <exception cref="InvalidDataException">The file has no such tensor, or its dtype is not one of those four.</exception>
    public float[] ReadFloats(string name)
    {
        var info = GetInfo(name);
        var bytes = new ReadOnlySpan<byte>(_buffer, _dataStart + (int)info.DataBegin, (int)info.ByteLength);
        var result = new float[info.ElementCount];
        switch (info.DType)
        {
            case "F32":
                if (BitConverter.IsLittleEndian)
                {
                    MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result);
                }
                else
                {
                    for (int n = 0; n < result.Length; n++)
                        result[n] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * n, 4));
                }
                break;
            case "F16":
                for (int n = 0; n < result.Length; n++)
                    result[n] = (float)BitConverter.Int16BitsToHalf(BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(2 * n, 2)));
                break;
            case "BF16":
                for (int n = 0; n < result.Length; n++)
                    result[n] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(2 * n, 2)) << 16);
                break;
            case "F64":
                for (int n = 0; n < result.Length; n++)
                    result[n] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(8 * n, 8));
                break;
            default:
                throw Fail($"tensor '{name}' has dtype {info.DType}, which cannot be read as floats; supported dtypes are {string.Join(", ", FloatDTypes)}.");
        }
        return result;
    }

    IReadOnlyList<int> ITensorFile.GetShape(string name) => GetInfo(name).Shape;

    string ITensorFile.GetDType(string name) => GetInfo(name).DType;

    /// <summary>The tensor named <paramref name="name"/> with its shape, converted to float32 as by <see cref="ReadFloats"/>.</summary>
    /// <exception cref="InvalidDataException">The file has no such tensor, or its dtype cannot be converted.</exception>
    public Tensor ReadTensor(string name)
    {
        float[] values = ReadFloats(name);
        var shape = (int[])GetInfo(name).Shape;
        return new Tensor(values, shape);
    }

    // ---------------------------------------------------------------- loading

    private static SafetensorsFile LoadSeekable(Stream stream, string source)
    {
        long start = stream.Position, available = stream.Length - start;
        var head = new byte[TorchArchive.SniffLength];
        int headLength = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        CheckStart(source, head, headLength);

        stream.Position = start + 8;
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(head);
        int header = CheckHeaderLength(source, headerLength, available - 8);

        long rest = available - 8;
        if (rest > Array.MaxLength)
            throw Fail(source, $"the content after the header length is {rest} bytes; at most {Array.MaxLength} are supported.");
        var buffer = new byte[rest];
        ReadExactly(stream, buffer, source, "the header and data");
        return new SafetensorsFile(source, buffer, 0, header, header, buffer.Length - header);
    }

    private static SafetensorsFile LoadNonSeekable(Stream stream, string source)
    {
        // The size is whatever the stream really delivers, so nothing is allocated on the header's word.
        var memory = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (memory.Length + read > Array.MaxLength)
                throw Fail(source, $"the content is longer than {Array.MaxLength} bytes, the most that is supported.");
            memory.Write(chunk, 0, read);
        }
        byte[] buffer = memory.GetBuffer();
        int length = (int)memory.Length;
        CheckStart(source, buffer, length);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(0, 8));
        int header = CheckHeaderLength(source, headerLength, length - 8);
        return new SafetensorsFile(source, buffer, 8, header, 8 + header, length - 8 - header);
    }

    // Content that is empty, a torch.save file or too short for the header length is refused before its bytes are read
    // as a header length.
    private static void CheckStart(string source, byte[] head, int length)
    {
        TorchArchive.CheckFormat(source, TorchArchive.Sniff(head, length), WeightsFormat.Safetensors);
        if (length < 8)
            throw Fail(source, $"the content is {length} bytes long; a safetensors file needs at least 8 (the header length).");
    }

    private static int CheckHeaderLength(string source, ulong headerLength, long bytesAfterLength)
    {
        if (headerLength == 0)
            throw Fail(source, "the header length is 0; expected the length of a JSON object (at least 2 bytes).");
        if (headerLength > MaxHeaderLength)
            throw Fail(source, $"the header length is {headerLength} bytes, more than the format's limit of {MaxHeaderLength}; this is probably not a safetensors file.");
        if ((long)headerLength > bytesAfterLength)
            throw Fail(source, $"the header length is {headerLength} bytes but only {bytesAfterLength} bytes follow the 8-byte length; the file is truncated or not safetensors.");
        return (int)headerLength;
    }

    private static void ReadExactly(Stream stream, Span<byte> target, string source, string what)
    {
        try
        {
            stream.ReadExactly(target);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"{source}: the content ended while reading {what} ({target.Length} bytes expected).", ex);
        }
    }

    // ---------------------------------------------------------------- header

    private (Dictionary<string, string> Metadata, List<SafetensorsTensorInfo> Tensors) ParseHeader(ReadOnlySpan<byte> header)
    {
        if (!Utf8.IsValid(header))
            throw Fail("the header is not valid UTF-8.");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<SafetensorsTensorInfo>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Fail($"the header must be a JSON object but starts with {Describe(reader.TokenType)}.");

            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                string key = reader.GetString()!;
                if (!keys.Add(key))
                    throw Fail($"the header has the key '{key}' twice; keys must be unique.");
                Next(ref reader);
                if (key == MetadataKey) ReadMetadata(ref reader, metadata);
                else tensors.Add(ReadTensorEntry(ref reader, key));
            }
            if (reader.Read())
                throw Fail($"the header has {Describe(reader.TokenType)} after its JSON object; expected only trailing spaces.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{SourceName}: the header is not valid JSON: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException($"{SourceName}: the header could not be parsed: {ex.Message}", ex);
        }
        return (metadata, tensors);
    }

    private void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        if (reader.TokenType == JsonTokenType.Null) return;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Fail($"'{MetadataKey}' must be a JSON object of strings but is {Describe(reader.TokenType)}.");
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            if (Next(ref reader) != JsonTokenType.String)
                throw Fail($"'{MetadataKey}' entry '{key}' must be a string but is {Describe(reader.TokenType)}.");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Fail($"'{MetadataKey}' has the key '{key}' twice; keys must be unique.");
        }
    }

    private SafetensorsTensorInfo ReadTensorEntry(ref Utf8JsonReader reader, string name)
    {
        const string Expected = "{\"dtype\": \"F32\", \"shape\": [...], \"data_offsets\": [begin, end]}";
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Fail($"tensor '{name}' must be a JSON object like {Expected} but is {Describe(reader.TokenType)}.");

        string? dtype = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string field = reader.GetString()!;
            Next(ref reader);
            switch (field)
            {
                case "dtype":
                    if (dtype is not null) throw Fail($"tensor '{name}' has \"dtype\" twice.");
                    if (reader.TokenType != JsonTokenType.String)
                        throw Fail($"tensor '{name}' has a \"dtype\" that is {Describe(reader.TokenType)}; expected a string such as \"F32\".");
                    dtype = reader.GetString()!;
                    break;
                case "shape":
                    if (shape is not null) throw Fail($"tensor '{name}' has \"shape\" twice.");
                    shape = ReadIntegerArray(ref reader, name, "shape", "dimension");
                    break;
                case "data_offsets":
                    if (offsets is not null) throw Fail($"tensor '{name}' has \"data_offsets\" twice.");
                    offsets = ReadIntegerArray(ref reader, name, "data_offsets", "offset");
                    break;
                default:
                    reader.Skip(); // unknown fields are ignored, as the reference implementation does
                    break;
            }
        }

        if (dtype is null) throw Fail($"tensor '{name}' has no \"dtype\"; expected an entry like {Expected}.");
        if (shape is null) throw Fail($"tensor '{name}' has no \"shape\"; expected an entry like {Expected}.");
        if (offsets is null) throw Fail($"tensor '{name}' has no \"data_offsets\"; expected an entry like {Expected}.");

        if (!DTypeSizes.TryGetValue(dtype, out int elementSize))
            throw Fail($"tensor '{name}' has unknown dtype \"{dtype}\"; known dtypes are {KnownDTypes}.");

        var dims = new int[shape.Count];
        for (int n = 0; n < dims.Length; n++)
        {
            if (shape[n] > int.MaxValue)
                throw Fail($"tensor '{name}' has shape dimension {shape[n]}, larger than the supported maximum {int.MaxValue}.");
            dims[n] = (int)shape[n];
        }
        string shapeText = Tensor.FormatShape(dims);

        long elementCount = 1;
        long byteLength;
        try
        {
            foreach (int dim in dims) elementCount = checked(elementCount * dim);
            byteLength = checked(elementCount * elementSize);
        }
        catch (OverflowException)
        {
            if (dims.Contains(0)) (elementCount, byteLength) = (0, 0);
            else throw Fail($"tensor '{name}' has shape {shapeText} whose size in bytes (elements × {elementSize} for {dtype}) overflows a 64-bit integer.");
        }

        if (offsets.Count != 2)
            throw Fail($"tensor '{name}' has {offsets.Count} data_offsets; expected exactly 2, [begin, end].");
        long begin = offsets[0], end = offsets[1];
        if (begin > end)
            throw Fail($"tensor '{name}' has data_offsets [{begin}, {end}] with begin > end.");
        if (end > _dataLength)
            throw Fail($"tensor '{name}' has data_offsets [{begin}, {end}] but the data section is only {_dataLength} bytes long.");
        if (end - begin != byteLength)
        {
            throw Fail($"tensor '{name}' has data_offsets [{begin}, {end}] ({end - begin} bytes) but dtype {dtype} and shape {shapeText} need {byteLength} bytes.");
        }
        return new SafetensorsTensorInfo(name, dtype, dims, elementCount, begin, end);
    }

    private List<long> ReadIntegerArray(ref Utf8JsonReader reader, string name, string field, string what)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Fail($"tensor '{name}' has a \"{field}\" that is {Describe(reader.TokenType)}; expected an array of non-negative integers.");
        var values = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
                throw Fail($"tensor '{name}' has a \"{field}\" element that is {Describe(reader.TokenType)}; expected non-negative integers.");
            string text = Encoding.UTF8.GetString(reader.ValueSpan);
            if (!reader.TryGetInt64(out long value))
            {
                bool integral = text.All(c => c is >= '0' and <= '9' || c == '-');
                throw Fail(integral
                    ? $"tensor '{name}' has {what} {text} in \"{field}\", which is out of range."
                    : $"tensor '{name}' has {what} {text} in \"{field}\"; expected a non-negative integer.");
            }
            if (value < 0)
                throw Fail($"tensor '{name}' has negative {what} {value} in \"{field}\"; expected a non-negative integer.");
            values.Add(value);
        }
        return values;
    }

    private void CheckOverlaps(List<SafetensorsTensorInfo> infos)
    {
        var occupied = infos.Where(info => info.ByteLength > 0)
            .OrderBy(info => info.DataBegin).ThenBy(info => info.DataEnd).ToList();
        for (int n = 1; n < occupied.Count; n++)
        {
            var previous = occupied[n - 1];
            var current = occupied[n];
            if (current.DataBegin < previous.DataEnd)
            {
                throw Fail($"tensors '{previous.Name}' (data_offsets [{previous.DataBegin}, {previous.DataEnd}]) and " +
                    $"'{current.Name}' (data_offsets [{current.DataBegin}, {current.DataEnd}]) overlap; each byte may belong to one tensor only.");
            }
        }
    }

    // Advances to the next token; the header is complete, so running out of tokens means malformed JSON.
    private JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw Fail("the header's JSON ends unexpectedly.");
        return reader.TokenType;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.None => "nothing",
        _ => token.ToString(),
    };

    private string DescribeNames()
    {
        if (TensorNames.Count == 0) return "the file has no tensors.";
        var shown = TensorNames.Take(MaxNamesInMessage).Select(n => "'" + n + "'");
        string more = TensorNames.Count > MaxNamesInMessage ? $" and {TensorNames.Count - MaxNamesInMessage} more" : "";
        return $"the file has {TensorNames.Count} tensor{(TensorNames.Count == 1 ? "" : "s")}: {string.Join(", ", shown)}{more}.";
    }

    private InvalidDataException Fail(string message) => Fail(SourceName, message);

    private static InvalidDataException Fail(string source, string message) => new($"{source}: {message}");
}
