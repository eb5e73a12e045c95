using System;
using System.Collections.Concurrent;
using System.Linq;
using LstmGen.Kernels;
using Xunit;

namespace LstmGen.Tests.Runtime;

public class ParallelBatchTests
{
    // Enough multiply-adds per sequence that every batch below is split.
    private const long Large = ParallelBatch.MinimumMultiplyAdds;

    [Theory]
    [InlineData(1501, 16)]
    [InlineData(64, 16)]
    [InlineData(65, 4)]
    [InlineData(7, 4)]  // fewer groups than cores: split anywhere
    [InlineData(3, 16)]
    [InlineData(1000, 1)]
    public void A_split_batch_runs_every_sequence_once_in_runs_that_start_at_whole_groups(int batchSize, int group)
    {
        var runs = Split(batchSize, Large, group);

        Assert.Equal(Math.Min(Environment.ProcessorCount, batchSize), runs.Length);
        Assert.Equal(Enumerable.Range(0, batchSize), runs.SelectMany(run => Enumerable.Range(run.First, run.Count)).Order());
        Assert.All(runs, run => Assert.True(run.Count > 0));
        if (batchSize / group >= runs.Length)
            Assert.All(runs, run => Assert.Equal(0, run.First % group));
    }

    [Fact]
    public void The_runs_of_a_split_differ_by_at_most_one_group()
    {
        var counts = Split(1501, Large, 16).Select(run => run.Count).ToArray();
        Assert.InRange(counts.Max() - counts.Min(), 0, 16);
    }

    [Fact]
    public void A_batch_below_the_minimum_work_runs_whole_on_the_callers_thread()
    {
        Assert.Equal([(0, 1501)], Split(1501, Large / 1501 - 1, 16));
    }

    private static (int First, int Count)[] Split(int batchSize, long multiplyAddsPerSequence, int group)
    {
        var runs = new ConcurrentBag<(int First, int Count)>();
        ParallelBatch.Forward((first, count) => runs.Add((first, count)), batchSize, multiplyAddsPerSequence, group);
        return runs.OrderBy(run => run.First).ToArray();
    }
}
