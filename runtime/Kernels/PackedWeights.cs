using System;
using System.ComponentModel;

namespace LstmGen.Kernels;

/// <summary>
/// Weights in the kernels' layout (<see cref="RecurrentPacking"/>) in an <see cref="AlignedBuffer"/>, so every
/// full-width load of a panel row reads one cache line. Immutable once packed.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PackedWeights
{
    private readonly AlignedBuffer _buffer;

    internal PackedWeights(int length) => _buffer = new AlignedBuffer(length);

    /// <summary>The number of floats.</summary>
    public int Length => _buffer.Length;

    /// <summary>The packed floats, read-only.</summary>
    public ReadOnlySpan<float> Span => _buffer.Span;

    internal Span<float> Writable => _buffer.Span;
}
