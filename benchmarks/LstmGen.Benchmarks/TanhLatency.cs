using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using LstmGen.Kernels;

namespace LstmGen.Benchmarks;

/// <summary>
/// The latency of the runtime's vector <c>tanh</c> (<see cref="KernelMath"/>, the one every generated cell calls) on the
/// widest accelerated vector: one chain <c>x = tanh(x)</c>, each call waiting for the one before it. A call runs
/// <see cref="Iterations"/> of them and BenchmarkDotNet divides by that: ns per dependent <c>tanh</c>.
/// An LSTM step runs two of them one after the other (a gate's, then c_t's), so a sequence of T steps takes at least
/// 2·T of these however its multiply-adds are arranged; the report sets that floor beside the seed's goal.
/// </summary>
[BenchmarkCategory("fma")]
public class TanhLatency
{
    public const int Iterations = 16384;

    // A field, so the JIT cannot fold the chain; tanh shrinks it slowly (about √(3 / 2n) after n calls), far from the
    // tiny and saturated ranges where the result is a constant.
    private readonly float _start = 0.7f;

    /// <summary>Floats per vector: the widest accelerated width, as in <see cref="FmaPeak"/>.</summary>
    [ParamsSource(nameof(WidestLanes))] public int Lanes { get; set; } = FmaPeak.WidestLanes().Single();

    public static IEnumerable<int> WidestLanes() => FmaPeak.WidestLanes();

    [GlobalSetup]
    public void Setup()
    {
        float vector = DependentTanh(), scalar = _start;
        for (int i = 0; i < Iterations; i++) scalar = KernelMath.Tanh(scalar);
        if (Math.Abs(vector - scalar) > 1e-6f)
            throw new InvalidOperationException($"VALIDATION FAILED: the vector tanh chain ends at {vector}, the scalar one at {scalar}.");
    }

    [Benchmark(OperationsPerInvoke = Iterations)]
    public float DependentTanh() => Lanes switch
    {
        16 => Chain512(Vector512.Create(_start)),
        8 => Chain256(Vector256.Create(_start)),
        4 => Chain128(Vector128.Create(_start)),
        _ => throw new InvalidOperationException($"no vector of {Lanes} floats"),
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chain512(Vector512<float> x)
    {
        for (int i = 0; i < Iterations; i++) x = KernelMath.Tanh(x);
        return x.GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chain256(Vector256<float> x)
    {
        for (int i = 0; i < Iterations; i++) x = KernelMath.Tanh(x);
        return x.GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chain128(Vector128<float> x)
    {
        for (int i = 0; i < Iterations; i++) x = KernelMath.Tanh(x);
        return x.GetElement(0);
    }
}
