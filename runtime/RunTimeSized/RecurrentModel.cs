using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LstmGen.Kernels;

namespace LstmGen;

/// <summary>
/// What <see cref="LstmModel"/> and <see cref="GruModel"/> share: a stack of recurrent layers (unidirectional or
/// bidirectional, with or without biases, an LSTM's optionally projected) and an optional Linear head, whose sizes
/// are learned at run time (typically from a model file), run by a vectorized kernel that loops over those sizes.
/// </summary>
/// <remarks>
/// <para>This is the fallback for hosts that only learn the sizes when they load a model. When the sizes are known at
/// build time, a class with <see cref="LstmAttribute"/> or <see cref="GruAttribute"/> gets a forward pass specialized
/// for them (docs/benchmarks.md compares the two).</para>
/// <para><see cref="WeightPrecision"/> says how the recurrent weights and biases are stored: float32, or bfloat16 (half
/// the bytes, for about 1e-3 of accuracy; W_hr and the head stay float32; docs/weight-precision.md).</para>
/// <para>Any sequence length T ≥ 1 is accepted. <see cref="Readout"/> says what each sequence gives: the last step's
/// output, the final state of every direction, or every step's output. Without a head the output is the last layer's
/// features themselves (<see cref="FeatureSize"/> = D · H_out per readout), and <see cref="OutputSize"/> is that.</para>
/// <para>Every forward pass starts from a zero state unless given h and c. The streaming members (<see cref="Step"/>,
/// <see cref="ResetState"/>, <c>GetState</c>, <c>SetState</c>) carry a separate state from call to call, which
/// <c>Forward</c> never touches; a bidirectional model cannot stream, since its backward direction needs the
/// sequence's future.</para>
/// <para>Threading: an instance owns its scratch and streaming state, so it is not safe to call it from several
/// threads at once (not even <c>Forward</c>). Separate instances are independent; to run in parallel, load one per
/// thread. The scratch holds two [T, D · H_out] sequences: it grows when a call brings a longer T than any before
/// (that call allocates, later ones do not); a time-major batch (<see cref="BatchFirst"/> false) runs as a batch-first
/// copy in pooled arrays.</para>
/// </remarks>
public abstract class RecurrentModel
{
    private const int Lanes = RecurrentVectorKernel.Lanes;

    private readonly bool _gru;
    private readonly PackedWeights _packed;
    private readonly int[] _panelOffsets;      // per layer·D + direction: its panels (RecurrentPacking.PackPanels)
    private readonly int[] _panelLengths;
    private readonly int[] _projectionOffsets; // per layer·D + direction: W_hr by columns (RecurrentPacking.PackProjection)
    private readonly int _headOffset;
    private readonly int _stride;              // a state vector: H padded to whole tiles
    private readonly AlignedBuffer _work;      // per direction: h (two buffers), c, o ⊙ tanh c before the projection
    private readonly AlignedBuffer _stream;    // the same per layer, for Step
    private readonly float[] _features;
    private float[] _sequences = [];
    private int _streamParity;

    private protected RecurrentModel(RecurrentWeights weights, bool gru, Readout readout, WeightPrecision weightPrecision, bool batchFirst)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (!Enum.IsDefined(readout))
            throw new ArgumentOutOfRangeException(nameof(readout), readout, "Readout must be LastStep, FinalState or EveryStep.");
        if (!Enum.IsDefined(weightPrecision))
            throw new ArgumentOutOfRangeException(nameof(weightPrecision), weightPrecision, "WeightPrecision must be Float32 or BFloat16.");
        _gru = gru;
        Readout = readout;
        WeightPrecision = weightPrecision;
        BatchFirst = batchFirst;
        (InputSize, HiddenSize, NumLayers, ProjSize) = (weights.InputSize, weights.HiddenSize, weights.NumLayers, weights.ProjSize);
        (Bidirectional, HasBias, HasHead) = (weights.Bidirectional, weights.HasBias, weights.HasHead);
        FeatureSize = weights.FeatureSize;
        OutputSize = HasHead ? weights.OutputSize : FeatureSize;

