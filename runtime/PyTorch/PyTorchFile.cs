using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LstmGen.PyTorch;

namespace LstmGen;

/// <summary>
/// The state_dict of a file written by PyTorch's <c>torch.save</c> or <c>torch.jit.save</c> (<c>.pt</c>, <c>.pth</c>; the
/// zip format of PyTorch 1.6 and later, or the legacy format before it), held in memory. Read without Python and without running anything the file says: its pickle
/// is interpreted by a restricted machine that knows the few opcodes and names <c>torch.save</c> writes, and every
/// other name stays an inert placeholder (see README, "Why this is safe").
/// </summary>
/// <remarks>
/// <para>The file may hold a <c>state_dict</c>, a training checkpoint with the <c>state_dict</c> nested in it (found
/// by the model's keys, or named with <c>stateDictKey</c>), a whole module saved with <c>torch.save(model)</c>, or a
/// TorchScript module saved with <c>torch.jit.save</c> (scripted or traced; its code is never read), whose parameters and
/// buffers are recovered under the names <c>state_dict()</c> gives them. Storages of F32, F64, F16 and BF16 are
/// read as float, with their storage offsets and strides (views, transposed tensors).</para>
/// <para>Both of <c>torch.save</c>'s formats are read: the zip archive (PyTorch 1.6 and later) and the legacy one before it
/// (<c>_use_new_zipfile_serialization=False</c>). Every failure is an <see cref="InvalidDataException"/> whose message
/// starts with <see cref="SourceName"/>.</para>
/// </remarks>
public sealed class PyTorchFile : ITensorFile
{
    private readonly Dictionary<string, TorchTensor> _tensors;

    private PyTorchFile(string sourceName, TorchStateDict stateDict)
    {
        SourceName = sourceName;
        StateDictLocation = stateDict.Location;
        _tensors = new Dictionary<string, TorchTensor>(StringComparer.Ordinal);
        foreach (TorchTensor tensor in stateDict.Tensors)
            _tensors[tensor.Name] = tensor;
        TensorNames = stateDict.Tensors.Select(tensor => tensor.Name).ToArray();
    }

    /// <summary>Where the content came from: the path, the name given with the stream, or <c>&lt;stream&gt;</c>.
    /// Every error message starts with it.</summary>
    public string SourceName { get; }

    /// <summary>Where the state_dict was found: <c>the top-level dict</c>, <c>the pickled module</c>, <c>the TorchScript module</c>, or a checkpoint's
    /// entry such as <c>['model_state_dict']</c>.</summary>
    public string StateDictLocation { get; }

    /// <summary>The state_dict's tensor names in the file's order.</summary>
    public IReadOnlyList<string> TensorNames { get; }

    /// <summary>Reads the torch.save file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="stateDictKey">The checkpoint entry that holds the state_dict (e.g. <c>"model_state_dict"</c>);
    /// null to use the top-level state_dict or the one dict of tensors nested in the file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a directory (the message names the weights files in it).</exception>
    /// <exception cref="InvalidDataException">The content is not a valid torch.save file or holds no such state_dict.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static PyTorchFile Load(string path, string? stateDictKey = null) => Load(path, stateDictKey, requiredKey: null);

    /// <summary>Reads torch.save content from <paramref name="stream"/>, from its current position to its end (the stream
    /// is not disposed; a non-seekable stream or one not at its start is first copied into memory).</summary>
    /// <param name="stream">The content; readable.</param>
    /// <param name="sourceName">The name used in error messages (<c>&lt;stream&gt;</c> if null).</param>
    /// <param name="stateDictKey">As for <see cref="Load(string, string?)"/>.</param>
    /// <exception cref="InvalidDataException">The content is not a valid torch.save file or holds no such state_dict.</exception>
    /// <exception cref="ArgumentException">The stream is not readable.</exception>
    public static PyTorchFile Load(Stream stream, string? sourceName = null, string? stateDictKey = null) =>
        Load(stream, sourceName, stateDictKey, requiredKey: null);

    // requiredKey: a key of the model's state_dict, which picks the model's dict among a checkpoint's dicts of tensors.
    internal static PyTorchFile Load(string path, string? stateDictKey, string? requiredKey)
    {
        using FileStream stream = WeightsPath.Open(path, bufferSize: 4096, FileOptions.RandomAccess);
        return Load(stream, path, stateDictKey, requiredKey);
    }

