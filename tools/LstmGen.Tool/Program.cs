using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using LstmGen;

const string Usage = """
    Usage: lstmgen inspect <file> [--prefix <prefix>] [--state-dict-key <key>]
           lstmgen --version

    Prints the [Lstm] or [Gru] declaration that runs a PyTorch weights file (safetensors, or a .pt/.pth from torch.save:
    a state_dict, a checkpoint or a whole module; or from torch.jit.save), with batches laid out batch-first, then
    every tensor of its state_dict with dtype and shape, marking those the model does not read.

      --prefix <prefix>         the recurrent module's key prefix, to choose one when the file holds several
      --state-dict-key <key>    the checkpoint entry holding the state_dict, when the file holds several
    """;

if (args is ["-h" or "--help"])
{
    Console.WriteLine(Usage);
    return 0;
}
if (args is ["--version"])
{
    Console.WriteLine($"lstmgen {typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}");
    return 0;
}
(string? path, string? prefix, string? stateDictKey, string? problem) = Parse(args);
if (path is null)
{
    if (problem is not null) Console.Error.WriteLine($"lstmgen: {problem}");
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
Console.WriteLine("// batch_first is not in the file: for a module built without batch_first=True (batches [T, batch, …]), add BatchFirst = false.");
Console.WriteLine();
Console.WriteLine($"{info.Tensors.Count} tensor{(info.Tensors.Count == 1 ? "" : "s")}:");
foreach (TensorDescription tensor in info.Tensors)
    Console.WriteLine(info.OtherTensors.Any(other => ReferenceEquals(other, tensor)) ? $"  {tensor}  (not read by the model)" : $"  {tensor}");
return 0;

// inspect <file> with its options in any order; else no path, and what is wrong (nothing for no arguments at all).
static (string? Path, string? Prefix, string? StateDictKey, string? Problem) Parse(IReadOnlyList<string> args)
{
    if (args.Count == 0)
        return (null, null, null, null);
    if (args[0] != "inspect")
        return (null, null, null, $"unknown command '{args[0]}'; the command is inspect.");
    string? path = null, prefix = null, stateDictKey = null;
    for (int i = 1; i < args.Count; i++)
    {
        string argument = args[i];
        if (argument is "--prefix" or "--state-dict-key")
        {
            if (i + 1 == args.Count)
                return (null, null, null, $"{argument} needs a value.");
            if ((argument == "--prefix" ? prefix : stateDictKey) is not null)
                return (null, null, null, $"{argument} is given twice.");
            if (argument == "--prefix") prefix = args[++i];
            else stateDictKey = args[++i];
        }
        else if (argument.StartsWith("--", StringComparison.Ordinal))
            return (null, null, null, $"unknown option '{argument}'.");
        else if (path is not null)
            return (null, null, null, $"one file at a time: got '{path}' and '{argument}'.");
        else
            path = argument;
    }
    return (path, prefix, stateDictKey, path is null ? "expected a weights file after inspect." : null);
}
