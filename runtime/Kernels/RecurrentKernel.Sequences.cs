using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen.Kernels;

public abstract partial class RecurrentKernel<M, T512, T256, T128>
{
    private const int StackBudgetFloats = KernelScratch.StackBudgetBytes / sizeof(float);

    /// <summary>Runs a batch checked by a Forward overload, laid out as the model's <c>BatchFirst</c> says, as <see cref="RunBatchFirst"/> does.</summary>
    private static void Batch(ref float weights, ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, int batchSize, int steps,
        Span<float> h, Span<float> c) =>
        SequenceRange(ref weights, input, output, lengths, batchSize, steps, h, c, 0, batchSize);

    /// <summary>
    /// Runs sequences first … first + count − 1 of a batch laid out as the model's <c>BatchFirst</c> says (with lengths
    /// or states, the whole batch: first 0): a time-major batch's lane groups read it in place, the rest a batch-first copy.
    /// </summary>
    private static void SequenceRange(ref float weights, ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, int batchSize, int steps,
        Span<float> h, Span<float> c, int first, int count)
    {
        int done = M.BatchFirst || !lengths.IsEmpty || !h.IsEmpty ? 0 : TimeMajorLaneGroups(ref weights, input, output, batchSize, steps, first, count);
        using var view = new BatchFirstView(input, output, M.BatchFirst, batchSize, steps, M.InputSize, EveryStep ? M.OutputSize : 0, first + done, count - done);
        RunBatchFirst(ref weights, view.Input, view.Output, lengths, count - done, steps, h, c);
        view.Complete();
    }

    /// <summary>
    /// Runs the whole lane groups among sequences first … first + count − 1 of a time-major batch without lengths or
    /// states, reading the batch in place; returns how many sequences they took (0 where batches do not run on lanes).
    /// </summary>
    private static int TimeMajorLaneGroups(ref float weights, ReadOnlySpan<float> input, Span<float> output, int batchSize, int steps, int first, int count) =>
        M.LanesRunBatches
            ? LaneGroups(ref weights, ref Unsafe.Add(ref MemoryMarshal.GetReference(input), first * M.InputSize),
                ref Unsafe.Add(ref MemoryMarshal.GetReference(output), first * M.OutputSize), count, steps, M.InputSize, batchSize * M.InputSize,
                default, default, default, default)
            : 0;

    /// <summary>
    /// Runs a batch [batch, T, InputSize] of <paramref name="steps"/> steps per sequence, sequence b for its first
    /// lengths[b] steps (all of them without lengths), from the zero state or from the h_0 (and c_0) in h (and c),
    /// where each final state goes.
    /// </summary>
    private static void RunBatchFirst(ref float weights, ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, int batchSize, int steps,
        Span<float> h, Span<float> c)
    {
        int outputs = (int)SequenceOutputs(steps); // within the output span, checked
        // A padded batch's lane groups and blocks take its sequences longest first: a group runs to its longest
        // sequence, so each then runs about as many steps as its sequences have, and the shortest are the rest, one by one.
        // (A batch of more than a billion sequences, whose order and keys no array holds, runs in order.)
        int[]? rented = null;
        Span<int> order = !(M.LanesRunBatches || M.BlocksRunBatches) || lengths.IsEmpty || batchSize > Array.MaxLength / 2 ? default
            : batchSize <= MaxOrderOnStack ? stackalloc int[2 * batchSize]
            : (rented = ArrayPool<int>.Shared.Rent(2 * batchSize)).AsSpan(0, 2 * batchSize);
        if (!order.IsEmpty)
            order = LongestFirst(lengths, order);
        int done = 0;
        if (M.LanesRunBatches)
            done = LaneGroups(ref weights, ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(output), batchSize, steps, steps * M.InputSize, M.InputSize,
                order, lengths, h, c);
        else if (M.BlocksRunBatches)
            done = Blocks(ref weights, ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(output), batchSize, steps, order, lengths, h, c);
        // The sequences left over, one by one.
        for (int i = done; i < batchSize; i++)
        {
            int b = order.IsEmpty ? i : order[i];
            int length = lengths.IsEmpty ? steps : lengths[b];
            Sequence(ref weights, ref MemoryMarshal.GetReference(input.Slice(b * steps * M.InputSize)), length,
                ref MemoryMarshal.GetReference(output.Slice(b * outputs)), h, c, b, batchSize);
            if (EveryStep)
                output.Slice(b * outputs + length * M.OutputSize, (steps - length) * M.OutputSize).Clear(); // padded steps
        }
        if (rented is not null)
            ArrayPool<int>.Shared.Return(rented);
    }