    internal static PyTorchFile Load(Stream stream, string? sourceName, string? stateDictKey, string? requiredKey)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream must be readable.", nameof(stream));
        string source = sourceName ?? "<stream>";
        Stream content = stream.CanSeek && stream.Position == 0 ? stream : CopyToMemory(stream, source);
        return new PyTorchFile(source, TorchArchive.Read(content, source, stateDictKey, requiredKey));
    }

    /// <summary>Whether the file has a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _tensors.ContainsKey(name);
    }

    /// <summary>The shape of the tensor named <paramref name="name"/>, outermost dimension first.</summary>
    /// <exception cref="InvalidDataException">The file has no such tensor.</exception>
    public IReadOnlyList<int> GetShape(string name) => Get(name).Shape;

    /// <summary>The element type of the tensor named <paramref name="name"/>: <c>F32</c>, <c>F64</c>, <c>F16</c>,
    /// <c>BF16</c>, or the storage class of another type (e.g. <c>torch.LongStorage</c>), which cannot be read.</summary>
    /// <exception cref="InvalidDataException">The file has no such tensor.</exception>
    public string GetDType(string name)
    {
        TorchTensor tensor = Get(name);
        return tensor.DType?.ToString() ?? tensor.StorageType.FullName;
    }

    /// <summary>The elements of the tensor named <paramref name="name"/> in row-major order, converted to float
    /// (F64 is rounded to the nearest float), read through its storage offset and strides.</summary>
    /// <exception cref="InvalidDataException">The file has no such tensor, or its element type is not one of the four.</exception>
    public float[] ReadFloats(string name)
    {
        TorchTensor tensor = Get(name);
        if (tensor.DType is not { } dtype || tensor.Storage is not { } storage)
            throw new InvalidDataException($"{SourceName}: tensor '{name}' is stored as {tensor.StorageType.FullName}, which cannot be read as floats; supported are torch.FloatStorage, DoubleStorage, HalfStorage and BFloat16Storage.");

        // The archive checked that every element read lies within the storage and that there are no more than it holds.
        var result = new float[tensor.ElementCount];
        if (result.Length == 0) return result;
        int rank = tensor.Shape.Length;
        var index = new int[rank];
        long at = tensor.Offset;
        int size = TorchTensor.ElementSize(dtype);
        for (int n = 0; n < result.Length; n++)
        {
            result[n] = Convert(storage.AsSpan((int)(at * size), size), dtype);
            // Row-major odometer: the last dimension moves fastest.
            for (int d = rank - 1; d >= 0; d--)
            {
                at += tensor.Strides[d];
                if (++index[d] < tensor.Shape[d]) break;
                at -= tensor.Strides[d] * tensor.Shape[d];
                index[d] = 0;
            }
        }
        return result;
    }

    /// <summary>The tensor named <paramref name="name"/> with its shape, converted to float32 as by <see cref="ReadFloats"/>.</summary>
    /// <exception cref="InvalidDataException">The file has no such tensor, or its element type cannot be converted.</exception>
    public Tensor ReadTensor(string name) => new(ReadFloats(name), Get(name).Shape.ToArray());

    private static float Convert(ReadOnlySpan<byte> bytes, TorchDType dtype) => dtype switch
    {
        TorchDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes),
        TorchDType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes),
        TorchDType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes),
        _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes) << 16), // BF16: the high half of a float
    };

    private TorchTensor Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_tensors.TryGetValue(name, out TorchTensor? tensor)) return tensor;
        string names = TensorNames.Count == 0 ? "none" : string.Join(", ", TensorNames.Take(20).Select(n => "'" + n + "'")) + (TensorNames.Count > 20 ? $" and {TensorNames.Count - 20} more" : "");
        throw new InvalidDataException($"{SourceName}: no tensor named '{name}' in the state_dict ({StateDictLocation}); it has {names}.");
    }

    // The size is whatever the stream really delivers, so nothing is allocated on the content's word.
    internal static MemoryStream CopyToMemory(Stream stream, string source)
    {
        var memory = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (memory.Length + read > Array.MaxLength)
                throw new InvalidDataException($"{source}: the content is longer than {Array.MaxLength} bytes, the most that is supported.");
            memory.Write(chunk, 0, read);
        }
        memory.Position = 0;
        return memory;
    }
}
