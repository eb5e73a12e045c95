using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

// Shared with the generator (compiled into both, see LstmGen.Generator.csproj): netstandard2.0 C#, no spans.
namespace LstmGen.PyTorch;

/// <summary>What a pickle's <c>GLOBAL</c> may stand for. Only these few names mean anything; every other
/// global is <see cref="Other"/>, an inert name that calling produces an inert <see cref="PickleObject"/>.</summary>
internal enum GlobalKind
{
    Other,
    OrderedDict,
    RebuildTensor,
    RebuildParameter,
    Storage,
    Set,
}

/// <summary>The element types of the storages we read (torch.FloatStorage, DoubleStorage, HalfStorage, BFloat16Storage).</summary>
internal enum TorchDType
{
    F32,
    F64,
    F16,
    BF16,
}

/// <summary>A <c>module.name</c> from a GLOBAL opcode. It is only ever compared with the allowlist, never looked up.</summary>
internal sealed class PickleGlobal
{
    private static readonly Dictionary<string, (GlobalKind Kind, TorchDType DType)> Allowlist = new Dictionary<string, (GlobalKind, TorchDType)>(StringComparer.Ordinal)
    {
        ["collections.OrderedDict"] = (GlobalKind.OrderedDict, default),
        ["torch._utils._rebuild_tensor_v2"] = (GlobalKind.RebuildTensor, default),
        // PyTorch 0.1.10 to 0.3's, with the first four arguments of _rebuild_tensor_v2.
        ["torch._utils._rebuild_tensor"] = (GlobalKind.RebuildTensor, default),
        ["torch._utils._rebuild_parameter"] = (GlobalKind.RebuildParameter, default),
        ["torch.FloatStorage"] = (GlobalKind.Storage, TorchDType.F32),
        ["torch.DoubleStorage"] = (GlobalKind.Storage, TorchDType.F64),
        ["torch.HalfStorage"] = (GlobalKind.Storage, TorchDType.F16),
        ["torch.BFloat16Storage"] = (GlobalKind.Storage, TorchDType.BF16),
        // A module's _non_persistent_buffers_set, as protocol 2 writes a set (protocol 4 has EMPTY_SET).
        ["builtins.set"] = (GlobalKind.Set, default),
        ["__builtin__.set"] = (GlobalKind.Set, default),
    };

    public PickleGlobal(string module, string name)
    {
        FullName = module + "." + name;
        (Kind, DType) = Allowlist.TryGetValue(FullName, out var known) ? known : (GlobalKind.Other, default);
        Quantized = FullName == "torch._utils._rebuild_qtensor" || FullName.Contains(".quantized.") ||
            (module == "torch" && name.StartsWith("Q", StringComparison.Ordinal) && name.EndsWith("Storage", StringComparison.Ordinal));
    }

    public string FullName { get; }

    /// <summary>A name only quantized models use (torch.ao.quantization): a quantized tensor, its integer storage, or a
    /// quantized module's class. Their weights are integers packed for PyTorch's own kernels, which LstmGen does not run.</summary>
    public bool Quantized { get; }

    public GlobalKind Kind { get; }

    /// <summary>The element type, for <see cref="GlobalKind.Storage"/>.</summary>
    public TorchDType DType { get; }
}

/// <summary>What calling (REDUCE) or instantiating (NEWOBJ) a global outside the allowlist gives: a record of the
/// call, with the BUILD state if one was set. Nothing runs; a pickled module is one of these.</summary>
internal sealed class PickleObject
{
    public PickleObject(PickleGlobal type, object?[] arguments, bool instantiated)
    {
        Type = type;
        Arguments = arguments;
        Instantiated = instantiated;
    }

    public PickleGlobal Type { get; }

    public object?[] Arguments { get; }

    /// <summary>NEWOBJ (an instance of a class) rather than REDUCE (a call).</summary>
    public bool Instantiated { get; }

    public object? State { get; set; }
}

/// <summary>A Python dict (or OrderedDict) in insertion order; keys are strings or numbers.</summary>
internal sealed class PickleDict
{
    private readonly Dictionary<object, int> _index = new Dictionary<object, int>();

    public List<object> Keys { get; } = new List<object>();

    public List<object?> Values { get; } = new List<object?>();

    public int Count => Keys.Count;

