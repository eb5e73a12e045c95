using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using DiffPlex.Renderer;
using Xunit.Sdk;

namespace LstmGen.Tests.Support;

/// <summary>
/// Verify's pattern, kept small: the expected text is committed as <c>Snapshots/NAME.verified.cs</c>.
/// On a mismatch the actual text is written to <c>NAME.received.cs</c> (gitignored) and the test fails
/// with a diff; run with <c>LSTMGEN_ACCEPT_SNAPSHOTS=1</c> to accept the new output.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "LSTMGEN_ACCEPT_SNAPSHOTS";

    public static void Verify(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(FindProjectDirectory(callerPath), "Snapshots");
        string verifiedPath = Path.Combine(directory, name + ".verified.cs");
        string receivedPath = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace(GeneratorHarness.GeneratorVersion, "%VERSION%").Replace("\r\n", "\n");

        string? expected = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verifiedPath, actual);
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        string message = expected is null
            ? $"No snapshot {verifiedPath} yet. Review {receivedPath}, then accept it with {AcceptVariable}=1."
            : $"Generated code differs from {verifiedPath} (actual written to {receivedPath}; accept with {AcceptVariable}=1):\n{Diff(expected, actual)}";
        throw new XunitException(message);
    }

    /// <summary>The diff shown on a mismatch: unified hunks with 3 lines of context, cut after this many lines.</summary>
    internal const int MaxDiffLines = 80;

    internal static string Diff(string expected, string actual)
    {
        // DiffPlex reads the end of a text that ends in a newline as one more, empty, line.
        if (expected.EndsWith('\n') && actual.EndsWith('\n'))
            (expected, actual) = (expected[..^1], actual[..^1]);
        string[] lines = UnidiffRenderer.GenerateUnidiff(expected, actual, "verified", "received", ignoreWhitespace: false, ignoreCase: false, contextLines: 3)
            .TrimEnd('\n')
            .Split('\n');
        return lines.Length <= MaxDiffLines
            ? string.Join("\n", lines)
            : string.Join("\n", lines.Take(MaxDiffLines)) + $"\n… {lines.Length - MaxDiffLines} more diff lines (see the received file)";
    }

    private static string FindProjectDirectory(string callerPath)
    {
        for (string? directory = Path.GetDirectoryName(callerPath); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "LstmGen.Tests.csproj")))
                return directory;
        }
        throw new InvalidOperationException($"No LstmGen.Tests.csproj above {callerPath}.");
    }
}
