using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen.Kernels;

public abstract partial class RecurrentKernel<M, T512, T256, T128>
{
    // ---- a bidirectional model: layer by layer, each layer's two directions over the whole sequence ----

    /// <summary>
    /// Runs sequence <paramref name="b"/> of a batch for <paramref name="steps"/> steps, layer by layer: both directions
    /// of a layer over the whole sequence (the backward one from its last step), their h_t side by side in a
    /// [steps, FeatureSize] sequence that the layer above reads.
    /// </summary>
    private static void LayerByLayer(ref float weights, ref float input, int steps, ref float output, Span<float> h, Span<float> c, int b, int batchSize)
    {
        // In this thread's scratch, since its length depends on steps (checked by RequireSteps to fit one array).
        Span<float> scratch = KernelScratch.Rent((int)LayerByLayerScratch(steps));
        ref float state = ref MemoryMarshal.GetReference(scratch);
        ref float sequences = ref Unsafe.Add(ref state, StateLength);
        if (Vector512.IsHardwareAccelerated)
            LayerByLayer<T512>(ref weights, ref input, steps, ref state, ref sequences, h, c, b, batchSize, ref output);
        else if (Vector256.IsHardwareAccelerated)
            LayerByLayer<T256>(ref weights, ref input, steps, ref state, ref sequences, h, c, b, batchSize, ref output);
        else if (Vector128.IsHardwareAccelerated)
            LayerByLayer<T128>(ref weights, ref input, steps, ref state, ref sequences, h, c, b, batchSize, ref output);
        else
            LayerByLayer<T512>(ref weights, ref input, steps, ref state, ref sequences, h, c, b, batchSize, ref output);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LayerByLayer<T>(ref float weights, ref float input, int steps, ref float state, ref float sequences,
        Span<float> h, Span<float> c, int b, int batchSize, ref float output) where T : struct, ITiling
    {
        ref float into = ref sequences;
        LayerDirections<T>(0, ref weights, ref Unsafe.Add(ref weights, T.LayerLength), ref input, M.InputSize, ref state, ref into, steps, h, c, b, batchSize);
        for (int layer = 1; layer < M.NumLayers; layer++)
        {
            // Layer k reads sequence (k − 1) % 2 and writes sequence k % 2.
            ref float below = ref Unsafe.Add(ref sequences, ((layer - 1) & 1) * steps * FeatureSize);
            into = ref Unsafe.Add(ref sequences, (layer & 1) * steps * FeatureSize);
            ref float upper = ref Unsafe.Add(ref weights, 2 * T.LayerLength + (layer - 1) * 2 * T.UpperLayerLength);
            LayerDirections<T>(layer, ref upper, ref Unsafe.Add(ref upper, T.UpperLayerLength), ref below, FeatureSize, ref state, ref into, steps, h, c, b, batchSize);
        }

        ref float head = ref Unsafe.Add(ref weights, T.HeadOffset);
        // The forward direction's final h is in buffer steps % 2; so is the backward one's, after step 0.
        ref float forwardFinal = ref Unsafe.Add(ref state, (steps & 1) * M.StateStride);
        if (M.Readout == Readout.EveryStep)
        {
            for (int t = 0; t < steps; t++)
                ReadOut(ref head, ref Unsafe.Add(ref into, t * FeatureSize), ref Unsafe.Add(ref into, t * FeatureSize + HiddenOutputs), ref Unsafe.Add(ref output, t * M.OutputSize));
        }
        else if (M.Readout == Readout.FinalState)
        {
            ReadOut(ref head, ref forwardFinal, ref Unsafe.Add(ref state, LayerStateLength + (steps & 1) * M.StateStride), ref output);
        }
        else
        {
            ReadOut(ref head, ref forwardFinal, ref Unsafe.Add(ref into, HiddenOutputs), ref output);
        }
    }

    /// <summary>
    /// Both directions of one layer over the sequence at <paramref name="source"/> (a step every <paramref name="stride"/>
    /// floats), from the zero state or the given h_0 (and c_0), their final states back to h (and c). The layer keeps its
    /// whole output sequence in <paramref name="into"/> when the layer above or the readout reads it, otherwise only
    /// what the readout reads besides the final states: for LastStep the backward direction's first h, in row 0.
    /// </summary>
    private static void LayerDirections<T>(int layer, ref float forward, ref float backward, ref float source, int stride, ref float state, ref float into,
        int steps, Span<float> h, Span<float> c, int b, int batchSize) where T : struct, ITiling
    {
        MemoryMarshal.CreateSpan(ref state, StateLength).Clear();
        if (!h.IsEmpty)
            CopyState(ref state, 0, h, c, 2 * layer, 2, b, batchSize, toState: true);
        bool keeps = EveryStep || layer < M.NumLayers - 1;
        // LastStep reads the last layer's backward direction at the last position only, its first step; unless its final
        // state is wanted, the steps after that change nothing the caller sees.
        int backwardSteps = !keeps && M.Readout == Readout.LastStep && h.IsEmpty ? 1 : steps;
        // Each loop is a method of its own, with the one layer step it runs as a type argument: the JIT inlines every
        // step a method calls before it folds away the branches this model does not take, and those extra copies cost
        // the live loop its registers (a bidirectional seed model ran ~15% slower with both loops and both layers in one).
        if (layer == 0)
            BothDirections<T, BottomLayer<T>>(layer, ref forward, ref backward, ref source, stride, ref state, ref into, steps, backwardSteps, keeps);
        else
            BothDirections<T, UpperLayer<T>>(layer, ref forward, ref backward, ref source, stride, ref state, ref into, steps, backwardSteps, keeps);
        if (!h.IsEmpty)
            CopyState(ref state, steps & 1, h, c, 2 * layer, 2, b, batchSize, toState: false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BothDirections<T, L>(int layer, ref float forward, ref float backward, ref float source, int stride, ref float state, ref float into,
        int steps, int backwardSteps, bool keeps) where T : struct, ITiling where L : struct, ILayerStep
    {
        if (M.InterleavesDirections && backwardSteps == steps)
            Interleaved<T, L>(layer, ref forward, ref backward, ref source, stride, ref state, ref into, steps, keeps);
        else
            OneAfterTheOther<T, L>(layer, ref forward, ref backward, ref source, stride, ref state, ref into, steps, backwardSteps, keeps);
    }

    /// <summary>The two directions are independent chains: a step of each per iteration, for the CPU to overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Interleaved<T, L>(int layer, ref float forward, ref float backward, ref float source, int stride, ref float state, ref float into,
        int steps, bool keeps) where T : struct, ITiling where L : struct, ILayerStep
    {
        ref float backwardState = ref Unsafe.Add(ref state, LayerStateLength);
        bool keepsFirst = !keeps && M.Readout == Readout.LastStep;
        for (int s = 0; s < steps; s++)
        {
            int t = steps - 1 - s; // the backward direction's step
            DirectionStep<T, L>(layer, ref forward, ref Unsafe.Add(ref source, s * stride), ref state, s & 1);
            DirectionStep<T, L>(layer, ref backward, ref Unsafe.Add(ref source, t * stride), ref backwardState, s & 1);
            if (keeps)
            {
                Keep(ref state, s & 1, ref Unsafe.Add(ref into, s * FeatureSize));
                Keep(ref backwardState, s & 1, ref Unsafe.Add(ref into, t * FeatureSize + HiddenOutputs));
            }
            else if (keepsFirst && s == 0)
            {
                Keep(ref backwardState, 0, ref Unsafe.Add(ref into, HiddenOutputs));
            }
        }
    }

    /// <summary>
    /// One direction after the other, so that each reads its weights from L1; the backward one for its first
    /// <paramref name="backwardSteps"/> steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneAfterTheOther<T, L>(int layer, ref float forward, ref float backward, ref float source, int stride, ref float state, ref float into,
        int steps, int backwardSteps, bool keeps) where T : struct, ITiling where L : struct, ILayerStep
    {
        ref float backwardState = ref Unsafe.Add(ref state, LayerStateLength);
        bool keepsFirst = !keeps && M.Readout == Readout.LastStep;
        for (int s = 0; s < steps; s++)
        {
            DirectionStep<T, L>(layer, ref forward, ref Unsafe.Add(ref source, s * stride), ref state, s & 1);
            if (keeps)
                Keep(ref state, s & 1, ref Unsafe.Add(ref into, s * FeatureSize));
        }
        for (int s = 0; s < backwardSteps; s++)
        {
            int t = steps - 1 - s;
            DirectionStep<T, L>(layer, ref backward, ref Unsafe.Add(ref source, t * stride), ref backwardState, s & 1);
            if (keeps)
                Keep(ref backwardState, s & 1, ref Unsafe.Add(ref into, t * FeatureSize + HiddenOutputs));
            else if (keepsFirst && s == 0)
                Keep(ref backwardState, 0, ref Unsafe.Add(ref into, HiddenOutputs));
        }
    }

    /// <summary>One step of one direction of a layer whose weights start at <paramref name="block"/> (without SIMD, the scalar kernel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DirectionStep<T, L>(int layer, ref float block, ref float x, ref float state, int parity)
        where T : struct, ITiling where L : struct, ILayerStep
    {
        if (!Vector128.IsHardwareAccelerated)
        {
            RecurrentScalarKernel.Layer(MemoryMarshal.CreateReadOnlySpan(ref block, layer == 0 ? T.LayerLength : T.UpperLayerLength),
                MemoryMarshal.CreateReadOnlySpan(ref x, layer == 0 ? M.InputSize : FeatureSize), MemoryMarshal.CreateSpan(ref state, LayerStateLength),
                M.InputSize, M.HiddenSize, M.NumLayers, T.Lanes, T.RestLanes, bidirectional: true, M.ProjSize, M.Gru, layer, parity, M.BFloat16Weights);
            return;
        }
        L.Step(ref block, ref x, ref state, parity);
    }

    /// <summary>A layer's step as a type argument, so that a loop knows at compile time which one it runs.</summary>
    private interface ILayerStep
    {
        static abstract void Step(ref float weights, ref float x, ref float state, int parity);
    }

    private readonly struct BottomLayer<T> : ILayerStep where T : struct, ITiling
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Step(ref float weights, ref float x, ref float state, int parity) => T.Layer(ref weights, ref x, ref state, parity);
    }

    private readonly struct UpperLayer<T> : ILayerStep where T : struct, ITiling
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Step(ref float weights, ref float x, ref float state, int parity) => T.UpperLayer(ref weights, ref x, ref state, parity);
    }

    /// <summary>Copies a direction's new h_t (in the buffer after <paramref name="parity"/>) to its place in a layer's output sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep(ref float direction, int parity, ref float into) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref direction, (parity ^ 1) * M.StateStride), HiddenOutputs)
            .CopyTo(MemoryMarshal.CreateSpan(ref into, HiddenOutputs));
}
