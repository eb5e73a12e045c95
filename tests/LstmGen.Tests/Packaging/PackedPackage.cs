using System;
using System.Collections.Generic;
using System.IO;
using LstmGen.Tests.Support;

namespace LstmGen.Tests.Packaging;

/// <summary>
/// LstmGen packed once for a test class (dotnet pack runtime) into a local folder, and fresh projects outside the
/// repository that reference only that package, restored through a private NuGet cache.
/// </summary>
public sealed class PackedPackage : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "lstmgen-consumer-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _feed;

    public PackedPackage()
    {
        _feed = Path.Combine(_work, "feed");
        Version = "0.1.0-consumer." + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
        string runtime = Path.Combine(Commands.RepositoryRoot(), "runtime");
        Dotnet(runtime, "pack", runtime, "-c", "Release", "-o", _feed, $"-p:Version={Version}");
    }

    public string Version { get; }

    public string Package => Path.Combine(_feed, $"LstmGen.{Version}.nupkg");

    /// <summary>A new folder with a nuget.config whose only source is the packed package.</summary>
    public string CreateProjectFolder(string name)
    {
        string folder = Path.Combine(_work, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{_feed}" />
              </packageSources>
            </configuration>
            """);
        return folder;
    }

    /// <summary>Runs dotnet with a private NuGet cache, so the freshly packed version is what restores; fails the test unless it succeeds.</summary>
    public static string Dotnet(string directory, params string[] arguments) =>
        Commands.Run(directory, "dotnet", arguments, Environment);

    /// <summary>Runs dotnet as <see cref="Dotnet"/> does, for a command expected to fail.</summary>
    public static (int ExitCode, string Output) TryDotnet(string directory, params string[] arguments) =>
        Commands.Try(directory, "dotnet", arguments, Environment);

    private static Dictionary<string, string> Environment => new()
    {
        ["NUGET_PACKAGES"] = Path.Combine(Path.GetTempPath(), "lstmgen-consumer-nuget"),
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