    /// <summary>As Python: a key set again keeps its place and takes the new value.</summary>
    public void Set(object key, object? value)
    {
        if (_index.TryGetValue(key, out int at))
        {
            Values[at] = value;
            return;
        }
        _index[key] = Keys.Count;
        Keys.Add(key);
        Values.Add(value);
    }

    public bool TryGet(object key, out object? value)
    {
        if (_index.TryGetValue(key, out int at))
        {
            value = Values[at];
            return true;
        }
        value = null;
        return false;
    }
}

/// <summary>A Python set (EMPTY_SET, ADDITEMS, or a call of <c>set</c>); its items in the order given, duplicates kept.</summary>
internal sealed class PickleSet
{
    public List<object?> Items { get; } = new List<object?>();
}

/// <summary>A persistent id <c>('storage', torch.FloatStorage, key, location, numel)</c>: a storage record of the archive.</summary>
internal sealed class StorageRef
{
    public StorageRef(PickleGlobal type, string key, long elementCount)
    {
        Type = type;
        Key = key;
        ElementCount = elementCount;
    }

    /// <summary>The storage class; its <see cref="PickleGlobal.Kind"/> is <see cref="GlobalKind.Storage"/> for the dtypes we read.</summary>
    public PickleGlobal Type { get; }

    public string Key { get; }

    public long ElementCount { get; }
}

/// <summary><c>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, …)</c>, checked for shape only;
/// the archive checks it against its storage.</summary>
internal sealed class TensorRef
{
    public TensorRef(StorageRef storage, long offset, long[] shape, long[] strides)
    {
        Storage = storage;
        Offset = offset;
        Shape = shape;
        Strides = strides;
    }

    public StorageRef Storage { get; }

    public long Offset { get; }

    public long[] Shape { get; }

    public long[] Strides { get; }
}

/// <summary>
/// A restricted pickle machine: it runs the opcodes <c>torch.save</c> writes with pickle protocols 2 to 5 and builds
/// inert values from them (strings, bytes as <c>byte[]</c>, numbers, tuples as <c>object?[]</c>, lists,
/// <see cref="PickleDict"/>, <see cref="PickleSet"/>, <see cref="TensorRef"/>, <see cref="PickleObject"/>). No name from
/// the file is ever resolved to code: GLOBAL and STACK_GLOBAL only compare the name with a fixed allowlist. Every other
/// opcode is refused. Every value costs at least one opcode byte, so the stack, the memo and the values built are
/// bounded by the pickle's length; every length an opcode claims (strings, bytes, frames) is checked against the bytes
/// that remain before anything is read or allocated, and MARK nesting is capped.
/// </summary>
internal sealed class PickleMachine
{
    /// <summary>The deepest MARK nesting accepted (torch.save nests a few levels).</summary>
    public const int MaxNesting = 100;

    /// <summary>The newest pickle protocol read (torch.save's <c>pickle_protocol</c>; it writes 2 by default).</summary>
    public const int MaxProtocol = 5;

    // The longest "module\nname\n" line of a GLOBAL (Python's qualified names are far shorter).
    private const int MaxGlobalLine = 256;

    private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _data;
    private readonly string _source;
    private readonly List<object?> _stack = new List<object?>();
    private readonly List<int> _marks = new List<int>();
    private readonly Dictionary<long, object?> _memo = new Dictionary<long, object?>();
    private readonly Dictionary<string, PickleGlobal> _globals = new Dictionary<string, PickleGlobal>(StringComparer.Ordinal);
    private readonly List<StorageRef> _storages = new List<StorageRef>();
    private int _position;
    private int _opcodeAt;

    private PickleMachine(byte[] data, int position, string source)
    {
        _data = data;
        _position = position;
        _source = source;
    }

    /// <summary>Runs the pickle in <paramref name="data"/> and returns the value STOP leaves, and in
    /// <paramref name="quantized"/> the first name it read that only quantized models use (null: none);
    /// <paramref name="source"/> begins every error message (the file and the record, e.g. <c>model.pt: archive/data.pkl</c>).</summary>
    /// <exception cref="InvalidDataException">The pickle is malformed or uses an opcode torch.save does not write.</exception>
    public static object? Run(byte[] data, string source, out PickleGlobal? quantized)
    {
        int position = 0;
        return Run(data, ref position, source, out quantized, out _);
    }

