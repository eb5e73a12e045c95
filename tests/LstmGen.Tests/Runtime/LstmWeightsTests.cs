using System;
using System.Linq;
using Xunit;

namespace LstmGen.Tests.Runtime;

public class LstmWeightsTests
{
    private static Tensor T(params int[] shape) => new(shape);

    [Fact]
    public void Sizes_come_from_the_shapes()
    {
        var weights = new LstmWeights(T(32, 5), T(32, 8), T(32), T(32), T(2, 8), T(2));
        Assert.Equal((5, 8, 2), (weights.InputSize, weights.HiddenSize, weights.OutputSize));
    }

    [Fact]
    public void Inconsistent_shapes_name_the_parameter_and_the_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => new LstmWeights(T(32, 5), T(32, 7), T(32), T(32), T(2, 8), T(2)));
        Assert.Equal("weightHh", error.ParamName);
        Assert.Contains("[32, 7]", error.Message);

        error = Assert.Throws<ArgumentException>(() => new LstmWeights(T(28, 5), T(32, 8), T(32), T(32), T(2, 8), T(2)));
        Assert.Equal("weightIh", error.ParamName);

        error = Assert.Throws<ArgumentException>(() => new LstmWeights(T(32, 5), T(32, 8), T(31), T(32), T(2, 8), T(2)));
        Assert.Equal("biasIh", error.ParamName);
        Assert.Contains("[32]", error.Message);

        error = Assert.Throws<ArgumentException>(() => new LstmWeights(T(32, 5), T(32, 8), T(32), T(32), T(2, 9), T(2)));
        Assert.Equal("fcWeight", error.ParamName);

        error = Assert.Throws<ArgumentException>(() => new LstmWeights(T(32, 5), T(32, 8), T(32), T(32), T(2, 8), T(3)));
        Assert.Equal("fcBias", error.ParamName);
    }

    [Fact]
    public void CreateRandom_draws_within_PyTorch_bounds()
    {
        LstmWeights weights = LstmWeights.CreateRandom(5, 16, 3, seed: 1);
        float bound = 1f / MathF.Sqrt(16);
        foreach (Tensor tensor in new[] { weights.WeightIh, weights.WeightHh, weights.BiasIh!, weights.BiasHh!, weights.FcWeight!, weights.FcBias! })
        {
            foreach (float value in tensor.AsSpan())
                Assert.InRange(value, -bound, bound);
        }
        // Spread over the whole range, not a corner of it.
        Assert.True(weights.WeightHh.AsSpan().ToArray() is var w && w.Min() < -0.9f * bound && w.Max() > 0.9f * bound);
    }

    [Fact]
    public void CreateRandom_rejects_non_positive_sizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LstmWeights.CreateRandom(0, 8, 2, seed: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LstmWeights.CreateRandom(5, -1, 2, seed: 0));
    }
}
