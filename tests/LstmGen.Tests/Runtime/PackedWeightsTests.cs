using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Kernels;
using Xunit;

namespace LstmGen.Tests.Runtime;

public class PackedWeightsTests
{
    [Theory]
    [InlineData(5, 8, 2, 1, 8, 0)]
    [InlineData(1, 20, 1, 1, 16, 4)]
    [InlineData(3, 33, 4, 2, 4, 0)]
    public unsafe void Packed_weights_start_on_a_cache_line(int inputSize, int hiddenSize, int outputSize, int numLayers, int lanes, int restLanes)
    {
        var weights = LstmWeights.CreateRandom(inputSize, hiddenSize, outputSize, seed: 1, numLayers);
        // Many allocations, so the heap's own placement cannot happen to align them all.
        for (int i = 0; i < 64; i++)
        {
            PackedWeights packed = RecurrentPacking.Pack(weights, inputSize, hiddenSize, outputSize, numLayers, lanes, restLanes);
            Assert.Equal(new PackedLayout(inputSize, hiddenSize, outputSize, numLayers, lanes, restLanes).PackedLength, packed.Length);
            fixed (float* first = packed.Span)
                Assert.Equal(0, (long)first % AlignedBuffer.Alignment);
            _ = new byte[4 * i + 4]; // shift the next allocation
        }
    }

    [Theory]
    [InlineData(20, 16, 4, 20)] // one tile of 16, a rest tile of 4
    [InlineData(33, 16, 0, 48)] // three whole tiles, the last one padded
    [InlineData(8, 16, 8, 8)]   // a lone rest tile
    public void The_layout_pads_hidden_units_to_tiles_and_state_to_cache_lines(int hiddenSize, int lanes, int restLanes, int paddedHidden)
    {
        var layout = new PackedLayout(inputSize: 3, hiddenSize, outputSize: 2, numLayers: 2, lanes, restLanes);
        Assert.Equal(hiddenSize % lanes == 0 || restLanes > 0 ? hiddenSize / lanes : hiddenSize / lanes + 1, layout.Tiles);
        Assert.Equal(paddedHidden, layout.PaddedHidden);
        Assert.Equal(0, layout.StateStride % PackedLayout.CacheLineFloats);
        Assert.InRange(layout.StateStride - layout.PaddedHidden, 0, PackedLayout.CacheLineFloats - 1);
        Assert.Equal(paddedHidden * (1 + 3 + hiddenSize) * PackedLayout.Slots, layout.LayerLength(0));
        // The head follows both layers; the packer writes exactly PackedLength floats.
        Assert.Equal(layout.LayerLength(0) + layout.LayerLength(1), layout.HeadOffset);
        var weights = LstmWeights.CreateRandom(3, hiddenSize, 2, seed: 1, numLayers: 2);
        Assert.Equal(layout.PackedLength, RecurrentPacking.Pack(weights, 3, hiddenSize, 2, 2, lanes, restLanes).Length);
    }

    [Fact]
    public void A_rest_tile_too_narrow_for_the_units_left_over_is_rejected()
    {
        var weights = LstmWeights.CreateRandom(2, 22, 1, seed: 1);
        var error = Assert.Throws<ArgumentException>(() => RecurrentPacking.Pack(weights, 2, 22, 1, 1, lanes: 16, restLanes: 4));
        Assert.Contains("A rest tile of 4 lanes cannot hold the 6 units that tiles of 16 leave of 22", error.Message);
    }

    [Theory]
    [InlineData(5, 8, 1, 8, 0)]
    [InlineData(3, 20, 2, 16, 4)]
    [InlineData(7, 33, 2, 16, 0)]
    public void Separate_input_rows_move_layer_0s_W_hh_behind_every_tiles_W_ih(int inputSize, int hiddenSize, int numLayers, int lanes, int restLanes)
    {
        var weights = LstmWeights.CreateRandom(inputSize, hiddenSize, 3, seed: 4, numLayers);
        float[] panels = RecurrentPacking.Pack(weights, inputSize, hiddenSize, 3, numLayers, lanes, restLanes).Span.ToArray();
        float[] separate = RecurrentPacking.Pack(weights, inputSize, hiddenSize, 3, numLayers, lanes, restLanes, separateInput: true).Span.ToArray();

        // Layer 0 holds the same floats, its W_hh rows (the last H rows of each panel) after all the input rows;
        // the layers above and the head are unchanged.
        var layout = new PackedLayout(inputSize, hiddenSize, 3, numLayers, lanes, restLanes);
        int padded = layout.PaddedHidden;
        int inputRows = (1 + inputSize) * PackedLayout.Slots, hiddenRows = hiddenSize * PackedLayout.Slots;
        var expected = new List<float>();
        var hidden = new List<float>();
        for (int start = 0, tile = 0; start < padded; start += lanes, tile++)
        {
            int width = Math.Min(lanes, padded - start);
            int panel = tile * (inputRows + hiddenRows) * lanes;
            expected.AddRange(panels.AsSpan(panel, inputRows * width).ToArray());
            hidden.AddRange(panels.AsSpan(panel + inputRows * width, hiddenRows * width).ToArray());
        }
        expected.AddRange(hidden);
        expected.AddRange(panels.AsSpan(expected.Count).ToArray());
        Assert.Equal(expected, separate);

        // The scalar kernel reads either layout to the same bits.
        float[] input = [.. Enumerable.Range(0, inputSize).Select(k => 0.3f * k - 0.5f)];
        int stateLength = numLayers * 3 * layout.StateStride;
        float[] fromPanels = new float[stateLength], fromSeparate = new float[stateLength];
        for (int step = 0; step < 3; step++)
        {
            int headOffset = panels.Length - 3 * hiddenSize - 3;
            RecurrentScalarKernel.Step(panels.AsSpan(0, headOffset), input, fromPanels, inputSize, hiddenSize, numLayers, lanes, restLanes, gru: false, step & 1);
            RecurrentScalarKernel.Step(separate.AsSpan(0, headOffset), input, fromSeparate, inputSize, hiddenSize, numLayers, lanes, restLanes, gru: false, step & 1,
                separateInput: true);
        }
        Assert.Equal(fromPanels, fromSeparate);
        Assert.Contains(fromPanels, value => value != 0);
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
    public unsafe void ClearAligned_zeroes_exactly_the_aligned_run()
    {
        float[] memory = GC.AllocateArray<float>(64, pinned: true);
        for (int offset = 0; offset < 16; offset++)
        {
            memory.AsSpan().Fill(7f);
            Span<float> buffer = memory.AsSpan(offset, 20 + AlignedBuffer.Slack);
            fixed (float* first = buffer)
            fixed (float* aligned = &AlignedBuffer.ClearAligned(buffer, 20))
            {
                Assert.Equal(0, (long)aligned % AlignedBuffer.Alignment);
                long start = offset + (aligned - first);
                for (int i = 0; i < memory.Length; i++)
                    Assert.Equal(i >= start && i < start + 20 ? 0f : 7f, memory[i]);
            }
        }
    }

    [Fact]
    public unsafe void ClearAligned_throws_for_a_buffer_without_the_slack()
    {
        float[] memory = GC.AllocateArray<float>(64, pinned: true);
        fixed (float* first = memory)
        {
            // A start off the cache line leaves fewer than 20 floats after the boundary.
            int offset = (long)first % AlignedBuffer.Alignment == 0 ? 1 : 0;
            Assert.Throws<ArgumentOutOfRangeException>(() => AlignedBuffer.ClearAligned(memory.AsSpan(offset, 20), 20));
            Assert.All(memory, value => Assert.Equal(0f, value));
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