    // A padded batch of up to this many sequences orders them on the stack (4 KB), a larger one in a pooled array.
    private const int MaxOrderOnStack = 512;

    /// <summary>The batch's sequence indices, longest first, in the first half of <paramref name="buffer"/> (2 · batch ints; the second half holds the sort keys).</summary>
    private static Span<int> LongestFirst(ReadOnlySpan<int> lengths, Span<int> buffer)
    {
        Span<int> order = buffer.Slice(0, lengths.Length), keys = buffer.Slice(lengths.Length, lengths.Length);
        for (int b = 0; b < lengths.Length; b++)
        {
            order[b] = b;
            keys[b] = -lengths[b];
        }
        keys.Sort(order);
        return order;
    }

    /// <summary>
    /// Runs sequence <paramref name="b"/> of a batch for <paramref name="steps"/> steps, from the zero state or, when h
    /// is given, from its h_0 (and c_0) there, where its final state goes.
    /// </summary>
    private static void Sequence(ref float weights, ref float input, int steps, ref float output, Span<float> h, Span<float> c, int b, int batchSize)
    {
        if (M.Bidirectional)
        {
            LayerByLayer(ref weights, ref input, steps, ref output, h, c, b, batchSize);
            return;
        }
        // The state, then the precomputed input parts of a chunk of steps: on the stack within its budget, else in this
        // thread's scratch; from a cache line, the state zeroed (see AlignedBuffer.ClearAligned).
        int length = StateLength + M.PrecomputedSteps * PackedLayout.Slots * M.StateStride + AlignedBuffer.Slack;
        Span<float> memory = length <= StackBudgetFloats ? stackalloc float[length] : KernelScratch.Rent(length);
        ref float state = ref AlignedBuffer.ClearAligned(memory, StateLength);
        if (!h.IsEmpty)
            CopyState(ref state, 0, h, c, 0, M.NumLayers, b, batchSize, toState: true);
        if (Vector512.IsHardwareAccelerated)
            Run<T512>(ref weights, ref input, steps, ref state, ref output);
        else if (Vector256.IsHardwareAccelerated)
            Run<T256>(ref weights, ref input, steps, ref state, ref output);
        else if (Vector128.IsHardwareAccelerated)
            Run<T128>(ref weights, ref input, steps, ref state, ref output);
        else
            Run<T512>(ref weights, ref input, steps, ref state, ref output);
        if (!h.IsEmpty)
            CopyState(ref state, steps & 1, h, c, 0, M.NumLayers, b, batchSize, toState: false);
    }

    /// <summary>Runs one sequence on tiling T from the state in <paramref name="state"/>, reading out every step or after the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T>(ref float weights, ref float input, int steps, ref float state, ref float output) where T : struct, ITiling
    {
        // A method of its own: the JIT inlines both branches' layer steps before it folds the branch away, and the two
        // together passed its 512-locals limit, which left one of them a call.
        if (M.PrecomputedSteps > 0 && Vector128.IsHardwareAccelerated)
        {
            ProjectedRun<T>(ref weights, ref input, steps, ref state, ref output);
            return;
        }
        for (int t = 0; t < steps; t++)
        {
            Layers<T>(ref weights, ref Unsafe.Add(ref input, t * M.InputSize), ref state, t & 1);
            if (EveryStep)
                ReadOut<T>(ref weights, ref state, (t + 1) & 1, ref Unsafe.Add(ref output, t * M.OutputSize));
        }
        // After the last step, the last layer's h_T is in buffer steps % 2.
        if (!EveryStep)
            ReadOut<T>(ref weights, ref state, steps & 1, ref output);
    }

