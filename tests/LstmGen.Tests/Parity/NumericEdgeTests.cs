using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace LstmGen.Tests.Parity;

/// <summary>
/// Non-finite and denormal numbers: NaN propagates as IEEE arithmetic does (from the step it enters, in its own
/// sequence only), ±Inf gives finite or NaN outputs, subnormal inputs and states give finite results and leave no
/// subnormal state behind, and nothing
/// throws or hangs. Through Forward, batched Forward and Step, for LSTMs and GRUs of one and two layers.
/// </summary>
public class NumericEdgeTests
{
    /// <summary>A model under test with its sizes (the interface cannot carry the generated constants).</summary>
    public sealed record Case(string Name, Func<ITestModel> Create, int InputSize, int HiddenSize, int OutputSize, int SeqLen, int NumLayers)
    {
        public override string ToString() => Name;

        public int SequenceLength => SeqLen * InputSize;

        public ITestModel CreateInitialized()
        {
            ITestModel model = Create();
            model.InitializeWeights(seed: 11);
            return model;
        }
    }

    public static TheoryData<Case> Cases() =>
    [
        new Case("lstm", () => new SeedModel(), SeedModel.InputSize, SeedModel.HiddenSize, SeedModel.OutputSize, SeedModel.SeqLen, SeedModel.NumLayers),
        new Case("gru", () => new GruSeedModel(), GruSeedModel.InputSize, GruSeedModel.HiddenSize, GruSeedModel.OutputSize, GruSeedModel.SeqLen, GruSeedModel.NumLayers),
        new Case("lstm2", () => new Lstm2SmallModel(), Lstm2SmallModel.InputSize, Lstm2SmallModel.HiddenSize, Lstm2SmallModel.OutputSize, Lstm2SmallModel.SeqLen, Lstm2SmallModel.NumLayers),
        new Case("gru2", () => new Gru2OddModel(), Gru2OddModel.InputSize, Gru2OddModel.HiddenSize, Gru2OddModel.OutputSize, Gru2OddModel.SeqLen, Gru2OddModel.NumLayers),
    ];

    // Sequences in a batch: enough for whole SIMD groups of the batch kernels and a remainder.
    private const int Batch = GoldenParity.LargeBatchSize;

    // A hang guard, not a speed check: the work takes milliseconds.
    private static void Bounded(Action action) =>
        Assert.True(Task.Run(action).Wait(TimeSpan.FromMinutes(2)), "the computation did not finish");

    private static float[] Sequence(Case model, int seed) => Tensor.RandN([model.SequenceLength], seed: seed).ToArray();

    // Step outputs for each time step, from a reset state.
    private static float[] StepAll(ITestModel model, Case sizes, ReadOnlySpan<float> sequence)
    {
        model.ResetState();
        var outputs = new float[sizes.SeqLen * sizes.OutputSize];
        for (int t = 0; t < sizes.SeqLen; t++)
            model.Step(sequence.Slice(t * sizes.InputSize, sizes.InputSize), outputs.AsSpan(t * sizes.OutputSize, sizes.OutputSize));
        return outputs;
    }

    private static string Show(ReadOnlySpan<float> values) => "[" + string.Join(", ", values.ToArray()) + "]";

    // ------------------------------------------------------------------ NaN

