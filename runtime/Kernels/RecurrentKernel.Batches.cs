using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen.Kernels;

public abstract partial class RecurrentKernel<M, T512, T256, T128>
{
    // ---- groups of sequences on the SIMD lanes (small models) ----

    /// <summary>
    /// Runs whole groups of a batch, one sequence per SIMD lane; returns how many sequences they took: the first ones of
    /// <paramref name="order"/> (of the batch without it). Sequence b's step t is at b · <paramref name="sequenceStride"/>
    /// + t · <paramref name="stepStride"/> floats of the input: a group gathers each step's rows anyway, so it reads a
    /// time-major batch in place. Sequence b runs its first lengths[b] steps (all without lengths), from the h_0 (and
    /// c_0) in h (and c) when given, where its final state goes.
    /// </summary>
    private static int LaneGroups(ref float weights, ref float input, ref float output, int batchSize, int steps, int sequenceStride, int stepStride,
        ReadOnlySpan<int> order, ReadOnlySpan<int> lengths, Span<float> h, Span<float> c)
    {
        if (Vector512.IsHardwareAccelerated)
            return LaneGroups<T512, Simd512, Vector512<float>>(ref weights, ref input, ref output, batchSize, steps, sequenceStride, stepStride, order, lengths, h, c);
        if (Vector256.IsHardwareAccelerated)
            return LaneGroups<T256, Simd256, Vector256<float>>(ref weights, ref input, ref output, batchSize, steps, sequenceStride, stepStride, order, lengths, h, c);
        if (Vector128.IsHardwareAccelerated)
            return LaneGroups<T128, Simd128, Vector128<float>>(ref weights, ref input, ref output, batchSize, steps, sequenceStride, stepStride, order, lengths, h, c);
        return 0;
    }

    private static int LaneGroups<T, S, V>(ref float weights, ref float input, ref float output, int batchSize, int steps, int sequenceStride, int stepStride,
        ReadOnlySpan<int> order, ReadOnlySpan<int> lengths, Span<float> h, Span<float> c)
        where T : struct, ITiling where S : ISimd<V> where V : struct
    {
        Span<int> members = stackalloc int[S.Lanes];
        int b = 0;
        for (; b + S.Lanes <= batchSize; b += S.Lanes)
        {
            for (int lane = 0; lane < S.Lanes; lane++)
                members[lane] = order.IsEmpty ? b + lane : order[b + lane];
            LaneGroup<T, S, V>(ref weights, ref input, sequenceStride, stepStride, steps, ref output, members, lengths, h, c, batchSize);
        }
        return b;
    }

