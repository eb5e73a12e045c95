using System;
using System.Collections.Generic;
using System.IO;
using LstmGen;

const string Usage = """
    Usage: lstmgen inspect <file> [--prefix <prefix>] [--state-dict-key <key>]

    Prints the [Lstm] or [Gru] declaration that runs a PyTorch weights file (safetensors, or a .pt/.pth from torch.save:
    a state_dict, a checkpoint or a whole module; or from torch.jit.save), then every tensor of its state_dict with
    dtype and shape.

      --prefix <prefix>         the recurrent module's key prefix, to choose one when the file holds several
      --state-dict-key <key>    the checkpoint entry holding the state_dict, when the file holds several
    """;

if (args is ["-h" or "--help"])
{
    Console.WriteLine(Usage);
    return 0;
}
if (Parse(args) is not var (path, prefix, stateDictKey))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

ModelInfo info;
try
{
    info = ModelInfo.Read(path, prefix, stateDictKey);
}
// ArgumentException: a path the file system refuses, such as an empty one.
catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
{
    Console.Error.WriteLine($"lstmgen: {error.Message}");
    return 1;
}
Console.WriteLine(info);
Console.WriteLine();
Console.WriteLine($"{info.Tensors.Count} tensor{(info.Tensors.Count == 1 ? "" : "s")}:");
foreach (TensorDescription tensor in info.Tensors)
    Console.WriteLine($"  {tensor}");
return 0;

// inspect <file> with its options in any order; null for anything else.
static (string Path, string? Prefix, string? StateDictKey)? Parse(IReadOnlyList<string> args)
{
    if (args.Count < 2 || args[0] != "inspect") return null;
    string? path = null, prefix = null, stateDictKey = null;
    for (int i = 1; i < args.Count; i++)
    {
        switch (args[i])
        {
            case "--prefix" when prefix is null && i + 1 < args.Count:
                prefix = args[++i];
                break;
            case "--state-dict-key" when stateDictKey is null && i + 1 < args.Count:
                stateDictKey = args[++i];
                break;
            case var argument when path is null && !argument.StartsWith("--", StringComparison.Ordinal):
                path = argument;
                break;
            default:
                return null;
        }
    }
    return path is null ? null : (path, prefix, stateDictKey);
}
