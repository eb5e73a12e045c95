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
    /// <see cref="MinimumMultiplyAdds"/> multiply-adds and more than one sequence (see <see cref="Start"/>).
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
        Parallel.For(0, chunks, chunk =>
        {
            int first = Start(chunk, chunks, batchSize, group);
            run(first, Start(chunk + 1, chunks, batchSize, group) - first);
        });
    }

    /// <summary>
    /// Where run <paramref name="chunk"/> of <paramref name="chunks"/> starts (<paramref name="chunks"/>: the batch's
    /// end). Each run gets its share of the batch's whole groups of <paramref name="group"/> sequences (what the kernel's
    /// batch path takes at once) and of the sequences left over, which run one by one: splitting at batch / chunks would
    /// end a run mid-group and step up to group − 1 more sequences one by one in each. A batch of fewer groups than
    /// runs is split sequence by sequence, so that no run is empty.
    /// </summary>
    public static int Start(int chunk, int chunks, int batchSize, int group)
    {
        if (batchSize / group < chunks)
            group = 1;
        int groups = batchSize / group, rest = batchSize % group;
        return (int)((long)groups * chunk / chunks) * group + (int)((long)rest * chunk / chunks);
    }
}