    /// <summary>As <see cref="Run(byte[], string, out PickleGlobal?)"/> for the pickle that starts at
    /// <paramref name="position"/>, which then is just past its STOP; <paramref name="storages"/> are the persistent ids
    /// it read, in order (the legacy format lays their bytes out after the pickles).</summary>
    /// <exception cref="InvalidDataException">The pickle is malformed or uses an opcode torch.save does not write.</exception>
    public static object? Run(byte[] data, ref int position, string source, out PickleGlobal? quantized, out IReadOnlyList<StorageRef> storages)
    {
        var machine = new PickleMachine(data, position, source);
        object? root = machine.Run();
        position = machine._position;
        quantized = machine._globals.Values.FirstOrDefault(global => global.Quantized);
        storages = machine._storages;
        return root;
    }

    private object? Run()
    {
        while (_position < _data.Length)
        {
            _opcodeAt = _position;
            byte opcode = _data[_position++];
            switch (opcode)
            {
                case 0x80: // PROTO
                    byte protocol = ReadByte();
                    if (protocol > MaxProtocol)
                        throw Fail($"pickle protocol {protocol}; torch.save writes protocols 2 (its default) to {MaxProtocol}");
                    break;
                case 0x95: // FRAME: how many bytes the next opcodes take, a hint for buffering
                    Check(ReadUInt64(), "a FRAME");
                    break;
                case (byte)'.': // STOP
                    return Pop();
                case (byte)'(': // MARK
                    if (_marks.Count >= MaxNesting)
                        throw Fail($"MARKs nested more than {MaxNesting} deep");
                    _marks.Add(_stack.Count);
                    break;
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'J': Push((long)ReadInt32()); break; // BININT
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)(ReadByte() | (ReadByte() << 8))); break; // BININT2
                case 0x8a: Push(ReadLong1()); break; // LONG1
                case (byte)'G': Push(ReadBigEndianDouble()); break; // BINFLOAT
                case (byte)'X': Push(ReadUnicode(ReadUInt32())); break; // BINUNICODE
                case 0x8c: Push(ReadUnicode(ReadByte())); break; // SHORT_BINUNICODE
                // Python 2's str, in files PyTorch wrote under Python 2.7: decoded as UTF-8, as torch.load does.
                case (byte)'U': Push(ReadUnicode(ReadByte())); break; // SHORT_BINSTRING
                case (byte)'T': // BINSTRING
                {
                    int length = ReadInt32();
                    if (length < 0)
                        throw Fail($"a BINSTRING of {length} bytes");
                    Push(ReadUnicode((ulong)length));
                    break;
                }
                case (byte)'C': Push(ReadBytes(ReadByte())); break; // SHORT_BINBYTES
                case (byte)'B': Push(ReadBytes(ReadUInt32())); break; // BINBYTES
                case 0x96: Push(ReadBytes(ReadUInt64())); break; // BYTEARRAY8 (numpy's arrays in protocol 5)
                case (byte)'}': Push(new PickleDict()); break; // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case 0x8f: Push(new PickleSet()); break; // EMPTY_SET
                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': Push(PopToMark().ToArray()); break; // TUPLE
                case 0x85: Push(new[] { Pop() }); break; // TUPLE1
                case 0x86: // TUPLE2
                {
                    object? second = Pop(), first = Pop();
                    Push(new[] { first, second });
                    break;
                }
                case 0x87: // TUPLE3
                {
                    object? third = Pop(), second = Pop(), first = Pop();
                    Push(new[] { first, second, third });
                    break;
                }
                case (byte)'q': _memo[ReadByte()] = Peek(); break; // BINPUT
                case (byte)'r': _memo[ReadUInt32()] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'h': Push(Recall(ReadByte())); break; // BINGET
                case (byte)'j': Push(Recall(ReadUInt32())); break; // LONG_BINGET
                case (byte)'c': Push(ReadGlobal()); break; // GLOBAL
                case 0x93: // STACK_GLOBAL
                {
                    object? name = Pop(), module = Pop();
                    if (module is not string moduleName || name is not string globalName)
                        throw Fail($"STACK_GLOBAL names {Describe(module)} and {Describe(name)}; expected a module and a name, two strings");
                    if (moduleName.Length + 1 + globalName.Length > MaxGlobalLine)
                        throw Fail($"a STACK_GLOBAL name is {moduleName.Length + 1 + globalName.Length} characters long; at most {MaxGlobalLine} are accepted");
                    Push(Global(moduleName, globalName));
                    break;
                }
                case (byte)'R': // REDUCE
                {
                    object?[] arguments = PopTuple("REDUCE's arguments");
                    Push(Call(Pop(), arguments));
                    break;
                }
                case 0x81: // NEWOBJ
                {
                    object?[] arguments = PopTuple("NEWOBJ's arguments");
                    Push(Instantiate(Pop(), arguments));
                    break;
                }
                case (byte)'b': Build(Pop(), Peek()); break; // BUILD
                case (byte)'Q': Push(PersistentId(Pop())); break; // BINPERSID
                case (byte)'s': // SETITEM
                {
                    object? value = Pop(), key = Pop();
                    AsDict(Peek(), "SETITEM").Set(Key(key), value);
                    break;
                }
                case (byte)'u': // SETITEMS
                {
                    List<object?> items = PopToMark();
                    if (items.Count % 2 != 0)
                        throw Fail($"SETITEMS with {items.Count} values; expected key, value pairs");
                    PickleDict dict = AsDict(Peek(), "SETITEMS");
                    for (int i = 0; i < items.Count; i += 2)
                        dict.Set(Key(items[i]), items[i + 1]);
                    break;
                }
                case (byte)'a': // APPEND
                {
                    object? item = Pop();
                    AsList(Peek(), "APPEND").Add(item);
                    break;
                }
                case (byte)'e': // APPENDS
                {
                    List<object?> items = PopToMark();
                    AsList(Peek(), "APPENDS").AddRange(items);
                    break;
                }
                case 0x90: // ADDITEMS
                {
                    List<object?> items = PopToMark();
                    AsSet(Peek(), "ADDITEMS").Items.AddRange(items);
                    break;
                }
                default:
                    throw Fail($"opcode 0x{opcode:x2}{(opcode >= 0x20 && opcode < 0x7f ? $" ('{(char)opcode}')" : "")} is not one torch.save writes; refused");
            }
        }
        throw Fail("the pickle ends without a STOP opcode (truncated?)");
    }

    // ------------------------------------------------------------------ the allowlisted calls

    private object? Call(object? callable, object?[] arguments)
    {
        if (callable is not PickleGlobal global)
            throw Fail($"REDUCE calls {Describe(callable)}; only a global can be called");
        switch (global.Kind)
        {
            case GlobalKind.OrderedDict:
                if (arguments.Length != 0)
                    throw Fail($"collections.OrderedDict called with {arguments.Length} arguments; torch.save passes none");
                return new PickleDict();
            case GlobalKind.RebuildTensor:
                return RebuildTensor(arguments);
            case GlobalKind.RebuildParameter:
                if (arguments.Length < 1 || arguments[0] is not TensorRef tensor)
                    throw Fail($"torch._utils._rebuild_parameter called with {(arguments.Length == 0 ? "no arguments" : Describe(arguments[0]))}; expected a tensor first");
                return tensor;
            case GlobalKind.Set:
                var set = new PickleSet();
                if (arguments.Length == 1 && arguments[0] is List<object?> items)
                    set.Items.AddRange(items);
                else if (arguments.Length != 0)
                    throw Fail($"{global.FullName} called with {arguments.Length} arguments starting with {Describe(arguments[0])}; pickle passes a list or nothing");
                return set;
            default:
                // Any other name, a storage class included: an inert record of the call.
                return new PickleObject(global, arguments, instantiated: false);
        }
    }

    private object Instantiate(object? type, object?[] arguments)
    {
        if (type is not PickleGlobal global)
            throw Fail($"NEWOBJ instantiates {Describe(type)}; only a global class can be");
        if (global.Kind == GlobalKind.OrderedDict && arguments.Length == 0)
            return new PickleDict();
        if (global.Kind != GlobalKind.Other)
            throw Fail($"NEWOBJ instantiates {global.FullName}, which torch.save only calls");
        return new PickleObject(global, arguments, instantiated: true);
    }

    // BUILD sets an object's state: a module's __dict__, or an OrderedDict's attributes (a state_dict's _metadata).
    private void Build(object? state, object? target)
    {
        switch (target)
        {
            case PickleObject instance:
                instance.State = state;
                break;
            case PickleDict:
                break; // attributes of a dict (_metadata) are not needed
            default:
                throw Fail($"BUILD on {Describe(target)}; torch.save only builds objects and OrderedDicts");
        }
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    private TensorRef RebuildTensor(object?[] arguments)
    {
        if (arguments.Length < 4 || arguments[0] is not StorageRef storage)
        {
            throw Fail($"torch._utils._rebuild_tensor_v2 called with {arguments.Length} arguments " +
                $"{(arguments.Length > 0 ? "starting with " + Describe(arguments[0]) : "")}; expected (storage, offset, size, stride, …)");
        }
        if (arguments[1] is not long offset || offset < 0)
            throw Fail($"a tensor's storage offset is {Describe(arguments[1])}; expected a non-negative integer");
        long[] shape = Integers(arguments[2], "size");
        long[] strides = Integers(arguments[3], "stride");
        if (strides.Length != shape.Length)
            throw Fail($"a tensor has size {Format(shape)} but stride {Format(strides)}; expected one stride per dimension");
        return new TensorRef(storage, offset, shape, strides);
    }

    private long[] Integers(object? value, string what)
    {
        if (value is not object?[] tuple)
            throw Fail($"a tensor's {what} is {Describe(value)}; expected a tuple of non-negative integers");
        var result = new long[tuple.Length];
        for (int i = 0; i < tuple.Length; i++)
        {
            if (tuple[i] is not long number || number < 0)
                throw Fail($"a tensor's {what} holds {Describe(tuple[i])}; expected non-negative integers");
            result[i] = number;
        }
        return result;
    }

    // ('storage', storage_type, key, location, numel), and in the legacy format a sixth item, view_metadata: None since
    // PyTorch 0.4 dropped storage views. A whole module saved in the legacy format also names each module class as
    // ('module', class, source file, source code), for torch.load to warn when the code changed: the class is its
    // global name, and its source is never looked at.
    private object PersistentId(object? id)
    {
        if (id is object?[] { Length: 4 } named && "module".Equals(named[0]) && named[1] is PickleGlobal moduleClass)
            return moduleClass;
        if (id is not object?[] { Length: 5 or 6 } tuple || !"storage".Equals(tuple[0]) || (tuple.Length == 6 && tuple[5] is not null))
            throw Fail($"persistent id {Describe(id)}; expected ('storage', type, key, location, numel[, None]) or ('module', class, file, source)");
        if (tuple[1] is not PickleGlobal type)
            throw Fail($"a storage's type is {Describe(tuple[1])}; expected a storage class such as torch.FloatStorage");
        if (tuple[2] is not string key)
            throw Fail($"a storage's key is {Describe(tuple[2])}; expected a string");
        if (tuple[4] is not long count || count < 0)
            throw Fail($"storage '{key}' has {Describe(tuple[4])} elements; expected a non-negative integer");
        var storage = new StorageRef(type, key, count);
        _storages.Add(storage);
        return storage;
    }

    // ------------------------------------------------------------------ stack, memo, reading

    private void Push(object? value) => _stack.Add(value);

    private object? Pop()
    {
        int floor = _marks.Count == 0 ? 0 : _marks[_marks.Count - 1];
        if (_stack.Count <= floor)
            throw Fail("the stack is empty");
        object? value = _stack[_stack.Count - 1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek()
    {
        int floor = _marks.Count == 0 ? 0 : _marks[_marks.Count - 1];
        if (_stack.Count <= floor)
            throw Fail("the stack is empty");
        return _stack[_stack.Count - 1];
    }

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0)
            throw Fail("no MARK to pop to");
        int mark = _marks[_marks.Count - 1];
        _marks.RemoveAt(_marks.Count - 1);
        List<object?> items = _stack.GetRange(mark, _stack.Count - mark);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private object?[] PopTuple(string what) =>
        Pop() is object?[] tuple ? tuple : throw Fail($"{what} are not a tuple");

    private object? Recall(long index) =>
        _memo.TryGetValue(index, out object? value) ? value : throw Fail($"memo entry {index} is read before it is written");

    private PickleDict AsDict(object? target, string opcode) =>
        target as PickleDict ?? throw Fail($"{opcode} on {Describe(target)}; expected a dict");

    private List<object?> AsList(object? target, string opcode) =>
        target as List<object?> ?? throw Fail($"{opcode} on {Describe(target)}; expected a list");

    private PickleSet AsSet(object? target, string opcode) =>
        target as PickleSet ?? throw Fail($"{opcode} on {Describe(target)}; expected a set");

    private object Key(object? key) => key is string or long or bool or double
        ? key
        : throw Fail($"a dict key is {Describe(key)}; expected a string or a number");

    private PickleGlobal ReadGlobal() => Global(ReadLine(), ReadLine());

    private PickleGlobal Global(string module, string name)
    {
        string fullName = module + "." + name;
        if (!_globals.TryGetValue(fullName, out PickleGlobal? global))
            _globals[fullName] = global = new PickleGlobal(module, name);
        return global;
    }

    private string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _position, Math.Min(MaxGlobalLine, _data.Length - _position));
        if (end < 0)
            throw Fail($"a GLOBAL name has no end of line within {MaxGlobalLine} bytes");
        string line = Decode(_position, end - _position);
        _position = end + 1;
        return line;
    }

    private string ReadUnicode(ulong length) => Decode(Take(length, "a string"), (int)length);

    private byte[] ReadBytes(ulong length)
    {
        int start = Take(length, "a bytes value");
        var bytes = new byte[(int)length];
        Array.Copy(_data, start, bytes, 0, bytes.Length);
        return bytes;
    }

    // Where the next `length` bytes start, once they are known to be there; nothing is read or allocated before.
    private int Take(ulong length, string what)
    {
        Check(length, what);
        int start = _position;
        _position += (int)length;
        return start;
    }

    private void Check(ulong length, string what)
    {
        if (length > (ulong)(_data.Length - _position))
            throw Fail($"{what} claims {length} bytes but {_data.Length - _position} remain");
    }

    private string Decode(int start, int length)
    {
        try
        {
            return StrictUtf8.GetString(_data, start, length);
        }
        catch (DecoderFallbackException)
        {
            throw Fail("a string is not valid UTF-8");
        }
    }

    private byte ReadByte()
    {
        if (_position >= _data.Length)
            throw Fail("the pickle ends inside an opcode's argument (truncated?)");
        return _data[_position++];
    }

    private int ReadInt32()
    {
        Need(4);
        int value = _data[_position] | (_data[_position + 1] << 8) | (_data[_position + 2] << 16) | (_data[_position + 3] << 24);
        _position += 4;
        return value;
    }

    private uint ReadUInt32() => (uint)ReadInt32();

    private ulong ReadUInt64() => (ulong)ReadUInt32() | ((ulong)ReadUInt32() << 32);

    // LONG1: a length byte, then that many bytes of a little-endian two's-complement integer.
    private long ReadLong1()
    {
        int length = ReadByte();
        if (length > 8)
            throw Fail($"an integer of {length} bytes; at most 8 are supported");
        Need(length);
        long value = 0;
        for (int i = length - 1; i >= 0; i--)
            value = (value << 8) | _data[_position + i];
        if (length is > 0 and < 8 && (_data[_position + length - 1] & 0x80) != 0)
            value -= 1L << (8 * length); // sign-extend
        _position += length;
        return value;
    }

    private double ReadBigEndianDouble()
    {
        Need(8);
        long bits = 0;
        for (int i = 0; i < 8; i++)
            bits = (bits << 8) | _data[_position + i];
        _position += 8;
        return BitConverter.Int64BitsToDouble(bits);
    }

    private void Need(int bytes)
    {
        if (_data.Length - _position < bytes)
            throw Fail("the pickle ends inside an opcode's argument (truncated?)");
    }

    private InvalidDataException Fail(string message) => new InvalidDataException($"{_source}: {message} (opcode at byte {_opcodeAt}).");

    /// <summary>A value as an error message names it; placeholders say they were never run.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        bool flag => flag ? "True" : "False",
        long number => "the integer " + number,
        double number => "the number " + number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        string text => "the string '" + (text.Length > 40 ? text.Substring(0, 40) + "…" : text) + "'",
        object?[] tuple => $"a tuple of {tuple.Length}",
        List<object?> list => $"a list of {list.Count}",
        PickleDict dict => $"a dict of {dict.Count}",
        PickleSet set => $"a set of {set.Items.Count}",
        byte[] bytes => $"{bytes.Length} bytes",
        PickleGlobal global => global.FullName,
        PickleObject { Instantiated: true } instance => $"an instance of {instance.Type.FullName}",
        PickleObject call => $"a call to {call.Type.FullName} (never run)",
        StorageRef storage => $"storage '{storage.Key}'",
        TensorRef => "a tensor",
        _ => value.GetType().Name,
    };

    private static string Format(long[] values) => "(" + string.Join(", ", values) + ")";
}
