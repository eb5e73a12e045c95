using System;
using System.IO;
using System.Linq;

namespace LstmGen;

/// <summary>Opens a weights file by path for the loaders, with a message that helps where the path is a directory.</summary>
internal static class WeightsPath
{
    // What a directory of saved weights holds (a Hugging Face model folder: model.safetensors, pytorch_model.bin).
    private static readonly string[] WeightsExtensions = [".safetensors", ".pt", ".pth", ".bin"];

    /// <summary>The file at <paramref name="path"/>, opened for reading.</summary>
    /// <exception cref="FileNotFoundException">No file is there, or a directory, whose weights files the message names.</exception>
    public static FileStream Open(string path, int bufferSize, FileOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        // A directory would get UnauthorizedAccessException ("Access to the path is denied"), which sends users to
        // its permissions.
        if (Directory.Exists(path))
        {
            string[]? files = WeightsFilesIn(path);
            throw new FileNotFoundException(files switch
            {
                null => $"{path} is a directory, not a weights file.",
                [] => $"{path} is a directory, not a weights file, and holds no {string.Join(", ", WeightsExtensions)} file.",
                _ => $"{path} is a directory, not a weights file: pass the path of the file in it ({string.Join(", ", files.Take(5))}" +
                    $"{(files.Length > 5 ? $" and {files.Length - 5} more" : "")}).",
            }, path);
        }
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, options);
    }

    // The names of the weights files in a directory, or null when it cannot be listed.
    private static string[]? WeightsFilesIn(string directory)
    {
        try
        {
            return Directory.EnumerateFiles(directory)
                .Where(file => WeightsExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                .Select(file => Path.GetFileName(file)).Order(StringComparer.Ordinal).ToArray();
        }
        catch (Exception error) when (error is UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }
}
