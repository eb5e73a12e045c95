using System;
using LstmGen.Kernels;

namespace LstmGen;

/// <summary>
/// What <see cref="LstmModel"/> and <see cref="GruModel"/> share: a stack of recurrent layers and a Linear head whose
/// sizes are learned at run time (typically from a model file), run by a vectorized kernel that loops over those sizes.
/// </summary>
/// <remarks>
/// <para>This is the fallback for hosts that only learn the sizes when they load a model. When the sizes are known at
/// build time, a class with <see cref="LstmAttribute"/> or <see cref="GruAttribute"/> gets a forward pass specialized
/// for them (docs/benchmarks.md compares the two).</para>
/// <para>Any sequence length T ≥ 1 is accepted: <c>T = input.Length / InputSize</c>. Every forward pass starts from a
/// zero state. The streaming members (<see cref="Step"/>, <see cref="ResetState"/>, <c>GetState</c>, <c>SetState</c>)
/// carry a separate state from call to call, which <see cref="Forward(ReadOnlySpan{float}, Span{float})"/> never
/// touches.</para>
/// <para>Threading: an instance owns its scratch and streaming state, so it is not safe to call it from several
/// threads at once (not even <c>Forward</c>). Separate instances are independent; to run in parallel, load one per
/// thread.</para>
/// </remarks>
public abstract class RecurrentModel
{
    private readonly RecurrentLayout _layout;
    private readonly PackedWeights _packed;
    private readonly AlignedBuffer _forwardState;
    private readonly AlignedBuffer _streamState;
    private int _streamParity;

