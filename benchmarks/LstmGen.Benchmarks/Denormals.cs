using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using LstmGen;

namespace LstmGen.Benchmarks;

/// <summary>
/// Whether subnormal (denormal) floats slow the generated kernel down: the sensor model's batch-1 <c>Forward</c> on its
/// normal weights and inputs, and on the same weights and inputs scaled so that every gate pre-activation and, in exact
/// arithmetic, the whole h/c state are subnormal (|x| &lt; 2⁻¹²⁶ ≈ 1.18e-38, not zero). .NET leaves the CPU's FTZ/DAZ
/// modes off; the kernel flushes subnormal activation inputs and state to zero itself (<c>KernelMath.FlushSubnormals</c>).
/// </summary>
/// <remarks>
/// Scaling: every weight matrix (W_ih, W_hh, fc.weight) and the input × a = 5e-20, every bias × a² = 2.5e-39. Then
/// W_ih·x + b is a² × the original input part of each pre-activation (typically ≈ 0.3, at most ≈ 1.3 here), so every
/// pre-activation is below 2⁻¹²⁶ ≈ 1.18e-38, with products around 1e-39..1e-42: subnormal. (With a = 1e-19, a² = 1e-38,
/// the largest 8 of a sequence's 12,800 pre-activations were just above 2⁻¹²⁶.) With such tiny z, σ(z) = ½ and
/// tanh(z) = z, so in exact arithmetic c ← ½c + ½·g and h = ½·tanh(c) stay below 2⁻¹²⁶ for the whole sequence. (Scaling
/// the biases by a as well would not do: b·a ≈ 1e-21 would dominate and keep everything normal.) <see cref="Check"/>
/// verifies this with a float64 recurrence, and reads the kernel's own state, before anything is timed.
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
        return new LstmWeights(Scaled(layer.WeightIh, a), Scaled(layer.WeightHh, a), Scaled(layer.BiasIh!, b), Scaled(layer.BiasHh!, b),
            Scaled(w.FcWeight!, a), Scaled(w.FcBias!, b));
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
    /// Runs one sequence through an exact float64 LSTM recurrence (σ, tanh from <see cref="Math"/>) and through the
    /// generated model's streaming <c>Step</c>, reading its h and c after every step with <c>GetState</c>: how small the
    /// pre-activations W_ih·x_t + W_hh·h_{t−1} + b_ih + b_hh of all 4H gate rows and the exact state get, and what the
    /// kernel's state holds.
    /// </summary>
    public static DenormalFacts Check(LstmWeights w, float[] input)
    {
        int I = SensorModel.InputSize, H = SensorModel.HiddenSize, T = SensorModel.SeqLen;
        var model = new SensorModel();
        model.LoadWeights(w);
        ReadOnlySpan<float> wih = w.WeightIh.AsSpan(), whh = w.WeightHh.AsSpan(), bih = w.BiasIh!.AsSpan(), bhh = w.BiasHh!.AsSpan();
        double[] h = new double[H], c = new double[H], z = new double[4 * H];
        float[] kernelH = new float[H], kernelC = new float[H], output = new float[SensorModel.OutputSize];
        double maxState = 0, maxZ = 0;
        int tinyState = 0, subnormalKernelState = 0, zeroKernelState = 0, states = 0, subnormalZ = 0;
        for (int t = 0; t < T; t++)
        {
            ReadOnlySpan<float> x = input.AsSpan(t * I, I);
            for (int row = 0; row < 4 * H; row++)
            {
                double sum = (double)bih[row] + bhh[row];
                for (int k = 0; k < I; k++) sum += (double)wih[row * I + k] * x[k];
                for (int k = 0; k < H; k++) sum += (double)whh[row * H + k] * h[k];
                z[row] = sum;
                maxZ = Math.Max(maxZ, Math.Abs(sum));
                if (IsTiny(sum)) subnormalZ++;
            }
            for (int u = 0; u < H; u++)   // PyTorch's gate order i, f, g, o
            {
                c[u] = Sigmoid(z[H + u]) * c[u] + Sigmoid(z[u]) * Math.Tanh(z[2 * H + u]);
                h[u] = Sigmoid(z[3 * H + u]) * Math.Tanh(c[u]);
            }
            model.Step(x, output);
            model.GetState(kernelH, kernelC);
            for (int u = 0; u < H; u++)
            {
                foreach (double v in (double[])[h[u], c[u]])
                {
                    maxState = Math.Max(maxState, Math.Abs(v));
                    if (IsTiny(v)) tinyState++;
                }
                foreach (float v in (float[])[kernelH[u], kernelC[u]])
                {
                    if (!float.IsFinite(v)) throw new InvalidOperationException($"VALIDATION FAILED: denormals: non-finite state {v} at step {t}.");
                    if (v == 0) zeroKernelState++;
                    else if (float.IsSubnormal(v)) subnormalKernelState++;
                }
                states += 2;
            }
        }
        return new DenormalFacts(maxState, tinyState, states, maxZ, subnormalZ, 4 * H * T, subnormalKernelState, zeroKernelState);

        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        static bool IsTiny(double v) => v != 0 && Math.Abs(v) < MinNormal;
    }

    /// <summary>
    /// Throws unless the exact state and the pre-activations are (mostly) subnormal, or, for the normal inputs, none is;
    /// and, either way, unless the kernel's state holds no subnormal value.
    /// </summary>
    public static void Require(DenormalFacts f, bool subnormal)
    {
        bool ok = f.SubnormalKernelState == 0 && (subnormal
            ? f.MaxAbsState < MinNormal && f.MaxAbsPreActivation < MinNormal && f.SubnormalStateEntries >= f.StateEntries / 2
              && f.SubnormalPreActivations >= f.PreActivations / 2
            : f.SubnormalStateEntries == 0 && f.MaxAbsState > 0.1);
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

/// <summary>
/// What <see cref="Denormals.Check"/> found over one sensor sequence (T steps, h and c of H units each, 4H gate rows):
/// the exact (float64) state and pre-activations, and the generated kernel's state.
/// </summary>
public sealed record DenormalFacts(double MaxAbsState, int SubnormalStateEntries, int StateEntries,
    double MaxAbsPreActivation, int SubnormalPreActivations, int PreActivations, int SubnormalKernelState, int ZeroKernelState)
{
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"exact max |h|,|c| = {MaxAbsState:G3}, subnormal-sized {SubnormalStateEntries}/{StateEntries}; " +
        $"max |gate pre-activation| = {MaxAbsPreActivation:G3}, subnormal {SubnormalPreActivations}/{PreActivations}; " +
        $"the kernel's h/c: subnormal {SubnormalKernelState}, zero {ZeroKernelState}");
}
