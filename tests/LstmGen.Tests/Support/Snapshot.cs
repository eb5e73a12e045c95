using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
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

    // The first differing lines, with line numbers: enough to see what changed.
    private static string Diff(string expected, string actual)
    {
        string[] before = expected.Split('\n'), after = actual.Split('\n');
        var text = new StringBuilder();
        int shown = 0;
        for (int line = 0; line < Math.Max(before.Length, after.Length) && shown < 20; line++)
        {
            string? old = line < before.Length ? before[line] : null;
            string? @new = line < after.Length ? after[line] : null;
            if (old == @new) continue;
            if (old is not null) text.AppendLine($"{line + 1,5} - {old}");
            if (@new is not null) text.AppendLine($"{line + 1,5} + {@new}");
            shown++;
        }
        return text.ToString();
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