    /// <summary>
    /// Runs S.Lanes sequences at once on tiling T, sequence members[lane] on lane lane: each weight is broadcast once for
    /// all of them. With lengths, the group runs to its longest, and each lane is read out, and its final state kept, at
    /// its own last step; a shorter one's later steps are discarded.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneGroup<T, S, V>(ref float weights, ref float input, int sequenceStride, int stepStride, int steps, ref float output,
        ReadOnlySpan<int> members, ReadOnlySpan<int> lengths, Span<float> h, Span<float> c, int batchSize)
        where T : struct, ITiling where S : ISimd<V> where V : struct
    {
        // Per layer and hidden unit, a vector over the group: two h buffers (and c), zero or the given h_0 (and c_0) at
        // t = 0; then x_t of the group, transposed to [InputSize, S.Lanes]; with lengths, each lane's final state, laid
        // out as the state at parity 0.
        int hidden = M.HiddenSize, layerState = StateBuffers * hidden * S.Lanes, statesLength = M.NumLayers * layerState;
        int length = (lengths.IsEmpty ? 1 : 2) * statesLength + M.InputSize * S.Lanes + AlignedBuffer.Slack;
        Span<float> memory = length <= StackBudgetFloats ? stackalloc float[length] : KernelScratch.Rent(length);
        ref float state = ref AlignedBuffer.ClearAligned(memory, statesLength);
        ref float xs = ref Unsafe.Add(ref state, statesLength);
        ref float kept = ref Unsafe.Add(ref xs, M.InputSize * S.Lanes);
        if (!h.IsEmpty)
            LaneStates(ref state, 0, members, h, c, batchSize, toState: true);

        int longest = Longest(members, lengths, steps);
        for (int t = 0; t < longest; t++)
        {
            for (int lane = 0; lane < members.Length; lane++)
            {
                ref float source = ref Unsafe.Add(ref input, members[lane] * sequenceStride + t * stepStride);
                for (int k = 0; k < M.InputSize; k++)
                    Unsafe.Add(ref xs, k * S.Lanes + lane) = Unsafe.Add(ref source, k);
            }
            int parity = t & 1;
            LaneLayer<T, S, V>(ref weights, ref xs, M.InputSize, T.PanelLength, ref state, parity);
            if (M.NumLayers > 1)
                LaneUpperLayers<T, S, V>(ref weights, ref state, parity);
            for (int lane = 0; lane < members.Length && !lengths.IsEmpty; lane++)
            {
                if (lengths[members[lane]] == t + 1)
                    KeepLane(ref state, parity ^ 1, ref kept, lane, S.Lanes);
            }
        }
        // The final states: each lane's kept at its own last step, or all at the last step's parity.
        ref float final = ref lengths.IsEmpty ? ref state : ref kept;
        int finalParity = lengths.IsEmpty ? steps & 1 : 0;
        LaneReadOut<T, S, V>(ref weights, ref Unsafe.Add(ref final, (M.NumLayers - 1) * layerState + finalParity * hidden * S.Lanes), ref output, members);
        if (!h.IsEmpty)
            LaneStates(ref final, finalParity, members, h, c, batchSize, toState: false);
    }

    /// <summary>How many steps a group or block of sequences runs: its longest sequence's (all <paramref name="steps"/> without lengths).</summary>
    private static int Longest(ReadOnlySpan<int> members, ReadOnlySpan<int> lengths, int steps)
    {
        if (lengths.IsEmpty)
            return steps;
        int longest = 0;
        foreach (int sequence in members)
            longest = Math.Max(longest, lengths[sequence]);
        return longest;
    }

    /// <summary>Copies lane <paramref name="lane"/>'s h (buffer <paramref name="parity"/>) and c of every layer to <paramref name="kept"/>, as at parity 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KeepLane(ref float state, int parity, ref float kept, int lane, int lanes)
    {
        int hidden = M.HiddenSize, layerState = StateBuffers * hidden * lanes;
        for (int layer = 0; layer < M.NumLayers; layer++)
        {
            for (int k = 0; k < hidden; k++)
            {
                int unit = layer * layerState + k * lanes + lane;
                Unsafe.Add(ref kept, unit) = Unsafe.Add(ref state, unit + parity * hidden * lanes);
                if (!M.Gru)
                    Unsafe.Add(ref kept, unit + 2 * hidden * lanes) = Unsafe.Add(ref state, unit + 2 * hidden * lanes);
            }
        }
    }

    /// <summary>
    /// Copies the group's states (h buffer <paramref name="parity"/> and c) from or to h and c, [NumLayers, batchSize,
    /// HiddenSize] as PyTorch's, lane lane being sequence members[lane].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneStates(ref float state, int parity, ReadOnlySpan<int> members, Span<float> h, Span<float> c, int batchSize, bool toState)
    {
        int hidden = M.HiddenSize, lanes = members.Length, layerState = StateBuffers * hidden * lanes;
        for (int layer = 0; layer < M.NumLayers; layer++)
        {
            for (int lane = 0; lane < lanes; lane++)
            {
                int row = (layer * batchSize + members[lane]) * hidden;
                for (int k = 0; k < hidden; k++)
                {
                    int unit = layer * layerState + k * lanes + lane;
                    ref float stateH = ref Unsafe.Add(ref state, unit + parity * hidden * lanes);
                    if (toState) stateH = h[row + k];
                    else h[row + k] = stateH;
                    if (M.Gru) continue;
                    ref float stateC = ref Unsafe.Add(ref state, unit + 2 * hidden * lanes);
                    if (toState) stateC = c[row + k];
                    else c[row + k] = stateC;
                }
            }
        }
    }

    // The layers above 0 and the readout are methods of their own, called as such: inlined into the group's loop, they
    // would spend the JIT's inlining budget for the method, which then left the readout's SIMD calls as calls.

    /// <summary>The group's layers above 0 for one step, each reading the h_t the layer below just wrote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneUpperLayers<T, S, V>(ref float weights, ref float state, int parity)
        where T : struct, ITiling where S : ISimd<V> where V : struct
    {
        int hidden = M.HiddenSize, layerState = StateBuffers * hidden * S.Lanes;
        for (int layer = 1; layer < M.NumLayers; layer++)
        {
            LaneLayer<T, S, V>(ref Unsafe.Add(ref weights, T.LayerLength + (layer - 1) * T.UpperLayerLength),
                ref Unsafe.Add(ref state, (layer - 1) * layerState + (parity ^ 1) * hidden * S.Lanes), hidden, T.UpperPanelLength,
                ref Unsafe.Add(ref state, layer * layerState), parity);
        }
    }

    /// <summary>The head of each lane's h_T at <paramref name="hLast"/> (or h_T itself), to the output row of its sequence, members[lane].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneReadOut<T, S, V>(ref float weights, ref float hLast, ref float output, ReadOnlySpan<int> members)
        where T : struct, ITiling where S : ISimd<V> where V : struct
    {
        int hidden = M.HiddenSize;
        if (!M.HasHead)
        {
            for (int k = 0; k < hidden; k++)
                for (int lane = 0; lane < S.Lanes; lane++)
                    Unsafe.Add(ref output, members[lane] * M.OutputSize + k) = Unsafe.Add(ref hLast, k * S.Lanes + lane);
            return;
        }
        ref float head = ref Unsafe.Add(ref weights, T.HeadOffset);
        for (int o = 0; o < M.OutputSize; o++)
        {
            V y = S.Create(Unsafe.Add(ref head, M.OutputSize * hidden + o));
            for (int k = 0; k < hidden; k++)
                y = S.MultiplyAdd(S.Create(Unsafe.Add(ref head, o * hidden + k)), S.Load(ref hLast, k * S.Lanes), y);
            for (int lane = 0; lane < S.Lanes; lane++)
                Unsafe.Add(ref output, members[lane] * M.OutputSize + o) = S.GetElement(y, lane);
        }
    }

    /// <summary>One layer's step for the group, reading <paramref name="inputs"/> vectors at x: per hidden unit, its slots as vectors over the group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LaneLayer<T, S, V>(ref float weights, ref float x, int inputs, int panelLength, ref float state, int parity)
        where T : struct, ITiling where S : ISimd<V> where V : struct
    {
        int hidden = M.HiddenSize;
        ref float hPrev = ref Unsafe.Add(ref state, parity * hidden * S.Lanes);
        ref float hNext = ref Unsafe.Add(ref state, (parity ^ 1) * hidden * S.Lanes);
        ref float cell = ref Unsafe.Add(ref state, 2 * hidden * S.Lanes);
        // Units of whole tiles and of the rest tile find their weights with different strides: one loop each, so that
        // the stride is a constant in each.
        int whole = Math.Min(T.Tiles * T.Lanes, hidden);
        for (int j = 0; j < whole; j++)
        {
            LaneUnit<S, V>(ref Unsafe.Add(ref weights, j / T.Lanes * panelLength + j % T.Lanes), T.Lanes, ref x, inputs, ref hPrev, j,
                ref Unsafe.Add(ref cell, j * S.Lanes), ref Unsafe.Add(ref hNext, j * S.Lanes));
        }
        for (int j = whole; j < hidden; j++)
        {
            LaneUnit<S, V>(ref Unsafe.Add(ref weights, T.Tiles * panelLength + (j - whole)), T.RestLanes, ref x, inputs, ref hPrev, j,
                ref Unsafe.Add(ref cell, j * S.Lanes), ref Unsafe.Add(ref hNext, j * S.Lanes));
        }
    }

    /// <summary>
    /// Unit j of a layer for the group: its slot s at column s · lanes of its tile's panel rows (4 · lanes floats each),
    /// from <paramref name="w"/> at its bias; each weight broadcast once and multiplied into the group's values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LaneUnit<S, V>(ref float w, int lanes, ref float x, int inputs, ref float hPrev, int j, ref float cell, ref float hNext)
        where S : ISimd<V> where V : struct
    {
        int row = PackedLayout.Slots * lanes;
        // LSTM: the gates i, f, g, o; GRU: r, z and n's input and hidden parts, which the reset gate keeps apart.
        V s0 = S.Create(w), s1 = S.Create(Unsafe.Add(ref w, lanes)), s2 = S.Create(Unsafe.Add(ref w, 2 * lanes)), s3 = S.Create(Unsafe.Add(ref w, 3 * lanes));
        for (int k = 0; k < inputs; k++)
        {
            V xk = S.Load(ref x, k * S.Lanes);
            int column = (1 + k) * row;
            s0 = S.MultiplyAdd(S.Create(Unsafe.Add(ref w, column)), xk, s0);
            s1 = S.MultiplyAdd(S.Create(Unsafe.Add(ref w, column + lanes)), xk, s1);
            s2 = S.MultiplyAdd(S.Create(Unsafe.Add(ref w, column + 2 * lanes)), xk, s2);
            if (!M.Gru)
                s3 = S.MultiplyAdd(S.Create(Unsafe.Add(ref w, column + 3 * lanes)), xk, s3);
        }
        for (int k = 0; k < M.HiddenSize; k++)
        {
            V hk = S.Load(ref hPrev, k * S.Lanes);
            int column = (1 + inputs + k) * row;
            s0 = S.MultiplyAdd(S.Create(Unsafe.Add(ref w, column)), hk, s0);
            s1 = S.MultiplyAdd(S.Create(Unsafe.Add(ref w, column + lanes)), hk, s1);
            if (!M.Gru)
                s2 = S.MultiplyAdd(S.Create(Unsafe.Add(ref w, column + 2 * lanes)), hk, s2);
            s3 = S.MultiplyAdd(S.Create(Unsafe.Add(ref w, column + 3 * lanes)), hk, s3);
        }
        if (M.Gru)
            S.GruCell(s0, s1, s2, s3, in Unsafe.Add(ref hPrev, j * S.Lanes), ref hNext);
        else
            S.LstmCell(s0, s1, s2, s3, ref cell, ref hNext);
    }

    // ---- blocks of sequences through each weight vector (the other models) ----

    /// <summary>
    /// Runs the whole blocks of a batch on this CPU's tiling, as <see cref="LaneGroups"/> does its groups; returns how many
    /// sequences they took: the first ones of <paramref name="order"/> (of the batch without it).
    /// </summary>
    private static int Blocks(ref float weights, ref float input, ref float output, int batchSize, int steps, ReadOnlySpan<int> order, ReadOnlySpan<int> lengths,
        Span<float> h, Span<float> c)
    {
        if (Vector512.IsHardwareAccelerated)
            return Blocks<T512>(ref weights, ref input, ref output, batchSize, steps, order, lengths, h, c);
        else if (Vector256.IsHardwareAccelerated)
            return Blocks<T256>(ref weights, ref input, ref output, batchSize, steps, order, lengths, h, c);
        else if (Vector128.IsHardwareAccelerated)
            return Blocks<T128>(ref weights, ref input, ref output, batchSize, steps, order, lengths, h, c);
        else
            return 0; // without SIMD, one by one
    }

    private static int Blocks<T>(ref float weights, ref float input, ref float output, int batchSize, int steps, ReadOnlySpan<int> order, ReadOnlySpan<int> lengths,
        Span<float> h, Span<float> c) where T : struct, ITiling
    {
        const int Sequences = PackedLayout.BlockSequences;
        int blocks = batchSize / Sequences;
        if (blocks == 0)
            return 0;
        // A layer step's gates of every sequence (its units padded to whole tiles), their states, and x_t of a block
        // whose sequences are not consecutive (a padded batch's, longest first), gathered at the block kernel's one stride.
        int gatesLength = Sequences * PackedLayout.Slots * M.StateStride, statesLength = Sequences * StateLength;
        Span<float> memory = KernelScratch.Rent(gatesLength + statesLength + Sequences * M.InputSize);
        ref float gates = ref MemoryMarshal.GetReference(memory);
        Span<float> states = memory.Slice(gatesLength, statesLength);
        ref float gathered = ref memory[gatesLength + statesLength];
        Span<int> members = stackalloc int[Sequences];
        for (int block = 0; block < blocks; block++)
        {
            int b = block * Sequences;
            for (int g = 0; g < Sequences; g++)
                members[g] = order.IsEmpty ? b + g : order[b + g];
            states.Clear();
            if (!h.IsEmpty)
            {
                for (int g = 0; g < Sequences; g++)
                    CopyState(ref Unsafe.Add(ref MemoryMarshal.GetReference(states), g * StateLength), 0, h, c, 0, M.NumLayers, members[g], batchSize, toState: true);
            }
            BlockRun<T>(ref weights, ref input, steps, ref MemoryMarshal.GetReference(states), ref gates, ref gathered, ref output, members, lengths, h, c, batchSize);
        }
        return blocks * Sequences;
    }

    /// <summary>
    /// Runs a block of sequences together on tiling T, sequence members[g]'s state at states + g · StateLength, up to the
    /// longest of them: each is read out, and its final state kept, at its own last step; a shorter one's later steps are
    /// discarded. Sequences that are not consecutive in the batch have each x_t gathered at <paramref name="gathered"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockRun<T>(ref float weights, ref float input, int steps, ref float states, ref float gates, ref float gathered, ref float output,
        ReadOnlySpan<int> members, ReadOnlySpan<int> lengths, Span<float> h, Span<float> c, int batchSize) where T : struct, ITiling
    {
        int longest = Longest(members, lengths, steps), sequenceLength = steps * M.InputSize;
        bool consecutive = true;
        for (int g = 0; g < members.Length; g++)
            consecutive &= members[g] == members[0] + g;
        for (int t = 0; t < longest; t++)
        {
            int parity = t & 1;
            ref float x = ref Unsafe.Add(ref input, members[0] * sequenceLength + t * M.InputSize);
            int xStride = sequenceLength;
            if (!consecutive)
            {
                for (int g = 0; g < members.Length; g++)
                    Copy(ref Unsafe.Add(ref input, members[g] * sequenceLength + t * M.InputSize), ref Unsafe.Add(ref gathered, g * M.InputSize), M.InputSize);
                x = ref gathered;
                xStride = M.InputSize;
            }
            T.BlockLayer(ref weights, ref x, xStride, ref states, ref gates, parity);
            for (int layer = 1; layer < M.NumLayers; layer++)
            {
                T.BlockUpperLayer(ref Unsafe.Add(ref weights, T.LayerLength + (layer - 1) * T.UpperLayerLength), ref Unsafe.Add(ref states, HiddenOffset(layer - 1, parity ^ 1)),
                    StateLength, ref Unsafe.Add(ref states, layer * LayerStateLength), ref gates, parity);
            }
            for (int g = 0; g < members.Length; g++)
            {
                int sequence = members[g], length = lengths.IsEmpty ? steps : lengths[sequence];
                ref float state = ref Unsafe.Add(ref states, g * StateLength);
                if (EveryStep && t < length)
                    ReadOut<T>(ref weights, ref state, parity ^ 1, ref Unsafe.Add(ref output, (sequence * steps + t) * M.OutputSize));
                if (t == length - 1)
                {
                    if (!EveryStep)
                        ReadOut<T>(ref weights, ref state, parity ^ 1, ref Unsafe.Add(ref output, sequence * M.OutputSize));
                    if (!h.IsEmpty)
                        CopyState(ref state, parity ^ 1, h, c, 0, M.NumLayers, sequence, batchSize, toState: false);
                }
            }
        }
        if (!EveryStep || lengths.IsEmpty) return;
        foreach (int sequence in members)
        {
            MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, (sequence * steps + lengths[sequence]) * M.OutputSize),
                (steps - lengths[sequence]) * M.OutputSize).Clear(); // padded steps
        }
    }
}
