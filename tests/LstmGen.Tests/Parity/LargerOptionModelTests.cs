using System.Linq;
using Xunit;

namespace LstmGen.Tests.Parity;

// Options on sizes beyond the golden cases: weights past the L1 cache (odd steps read them backwards), column loops,
// several tiles. The run-time-sized models, checked against PyTorch on every option case, are the reference.
[Lstm(16, 64, 4, 50, ProjSize = 32)] public partial class ProjectedSensor;
[Lstm(16, 64, 4, 50, NumLayers = 2, Bidirectional = true)] public partial class BidirectionalSensor;
[Gru(3, 40, 2, 20, Bidirectional = true)] public partial class BidirectionalGru40;

public class LargerOptionModelTests
{
    [Fact]
    public void Projected_and_bidirectional_models_of_sensor_size_agree_with_the_run_time_sized_ones()
    {
        Check(LstmWeights.CreateRandom(16, 64, 4, seed: 5, projSize: 32), new ProjectedSensor(), (m, w) => m.LoadWeights(w), (m, x, y) => m.Forward(x, y, 3), 16, 4);
        Check(LstmWeights.CreateRandom(16, 64, 4, seed: 6, numLayers: 2, bidirectional: true), new BidirectionalSensor(), (m, w) => m.LoadWeights(w),
            (m, x, y) => m.Forward(x, y, 3), 16, 4);
        var gru = GruWeights.CreateRandom(3, 40, 2, seed: 7, bidirectional: true);
        var model = new BidirectionalGru40();
        model.LoadWeights(gru);
        float[] x = Enumerable.Range(0, 3 * 20 * 3).Select(i => System.MathF.Sin(0.37f * i)).ToArray();
        var expected = new float[3 * 2];
        var actual = new float[3 * 2];
        new GruModel(gru).Forward(x, expected, 3);
        model.Forward(x, actual, 3);
        Assert.InRange(GoldenParity.MaxAbsDifference(actual, expected), 0f, 1e-5f);
    }

    private static void Check<TModel>(LstmWeights weights, TModel model, System.Action<TModel, LstmWeights> load,
        System.Action<TModel, float[], float[]> forward, int inputSize, int outputSize)
    {
        load(model, weights);
        float[] x = Enumerable.Range(0, 3 * 50 * inputSize).Select(i => System.MathF.Sin(0.37f * i)).ToArray();
        var expected = new float[3 * outputSize];
        var actual = new float[3 * outputSize];
        new LstmModel(weights).Forward(x, expected, 3);
        forward(model, x, actual);
        Assert.InRange(GoldenParity.MaxAbsDifference(actual, expected), 0f, 1e-5f);
    }
}
