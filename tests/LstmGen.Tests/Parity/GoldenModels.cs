using System;
using System.IO;

namespace LstmGen.Tests.Parity;

/// <summary>What the tests call on every generated model; the generated members satisfy it.</summary>
public interface ITestModel
{
    void Forward(ReadOnlySpan<float> input, Span<float> output);
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize);
    Tensor Forward(Tensor input);
    void Step(ReadOnlySpan<float> input, Span<float> output);
    void ResetState();
    void InitializeWeights(int seed);
    void LoadSafetensors(string path);
    void LoadSafetensors(Stream stream);
    void LoadPyTorch(string path, string? stateDictKey = null);
    void LoadPyTorch(Stream stream, string? stateDictKey = null);
}

/// <summary>The LSTM-only members: weights of the LSTM kind, and h and c as state.</summary>
public interface ILstmTestModel : ITestModel
{
    void LoadWeights(LstmWeights weights);
    void GetState(Span<float> h, Span<float> c);
    void SetState(ReadOnlySpan<float> h, ReadOnlySpan<float> c);
}

/// <summary>The GRU-only members: weights of the GRU kind, and h as state.</summary>
public interface IGruTestModel : ITestModel
{
    void LoadWeights(GruWeights weights);
    void GetState(Span<float> h);
    void SetState(ReadOnlySpan<float> h);
}

// One model per golden case of shared/golden (copied to Golden/), sizes from its README.
[Lstm(5, 8, 2, 7)] public partial class SeedModel : ILstmTestModel;
[Lstm(1, 1, 1, 1)] public partial class TinyModel : ILstmTestModel;
[Lstm(37, 8, 3, 5)] public partial class WideInModel : ILstmTestModel;
[Lstm(7, 13, 5, 11)] public partial class OddModel : ILstmTestModel;
[Lstm(3, 16, 1, 30)] public partial class H16Model : ILstmTestModel;
[Lstm(16, 64, 4, 50)] public partial class H64Model : ILstmTestModel;
[Lstm(32, 128, 10, 100)] public partial class H128Model : ILstmTestModel;
[Lstm(2, 24, 2, 500)] public partial class LongModel : ILstmTestModel;
[Lstm(5, 8, 2, 7, NumLayers = 2)] public partial class Lstm2SmallModel : ILstmTestModel;
[Lstm(16, 32, 4, 20, NumLayers = 3)] public partial class Lstm3MidModel : ILstmTestModel;
[Gru(5, 8, 2, 7)] public partial class GruSeedModel : IGruTestModel;
[Gru(7, 13, 5, 11, NumLayers = 2)] public partial class Gru2OddModel : IGruTestModel;
[Gru(1, 40, 1, 200)] public partial class GruAudioModel : IGruTestModel;
