namespace LstmGen;

/// <summary>
/// How a model stores its recurrent weights: a generated one (<see cref="RecurrentModelAttribute.WeightPrecision"/>) or a
/// run-time-sized one (the <see cref="LstmModel"/> and <see cref="GruModel"/> constructors and <c>Load</c>).
/// </summary>
public enum WeightPrecision
{
    /// <summary>32-bit floats, as PyTorch's. The default: results agree with PyTorch's to float32 rounding.</summary>
    Float32,

    /// <summary>
    /// bfloat16: each weight and bias rounded to 8 significant bits (7 stored; to nearest, ties to even), half
    /// the bytes of <see cref="Float32"/>. The arithmetic stays float32; the kernel widens each weight as it reads it.
    /// For models whose weights outgrow the CPU's L2 cache, where a step waits on reading them: halving the bytes per
    /// step makes it faster, at an accuracy cost of about 1e-3 (docs/weight-precision.md). The Linear head and W_hr
    /// stay float32.
    /// </summary>
    BFloat16,
}
