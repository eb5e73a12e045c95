using System;
using System.Collections.Generic;
using System.IO;
using LstmGen;
using LstmGen.Benchmarks.Peers;

namespace LstmGen.Benchmarks;

/// <summary>
/// Numerical checks that run before anything is timed: every peer against the generated model on the same
/// random weights and inputs (each case, batch 1 and the batched cases), and ONNX Runtime against libtorch's
/// golden output for the seed model. A mismatch throws: no wrong baseline gets timed.
/// </summary>
public static class Validation
{
    /// <summary>Largest |peer − generated| accepted on random weights (float32, different summation orders).</summary>
    public const float PeerTolerance = 1e-5f;

    /// <summary>Largest |ONNX − libtorch| accepted on the golden seed case.</summary>
    public const float GoldenTolerance = 1e-5f;

    public static float MaxAbsDiff(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length)
            return float.PositiveInfinity;
        float max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float d = MathF.Abs(expected[i] - actual[i]);
            if (!(d <= max)) max = d;   // NaN propagates
        }
        return max;
    }

    public static float Require(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance)
    {
        float diff = MaxAbsDiff(expected, actual);
        if (!(diff <= tolerance))
            throw new InvalidOperationException($"VALIDATION FAILED: {what}: max |diff| = {diff:E2} > {tolerance:E0}.");
        return diff;
    }

    /// <summary>
    /// Checks every peer of every case and the generator's output for the generator benchmark; prints one line per
    /// check. Throws on the first failure. Returns the generated source sizes for the report, and in
    /// <paramref name="denormals"/> what the denormal check found (normal and scaled sensor inputs).
    /// </summary>
    public static List<GeneratorFacts> RunAll(bool withTorch, TextWriter log, out List<DenormalFacts> denormals)
    {
        log.WriteLine("Validating every peer against the generated model (random weights, seed " + Cases.Seed + ") ...");
        string[] peers = withTorch
            ? ["Generated", "RunTimeSized", "Scalar", "TensorPrimitives", "OnnxRuntime", "TorchSharp"]
            : ["Generated", "RunTimeSized", "Scalar", "TensorPrimitives", "OnnxRuntime"];
        Check<SeedCase>(1, peers, log);
        Check<Audio20Case>(1, peers, log);
        Check<Audio40Case>(1, peers, log);
        Check<SensorCase>(1, peers, log);
        Check<MidCase>(1, peers, log);
        Check<LargeCase>(1, peers, log);
        Check<SeedCase>(Cases.Batch, peers, log);
        Check<SensorCase>(Cases.Batch, peers, log);
        Golden(log);
        log.WriteLine("Checking the extra measurements (denormal inputs, a batch split across cores) ...");
        (DenormalFacts normal, DenormalFacts subnormal) = Denormals.CheckBoth(log);
        denormals = [normal, subnormal];
        MultiCoreBatch<SensorCase>.Check(log);
        MultiCoreBatch<MidCase>.Check(log);
        return GeneratorInput.Measure(log);
    }

    private static void Check<TCase>(int batch, string[] peers, TextWriter log) where TCase : struct, ILstmCase<TCase>
    {
        var parts = new List<string>();
        foreach (string peer in peers)
        {
            using var set = new PeerSet<TCase>(batch);
            float diff = set.Add(peer);   // throws past PeerTolerance
            parts.Add($"{peer} {diff:E1}");
        }
        log.WriteLine($"  {TCase.Info.Name,-8} batch {batch,2}: max |peer - generated|: {string.Join(", ", parts)}  OK");
    }

    /// <summary>ONNX Runtime (and the generated model) on libtorch's seed case: y within 1e-5.</summary>
    public static void Golden(TextWriter log)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Golden");
        var weights = LstmWeights.LoadSafetensors(Path.Combine(dir, "seed.weights.safetensors"),
            SeedModel.InputSize, SeedModel.HiddenSize, SeedModel.OutputSize);
        var io = SafetensorsFile.Load(Path.Combine(dir, "seed.io.safetensors"));
        Tensor x = io.ReadTensor("x"), y = io.ReadTensor("y");
        int batch = x.Shape[0];
        if (x.Shape[1] != SeedModel.SeqLen || x.Shape[2] != SeedModel.InputSize)
            throw new InvalidOperationException($"golden x has shape {x.ShapeString}, expected [B, {SeedModel.SeqLen}, {SeedModel.InputSize}]");

        using var onnx = new OnnxLstm(weights, SeedModel.SeqLen, batch);
        var onnxY = new float[y.Length];
        onnx.Forward(x.AsSpan(), onnxY);
        float onnxDiff = Require("ONNX Runtime vs libtorch golden (seed)", y.AsSpan(), onnxY, GoldenTolerance);

        var model = new SeedModel();
        model.LoadWeights(weights);
        var genY = new float[y.Length];
        model.Forward(x.AsSpan(), genY, batch);
        float genDiff = Require("generated vs libtorch golden (seed)", y.AsSpan(), genY, GoldenTolerance);
        log.WriteLine($"  golden seed (libtorch), batch {batch}: max |ONNX - torch| {onnxDiff:E1}, max |generated - torch| {genDiff:E1}  OK");
    }
}
