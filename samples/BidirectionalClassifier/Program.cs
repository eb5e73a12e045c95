// A bidirectional classifier over variable-length sequences, as PyTorch runs one:
//     packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
//     _, h_n = gru(packed)
//     scores = fc(torch.cat((h_n[-2], h_n[-1]), 1))       # the last layer's forward and backward final states
// model.pt is the state_dict that torch.save wrote for such a model, untrained (the golden case lens_bi_gru2);
// pytorch-batch.safetensors holds a padded batch and the scores PyTorch computed for it, which this program reproduces.
using System;
using System.IO;
using System.Linq;
using LstmGen;

var model = new SequenceClassifier();
model.LoadPyTorch(Path.Combine(AppContext.BaseDirectory, "model.pt"));

// Three sequences of their own lengths, zero-padded to the longest: input is [batch, T, InputSize].
var pytorch = SafetensorsFile.Load(Path.Combine(AppContext.BaseDirectory, "pytorch-batch.safetensors"));
int[] lengths = pytorch.Metadata["lengths"].Split(',').Select(int.Parse).ToArray(); // 11, 5, 8
float[] input = pytorch.ReadFloats("x");

// Each sequence runs only its own steps: the backward direction starts at its last one, not at the padding.
var scores = new float[lengths.Length * SequenceClassifier.OutputSize];
model.Forward(input, scores, lengths);

float[] expected = pytorch.ReadFloats("y_final");
for (int b = 0; b < lengths.Length; b++)
{
    float[] mine = Row(scores, b), theirs = Row(expected, b);
    Console.WriteLine($"Sequence {b} ({lengths[b],2} steps): class {Array.IndexOf(mine, mine.Max())}, " +
        $"scores {Format(mine)}; PyTorch's {Format(theirs)}");
}

// Float32 sums in another order than libtorch's differ in the last bits; anything larger would be a bug.
float maxDifference = scores.Zip(expected, (a, e) => Math.Abs(a - e)).Max();
Console.WriteLine($"Max difference from PyTorch: {maxDifference:E2}");
return maxDifference < 1e-5f ? 0 : 1; // non-zero exit code when the scores disagree

static float[] Row(float[] batch, int b) => batch.AsSpan(b * SequenceClassifier.OutputSize, SequenceClassifier.OutputSize).ToArray();
static string Format(float[] values) => "[" + string.Join(", ", values.Select(v => v.ToString("F6"))) + "]";

/// <summary>nn.GRU(3, 10, num_layers=2, bidirectional=True, batch_first=True) + nn.Linear(20, 2) on both final states.</summary>
[Gru(inputSize: 3, hiddenSize: 10, outputSize: 2, seqLen: 11, NumLayers = 2, Bidirectional = true, Readout = Readout.FinalState)]
public partial class SequenceClassifier;
