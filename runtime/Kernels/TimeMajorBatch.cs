using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LstmGen.Kernels;

/// <summary>
/// A batch in the order the kernels run it, sequence after sequence ([batch, T, …]): the caller's spans when they are
/// laid out so already (batch-first, or a batch of one), else copies of a time-major batch ([T, batch, …], PyTorch's
/// <c>batch_first=False</c>) in pooled arrays, whose every-step output <see cref="Complete"/> copies back.
/// </summary>
/// <remarks>
/// The copy is one pass over the input, against the T · batch steps of multiply-adds the kernel then runs on it; it
/// keeps every kernel path (lanes, blocks, bidirectional layers, lengths, states) on one layout. The pooled arrays
/// come from <see cref="ArrayPool{T}.Shared"/>: allocation-free once a call of that size has returned them.
/// </remarks>
internal ref struct TimeMajorBatch
{
    private readonly float[]? _input;
    private readonly float[]? _output;
    private readonly Span<float> _callerOutput;
    private readonly int _steps, _batchSize, _outputsPerStep;

    /// <summary>
    /// The batch of <paramref name="input"/> ([T, batch, inputSize] when <paramref name="timeMajor"/>, else [batch, T,
    /// inputSize]) and its <paramref name="output"/>, laid out batch-first; <paramref name="outputsPerStep"/>: the
    /// values per step of an every-step output ([T, batch, outputsPerStep] when time-major), 0 when the output is one
    /// row per sequence and so laid out alike either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TimeMajorBatch(ReadOnlySpan<float> input, Span<float> output, bool timeMajor, int batchSize, int steps, int inputSize, int outputsPerStep)
    {
        Input = input;
        Output = output;
        if (!timeMajor || batchSize < 2)
            return;
        (_steps, _batchSize, _outputsPerStep) = (steps, batchSize, outputsPerStep);
        _callerOutput = output;
        _input = ArrayPool<float>.Shared.Rent(input.Length);
        SwapLeadingAxes(ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetArrayDataReference(_input), steps, batchSize, inputSize);
        Input = _input.AsSpan(0, input.Length);
        if (outputsPerStep > 0)
        {
            _output = ArrayPool<float>.Shared.Rent(output.Length);
            Output = _output.AsSpan(0, output.Length);
        }
    }

    /// <summary>The input, [batch, T, inputSize].</summary>
    public ReadOnlySpan<float> Input { get; }

    /// <summary>Where the kernel writes: [batch, outputs] or [batch, T, outputsPerStep].</summary>
    public Span<float> Output { get; }

    /// <summary>Copies a time-major every-step output to the caller's span, once the kernel has written it.</summary>
    public readonly void Complete()
    {
        if (_output is not null)
            SwapLeadingAxes(ref MemoryMarshal.GetArrayDataReference(_output), ref MemoryMarshal.GetReference(_callerOutput), _batchSize, _steps, _outputsPerStep);
    }

    /// <summary>Returns the pooled arrays.</summary>
    public readonly void Dispose()
    {
        if (_input is not null) ArrayPool<float>.Shared.Return(_input);
        if (_output is not null) ArrayPool<float>.Shared.Return(_output);
    }

    /// <summary>Copies <paramref name="from"/> [rows, columns, width] to <paramref name="to"/> [columns, rows, width], both that long.</summary>
    public static void SwapLeadingAxes(ReadOnlySpan<float> from, Span<float> to, int rows, int columns, int width)
    {
        if (from.Length != (long)rows * columns * width || to.Length != from.Length)
            throw new ArgumentException($"Spans of {from.Length} and {to.Length} floats for [{rows}, {columns}, {width}].");
        SwapLeadingAxes(ref MemoryMarshal.GetReference(from), ref MemoryMarshal.GetReference(to), rows, columns, width);
    }

    /// <remarks>Inlined, so that a generated model's width is a constant and the JIT unrolls each row's copy.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SwapLeadingAxes(ref float from, ref float to, int rows, int columns, int width)
    {
        uint bytes = (uint)(width * sizeof(float));
        for (int row = 0; row < rows; row++)
        {
            for (int column = 0; column < columns; column++)
            {
                Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref to, (column * rows + row) * width)),
                    ref Unsafe.As<float, byte>(ref Unsafe.Add(ref from, (row * columns + column) * width)), bytes);
            }
        }
    }
}
