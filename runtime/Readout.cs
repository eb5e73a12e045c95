namespace LstmGen;

/// <summary>What a model's head (or, without one, its output) reads from the last layer.</summary>
public enum Readout
{
    /// <summary>Each sequence's output at its last (valid) step, PyTorch's <c>out[:, -1, :]</c>: one output per sequence.</summary>
    LastStep,

    /// <summary>The last layer's final hidden state over its directions, <c>torch.cat((h_n[-2], h_n[-1]), 1)</c> when
    /// bidirectional (the usual classifier); the same as <see cref="LastStep"/> when unidirectional.</summary>
    FinalState,

    /// <summary>The output at every step: [T, O] per sequence, zero at a padded sequence's steps past its length.</summary>
    EveryStep,
}