    private protected RecurrentModel(RecurrentWeights weights, bool gru)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _layout = new RecurrentLayout(weights.InputSize, weights.HiddenSize, weights.OutputSize, weights.NumLayers, gru, RecurrentVectorKernel.Lanes);
        _packed = RecurrentPacking.Pack(weights, weights.InputSize, weights.HiddenSize, weights.OutputSize, weights.NumLayers, RecurrentVectorKernel.Lanes, restLanes: 0);
        if (_packed.Length != _layout.PackedLength)
            throw new InvalidOperationException($"Packed {_packed.Length} floats; the kernel layout expects {_layout.PackedLength}.");
        _forwardState = new AlignedBuffer(_layout.StateLength);
        _streamState = new AlignedBuffer(_layout.StateLength);
    }

    /// <summary>Features per time step (PyTorch <c>input_size</c>).</summary>
    public int InputSize => _layout.InputSize;

    /// <summary>Hidden units per layer (PyTorch <c>hidden_size</c>).</summary>
    public int HiddenSize => _layout.HiddenSize;

    /// <summary>Outputs of the Linear head (PyTorch <c>out_features</c>).</summary>
    public int OutputSize => _layout.OutputSize;

    /// <summary>Stacked layers (PyTorch <c>num_layers</c>).</summary>
    public int NumLayers => _layout.NumLayers;

    /// <summary>The instruction width the kernel runs on: the widest accelerated one; tests may pick another.</summary>
    internal KernelPath Path { get; set; } = RecurrentVectorKernel.BestPath;

    /// <summary>
    /// Runs one sequence: <paramref name="input"/> is [T, InputSize] row-major for any T ≥ 1, <paramref name="output"/>
    /// receives the Linear head applied to the last layer's h_T (OutputSize values).
    /// </summary>
    /// <remarks>Allocation-free. Starts from a zero state and leaves the streaming state of <see cref="Step"/> alone.
    /// Not safe for concurrent calls on one instance.</remarks>
    /// <exception cref="ArgumentException"><paramref name="input"/> is empty or not a multiple of InputSize, or
    /// <paramref name="output"/> does not hold OutputSize floats.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length == 0 || input.Length % InputSize != 0)
        {
            throw new ArgumentException(
                $"input must hold T × InputSize floats for some T ≥ 1 (a positive multiple of InputSize = {InputSize}); got {input.Length}.", nameof(input));
        }
        ModelGuard.RequireLength(output.Length, OutputSize, nameof(output), "OutputSize");
        RunSequence(input, output);
    }

    /// <summary>
    /// Runs a batch of sequences of a common length: <paramref name="input"/> is [batchSize, T, InputSize] row-major
    /// for any T ≥ 1, <paramref name="output"/> receives [batchSize, OutputSize].
    /// </summary>
    /// <remarks>Allocation-free. Every sequence starts from a zero state; the streaming state is left alone.
    /// Not safe for concurrent calls on one instance.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is negative.</exception>
    /// <exception cref="ArgumentException">The lengths do not fit <paramref name="batchSize"/> sequences.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize)
    {
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must not be negative.");
        long perStep = (long)batchSize * InputSize;
        if (batchSize == 0 ? input.Length != 0 : input.Length == 0 || input.Length % perStep != 0)
        {
            throw new ArgumentException(
                $"input must hold batchSize × T × InputSize floats for some T ≥ 1 (a positive multiple of {batchSize} × {InputSize} = {perStep}); got {input.Length}.", nameof(input));
        }
        long expectedOutput = (long)batchSize * OutputSize;
        if (output.Length != expectedOutput)
        {
            throw new ArgumentException(
                $"output must hold batchSize × OutputSize = {batchSize} × {OutputSize} = {expectedOutput} floats; got {output.Length}.", nameof(output));
        }
        if (batchSize == 0) return;

        int sequence = input.Length / batchSize;
        for (int b = 0; b < batchSize; b++)
            RunSequence(input.Slice(b * sequence, sequence), output.Slice(b * OutputSize, OutputSize));
    }

    /// <summary>Runs a batch held in a tensor of shape [batch, T, InputSize] (any T ≥ 1); returns a new tensor of shape [batch, OutputSize].</summary>
    /// <remarks>Allocates only the returned tensor. Not safe for concurrent calls on one instance.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> has another shape.</exception>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 3 || input.Shape[1] < 1 || input.Shape[2] != InputSize)
        {
            throw new ArgumentException(
                $"input must have shape [batch, T, {InputSize}] ([batch, T, InputSize], T ≥ 1); got {input.ShapeString}.", nameof(input));
        }
        int batchSize = input.Shape[0];
        var output = new Tensor(new[] { batchSize, OutputSize });
        Forward(input.AsSpan(), output.AsSpan(), batchSize);
        return output;
    }

    /// <summary>
    /// Consumes one time step (<paramref name="input"/>: InputSize values), carrying the state from the previous call,
    /// and writes the Linear head applied to the new hidden state of the last layer (OutputSize values).
    /// </summary>
    /// <remarks>Allocation-free. The state starts at zero; see <see cref="ResetState"/>. Not safe for concurrent calls
    /// on one instance.</remarks>
    /// <exception cref="ArgumentException">A span has another length.</exception>
    public void Step(ReadOnlySpan<float> input, Span<float> output)
    {
        ModelGuard.RequireLength(input.Length, InputSize, nameof(input), "InputSize");
        ModelGuard.RequireLength(output.Length, OutputSize, nameof(output), "OutputSize");
        RecurrentVectorKernel.Step(_layout, _packed.Span, input, _streamState.Span, _streamParity, Path);
        _streamParity ^= 1;
        RecurrentVectorKernel.Head(_layout, _packed.Span,
            _streamState.Span.Slice(_layout.HiddenOffset(NumLayers - 1, _streamParity), HiddenSize), output);
    }

    /// <summary>Sets the streaming state back to zero, as at creation.</summary>
    public void ResetState()
    {
        _streamState.Span.Clear();
        _streamParity = 0;
    }

    /// <summary>Copies every layer's streaming h (and, when <paramref name="c"/> is wanted, c) out as [NumLayers, HiddenSize].</summary>
    private protected void CopyStateTo(Span<float> h, Span<float> c, bool withCell)
    {
        RequireStateLength(h.Length, "h");
        if (withCell) RequireStateLength(c.Length, "c");
        for (int layer = 0; layer < NumLayers; layer++)
        {
            _streamState.Span.Slice(_layout.HiddenOffset(layer, _streamParity), HiddenSize).CopyTo(h.Slice(layer * HiddenSize, HiddenSize));
            if (withCell)
                _streamState.Span.Slice(_layout.CellOffset(layer), HiddenSize).CopyTo(c.Slice(layer * HiddenSize, HiddenSize));
        }
    }

    /// <summary>Sets every layer's streaming h (and c) from [NumLayers, HiddenSize] values.</summary>
    private protected void CopyStateFrom(ReadOnlySpan<float> h, ReadOnlySpan<float> c, bool withCell)
    {
        RequireStateLength(h.Length, "h");
        if (withCell) RequireStateLength(c.Length, "c");
        for (int layer = 0; layer < NumLayers; layer++)
        {
            h.Slice(layer * HiddenSize, HiddenSize).CopyTo(_streamState.Span.Slice(_layout.HiddenOffset(layer, _streamParity), HiddenSize));
            if (withCell)
                c.Slice(layer * HiddenSize, HiddenSize).CopyTo(_streamState.Span.Slice(_layout.CellOffset(layer), HiddenSize));
        }
    }

    private void RequireStateLength(int actual, string parameterName)
    {
        if (actual != NumLayers * HiddenSize)
        {
            throw new ArgumentException(
                $"{parameterName} must hold NumLayers × HiddenSize = {NumLayers} × {HiddenSize} = {NumLayers * HiddenSize} floats; got {actual}.", parameterName);
        }
    }

    // One sequence of input.Length / InputSize steps from a zero state, in the forward scratch state.
    private void RunSequence(ReadOnlySpan<float> input, Span<float> output)
    {
        Span<float> state = _forwardState.Span;
        state.Clear();
        int steps = input.Length / InputSize;
        KernelPath path = Path;
        ReadOnlySpan<float> packed = _packed.Span;
        for (int t = 0; t < steps; t++)
            RecurrentVectorKernel.Step(_layout, packed, input.Slice(t * InputSize, InputSize), state, t & 1, path);
        // After T steps the last layer's h_T is in buffer T % 2.
        RecurrentVectorKernel.Head(_layout, packed, state.Slice(_layout.HiddenOffset(NumLayers - 1, steps & 1), HiddenSize), output);
    }
}
