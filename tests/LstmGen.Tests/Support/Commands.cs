using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit;

namespace LstmGen.Tests.Support;

/// <summary>Runs the commands a user would (dotnet pack, publish, run) for the packaging tests.</summary>
internal static class Commands
{
    /// <summary>Tests that build the repository's projects share this collection, so they never build at once.</summary>
    public const string BuildCollection = "Builds of the repository";

    /// <summary>Runs a command to completion, fails the test on a non-zero exit code, returns stdout + stderr.</summary>
    public static string Run(string directory, string command, string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        (int exitCode, string output) = Try(directory, command, arguments, environment);
        Assert.True(exitCode == 0, $"{command} {string.Join(' ', arguments)} failed ({exitCode}):\n{output}");
        return output;
    }

    /// <summary>Runs a command to completion and returns its exit code and stdout + stderr.</summary>
    public static (int ExitCode, string Output) Try(string directory, string command, string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    /// <summary>The repository's root folder (where LstmGen.sln is).</summary>
    public static string RepositoryRoot([CallerFilePath] string callerPath = "")
    {
        for (string? directory = Path.GetDirectoryName(callerPath); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "LstmGen.sln"))) return directory;
        }
        throw new InvalidOperationException($"No LstmGen.sln above {callerPath}.");
    }
}
