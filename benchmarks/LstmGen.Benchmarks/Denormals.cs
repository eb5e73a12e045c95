using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using LstmGen;

namespace LstmGen.Benchmarks;

/// <summary>
/// Whether subnormal (denormal) floats slow the generated kernel down: the sensor model's batch-1 <c>Forward</c> on its
/// normal weights and inputs, and on the same weights and inputs scaled so that every gate pre-activation and the whole
/// h/c state are subnormal (|x| &lt; 2⁻¹²⁶ ≈ 1.18e-38, not zero). .NET leaves FTZ/DAZ off, so the CPU does handle them.
/// </summary>
/// <remarks>
/// Scaling: every weight matrix (W_ih, W_hh, fc.weight) and the input × a = 5e-20, every bias × a² = 2.5e-39. Then
/// W_ih·x + b is a² × the original input part of each pre-activation (typically ≈ 0.3, at most ≈ 1.3 here), so every
/// pre-activation is below 2⁻¹²⁶ ≈ 1.18e-38, with products around 1e-39..1e-42: subnormal. (With a = 1e-19, a² = 1e-38,
/// the largest 8 of a sequence's 12,800 pre-activations were just above 2⁻¹²⁶.) The recurrent part W_hh·h is a × (a subnormal h) and underflows to zero or to a few
/// subnormal ulps. With such tiny z, σ(z) = ½ exactly and tanh(z) = z (the kernel's x·P(x²)/Q(x²) with x² = 0), so
/// c ← ½c + ½·g and h = ½·tanh(c) stay subnormal for the whole sequence. (Scaling the biases by a as well would not do:
/// b·a ≈ 1e-21 would dominate and keep everything normal.) <see cref="Check"/> verifies this in float64 on the
/// streaming <c>Step</c>'s state before anything is timed.
/// </remarks>
[BenchmarkCategory("denormals")]
public class Denormals
{
    /// <summary>Scale of the weight matrices and inputs; biases are scaled by its square.</summary>
    public const float Scale = 5e-20f;

    /// <summary>Smallest positive normal float, 2⁻¹²⁶.</summary>
    public const float MinNormal = 1.17549435e-38f;

    private SensorModel _model = null!;
    private float[] _input = null!, _output = null!;

    [Params("normal", "subnormal")] public string Values { get; set; } = "normal";

    [GlobalSetup]
    public void Setup()
    {
        CaseInfo info = SensorCase.Info;
        LstmWeights weights = Cases.Weights(info);
        float[] input = Cases.Input(info, 1);
        if (Values == "subnormal")
        {
            (weights, input) = (ScaledWeights(weights), ScaledInput(input));
            Require(Check(weights, input), subnormal: true);
        }
        else if (Values != "normal")
            throw new ArgumentException($"unknown value set {Values}");
        _model = new SensorModel();
        _model.LoadWeights(weights);
        _input = input;
        _output = new float[info.OutputSize];
        // As PeerSet.WarmUp: give tiered compilation its chance so that even a short job measures optimized code.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int calls = 0; (calls < 60 || clock.ElapsedMilliseconds < 400) && clock.ElapsedMilliseconds < 3000; calls++)
            _model.Forward(_input, _output);
    }

    [Benchmark] public void SensorForward() => _model.Forward(_input, _output);

    /// <summary>The weights with every matrix × <see cref="Scale"/> and every bias × <see cref="Scale"/>².</summary>
    public static LstmWeights ScaledWeights(LstmWeights w)
    {
        const double a = Scale, b = (double)Scale * Scale;
        RecurrentLayer layer = w.Layers[0];
        return new LstmWeights(Scaled(layer.WeightIh, a), Scaled(layer.WeightHh, a), Scaled(layer.BiasIh, b), Scaled(layer.BiasHh, b),
            Scaled(w.FcWeight, a), Scaled(w.FcBias, b));
    }

