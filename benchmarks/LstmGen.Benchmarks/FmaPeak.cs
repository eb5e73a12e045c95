using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using LstmGen.Kernels;

namespace LstmGen.Benchmarks;

/// <summary>
/// This core's fp32 multiply-add peak: <see cref="Chains"/> independent chains <c>acc = a · b + acc</c> of the widest
/// accelerated vector, through the runtime's <see cref="ISimd{TVector}.MultiplyAdd(TVector, TVector, TVector)"/>, the
/// instruction the generated kernel's sweeps issue (there too the running sum is the addend). Each multiply-add waits
/// for the one before it in its chain, so one chain runs at the FMA latency; 12 of them keep up to 3 pipes of 4-cycle
/// latency busy. A call runs <see cref="Iterations"/> rounds and BenchmarkDotNet divides by Chains × Iterations:
/// the time is ns per vector multiply-add, and lane multiply-adds per ns = <see cref="Lanes"/> ÷ that time.
/// The report divides each batched case's multiply-adds by this peak for the case's floor.
/// </summary>
[BenchmarkCategory("fma")]
public class FmaPeak
{
    public const int Chains = 12;
    public const int Iterations = 16384;

    // A field, not a constant, so the JIT cannot fold a · b away. With a = b = 1 every lane of every chain ends at
    // exactly Iterations (< 2²⁴), which the setup checks.
    private readonly float _one = 1f;

    /// <summary>Floats per vector: the widest accelerated width, recorded so a saved result knows what it measured.</summary>
    [ParamsSource(nameof(WidestLanes))] public int Lanes { get; set; } = WidestLanes().Single();

    public static IEnumerable<int> WidestLanes() =>
        [Vector512.IsHardwareAccelerated ? Simd512.Lanes : Vector256.IsHardwareAccelerated ? Simd256.Lanes : Simd128.Lanes];

    [GlobalSetup]
    public void Setup()
    {
        float sum = MultiplyAdds();
        float expected = (float)Chains * Lanes * Iterations;
        if (sum != expected)
            throw new InvalidOperationException($"VALIDATION FAILED: {Chains} multiply-add chains of {Lanes} lanes sum to {sum}, not {expected}.");
    }

    [Benchmark(OperationsPerInvoke = Chains * Iterations)]
    public float MultiplyAdds() => Lanes switch
    {
        16 => Run<Simd512, Vector512<float>>(_one),
        8 => Run<Simd256, Vector256<float>>(_one),
        4 => Run<Simd128, Vector128<float>>(_one),
        _ => throw new InvalidOperationException($"no vector of {Lanes} floats"),
    };

    /// <summary>Runs the chains and returns the sum of every lane of every chain.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Run<TSimd, TVector>(float one) where TSimd : ISimd<TVector> where TVector : struct
    {
        TVector a = TSimd.Create(one);
        TVector c0 = TSimd.Zero, c1 = TSimd.Zero, c2 = TSimd.Zero, c3 = TSimd.Zero, c4 = TSimd.Zero, c5 = TSimd.Zero;
        TVector c6 = TSimd.Zero, c7 = TSimd.Zero, c8 = TSimd.Zero, c9 = TSimd.Zero, c10 = TSimd.Zero, c11 = TSimd.Zero;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = TSimd.MultiplyAdd(a, a, c0);
            c1 = TSimd.MultiplyAdd(a, a, c1);
            c2 = TSimd.MultiplyAdd(a, a, c2);
            c3 = TSimd.MultiplyAdd(a, a, c3);
            c4 = TSimd.MultiplyAdd(a, a, c4);
            c5 = TSimd.MultiplyAdd(a, a, c5);
            c6 = TSimd.MultiplyAdd(a, a, c6);
            c7 = TSimd.MultiplyAdd(a, a, c7);
            c8 = TSimd.MultiplyAdd(a, a, c8);
            c9 = TSimd.MultiplyAdd(a, a, c9);
            c10 = TSimd.MultiplyAdd(a, a, c10);
            c11 = TSimd.MultiplyAdd(a, a, c11);
        }
        TVector all = TSimd.Add(
            TSimd.Add(TSimd.Add(TSimd.Add(c0, c1), TSimd.Add(c2, c3)), TSimd.Add(TSimd.Add(c4, c5), TSimd.Add(c6, c7))),
            TSimd.Add(TSimd.Add(c8, c9), TSimd.Add(c10, c11)));
        float sum = 0;
        for (int lane = 0; lane < TSimd.Lanes; lane++) sum += TSimd.GetElement(all, lane);
        return sum;
    }
}
