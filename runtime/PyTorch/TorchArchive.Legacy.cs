using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

// Shared with the generator (compiled into both, see LstmGen.Generator.csproj): netstandard2.0 C#, no spans.
namespace LstmGen.PyTorch;

/// <summary>
/// <c>torch.save</c>'s format before PyTorch 1.6 (and since, with <c>_use_new_zipfile_serialization=False</c>): five
/// pickles end to end (the magic number, the protocol version, <c>sys_info</c>, the saved object with its storages as
/// persistent ids, and the list of storage keys), then every storage in that list's order: its element count as a
/// little-endian int64, then its elements. Nothing says where a storage ends but its count and element size, so every
/// storage the object names is accounted for, also those of types whose tensors are not read.
/// </summary>
internal static partial class TorchArchive
{
    private const long LegacyProtocolVersion = 1001;

    private static TorchStateDict ReadLegacy(Stream stream, string source, string? stateDictKey, string? requiredKey)
    {
        byte[] data = ReadWhole(stream, source);
        // The magic number is a pickle of its own: the bytes Sniff matched, then STOP (read here, as the pickle machine
        // reads no integer over 8 bytes).
        int position = LegacyMagicAt(data, data.Length) + LegacyMagic.Length;
        if (position >= data.Length || data[position] != (byte)'.')
            throw Fail(source, "the legacy format's magic number is not followed by STOP; the file is corrupt.");
        position++;

        object? version = Pickle(data, ref position, source, "protocol version", out _);
        if (!(version is long number && number == LegacyProtocolVersion))
            throw Fail(source, $"the legacy format's protocol version is {PickleMachine.Describe(version)}; expected {LegacyProtocolVersion}, the one torch.save writes.");
        if (Pickle(data, ref position, source, "sys_info", out _) is PickleDict info && info.TryGet("little_endian", out object? little) && false.Equals(little))
            throw Fail(source, "sys_info says the file was written on a big-endian machine, whose storage counts LstmGen does not read; load it in PyTorch and save it again.");

        int objectAt = position;
        object? root = PickleMachine.Run(data, ref position, $"{source}: the saved object (byte {objectAt})", out PickleGlobal? quantized,
            out IReadOnlyList<StorageRef> referenced);
        RefuseQuantized(source, quantized);
        (string location, List<KeyValuePair<string, TensorRef>> found) = Select(root, source, stateDictKey, requiredKey);

        // What follows the last storage (a second torch.save to the same file) is ignored, as torch.load ignores it.
        Dictionary<string, byte[]> storages = ReadLegacyStorages(data, ref position, source, referenced);
        return StateDict(location, found, source, (tensor, storage) =>
        {
            if (!storages.TryGetValue(storage.Key, out byte[]? bytes))
                throw Fail(source, $"tensor '{tensor}' reads storage '{storage.Key}', which the file's list of storages does not hold.");
            int size = TorchTensor.ElementSize(storage.Type.DType);
            if (!Holds(bytes.Length, storage.ElementCount, size))
                throw Fail(source, $"storage '{storage.Key}' is claimed with {storage.ElementCount} elements by tensor '{tensor}' but holds {bytes.Length / size}.");
            return bytes;
        });
    }

    // The list of storage keys, then each storage in its order; the bytes of those of a type we read, by key.
    private static Dictionary<string, byte[]> ReadLegacyStorages(byte[] data, ref int position, string source, IReadOnlyList<StorageRef> referenced)
    {
        var types = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        foreach (StorageRef storage in referenced)
        {
            if (!types.TryGetValue(storage.Key, out StorageRef? seen))
                types[storage.Key] = storage;
            else if (seen.Type.FullName != storage.Type.FullName)
                throw Fail(source, $"storage '{storage.Key}' is named as a {seen.Type.FullName} and as a {storage.Type.FullName}.");
        }

        object? list = Pickle(data, ref position, source, "list of storage keys", out _);
        if (list is not List<object?> keys || keys.Any(key => key is not string))
            throw Fail(source, $"the legacy format's list of storage keys is {PickleMachine.Describe(list)}; expected a list of strings.");

        var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var laidOut = new HashSet<string>(StringComparer.Ordinal);
        foreach (string key in keys.Cast<string>())
        {
            if (!laidOut.Add(key))
                throw Fail(source, $"storage '{key}' is listed twice.");
            if (!types.TryGetValue(key, out StorageRef? storage))
                throw Fail(source, $"storage '{key}' is listed, but the saved object never names it, so its element size, and where the next storage starts, are unknown.");
            int size = LegacyElementSize(storage.Type)
                ?? throw Fail(source, $"storage '{key}' is a {storage.Type.FullName}, whose element size is unknown, and so is where the next storage starts.");
            if (data.Length - position < sizeof(long))
                throw Fail(source, $"the file ends before storage '{key}'; it is truncated.");
            long count = ReadInt64(data, position);
            position += sizeof(long);
            if (count != storage.ElementCount)
                throw Fail(source, $"storage '{key}' holds {count} elements, but the saved object names it with {storage.ElementCount}.");
            if (count > (data.Length - position) / size)
                throw Fail(source, $"storage '{key}' holds {count} elements of {size} bytes, but {data.Length - position} bytes remain; the file is truncated.");
            int length = (int)count * size;
            if (storage.Type.Kind == GlobalKind.Storage)
            {
                var bytes = new byte[length];
                Array.Copy(data, position, bytes, 0, length);
                storages[key] = bytes;
            }
            position += length;
        }
        return storages;
    }

    private static object? Pickle(byte[] data, ref int position, string source, string what, out IReadOnlyList<StorageRef> storages) =>
        PickleMachine.Run(data, ref position, $"{source}: the legacy format's {what} (byte {position})", out _, out storages);

    // Bytes per element of every storage class torch.save writes, also those whose tensors are not read (an
    // optimizer's step counts, a BatchNorm's num_batches_tracked): the storages lie end to end.
    private static int? LegacyElementSize(PickleGlobal type) => type.Kind == GlobalKind.Storage ? TorchTensor.ElementSize(type.DType) : type.FullName switch
    {
        "torch.LongStorage" or "torch.ComplexFloatStorage" => 8,
        "torch.IntStorage" => 4,
        "torch.ShortStorage" => 2,
        "torch.CharStorage" or "torch.ByteStorage" or "torch.BoolStorage" or "torch.UntypedStorage" or "torch._UntypedStorage" => 1,
        "torch.ComplexDoubleStorage" => 16,
        _ => null,
    };

    private static long ReadInt64(byte[] data, int at)
    {
        long value = 0;
        for (int i = 7; i >= 0; i--)
            value = (value << 8) | data[at + i];
        return value;
    }

    // The legacy format has no directory, so it is read whole; its storages are then copied out of it.
    private static byte[] ReadWhole(Stream stream, string source)
    {
        long length = stream.Length - stream.Position;
        if (length > MaxLegacyBytes)
        {
            throw Fail(source, $"a file in the legacy format is read whole, and this one has {length} bytes, more than the {MaxLegacyBytes} one array holds; " +
                "load it in PyTorch and save it again with torch.save, which writes the zip archive.");
        }
        var data = new byte[length];
        int read = ReadAtMost(stream, data);
        if (read != length)
            throw Fail(source, $"the stream ended after {read} of its {length} bytes.");
        return data;
    }

    private const int MaxLegacyBytes = 0x7FFFFFC7; // Array.MaxLength, which netstandard2.0 lacks
}
