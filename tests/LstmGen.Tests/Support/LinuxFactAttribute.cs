using System;
using Xunit;

namespace LstmGen.Tests.Support;

/// <summary>A fact that needs Linux (e.g. QEMU user-mode emulation): reported as skipped elsewhere, never silently passed.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "needs Linux";
    }
}
