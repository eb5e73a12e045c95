using System;
using System.IO;

namespace LstmGen;

/// <summary>
/// A PyTorch <c>nn.GRU</c> (any <c>num_layers</c>, <c>batch_first=True</c>) followed by an <c>nn.Linear</c> head on the
/// last time step, with every size taken from the weights at run time and any sequence length.
/// </summary>
/// <remarks>
/// <para>The run-time-sized counterpart of a class with <see cref="GruAttribute"/>: same members, but the sizes are
/// properties instead of constants and <c>Forward</c> accepts any sequence length. Prefer the generated class when the
/// sizes are known at build time: it is specialized for them and faster.</para>
/// <para>Threading: an instance is not safe for concurrent calls (it owns preallocated scratch and the streaming
/// state); separate instances are.</para>
/// </remarks>
public sealed class GruModel : RecurrentModel
{
    /// <summary>Creates a model running <paramref name="weights"/> (packed once, here).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> is null.</exception>
    public GruModel(GruWeights weights)
        : base(weights, gru: true)
    {
    }

    /// <summary>
    /// Loads a PyTorch <c>state_dict</c> saved with <c>torch.save</c> (<c>.pt</c>, <c>.pth</c>, a checkpoint or a whole
    /// module, see <see cref="PyTorchFile"/>) or with <c>safetensors.torch.save_file</c>, told apart by content (keys
    /// <c>{gruPrefix}weight_ih_l0</c> … and <c>{fcPrefix}weight</c>, <c>{fcPrefix}bias</c>); the sizes and the number
    /// of layers come from the file.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is malformed, a tensor is missing or the shapes disagree.</exception>
    public static GruModel Load(string path, string gruPrefix = GruWeights.DefaultGruPrefix, string fcPrefix = RecurrentWeights.DefaultFcPrefix) =>
        new(GruWeights.Load(path, gruPrefix, fcPrefix));

    /// <summary>Loads a PyTorch <c>state_dict</c> (torch.save or safetensors, told apart by content) from the current position of
    /// <paramref name="stream"/> to its end (the stream is not disposed); the sizes come from the content.</summary>
    /// <exception cref="InvalidDataException">The content is malformed, a tensor is missing or the shapes disagree.</exception>
    public static GruModel Load(Stream stream, string gruPrefix = GruWeights.DefaultGruPrefix, string fcPrefix = RecurrentWeights.DefaultFcPrefix) =>
        new(GruWeights.Load(stream, gruPrefix, fcPrefix));

    /// <summary>Copies the streaming state into <paramref name="h"/>, [NumLayers, HiddenSize] as PyTorch's <c>h_n</c>
    /// for one sequence.</summary>
    /// <exception cref="ArgumentException"><paramref name="h"/> does not hold NumLayers × HiddenSize floats.</exception>
    public void GetState(Span<float> h) => CopyStateTo(h, default, withCell: false);

    /// <summary>Sets the streaming state from <paramref name="h"/>, [NumLayers, HiddenSize], to resume or warm-start a
    /// stream.</summary>
    /// <exception cref="ArgumentException"><paramref name="h"/> does not hold NumLayers × HiddenSize floats.</exception>
    public void SetState(ReadOnlySpan<float> h) => CopyStateFrom(h, default, withCell: false);
}