    [Theory]
    [MemberData(nameof(Cases))]
    public void NaN_anywhere_makes_the_rest_of_the_sequence_NaN(Case sizes) => Bounded(() =>
    {
        ITestModel model = sizes.CreateInitialized();
        float[] clean = Sequence(sizes, seed: 1);
        float[] cleanSteps = StepAll(model, sizes, clean);
        Assert.All(cleanSteps, value => Assert.True(float.IsFinite(value)));
        var output = new float[sizes.OutputSize];

        for (int position = 0; position < sizes.SequenceLength; position++)
        {
            float[] x = (float[])clean.Clone();
            x[position] = float.NaN;
            int step = position / sizes.InputSize;

            model.Forward(x, output);
            Assert.True(output.All(float.IsNaN), $"{sizes}: NaN at input {position} gave Forward output {Show(output)}");

            float[] steps = StepAll(model, sizes, x);
            for (int t = 0; t < sizes.SeqLen; t++)
            {
                ReadOnlySpan<float> y = steps.AsSpan(t * sizes.OutputSize, sizes.OutputSize);
                if (t < step)
                    Assert.True(y.SequenceEqual(cleanSteps.AsSpan(t * sizes.OutputSize, sizes.OutputSize)), $"{sizes}: step {t} before the NaN at step {step} changed: {Show(y)}");
                else
                    Assert.True(y.ToArray().All(float.IsNaN), $"{sizes}: step {t} after the NaN at step {step} gave {Show(y)}");
            }

            // The NaN stays in the streaming state until it is reset, and only there.
            model.Step(clean.AsSpan(0, sizes.InputSize), output);
            Assert.True(output.All(float.IsNaN), $"{sizes}: the stream forgot a NaN without a reset");
            Assert.True(StepAll(model, sizes, clean).AsSpan().SequenceEqual(cleanSteps), $"{sizes}: ResetState did not clear the NaN");
        }
    });

    [Theory]
    [MemberData(nameof(Cases))]
    public void NaN_in_one_sequence_of_a_batch_stays_in_that_sequence(Case sizes) => Bounded(() =>
    {
        ITestModel model = sizes.CreateInitialized();
        float[] input = Tensor.RandN([Batch * sizes.SequenceLength], seed: 2).ToArray();
        var expected = new float[Batch * sizes.OutputSize];
        for (int b = 0; b < Batch; b++)
            model.Forward(input.AsSpan(b * sizes.SequenceLength, sizes.SequenceLength), expected.AsSpan(b * sizes.OutputSize, sizes.OutputSize));

        // Sequences at the start, middle and end of the batch, NaN at its first, a middle and its last step.
        foreach (int poisoned in new[] { 0, 1, Batch / 2, Batch - 2, Batch - 1 })
        {
            foreach (int position in new[] { 0, sizes.SequenceLength / 2, sizes.SequenceLength - 1 })
            {
                float[] x = (float[])input.Clone();
                x[poisoned * sizes.SequenceLength + position] = float.NaN;
                var output = new float[Batch * sizes.OutputSize];
                model.Forward(x, output, Batch);
                Tensor tensor = model.Forward(new Tensor(x, [Batch, sizes.SeqLen, sizes.InputSize]));

                for (int b = 0; b < Batch; b++)
                {
                    ReadOnlySpan<float> y = output.AsSpan(b * sizes.OutputSize, sizes.OutputSize);
                    ReadOnlySpan<float> fromTensor = tensor.AsSpan().Slice(b * sizes.OutputSize, sizes.OutputSize);
                    if (b == poisoned)
                    {
                        Assert.True(y.ToArray().All(float.IsNaN), $"{sizes}: poisoned sequence {b} gave {Show(y)}");
                        Assert.True(fromTensor.ToArray().All(float.IsNaN), $"{sizes}: poisoned sequence {b} gave {Show(fromTensor)} as a tensor");
                    }
                    else
                    {
                        ReadOnlySpan<float> want = expected.AsSpan(b * sizes.OutputSize, sizes.OutputSize);
                        Assert.True(GoldenParity.MaxAbsDifference(y, want) <= 1e-6f,
                            $"{sizes}: sequence {b} gave {Show(y)} instead of {Show(want)} next to a NaN in sequence {poisoned}");
                        Assert.True(fromTensor.SequenceEqual(y), $"{sizes}: the tensor API gave {Show(fromTensor)} for sequence {b}");
                    }
                }
            }
        }
    });

