using System.Collections.Generic;

namespace LstmGen;

/// <summary>The header entry of one tensor in a <see cref="SafetensorsFile"/>, already validated.</summary>
public sealed class SafetensorsTensorInfo
{
    internal SafetensorsTensorInfo(string name, string dtype, int[] shape, long elementCount, long dataBegin, long dataEnd)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    /// <summary>The tensor's key in the header, e.g. <c>fc.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The safetensors dtype name as written in the file, e.g. <c>F32</c>, <c>BF16</c>.</summary>
    public string DType { get; }

    /// <summary>The size of each dimension, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The number of bytes the tensor occupies (<see cref="ElementCount"/> × the dtype's size).</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>Where the tensor's bytes begin, relative to the start of the data section.</summary>
    public long DataBegin { get; }

    /// <summary>Where the tensor's bytes end (exclusive), relative to the start of the data section.</summary>
    public long DataEnd { get; }
}
