using System;
using System.IO;
using Xunit;

namespace LstmGen.Tests.Parity;

[Lstm(6, 10, 3, seqLen: 9, Bidirectional = true, Readout = Readout.EveryStep)] public partial class MeanPooledClassifier;

[Gru(6, 10, 0, seqLen: 9, Readout = Readout.EveryStep, FcPrefix = "")] public partial class MaxPooledFeatures;

[Gru(6, 10, 0, seqLen: 9, Readout = Readout.EveryStep)] public partial class MaxPooledFeaturesWithDefaultPrefix;

/// <summary>
/// The README's recipes for pooling over time (fc(out.mean(1)), fc(out.max(1).values)) against PyTorch's classifiers
/// on a padded batch (Golden/made/make_pooling.py), on the generated and the run-time-sized models.
/// </summary>
public class PoolingRecipeTests
{
    private const int Outputs = 3;

    private static readonly SafetensorsFile Io = SafetensorsFile.Load(GoldenParity.GoldenPath(Path.Combine("made", "pooling.io.safetensors")));
    private static readonly float[] X = Io.ReadFloats("x");
    private static readonly int[] Lengths = Array.ConvertAll(Io.ReadFloats("lengths"), length => (int)length);
    private static readonly int Steps = Io.GetInfo("x").Shape[1];

    private static string WeightsPath(string name) => GoldenParity.GoldenPath(Path.Combine("made", name));

    [Fact]
    public void The_mean_of_every_steps_head_outputs_gives_PyTorchs_mean_pooled_classifier()
    {
        var model = new MeanPooledClassifier();
        model.LoadPyTorch(WeightsPath("mean_pooled.pt"));
        var perStep = new float[Lengths.Length * Steps * MeanPooledClassifier.OutputSize];
        model.Forward(X, perStep, Lengths);
        AssertMatches(MeanOverValidSteps(perStep, Outputs), Io.ReadFloats("mean_y"));

        var runTimeSized = LstmModel.Load(WeightsPath("mean_pooled.pt"), readout: Readout.EveryStep);
        Array.Clear(perStep);
        runTimeSized.Forward(X, perStep, Lengths);
        AssertMatches(MeanOverValidSteps(perStep, Outputs), Io.ReadFloats("mean_y"));
    }

    [Fact]
    public void The_maximum_of_every_steps_features_through_the_files_Linear_gives_PyTorchs_max_pooled_classifier()
    {
        string path = WeightsPath("max_pooled.pt");
        PyTorchFile file = PyTorchFile.Load(path);
        float[] weight = file.ReadFloats("fc.weight"), bias = file.ReadFloats("fc.bias"); // [3, 10], [3]

        var model = new MaxPooledFeatures();
        model.LoadPyTorch(path);
        var features = new float[Lengths.Length * Steps * MaxPooledFeatures.OutputSize];
        model.Forward(X, features, Lengths);
        AssertMatches(Linear(MaxOverValidSteps(features, MaxPooledFeatures.OutputSize), weight, bias), Io.ReadFloats("max_y"));

        var runTimeSized = GruModel.Load(path, fcPrefix: null, readout: Readout.EveryStep);
        Array.Clear(features);
        runTimeSized.Forward(X, features, Lengths);
        AssertMatches(Linear(MaxOverValidSteps(features, MaxPooledFeatures.OutputSize), weight, bias), Io.ReadFloats("max_y"));
    }

    [Fact]
    public void A_headless_model_without_FcPrefix_refuses_the_file_and_names_the_way_to_load_it()
    {
        var model = new MaxPooledFeaturesWithDefaultPrefix();
        var error = Assert.Throws<InvalidDataException>(() => model.LoadPyTorch(WeightsPath("max_pooled.pt")));
        Assert.Contains("'fc.weight' [3, 10]", error.Message);
        Assert.Contains("FcPrefix = \"\"", error.Message);
    }

    // [batch, T, width] per step → [batch, width]: each sequence's first lengths[b] steps.
    private static float[] MeanOverValidSteps(float[] perStep, int width)
    {
        var mean = new float[Lengths.Length * width];
        for (int b = 0; b < Lengths.Length; b++)
        for (int t = 0; t < Lengths[b]; t++)
        for (int j = 0; j < width; j++)
            mean[b * width + j] += perStep[(b * Steps + t) * width + j] / Lengths[b];
        return mean;
    }

    private static float[] MaxOverValidSteps(float[] perStep, int width)
    {
        var max = new float[Lengths.Length * width];
        Array.Fill(max, float.NegativeInfinity);
        for (int b = 0; b < Lengths.Length; b++)
        for (int t = 0; t < Lengths[b]; t++)
        for (int j = 0; j < width; j++)
            max[b * width + j] = Math.Max(max[b * width + j], perStep[(b * Steps + t) * width + j]);
        return max;
    }

    // y = weight · x + bias per sequence, weight [Outputs, width] as nn.Linear stores it.
    private static float[] Linear(float[] x, float[] weight, float[] bias)
    {
        int width = weight.Length / Outputs;
        var y = new float[Lengths.Length * Outputs];
        for (int b = 0; b < Lengths.Length; b++)
        for (int o = 0; o < Outputs; o++)
        {
            float sum = bias[o];
            for (int k = 0; k < width; k++)
                sum += weight[o * width + k] * x[b * width + k];
            y[b * Outputs + o] = sum;
        }
        return y;
    }

    private static void AssertMatches(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.InRange(GoldenParity.MaxAbsDifference(actual, expected), 0f, 1e-6f);
    }
}
