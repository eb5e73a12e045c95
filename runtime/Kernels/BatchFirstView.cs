using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LstmGen.Kernels;

/// <summary>
/// Sequences first … first + count − 1 of a batch, laid out as the kernels run them, sequence after sequence ([count,
/// T, …]): slices of the caller's spans when the batch is laid out so already (batch-first, one sequence, or one
/// step), else copies of a time-major batch ([T, batch, …], PyTorch's <c>batch_first=False</c>) in this thread's
/// buffer, whose every-step output <see cref="Complete"/> copies back.
/// </summary>
/// <remarks>
/// The copy is one pass over the input, against the multiply-adds of every step that the kernel then runs on it
/// (docs/kernel-choices.md, "Time-major batches"); it keeps the kernel paths (blocks, bidirectional layers, lengths,
/// states) on one layout. Lane groups, which gather each step's rows anyway, read a time-major batch in place instead. The buffer is one per thread, grown at first use, as <see cref="KernelScratch"/>'s:
/// allocation-free once the thread has run a batch this large.
/// </remarks>
internal readonly ref struct BatchFirstView
{
    [ThreadStatic]
    private static AlignedBuffer? t_buffer;

    private readonly Span<float> _copiedOutput, _callerOutput;
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
        if (batchFirst || batchSize == 1 || steps == 1)
        {
            Input = input.Slice(first * steps * inputSize, count * steps * inputSize);
            Output = output.Slice(first * outputs, count * outputs);
            return;
        }
        (_steps, _batchSize, _first, _count, _outputsPerStep) = (steps, batchSize, first, count, outputsPerStep);
        int inputLength = count * steps * inputSize, outputLength = outputsPerStep > 0 ? count * outputs : 0;
        if ((long)inputLength + outputLength > Array.MaxLength - AlignedBuffer.Slack)
        {
            throw new ArgumentException(
                $"input is a time-major batch of {(long)inputLength + outputLength} floats with its every-step output, which run as a batch-first copy " +
                $"in one buffer of at most {Array.MaxLength - AlignedBuffer.Slack} floats: pass the batch in parts, or batch-first.", nameof(input));
        }
        AlignedBuffer? buffer = t_buffer;
        if (buffer is null || buffer.Length < inputLength + outputLength)
            t_buffer = buffer = new AlignedBuffer(inputLength + outputLength);
        Span<float> copies = buffer.Span;
        Span<float> copiedInput = copies.Slice(0, inputLength);
        CopySequences(ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(copiedInput), steps, batchSize, first, count, inputSize, toBatchFirst: true);
        Input = copiedInput;
        if (outputsPerStep == 0)
        {
            Output = output.Slice(first * outputs, count * outputs); // one row per sequence: laid out alike
            return;
        }
        _callerOutput = output;
        Output = _copiedOutput = copies.Slice(inputLength, outputLength);
    }

    /// <summary>The sequences' input, [count, T, inputSize].</summary>
    public ReadOnlySpan<float> Input { get; }

    /// <summary>Where the kernel writes the sequences' outputs: [count, outputs] or [count, T, outputsPerStep].</summary>
    public Span<float> Output { get; }

    /// <summary>Copies a time-major every-step output to the caller's span, once the kernel has written it.</summary>
    public void Complete()
    {
        if (!_copiedOutput.IsEmpty)
        {
            CopySequences(ref MemoryMarshal.GetReference(_callerOutput), ref MemoryMarshal.GetReference(_copiedOutput), _steps, _batchSize, _first, _count,
                _outputsPerStep, toBatchFirst: false);
        }
    }

    /// <summary>
    /// Copies sequences first … first + count − 1 of <paramref name="timeMajor"/> [steps, batchSize, width] to
    /// <paramref name="batchFirst"/> [count, steps, width], or back when not <paramref name="toBatchFirst"/>.
    /// </summary>
    /// <remarks>Inlined, so that a generated model's width is a constant and the JIT unrolls each row's copy.</remarks>
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
