using System;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Parity;

/// <summary>
/// A small model's padded batches and batches from given states run a sequence per SIMD lane, a padded batch's groups
/// taking its sequences longest first (on the stack up to 512 sequences, in a pooled array beyond): each sequence's
/// readout and final state as when it runs alone. The golden cases lanes_lstm2, lanes_gru and lanes_h0_lstm check the
/// lanes against PyTorch (OptionsParityTests).
/// </summary>
public class LaneGroupTests
{
    private const int Steps = 7, Inputs = 5, Hidden = 8, Layers = 2, Outputs = 2;

    [Theory]
    [InlineData(37)]
    [InlineData(600)]
    public void A_padded_batch_from_states_gives_each_sequences_own_result(int batch)
    {
        var model = new LanesLstm2();
        model.InitializeWeights(seed: 5);
        var random = new Random(batch);
        float[] x = Filled(batch * Steps * Inputs, random), h0 = Filled(Layers * batch * Hidden, random), c0 = Filled(Layers * batch * Hidden, random);
        var lengths = new int[batch];
        for (int b = 0; b < batch; b++)
            lengths[b] = 1 + random.Next(Steps);
        var y = new float[batch * Outputs];
        float[] h = (float[])h0.Clone(), c = (float[])c0.Clone();
        model.Forward(x, y, lengths, h, c);

        var yOne = new float[Outputs];
        var hOne = new float[Layers * Hidden];
        var cOne = new float[Layers * Hidden];
        for (int b = 0; b < batch; b++)
        {
            for (int layer = 0; layer < Layers; layer++)
            {
                h0.AsSpan((layer * batch + b) * Hidden, Hidden).CopyTo(hOne.AsSpan(layer * Hidden));
                c0.AsSpan((layer * batch + b) * Hidden, Hidden).CopyTo(cOne.AsSpan(layer * Hidden));
            }
            model.Forward(x.AsSpan(b * Steps * Inputs, lengths[b] * Inputs), yOne, 1, hOne, cOne);
            // The lanes sum each gate's columns in another order than one sequence's split chains: equal to float32 rounding.
            Close(yOne, y.AsSpan(b * Outputs, Outputs));
            for (int layer = 0; layer < Layers; layer++)
            {
                Close(hOne.AsSpan(layer * Hidden, Hidden), h.AsSpan((layer * batch + b) * Hidden, Hidden));
                Close(cOne.AsSpan(layer * Hidden, Hidden), c.AsSpan((layer * batch + b) * Hidden, Hidden));
            }
        }
    }

    [Theory]
    [InlineData(37)]
    [InlineData(600)]
    public void Padded_batches_and_batches_from_states_on_lanes_allocate_nothing(int batch)
    {
        var model = new LanesLstm2();
        model.InitializeWeights(seed: 6);
        var x = new float[batch * Steps * Inputs];
        var lengths = new int[batch];
        for (int b = 0; b < batch; b++)
            lengths[b] = 1 + b % Steps;
        var y = new float[batch * Outputs];
        var h = new float[Layers * batch * Hidden];
        var c = new float[Layers * batch * Hidden];

        void Run()
        {
            model.Forward(x, y, lengths);
            model.Forward(x, y, lengths, h, c);
            model.Forward(x, y, batch, h, c);
        }

        Run(); // the shared array pool then holds the order of a batch past 512
        Assert.Equal(0, Allocations.Measure(Run, repetitions: 20));
    }

    [Fact]
    public void Padded_batches_and_batches_from_states_in_blocks_allocate_nothing()
    {
        var model = new BlocksLstm2(); // [Lstm(16, 32, 3, 9, NumLayers = 2)]: blocks of 4 sequences
        model.InitializeWeights(seed: 7);
        const int Batch = 11;
        var x = new float[Batch * 9 * 16];
        int[] lengths = [9, 2, 6, 9, 1, 4, 8, 3, 9, 5, 7];
        var y = new float[Batch * 3];
        var h = new float[2 * Batch * 32];
        var c = new float[2 * Batch * 32];

        void Run()
        {
            model.Forward(x, y, lengths);
            model.Forward(x, y, lengths, h, c);
            model.Forward(x, y, Batch, h, c);
        }

        Run(); // the first call on this thread sizes its scratch (KernelScratch)
        Assert.Equal(0, Allocations.Measure(Run, repetitions: 20));
    }

    private static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual) =>
        Assert.InRange(GoldenParity.MaxAbsDifference(actual, expected), 0f, 1e-6f);

    private static float[] Filled(int length, Random random)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
