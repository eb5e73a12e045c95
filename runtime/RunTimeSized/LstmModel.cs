using System;
using System.IO;

namespace LstmGen;

/// <summary>
/// A PyTorch <c>nn.LSTM</c> (any <c>num_layers</c>, <c>bidirectional</c>, <c>proj_size</c> and <c>bias</c>,
/// <c>batch_first</c>) and an optional <c>nn.Linear</c> head, with every size and option taken from the weights
/// at run time, any sequence length, padded batches and initial and final states.
/// </summary>
/// <remarks>
/// <para>The run-time-sized counterpart of a class with <see cref="LstmAttribute"/>: same members, but the sizes are
/// properties instead of constants. Prefer the generated class when the sizes are known at build time: it is
/// specialized for them and faster.</para>
/// <para>Threading: an instance is not safe for concurrent calls (it owns preallocated scratch and the streaming
/// state); separate instances are.</para>
/// </remarks>
/// <example>
/// <code>
/// var model = LstmModel.Load("model.safetensors");
/// var y = new float[model.OutputSize];
/// model.Forward(x, y); // x: T × model.InputSize floats, any T ≥ 1
/// </code>
/// </example>
public sealed class LstmModel : RecurrentModel
{
    /// <summary>Creates a model running <paramref name="weights"/> (packed once, here), with the head (if the weights
    /// have one) on the last step.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    public LstmModel(LstmWeights weights)
        : this(weights, Readout.LastStep)
    {
    }

    /// <summary>Creates a model running <paramref name="weights"/> (packed once, here) whose output is
    /// <paramref name="readout"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    public LstmModel(LstmWeights weights, Readout readout)
        : this(weights, readout, WeightPrecision.Float32)
    {
    }

    /// <summary>Creates a model running <paramref name="weights"/> (packed once, here) whose output is
    /// <paramref name="readout"/>, its recurrent weights and biases stored as <paramref name="weightPrecision"/>
    /// (<see cref="WeightPrecision.BFloat16"/>: rounded when packed, half the bytes; docs/weight-precision.md), and
    /// whose batches are laid out as <paramref name="batchFirst"/> says (see <see cref="RecurrentModel.BatchFirst"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="readout"/> or <paramref name="weightPrecision"/> is
    /// not a defined value.</exception>
    public LstmModel(LstmWeights weights, Readout readout, WeightPrecision weightPrecision, bool batchFirst = true)
        : base(weights, gru: false, readout, weightPrecision, batchFirst)
    {
    }

    /// <summary>
    /// Loads a PyTorch <c>state_dict</c> saved with <c>torch.save</c> (<c>.pt</c>, <c>.pth</c>, a checkpoint or a whole
    /// module, see <see cref="PyTorchFile"/>) or with <c>safetensors.torch.save_file</c>, told apart by content (keys
    /// <c>{lstmPrefix}weight_ih_l0</c> … and <c>{fcPrefix}weight</c>, <c>{fcPrefix}bias</c>). The sizes, the number of
    /// layers, <c>bidirectional</c>, <c>proj_size</c> and <c>bias</c> come from the file's keys and shapes; without
    /// <c>{fcPrefix}weight</c> in the file, or with <paramref name="fcPrefix"/> null, the model has no head and outputs
    /// the features; a file whose head is under another prefix or is several layers, or whose <c>{fcPrefix}weight</c>
    /// reads other values than the features, is refused with the <paramref name="fcPrefix"/> that loads it named. <paramref name="readout"/>, <paramref name="weightPrecision"/> and <paramref name="batchFirst"/> are as in
    /// <see cref="LstmModel(LstmWeights, Readout, WeightPrecision, bool)"/>; <paramref name="stateDictKey"/> names the checkpoint entry
    /// that holds the state_dict (e.g. <c>"model_state_dict"</c>), where several hold the model's keys (null: the one that does).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a directory (the message names the weights files in it).</exception>
    /// <exception cref="InvalidDataException">The file is malformed, a tensor is missing or the shapes disagree.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="readout"/> or <paramref name="weightPrecision"/> is
    /// not a defined value.</exception>
    public static LstmModel Load(string path, string lstmPrefix = LstmWeights.DefaultLstmPrefix, string? fcPrefix = RecurrentWeights.DefaultFcPrefix,
        Readout readout = Readout.LastStep, WeightPrecision weightPrecision = WeightPrecision.Float32, string? stateDictKey = null,
        bool batchFirst = true) =>
        new(LstmWeights.Load(path, lstmPrefix, fcPrefix, stateDictKey), readout, weightPrecision, batchFirst);

