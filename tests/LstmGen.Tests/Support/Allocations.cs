using System;

namespace LstmGen.Tests.Support;

/// <summary>Measures what a piece of code allocates on the calling thread.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes allocated by <paramref name="repetitions"/> calls of <paramref name="run"/>, after a warm-up.
    /// The runtime itself may allocate once on this thread while it installs tier-1 code, so this takes the
    /// fewest of several windows: code that allocates per call shows up in every window.
    /// </summary>
    public static long Measure(Action run, int repetitions, int windows = 5)
    {
        for (int i = 0; i < repetitions; i++) run(); // warm-up: JIT, static initializers
        long fewest = long.MaxValue;
        for (int window = 0; window < windows && fewest > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < repetitions; i++) run();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
