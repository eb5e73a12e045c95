using System;
using System.Threading.Tasks;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

/// <summary>The generated API's contract: no allocation, argument checks, weights handling.</summary>
public class ModelApiTests
{
    private static SeedModel CreateModel()
    {
        var model = new SeedModel();
        model.InitializeWeights(seed: 1);
        return model;
    }

    [Fact]
    public void Forward_allocates_nothing()
    {
        SeedModel model = CreateModel();
        var large = new H128Model();
        large.InitializeWeights(seed: 1);
        float[] input = Tensor.RandN([4, SeedModel.SeqLen, SeedModel.InputSize], seed: 3).ToArray();
        float[] largeInput = Tensor.RandN([H128Model.SeqLen, H128Model.InputSize], seed: 3).ToArray();
        var output = new float[4 * SeedModel.OutputSize];
        var largeOutput = new float[H128Model.OutputSize];

        void Run()
        {
            model.Forward(input.AsSpan(0, SeedModel.SeqLen * SeedModel.InputSize), output.AsSpan(0, SeedModel.OutputSize));
            model.Forward(input, output, batchSize: 4);
            large.Forward(largeInput, largeOutput);
        }

        Assert.Equal(0, Allocations.Measure(Run, repetitions: 200));
    }

    [Fact]
    public void Wrong_span_lengths_name_expected_and_actual()
    {
        SeedModel model = CreateModel();
        var output = new float[SeedModel.OutputSize];

        // Any length T ≥ 1, but whole steps of InputSize = 5 floats.
        var error = Assert.Throws<ArgumentException>(() => model.Forward(new float[34], output));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("multiple of 1 × 5 = 5", error.Message);
        Assert.Contains("got 34", error.Message);
        Assert.Throws<ArgumentException>(() => model.Forward([], output));

        error = Assert.Throws<ArgumentException>(() => model.Forward(new float[35], new float[3]));
        Assert.Equal("output", error.ParamName);
        Assert.Contains("got 3", error.Message);

        error = Assert.Throws<ArgumentException>(() => model.Forward(new float[70], new float[6], batchSize: 3));
        Assert.Contains("multiple of 3 × 5 = 15", error.Message);
        Assert.Contains("got 70", error.Message);

        error = Assert.Throws<ArgumentException>(() => model.Forward(new float[70], new float[3], batchSize: 2));
        Assert.Contains("got 3", error.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new float[70], new float[4], batchSize: -1));
    }

    [Theory]
    [InlineData(new[] { 3, 7 })]
    [InlineData(new[] { 3, 0, 5 })]
    [InlineData(new[] { 3, 7, 4 })]
    [InlineData(new[] { 1, 3, 7, 5 })]
    public void Wrong_tensor_shape_names_expected_and_actual(int[] shape)
    {
        var error = Assert.Throws<ArgumentException>(() => CreateModel().Forward(new Tensor(shape)));
        Assert.Contains("[batch, T, 5]", error.Message);
        Assert.Contains("[" + string.Join(", ", shape) + "]", error.Message);
    }

    [Fact]
    public void Empty_batch_gives_empty_output()
    {
        Tensor y = CreateModel().Forward(new Tensor([0, SeedModel.SeqLen, SeedModel.InputSize]));
        Assert.Equal("[0, 2]", y.ShapeString);
    }

    [Fact]
    public void Tensor_batches_split_over_cores_give_the_span_results()
    {
        var model = new H64Model();                       // 64 sequences: about 65 million multiply-adds
        model.InitializeWeights(seed: 2);
        Tensor x = Tensor.RandN([64, H64Model.SeqLen, H64Model.InputSize], seed: 3);
        var expected = new float[64 * H64Model.OutputSize];
        model.Forward(x.AsSpan(), expected, batchSize: 64);

        Assert.True(64 * H64Model.SeqLen * 4L * 64 * (16 + 64) >= LstmGen.Kernels.ParallelBatch.MinimumMultiplyAdds);
        Assert.Equal(expected, model.Forward(x).ToArray());
    }

    [Fact]
    public void Forward_before_weights_is_an_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new SeedModel().Forward(new float[35], new float[2]));
        Assert.Contains("InitializeWeights", error.Message);
    }

    [Fact]
    public void Weights_of_other_sizes_are_rejected_and_the_old_ones_kept()
    {
        SeedModel model = CreateModel();
        float[] before = model.Forward(Tensor.RandN([2, 7, 5], seed: 4)).ToArray();

        var error = Assert.Throws<ArgumentException>(() => model.LoadWeights(LstmWeights.CreateRandom(4, 8, 2, seed: 0)));
        Assert.Contains("InputSize 4", error.Message);
        Assert.Contains("InputSize 5", error.Message);

        Assert.Equal(before, model.Forward(Tensor.RandN([2, 7, 5], seed: 4)).ToArray());
    }

    [Fact]
    public void InitializeWeights_is_deterministic_per_seed()
    {
        Tensor x = Tensor.RandN([3, 7, 5], seed: 0);
        var a = new SeedModel();
        var b = new SeedModel();
        a.InitializeWeights(seed: 42);
        b.InitializeWeights(seed: 42);
        Assert.Equal(a.Forward(x).ToArray(), b.Forward(x).ToArray());

        b.InitializeWeights(seed: 43);
        Assert.NotEqual(a.Forward(x).ToArray(), b.Forward(x).ToArray());
    }

    [Fact]
    public void Single_and_batched_calls_agree()
    {
        SeedModel model = CreateModel();
        const int batch = 41; // two groups of 16 lanes, a group of 8, and one left over
        Tensor x = Tensor.RandN([batch, 7, 5], seed: 9);
        float[] batched = model.Forward(x).ToArray();
        var single = new float[2];
        for (int b = 0; b < batch; b++)
        {
            model.Forward(x.AsSpan().Slice(b * 35, 35), single);
            // Same math; only the summation order differs between the kernels.
            Assert.True(GoldenParity.MaxAbsDifference(batched.AsSpan(b * 2, 2), single) <= 1e-6f, $"sequence {b}");
        }
    }

    [Fact]
    public void Separate_instances_on_many_threads_get_identical_results()
    {
        Tensor x = Tensor.RandN([8, 7, 5], seed: 5);
        float[] expected = CreateModel().Forward(x).ToArray();

        Parallel.For(0, 16, _ =>
        {
            SeedModel own = CreateModel();
            var output = new float[2];
            for (int i = 0; i < 200; i++)
            {
                own.ResetState();
                for (int b = 0; b < 8; b++)
                {
                    own.Forward(x.AsSpan().Slice(b * 35, 35), output);
                    Assert.Equal(expected.AsSpan(b * 2, 2).ToArray(), output);
                }
            }
        });
    }

    [Fact]
    public void Concurrent_Forward_calls_on_one_instance_get_identical_results()
    {
        SeedModel model = CreateModel();
        Tensor x = Tensor.RandN([8, 7, 5], seed: 5);
        float[] expected = model.Forward(x).ToArray();

        Parallel.For(0, 16, _ =>
        {
            var output = new float[16];
            for (int i = 0; i < 200; i++)
            {
                model.Forward(x.AsSpan(), output, batchSize: 8);
                Assert.Equal(expected, output);
            }
        });
    }
}
