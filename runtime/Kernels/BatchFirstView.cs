using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LstmGen.Kernels;

/// <summary>
/// Sequences first … first + count − 1 of a batch, laid out as the kernels run them, sequence after sequence ([count,
/// T, …]): slices of the caller's spans when the batch is laid out so already (batch-first, one sequence, or one
/// step), else copies of a time-major batch ([T, batch, …], PyTorch's <c>batch_first=False</c>) in pooled arrays, whose
/// every-step output <see cref="Complete"/> copies back.
/// </summary>
/// <remarks>
/// The copy is one pass over the input, against the multiply-adds of every step that the kernel then runs on it
/// (docs/kernel-choices.md, "Time-major batches"); it keeps the kernel paths (blocks, bidirectional layers, lengths,
/// states) on one layout. Lane groups, which gather each step's rows anyway, read a time-major batch in place instead.
/// The arrays come from <see cref="ArrayPool{T}.Shared"/> and go back on <see cref="Dispose"/>: a batch's size is the
/// caller's, so no thread keeps the largest it ever copied, and a call is allocation-free once the pool holds arrays
/// of its size.
/// </remarks>
internal readonly ref struct BatchFirstView
{
    private readonly float[]? _input, _output;
    private readonly Span<float> _callerOutput;
    private readonly int _steps, _batchSize, _first, _count, _outputsPerStep;

    /// <summary>
    /// Sequences <paramref name="first"/> … of the batch in <paramref name="input"/> ([batch, T, inputSize] when
    /// <paramref name="batchFirst"/>, else [T, batch, inputSize]) and their rows of <paramref name="output"/>;
    /// <paramref name="outputsPerStep"/>: the values per step of an every-step output ([batch, T, outputsPerStep] or
    /// [T, batch, outputsPerStep]), 0 when the output is one row per sequence ([batch, outputs]) in either layout.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public BatchFirstView(ReadOnlySpan<float> input, Span<float> output, bool batchFirst, int batchSize, int steps, int inputSize, int outputsPerStep,
        int first, int count)
    {
        int outputs = output.Length / Math.Max(batchSize, 1); // a sequence's
        if (batchFirst || batchSize == 1 || steps == 1 || count == 0)
        {
            Input = input.Slice(first * steps * inputSize, count * steps * inputSize);
            Output = output.Slice(first * outputs, count * outputs);
            return;
        }
        (_steps, _batchSize, _first, _count, _outputsPerStep) = (steps, batchSize, first, count, outputsPerStep);
        int inputLength = count * steps * inputSize;
        _input = Rent(inputLength);
        CopySequences(ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetArrayDataReference(_input), steps, batchSize, first, count, inputSize, toBatchFirst: true);
        Input = _input.AsSpan(0, inputLength);
        if (outputsPerStep == 0)
        {
            Output = output.Slice(first * outputs, count * outputs); // one row per sequence: laid out alike
            return;
        }
        _callerOutput = output;
        _output = Rent(count * outputs);
        Output = _output.AsSpan(0, count * outputs);
    }

    /// <summary>The sequences' input, [count, T, inputSize].</summary>
    public ReadOnlySpan<float> Input { get; }

    /// <summary>Where the kernel writes the sequences' outputs: [count, outputs] or [count, T, outputsPerStep].</summary>
    public Span<float> Output { get; }

    /// <summary>Copies a time-major every-step output to the caller's span, once the kernel has written it.</summary>
    public void Complete()
    {
        if (_output is not null)
        {
            CopySequences(ref MemoryMarshal.GetReference(_callerOutput), ref MemoryMarshal.GetArrayDataReference(_output), _steps, _batchSize, _first, _count,
                _outputsPerStep, toBatchFirst: false);
        }
    }

    /// <summary>Returns the pooled arrays.</summary>
    public void Dispose()
    {
        if (_input is not null) ArrayPool<float>.Shared.Return(_input);
        if (_output is not null) ArrayPool<float>.Shared.Return(_output);
    }

    // A span may be longer than any array (native memory): such a batch cannot be copied.
    private static float[] Rent(int length) =>
        length <= Array.MaxLength
            ? ArrayPool<float>.Shared.Rent(length)
            : throw new ArgumentException($"A time-major batch of {length} floats is copied to batch-first order in an array, which holds at most {Array.MaxLength}: pass it in parts, or batch-first.");

    /// <summary>
    /// Copies sequences first … first + count − 1 of <paramref name="timeMajor"/> [steps, batchSize, width] to
    /// <paramref name="batchFirst"/> [count, steps, width], or back when not <paramref name="toBatchFirst"/>.
    /// </summary>
    /// <remarks>Inlined, so that where a generated model's width reaches it as a constant (the input's, in the
    /// constructor), the JIT unrolls each row's copy.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySequences(ref float timeMajor, ref float batchFirst, int steps, int batchSize, int first, int count, int width, bool toBatchFirst)
    {
        uint bytes = (uint)(width * sizeof(float));
        for (int t = 0; t < steps; t++)
        {
            for (int b = 0; b < count; b++)
            {
                ref float step = ref Unsafe.Add(ref timeMajor, (t * batchSize + first + b) * width);
                ref float row = ref Unsafe.Add(ref batchFirst, (b * steps + t) * width);
                Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref toBatchFirst ? ref row : ref step),
                    ref Unsafe.As<float, byte>(ref toBatchFirst ? ref step : ref row), bytes);
            }
        }
    }
}
