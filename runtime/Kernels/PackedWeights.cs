using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace LstmGen.Kernels;

/// <summary>
/// Weights in the kernels' layout (<see cref="RecurrentPacking"/>), starting on a 64-byte boundary: a cache line and
/// one Vector512. Unaligned, every full-width load of a panel row straddles two cache lines, which measured 1.4× slower
/// (a 40-unit LSTM, 100 against 140 ns per step). The buffer lives on the pinned object heap, so it never moves and the
/// alignment holds for its lifetime. Immutable once packed.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PackedWeights
{
    /// <summary>The alignment of the first float, in bytes.</summary>
    public const int Alignment = 64;

    private readonly float[] _buffer;
    private readonly int _start;

    internal PackedWeights(int length)
    {
        const int slack = Alignment / sizeof(float) - 1;
        _buffer = GC.AllocateArray<float>(checked(length + slack), pinned: true);
        nint address = Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, 0); // stable: the array never moves
        _start = (int)((Alignment - (nuint)address % Alignment) % Alignment) / sizeof(float);
        Length = length;
    }

    /// <summary>The number of floats.</summary>
    public int Length { get; }

    /// <summary>The packed floats, read-only.</summary>
    public ReadOnlySpan<float> Span => new(_buffer, _start, Length);

    internal Span<float> Writable => new(_buffer, _start, Length);
}