    /// <summary>Loads a PyTorch <c>state_dict</c> (torch.save or safetensors, told apart by content) from the current position of
    /// <paramref name="stream"/> to its end (the stream is not disposed); the sizes and options come from the content.
    /// <paramref name="readout"/>, <paramref name="weightPrecision"/> and <paramref name="batchFirst"/> are as in
    /// <see cref="LstmModel(LstmWeights, Readout, WeightPrecision, bool)"/>; <paramref name="stateDictKey"/> as in
    /// <see cref="Load(string, string, string?, Readout, WeightPrecision, string?, bool)"/>.</summary>
    /// <exception cref="InvalidDataException">The content is malformed, a tensor is missing or the shapes disagree.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="readout"/> or <paramref name="weightPrecision"/> is
    /// not a defined value.</exception>
    public static LstmModel Load(Stream stream, string lstmPrefix = LstmWeights.DefaultLstmPrefix, string? fcPrefix = RecurrentWeights.DefaultFcPrefix,
        Readout readout = Readout.LastStep, WeightPrecision weightPrecision = WeightPrecision.Float32, string? stateDictKey = null,
        bool batchFirst = true) =>
        new(LstmWeights.Load(stream, lstmPrefix, fcPrefix, stateDictKey), readout, weightPrecision, batchFirst);

    /// <summary>
    /// Runs a batch of sequences of a common length from a given state: as <see cref="RecurrentModel.Forward(ReadOnlySpan{float}, Span{float}, int)"/>,
    /// with <paramref name="h"/> holding h_0 on entry and h_n on return ([NumLayers · D, batchSize, H_out], PyTorch's
    /// layout) and <paramref name="c"/> likewise c_0 and c_n ([NumLayers · D, batchSize, HiddenSize]). For a unidirectional
    /// model, calling again with the same h, c and the next chunk continues the sequences (a bidirectional model's backward
    /// direction must see the whole sequence).
    /// </summary>
    /// <exception cref="ArgumentException">A span has another length (h and c are left unchanged then).</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batchSize, Span<float> h, Span<float> c) =>
        Run(input, output, batchSize, default, padded: false, h, c, withState: true);

    /// <summary>
    /// Runs a batch held in a tensor of shape [batch, T, InputSize] (time-major: [T, batch, InputSize]) from initial states, as PyTorch's
    /// <c>out, (h_n, c_n) = lstm(x, (h_0, c_0))</c>: <paramref name="h0"/> is [NumLayers · D, batch, H_out] and
    /// <paramref name="c0"/> [NumLayers · D, batch, HiddenSize]. Returns the readout, as <see cref="RecurrentModel.Forward(Tensor)"/>
    /// does, and the final states, new tensors; the initial ones are left unchanged.
    /// </summary>
    /// <remarks>Not safe for concurrent calls on one instance.</remarks>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor has another shape.</exception>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, Tensor h0, Tensor c0)
    {
        (Tensor output, Tensor h, Tensor? c) = FromStates(input, h0, c0);
        return (output, h, c!);
    }

    /// <summary>
    /// Runs a padded batch from a given state: as <see cref="RecurrentModel.Forward(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int})"/>,
    /// with h and c as in <see cref="Forward(ReadOnlySpan{float}, Span{float}, int, Span{float}, Span{float})"/>; h_n and
    /// c_n are each sequence's state after its own last step.
    /// </summary>
    /// <exception cref="ArgumentException">A length is 0 or above T, or a span has another length (h and c are left
    /// unchanged then).</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> lengths, Span<float> h, Span<float> c) =>
        Run(input, output, lengths.Length, lengths, padded: true, h, c, withState: true);

    /// <summary>Copies the streaming state into <paramref name="h"/> ([NumLayers, H_out]) and <paramref name="c"/>
    /// ([NumLayers, HiddenSize]), as PyTorch's <c>h_n</c> and <c>c_n</c> for one sequence.</summary>
    /// <exception cref="InvalidOperationException">The model is bidirectional, so it does not stream.</exception>
    /// <exception cref="ArgumentException">A span has another length.</exception>
    public void GetState(Span<float> h, Span<float> c) => CopyStateTo(h, c, withCell: true);

    /// <summary>Sets the streaming state from <paramref name="h"/> ([NumLayers, H_out]) and <paramref name="c"/>
    /// ([NumLayers, HiddenSize]), to resume or warm-start a stream.</summary>
    /// <exception cref="InvalidOperationException">The model is bidirectional, so it does not stream.</exception>
    /// <exception cref="ArgumentException">A span has another length.</exception>
    public void SetState(ReadOnlySpan<float> h, ReadOnlySpan<float> c) => CopyStateFrom(h, c, withCell: true);
}
