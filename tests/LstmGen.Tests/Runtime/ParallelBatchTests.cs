using System;
using System.Collections.Concurrent;
using System.Linq;
using LstmGen.Kernels;
using Xunit;

namespace LstmGen.Tests.Runtime;

public class ParallelBatchTests
{
    [Theory]
    [InlineData(1501, 16, 2)]
    [InlineData(1501, 16, 3)]
    [InlineData(40, 16, 2)]
    [InlineData(64, 16, 4)]
    [InlineData(65, 4, 2)]
    [InlineData(1000, 1, 7)]
    public void The_runs_share_the_batchs_whole_groups_and_its_rest(int batchSize, int group, int chunks)
    {
        int[] counts = Counts(batchSize, group, chunks);

        Assert.All(counts, count => Assert.True(count > 0));
        // Only the batch's last partial group runs one by one, shared out; whole groups differ by at most one per run.
        Assert.Equal(batchSize % group, counts.Sum(count => count % group));
        Assert.InRange(counts.Max(count => count / group) - counts.Min(count => count / group), 0, 1);
    }

    [Theory]
    [InlineData(17, 16, 2)]
    [InlineData(7, 4, 3)]
    [InlineData(3, 16, 2)]
    public void A_batch_of_fewer_groups_than_runs_is_split_evenly_sequence_by_sequence(int batchSize, int group, int chunks)
    {
        int[] counts = Counts(batchSize, group, chunks);
        Assert.All(counts, count => Assert.True(count > 0));
        Assert.InRange(counts.Max() - counts.Min(), 0, 1);
    }

    [Fact]
    public void A_batch_of_enough_work_is_split_over_the_cores_in_those_runs()
    {
        var runs = new ConcurrentBag<(int First, int Count)>();
        ParallelBatch.Forward((first, count) => runs.Add((first, count)), 1501, ParallelBatch.MinimumMultiplyAdds, 16);

        int chunks = Math.Min(Environment.ProcessorCount, 1501);
        var expected = Enumerable.Range(0, chunks)
            .Select(chunk => (ParallelBatch.Start(chunk, chunks, 1501, 16), ParallelBatch.Start(chunk + 1, chunks, 1501, 16) - ParallelBatch.Start(chunk, chunks, 1501, 16)));
        Assert.Equal(expected, runs.OrderBy(run => run.First));
    }

    [Fact]
    public void A_batch_below_the_minimum_work_runs_whole_on_the_callers_thread()
    {
        var runs = new ConcurrentBag<(int First, int Count)>();
        ParallelBatch.Forward((first, count) => runs.Add((first, count)), 1501, ParallelBatch.MinimumMultiplyAdds / 1501 - 1, 16);
        Assert.Equal([(0, 1501)], runs);
    }

    // Each run's count; the runs' starts must go from 0 to the batch's end.
    private static int[] Counts(int batchSize, int group, int chunks)
    {
        int[] starts = [.. Enumerable.Range(0, chunks + 1).Select(chunk => ParallelBatch.Start(chunk, chunks, batchSize, group))];
        Assert.Equal(0, starts[0]);
        Assert.Equal(batchSize, starts[^1]);
        return [.. starts.Skip(1).Zip(starts, (end, start) => end - start)];
    }
}
