using System;
using System.ComponentModel;
using System.Threading.Tasks;

namespace LstmGen.Kernels;

/// <summary>
/// Runs a batch held in tensors on every core when the work is large enough to pay for starting threads.
/// The generated <c>Forward(Tensor)</c> uses it; the span overloads always stay on the caller's thread and never allocate.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ParallelBatch
{
    /// <summary>
    /// Below this many multiply-adds in the whole batch, one thread is used: smaller batches gain less from a second
    /// core than a split costs (docs/benchmarks.md, "Multi-core batches"; docs/kernel-choices.md).
    /// </summary>
    public const long MinimumMultiplyAdds = 4_000_000;

    /// <summary>A model's batched, allocation-free forward pass over spans.</summary>
    public delegate void BatchForward(ReadOnlySpan<float> input, Span<float> output, int batchSize);

    /// <summary>
    /// Runs <paramref name="forward"/> over the batch, split into one contiguous chunk per core when the batch
    /// holds at least <see cref="MinimumMultiplyAdds"/> multiply-adds and more than one sequence.
    /// </summary>
    public static void Forward(BatchForward forward, Tensor input, Tensor output, int batchSize, long multiplyAddsPerSequence)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        int chunks = Math.Min(Environment.ProcessorCount, batchSize);
        if (chunks < 2 || multiplyAddsPerSequence * batchSize < MinimumMultiplyAdds)
        {
            forward(input.AsSpan(), output.AsSpan(), batchSize);
            return;
        }

        int inputLength = input.Length / batchSize, outputLength = output.Length / batchSize;
        Parallel.For(0, chunks, chunk =>
        {
            int first = (int)((long)batchSize * chunk / chunks);
            int count = (int)((long)batchSize * (chunk + 1) / chunks) - first;
            forward(input.AsSpan().Slice(first * inputLength, count * inputLength),
                output.AsSpan().Slice(first * outputLength, count * outputLength), count);
        });
    }
}