    [Theory]
    [MemberData(nameof(Cases))]
    public void NaN_state_gives_NaN_until_reset(Case sizes)
    {
        ITestModel model = sizes.CreateInitialized();
        float[] x = Sequence(sizes, seed: 3);
        var h = new float[sizes.NumLayers * sizes.HiddenSize];
        var c = new float[h.Length];
        h[^1] = float.NaN; // one unit of the top layer
        SetState(model, h, c);

        var output = new float[sizes.OutputSize];
        model.Step(x.AsSpan(0, sizes.InputSize), output);
        Assert.True(output.All(float.IsNaN), $"{sizes}: a NaN hidden unit gave {Show(output)}");

        // Forward keeps its own zero state: the poisoned stream does not reach it.
        model.Forward(x, output);
        Assert.True(output.All(float.IsFinite), $"{sizes}: Forward saw the stream's NaN: {Show(output)}");
    }

    private static void SetState(ITestModel model, float[] h, float[] c)
    {
        switch (model)
        {
            case ILstmTestModel lstm: lstm.SetState(h, c); break;
            case IGruTestModel gru: gru.SetState(h); break;
            default: throw new InvalidOperationException(model.GetType().Name);
        }
    }

    // ------------------------------------------------------------------ infinities

    [Theory]
    [MemberData(nameof(Cases))]
    public void Infinite_inputs_give_finite_or_NaN_outputs(Case sizes) => Bounded(() =>
    {
        ITestModel model = sizes.CreateInitialized();
        float[] clean = Sequence(sizes, seed: 4);
        var inputs = new System.Collections.Generic.List<float[]>();
        for (int position = 0; position < sizes.SequenceLength; position += 3)
        {
            foreach (float infinity in new[] { float.PositiveInfinity, float.NegativeInfinity })
            {
                float[] x = (float[])clean.Clone();
                x[position] = infinity;
                inputs.Add(x);
            }
        }
        inputs.Add(Enumerable.Repeat(float.PositiveInfinity, sizes.SequenceLength).ToArray());
        inputs.Add(Enumerable.Repeat(float.NegativeInfinity, sizes.SequenceLength).ToArray());
        inputs.Add(Enumerable.Range(0, sizes.SequenceLength).Select(n => n % 2 == 0 ? float.PositiveInfinity : float.NegativeInfinity).ToArray());
        inputs.Add(Enumerable.Range(0, sizes.SequenceLength).Select(n => n % 3 == 0 ? float.MaxValue : -float.MaxValue).ToArray());

        var output = new float[sizes.OutputSize];
        foreach (float[] x in inputs)
        {
            model.Forward(x, output);
            Assert.False(output.Any(float.IsInfinity), $"{sizes}: Forward gave {Show(output)} for an infinite input");
            float[] steps = StepAll(model, sizes, x);
            Assert.False(steps.Any(float.IsInfinity), $"{sizes}: Step gave {Show(steps)} for an infinite input");
            // The last step is the whole sequence: the same as Forward, NaN for NaN.
            ReadOnlySpan<float> last = steps.AsSpan(steps.Length - sizes.OutputSize);
            for (int o = 0; o < sizes.OutputSize; o++)
                Assert.True(float.IsNaN(output[o]) ? float.IsNaN(last[o]) : Math.Abs(output[o] - last[o]) <= 1e-5f, $"{sizes}: Step ended at {Show(last)}, Forward at {Show(output)}");
        }

        // All of them at once, in a batch.
        float[] batch = inputs.SelectMany(x => x).ToArray();
        var batched = new float[inputs.Count * sizes.OutputSize];
        model.Forward(batch, batched, inputs.Count);
        Assert.False(batched.Any(float.IsInfinity), $"{sizes}: batched Forward gave an infinity: {Show(batched)}");
        for (int b = 0; b < inputs.Count; b++)
        {
            model.Forward(inputs[b], output);
            for (int o = 0; o < sizes.OutputSize; o++)
            {
                float y = batched[b * sizes.OutputSize + o];
                Assert.True(float.IsNaN(output[o]) ? float.IsNaN(y) : Math.Abs(output[o] - y) <= 1e-5f, $"{sizes}: sequence {b}: batched {y}, single {output[o]}");
            }
        }
    });

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_single_infinite_input_saturates_the_gates_and_stays_finite(Case sizes)
    {
        // w·∞ + finite is ±∞ for every gate (no weight is 0): σ and tanh saturate to exact limits, h stays in
        // [−1, 1] and the output is finite; only ∞ − ∞ could make a NaN, and one infinite feature cannot.
        ITestModel model = sizes.CreateInitialized();
        float[] x = Sequence(sizes, seed: 5);
        x[0] = float.PositiveInfinity;
        var output = new float[sizes.OutputSize];
        model.Forward(x, output);
        Assert.True(output.All(float.IsFinite), $"{sizes}: +∞ in one feature of the first step gave {Show(output)}");
    }

