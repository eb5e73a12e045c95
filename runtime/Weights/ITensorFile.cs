using System.Collections.Generic;

namespace LstmGen;

/// <summary>What <see cref="RecurrentWeights"/> reads a state_dict through: <see cref="SafetensorsFile"/> and
/// <see cref="PyTorchFile"/> both offer it, so both formats are checked by the same code.</summary>
internal interface ITensorFile
{
    /// <summary>Begins every error message.</summary>
    string SourceName { get; }

    IReadOnlyList<string> TensorNames { get; }

    bool Contains(string name);

    IReadOnlyList<int> GetShape(string name);

    /// <summary>The element type as the format names it (<c>F32</c>, <c>BF16</c>, …), readable as floats or not.</summary>
    string GetDType(string name);

    Tensor ReadTensor(string name);
}
