using System;
using System.IO;

namespace LstmGen;

/// <summary>
/// A PyTorch <c>nn.LSTM</c> (any <c>num_layers</c>, <c>batch_first=True</c>) followed by an <c>nn.Linear</c> head on the
/// last time step, with every size taken from the weights at run time and any sequence length.
/// </summary>
/// <remarks>
/// <para>The run-time-sized counterpart of a class with <see cref="LstmAttribute"/>: same members, but the sizes are
/// properties instead of constants and <c>Forward</c> accepts any sequence length. Prefer the generated class when the
/// sizes are known at build time: it is specialized for them and faster.</para>
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
    /// <summary>Creates a model running <paramref name="weights"/> (packed once, here).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    public LstmModel(LstmWeights weights)
        : base(weights, gru: false)
    {
    }

    /// <summary>
    /// Loads a PyTorch <c>state_dict</c> saved with <c>torch.save</c> (<c>.pt</c>, <c>.pth</c>, a checkpoint or a whole
    /// module, see <see cref="PyTorchFile"/>) or with <c>safetensors.torch.save_file</c>, told apart by content (keys
    /// <c>{lstmPrefix}weight_ih_l0</c> … and <c>{fcPrefix}weight</c>, <c>{fcPrefix}bias</c>); the sizes and the number
    /// of layers come from the file.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is malformed, a tensor is missing or the shapes disagree.</exception>
    public static LstmModel Load(string path, string lstmPrefix = LstmWeights.DefaultLstmPrefix, string fcPrefix = RecurrentWeights.DefaultFcPrefix) =>
        new(LstmWeights.Load(path, lstmPrefix, fcPrefix));

    /// <summary>Loads a PyTorch <c>state_dict</c> (torch.save or safetensors, told apart by content) from the current position of
    /// <paramref name="stream"/> to its end (the stream is not disposed); the sizes come from the content.</summary>
    /// <exception cref="InvalidDataException">The content is malformed, a tensor is missing or the shapes disagree.</exception>
    public static LstmModel Load(Stream stream, string lstmPrefix = LstmWeights.DefaultLstmPrefix, string fcPrefix = RecurrentWeights.DefaultFcPrefix) =>
        new(LstmWeights.Load(stream, lstmPrefix, fcPrefix));

    /// <summary>Copies the streaming state into <paramref name="h"/> and <paramref name="c"/>, each [NumLayers, HiddenSize]
    /// as PyTorch's <c>h_n</c> and <c>c_n</c> for one sequence.</summary>
    /// <exception cref="ArgumentException">A span does not hold NumLayers × HiddenSize floats.</exception>
    public void GetState(Span<float> h, Span<float> c) => CopyStateTo(h, c, withCell: true);

    /// <summary>Sets the streaming state from <paramref name="h"/> and <paramref name="c"/>, each [NumLayers, HiddenSize],
    /// to resume or warm-start a stream.</summary>
    /// <exception cref="ArgumentException">A span does not hold NumLayers × HiddenSize floats.</exception>
    public void SetState(ReadOnlySpan<float> h, ReadOnlySpan<float> c) => CopyStateFrom(h, c, withCell: true);
}