        // Every layer and direction's panels, then their projections, then the head: fc.weight [O, F], fc.bias [O].
        int blocks = NumLayers * Directions;
        (_panelOffsets, _panelLengths, _projectionOffsets) = (new int[blocks], new int[blocks], new int[blocks]);
        int length = 0;
        try
        {
            for (int block = 0; block < blocks; block++)
            {
                _panelOffsets[block] = length;
                _panelLengths[block] = RecurrentPacking.PanelsLength(weights.Layer(block / Directions, block % Directions), Lanes, BFloat16Weights);
                length = checked(length + _panelLengths[block]);
            }
            for (int block = 0; block < blocks; block++)
            {
                _projectionOffsets[block] = length;
                length = checked(length + HiddenSize * ProjectionWidth);
            }
            _headOffset = length;
            if (HasHead) length = checked(length + OutputSize * (FeatureSize + 1));
        }
        catch (OverflowException)
        {
            throw new ArgumentException(
                $"Weights of InputSize {InputSize}, HiddenSize {HiddenSize}, NumLayers {NumLayers}{(Bidirectional ? ", bidirectional" : "")} " +
                $"pack to more than int.MaxValue floats, more than one array holds.", nameof(weights));
        }

        _packed = new PackedWeights(length);
        Span<float> packed = _packed.Writable;
        for (int block = 0; block < blocks; block++)
        {
            RecurrentLayer layer = weights.Layer(block / Directions, block % Directions);
            RecurrentPacking.PackPanels(layer, Lanes, packed.Slice(_panelOffsets[block], _panelLengths[block]), BFloat16Weights);
            if (layer.WeightHr is { } weightHr)
                RecurrentPacking.PackProjection(weightHr, ProjectionWidth, packed.Slice(_projectionOffsets[block]));
        }
        if (HasHead)
            RecurrentPacking.PackHead(weights, packed.Slice(_headOffset, OutputSize * (FeatureSize + 1)));

