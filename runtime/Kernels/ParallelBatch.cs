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
    /// <see cref="MinimumMultiplyAdds"/> multiply-adds and more than one sequence.
    /// </summary>
    public static void Forward(Action<int, int> run, int batchSize, long multiplyAddsPerSequence)
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
            int first = (int)((long)batchSize * chunk / chunks);
            run(first, (int)((long)batchSize * (chunk + 1) / chunks) - first);
        });
    }
}
