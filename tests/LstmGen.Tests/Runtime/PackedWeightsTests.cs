using System;
using LstmGen.Kernels;
using Xunit;

namespace LstmGen.Tests.Runtime;

public class PackedWeightsTests
{
    [Theory]
    [InlineData(5, 8, 2, 1, 8, 8)]
    [InlineData(1, 20, 1, 1, 16, 4)]
    [InlineData(3, 33, 4, 2, 4, 4)]
    public unsafe void Packed_weights_start_on_a_cache_line(int inputSize, int hiddenSize, int outputSize, int numLayers, int lanes, int restLanes)
    {
        var weights = LstmWeights.CreateRandom(inputSize, hiddenSize, outputSize, seed: 1, numLayers);
        // Many allocations, so the heap's own placement cannot happen to align them all.
        for (int i = 0; i < 64; i++)
        {
            PackedWeights packed = RecurrentPacking.Pack(weights, inputSize, hiddenSize, outputSize, numLayers, lanes, restLanes);
            Assert.Equal(RecurrentPacking.PackedLength(inputSize, hiddenSize, outputSize, numLayers, lanes, restLanes), packed.Length);
            fixed (float* first = packed.Span)
                Assert.Equal(0, (long)first % AlignedBuffer.Alignment);
            _ = new byte[4 * i + 4]; // shift the next allocation
        }
    }

    [Fact]
    public void A_rest_tile_too_narrow_for_the_units_left_over_is_rejected()
    {
        var weights = LstmWeights.CreateRandom(2, 22, 1, seed: 1);
        var error = Assert.Throws<ArgumentException>(() => RecurrentPacking.Pack(weights, 2, 22, 1, 1, lanes: 16, restLanes: 4));
        Assert.Contains("A rest tile of 4 lanes cannot hold the 6 units that tiles of 16 leave of 22", error.Message);
    }

    [Fact]
    public unsafe void Align_finds_the_first_cache_line_of_memory_that_does_not_move()
    {
        float[] memory = GC.AllocateArray<float>(64, pinned: true);
        for (int offset = 0; offset < 16; offset++)
        {
            Span<float> buffer = memory.AsSpan(offset, 8 + AlignedBuffer.Slack);
            fixed (float* first = buffer)
            fixed (float* aligned = &AlignedBuffer.Align(buffer))
            {
                Assert.Equal(0, (long)aligned % AlignedBuffer.Alignment);
                Assert.InRange(aligned - first, 0, AlignedBuffer.Slack);
            }
        }
    }

    [Fact]
    public unsafe void State_buffers_start_on_a_cache_line()
    {
        for (int i = 0; i < 64; i++)
        {
            var state = new AlignedBuffer(3 * 20);
            fixed (float* first = state.Span)
                Assert.Equal(0, (long)first % AlignedBuffer.Alignment);
            Assert.Equal(60, state.Span.Length);
            _ = new byte[4 * i + 4]; // shift the next allocation
        }
    }
}