        _stride = (HiddenSize + Lanes - 1) / Lanes * Lanes;
        _work = new AlignedBuffer(checked(Directions * 4 * _stride));
        _stream = new AlignedBuffer(checked(NumLayers * 4 * _stride));
        _features = new float[FeatureSize];
    }

    /// <summary>Features per time step (PyTorch <c>input_size</c>).</summary>
    public int InputSize { get; }

    /// <summary>Hidden units per layer and direction (PyTorch <c>hidden_size</c>): the size of an LSTM's c.</summary>
    public int HiddenSize { get; }

    /// <summary>Values per readout: the Linear head's outputs (PyTorch <c>out_features</c>), or, without a head,
    /// <see cref="FeatureSize"/>.</summary>
    public int OutputSize { get; }

    /// <summary>Stacked layers (PyTorch <c>num_layers</c>).</summary>
    public int NumLayers { get; }

    /// <summary>Whether the layers run in both directions (PyTorch <c>bidirectional=True</c>, read from the keys).</summary>
    public bool Bidirectional { get; }

    /// <summary>An LSTM's <c>proj_size</c> (h has that many values, read from <c>weight_hr</c>); 0 without.</summary>
    public int ProjSize { get; }

    /// <summary>Whether the layers have biases (PyTorch <c>bias=True</c>, read from the keys).</summary>
    public bool HasBias { get; }

    /// <summary>Whether a Linear head follows the layers.</summary>
    public bool HasHead { get; }

    /// <summary>
    /// How a batch is laid out (PyTorch's <c>batch_first</c>): true, input [batch, T, InputSize] and an every-step
    /// output [batch, T, OutputSize]; false, time-major [T, batch, InputSize] and [T, batch, OutputSize], as PyTorch's
    /// default <c>batch_first=False</c>. One sequence, the other readouts ([batch, OutputSize]) and the states are laid
    /// out alike either way.
    /// </summary>
    public bool BatchFirst { get; }

    /// <summary>What each sequence gives: see <see cref="LstmGen.Readout"/>.</summary>
    public Readout Readout { get; }

    /// <summary>
    /// How the recurrent weights and biases are stored: <see cref="WeightPrecision.Float32"/>, or rounded to
    /// <see cref="WeightPrecision.BFloat16"/> when packed (W_hr and the head stay float32).
    /// </summary>
    public WeightPrecision WeightPrecision { get; }

    /// <summary>The last layer's values per step: D · H_out (D = 2 when bidirectional, H_out = ProjSize or HiddenSize).</summary>
    public int FeatureSize { get; }

    /// <summary>H_out, the values of h per layer and direction: <see cref="ProjSize"/> when projected, else <see cref="HiddenSize"/>.</summary>
    public int HiddenOutputSize => ProjSize > 0 ? ProjSize : HiddenSize;

    private int Directions => Bidirectional ? 2 : 1;

    // Floats per row of a packed W_hr (RecurrentPacking.PackProjection).
    private int ProjectionWidth => PackedLayout.Projection(ProjSize, Lanes);

    private bool BFloat16Weights => WeightPrecision == WeightPrecision.BFloat16;

    /// <summary>The instruction width the kernel runs on: the widest accelerated one; tests may pick another.</summary>
    internal KernelPath Path { get; set; } = RecurrentVectorKernel.BestPath;

    /// <summary>
    /// Runs one sequence: <paramref name="input"/> is [T, InputSize] row-major for any T ≥ 1; <paramref name="output"/>
    /// receives OutputSize values, or [T, OutputSize] for <see cref="Readout.EveryStep"/>.
    /// </summary>
    /// <remarks>Allocation-free once the scratch holds T steps. Starts from a zero state and leaves the streaming
    /// state of <see cref="Step"/> alone. Not safe for concurrent calls on one instance.</remarks>
    /// <exception cref="ArgumentException"><paramref name="input"/> is empty or not a multiple of InputSize, or
    /// <paramref name="output"/> has another length.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length == 0 || input.Length % InputSize != 0)
        {
            throw new ArgumentException(
                $"input must hold T × InputSize floats for some T ≥ 1 (a positive multiple of InputSize = {InputSize}); got {input.Length}.", nameof(input));
        }
        int steps = input.Length / InputSize;
        if (Readout == Readout.EveryStep)
            ModelGuard.RequireLength(output.Length, (long)steps * OutputSize, nameof(output), $"T × OutputSize = {steps} × {OutputSize}");
        else
            ModelGuard.RequireLength(output.Length, OutputSize, nameof(output), "OutputSize");
        Run(input, output, 1, default, padded: false, default, default, withState: false);
    }

    /// <summary>
    /// Runs a batch of sequences of a common length: <paramref name="input"/> is [batchSize, T, InputSize] row-major
    /// (time-major when not <see cref="BatchFirst"/>: [T, batchSize, InputSize]) for any T ≥ 1; <paramref name="output"/>
    /// receives [batchSize, OutputSize], or [batchSize, T, OutputSize] ([T, batchSize, OutputSize]) for
    /// <see cref="Readout.EveryStep"/>.
    /// </summary>
    /// <remarks>Allocation-free once the scratch holds T steps (and the shared array pool holds a time-major batch's
    /// copy). Every sequence starts from a zero state; the streaming state is left alone. Not safe for concurrent calls
    /// on one instance.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is negative.</exception>
    /// <exception cref="ArgumentException">The lengths do not fit <paramref name="batchSize"/> sequences.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize) =>
        Run(input, output, batchSize, default, padded: false, default, default, withState: false);

    /// <summary>
    /// Runs a padded batch, as PyTorch's <c>pack_padded_sequence</c>: <paramref name="input"/> is [batch, T, InputSize]
    /// (time-major when not <see cref="BatchFirst"/>: [T, batch, InputSize])
    /// with batch = <paramref name="lengths"/>.Length, and sequence b runs only its first 1 ≤ lengths[b] ≤ T steps
    /// (the backward direction starts at its own last valid step; padding is never read). <paramref name="output"/>
    /// receives [batch, OutputSize] (<see cref="Readout.LastStep"/> reads step lengths[b] − 1), or
    /// [batch, T, OutputSize] ([T, batch, OutputSize]) for <see cref="Readout.EveryStep"/>, 0 at padded steps.
    /// </summary>
    /// <remarks>Allocation-free once the scratch holds T steps (and the shared array pool holds a time-major batch's
    /// copy). Not safe for concurrent calls on one instance.</remarks>
    /// <exception cref="ArgumentException">A length is 0 or above T, or the spans do not fit the lengths.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths) =>
        Run(input, output, lengths.Length, lengths, padded: true, default, default, withState: false);

    /// <summary>Runs a batch held in a tensor of shape [batch, T, InputSize] (time-major: [T, batch, InputSize]; any T ≥ 1);
    /// returns a new tensor of shape [batch, OutputSize], or [batch, T, OutputSize] ([T, batch, OutputSize]) for
    /// <see cref="Readout.EveryStep"/>.</summary>
    /// <remarks>Allocates only the returned tensor (and the scratch for a T longer than any before, or a time-major
    /// batch's copy the shared array pool does not yet hold). Not safe for concurrent calls on one instance.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> has another shape.</exception>
    public Tensor Forward(Tensor input)
    {
        (int batchSize, int steps) = ModelGuard.RequireSequenceBatch(input, InputSize, BatchFirst);
        var output = new Tensor(OutputShape(batchSize, steps));
        Forward(input.AsSpan(), output.AsSpan(), batchSize);
        return output;
    }

    /// <summary>Runs a padded batch held in a tensor of shape [batch, T, InputSize] (time-major: [T, batch, InputSize]), as
    /// <see cref="Forward(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int})"/> with one length per sequence; returns a new
    /// tensor of shape [batch, OutputSize], or [batch, T, OutputSize] ([T, batch, OutputSize]) for
    /// <see cref="Readout.EveryStep"/>, 0 at padded steps.</summary>
    /// <remarks>Allocates only the returned tensor (and the scratch for a T longer than any before, or a time-major
    /// batch's copy the shared array pool does not yet hold). Not safe for concurrent calls on one instance.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> has another shape, or a length is missing, 0 or above T.</exception>
    public Tensor Forward(Tensor input, ReadOnlySpan<int> lengths)
    {
        (int batchSize, int steps) = ModelGuard.RequirePaddedBatch(input, InputSize, BatchFirst, lengths.Length);
        var output = new Tensor(OutputShape(batchSize, steps));
        Forward(input.AsSpan(), output.AsSpan(), lengths);
        return output;
    }

    // The tensor overloads with initial states: the readout and new tensors holding h_n (and c_n for an LSTM), from h0
    // (and c0), which are left unchanged.
    private protected (Tensor Output, Tensor H, Tensor? C) FromStates(Tensor input, Tensor h0, Tensor? c0)
    {
        (int batchSize, int steps) = ModelGuard.RequireSequenceBatch(input, InputSize, BatchFirst);
        (Tensor h, Tensor? c) = ModelGuard.CopyStates(h0, c0, _gru, NumLayers, Bidirectional, batchSize, HiddenSize, ProjSize);
        var output = new Tensor(OutputShape(batchSize, steps));
        Run(input.AsSpan(), output.AsSpan(), batchSize, default, padded: false, h.AsSpan(), c is null ? default : c.AsSpan(), withState: true);
        return (output, h, c);
    }

    private int[] OutputShape(int batchSize, int steps) =>
        Readout != Readout.EveryStep ? [batchSize, OutputSize] : BatchFirst ? [batchSize, steps, OutputSize] : [steps, batchSize, OutputSize];

    /// <summary>
    /// Consumes one time step (<paramref name="input"/>: InputSize values), carrying the state from the previous call,
    /// and writes the output at this step (OutputSize values: the head applied to the last layer's new h, or h itself).
    /// </summary>
    /// <remarks>Allocation-free. The state starts at zero; see <see cref="ResetState"/>. Not safe for concurrent calls
    /// on one instance.</remarks>
    /// <exception cref="InvalidOperationException">The model is bidirectional: its backward direction needs the
    /// sequence's future, so it cannot stream.</exception>
    /// <exception cref="ArgumentException">A span has another length.</exception>
    public void Step(ReadOnlySpan<float> input, Span<float> output)
    {
        RequireUnidirectional(nameof(Step));
        ModelGuard.RequireLength(input.Length, InputSize, nameof(input), "InputSize");
        ModelGuard.RequireLength(output.Length, OutputSize, nameof(output), "OutputSize");
        ReadOnlySpan<float> x = input;
        for (int layer = 0; layer < NumLayers; layer++)
        {
            Span<float> state = _stream.Span.Slice(layer * 4 * _stride, 4 * _stride);
            StepCell(layer, 0, x, state, _streamParity);
            x = state.Slice((_streamParity ^ 1) * _stride, HiddenOutputSize);
        }
        _streamParity ^= 1;
        Emit(x, output);
    }

    /// <summary>Sets the streaming state back to zero, as at creation.</summary>
    public void ResetState()
    {
        _stream.Span.Clear();
        _streamParity = 0;
    }

    /// <summary>Copies every layer's streaming h ([NumLayers, H_out]) and, when <paramref name="withCell"/>, c ([NumLayers, HiddenSize]) out.</summary>
    private protected void CopyStateTo(Span<float> h, Span<float> c, bool withCell)
    {
        RequireStreamState(h.Length, c.Length, withCell);
        for (int layer = 0; layer < NumLayers; layer++)
        {
            Span<float> state = _stream.Span.Slice(layer * 4 * _stride, 4 * _stride);
            state.Slice(_streamParity * _stride, HiddenOutputSize).CopyTo(h.Slice(layer * HiddenOutputSize, HiddenOutputSize));
            if (withCell)
                state.Slice(2 * _stride, HiddenSize).CopyTo(c.Slice(layer * HiddenSize, HiddenSize));
        }
    }

    /// <summary>Sets every layer's streaming h ([NumLayers, H_out]) and c ([NumLayers, HiddenSize]).</summary>
    private protected void CopyStateFrom(ReadOnlySpan<float> h, ReadOnlySpan<float> c, bool withCell)
    {
        RequireStreamState(h.Length, c.Length, withCell);
        for (int layer = 0; layer < NumLayers; layer++)
        {
            Span<float> state = _stream.Span.Slice(layer * 4 * _stride, 4 * _stride);
            h.Slice(layer * HiddenOutputSize, HiddenOutputSize).CopyTo(state.Slice(_streamParity * _stride));
            if (withCell)
                c.Slice(layer * HiddenSize, HiddenSize).CopyTo(state.Slice(2 * _stride));
        }
    }

    private void RequireStreamState(int hLength, int cLength, bool withCell)
    {
        RequireUnidirectional("GetState/SetState");
        if (hLength != NumLayers * HiddenOutputSize)
        {
            throw new ArgumentException(
                $"h must hold NumLayers × {(ProjSize > 0 ? "ProjSize" : "HiddenSize")} = {NumLayers} × {HiddenOutputSize} = {NumLayers * HiddenOutputSize} floats; got {hLength}.", "h");
        }
        if (withCell && cLength != NumLayers * HiddenSize)
        {
            throw new ArgumentException(
                $"c must hold NumLayers × HiddenSize = {NumLayers} × {HiddenSize} = {NumLayers * HiddenSize} floats; got {cLength}.", "c");
        }
    }

    private void RequireUnidirectional(string member)
    {
        if (Bidirectional)
        {
            throw new InvalidOperationException(
                $"{member} streams one step at a time, but this model is bidirectional: its backward direction starts from the sequence's end, " +
                "so each step needs the sequence's future. Pass whole sequences to Forward.");
        }
    }

    /// <summary>
    /// Checks every argument, then runs each sequence. With <paramref name="withState"/>, <paramref name="h"/> holds h_0
    /// and receives h_n ([NumLayers · D, batch, H_out]), likewise <paramref name="c"/> ([NumLayers · D, batch, HiddenSize]).
    /// </summary>
    private protected void Run(ReadOnlySpan<float> input, Span<float> output, int batchSize, ReadOnlySpan<int> lengths, bool padded,
        Span<float> h, Span<float> c, bool withState)
    {
        if (batchSize < 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must not be negative.");
        string batch = padded ? "lengths.Length" : "batchSize";
        long perStep = (long)batchSize * InputSize;
        if (batchSize == 0 ? input.Length != 0 : input.Length == 0 || input.Length % perStep != 0)
        {
            throw new ArgumentException(
                $"input must hold {(BatchFirst ? $"{batch} × T" : $"T × {batch}")} × InputSize floats for some T ≥ 1 (a positive multiple of {batchSize} × {InputSize} = {perStep}); got {input.Length}.", nameof(input));
        }
        int steps = batchSize == 0 ? 0 : (int)(input.Length / perStep);
        for (int b = 0; b < lengths.Length; b++)
        {
            if (lengths[b] < 1 || lengths[b] > steps)
            {
                throw new ArgumentException(
                    $"lengths[{b}] must be between 1 and T = {steps} (input holds {batchSize} sequences of {steps} steps); got {lengths[b]}.", nameof(lengths));
            }
        }
        long perSequence = Readout == Readout.EveryStep ? (long)steps * OutputSize : OutputSize;
        if (output.Length != batchSize * perSequence)
        {
            string shape = Readout != Readout.EveryStep ? $"{batch} × OutputSize = {batchSize} × {OutputSize}"
                : BatchFirst ? $"{batch} × T × OutputSize = {batchSize} × {steps} × {OutputSize}" : $"T × {batch} × OutputSize = {steps} × {batchSize} × {OutputSize}";
            throw new ArgumentException($"output must hold {shape} = {batchSize * perSequence} floats; got {output.Length}.", nameof(output));
        }
        if (withState)
        {
            long hLength = (long)NumLayers * Directions * batchSize * HiddenOutputSize, cLength = (long)NumLayers * Directions * batchSize * HiddenSize;
            if (h.Length != hLength)
            {
                throw new ArgumentException(
                    $"h must hold NumLayers · D × batch × H_out = {NumLayers * Directions} × {batchSize} × {HiddenOutputSize} = {hLength} floats; got {h.Length}.", nameof(h));
            }
            if (!_gru && c.Length != cLength)
            {
                throw new ArgumentException(
                    $"c must hold NumLayers · D × batch × HiddenSize = {NumLayers * Directions} × {batchSize} × {HiddenSize} = {cLength} floats; got {c.Length}.", nameof(c));
            }
        }
        ModelGuard.RequireDisjoint(input, output, h, c);
        long scratch = 2L * steps * FeatureSize;
        if (scratch > Array.MaxLength)
        {
            throw new ArgumentException(
                $"input's sequences are too long: this model keeps two layer outputs of T × D · H_out = {steps} × {FeatureSize} floats, " +
                $"{scratch} in all, and one array holds at most {Array.MaxLength}.", nameof(input));
        }
        if (batchSize == 0) return;

        if (_sequences.Length < scratch)
            _sequences = new float[scratch];
        int sequence = steps * InputSize;
        using var view = new BatchFirstView(input, output, BatchFirst, batchSize, steps, InputSize, Readout == Readout.EveryStep ? OutputSize : 0, 0, batchSize);
        for (int b = 0; b < batchSize; b++)
        {
            RunSequence(view.Input.Slice(b * sequence, sequence), padded ? lengths[b] : steps, steps,
                view.Output.Slice((int)(b * perSequence), (int)perSequence), h, c, withState, batchSize, b);
        }
        view.Complete();
    }

    // Sequence `index` of a batch over its first `length` steps, layer by layer: each direction of a layer runs the
    // whole sequence (the backward one from its last valid step), writing its h_t into the layer's output [T, D · H_out],
    // which the layer above reads.
    private void RunSequence(ReadOnlySpan<float> input, int length, int steps, Span<float> output, Span<float> h, Span<float> c, bool withState,
        int batchSize, int index)
    {
        int features = FeatureSize, hOut = HiddenOutputSize, directions = Directions;
        ReadOnlySpan<float> below = default;
        Span<float> outputs = default;
        for (int layer = 0; layer < NumLayers; layer++)
        {
            outputs = _sequences.AsSpan((layer & 1) * steps * features, length * features);
            for (int direction = 0; direction < directions; direction++)
            {
                Span<float> state = _work.Span.Slice(direction * 4 * _stride, 4 * _stride);
                state.Clear();
                int row = (layer * directions + direction) * batchSize + index;
                if (withState)
                {
                    h.Slice(row * hOut, hOut).CopyTo(state);
                    if (!_gru) c.Slice(row * HiddenSize, HiddenSize).CopyTo(state.Slice(2 * _stride));
                }
                // LastStep reads the last layer's backward direction at the last position only, its first step; unless
                // its final state is wanted, the steps after that change nothing the caller sees.
                bool firstStepOnly = direction == 1 && layer == NumLayers - 1 && Readout == Readout.LastStep && !withState;
                int parity = 0;
                for (int s = 0; s < (firstStepOnly ? 1 : length); s++)
                {
                    int t = direction == 0 ? s : length - 1 - s;
                    ReadOnlySpan<float> x = layer == 0 ? input.Slice(t * InputSize, InputSize) : below.Slice(t * features, features);
                    StepCell(layer, direction, x, state, parity);
                    parity ^= 1;
                    state.Slice(parity * _stride, hOut).CopyTo(outputs.Slice(t * features + direction * hOut, hOut));
                }
                if (withState)
                {
                    state.Slice(parity * _stride, hOut).CopyTo(h.Slice(row * hOut, hOut));
                    if (!_gru) state.Slice(2 * _stride, HiddenSize).CopyTo(c.Slice(row * HiddenSize, HiddenSize));
                }
            }
            below = outputs;
        }

        switch (Readout)
        {
            case Readout.EveryStep:
                for (int t = 0; t < length; t++)
                    Emit(outputs.Slice(t * features, features), output.Slice(t * OutputSize, OutputSize));
                output.Slice(length * OutputSize).Clear();
                break;
            case Readout.FinalState when Bidirectional:
                // Each direction's final h: the forward one after the last valid step, the backward one after step 0.
                outputs.Slice((length - 1) * features, hOut).CopyTo(_features);
                outputs.Slice(hOut, hOut).CopyTo(_features.AsSpan(hOut));
                Emit(_features, output);
                break;
            default:
                Emit(outputs.Slice((length - 1) * features, features), output);
                break;
        }
    }

    // One step of one layer and direction: h_{t-1} in buffer `parity` of `state`, h_t into the other, c in place;
    // with a projection the cell's o ⊙ tanh c goes to the fourth buffer and h_t = W_hr · it.
    private void StepCell(int layer, int direction, ReadOnlySpan<float> x, Span<float> state, int parity)
    {
        int block = layer * Directions + direction;
        ReadOnlySpan<float> packed = _packed.Span;
        Span<float> hNext = state.Slice((parity ^ 1) * _stride, _stride);
        Span<float> cell = state.Slice(2 * _stride, _stride);
        Span<float> cellOutput = ProjSize > 0 ? state.Slice(3 * _stride, _stride) : hNext;
        RecurrentVectorKernel.Cell(Path, packed.Slice(_panelOffsets[block], _panelLengths[block]), x, state.Slice(parity * _stride, _stride),
            HiddenOutputSize, HiddenSize, cellOutput, cell, _gru, BFloat16Weights);
        if (ProjSize > 0)
            RecurrentVectorKernel.Project(Path, packed.Slice(_projectionOffsets[block], HiddenSize * ProjectionWidth), cellOutput, hNext, ProjectionWidth);
    }

    // The head applied to a readout's features, or the features themselves without a head.
    private void Emit(ReadOnlySpan<float> features, Span<float> output)
    {
        if (!HasHead)
        {
            features.CopyTo(output);
            return;
        }
        ReadOnlySpan<float> packed = _packed.Span;
        int count = FeatureSize;
        ref float x = ref MemoryMarshal.GetReference(features);
        ReadOnlySpan<float> weights = packed.Slice(_headOffset, OutputSize * count), bias = packed.Slice(_headOffset + OutputSize * count, OutputSize);
        for (int o = 0; o < OutputSize; o++)
            output[o] = bias[o] + KernelMath.Dot(ref MemoryMarshal.GetReference(weights.Slice(o * count, count)), ref x, count);
    }
}
