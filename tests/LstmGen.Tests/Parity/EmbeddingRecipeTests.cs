using System;
using System.IO;
using Xunit;

namespace LstmGen.Tests.Parity;

[Lstm(6, 10, 3, seqLen: 9)] public partial class TextClassifier;

/// <summary>The README's recipe for an embedding before the LSTM, against PyTorch's text classifier (Golden/made/make_embedding.py).</summary>
public class EmbeddingRecipeTests
{
    [Fact]
    public void The_embedding_lookup_before_Forward_gives_PyTorchs_output()
    {
        string weights = GoldenParity.GoldenPath(Path.Combine("made", "text_classifier.pt"));
        SafetensorsFile io = SafetensorsFile.Load(GoldenParity.GoldenPath(Path.Combine("made", "text_classifier.io.safetensors")));
        float[] tokens = io.ReadFloats("tokens"), expected = io.ReadFloats("y"); // [2, 9] token ids, [2, 3]
        int steps = io.GetInfo("tokens").Shape[1];

        var model = new TextClassifier();
        model.LoadPyTorch(weights);
        float[] table = PyTorchFile.Load(weights).ReadFloats("embedding.weight");
        var x = new float[steps * TextClassifier.InputSize];
        var y = new float[TextClassifier.OutputSize];
        for (int b = 0; b < expected.Length / TextClassifier.OutputSize; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                int token = (int)tokens[b * steps + t];
                table.AsSpan(token * TextClassifier.InputSize, TextClassifier.InputSize).CopyTo(x.AsSpan(t * TextClassifier.InputSize));
            }
            model.Forward(x, y);
            Assert.InRange(GoldenParity.MaxAbsDifference(y, expected.AsSpan(b * TextClassifier.OutputSize, TextClassifier.OutputSize)), 0f, 1e-6f);
        }
    }
}