    /// <summary>
    /// <see cref="Run{T}"/> with layer 0's input parts, b + W_ih · x_t, computed PrecomputedSteps steps at a time (reading
    /// W_ih once for them) into the working memory after the state, then the steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ProjectedRun<T>(ref float weights, ref float input, int steps, ref float state, ref float output) where T : struct, ITiling
    {
        ref float precomputed = ref Unsafe.Add(ref state, StateLength);
        for (int start = 0; start < steps; start += M.PrecomputedSteps)
        {
            int chunk = Math.Min(M.PrecomputedSteps, steps - start);
            T.Precompute(ref weights, ref Unsafe.Add(ref input, start * M.InputSize), ref precomputed, chunk);
            for (int t = start; t < start + chunk; t++)
            {
                T.PrecomputedLayer(ref weights, ref Unsafe.Add(ref precomputed, (t - start) * T.PrecomputedLength), ref state, t & 1);
                UpperLayers<T>(ref weights, ref state, t & 1);
                if (EveryStep)
                    ReadOut<T>(ref weights, ref state, (t + 1) & 1, ref Unsafe.Add(ref output, t * M.OutputSize));
            }
        }
        if (!EveryStep)
            ReadOut<T>(ref weights, ref state, steps & 1, ref output);
    }

    /// <summary>One streaming step on tiling T: h_{t-1} is in buffer <paramref name="parity"/> of each layer, h_t goes to the other.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Step<T>(ref float weights, ref float x, ref float state, int parity, ref float output) where T : struct, ITiling
    {
        Layers<T>(ref weights, ref x, ref state, parity);
        ReadOut<T>(ref weights, ref state, parity ^ 1, ref output);
    }

    /// <summary>One time step of every layer on tiling T (without SIMD, the scalar kernel on its layout).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Layers<T>(ref float weights, ref float x, ref float state, int parity) where T : struct, ITiling
    {
        if (!Vector128.IsHardwareAccelerated)
        {
            RecurrentScalarKernel.Step(MemoryMarshal.CreateReadOnlySpan(ref weights, T.HeadOffset), MemoryMarshal.CreateReadOnlySpan(ref x, M.InputSize),
                MemoryMarshal.CreateSpan(ref state, StateLength), M.InputSize, M.HiddenSize, M.NumLayers, T.Lanes, T.RestLanes, M.Gru, parity,
                separateInput: M.PrecomputedSteps > 0, M.ProjSize, M.BFloat16Weights);
            return;
        }
        T.Layer(ref weights, ref x, ref state, parity);
        UpperLayers<T>(ref weights, ref state, parity);
    }

    /// <summary>The layers above 0 of a time step, each reading the h_t the layer below just wrote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpperLayers<T>(ref float weights, ref float state, int parity) where T : struct, ITiling
    {
        for (int layer = 1; layer < M.NumLayers; layer++)
        {
            T.UpperLayer(ref Unsafe.Add(ref weights, T.LayerLength + (layer - 1) * T.UpperLayerLength),
                ref Unsafe.Add(ref state, HiddenOffset(layer - 1, parity ^ 1)), ref Unsafe.Add(ref state, layer * LayerStateLength), parity);
        }
    }

    /// <summary>The readout of the last layer's h in buffer <paramref name="parity"/>.</summary>
    private static void ReadOut<T>(ref float weights, ref float state, int parity, ref float output) where T : struct, ITiling
    {
        ref float h = ref Unsafe.Add(ref state, HiddenOffset(M.NumLayers - 1, parity));
        ReadOut(ref Unsafe.Add(ref weights, T.HeadOffset), ref h, ref h, ref output);
    }
}
