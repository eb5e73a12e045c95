using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LstmGen.Kernels;

/// <summary>
/// Floats starting on a 64-byte boundary: a cache line and one Vector512. The kernels keep their weights and state in
/// such buffers. Unaligned, full-width loads and stores straddle two cache lines, and a store that does is not
/// forwarded to the loads of the next time step (docs/kernel-choices.md has the measurements).
/// </summary>
/// <remarks>The buffer lives on the pinned object heap, so it never moves and the alignment holds for its lifetime.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class AlignedBuffer
{
    /// <summary>The alignment of the first float, in bytes.</summary>
    public const int Alignment = 64;

    /// <summary>The spare floats a buffer needs to hold an aligned run of a given length: <see cref="Align"/>.</summary>
    public const int Slack = Alignment / sizeof(float) - 1;

    private readonly float[] _buffer;
    private readonly int _start;

    /// <summary>Allocates <paramref name="length"/> zeroed floats.</summary>
    public AlignedBuffer(int length)
    {
        _buffer = GC.AllocateArray<float>(checked(length + Slack), pinned: true);
        nint address = Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, 0); // stable: the array never moves
        _start = (int)((Alignment - (nuint)address % Alignment) % Alignment) / sizeof(float);
        Length = length;
    }

    /// <summary>The number of floats.</summary>
    public int Length { get; }

    /// <summary>The floats.</summary>
    public Span<float> Span => new(_buffer, _start, Length);

    /// <summary>
    /// The first float on a 64-byte boundary in <paramref name="buffer"/>, which must not move (stack memory) and
    /// must hold <see cref="Slack"/> floats more than the caller uses.
    /// </summary>
    /// <remarks>Bounds-checked: a buffer without the slack throws instead of overrunning.</remarks>
    public static ref float Align(Span<float> buffer) => ref buffer[Skip(buffer)];

    /// <summary>
    /// Zeroes <paramref name="length"/> floats from the first 64-byte boundary in <paramref name="buffer"/> and returns
    /// a reference to the first of them (see <see cref="Align"/>).
    /// </summary>
    /// <remarks>
    /// For stack state a kernel reads right away; the runtime skips the JIT's zeroing of <c>stackalloc</c>
    /// (<c>SkipLocalsInit</c>), so this is the only one. Its stores start at the aligned state, so that the first step's
    /// loads can be forwarded from them: zeroing from the buffer's own address, as the JIT did, left loads that span two
    /// stores waiting for the cache, and which loads did depended on where the stack happened to be, so the time of a
    /// call changed from one process to the next (docs/kernel-choices.md).
    /// </remarks>
    public static ref float ClearAligned(Span<float> buffer, int length)
    {
        Span<float> run = buffer.Slice(Skip(buffer), length); // bounds-checked, as in Align
        run.Clear();
        return ref MemoryMarshal.GetReference(run);
    }

    // The floats before the first 64-byte boundary in the buffer.
    private static unsafe int Skip(Span<float> buffer) =>
        (int)((Alignment - (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(buffer)) % Alignment) % Alignment) / sizeof(float);
}
