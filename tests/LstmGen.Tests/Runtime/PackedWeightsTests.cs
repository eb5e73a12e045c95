using LstmGen.Kernels;
using Xunit;

namespace LstmGen.Tests.Runtime;

public class PackedWeightsTests
{
    [Theory]
    [InlineData(5, 8, 2, 1, 8)]
    [InlineData(1, 20, 1, 1, 16)]
    [InlineData(3, 33, 4, 2, 4)]
    public unsafe void Packed_weights_start_on_a_cache_line(int inputSize, int hiddenSize, int outputSize, int numLayers, int lanes)
    {
        var weights = LstmWeights.CreateRandom(inputSize, hiddenSize, outputSize, seed: 1, numLayers);
        // Many allocations, so the heap's own placement cannot happen to align them all.
        for (int i = 0; i < 64; i++)
        {
            PackedWeights packed = RecurrentPacking.Pack(weights, inputSize, hiddenSize, outputSize, numLayers, lanes);
            Assert.Equal(RecurrentPacking.PackedLength(inputSize, hiddenSize, outputSize, numLayers, lanes), packed.Length);
            fixed (float* first = packed.Span)
                Assert.Equal(0, (long)first % PackedWeights.Alignment);
            _ = new byte[4 * i + 4]; // shift the next allocation
        }
    }

}