    public static float[] ScaledInput(float[] x)
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = (float)(x[i] * (double)Scale);
        return y;
    }

    private static Tensor Scaled(Tensor t, double factor)
    {
        float[] data = t.ToArray();
        for (int i = 0; i < data.Length; i++) data[i] = (float)(data[i] * factor);
        return new Tensor(data, t.Shape);
    }

    /// <summary>
    /// Streams one sequence through the generated model's <c>Step</c>, reads h and c after every step with
    /// <c>GetState</c>, and recomputes in float64 the pre-activations W_ih·x_t + W_hh·h_{t−1} + b_ih + b_hh of all
    /// 4H gate rows at every step from the same float32 weights.
    /// </summary>
    public static DenormalFacts Check(LstmWeights w, float[] input)
    {
        int I = SensorModel.InputSize, H = SensorModel.HiddenSize, T = SensorModel.SeqLen;
        var model = new SensorModel();
        model.LoadWeights(w);
        ReadOnlySpan<float> wih = w.WeightIh.AsSpan(), whh = w.WeightHh.AsSpan(), bih = w.BiasIh.AsSpan(), bhh = w.BiasHh.AsSpan();
        var h = new float[H];
        var c = new float[H];
        var output = new float[SensorModel.OutputSize];
        double maxState = 0, maxZ = 0;
        int subnormalState = 0, zeroState = 0, subnormalZ = 0, states = 0, gates = 0;
        for (int t = 0; t < T; t++)
        {
            ReadOnlySpan<float> x = input.AsSpan(t * I, I);
            for (int row = 0; row < 4 * H; row++)   // z uses h_{t−1}, still in h
            {
                double z = (double)bih[row] + bhh[row];
                for (int k = 0; k < I; k++) z += (double)wih[row * I + k] * x[k];
                for (int k = 0; k < H; k++) z += (double)whh[row * H + k] * h[k];
                maxZ = Math.Max(maxZ, Math.Abs(z));
                if (z != 0 && Math.Abs(z) < MinNormal) subnormalZ++;
                gates++;
            }
            model.Step(x, output);
            model.GetState(h, c);
            foreach (float v in (float[])[.. h, .. c])
            {
                if (!float.IsFinite(v)) throw new InvalidOperationException($"VALIDATION FAILED: denormals: non-finite state {v} at step {t}.");
                maxState = Math.Max(maxState, Math.Abs(v));
                if (v == 0) zeroState++;
                else if (float.IsSubnormal(v)) subnormalState++;
                states++;
            }
        }
        return new DenormalFacts(maxState, subnormalState, zeroState, states, maxZ, subnormalZ, gates);
    }

    /// <summary>Throws unless the state and pre-activations are (mostly) subnormal, or, for the normal inputs, none is.</summary>
    public static void Require(DenormalFacts f, bool subnormal)
    {
        bool ok = subnormal
            ? f.MaxAbsState < MinNormal && f.MaxAbsPreActivation < MinNormal && f.SubnormalStateEntries >= f.StateEntries / 2
              && f.SubnormalPreActivations >= f.PreActivations / 2
            : f.SubnormalStateEntries == 0 && f.MaxAbsState > 0.1;
        if (!ok)
            throw new InvalidOperationException($"VALIDATION FAILED: denormals, {(subnormal ? "subnormal" : "normal")} inputs: {f.Describe()}.");
    }

    /// <summary>Both checks, for <c>--validate</c> and the saved results.</summary>
    public static (DenormalFacts Normal, DenormalFacts Subnormal) CheckBoth(TextWriter log)
    {
        CaseInfo info = SensorCase.Info;
        LstmWeights weights = Cases.Weights(info);
        float[] input = Cases.Input(info, 1);
        DenormalFacts normal = Check(weights, input);
        Require(normal, subnormal: false);
        DenormalFacts sub = Check(ScaledWeights(weights), ScaledInput(input));
        Require(sub, subnormal: true);
        log.WriteLine($"  denormals sensor: normal: {normal.Describe()}");
        log.WriteLine($"  denormals sensor: scaled (weights, x × {Scale:0.#e0}, biases × {(double)Scale * Scale:0.#e0}): {sub.Describe()}  OK");
        return (normal, sub);
    }
}

/// <summary>What <see cref="Denormals.Check"/> found over one sensor sequence (T steps, h and c of H units each, 4H gate rows).</summary>
public sealed record DenormalFacts(double MaxAbsState, int SubnormalStateEntries, int ZeroStateEntries, int StateEntries,
    double MaxAbsPreActivation, int SubnormalPreActivations, int PreActivations)
{
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"max |h|,|c| = {MaxAbsState:G3}, subnormal {SubnormalStateEntries}/{StateEntries} h/c values ({ZeroStateEntries} zero); " +
        $"max |gate pre-activation| = {MaxAbsPreActivation:G3}, subnormal {SubnormalPreActivations}/{PreActivations}");
}
