using System;
using System.Collections.Generic;
using System.Linq;
using LstmGen.Kernels;
using LstmGen.Tests.Parity;
using Xunit;
using Xunit.Abstractions;

namespace LstmGen.Tests.Runtime;

/// <summary>
/// The run-time-sized models on every <c>nn.LSTM</c>/<c>nn.GRU</c> option (Golden/pytorch): libtorch parity of every
/// readout, <c>out</c>, h_n and c_n through every overload, from .safetensors and .pt weights, on every kernel path.
/// </summary>
public class OptionModelTests
{
    private readonly ITestOutputHelper _output;

    public OptionModelTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> CasesAndPaths() =>
        from name in OptionGolden.Names from path in FallbackModelTests.Paths() select new object[] { name, path.ToString() };

    [Theory]
    [MemberData(nameof(CasesAndPaths))]
    public void Golden_case_matches_libtorch_through_every_overload_and_readout(string caseName, string pathName)
    {
        OptionGolden golden = OptionGolden.Load(caseName);
        Dictionary<string, float> errors = golden.AllErrors(Enum.Parse<KernelPath>(pathName));
        float worst = errors.Values.Max();
        _output.WriteLine($"{caseName} {pathName}: {errors.Count} checks, max {worst:E2}");
        foreach ((string what, float error) in errors.Where(e => !(e.Value <= GoldenParity.Tolerance)))
            _output.WriteLine($"  {what}: {error:E2}");
        Assert.True(worst <= GoldenParity.Tolerance, $"{caseName} {pathName}: max {worst:E2}; " +
            string.Join(", ", errors.Where(e => !(e.Value <= GoldenParity.Tolerance)).Select(e => $"{e.Key} {e.Value:E2}")));
        // Every overload was exercised: state ones always, zero-state ones unless the case starts from h0.
        Assert.Contains(errors.Keys, k => k.EndsWith(" h_n", StringComparison.Ordinal));
        if (!golden.HasInitialState) Assert.Contains(errors.Keys, k => k.EndsWith(" lengths", StringComparison.Ordinal));
    }
}
