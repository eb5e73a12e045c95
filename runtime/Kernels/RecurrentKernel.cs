using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen.Kernels;

/// <summary>
/// The forward pass of a generated model: argument checks, state, batches, readouts and the SIMD dispatch, written once
/// for every model. <typeparamref name="M"/> gives the sizes and plan; <typeparamref name="T512"/>,
/// <typeparamref name="T256"/> and <typeparamref name="T128"/> are the tilings the Vector512, Vector256 and Vector128
/// paths run (one type may serve several), whose layer steps the generator writes for the model's sizes.
/// </summary>
/// <remarks>
/// The JIT compiles these generic methods separately for each model's struct type arguments, with every property of
/// <typeparamref name="M"/> and the tilings a constant, and keeps only the widest accelerated path: the code it runs
/// is what a generator would print for the model. Without SIMD every path falls to <typeparamref name="T512"/>, whose
/// layout the scalar kernel reads (it pads most, so the state is padded for it). A generated model's kernel class
/// derives from this one only to name it.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract partial class RecurrentKernel<M, T512, T256, T128>
    where M : struct, IRecurrentModel
    where T512 : struct, ITiling
    where T256 : struct, ITiling
    where T128 : struct, ITiling
{
    /// <summary>For the generated kernel class, which derives from this one only to name it.</summary>
    protected RecurrentKernel()
    {
    }

    // The sizes below are small expressions of M's constants; the JIT's heuristics would not inline them everywhere
    // (they read several properties), so each says it must be.

    private static int Directions { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => M.Bidirectional ? 2 : 1; }

    /// <summary>The values of h: ProjSize with a projection, else HiddenSize.</summary>
    private static int HiddenOutputs { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => M.ProjSize > 0 ? M.ProjSize : M.HiddenSize; }

    /// <summary>A layer's values per step: every direction's h.</summary>
    private static int FeatureSize { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Directions * HiddenOutputs; }

    private static bool EveryStep { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => M.Readout == Readout.EveryStep; }

    /// <summary>Buffers of state per layer and direction: two h buffers, the LSTM's c, and with a projection o ⊙ tanh(c_t).</summary>
    private static int StateBuffers { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => M.Gru ? 2 : M.ProjSize > 0 ? 4 : 3; }

    private static int LayerStateLength { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => StateBuffers * M.StateStride; }

    /// <summary>Floats of a sequence's state: every layer's, or a bidirectional model's running layer's two directions.</summary>
    public static int StateLength { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => (M.Bidirectional ? 2 : M.NumLayers) * LayerStateLength; }

    /// <summary>The multiply-adds of one step: per layer and direction gates × hidden units × (inputs + h's values), and W_hr's.</summary>
    public static long MultiplyAddsPerStep =>
        (long)Directions * ((M.Gru ? 3 : 4) * M.HiddenSize * (M.InputSize + HiddenOutputs + (M.NumLayers - 1L) * (FeatureSize + HiddenOutputs))
            + (long)M.NumLayers * M.ProjSize * M.HiddenSize);

    /// <summary>The sequences this CPU's batch path runs at once: a SIMD lane group of a small model, else a block (1: one by one).</summary>
    private static int BatchGroup =>
        !Vector128.IsHardwareAccelerated ? 1
        : M.LanesRunBatches ? (Vector512.IsHardwareAccelerated ? Simd512.Lanes : Vector256.IsHardwareAccelerated ? Simd256.Lanes : Simd128.Lanes)
        : M.BlocksRunBatches ? PackedLayout.BlockSequences
        : 1;

    /// <summary>Where the h buffer <paramref name="parity"/> of a layer (a direction, when bidirectional) starts in the state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HiddenOffset(int layer, int parity) => layer * LayerStateLength + parity * M.StateStride;

    /// <summary>Where the c of a layer (a direction, when bidirectional) starts in the state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CellOffset(int layer) => layer * LayerStateLength + 2 * M.StateStride;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long SequenceOutputs(int steps) => EveryStep ? (long)steps * M.OutputSize : M.OutputSize;

    /// <summary>
    /// Floats of a bidirectional sequence's scratch: both directions' state, then two [steps, FeatureSize] sequences (a
    /// layer's output and the one below it), or only the row the readout reads besides the final states.
    /// </summary>
    private static long LayerByLayerScratch(int steps) => StateLength + (M.NumLayers > 1 || EveryStep ? 2L * steps * FeatureSize : FeatureSize);

    /// <summary>The steps T of a batch's input, checked, and within what the scratch of one call can hold.</summary>
    private static int RequireSteps(int inputLength, int batchSize)
    {
        int steps = ModelGuard.RequireSteps(inputLength, batchSize, M.InputSize, M.BatchFirst);
        RequireScratch(steps);
        return steps;
    }

    /// <summary>Throws unless a bidirectional model's scratch for sequences of <paramref name="steps"/> fits one array.</summary>
    private static void RequireScratch(int steps)
    {
        if (M.Bidirectional && LayerByLayerScratch(steps) > Array.MaxLength - AlignedBuffer.Slack)
        {
            throw new ArgumentException(
                $"input's sequences are too long: a bidirectional model keeps two layer outputs of T × 2 · H_out = {steps} × {FeatureSize} floats, " +
                $"{LayerByLayerScratch(steps)} floats of scratch in all, and one array holds at most {Array.MaxLength - AlignedBuffer.Slack}.", "input");
        }
    }

    // ---- weights and the streaming state ----

    /// <summary>A model's streaming state, zero, once this runtime is known to lay out state and weights as the model's code reads them.</summary>
    public static AlignedBuffer CreateState()
    {
        ModelGuard.RequireLayout(M.LayoutVersion, M.GeneratorVersion);
        return new AlignedBuffer(StateLength);
    }

    /// <summary>Packs weights in PyTorch's layout for the tiling of this CPU's path.</summary>
    /// <exception cref="ArgumentException">The weights are for other sizes or options.</exception>
    public static PackedWeights Pack(RecurrentWeights weights)
    {
        ModelGuard.RequireLayout(M.LayoutVersion, M.GeneratorVersion);
        if (Vector512.IsHardwareAccelerated)
            return Pack<T512>(weights);
        else if (Vector256.IsHardwareAccelerated)
            return Pack<T256>(weights);
        else if (Vector128.IsHardwareAccelerated)
            return Pack<T128>(weights);
        else
            return Pack<T512>(weights);
    }

    // The runtime packs; the length it packed must be the one the generated code reads.
    private static PackedWeights Pack<T>(RecurrentWeights weights) where T : struct, ITiling =>
        ModelGuard.RequirePackedLength(
            RecurrentPacking.Pack(weights, M.InputSize, M.HiddenSize, M.HasHead ? M.OutputSize : 0, M.NumLayers, T.Lanes, T.RestLanes,
                separateInput: M.PrecomputedSteps > 0, M.Bidirectional, M.ProjSize, M.BFloat16Weights),
            T.PackedLength);

    private static ref float Weights(PackedWeights? weights, object model) =>
        ref MemoryMarshal.GetReference((weights ?? throw ModelGuard.NoWeights(model)).Span);

    // ---- the generated model's public API, checked here ----

    /// <summary>One sequence of any length T ≥ 1: input [T, InputSize], output one readout (EveryStep: [T, OutputSize]).</summary>
    public static void Forward(PackedWeights? weights, object model, ReadOnlySpan<float> input, Span<float> output)
    {
        ref float packed = ref Weights(weights, model);
        int steps = RequireSteps(input.Length, 1);
        ModelGuard.RequireLength(output.Length, SequenceOutputs(steps), nameof(output), EveryStep ? "T × OutputSize" : "OutputSize");
        ModelGuard.RequireDisjoint(input, output);
        Sequence(ref packed, ref MemoryMarshal.GetReference(input), steps, ref MemoryMarshal.GetReference(output), default, default, 0, 1);
    }

    /// <summary>A batch of sequences of one length: input [batchSize, T, InputSize] (time-major: [T, batchSize, InputSize]).</summary>
    public static void Forward(PackedWeights? weights, object model, ReadOnlySpan<float> input, Span<float> output, int batchSize)
    {
        ref float packed = ref Weights(weights, model);
        int steps = RequireSteps(input.Length, batchSize);
        RequireOutputs(output, batchSize, steps);
        ModelGuard.RequireDisjoint(input, output);
        Batch(ref packed, input, output, default, batchSize, steps, default, default);
    }

    /// <summary>A padded batch: sequence b runs its first lengths[b] steps.</summary>
    public static void Forward(PackedWeights? weights, object model, ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths)
    {
        ref float packed = ref Weights(weights, model);
        int steps = RequireSteps(input.Length, lengths.Length);
        ModelGuard.RequireLengths(lengths, steps);
        RequireOutputs(output, lengths.Length, steps);
        ModelGuard.RequireDisjoint(input, output);
        Batch(ref packed, input, output, lengths, lengths.Length, steps, default, default);
    }

    /// <summary>A batch from the initial states in <paramref name="h"/> (and <paramref name="c"/>; empty for a GRU), where the final ones go.</summary>
    public static void Forward(PackedWeights? weights, object model, ReadOnlySpan<float> input, Span<float> output, int batchSize, Span<float> h, Span<float> c)
    {
        ref float packed = ref Weights(weights, model);
        int steps = RequireSteps(input.Length, batchSize);
        RequireOutputs(output, batchSize, steps);
        RequireStates(h, c, batchSize);
        ModelGuard.RequireDisjoint(input, output, h, c);
        Batch(ref packed, input, output, default, batchSize, steps, h, c);
    }

    /// <summary>A padded batch from the initial states in <paramref name="h"/> (and <paramref name="c"/>), where the final ones go.</summary>
    public static void Forward(PackedWeights? weights, object model, ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, Span<float> h, Span<float> c)
    {
        ref float packed = ref Weights(weights, model);
        int steps = RequireSteps(input.Length, lengths.Length);
        ModelGuard.RequireLengths(lengths, steps);
        RequireOutputs(output, lengths.Length, steps);
        RequireStates(h, c, lengths.Length);
        ModelGuard.RequireDisjoint(input, output, h, c);
        Batch(ref packed, input, output, lengths, lengths.Length, steps, h, c);
    }

    /// <summary>A batch in a tensor [batch, T, InputSize] (time-major: [T, batch, InputSize]), on every core when it pays.</summary>
    public static Tensor Forward(PackedWeights? weights, object model, Tensor input)
    {
        // Checked here: on several cores, every chunk's check would throw, wrapped in an AggregateException.
        Weights(weights, model);
        (int batchSize, int steps) = ModelGuard.RequireSequenceBatch(input, M.InputSize, M.BatchFirst);
        RequireScratch(steps);
        var output = new Tensor(OutputShape(batchSize, steps));
        // Each core runs its own sequences (and copies those of a time-major batch).
        ParallelBatch.Forward((first, count) => SequenceRange(ref Weights(weights, model), input.AsSpan(), output.AsSpan(), default, batchSize, steps, default, default,
            first, count), batchSize, steps * MultiplyAddsPerStep, BatchGroup);
        return output;
    }

    /// <summary>A padded batch in a tensor [lengths.Length, T, InputSize] (time-major: [T, lengths.Length, InputSize]), on the caller's thread.</summary>
    public static Tensor Forward(PackedWeights? weights, object model, Tensor input, ReadOnlySpan<int> lengths)
    {
        (int batchSize, int steps) = ModelGuard.RequirePaddedBatch(input, M.InputSize, M.BatchFirst, lengths.Length);
        var output = new Tensor(OutputShape(batchSize, steps));
        Forward(weights, model, input.AsSpan(), output.AsSpan(), lengths);
        return output;
    }

    /// <summary>An LSTM's batch in a tensor from h_0 and c_0, left unchanged: the readout and new h_n, c_n, on the caller's thread.</summary>
    public static (Tensor Output, Tensor H, Tensor C) Forward(PackedWeights? weights, object model, Tensor input, Tensor h0, Tensor c0)
    {
        (Tensor output, Tensor h, Tensor? c) = FromStates(weights, model, input, h0, c0);
        return (output, h, c!);
    }

    /// <summary>A GRU's batch in a tensor from h_0, left unchanged: the readout and a new h_n, on the caller's thread.</summary>
    public static (Tensor Output, Tensor H) Forward(PackedWeights? weights, object model, Tensor input, Tensor h0)
    {
        (Tensor output, Tensor h, _) = FromStates(weights, model, input, h0, null);
        return (output, h);
    }

    private static (Tensor Output, Tensor H, Tensor? C) FromStates(PackedWeights? weights, object model, Tensor input, Tensor h0, Tensor? c0)
    {
        (int batchSize, int steps) = ModelGuard.RequireSequenceBatch(input, M.InputSize, M.BatchFirst);
        (Tensor h, Tensor? c) = ModelGuard.CopyStates(h0, c0, M.Gru, M.NumLayers, M.Bidirectional, batchSize, M.HiddenSize, M.ProjSize);
        var output = new Tensor(OutputShape(batchSize, steps));
        Forward(weights, model, input.AsSpan(), output.AsSpan(), batchSize, h.AsSpan(), c is null ? default : c.AsSpan());
        return (output, h, c);
    }

    private static int[] OutputShape(int batchSize, int steps) =>
        !EveryStep ? [batchSize, M.OutputSize] : M.BatchFirst ? [batchSize, steps, M.OutputSize] : [steps, batchSize, M.OutputSize];

    private static void RequireOutputs(Span<float> output, int batchSize, int steps) =>
        ModelGuard.RequireLength(output.Length, batchSize * SequenceOutputs(steps), nameof(output),
            !EveryStep ? "batch × OutputSize" : M.BatchFirst ? "batch × T × OutputSize" : "T × batch × OutputSize");

    private static void RequireStates(Span<float> h, Span<float> c, int batchSize)
    {
        // Literal descriptions: an interpolated one would allocate on every call.
        ModelGuard.RequireLength(h.Length, (long)Directions * M.NumLayers * batchSize * HiddenOutputs, nameof(h), (M.Bidirectional, M.ProjSize > 0) switch
        {
            (false, false) => "NumLayers × batch × HiddenSize",
            (false, true) => "NumLayers × batch × ProjSize",
            (true, false) => "NumLayers × 2 × batch × HiddenSize",
            (true, true) => "NumLayers × 2 × batch × ProjSize",
        });
        if (!M.Gru)
            ModelGuard.RequireLength(c.Length, (long)Directions * M.NumLayers * batchSize * M.HiddenSize, nameof(c),
                M.Bidirectional ? "NumLayers × 2 × batch × HiddenSize" : "NumLayers × batch × HiddenSize");
    }

    /// <summary>One streaming step of a unidirectional model: h_{t-1} is in buffer <paramref name="parity"/> of each layer's state, which then flips.</summary>
    public static void Step(PackedWeights? weights, object model, AlignedBuffer state, ref int parity, ReadOnlySpan<float> input, Span<float> output)
    {
        ref float packed = ref Weights(weights, model);
        ModelGuard.RequireLength(input.Length, M.InputSize, nameof(input), "InputSize");
        ModelGuard.RequireLength(output.Length, M.OutputSize, nameof(output), "OutputSize");
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float own = ref MemoryMarshal.GetReference(state.Span);
        ref float readout = ref MemoryMarshal.GetReference(output);
        if (Vector512.IsHardwareAccelerated)
            Step<T512>(ref packed, ref x, ref own, parity, ref readout);
        else if (Vector256.IsHardwareAccelerated)
            Step<T256>(ref packed, ref x, ref own, parity, ref readout);
        else if (Vector128.IsHardwareAccelerated)
            Step<T128>(ref packed, ref x, ref own, parity, ref readout);
        else
            Step<T512>(ref packed, ref x, ref own, parity, ref readout);
        parity ^= 1;
    }

    /// <summary>Copies the streaming state into h [NumLayers, h's values] (and c [NumLayers, HiddenSize]; empty for a GRU).</summary>
    public static void GetState(AlignedBuffer state, int parity, Span<float> h, Span<float> c)
    {
        RequireStreamStates(h.Length, c.Length);
        CopyState(ref MemoryMarshal.GetReference(state.Span), parity, h, c, 0, M.NumLayers, 0, 1, toState: false);
    }

    /// <summary>Sets the streaming state from h [NumLayers, h's values] (and c [NumLayers, HiddenSize]; empty for a GRU).</summary>
    public static void SetState(AlignedBuffer state, int parity, ReadOnlySpan<float> h, ReadOnlySpan<float> c)
    {
        RequireStreamStates(h.Length, c.Length);
        // CopyState only reads the given spans when it copies into the state.
        CopyState(ref MemoryMarshal.GetReference(state.Span), parity, MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(h), h.Length),
            MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(c), c.Length), 0, M.NumLayers, 0, 1, toState: true);
    }

    private static void RequireStreamStates(int h, int c)
    {
        ModelGuard.RequireLength(h, M.NumLayers * HiddenOutputs, nameof(h), M.ProjSize > 0 ? "NumLayers × ProjSize" : "NumLayers × HiddenSize");
        if (!M.Gru)
            ModelGuard.RequireLength(c, M.NumLayers * M.HiddenSize, nameof(c), "NumLayers × HiddenSize");
    }

    /// <summary>
    /// Copies sequence b's h (and c) of <paramref name="count"/> layers (or directions) between the state (h in buffer
    /// <paramref name="parity"/>) and rows firstRow… of PyTorch's h [rows, batch, h's values] (c [rows, batch, HiddenSize]).
    /// </summary>
    private static void CopyState(ref float state, int parity, Span<float> h, Span<float> c, int firstRow, int count, int b, int batchSize, bool toState)
    {
        for (int i = 0; i < count; i++)
        {
            int row = (firstRow + i) * batchSize + b;
            ref float stateH = ref Unsafe.Add(ref state, HiddenOffset(i, parity));
            ref float givenH = ref MemoryMarshal.GetReference(h.Slice(row * HiddenOutputs, HiddenOutputs));
            Copy(ref toState ? ref givenH : ref stateH, ref toState ? ref stateH : ref givenH, HiddenOutputs);
            if (M.Gru) continue;
            ref float stateC = ref Unsafe.Add(ref state, CellOffset(i));
            ref float givenC = ref MemoryMarshal.GetReference(c.Slice(row * M.HiddenSize, M.HiddenSize));
            Copy(ref toState ? ref givenC : ref stateC, ref toState ? ref stateC : ref givenC, M.HiddenSize);
        }
    }

    // Copies count floats, count a constant of the model: the JIT unrolls the copy where Span.CopyTo would call Memmove,
    // whose call costs more than a small state's copy.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(ref float from, ref float to, int count) =>
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref to), ref Unsafe.As<float, byte>(ref from), (uint)(count * sizeof(float)));

    // ---- readouts ----

    /// <summary>
    /// The readout of one h (a unidirectional model's last layer) or of [forward h, backward h]: y = W · h + b with the
    /// head at <paramref name="head"/> ([OutputSize, features], its bias after it), or the features themselves without one.
    /// </summary>
    private static void ReadOut(ref float head, ref float forward, ref float backward, ref float output)
    {
        int values = HiddenOutputs;
        if (!M.HasHead)
        {
            MemoryMarshal.CreateReadOnlySpan(ref forward, values).CopyTo(MemoryMarshal.CreateSpan(ref output, values));
            if (M.Bidirectional)
                MemoryMarshal.CreateReadOnlySpan(ref backward, values).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, values), values));
            return;
        }
        for (int o = 0; o < M.OutputSize; o++)
        {
            ref float row = ref Unsafe.Add(ref head, o * FeatureSize);
            float y = Unsafe.Add(ref head, M.OutputSize * FeatureSize + o) + KernelMath.Dot(ref row, ref forward, values);
            if (M.Bidirectional)
                y += KernelMath.Dot(ref Unsafe.Add(ref row, values), ref backward, values);
            Unsafe.Add(ref output, o) = y;
        }
    }
}