    // ------------------------------------------------------------------ denormals

    [Theory]
    [MemberData(nameof(Cases))]
    public void Subnormal_inputs_and_states_give_finite_results(Case sizes) => Bounded(() =>
    {
        const float Tiny = 1e-40f;
        Assert.True(float.IsSubnormal(Tiny));
        ITestModel model = sizes.CreateInitialized();
        float[] tiny = Enumerable.Range(0, sizes.SequenceLength).Select(n => n % 2 == 0 ? Tiny : -Tiny).ToArray();
        float[] zero = new float[sizes.SequenceLength];

        // Contributions of 1e-40 are far below float resolution: the result is the zero input's.
        var expected = new float[sizes.OutputSize];
        var output = new float[sizes.OutputSize];
        model.Forward(zero, expected);
        model.Forward(tiny, output);
        Assert.True(output.All(float.IsFinite) && GoldenParity.MaxAbsDifference(output, expected) <= 1e-6f, $"{sizes}: {Show(output)} vs {Show(expected)}");

        var batched = new float[Batch * sizes.OutputSize];
        model.Forward(Enumerable.Repeat(tiny, Batch).SelectMany(x => x).ToArray(), batched, Batch);
        for (int b = 0; b < Batch; b++)
            Assert.True(GoldenParity.MaxAbsDifference(batched.AsSpan(b * sizes.OutputSize, sizes.OutputSize), expected) <= 1e-6f, $"{sizes}: batched sequence {b}");

        // Subnormal state, then a long run of subnormal steps.
        var h = Enumerable.Repeat(Tiny, sizes.NumLayers * sizes.HiddenSize).ToArray();
        SetState(model, h, h);
        float[] zeroSteps = StepAll(model, sizes, zero);
        SetState(model, h, h);
        for (int t = 0; t < 1000; t++)
        {
            model.Step(tiny.AsSpan(t % sizes.SeqLen * sizes.InputSize, sizes.InputSize), output);
            Assert.True(output.All(float.IsFinite), $"{sizes}: step {t} gave {Show(output)}");
        }
        Assert.All(zeroSteps, value => Assert.True(float.IsFinite(value)));
        // After the first step the subnormal initial state has no visible effect: zero input from it ends where Forward does.
        Assert.True(GoldenParity.MaxAbsDifference(zeroSteps.AsSpan(zeroSteps.Length - sizes.OutputSize), expected) <= 1e-6f, $"{sizes}: {Show(zeroSteps)}");
    });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Subnormal_weights_give_finite_results(Case sizes) => Bounded(() =>
    {
        // Every parameter scaled into the subnormal range: each gate sees ≈ 0, so h ≈ 0 and the output is ≈ fc.bias ≈ 0.
        ITestModel model = sizes.Create();
        model.LoadSafetensors(new System.IO.MemoryStream(ScaledWeights(sizes, matrixScale: 1e-39f, biasScale: 1e-39f)));
        float[] x = Sequence(sizes, seed: 6);
        var output = new float[sizes.OutputSize];
        model.Forward(x, output);
        Assert.True(output.All(value => float.IsFinite(value) && Math.Abs(value) < 1e-30f), $"{sizes}: {Show(output)}");
        float[] steps = StepAll(model, sizes, x);
        Assert.True(steps.All(value => float.IsFinite(value) && Math.Abs(value) < 1e-30f), $"{sizes}: Step gave {Show(steps)}");
    });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Subnormal_pre_activations_leave_no_subnormal_state(Case sizes) => Bounded(() =>
    {
        // Normal weights and inputs around 5e-20 and subnormal biases: every pre-activation is about 1e-39, and in exact
        // arithmetic c and h would stay that small. The kernel flushes them (subnormal numbers slow many CPUs down).
        byte[] weights = ScaledWeights(sizes, matrixScale: 1e-19f, biasScale: 5e-39f);
        float[] x = Sequence(sizes, seed: 8).Select(v => v * 5e-20f).ToArray();
        var output = new float[sizes.OutputSize];
        var h = new float[sizes.NumLayers * sizes.HiddenSize];
        var c = new float[sizes.NumLayers * sizes.HiddenSize];

        ITestModel model = sizes.Create();
        model.LoadSafetensors(new System.IO.MemoryStream(weights));
        LstmModel? fallback = model is ILstmTestModel ? LstmModel.Load(new System.IO.MemoryStream(weights)) : null;
        for (int t = 0; t < sizes.SeqLen; t++)
        {
            ReadOnlySpan<float> step = x.AsSpan(t * sizes.InputSize, sizes.InputSize);
            model.Step(step, output);
            switch (model)
            {
                case ILstmTestModel lstm: lstm.GetState(h, c); break;
                case IGruTestModel gru: gru.GetState(h); break;
            }
            Assert.False(h.Any(float.IsSubnormal) || c.Any(float.IsSubnormal), $"{sizes}: step {t}: h {Show(h)}, c {Show(c)}");
            if (fallback is null) continue;
            fallback.Step(step, output);
            fallback.GetState(h, c);
            Assert.False(h.Any(float.IsSubnormal) || c.Any(float.IsSubnormal), $"{sizes}, LstmModel: step {t}: h {Show(h)}, c {Show(c)}");
        }
    });

