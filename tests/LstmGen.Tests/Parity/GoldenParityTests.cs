using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace LstmGen.Tests.Parity;

/// <summary>Every golden case, through every Forward overload, within 1e-5 of libtorch.</summary>
public class GoldenParityTests
{
    public static IEnumerable<object[]> CasesAndApis() =>
        from name in GoldenParity.Cases.Keys
        from api in Enum.GetValues<GoldenParity.Api>()
        select new object[] { name, api };

    [Theory]
    [MemberData(nameof(CasesAndApis))]
    public void Matches_libtorch(string caseName, GoldenParity.Api api)
    {
        float error = GoldenParity.MaxError(caseName, api);
        Assert.True(error <= GoldenParity.Tolerance, $"{caseName} via {api}: max |y − y_torch| = {error:E2} > {GoldenParity.Tolerance:E0}");
    }
}
