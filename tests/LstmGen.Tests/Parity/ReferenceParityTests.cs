using System;
using System.Collections.Generic;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

// Sizes no golden case has: one padded tile, a different tiling per SIMD width, padding on every path, many tiles,
// long inputs.
[Lstm(2, 3, 1, 9)] public partial class OneTileModel : ILstmTestModel;
[Lstm(3, 20, 1, 9)] public partial class ThreeTilingsModel : ILstmTestModel;
[Lstm(9, 33, 2, 6)] public partial class PaddedTilesModel : ILstmTestModel;
[Lstm(40, 100, 3, 4)] public partial class LoopedModel : ILstmTestModel;
[Lstm(64, 256, 10, 100)] public partial class LargeModel : ILstmTestModel;
[Lstm(1, 40, 1, 64)] public partial class AudioModel : ILstmTestModel;

/// <summary>Generated models of unseen sizes against the float64 reference, with random weights and inputs.</summary>
public class ReferenceParityTests
{
    public static IEnumerable<object[]> Models() =>
    [
        [new OneTileModel(), 2, 3, 9],
        [new ThreeTilingsModel(), 3, 20, 9],
        [new PaddedTilesModel(), 9, 33, 6],
        [new LoopedModel(), 40, 100, 4],
        [new LargeModel(), 64, 256, 100],
        [new AudioModel(), 1, 40, 64],
    ];

    [Theory]
    [MemberData(nameof(Models))]
    public void Matches_the_float64_reference(ILstmTestModel model, int inputSize, int hiddenSize, int seqLen)
    {
        int outputSize = model.GetType().Name switch { "LoopedModel" => 3, "LargeModel" => 10, "PaddedTilesModel" => 2, _ => 1 };
        LstmWeights weights = LstmWeights.CreateRandom(inputSize, hiddenSize, outputSize, seed: hiddenSize);
        model.LoadWeights(weights);
        const int batch = 3;
        Tensor x = Tensor.RandN([batch, seqLen, inputSize], seed: 7);

        Tensor y = model.Forward(x);

        for (int b = 0; b < batch; b++)
        {
            float[] expected = ReferenceLstm.Forward(weights, x.AsSpan().Slice(b * seqLen * inputSize, seqLen * inputSize), seqLen);
            float error = GoldenParity.MaxAbsDifference(y.AsSpan().Slice(b * outputSize, outputSize), expected);
            Assert.True(error <= GoldenParity.Tolerance, $"{model.GetType().Name}, sequence {b}: max error {error:E2}");
        }
    }
}