    // The model's own random weights, matrices × matrixScale and biases × biasScale, as a safetensors file.
    private static byte[] ScaledWeights(Case sizes, float matrixScale, float biasScale)
    {
        ITestModel model = sizes.Create();
        string prefix = model is ILstmTestModel ? "lstm." : "gru.";
        int gates = model is ILstmTestModel ? 4 : 3;
        var random = new Random(7);
        SafetensorsWriter.Entry Scaled(string name, float scale, params int[] shape) =>
            SafetensorsWriter.F32(name, shape, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() - 0.5) * scale).ToArray());
        var entries = new System.Collections.Generic.List<SafetensorsWriter.Entry>();
        for (int k = 0; k < sizes.NumLayers; k++)
        {
            entries.Add(Scaled($"{prefix}weight_ih_l{k}", matrixScale, gates * sizes.HiddenSize, k == 0 ? sizes.InputSize : sizes.HiddenSize));
            entries.Add(Scaled($"{prefix}weight_hh_l{k}", matrixScale, gates * sizes.HiddenSize, sizes.HiddenSize));
            entries.Add(Scaled($"{prefix}bias_ih_l{k}", biasScale, gates * sizes.HiddenSize));
            entries.Add(Scaled($"{prefix}bias_hh_l{k}", biasScale, gates * sizes.HiddenSize));
        }
        entries.Add(Scaled("fc.weight", matrixScale, sizes.OutputSize, sizes.HiddenSize));
        entries.Add(Scaled("fc.bias", biasScale, sizes.OutputSize));
        Assert.Contains(entries, e => e.Data.Any(b => b != 0));
        return SafetensorsWriter.Build(entries);
    }
}
