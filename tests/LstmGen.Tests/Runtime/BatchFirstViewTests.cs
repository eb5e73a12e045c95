using System;
using LstmGen.Kernels;
using Xunit;

namespace LstmGen.Tests.Runtime;

/// <summary>The view a time-major batch runs through, against a plain transpose.</summary>
public class BatchFirstViewTests
{
    private const int Steps = 5, Batch = 7, Width = 3, Outputs = 2;

    // [steps, batch, width] with each value naming its place: 100·t + 10·b + k.
    private static float[] TimeMajor(int width)
    {
        var values = new float[Steps * Batch * width];
        for (int t = 0; t < Steps; t++)
            for (int b = 0; b < Batch; b++)
                for (int k = 0; k < width; k++)
                    values[(t * Batch + b) * width + k] = 100 * t + 10 * b + k;
        return values;
    }

    [Theory]
    [InlineData(0, Batch)]
    [InlineData(0, 1)]
    [InlineData(2, 3)]
    [InlineData(6, 1)]
    [InlineData(4, 0)]
    public void Copies_sequences_first_to_first_plus_count_and_every_step_output_back(int first, int count)
    {
        float[] input = TimeMajor(Width), output = new float[Steps * Batch * Outputs];
        var view = new BatchFirstView(input, output, batchFirst: false, Batch, Steps, Width, Outputs, first, count);
        try
        {
            Assert.Equal(count * Steps * Width, view.Input.Length);
            Assert.Equal(count * Steps * Outputs, view.Output.Length);
            for (int b = 0; b < count; b++)
            {
                for (int t = 0; t < Steps; t++)
                {
                    for (int k = 0; k < Width; k++)
                        Assert.Equal(100 * t + 10 * (first + b) + k, view.Input[(b * Steps + t) * Width + k]);
                    for (int k = 0; k < Outputs; k++)
                        view.Output[(b * Steps + t) * Outputs + k] = 100 * t + 10 * (first + b) + k; // as the kernel would write
                }
            }
            view.Complete();
        }
        finally
        {
            view.Dispose();
        }
        float[] expected = TimeMajor(Outputs);
        for (int t = 0; t < Steps; t++)
        {
            for (int b = 0; b < Batch; b++)
            {
                bool mine = b >= first && b < first + count;
                for (int k = 0; k < Outputs; k++)
                    Assert.Equal(mine ? expected[(t * Batch + b) * Outputs + k] : 0f, output[(t * Batch + b) * Outputs + k]);
            }
        }
    }

    [Fact]
    public void A_batch_first_batch_and_one_row_per_sequence_are_slices_of_the_callers_spans()
    {
        float[] input = TimeMajor(Width), rows = new float[Batch * Outputs];
        var batchFirst = new BatchFirstView(input, rows, batchFirst: true, Batch, Steps, Width, 0, 2, 3);
        Assert.True(batchFirst.Input.Overlaps(input.AsSpan(2 * Steps * Width, 3 * Steps * Width), out int offset) && offset == 0);
        Assert.True(batchFirst.Output.Overlaps(rows.AsSpan(2 * Outputs, 3 * Outputs), out offset) && offset == 0);
        batchFirst.Dispose();

        using var timeMajor = new BatchFirstView(input, rows, batchFirst: false, Batch, Steps, Width, 0, 2, 3);
        Assert.True(timeMajor.Output.Overlaps(rows.AsSpan(2 * Outputs, 3 * Outputs), out offset) && offset == 0);
        Assert.Equal(3 * Steps * Width, timeMajor.Input.Length);
        Assert.False(timeMajor.Input.Overlaps(input));
    }
}
