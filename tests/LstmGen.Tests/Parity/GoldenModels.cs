using System;
using System.IO;

namespace LstmGen.Tests.Parity;

/// <summary>What the tests call on every generated model; the generated members satisfy it.</summary>
public interface ITestModel
{
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);
    Tensor Forward(Tensor input);
    void InitializeWeights(int seed);
    void LoadWeights(LstmWeights weights);
    void LoadSafetensors(string path);
    void LoadSafetensors(Stream stream);
}

// One model per golden case of shared/golden (copied to Golden/), sizes from its README.
[Lstm(5, 8, 2, 7)] public partial class SeedModel : ITestModel;
[Lstm(1, 1, 1, 1)] public partial class TinyModel : ITestModel;
[Lstm(37, 8, 3, 5)] public partial class WideInModel : ITestModel;
[Lstm(7, 13, 5, 11)] public partial class OddModel : ITestModel;
[Lstm(3, 16, 1, 30)] public partial class H16Model : ITestModel;
[Lstm(16, 64, 4, 50)] public partial class H64Model : ITestModel;
[Lstm(32, 128, 10, 100)] public partial class H128Model : ITestModel;
[Lstm(2, 24, 2, 500)] public partial class LongModel : ITestModel;
