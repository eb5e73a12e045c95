using System;
using System.Threading.Tasks;

namespace LstmGen.Kernels;

/// <summary>
/// Runs a batch on every core when the work is large enough to pay for starting threads: the driver's
/// <c>Forward(Tensor)</c> uses it; the span overloads always stay on the caller's thread.
/// </summary>
internal static class ParallelBatch
{
    /// <summary>
    /// Below this many multiply-adds in the whole batch, one thread is used: smaller batches gain less from a second
    /// core than a split costs (docs/benchmarks.md, "Multi-core batches"; docs/kernel-choices.md).
    /// </summary>
    public const long MinimumMultiplyAdds = 4_000_000;

    /// <summary>
    /// Calls <paramref name="run"/>(first, count) for sequences first … first + count − 1 of the batch: once for all of
    /// them, or once per core for a contiguous run of them each when the batch holds at least
    /// <see cref="MinimumMultiplyAdds"/> multiply-adds and more than one sequence. The runs start at multiples of
    /// <paramref name="group"/>, the sequences the kernel's batch path takes at once, where the batch holds a group per
    /// core: a run that ended mid-group would step its last sequences one by one.
    /// </summary>
    public static void Forward(Action<int, int> run, int batchSize, long multiplyAddsPerSequence, int group)
    {
        ArgumentNullException.ThrowIfNull(run);
        int chunks = Math.Min(Environment.ProcessorCount, batchSize);
        if (chunks < 2 || multiplyAddsPerSequence * batchSize < MinimumMultiplyAdds)
        {
            run(0, batchSize);
            return;
        }
        if (batchSize / group < chunks)
            group = 1;
        int groups = (batchSize + group - 1) / group;
        Parallel.For(0, chunks, chunk =>
        {
            int first = Start(chunk), end = chunk + 1 == chunks ? batchSize : Start(chunk + 1);
            run(first, end - first);
        });

        int Start(int chunk) => (int)((long)groups * chunk / chunks) * group;
    }
}
