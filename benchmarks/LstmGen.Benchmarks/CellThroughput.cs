using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using LstmGen.Kernels;

namespace LstmGen.Benchmarks;

/// <summary>
/// The throughput of the runtime's LSTM cell update (<see cref="ISimd{TVector}.LstmCell"/>, the one every generated
/// layer step calls) on the widest accelerated vector: <see cref="Vectors"/> independent updates per call, each of one
/// vector of units from its four gate vectors, as a block step runs them once every tile's multiply-adds are done.
/// BenchmarkDotNet divides by <see cref="Vectors"/>: ns per vector of cell updates. The report sets a batched case's
/// updates at this rate beside its FMA floor.
/// </summary>
[BenchmarkCategory("fma")]
public class CellThroughput
{
    /// <summary>Updates per call: their gates, c and h take 24 KB at 16 lanes, within L1.</summary>
    public const int Vectors = 64;

    // Gate vectors per update, side by side: i, f, g, o.
    private const int Gates = 4;

    private AlignedBuffer _gates = null!, _cells = null!, _hidden = null!;

    /// <summary>Floats per vector: the widest accelerated width, as in <see cref="FmaPeak"/>.</summary>
    [ParamsSource(nameof(WidestLanes))] public int Lanes { get; set; } = FmaPeak.WidestLanes().Single();

    public static IEnumerable<int> WidestLanes() => FmaPeak.WidestLanes();

    [GlobalSetup]
    public void Setup()
    {
        // Pre-activations in [−2, 2], as trained gates mostly are; c then settles at a fixed point of |c| < 1 / (1 − σ(f)).
        _gates = new AlignedBuffer(Vectors * Gates * Lanes);
        var random = new Random(Cases.Seed);
        foreach (ref float gate in _gates.Span) gate = (float)(random.NextDouble() * 4 - 2);
        _cells = new AlignedBuffer(Vectors * Lanes);
        _hidden = new AlignedBuffer(Vectors * Lanes);

        // Check one update against the scalar cell, which the kernel tests hold to the same bits.
        Span<float> gates = _gates.Span;
        float i = gates[0], f = gates[Lanes], g = gates[2 * Lanes], o = gates[3 * Lanes], c = 0, h = 0;
        KernelMath.LstmCell(i, f, g, o, ref c, ref h);
        Updates();
        if (_hidden.Span[0] != h || _cells.Span[0] != c)
            throw new InvalidOperationException($"VALIDATION FAILED: the vector cell update gives h {_hidden.Span[0]}, c {_cells.Span[0]}; the scalar one {h}, {c}.");
        _cells.Span.Clear();
    }

    [Benchmark(OperationsPerInvoke = Vectors)]
    public void Updates()
    {
        switch (Lanes)
        {
            case 16: Run<Simd512, Vector512<float>>(_gates, _cells, _hidden); break;
            case 8: Run<Simd256, Vector256<float>>(_gates, _cells, _hidden); break;
            case 4: Run<Simd128, Vector128<float>>(_gates, _cells, _hidden); break;
            default: throw new InvalidOperationException($"no vector of {Lanes} floats");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Run<TSimd, TVector>(AlignedBuffer gates, AlignedBuffer cells, AlignedBuffer hidden)
        where TSimd : ISimd<TVector> where TVector : struct
    {
        ref float gate = ref gates.Span[0];
        ref float cell = ref cells.Span[0];
        ref float h = ref hidden.Span[0];
        int lanes = TSimd.Lanes;
        for (int v = 0; v < Vectors; v++)
        {
            ref float unit = ref Unsafe.Add(ref gate, v * Gates * lanes);
            TSimd.LstmCell(TSimd.Load(ref unit, 0), TSimd.Load(ref unit, lanes), TSimd.Load(ref unit, 2 * lanes), TSimd.Load(ref unit, 3 * lanes),
                ref Unsafe.Add(ref cell, v * lanes), ref Unsafe.Add(ref h, v * lanes));
        }
    }
}
