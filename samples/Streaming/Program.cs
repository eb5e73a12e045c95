// Streaming inference, as an audio effect runs it: one sample in, one sample out, state carried between calls.
// The model is a GRU (input 1, hidden 40, output 1) trained in PyTorch; its weights (model.safetensors, the
// golden case gru_audio) are compiled into this executable, so there is no file to load at run time.
using System;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using LstmGen;

const int sampleRate = 48_000;
const int blockSize = 256; // what an audio callback typically hands over

var effect = new AudioGru(); // ready to run: weights compiled in
var input = new float[blockSize];
var output = new float[blockSize];
double phase = 0, sumSquares = 0;
long samples = 0;

// One second of a 440 Hz tone, processed block by block, sample by sample.
void ProcessOneSecond()
{
    for (int block = 0; block < sampleRate / blockSize; block++)
    {
        for (int i = 0; i < blockSize; i++, phase += 2 * Math.PI * 440 / sampleRate)
            input[i] = 0.5f * (float)Math.Sin(phase);

        for (int i = 0; i < blockSize; i++)
            effect.Step(input.AsSpan(i, 1), output.AsSpan(i, 1));

        foreach (float y in output) sumSquares += y * y;
        samples += blockSize;
    }
}

// Warm-up: half a second of wall-clock time (about a hundred seconds of audio), so that tiered compilation has
// replaced the first, unoptimized code of the hot path before it is timed.
var warmUp = Stopwatch.StartNew();
while (warmUp.ElapsedMilliseconds < 500)
    ProcessOneSecond();
effect.ResetState();
(sumSquares, samples, phase) = (0, 0, 0);
var clock = Stopwatch.StartNew();
ProcessOneSecond();
clock.Stop();

var state = new float[AudioGru.NumLayers * AudioGru.HiddenSize];
effect.GetState(state);
Console.WriteLine($"Processed {samples} samples ({(double)samples / sampleRate:F2} s of audio at {sampleRate} Hz).");
Console.WriteLine($"Output RMS: {Math.Sqrt(sumSquares / samples):F4}; last outputs: {string.Join(", ", output[^4..].Select(v => v.ToString("F4")))}");
Console.WriteLine($"Hidden state after the stream: {AudioGru.HiddenSize} values, first {state[0]:F4}.");
bool optimized = typeof(AudioGru).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
Console.WriteLine($"Time per sample: {clock.Elapsed.TotalNanoseconds / samples:F0} ns (this run, after the warm-up)" +
    (optimized ? "." : "; this is a Debug build, which the JIT does not optimize: run with -c Release."));

effect.ResetState(); // a new stream starts from zero

/// <summary>nn.GRU(1, 40) + nn.Linear(40, 1); seqLen is what sequence Forward takes, Step takes any number of steps.</summary>
[Gru(inputSize: 1, hiddenSize: 40, outputSize: 1, seqLen: 200, Weights = "model.safetensors")]
public partial class AudioGru;
