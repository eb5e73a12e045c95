using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

/// <summary>
/// This machine's read bandwidth from cache: one pass summing a 64-byte-aligned float buffer with the widest
/// accelerated vector loads, 8 independent accumulators. 512 KB stays in L2; 1.5 MB does not fit an L2 of 1 MB or
/// less and streams from L3. The buffer is read over and over, so every pass after the first finds it in cache.
/// GB/s = bytes ÷ ns per pass. The weight-streaming section of the report divides by these numbers.
/// </summary>
[BenchmarkCategory("bandwidth")]
public unsafe class ReadBandwidth
{
    private float* _data;
    private int _length;

    [Params(512, 1536)] public int KB { get; set; } = 512;

    [GlobalSetup]
    public void Setup()
    {
        _length = KB * 1024 / sizeof(float);
        _data = (float*)NativeMemory.AlignedAlloc((nuint)(_length * sizeof(float)), 64);
        new Span<float>(_data, _length).Fill(1f);
        float sum = Sum();
        if (sum != _length)
            throw new InvalidOperationException($"VALIDATION FAILED: read-bandwidth sum {sum} != {_length}.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_data);
        _data = null;
    }

    [Benchmark]
    public float Sum()
    {
        if (Vector512.IsHardwareAccelerated) return Sum512(_data, _length);
        if (Vector256.IsHardwareAccelerated) return Sum256(_data, _length);
        return Sum128(_data, _length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Sum512(float* p, int n)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int i = 0; i < n; i += 8 * 16)
        {
            a0 += Vector512.LoadAligned(p + i);
            a1 += Vector512.LoadAligned(p + i + 16);
            a2 += Vector512.LoadAligned(p + i + 32);
            a3 += Vector512.LoadAligned(p + i + 48);
            a4 += Vector512.LoadAligned(p + i + 64);
            a5 += Vector512.LoadAligned(p + i + 80);
            a6 += Vector512.LoadAligned(p + i + 96);
            a7 += Vector512.LoadAligned(p + i + 112);
        }
        return Vector512.Sum((a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Sum256(float* p, int n)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int i = 0; i < n; i += 8 * 8)
        {
            a0 += Vector256.LoadAligned(p + i);
            a1 += Vector256.LoadAligned(p + i + 8);
            a2 += Vector256.LoadAligned(p + i + 16);
            a3 += Vector256.LoadAligned(p + i + 24);
            a4 += Vector256.LoadAligned(p + i + 32);
            a5 += Vector256.LoadAligned(p + i + 40);
            a6 += Vector256.LoadAligned(p + i + 48);
            a7 += Vector256.LoadAligned(p + i + 56);
        }
        return Vector256.Sum((a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Sum128(float* p, int n)
    {
        Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0; i < n; i += 4 * 4)
        {
            a0 += Vector128.LoadAligned(p + i);
            a1 += Vector128.LoadAligned(p + i + 4);
            a2 += Vector128.LoadAligned(p + i + 8);
            a3 += Vector128.LoadAligned(p + i + 12);
        }
        return Vector128.Sum((a0 + a1) + (a2 + a3));
    }

    /// <summary>The vector width <see cref="Sum"/> reads with.</summary>
    public static string LoadWidth => Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "Vector128";
}

/// <summary>Facts the weight-streaming section needs that a benchmark does not measure: cache sizes and weights per step.</summary>
public static class WeightStreaming
{
    /// <summary>
    /// Bytes of packed weights a generated model reads per time step: the length of its <c>_packedWeights</c>
    /// minus the Linear head (O·H + O floats, read once per sequence), × 4 bytes.
    /// </summary>
    public static WeightFacts Facts<TCase>(Func<object> createModel) where TCase : struct, ILstmCase<TCase>
    {
        CaseInfo info = TCase.Info;
        object model = createModel();
        FieldInfo field = model.GetType().GetField("_packedWeights", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException($"{model.GetType().Name} has no _packedWeights field.");
        var packed = (LstmGen.Kernels.PackedWeights)(field.GetValue(model) ?? throw new InvalidOperationException($"{model.GetType().Name}: no weights loaded."));
        int head = info.OutputSize * info.HiddenSize + info.OutputSize;
        int layer = packed.Length - head; // one layer: 4 · PaddedHidden · (1 + I + H) floats
        int columns = 1 + info.InputSize + info.HiddenSize;
        if (layer % columns != 0)
            throw new InvalidOperationException($"{info.Name}: {layer} packed floats are not one layer of {columns} rows.");
        long inputBytes = 4L * layer / columns * info.InputSize;
        return new WeightFacts(info.Name, packed.Length, head, layer * 4L, PrecomputedSteps(model), inputBytes);
    }

    /// <summary>
    /// The generated model struct's <c>PrecomputedSteps</c> (see the generator's KernelPlan), read by reflection; 1 when
    /// it precomputes nothing ahead.
    /// </summary>
    private static int PrecomputedSteps(object model)
    {
        string plan = model.GetType().Name + "Model"; // a file-local struct: the compiler prefixes its name
        int steps = model.GetType().Assembly.GetTypes()
            .Where(type => type.Name.EndsWith(plan, StringComparison.Ordinal))
            .Select(type => (int)type.GetProperty("PrecomputedSteps", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)
            .Single();
        return Math.Max(steps, 1);
    }

    public static List<WeightFacts> All() =>
    [
        Facts<MidCase>(() => { var m = new MidModel(); m.LoadWeights(Cases.Weights(MidCase.Info)); return m; }),
        Facts<LargeCase>(() => { var m = new LargeModel(); m.LoadWeights(Cases.Weights(LargeCase.Info)); return m; }),
    ];

    /// <summary>Per-core data cache sizes from Linux sysfs ("L1d 48 KB", "L2 1024 KB", ...); empty elsewhere.</summary>
    public static List<string> CacheSizes()
    {
        var sizes = new List<string>();
        try
        {
            string dir = "/sys/devices/system/cpu/cpu0/cache";
            if (!Directory.Exists(dir)) return sizes;
            foreach (string index in Directory.GetDirectories(dir, "index*"))
            {
                string type = File.ReadAllText(Path.Combine(index, "type")).Trim();
                if (type == "Instruction") continue;
                string level = File.ReadAllText(Path.Combine(index, "level")).Trim();
                string size = File.ReadAllText(Path.Combine(index, "size")).Trim();
                sizes.Add($"L{level}{(type == "Data" ? "d" : "")} {size}");
            }
            sizes.Sort(StringComparer.Ordinal);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return sizes;
    }
}
