using System;
using System.Linq;
using Xunit;

namespace LstmGen.Tests.Parity;

// Batches of models past the lanes kernel run in blocks of four sequences (two whole blocks and a remainder here):
// every readout, with and without a head, one layer and stacked. The golden cases' large batches check blocks against
// PyTorch for the last step; the run-time-sized models, checked against PyTorch on every option, are the reference here.
[Gru(6, 32, 3, 9, Readout = Readout.EveryStep)] public partial class BlockTagger;
[Lstm(6, 32, 0, 9, NumLayers = 2, Readout = Readout.FinalState)] public partial class BlockFeatures;
[Lstm(16, 64, 4, 20, NumLayers = 2)] public partial class BlockSensor;

public class BlockBatchTests
{
    private const int Batch = 9, Steps = 9;

    [Fact]
    public void A_gru_tagger_reads_out_every_step_of_every_block()
    {
        GruWeights weights = GruWeights.CreateRandom(6, 32, 3, seed: 11);
        var model = new BlockTagger();
        model.LoadWeights(weights);
        Check(6, 3 * Steps, (x, y) => model.Forward(x, y, Batch), (x, y) => new GruModel(weights, Readout.EveryStep).Forward(x, y, Batch));
    }

    [Fact]
    public void A_stacked_lstm_without_a_head_gives_every_block_its_final_states()
    {
        LstmWeights weights = LstmWeights.CreateRandom(6, 32, 0, seed: 12, numLayers: 2);
        var model = new BlockFeatures();
        model.LoadWeights(weights);
        Check(6, 32, (x, y) => model.Forward(x, y, Batch), (x, y) => new LstmModel(weights, Readout.FinalState).Forward(x, y, Batch));
    }

    [Fact]
    public void A_stacked_sensor_model_reads_out_the_last_step_of_every_block()
    {
        LstmWeights weights = LstmWeights.CreateRandom(16, 64, 4, seed: 13, numLayers: 2);
        var model = new BlockSensor();
        model.LoadWeights(weights);
        Check(16, 4, (x, y) => model.Forward(x, y, Batch), (x, y) => new LstmModel(weights).Forward(x, y, Batch));
    }

    [Fact]
    public void Padded_blocks_from_given_states_read_out_and_keep_each_sequence_at_its_own_last_step()
    {
        int[] lengths = [9, 3, 7, 1, 9, 5, 2, 8, 4];
        LstmWeights weights = LstmWeights.CreateRandom(16, 64, 4, seed: 14, numLayers: 2);
        var model = new BlockSensor();
        model.LoadWeights(weights);
        float[] x = Enumerable.Range(0, Batch * Steps * 16).Select(i => MathF.Sin(0.37f * i)).ToArray();
        float[] h0 = Enumerable.Range(0, 2 * Batch * 64).Select(i => 0.5f * MathF.Cos(0.11f * i)).ToArray();
        float[] c0 = Enumerable.Range(0, 2 * Batch * 64).Select(i => 0.5f * MathF.Sin(0.13f * i)).ToArray();
        float[] y = new float[Batch * 4], h = (float[])h0.Clone(), c = (float[])c0.Clone();
        float[] yExpected = new float[Batch * 4], hExpected = (float[])h0.Clone(), cExpected = (float[])c0.Clone();

        model.Forward(x, y, lengths, h, c);
        new LstmModel(weights).Forward(x, yExpected, lengths, hExpected, cExpected);

        Assert.InRange(GoldenParity.MaxAbsDifference(y, yExpected), 0f, 1e-5f);
        Assert.InRange(GoldenParity.MaxAbsDifference(h, hExpected), 0f, 1e-5f);
        Assert.InRange(GoldenParity.MaxAbsDifference(c, cExpected), 0f, 1e-5f);
    }

    [Fact]
    public void A_padded_gru_tagger_writes_zeros_after_each_sequence_in_every_block()
    {
        int[] lengths = [2, 9, 5, 1, 8, 9, 3, 6, 7];
        GruWeights weights = GruWeights.CreateRandom(6, 32, 3, seed: 15);
        var model = new BlockTagger();
        model.LoadWeights(weights);
        float[] x = Enumerable.Range(0, Batch * Steps * 6).Select(i => MathF.Sin(0.29f * i)).ToArray();
        float[] h0 = Enumerable.Range(0, Batch * 32).Select(i => 0.5f * MathF.Cos(0.17f * i)).ToArray();
        float[] y = Enumerable.Repeat(float.NaN, Batch * Steps * 3).ToArray(), h = (float[])h0.Clone();
        float[] yExpected = new float[Batch * Steps * 3], hExpected = (float[])h0.Clone();

        model.Forward(x, y, lengths, h);
        new GruModel(weights, Readout.EveryStep).Forward(x, yExpected, lengths, hExpected);

        Assert.InRange(GoldenParity.MaxAbsDifference(y, yExpected), 0f, 1e-5f);
        Assert.InRange(GoldenParity.MaxAbsDifference(h, hExpected), 0f, 1e-5f);
        Assert.Equal(0f, y[(0 * Steps + 2) * 3]); // sequence 0 has 2 steps
    }

    private static void Check(int inputSize, int outputs, Action<float[], float[]> forward, Action<float[], float[]> reference)
    {
        float[] x = Enumerable.Range(0, Batch * Steps * inputSize).Select(i => MathF.Sin(0.37f * i)).ToArray();
        var expected = new float[Batch * outputs];
        var actual = new float[Batch * outputs];
        reference(x, expected);
        forward(x, actual);
        Assert.InRange(GoldenParity.MaxAbsDifference(actual, expected), 0f, 1e-5f);
    }
}
