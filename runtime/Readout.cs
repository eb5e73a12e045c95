namespace LstmGen;

/// <summary>What a model's Linear head reads of the last recurrent layer (without a head: what the model outputs).</summary>
public enum Readout
{
    /// <summary>
    /// The last layer's output at each sequence's last step, PyTorch's <c>out[:, -1, :]</c> (at step
    /// <c>lengths[b] − 1</c> of a padded batch): the seed notebook's <c>fc(out[:, -1, :])</c>. The default.
    /// </summary>
    LastStep,

    /// <summary>
    /// The last layer's final hidden state over its directions, <c>h_n</c>: <c>torch.cat((h_n[-2], h_n[-1]), 1)</c> for a
    /// bidirectional model, the usual classifier; the same as <see cref="LastStep"/> for a unidirectional one.
    /// </summary>
    FinalState,

    /// <summary>Every step: [T, OutputSize] per sequence (taggers, seq2seq); the padded steps of a padded batch are 0.</summary>
    EveryStep,
}
