using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

// A kernel's stack memory is used as its scratch is, with whatever it held before: each clears its state and writes
// the rest before reading it, so zeroing every stackalloc first was only a cost to short calls (docs/kernel-choices.md).
[module: SkipLocalsInit]

namespace LstmGen.Kernels;

/// <summary>
/// Working memory for kernels whose state would not fit their stack budget (large or deep models), a batch's blocks
/// and a bidirectional model's layers: one pinned,
/// 64-byte-aligned buffer per thread, grown at first use. Hosts that call in on small native threads (audio
/// callbacks, game engines) keep their stack; concurrent calls on other threads get their own buffer.
/// </summary>
/// <remarks>A kernel takes it once per call and never calls another kernel meanwhile, so uses on one thread cannot overlap.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelScratch
{
    /// <summary>The most a method of the runtime's kernel driver puts on the stack (generated code has none); beyond it, it works in this thread's scratch.</summary>
    public const int StackBudgetBytes = 16 * 1024;

    [ThreadStatic]
    private static AlignedBuffer? t_buffer;

    /// <summary>This thread's scratch: <paramref name="length"/> floats from a cache line, with whatever they held before.</summary>
    public static Span<float> Rent(int length)
    {
        AlignedBuffer? buffer = t_buffer;
        if (buffer is null || buffer.Length < length)
            t_buffer = buffer = new AlignedBuffer(length);
        return buffer.Span.Slice(0, length);
    }
}
