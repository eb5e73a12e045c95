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
